//! The HTML report: one self-contained file (inline SVG charts, no script, no remote
//! resource) that reads in a browser, in dark mode and on paper. Outputs' markup passes
//! through `sanitise`, user text through `crate::visible` (control and bidi characters
//! shown as escapes), and the Content-Security-Policy in the head forbids script and
//! requests whatever got through.

use std::fmt::Write as _;

use crate::visible::html as escape;
use playbook::check::Verdict;

use super::story::{Block, QueryEntry, Section, Step, Story, blocks};
use super::{parameters, run_facts, sanitise, verdict_line};

const STYLE: &str = include_str!("style.css");

/// Query texts longer than this are folded.
const FOLD_AT: usize = 90;

/// Renders `story` as an HTML document.
pub(super) fn render(story: &Story) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n{csp}\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         <meta name=\"color-scheme\" content=\"light dark\" />\n<title>{t}</title>\n\
         <style>\n{STYLE}</style>\n</head>\n<body>\n",
        t = escape(&story.title),
        csp = sanitise::CSP_META
    );
    header(&mut out, story);
    checks(&mut out, story);
    contents(&mut out, story);
    for section in &story.sections {
        self::section(&mut out, section);
    }
    appendix(&mut out, story);
    out.push_str("</body>\n</html>\n");
    out
}

