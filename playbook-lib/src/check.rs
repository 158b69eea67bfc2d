//! Checks: the playbook's verdicts ("p99 latency is back under 250 ms").
//!
//! A check compares an observed value with what is expected and records a verdict
//! (pass, warn, fail) with the host, which keeps every check of the session for the
//! incident record; `playbook run` exits 2 when a check failed. Each result shows itself
//! in the cell, and [`checks`] shows the table of all of them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::client::host;
pub use crate::model::check::{CheckResult, Verdict};
use crate::model::error::Result;
use crate::protocol::Request;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

/// Builds a check: `Check::new("p99 latency").expect_below(p99, 250.0)`.
#[derive(Debug, Clone)]
pub struct Check {
    pub(crate) name: String,
    unit: String,
    pub(crate) warn_only: bool,
    /// A poll of `wait_until`: its result is not recorded (the final verdict is).
    pub(crate) quiet: bool,
}

impl Check {
    /// A check named `name`.
    pub fn new(name: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            unit: String::new(),
            warn_only: false,
            quiet: false,
        }
    }

    /// Shows values with this unit (`"ms"`, `"%"`).
    pub fn unit(mut self, unit: impl Into<String>) -> Check {
        self.unit = unit.into();
        self
    }

    /// A failure of this check is only a warning (the run still succeeds).
    pub fn warn_only(mut self) -> Check {
        self.warn_only = true;
        self
    }

    fn value(&self, v: impl fmt::Display) -> String {
        let v = tidy(&v.to_string());
        if self.unit.is_empty() {
            v
        } else {
            format!("{v} {}", self.unit)
        }
    }

    pub(crate) fn finish(
        self,
        ok: bool,
        observed: Option<String>,
        expected: Option<String>,
    ) -> CheckResult {
        let verdict = match (ok, self.warn_only) {
            (true, _) => Verdict::Pass,
            (false, true) => Verdict::Warn,
            (false, false) => Verdict::Fail,
        };
        let result = CheckResult {
            name: self.name,
            verdict,
            observed,
            expected,
        };
        if !self.quiet {
            record(&result);
        }
        result
    }

    /// Passes when `condition` holds; `described` says what was expected.
    pub fn expect_that(self, condition: bool, described: &str) -> CheckResult {
        self.finish(
            condition,
            Some(condition.to_string()),
            Some(described.to_owned()),
        )
    }

    /// Passes when `condition` holds.
    pub fn expect(self, condition: bool) -> CheckResult {
        self.finish(condition, Some(condition.to_string()), Some("true".into()))
    }

    fn compare<T: fmt::Display>(self, observed: T, op: &str, bound: T, ok: bool) -> CheckResult {
        let (o, e) = (
            self.value(&observed),
            format!("{op} {}", self.value(&bound)),
        );
        self.finish(ok, Some(o), Some(e))
    }

    /// Passes when `observed < threshold`.
    pub fn expect_below<T: PartialOrd + fmt::Display>(
        self,
        observed: T,
        threshold: T,
    ) -> CheckResult {
        let ok = observed < threshold;
        self.compare(observed, "<", threshold, ok)
    }

    /// Passes when `observed <= limit`.
    pub fn expect_at_most<T: PartialOrd + fmt::Display>(
        self,
        observed: T,
        limit: T,
    ) -> CheckResult {
        let ok = observed <= limit;
        self.compare(observed, "<=", limit, ok)
    }

    /// Passes when `observed > threshold`.
    pub fn expect_above<T: PartialOrd + fmt::Display>(
        self,
        observed: T,
        threshold: T,
    ) -> CheckResult {
        let ok = observed > threshold;
        self.compare(observed, ">", threshold, ok)
    }

    /// Passes when `observed >= limit`.
    pub fn expect_at_least<T: PartialOrd + fmt::Display>(
        self,
        observed: T,
        limit: T,
    ) -> CheckResult {
        let ok = observed >= limit;
        self.compare(observed, ">=", limit, ok)
    }
}

/// A number as people read it in a verdict: at most 4 decimals, trailing zeros dropped
/// (`0.10452961672473868` → `0.1045`, `0.5062500000000001` → `0.5063`); other text as is.
fn tidy(text: &str) -> String {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && text.contains('.') => {
            let rounded = format!("{v:.4}");
            let trimmed = rounded.trim_end_matches('0').trim_end_matches('.');
            if trimmed == "0" || trimmed == "-0" {
                // Keep small values visible rather than rounding them to zero.
                format!("{v:.3e}")
            } else {
                trimmed.to_owned()
            }
        }
        _ => text.to_owned(),
    }
}

