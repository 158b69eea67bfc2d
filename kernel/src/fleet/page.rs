//! The fleet at a glance, readable without a server (`fleet.html`, and `fleet.md` for a
//! ticket): a targets × checks matrix with each target's status, exit code and duration,
//! and links to its record and report (relative when they are beside the page, the S3
//! console for `s3://`). A `report::document::Document`, rendered by its two back ends
//! (names escaped, control and bidi characters shown as escapes; the HTML page's
//! Content-Security-Policy runs no script and loads nothing).

use std::fmt::Write as _;
use std::path::Path;

use playbook::check::Verdict;

use super::summary::{FleetSummary, TargetEntry};
use crate::record::summary::Delivery;
use crate::report::document::{self, Block, Cell, Document, Inline, Row, Table};
use crate::report::{Format, Rendered};

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}\
th{background:#f4f4f4}td.pass{background:#e6f4ea}td.fail{background:#fce8e6;font-weight:600}\
td.warn{background:#fef7e0}td.none{color:#999}.ok{color:#137333}.bad{color:#c5221f;font-weight:600}\n";

/// The page for `fleet` as `format`, whose links are relative to `dir` (where the page is
/// written; `None`: it goes to S3, links stay absolute).
pub(crate) fn render(fleet: &FleetSummary, dir: Option<&Path>, format: Format) -> String {
    let Rendered { text, .. } = document::render(&self::document(fleet, dir), format, None);
    text
}

fn document(fleet: &FleetSummary, dir: Option<&Path>) -> Document {
    let checks = check_names(&fleet.targets);
    let notebook = Path::new(&fleet.notebook).file_stem().map_or_else(
        || fleet.notebook.clone(),
        |s| s.to_string_lossy().into_owned(),
    );
    let n = fleet.targets.len() + fleet.not_run.len();
    let exit = serde_json::to_value(fleet.exit_class)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let jobs = (fleet.jobs).map_or_else(String::new, |j| format!(", {j} at a time"));
    let line = vec![
        Inline::text("Exit "),
        Inline::Strong(vec![Inline::Span {
            class: Some(ok_or_bad(fleet.exit_code).to_owned()),
            inlines: vec![Inline::Text(format!("{} ({exit})", fleet.exit_code))],
        }]),
        Inline::Text(format!(
            "; started {}, {:.1} s{jobs}.",
            fleet.started.format("%Y-%m-%d %H:%M:%S UTC"),
            fleet.duration
        )),
    ];
    let mut head: Vec<String> = ["target", "status", "exit", "seconds"]
        .map(str::to_owned)
        .into();
    head.extend(checks.iter().cloned());
    head.extend(["record", "report"].map(str::to_owned));
    let mut rows: Vec<Row> = (fleet.targets.iter())
        .map(|entry| row(entry, &checks, dir))
        .collect();
    for name in &fleet.not_run {
        let not_run = Cell {
            span: Some(checks.len() + 5),
            ..Cell::text("not run").class("none")
        };
        rows.push(Row {
            cells: vec![Cell::text(name), not_run],
            ..Row::default()
        });
    }
    Document {
        title: format!("{notebook} — fleet"),
        css: STYLE.to_owned(),
        chart_elsewhere: "",
        blocks: vec![
            Block::heading(1, format!("{notebook}: {n} target(s)")),
            Block::para(line),
            Block::Table(Table { head, rows }),
        ],
    }
}

fn ok_or_bad(exit_code: u8) -> &'static str {
    if exit_code == 0 { "ok" } else { "bad" }
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

fn row(entry: &TargetEntry, checks: &[String], dir: Option<&Path>) -> Row {
    let run = &entry.run;
    let class = ok_or_bad(run.exit_code);
    let retried = match run.retried_calls {
        0 => String::new(),
        n => format!(" ({n} calls retried)"),
    };
    let mut cells = vec![
        Cell::text(&entry.name),
        Cell::text(format!("{}{retried}", run.status.as_str())).class(class),
        Cell::text(run.exit_code.to_string()).class(class),
        Cell::text(format!("{:.1}", run.duration)),
    ];
    for name in checks {
        cells.push(match run.checks.iter().find(|c| &c.name == name) {
            None => Cell::text("–").class("none"),
            Some(check) => {
                let (class, mark) = match check.verdict {
                    Verdict::Pass => ("pass", "✓ pass"),
                    Verdict::Warn => ("warn", "! warn"),
                    Verdict::Fail => ("fail", "✗ fail"),
                };
                let title = match (&check.observed, &check.expected) {
                    (Some(o), Some(e)) => Some(format!("observed {o}, expected {e}")),
                    _ => None,
                };
                Cell {
                    title,
                    ..Cell::text(mark).class(class)
                }
            }
        });
    }
    for what in [Delivery::Record, Delivery::Report] {
        cells.push(match run.outputs.iter().find(|o| o.what == what && o.ok) {
            Some(output) => Cell::of(vec![Inline::Link {
                href: link(&output.to, dir),
                text: vec![Inline::text(what.as_str())],
            }]),
            None => Cell::text("–").class("none"),
        });
    }
    Row {
        cells,
        ..Row::default()
    }
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
