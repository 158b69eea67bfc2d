//! A check's verdict as one line with the values it compared (`check FAIL: p99 latency
//! under target — observed 812 ms, expected < 500 ms`): shown in the cell that recorded
//! the check when the cell's result does not show it already (a check stated as a
//! statement, or one of several), and printed by `playbook run` at the end of a run.

use jupyter_protocol::{DisplayData, Media, MediaType};
use playbook::check::CheckResult;

/// The verdict line of `check`, with the values the record holds.
pub(crate) fn verdict_line(check: &CheckResult) -> String {
    let mut line = format!("check {}: {}", check.verdict, check.name);
    match (&check.observed, &check.expected) {
        (Some(o), Some(e)) => line.push_str(&format!(" — observed {o}, expected {e}")),
        (Some(o), None) => line.push_str(&format!(" — observed {o}")),
        (None, Some(e)) => line.push_str(&format!(" — expected {e}")),
        (None, None) => {}
    }
    line
}

/// The verdict lines of the checks a cell recorded that its result (`shown`, its plain
/// text) does not name, as one `display_data`.
pub(crate) fn unshown(checks: &[CheckResult], shown: &str) -> Option<DisplayData> {
    let lines: Vec<String> = checks
        .iter()
        .filter(|c| !shown.contains(c.name.as_str()))
        .map(verdict_line)
        .collect();
    if lines.is_empty() {
        return None;
    }
    let html: String = lines
        .iter()
        .map(|l| format!("<p>{}</p>", playbook::html::escape(l)))
        .collect();
    Some(DisplayData::new(Media::new(vec![
        MediaType::Plain(lines.join("\n")),
        MediaType::Html(html),
    ])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use playbook::check::Verdict;

    fn check(name: &str, verdict: Verdict) -> CheckResult {
        CheckResult {
            name: name.into(),
            verdict,
            observed: Some("812 ms".into()),
            expected: Some("< 500 ms".into()),
        }
    }

    #[test]
    fn a_verdict_line_carries_the_observed_and_expected_values() {
        assert_eq!(
            verdict_line(&check("p99 latency under target", Verdict::Fail)),
            "check FAIL: p99 latency under target — observed 812 ms, expected < 500 ms"
        );
        let bare = CheckResult {
            observed: None,
            expected: Some("true".into()),
            ..check("ok", Verdict::Pass)
        };
        assert_eq!(verdict_line(&bare), "check PASS: ok — expected true");
    }

    #[test]
    fn only_checks_the_result_does_not_show_get_a_line() {
        let checks = [
            check("p99 <latency>", Verdict::Fail),
            check("errors", Verdict::Pass),
        ];
        let shown = "PASS errors: observed 812 ms, expected < 500 ms";
        let display = unshown(&checks, shown).expect("one check is not shown");
        let media = serde_json::to_value(&display.data).unwrap();
        assert_eq!(
            media["text/plain"],
            "check FAIL: p99 <latency> — observed 812 ms, expected < 500 ms"
        );
        assert!(
            media["text/html"]
                .as_str()
                .unwrap()
                .contains("p99 &lt;latency&gt;")
        );
        assert!(unshown(&checks, "p99 <latency> and errors").is_none());
    }
}
