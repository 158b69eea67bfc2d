//! The HTML back end: one self-contained page (the stylesheet inline, inline SVG charts,
//! no script, no remote resource) that reads in a browser, in dark mode and on paper.
//! User text is escaped through `crate::visible` (control and bidi characters shown as
//! escapes), outputs' markup and prose pass through `sanitise`, and the
//! Content-Security-Policy in the head forbids script and requests whatever got through.

use std::fmt::Write as _;

use playbook::check::Verdict;

use super::{Block, Card, Chart, Document, Inline, Table};
use crate::report::{Format, sanitise};
use crate::visible::html as escape;

/// Renders `document` as an HTML page.
pub(super) fn render(document: &Document) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n{csp}\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         <meta name=\"color-scheme\" content=\"light dark\" />\n<title>{t}</title>\n\
         <style>\n{css}</style>\n</head>\n<body>\n",
        t = escape(&document.title),
        csp = sanitise::CSP_META,
        css = document.css
    );
    blocks(&mut out, &document.blocks);
    out.push_str("</body>\n</html>\n");
    out
}

fn blocks(out: &mut String, blocks: &[Block]) {
    for block in blocks {
        self::block(out, block);
    }
}

fn block(out: &mut String, block: &Block) {
    match block {
        Block::Card(card) => self::card(out, card),
        Block::Section { attrs, blocks } => {
            out.push_str("<section");
            for (name, value) in attrs {
                let _ = write!(out, " {name}=\"{}\"", escape(value));
            }
            out.push_str(">\n");
            self::blocks(out, blocks);
            out.push_str("</section>\n");
        }
        Block::Heading { level, text, id } => {
            let id = (id.as_ref()).map_or_else(String::new, |id| format!(" id=\"{}\"", escape(id)));
            let _ = writeln!(out, "<h{level}{id}>{}</h{level}>", escape(text));
        }
        Block::Status { status, line } => {
            let _ = writeln!(
                out,
                "<p class=\"status\"><span class=\"{}\">{}</span> · {}</p>",
                escape(&class(status)),
                escape(status),
                escape(line)
            );
        }
        Block::Para { class, inlines } => {
            let class = class.map_or_else(String::new, |c| format!(" class=\"{c}\""));
            let _ = writeln!(out, "<p{class}>{}</p>", self::inlines(inlines));
        }
        Block::Note(text) => {
            let _ = writeln!(out, "<p><em>{}</em></p>", escape(text));
        }
        Block::Prose {
            markdown, class, ..
        } => match class {
            Some(class) => {
                let _ = writeln!(out, "<div class=\"{class}\">{}</div>", prose(markdown));
            }
            None => out.push_str(&prose(markdown)),
        },
        Block::Pre(text) => {
            let _ = writeln!(out, "<pre>{}</pre>", escape(text));
        }
        Block::Error { name, message } => {
            let _ = writeln!(
                out,
                "<p class=\"failed\"><b>{}:</b> {}</p>",
                escape(name),
                escape(message)
            );
        }
        Block::Markup(rich) => {
            let _ = writeln!(out, "<div class=\"output\">{}</div>", sanitise::html(rich));
        }
        Block::Table(table) => self::table(out, table),
        Block::Chart(chart) => self::chart(out, chart),
        Block::Contents(items) => {
            out.push_str("<nav class=\"toc\">\n<h2>Contents</h2>\n<ol>\n");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", inlines(item));
            }
            out.push_str("</ol>\n</nav>\n");
        }
        Block::Only(Format::Html, block) => self::block(out, block),
        Block::Only(Format::Md, _) => {}
    }
}

fn card(out: &mut String, card: &Card) {
    let _ = writeln!(
        out,
        "<header class=\"card\">\n<h1>{}</h1>",
        escape(&card.title)
    );
    blocks(out, &card.blocks);
    if !card.facts.is_empty() {
        out.push_str("<dl>\n");
        for fact in &card.facts {
            let class = (fact.class).map_or_else(String::new, |c| format!(" class=\"{c}\""));
            let _ = writeln!(
                out,
                "<dt>{}</dt><dd{class}>{}</dd>",
                escape(&fact.label),
                inlines(&fact.value)
            );
        }
        out.push_str("</dl>\n");
    }
    out.push_str("</header>\n");
}

