//! `playbook report RECORD [--format md|html] [-o FILE]`: a readable incident summary of
//! an executed notebook — title, run, parameters, step table, and each step's text,
//! tables and charts. HTML is self-contained (SVG inline); Markdown suits a ticket.
//!
//! The run and each cell are read through the record types the runner wrote
//! (`record.rs`); cell outputs are the user's data and stay JSON.

use std::fmt::Write as _;

use playbook::html::escape;
use serde_json::Value;

use super::notebook::Notebook;
use super::record::{self, CellRecord, RunRecord};

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Md,
    Html,
}

/// One executed step: a code cell with its name, record and outputs.
struct Step<'a> {
    name: String,
    cell: &'a Value,
    record: Option<CellRecord>,
}

impl Step<'_> {
    /// The step's status and duration, as shown.
    fn status(&self) -> (String, String) {
        match &self.record {
            Some(r) => (r.status.as_str().to_owned(), format!("{:.2} s", r.duration)),
            None => ("not run".to_owned(), String::new()),
        }
    }
}

/// What the report says about the whole run.
struct Run {
    title: String,
    /// The run record; `Err` when the notebook's metadata has one that cannot be read.
    record: Option<Result<RunRecord, String>>,
}

/// Renders the report of `record`.
pub(crate) fn render(record: &Notebook, format: Format) -> String {
    let title = (0..record.len())
        .filter(|&i| record.cell(i)["cell_type"] == "markdown")
        .find_map(|i| {
            record
                .source(i)
                .lines()
                .find_map(|l| l.strip_prefix("# ").map(|t| t.trim().to_owned()))
        })
        .unwrap_or_else(|| "Playbook run".into());
    let run = Run {
        title,
        record: record.metadata(record::KEY).map(record::parse),
    };
    let steps: Vec<Step> = (0..record.len())
        .filter(|&i| record.is_code(i))
        .filter(|&i| !record.source(i).trim().is_empty())
        .map(|i| Step {
            name: record
                .step_name(i)
                .unwrap_or_else(|| format!("cell {}", i + 1)),
            cell: record.cell(i),
            record: record::read(record.cell(i)["metadata"].get(record::KEY)),
        })
        .collect();
    match format {
        Format::Md => markdown(&run, &steps),
        Format::Html => html(&run, &steps),
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One output of a cell, classified once for both formats.
enum Block {
    Stream(String),
    Error {
        ename: String,
        evalue: String,
    },
    Rich {
        html: Option<String>,
        svg: Option<String>,
        plain: Option<String>,
    },
}

fn blocks(cell: &Value) -> Vec<Block> {
    let get = |data: &Value, mime: &str| data.get(mime).map(text);
    cell["outputs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|output| match output["output_type"].as_str()? {
            "stream" => Some(Block::Stream(text(&output["text"]))),
            "error" => Some(Block::Error {
                ename: text(&output["ename"]),
                evalue: text(&output["evalue"]),
            }),
            _ => {
                let data = &output["data"];
                Some(Block::Rich {
                    html: get(data, "text/html"),
                    svg: get(data, "image/svg+xml"),
                    plain: get(data, "text/plain"),
                })
            }
        })
        .collect()
}

fn has_outputs(cell: &Value) -> bool {
    cell["outputs"].as_array().is_some_and(|o| !o.is_empty())
}

fn run_facts(run: &RunRecord) -> Vec<(&'static str, String)> {
    let mut facts = vec![
        ("Status", run.status.as_str().to_owned()),
        ("Started", record::millis_text(run.started)),
    ];
    if let Some(finished) = run.finished {
        facts.push(("Finished", record::millis_text(finished)));
    }
    for (label, value) in [
        ("Run id", &run.run_id),
        ("Host", &run.host),
        ("User", &run.user),
        ("Tool version", &run.tool_version),
    ] {
        if !value.is_empty() {
            facts.push((label, value.clone()));
        }
    }
    for (label, value) in [
        ("Source", &run.source),
        ("Region", &run.region),
        ("Account", &run.account),
        ("Role", &run.role),
        ("Endpoint", &run.endpoint),
    ] {
        if let Some(value) = value {
            facts.push((label, value.clone()));
        }
    }
    if let Some(window) = run.window {
        facts.push(("Window", format!("{window} (UTC)")));
    }
    facts
}

/// One row per query of the run: kind, window, the query, results, status, console link.
struct QueryRow {
    kind: String,
    source: String,
    window: String,
    query: String,
    results: String,
    status: String,
    link: Option<String>,
}

fn queries(run: &RunRecord) -> Vec<QueryRow> {
    run.queries
        .iter()
        .map(|q| {
            let mut query = q.query.replace('\n', " ");
            if !q.groups.is_empty() {
                query = format!("[{}] {query}", q.groups.join(", "));
            }
            QueryRow {
                kind: q.kind.to_string(),
                source: q.source.clone(),
                window: q.window.map(|w| w.to_string()).unwrap_or_default(),
                query,
                results: q.results.to_string(),
                status: q.status.to_string(),
                link: q.console_url.clone(),
            }
        })
        .collect()
}

fn parameters(run: &RunRecord) -> Vec<(String, String)> {
    run.parameters
        .resolved
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect()
}

fn checks(run: &RunRecord) -> Vec<[String; 4]> {
    run.checks
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                c.observed.clone().unwrap_or_default(),
                c.expected.clone().unwrap_or_default(),
                c.verdict.to_string(),
            ]
        })
        .collect()
}

