//! The Markdown report: for a ticket or a repository. It renders on GitHub: tables are
//! GitHub tables, charts are SVG files written beside the document (GitHub shows them
//! as images), long query texts fold in `<details>`. Outputs' HTML and SVG pass through
//! `sanitise` (GitHub renders some HTML; other viewers more), user text through
//! `crate::visible` (control and bidi characters shown as escapes).

use std::fmt::Write as _;

use playbook::check::Verdict;

use super::story::{Block, QueryEntry, Section, Step, Story, blocks};
use super::{Rendered, parameters, run_facts, sanitise, verdict_line};
use crate::visible;

/// Query texts longer than this are folded.
const FOLD_AT: usize = 90;

/// Renders `story`; charts go to `files_dir` (relative to the document) when given.
pub(super) fn render(story: &Story, files_dir: Option<&str>) -> Rendered {
    let mut out = Rendered::default();
    header(&mut out.text, story);
    checks(&mut out.text, story);
    for section in &story.sections {
        self::section(&mut out, section, files_dir);
    }
    appendix(&mut out.text, story);
    out
}

fn header(out: &mut String, story: &Story) {
    let _ = write!(out, "# {}\n\n", sanitise::markdown_text(&story.title));
    match &story.run {
        Some(Ok(run)) => {
            let _ = write!(
                out,
                "> **Status: {}** · {}\n\n",
                run.status.as_str(),
                verdict_line(run)
            );
            if !story.intro.is_empty() {
                let _ = write!(out, "{}\n\n", sanitise::markdown_prose(&story.intro));
            }
            for (label, value) in run_facts(run) {
                let _ = writeln!(out, "- **{label}:** {}", sanitise::markdown_text(&value));
            }
            let params = parameters(run);
            if !params.is_empty() {
                let shown: Vec<String> = (params.iter())
                    .map(|(k, v)| {
                        let (k, v) = (visible::name(k), visible::name(v));
                        format!("`{k} = {}`", v.replace('`', "'"))
                    })
                    .collect();
                let _ = writeln!(out, "- **Parameters:** {}", shown.join(", "));
            }
            out.push('\n');
        }
        Some(Err(why)) => {
            let _ = write!(
                out,
                "_Run record unreadable: {}_\n\n",
                sanitise::markdown_text(why)
            );
        }
        None => out.push_str("_No run record: this notebook was not run by `playbook run`._\n\n"),
    }
}