fn header(out: &mut String, story: &Story) {
    out.push_str("<header class=\"card\">\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&story.title));
    match &story.run {
        Some(Ok(run)) => {
            let status = run.status.as_str();
            let _ = writeln!(
                out,
                "<p class=\"status\"><span class=\"{}\">{}</span> · {}</p>",
                class(status),
                escape(status),
                escape(&verdict_line(run))
            );
            if !story.intro.is_empty() {
                let _ = writeln!(out, "<div class=\"intro\">{}</div>", prose(&story.intro));
            }
            out.push_str("<dl>\n");
            for (label, value) in run_facts(run) {
                let _ = writeln!(out, "<dt>{label}</dt><dd>{}</dd>", escape(&value));
            }
            let params = parameters(run);
            if !params.is_empty() {
                let shown: Vec<String> = (params.iter())
                    .map(|(k, v)| format!("<code>{}&nbsp;=&nbsp;{}</code>", escape(k), escape(v)))
                    .collect();
                let _ = writeln!(
                    out,
                    "<dt>Parameters</dt><dd class=\"params\">{}</dd>",
                    shown.join(", ")
                );
            }
            out.push_str("</dl>\n");
        }
        Some(Err(why)) => {
            let _ = writeln!(out, "<p>Run record unreadable: {}</p>", escape(why));
        }
        None => out.push_str(
            "<p>No run record: this notebook was not run by <code>playbook run</code>.</p>\n",
        ),
    }
    out.push_str("</header>\n");
}

fn checks(out: &mut String, story: &Story) {
    let Some(Ok(run)) = &story.run else { return };
    if run.checks.is_empty() {
        return;
    }
    out.push_str("<section id=\"checks\">\n<h2>Checks</h2>\n<table>\n<tr><th>verdict</th><th>check</th><th>observed</th><th>expected</th><th>evidence</th></tr>\n");
    for check in &run.checks {
        let verdict = check.verdict.to_string();
        let evidence = match story.step_of_check(&check.name) {
            Some(step) => format!(
                "<a href=\"#{}\">step {}: {}</a>",
                step.anchor(),
                step.number,
                escape(&step.name)
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"verdict {verdict}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{evidence}</td></tr>",
            mark(check.verdict),
            escape(&check.name),
            escape(check.observed.as_deref().unwrap_or("")),
            escape(check.expected.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</table>\n</section>\n");
}

fn contents(out: &mut String, story: &Story) {
    out.push_str("<nav class=\"toc\">\n<h2>Contents</h2>\n<ol>\n");
    for step in story.steps() {
        let (status, duration) = step.status();
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a> <span class=\"{}\">{status}</span> <span>{duration}</span></li>",
            step.anchor(),
            escape(&step.name),
            class(status)
        );
    }
    if !story.queries.is_empty() {
        out.push_str("<li><a href=\"#queries\">Appendix: the query log</a></li>\n");
    }
    out.push_str("</ol>\n</nav>\n");
}

fn section(out: &mut String, section: &Section) {
    let Some(step) = &section.step else {
        for text in &section.prose {
            let _ = writeln!(out, "<section class=\"prose\">{}</section>", prose(text));
        }
        return;
    };
    let _ = writeln!(out, "<section class=\"step\" id=\"{}\">", step.anchor());
    for text in &section.prose {
        out.push_str(&prose(text));
    }
    step_meta(out, step);
    for block in blocks(step.cell) {
        self::block(out, block);
    }
    out.push_str("</section>\n");
}

fn step_meta(out: &mut String, step: &Step) {
    let (status, duration) = step.status();
    let mut meta = format!(
        "Step {}: <b>{}</b> · <span class=\"{}\">{status}</span>",
        step.number,
        escape(&step.name),
        class(status)
    );
    if !duration.is_empty() {
        let _ = write!(meta, " · {duration}");
    }
    if !step.queries.is_empty() {
        let links: Vec<String> = (step.queries.iter())
            .map(|&q| format!("<a href=\"#query-{n}\">Q{n}</a>", n = q + 1))
            .collect();
        let _ = write!(meta, " · queries {}", links.join(" "));
    }
    let _ = writeln!(out, "<p class=\"step-meta\">{meta}</p>");
}

fn block(out: &mut String, block: Block) {
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
        Block::Html(rich) => {
            let _ = writeln!(out, "<div class=\"output\">{}</div>", sanitise::html(&rich));
        }
        Block::Svg(svg) => {
            let _ = writeln!(
                out,
                "<figure class=\"chart output\">{}</figure>",
                sanitise::html(&svg)
            );
        }
        Block::Plain(plain) => {
            let _ = writeln!(out, "<pre>{}</pre>", escape(&plain));
        }
    }
}

fn appendix(out: &mut String, story: &Story) {
    if story.queries.is_empty() {
        return;
    }
    out.push_str("<section id=\"queries\" class=\"appendix\">\n<h2>Appendix: the query log</h2>\n<table>\n\
        <tr><th>#</th><th>step</th><th>kind</th><th>window</th><th>query</th><th>results</th><th>status</th></tr>\n");
    for (n, entry) in story.queries.iter().enumerate() {
        query_row(out, n + 1, entry);
    }
    out.push_str("</table>\n</section>\n");
}

fn query_row(out: &mut String, n: usize, entry: &QueryEntry) {
    let q = &entry.record;
    let step = match entry.step {
        Some(step) => format!("<a href=\"#step-{step}\">{step}</a>"),
        None => String::new(),
    };
    let mut kind = format!("{} ({})", escape(&q.kind.to_string()), escape(&q.source));
    for place in [&q.account, &q.region].into_iter().flatten() {
        let _ = write!(kind, "<br>{}", escape(place));
    }
    let text = entry.text();
    let mut query = if text.chars().count() > FOLD_AT {
        let head: String = text.chars().take(FOLD_AT - 10).collect();
        format!(
            "<details><summary><code>{}…</code></summary><code>{}</code></details>",
            escape(&head),
            escape(&text)
        )
    } else {
        format!("<code>{}</code>", escape(&text))
    };
    if let Some(link) = &q.console_url {
        let _ = write!(query, " <a href=\"{}\">console</a>", escape(link));
    }
    let window = q.window.map(|w| w.to_string()).unwrap_or_default();
    let _ = writeln!(
        out,
        "<tr id=\"query-{n}\"><td>{n}</td><td>{step}</td><td>{kind}</td><td>{}</td><td class=\"query\">{query}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
        escape(&window),
        q.results,
        class(&q.status.to_string()),
        escape(&q.status.to_string())
    );
}

/// A CSS class for a status word.
pub(super) fn class(status: &str) -> String {
    status.replace(' ', "-")
}

pub(super) fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✓ PASS",
        Verdict::Warn => "! WARN",
        Verdict::Fail => "✗ FAIL",
    }
}

/// A markdown cell as HTML. Raw HTML in it is shown as text, and what Markdown makes
/// passes the sanitiser: a record may come from anyone, and the report runs no script.
pub(super) fn prose(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser};
    let events = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    // Links and images too: `[x](javascript:…)`, `![](https://tracker/…)`.
    sanitise::html(&html)
}