fn table(out: &mut String, table: &Table) {
    out.push_str("<table>\n<tr>");
    for head in &table.head {
        let _ = write!(out, "<th>{}</th>", escape(head));
    }
    out.push_str("</tr>\n");
    for row in &table.rows {
        out.push_str("<tr");
        if let Some(id) = &row.id {
            let _ = write!(out, " id=\"{}\"", escape(id));
        }
        if let Some(class) = row.class {
            let _ = write!(out, " class=\"{class}\"");
        }
        out.push('>');
        for cell in &row.cells {
            out.push_str("<td");
            if let Some(class) = &cell.class {
                let _ = write!(out, " class=\"{}\"", escape(class));
            }
            if let Some(title) = &cell.title {
                let _ = write!(out, " title=\"{}\"", escape(title));
            }
            if let Some(span) = cell.span {
                let _ = write!(out, " colspan=\"{span}\"");
            }
            let _ = write!(out, ">{}</td>", inlines(&cell.inlines));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn chart(out: &mut String, chart: &Chart) {
    let svg = if chart.output {
        sanitise::html(&chart.svg)
    } else {
        chart.svg.clone()
    };
    let _ = writeln!(out, "<figure class=\"chart output\">{svg}</figure>");
}

fn inlines(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for inline in inlines {
        self::inline(&mut out, inline);
    }
    out
}

fn inline(out: &mut String, inline: &Inline) {
    match inline {
        Inline::Text(text) => out.push_str(&escape(text)),
        Inline::Strong(inner) => {
            let _ = write!(out, "<b>{}</b>", inlines(inner));
        }
        Inline::Em(inner) => {
            let _ = write!(out, "<em>{}</em>", inlines(inner));
        }
        Inline::Code(code) => {
            let _ = write!(
                out,
                "<code>{}</code>",
                escape(code).replace('\u{a0}', "&nbsp;")
            );
        }
        Inline::Link { href, text } if super::linkable(href) => {
            let _ = write!(out, "<a href=\"{}\">{}</a>", escape(href), inlines(text));
        }
        Inline::Link { text, .. } => out.push_str(&inlines(text)),
        Inline::Span {
            class,
            inlines: inner,
        } => match class {
            Some(class) => {
                let _ = write!(
                    out,
                    "<span class=\"{}\">{}</span>",
                    escape(class),
                    inlines(inner)
                );
            }
            None => {
                let _ = write!(out, "<span>{}</span>", inlines(inner));
            }
        },
        Inline::Verdict(verdict) => out.push_str(mark(*verdict)),
        Inline::Fold { summary, full } => {
            let _ = write!(
                out,
                "<details><summary>{}</summary>{}</details>",
                inlines(summary),
                inlines(full)
            );
        }
        Inline::Break => out.push_str("<br>"),
        Inline::Instant(text) => out.push_str(&breakable(&escape(text))),
    }
}

/// A CSS class for a status word.
pub(crate) fn class(status: &str) -> String {
    status.replace(' ', "-")
}

fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✓ PASS",
        Verdict::Warn => "! WARN",
        Verdict::Fail => "✗ FAIL",
    }
}

/// A markdown cell as HTML. Raw HTML in it is shown as text, and what Markdown makes
/// passes the sanitiser: a record may come from anyone, and the report runs no script.
pub(crate) fn prose(markdown: &str) -> String {
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

/// `text` with a line-break opportunity (`<wbr>`) between the date and the time of day of
/// the RFC 3339 instant it starts with (`2026-11-12<wbr />T14:05:00Z`), so a narrow column
/// breaks it there and nowhere else; any other text as it is.
fn breakable(text: &str) -> String {
    let bytes = text.as_bytes();
    let date = bytes.len() > 10
        && bytes[10] == b'T'
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if date {
        format!("{}<wbr />{}", &text[..10], &text[10..])
    } else {
        text.to_owned()
    }
}