fn checks(out: &mut String, story: &Story) {
    let Some(Ok(run)) = &story.run else { return };
    if run.checks.is_empty() {
        return;
    }
    out.push_str("## Checks\n\n| verdict | check | observed | expected | evidence |\n|---|---|---|---|---|\n");
    for check in &run.checks {
        let evidence = story
            .step_of_check(&check.name)
            .map(|step| {
                format!(
                    "[step {}: {}](#{})",
                    step.number,
                    cell(&step.name),
                    heading_slug(step)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {evidence} |",
            mark(check.verdict),
            cell(&check.name),
            cell(check.observed.as_deref().unwrap_or("")),
            cell(check.expected.as_deref().unwrap_or(""))
        );
    }
    out.push('\n');
}

fn section(out: &mut Rendered, section: &Section, files_dir: Option<&str>) {
    let Some(step) = &section.step else {
        for text in &section.prose {
            let _ = write!(out.text, "{}\n\n", demote(&sanitise::markdown_prose(text)));
        }
        return;
    };
    let _ = write!(out.text, "## {}\n\n", step_heading(step));
    for text in &section.prose {
        let _ = write!(out.text, "{}\n\n", demote(&sanitise::markdown_prose(text)));
    }
    if !step.queries.is_empty() {
        let links: Vec<String> = (step.queries.iter())
            .map(|&q| format!("Q{}", q + 1))
            .collect();
        let _ = write!(out.text, "_Queries: {} (appendix)_\n\n", links.join(", "));
    }
    for (n, block) in blocks(step.cell).into_iter().enumerate() {
        self::block(out, step, n + 1, block, files_dir);
    }
}

/// "3. p99 now vs a week ago — ok, 0.21 s": the step's heading.
fn step_heading(step: &Step) -> String {
    let (status, duration) = step.status();
    let how = if duration.is_empty() {
        status.to_owned()
    } else {
        format!("{status}, {duration}")
    };
    format!(
        "{}. {} — {how}",
        step.number,
        sanitise::markdown_text(&step.name)
    )
}

/// The anchor GitHub gives a heading: lower case, punctuation dropped but `-` and `_`,
/// spaces to `-`.
fn heading_slug(step: &Step) -> String {
    step_heading(step)
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn block(out: &mut Rendered, step: &Step, n: usize, block: Block, files_dir: Option<&str>) {
    let text = &mut out.text;
    match block {
        Block::Stream(body) | Block::Plain(body) => {
            let body = visible::text(body.trim_end());
            let fence = sanitise::fence(&body);
            let _ = write!(text, "{fence}text\n{body}\n{fence}\n\n");
        }
        Block::Error { ename, evalue } => {
            let (ename, evalue) = (
                sanitise::markdown_text(&ename),
                (evalue.lines().map(sanitise::markdown_text))
                    .collect::<Vec<_>>()
                    .join("\n> "),
            );
            let _ = write!(text, "> **{ename}:** {evalue}\n\n");
        }
        Block::Html(html) => {
            let _ = write!(text, "{}\n\n", sanitise::html(html.trim()));
        }
        Block::Svg(svg) => match files_dir {
            Some(dir) => {
                let name = format!("step-{}-{n}.svg", step.number);
                let label = sanitise::markdown_text(&step.name);
                let _ = write!(text, "![{label} (chart {n})]({dir}/{name})\n\n");
                out.files.push((name, sanitise::svg_file(&svg)));
            }
            None => {
                text.push_str("_(chart: in the HTML report, or write this report to a file)_\n\n")
            }
        },
    }
}

fn appendix(out: &mut String, story: &Story) {
    if story.queries.is_empty() {
        return;
    }
    out.push_str("## Appendix: the query log\n\n| # | step | kind | window | query | results | status |\n|---|---|---|---|---|---|---|\n");
    for (n, entry) in story.queries.iter().enumerate() {
        query_row(out, n + 1, entry);
    }
    out.push('\n');
}

fn query_row(out: &mut String, n: usize, entry: &QueryEntry) {
    let q = &entry.record;
    let text = entry.text();
    let code = |s: &str| {
        format!(
            "<code>{}</code>",
            visible::html(&visible::name(s)).replace('|', "&#124;")
        )
    };
    let mut query = if text.chars().count() > FOLD_AT {
        let head: String = text.chars().take(FOLD_AT - 10).collect();
        format!(
            "<details><summary>{}…</summary>{}</details>",
            code(&head),
            code(&text)
        )
    } else {
        code(&text)
    };
    if let Some(link) = &q.console_url {
        let _ = write!(query, " [console]({link})");
    }
    let mut kind = format!("{} ({})", q.kind, q.source);
    for place in [&q.account, &q.region].into_iter().flatten() {
        let _ = write!(kind, " {place}");
    }
    let _ = writeln!(
        out,
        "| {n} | {} | {} | {} | {query} | {} | {} |",
        entry.step.map(|s| s.to_string()).unwrap_or_default(),
        cell(&kind),
        q.window.map(|w| w.to_string()).unwrap_or_default(),
        q.results,
        q.status
    );
}

/// Text for a table cell: one line, its control and bidi characters shown as escapes,
/// raw HTML as text.
pub(super) fn cell(text: &str) -> String {
    sanitise::markdown_text(&text.replace('\n', " ")).replace('|', "\\|")
}

/// The notebook's headings two levels down, under the report's own (`## ` → `#### `);
/// fenced code left alone.
fn demote(markdown: &str) -> String {
    let mut fenced = false;
    let lines: Vec<String> = (markdown.lines())
        .map(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
            }
            if !fenced && line.starts_with('#') {
                let level = line.chars().take_while(|&c| c == '#').count();
                let rest = line[level..].trim_start();
                format!("{} {rest}", "#".repeat((level + 2).min(6)))
            } else {
                line.to_owned()
            }
        })
        .collect();
    lines.join("\n").trim().to_owned()
}

pub(super) fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✅ PASS",
        Verdict::Warn => "⚠️ WARN",
        Verdict::Fail => "❌ FAIL",
    }
}
