//! `fleet.html`: the fleet at a glance, readable without a server — a targets × checks
//! matrix with each target's status, exit code and duration, and links to its record and
//! report (relative when they are beside the page, the S3 console for `s3://`). Names
//! pass through `crate::visible` (control and bidi characters shown as escapes); the
//! page's Content-Security-Policy runs no script and loads nothing.

use std::fmt::Write as _;
use std::path::Path;

use playbook::check::Verdict;

use super::summary::{FleetSummary, TargetEntry};
use crate::record::summary::Delivery;
use crate::report::CSP_META;
use crate::visible::html as escape;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}\
th{background:#f4f4f4}td.pass{background:#e6f4ea}td.fail{background:#fce8e6;font-weight:600}\
td.warn{background:#fef7e0}td.none{color:#999}.ok{color:#137333}.bad{color:#c5221f;font-weight:600}";

/// The page for `fleet`, whose links are relative to `dir` (where the page is written;
/// `None`: it goes to S3, links stay absolute).
pub(crate) fn render(fleet: &FleetSummary, dir: Option<&Path>) -> String {
    let checks = check_names(&fleet.targets);
    let notebook = Path::new(&fleet.notebook).file_stem().map_or_else(
        || fleet.notebook.clone(),
        |s| s.to_string_lossy().into_owned(),
    );
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">{CSP_META}<title>{title} — fleet</title>\
         <style>{STYLE}</style></head><body>\n<h1>{title}: {n} target(s)</h1>\n\
         <p>Exit <b class=\"{class}\">{code} ({exit})</b>; started {started}, {duration:.1} s{jobs}.</p>\n",
        title = escape(&notebook),
        n = fleet.targets.len() + fleet.not_run.len(),
        class = if fleet.exit_code == 0 { "ok" } else { "bad" },
        code = fleet.exit_code,
        exit = serde_json::to_value(fleet.exit_class)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        started = fleet.started.format("%Y-%m-%d %H:%M:%S UTC"),
        duration = fleet.duration,
        jobs = fleet
            .jobs
            .map(|j| format!(", {j} at a time"))
            .unwrap_or_default(),
    );
    page.push_str("<table>\n<tr><th>target</th><th>status</th><th>exit</th><th>seconds</th>");
    for check in &checks {
        let _ = write!(page, "<th>{}</th>", escape(check));
    }
    page.push_str("<th>record</th><th>report</th></tr>\n");
    for entry in &fleet.targets {
        row(&mut page, entry, &checks, dir);
    }
    for name in &fleet.not_run {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td colspan=\"{}\" class=\"none\">not run</td></tr>",
            escape(name),
            checks.len() + 5
        );
    }
    page.push_str("</table>\n</body></html>\n");
    page
}

/// Every check name, in the order the targets first state them.
fn check_names(targets: &[TargetEntry]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for check in targets.iter().flat_map(|t| &t.run.checks) {
        if !names.contains(&check.name) {
            names.push(check.name.clone());
        }
    }
    names
}

fn row(page: &mut String, entry: &TargetEntry, checks: &[String], dir: Option<&Path>) {
    let run = &entry.run;
    let class = if run.exit_code == 0 { "ok" } else { "bad" };
    let retried = match run.retried_calls {
        0 => String::new(),
        n => format!(" ({n} calls retried)"),
    };
    let _ = write!(
        page,
        "<tr><td>{}</td><td class=\"{class}\">{}{retried}</td><td class=\"{class}\">{}</td><td>{:.1}</td>",
        escape(&entry.name),
        escape(run.status.as_str()),
        run.exit_code,
        run.duration
    );
    for name in checks {
        match run.checks.iter().find(|c| &c.name == name) {
            None => page.push_str("<td class=\"none\">–</td>"),
            Some(check) => {
                let (class, mark) = match check.verdict {
                    Verdict::Pass => ("pass", "✓ pass"),
                    Verdict::Warn => ("warn", "! warn"),
                    Verdict::Fail => ("fail", "✗ fail"),
                };
                let detail = match (&check.observed, &check.expected) {
                    (Some(o), Some(e)) => format!("observed {o}, expected {e}"),
                    _ => String::new(),
                };
                let _ = write!(
                    page,
                    "<td class=\"{class}\" title=\"{}\">{mark}</td>",
                    escape(&detail)
                );
            }
        }
    }
    for what in [Delivery::Record, Delivery::Report] {
        match run.outputs.iter().find(|o| o.what == what && o.ok) {
            Some(output) => {
                let _ = write!(
                    page,
                    "<td><a href=\"{}\">{}</a></td>",
                    escape(&link(&output.to, dir)),
                    what.as_str()
                );
            }
            None => page.push_str("<td class=\"none\">–</td>"),
        }
    }
    page.push_str("</tr>\n");
}

/// Where a link to `to` points from a page in `dir`: relative below it, the S3 console for
/// `s3://`, else a `file://` address.
fn link(to: &str, dir: Option<&Path>) -> String {
    if let Some(rest) = to.strip_prefix("s3://") {
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        return format!(
            "https://s3.console.aws.amazon.com/s3/object/{bucket}?prefix={}",
            encode(key)
        );
    }
    let path = Path::new(to);
    if let Some(relative) = dir.and_then(|d| path.strip_prefix(d).ok()) {
        return relative
            .components()
            .map(|c| encode(&c.as_os_str().to_string_lossy()))
            .collect::<Vec<_>>()
            .join("/");
    }
    format!("file://{}", encode(to).replace("%2F", "/"))
}

/// Percent-encodes what is not unreserved in a URL.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_beside_the_page_and_to_the_console_for_s3() {
        let dir = Path::new("/out/fleet");
        assert_eq!(
            link("/out/fleet/checkout eu/record.ipynb", Some(dir)),
            "checkout%20eu/record.ipynb"
        );
        assert_eq!(
            link("/elsewhere/r.ipynb", Some(dir)),
            "file:///elsewhere/r.ipynb"
        );
        assert_eq!(
            link("s3://records/fleet/a/record.ipynb", None),
            "https://s3.console.aws.amazon.com/s3/object/records?prefix=fleet%2Fa%2Frecord.ipynb"
        );
    }
}