fn markdown(run: &Run, steps: &[Step]) -> String {
    let mut out = format!("# {}\n\n", run.title);
    match &run.record {
        Some(Ok(record)) => markdown_run(&mut out, record),
        Some(Err(why)) => {
            let _ = writeln!(out, "- **Run record:** unreadable ({why})");
        }
        None => {}
    }
    out.push_str("\n## Steps\n\n| # | step | status | duration |\n|---|---|---|---|\n");
    for (n, step) in steps.iter().enumerate() {
        let (status, duration) = step.status();
        let _ = writeln!(out, "| {} | {} | {status} | {duration} |", n + 1, step.name);
    }
    for step in steps.iter().filter(|s| has_outputs(s.cell)) {
        let _ = write!(out, "\n### {}\n\n", step.name);
        for block in blocks(step.cell) {
            markdown_block(&mut out, block);
        }
    }
    out
}

fn markdown_run(out: &mut String, run: &RunRecord) {
    for (label, value) in run_facts(run) {
        let _ = writeln!(out, "- **{label}:** {value}");
    }
    let checks = checks(run);
    if !checks.is_empty() {
        out.push_str(
            "\n## Checks\n\n| check | observed | expected | verdict |\n|---|---|---|---|\n",
        );
        for [name, observed, expected, verdict] in checks {
            let _ = writeln!(out, "| {name} | {observed} | {expected} | **{verdict}** |");
        }
    }
    let params = parameters(run);
    if !params.is_empty() {
        out.push_str("\n## Parameters\n\n| name | value |\n|---|---|\n");
        for (name, value) in params {
            let _ = writeln!(out, "| `{name}` | `{value}` |");
        }
    }
    let rows = queries(run);
    if !rows.is_empty() {
        out.push_str("\n## Queries\n\n| # | kind | window | query | results | status |\n|---|---|---|---|---|---|\n");
        for (n, q) in rows.iter().enumerate() {
            let query = q.query.replace('|', "\\|");
            let query = match &q.link {
                Some(link) => format!("[`{query}`]({link})"),
                None => format!("`{query}`"),
            };
            let _ = writeln!(
                out,
                "| {} | {} ({}) | {} | {query} | {} | {} |",
                n + 1,
                q.kind,
                q.source,
                q.window,
                q.results,
                q.status
            );
        }
    }
}

