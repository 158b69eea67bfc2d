//! Verification: `wait_until` polls a check (a query and a condition) until it holds or
//! its time runs out — how a runbook says "p99 back under 500 ms within 10 minutes of the
//! rollback".
//!
//! ```no_run
//! use playbook::prelude::*;
//! use std::time::Duration;
//! # fn p99_now() -> playbook::Result<f64> { Ok(0.0) } // a metric query, in a runbook
//! let recovered = wait_until(
//!     Check::new("p99 back under 500 ms").unit("ms"),
//!     Duration::from_secs(600),
//!     Duration::from_secs(15),
//!     |check| Ok(check.expect_below(p99_now()?, 500.0)),
//! )?;
//! # Ok::<(), playbook::Error>(())
//! ```
//!
//! Each poll's result stays in the cell; only the verdict is recorded, once, as a check
//! like any other: held → pass; the time ran out → fail (warn with `warn_only`), so
//! `playbook run` exits 2 when the procedure did not work. A transient error of a poll
//! (throttling, an outage, a deadline) is retried at the next poll; any other stops it.

use std::time::{Duration, Instant};

use crate::check::{Check, CheckResult};
use crate::model::error::{Error, Result};

/// Polls `poll` every `every` until the check it returns passes or `timeout` has passed;
/// records the verdict (see the module's documentation) and returns it.
pub fn wait_until<F>(
    check: Check,
    timeout: Duration,
    every: Duration,
    mut poll: F,
) -> Result<CheckResult>
where
    F: FnMut(Check) -> Result<CheckResult>,
{
    let clock = Instant::now();
    let every = every.max(Duration::from_millis(10));
    let mut polls = 0u32;
    let last = loop {
        polls += 1;
        let mut quiet = check.clone();
        quiet.quiet = true;
        let observed = match poll(quiet) {
            Ok(result) if result.passed() => break Ok(result),
            Ok(result) => Ok(result),
            Err(Error::Host { kind, message }) if kind.is_transient() => Err(message),
            Err(other) => return Err(other),
        };
        let left = timeout.saturating_sub(clock.elapsed());
        if left.is_zero() {
            break Err(observed);
        }
        std::thread::sleep(every.min(left));
    };
    let elapsed = clock.elapsed().as_secs_f64();
    let within = format!("within {} s", timeout.as_secs_f64());
    let (ok, observed, expected) = match last {
        Ok(held) => (true, held.observed, held.expected),
        Err(Ok(last)) => (false, last.observed, last.expected),
        Err(Err(message)) => (false, Some(format!("error: {message}")), None),
    };
    let observed = format!(
        "{} after {polls} poll{} in {elapsed:.1} s{}",
        observed.unwrap_or_else(|| "nothing".into()),
        if polls == 1 { "" } else { "s" },
        if ok { "" } else { " (timed out)" },
    );
    let expected = match expected {
        Some(e) => format!("{e} {within}"),
        None => within,
    };
    Ok(check.finish(ok, Some(observed), Some(expected)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::check::Verdict;

    // Outside a kernel the final record fails quietly (no host); the verdict is returned.
    #[test]
    fn a_condition_that_comes_to_hold_passes_after_the_polls_it_took() {
        let mut n = 0;
        let result = wait_until(
            Check::new("recovered"),
            Duration::from_secs(5),
            Duration::from_millis(10),
            |check| {
                n += 1;
                Ok(check.expect_below(10 - n, 8))
            },
        )
        .unwrap();
        assert_eq!(result.verdict, Verdict::Pass);
        assert!(result.observed.unwrap().contains("after 3 polls"));
        assert_eq!(result.expected.as_deref(), Some("< 8 within 5 s"));
    }

    #[test]
    fn a_condition_that_never_holds_fails_when_the_time_runs_out() {
        let result = wait_until(
            Check::new("recovered").warn_only(),
            Duration::from_millis(50),
            Duration::from_millis(20),
            |check| Ok(check.expect(false)),
        )
        .unwrap();
        assert_eq!(result.verdict, Verdict::Warn);
        assert!(result.observed.unwrap().ends_with("(timed out)"));
    }

    #[test]
    fn a_lasting_error_stops_the_wait() {
        let error = wait_until(
            Check::new("recovered"),
            Duration::from_secs(5),
            Duration::from_millis(10),
            |_| Err(Error::InvalidInput("no such metric".into())),
        )
        .unwrap_err();
        assert!(error.to_string().contains("no such metric"));
    }
}
