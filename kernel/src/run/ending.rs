//! The lines that end a run's output: each check's verdict with the observed and
//! expected values the record holds (`check FAIL: p99 latency — observed 812 ms, expected
//! < 500 ms`), and the last line, which says how the run ended and with which exit code
//! (`finished: 2 of 4 checks failed (exit 2)`, `failed at step 3 (Latency): Panic
//! (exit 1)`, `interrupted at step 2 (Logs) (exit 130)`), where a bare "stopped in 21.5s"
//! read like an abort.

use playbook::check::{CheckResult, Verdict};

use crate::exit::Exit;
use crate::record::run_record::{CellStatus, Failure};
use crate::record::summary::StepTime;
use crate::visible;

/// A check's verdict line, with the values it compared when the record holds them, as a
/// terminal shows it (control characters as escapes).
pub(super) fn check_line(check: &CheckResult) -> String {
    visible::name(&crate::cells::verdicts::verdict_line(check)).into_owned()
}

/// What the last line is made of.
pub(super) struct Ending<'a> {
    pub(super) exit: Exit,
    pub(super) checks: &'a [CheckResult],
    pub(super) steps: &'a [StepTime],
    pub(super) failures: &'a [Failure],
}

impl Ending<'_> {
    /// The run's last line.
    pub(super) fn line(&self) -> String {
        let code = self.exit.code();
        match self.exit {
            Exit::Ok | Exit::CheckFailed => format!("finished: {} (exit {code})", self.checks()),
            Exit::OutputFailed => format!(
                "finished: {}, but an output could not be delivered (exit {code})",
                self.checks()
            ),
            Exit::Interrupted => match self.step_that(CellStatus::Interrupted) {
                Some(step) => format!("interrupted at {step} (exit {code})"),
                None => format!("interrupted before the first step (exit {code})"),
            },
            Exit::CellFailed | Exit::BadInput | Exit::SourceUnavailable | Exit::SourceRefused => {
                self.failed(code)
            }
        }
    }

    /// `failed at step 3 (Latency): Panic (exit 1)`; several with `--allow-errors`.
    fn failed(&self, code: u8) -> String {
        let Some(step) = self.step_that(CellStatus::Failed) else {
            return format!("failed before the first step (exit {code})");
        };
        let why = self
            .failures
            .first()
            .map(|f| format!(": {}", visible::name(&f.ename)))
            .unwrap_or_default();
        let failed = self
            .steps
            .iter()
            .filter(|s| s.status == CellStatus::Failed)
            .count();
        if failed > 1 {
            format!("failed: {failed} steps, the first at {step}{why} (exit {code})")
        } else {
            format!("failed at {step}{why} (exit {code})")
        }
    }

    /// `step 3 (Latency)`: the first step that ended with `status`.
    fn step_that(&self, status: CellStatus) -> Option<String> {
        let (index, step) = (self.steps.iter().enumerate()).find(|(_, s)| s.status == status)?;
        Some(format!(
            "step {} ({})",
            index + 1,
            visible::name(&step.step)
        ))
    }

    /// `2 of 4 checks failed`, `all 3 checks passed, 1 warned`, `no checks`.
    fn checks(&self) -> String {
        let total = self.checks.len();
        let count = |v: Verdict| self.checks.iter().filter(|c| c.verdict == v).count();
        let (failed, warned) = (count(Verdict::Fail), count(Verdict::Warn));
        let noun = if total == 1 { "check" } else { "checks" };
        let mut text = match (total, failed) {
            (0, _) => return "every step ran; no checks".to_owned(),
            (_, 0) if total == 1 => "the check passed".to_owned(),
            (_, 0) => format!("all {total} checks passed"),
            _ => format!("{failed} of {total} {noun} failed"),
        };
        if warned > 0 {
            text.push_str(&format!(", {warned} warned"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, verdict: Verdict) -> CheckResult {
        CheckResult {
            name: name.into(),
            verdict,
            observed: Some("812 ms".into()),
            expected: Some("< 500 ms".into()),
        }
    }

    fn step(name: &str, status: CellStatus) -> StepTime {
        StepTime {
            step: name.into(),
            status,
            seconds: 0.1,
        }
    }

    #[test]
    fn a_verdict_line_carries_the_observed_and_expected_values() {
        assert_eq!(
            check_line(&check("p99 latency under target", Verdict::Fail)),
            "check FAIL: p99 latency under target — observed 812 ms, expected < 500 ms"
        );
        let bare = CheckResult {
            observed: None,
            expected: None,
            ..check("x\u{1b}[2J", Verdict::Pass)
        };
        assert_eq!(check_line(&bare), "check PASS: x\\u{1b}[2J");
    }

    fn ending(
        exit: Exit,
        checks: &[CheckResult],
        steps: &[StepTime],
        failures: &[Failure],
    ) -> String {
        Ending {
            exit,
            checks,
            steps,
            failures,
        }
        .line()
    }

    #[test]
    fn the_last_line_says_how_the_run_ended_and_its_exit_code() {
        let steps = [
            step("Parameters", CellStatus::Ok),
            step("Latency", CellStatus::Ok),
        ];
        let checks = [
            check("a", Verdict::Fail),
            check("b", Verdict::Pass),
            check("c", Verdict::Fail),
            check("d", Verdict::Warn),
        ];
        assert_eq!(
            ending(Exit::CheckFailed, &checks, &steps, &[]),
            "finished: 2 of 4 checks failed, 1 warned (exit 2)"
        );
        assert_eq!(
            ending(Exit::Ok, &checks[1..2], &steps, &[]),
            "finished: the check passed (exit 0)"
        );
        assert_eq!(
            ending(Exit::Ok, &[], &steps, &[]),
            "finished: every step ran; no checks (exit 0)"
        );
        let failed = [
            step("Parameters", CellStatus::Ok),
            step("Latency", CellStatus::Failed),
        ];
        let failure = [Failure {
            cell: 3,
            ename: "Panic".into(),
            evalue: "boom".into(),
        }];
        assert_eq!(
            ending(Exit::CellFailed, &[], &failed, &failure),
            "failed at step 2 (Latency): Panic (exit 1)"
        );
        assert_eq!(
            ending(Exit::SourceRefused, &[], &[], &[]),
            "failed before the first step (exit 5)"
        );
        let stopped = [step("Parameters", CellStatus::Interrupted)];
        assert_eq!(
            ending(Exit::Interrupted, &[], &stopped, &[]),
            "interrupted at step 1 (Parameters) (exit 130)"
        );
        assert_eq!(
            ending(Exit::OutputFailed, &checks[1..2], &steps, &[]),
            "finished: the check passed, but an output could not be delivered (exit 6)"
        );
    }
}
