//! `playbook report RECORD [--format md|html] [-o FILE] [--compare OTHER]`: the record as
//! a document people read. The story first: a header card (what was investigated, the
//! status and verdicts, window, source, account and region, the parameters in effect),
//! then the checks (each linked to the step that stated it), then the steps in notebook
//! order with their prose, tables and charts, and the query log as an appendix.
//!
//! The report, `--compare` and `--postmortem` each build a `document::Document` (as does
//! `fleet.html`), which one HTML and one Markdown back end render (`document/`).
//! HTML is one self-contained file (inline SVG, no script; dark mode and a print
//! stylesheet); Markdown suits a ticket and renders on GitHub, its charts written as SVG
//! files beside it. Outputs' HTML and SVG are the user's data: `sanitise.rs` cleans them
//! on their way into either, and every HTML document carries a Content-Security-Policy
//! that runs no script and loads nothing. `--compare` puts two records of the same
//! notebook side by side (`compare.rs`). `--postmortem` assembles a post-incident review
//! from one or more records (`postmortem/`). The report is derived from the record and nothing else.

mod actions;
mod build;
mod compare;
pub(crate) mod document;
mod markup;
mod postmortem;
mod sanitise;
mod story;

use chrono::{DateTime, Utc};

use crate::record::notebook::Notebook;
use crate::record::run_record::{self as record, RunRecord};
pub(crate) use compare::NotComparable;
pub(crate) use postmortem::render as render_postmortem;
pub(crate) use postmortem::{Direction as KpiDirection, KpiChoice};
use story::Story;

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Md,
    Html,
}

/// A rendered report: the document, and the files it links to (Markdown's charts), by
/// name relative to the document.
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    pub(crate) text: String,
    pub(crate) files: Vec<(String, String)>,
}

/// Renders the report of `record`. `files_dir`: where a Markdown report may write its
/// charts (a directory name relative to the document); `None` (standard output): the
/// charts are only named.
pub(crate) fn render(record: &Notebook, format: Format, files_dir: Option<&str>) -> Rendered {
    document::render(&build::document(&Story::read(record)), format, files_dir)
}

/// Renders what changed from `before` to `after`, two records of the same notebook
/// (`files_dir` as for [`render`]: where Markdown's overlaid charts go).
pub(crate) fn render_comparison(
    before: &Notebook,
    after: &Notebook,
    format: Format,
    files_dir: Option<&str>,
) -> Result<Rendered, NotComparable> {
    compare::render(&Story::read(before), &Story::read(after), format, files_dir)
}

/// The directory beside a Markdown report that holds its charts: `NAME.files`.
pub(crate) fn files_dir_name(report: &std::path::Path) -> String {
    let stem = report
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    format!("{stem}.files")
}

/// Whether `notebook` holds a readable run record (it was run by `playbook run`).
pub(crate) fn has_run_record(notebook: &Notebook) -> bool {
    (notebook.metadata(record::KEY)).is_some_and(|m| record::parse::<RunRecord>(m).is_ok())
}

/// Two records in the order they ran (by their run records' start; as given otherwise).
pub(crate) fn in_order<'a>(a: &'a Notebook, b: &'a Notebook) -> (&'a Notebook, &'a Notebook) {
    let started = |n: &Notebook| {
        (n.metadata(record::KEY))
            .and_then(|m| record::parse::<RunRecord>(m).ok())
            .map(|r| r.started)
    };
    match (started(a), started(b)) {
        (Some(x), Some(y)) if x > y => (b, a),
        _ => (a, b),
    }
}

/// The run's facts for the header card, label and value, in reading order.
fn run_facts(run: &RunRecord) -> Vec<(&'static str, String)> {
    let mut facts = Vec::new();
    if let Some(window) = run.window {
        facts.push(("Window", format!("{window} (UTC)")));
    }
    if let Some(source) = &run.source {
        facts.push(("Source", source.clone()));
    }
    let place: Vec<&str> = [&run.account, &run.region]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if !place.is_empty() {
        facts.push(("Account / region", place.join(" / ")));
    }
    for (label, value) in [("Role", &run.role), ("Endpoint", &run.endpoint)] {
        if let Some(value) = value {
            facts.push((label, value.clone()));
        }
    }
    if let Some(cause) = &run.cause {
        facts.push(("Started by", cause.describe()));
    }
    facts.push(("When", when(run.started, run.finished)));
    let mut by: Vec<String> = vec![run.run_id.clone()];
    let who: Vec<&str> = [&run.user, &run.host]
        .into_iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    if !who.is_empty() {
        by.push(who.join(" on "));
    }
    if !run.tool_version.is_empty() {
        by.push(format!("playbook {}", run.tool_version));
    }
    facts.push(("Run", by.join(" · ")));
    facts
}

/// "started … (took 12.3 s)".
fn when(started: DateTime<Utc>, finished: Option<DateTime<Utc>>) -> String {
    let started_text = record::millis_text(started);
    match finished {
        Some(finished) => {
            let seconds = (finished - started).num_milliseconds() as f64 / 1000.0;
            format!("{started_text}, took {seconds:.1} s")
        }
        None => format!("{started_text}, did not finish"),
    }
}

/// The parameters in effect (defaults included), as the record has them; older records
/// only have the given ones.
fn parameters(run: &RunRecord) -> Vec<(String, String)> {
    if run.parameters.resolved.is_empty() {
        return run.parameters.given.clone().into_iter().collect();
    }
    (run.parameters.resolved.iter())
        .map(|(name, value)| {
            let shown = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (name.clone(), shown)
        })
        .collect()
}

/// "3 checks: 1 failed, 2 passed" and the like.
fn verdict_line(run: &RunRecord) -> String {
    let (pass, warn, fail) = story::verdict_counts(run);
    let total = pass + warn + fail;
    if total == 0 {
        return "no checks".to_owned();
    }
    let mut parts = Vec::new();
    if fail > 0 {
        parts.push(format!("{fail} failed"));
    }
    if warn > 0 {
        parts.push(format!("{warn} warned"));
    }
    if pass > 0 {
        parts.push(format!("{pass} passed"));
    }
    let noun = if total == 1 { "check" } else { "checks" };
    format!("{total} {noun}: {}", parts.join(", "))
}

#[cfg(test)]
mod tests;