fn markdown_block(out: &mut String, block: Block) {
    match block {
        Block::Stream(text) => {
            let _ = write!(out, "```\n{text}```\n\n");
        }
        Block::Error { ename, evalue } => {
            let _ = write!(out, "> **{ename}:** {evalue}\n\n");
        }
        Block::Rich {
            html: Some(html), ..
        } => {
            let _ = write!(out, "{}\n\n", html.trim());
        }
        Block::Rich { svg: Some(_), .. } => {
            out.push_str("_(chart: see the HTML report)_\n\n");
        }
        Block::Rich {
            plain: Some(plain), ..
        } => {
            let _ = write!(out, "```\n{}\n```\n\n", plain.trim_end());
        }
        Block::Rich { .. } => {}
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}\
     table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}\
     pre{background:#f6f8fa;padding:.6em;overflow:auto}.failed,.interrupted{color:#b00}\
     .ok{color:#070}";

fn html(run: &Run, steps: &[Step]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n<title>{t}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<h1>{t}</h1>\n<ul>\n",
        t = escape(&run.title)
    );
    match &run.record {
        Some(Ok(record)) => html_run(&mut out, record),
        Some(Err(why)) => {
            let _ = writeln!(
                out,
                "<li><b>Run record:</b> unreadable ({})</li>\n</ul>",
                escape(why)
            );
        }
        None => out.push_str("</ul>\n"),
    }
    out.push_str("<h2>Steps</h2>\n<table>\n<tr><th>#</th><th>step</th><th>status</th><th>duration</th></tr>\n");
    for (n, step) in steps.iter().enumerate() {
        let (status, duration) = step.status();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"{status}\">{status}</td><td>{duration}</td></tr>",
            n + 1,
            escape(&step.name)
        );
    }
    out.push_str("</table>\n");
    for step in steps.iter().filter(|s| has_outputs(s.cell)) {
        let _ = writeln!(out, "<h3>{}</h3>", escape(&step.name));
        for block in blocks(step.cell) {
            html_block(&mut out, block);
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn html_run(out: &mut String, run: &RunRecord) {
    for (label, value) in run_facts(run) {
        let _ = writeln!(out, "<li><b>{label}:</b> {}</li>", escape(&value));
    }
    out.push_str("</ul>\n");
    let checks = checks(run);
    if !checks.is_empty() {
        out.push_str("<h2>Checks</h2>\n<table>\n<tr><th>check</th><th>observed</th><th>expected</th><th>verdict</th></tr>\n");
        for [name, observed, expected, verdict] in checks {
            let class = if verdict == "PASS" { "ok" } else { "failed" };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{verdict}</td></tr>",
                escape(&name),
                escape(&observed),
                escape(&expected)
            );
        }
        out.push_str("</table>\n");
    }
    let params = parameters(run);
    if !params.is_empty() {
        out.push_str("<h2>Parameters</h2>\n<table>\n<tr><th>name</th><th>value</th></tr>\n");
        for (name, value) in params {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape(&name),
                escape(&value)
            );
        }
        out.push_str("</table>\n");
    }
    html_queries(out, run);
}

fn html_queries(out: &mut String, run: &RunRecord) {
    let rows = queries(run);
    if rows.is_empty() {
        return;
    }
    out.push_str("<h2>Queries</h2>\n<table>\n<tr><th>#</th><th>kind</th><th>window</th><th>query</th><th>results</th><th>status</th></tr>\n");
    for (n, q) in rows.iter().enumerate() {
        let query = match &q.link {
            Some(link) => format!(
                "<a href=\"{}\"><code>{}</code></a>",
                escape(link),
                escape(&q.query)
            ),
            None => format!("<code>{}</code>", escape(&q.query)),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{} ({})</td><td>{}</td><td>{query}</td><td>{}</td><td>{}</td></tr>",
            n + 1,
            escape(&q.kind),
            escape(&q.source),
            escape(&q.window),
            escape(&q.results),
            escape(&q.status)
        );
    }
    out.push_str("</table>\n");
}

fn html_block(out: &mut String, block: Block) {
    match block {
        Block::Stream(text) => {
            let _ = writeln!(out, "<pre>{}</pre>", escape(&text));
        }
        Block::Error { ename, evalue } => {
            let _ = writeln!(
                out,
                "<p class=\"failed\"><b>{}:</b> {}</p>",
                escape(&ename),
                escape(&evalue)
            );
        }
        Block::Rich {
            html: Some(rich), ..
        }
        | Block::Rich {
            svg: Some(rich), ..
        } => {
            let _ = writeln!(out, "<div>{rich}</div>");
        }
        Block::Rich {
            plain: Some(plain), ..
        } => {
            let _ = writeln!(out, "<pre>{}</pre>", escape(&plain));
        }
        Block::Rich { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r##"{"nbformat": 4, "nbformat_minor": 5,
      "metadata": {"playbook": {"status": "failed", "run_id": "r-1", "started": "2026-11-26T10:00:00Z",
                   "tool_version": "0.1.0", "notebook": "checkout.ipynb",
                   "checks": [{"name": "p99 latency", "verdict": "fail", "observed": "312 ms", "expected": "< 250 ms"}],
                   "parameters": {"given": {"n": "3"}, "resolved": {"n": 3}},
                   "source": "cloudwatch", "window": ["2026-11-12T13:30:00Z", "2026-11-12T15:30:00Z"],
                   "queries": [{"kind": "logs_insights", "source": "cloudwatch", "query": "fields @message | limit 5",
                                "groups": ["/ecs/checkout"], "results": 5, "status": "ok", "api_calls": 3,
                                "started_at": "2026-11-26T10:00:01Z", "duration_ms": 900,
                                "window": {"start": "2026-11-12T13:30:00Z", "end": "2026-11-12T15:30:00Z"},
                                "console_url": "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#x&y"}]}},
      "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Checkout <latency>\nintro"},
        {"cell_type": "code", "metadata": {"playbook": {"status": "ok", "duration": 0.5, "start_time": "2026-11-26T10:00:00Z", "end_time": "2026-11-26T10:00:00.5Z"}}, "execution_count": 1,
         "source": "// Fetch\nlet n = 3;", "outputs": [{"output_type": "stream", "name": "stdout", "text": "n = 3\n"}]},
        {"cell_type": "code", "metadata": {"playbook": {"status": "failed", "duration": 0.25, "start_time": "2026-11-26T10:00:00.5Z", "end_time": "2026-11-26T10:00:00.75Z"}}, "execution_count": 2,
         "source": "// Verdict\npanic!()", "outputs": [{"output_type": "error", "ename": "Panic", "evalue": "p99 > 250", "traceback": []}]}
      ]}"##;

    #[test]
    fn markdown_report_has_run_parameters_steps_and_outputs() {
        let md = render(&Notebook::parse(RECORD).unwrap(), Format::Md);
        assert!(md.starts_with("# Checkout <latency>\n"));
        assert!(md.contains("- **Status:** failed"));
        assert!(md.contains("| `n` | `3` |"));
        assert!(md.contains("| p99 latency | 312 ms | < 250 ms | **FAIL** |"));
        assert!(md.contains("| 1 | Fetch | ok | 0.50 s |"));
        assert!(md.contains("| 2 | Verdict | failed | 0.25 s |"));
        assert!(md.contains("```\nn = 3\n```"));
        assert!(md.contains("> **Panic:** p99 > 250"));
        assert!(md.contains("- **Window:** 2026-11-12T13:30:00Z .. 2026-11-12T15:30:00Z (UTC)"));
        assert!(md.contains(
            "| 1 | logs_insights (cloudwatch) | 2026-11-12T13:30:00Z .. 2026-11-12T15:30:00Z | [`[/ecs/checkout] fields @message \\| limit 5`](https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#x&y) | 5 | ok |"
        ), "{md}");
    }

    #[test]
    fn html_report_escapes_text() {
        let html = render(&Notebook::parse(RECORD).unwrap(), Format::Html);
        assert!(html.contains("<h1>Checkout &lt;latency&gt;</h1>"));
        assert!(html.contains("<td class=\"failed\">failed</td>"));
        assert!(html.contains("<td>&lt; 250 ms</td><td class=\"failed\">FAIL</td>"));
        assert!(html.contains("<b>Panic:</b> p99 &gt; 250"));
        assert!(html.contains("<a href=\"https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#x&amp;y\"><code>[/ecs/checkout] fields @message | limit 5</code></a>"), "{html}");
        assert!(html.ends_with("</html>\n"));
    }
}