/// `check!("name", condition)`: a check of a boolean condition, described by its source.
#[macro_export]
macro_rules! check {
    ($name:expr, $condition:expr $(,)?) => {
        $crate::check::Check::new($name).expect_that($condition, stringify!($condition))
    };
}

fn record(result: &CheckResult) {
    let request = Request::Check {
        result: result.clone(),
    };
    if let Err(error) = host::call::<()>(&request) {
        eprintln!(
            "playbook: the check {:?} could not be recorded: {error}",
            result.name
        );
    }
}

/// Every check recorded in this session, in order.
pub fn checks() -> Result<CheckTable> {
    host::call(&Request::Checks).map(CheckTable)
}

/// A table of check results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckTable(pub Vec<CheckResult>);

impl CheckTable {
    /// Whether any check failed.
    pub fn any_failed(&self) -> bool {
        self.0.iter().any(|c| c.verdict == Verdict::Fail)
    }

    /// Shows the table as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

fn row_text(c: &CheckResult) -> String {
    let mut line = format!("{} {}", c.verdict, c.name);
    if let Some(observed) = &c.observed {
        line.push_str(&format!(": observed {observed}"));
    }
    if let Some(expected) = &c.expected {
        line.push_str(&format!(", expected {expected}"));
    }
    line
}

/// The table of `results`, one row (and line) each.
fn table<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> Table {
    let mut table =
        Table::new(["check", "observed", "expected", "verdict"]).class("playbook-checks");
    for c in results {
        let color = match c.verdict {
            Verdict::Pass => "#1a7f37",
            Verdict::Warn => "#9a6700",
            Verdict::Fail => "#cf222e",
        };
        table.push(
            Row::new(vec![
                Cell::new(&c.name),
                Cell::new(c.observed.as_deref().unwrap_or("")),
                Cell::new(c.expected.as_deref().unwrap_or("")),
                Cell::new(c.verdict.to_string()).style(format!("color:{color};font-weight:bold")),
            ])
            .line(row_text(c)),
        );
    }
    table
}

impl Render for CheckResult {
    fn bundle(&self) -> MimeBundle {
        let table = table([self]);
        MimeBundle::text(table.lines().join("\n")).with_html(table.html())
    }
}

impl CheckResult {
    /// Shows the result as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl Render for CheckTable {
    fn bundle(&self) -> MimeBundle {
        let table = table(&self.0);
        let failed = self.0.iter().filter(|c| c.verdict == Verdict::Fail).count();
        let summary = format!("{} checks, {failed} failed", self.0.len());
        MimeBundle::text(format!("{summary}\n{}", table.lines().join("\n")))
            .with_html(format!("<p>{summary}</p>{}", table.html()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(verdict: Verdict) -> CheckResult {
        CheckResult {
            name: "p99 <latency>".into(),
            verdict,
            observed: Some("312 ms".into()),
            expected: Some("< 250 ms".into()),
        }
    }

    #[test]
    fn renders_text_and_escaped_html() {
        let bundle = result(Verdict::Fail).bundle();
        assert_eq!(
            bundle.data["text/plain"],
            "FAIL p99 <latency>: observed 312 ms, expected < 250 ms"
        );
        let html = bundle.data["text/html"].as_str().unwrap();
        assert!(html.contains("<td>p99 &lt;latency&gt;</td><td>312 ms</td><td>&lt; 250 ms</td>"));
        assert!(html.contains("#cf222e"));
    }

    #[test]
    fn table_summarises_failures() {
        let table = CheckTable(vec![result(Verdict::Pass), result(Verdict::Fail)]);
        assert!(table.any_failed());
        assert!(
            table.bundle().data["text/plain"]
                .as_str()
                .unwrap()
                .starts_with("2 checks, 1 failed")
        );
    }

    #[test]
    fn verdicts_serialise_lowercase() {
        assert_eq!(serde_json::to_string(&Verdict::Warn).unwrap(), "\"warn\"");
    }

    #[test]
    fn verdict_numbers_are_tidy() {
        assert_eq!(tidy("0.10452961672473868"), "0.1045");
        assert_eq!(tidy("0.5062500000000001"), "0.5063");
        assert_eq!(tidy("312"), "312");
        assert_eq!(tidy("2.5"), "2.5");
        assert_eq!(tidy("0.00001234"), "1.234e-5");
        assert_eq!(tidy("true"), "true");
    }
}
