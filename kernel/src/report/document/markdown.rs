//! The Markdown back end: for a ticket or a repository, rendering on GitHub. Headings,
//! GitHub tables, charts as SVG files written beside the document (GitHub shows them as
//! images), long texts folded in `<details>`. User text has Markdown and HTML escaped
//! (`sanitise::markdown_literal`: it reads as the text it is, never as a link, an image,
//! emphasis or a tag) and its control and bidi characters shown as escapes; a table
//! cell is one line with its pipes escaped; outputs' HTML and SVG pass through
//! `sanitise`. A link into the document points at the heading of the section it names
//! (GitHub's anchor for it); a link out of it only to `http(s)` or a relative path.

use std::collections::HashMap;
use std::fmt::Write as _;

use playbook::check::Verdict;

use super::{Block, Card, Chart, Document, Inline, Table};
use crate::report::{Format, Rendered, sanitise};
use crate::visible;

/// Renders `document`; charts go to `files_dir` (relative to the document) when given.
pub(super) fn render(document: &Document, files_dir: Option<&str>) -> Rendered {
    let mut anchors = HashMap::new();
    collect_anchors(&document.blocks, &mut anchors);
    let mut writer = Writer {
        out: Rendered::default(),
        anchors,
        files_dir,
        elsewhere: document.chart_elsewhere,
    };
    for block in &document.blocks {
        writer.block(block);
    }
    // One newline at the end, whatever the last block was.
    let end = writer.out.text.trim_end().len();
    writer.out.text.truncate(end);
    writer.out.text.push('\n');
    writer.out
}

struct Writer<'a> {
    out: Rendered,
    /// A section's or heading's id → the anchor GitHub gives its heading.
    anchors: HashMap<String, String>,
    files_dir: Option<&'a str>,
    elsewhere: &'static str,
}

impl Writer<'_> {
    fn block(&mut self, block: &Block) {
        match block {
            Block::Card(card) => self.card(card),
            Block::Section { blocks, .. } => blocks.iter().for_each(|b| self.block(b)),
            Block::Heading { level, text: t, .. } => {
                let hashes = "#".repeat(usize::from(*level).clamp(1, 6));
                let _ = write!(self.out.text, "{hashes} {}\n\n", literal(t));
            }
            Block::Status { status, line } => {
                let _ = write!(
                    self.out.text,
                    "> **Status: {}** · {}\n\n",
                    literal(status),
                    literal(line)
                );
            }
            Block::Para { inlines, .. } => {
                let para = self.inlines(inlines, false);
                let _ = write!(self.out.text, "{para}\n\n");
            }
            Block::Note(note) => {
                let _ = write!(self.out.text, "_{}_\n\n", literal(note));
            }
            Block::Prose {
                markdown, demote, ..
            } => {
                let prose = sanitise::markdown_prose(markdown);
                let prose = if *demote { self::demote(&prose) } else { prose };
                let _ = write!(self.out.text, "{prose}\n\n");
            }
            Block::Pre(body) => {
                let body = visible::text(body.trim_end());
                let fence = sanitise::fence(&body);
                let _ = write!(self.out.text, "{fence}text\n{body}\n{fence}\n\n");
            }
            Block::Error { name, message } => {
                let lines: Vec<String> = message.lines().map(literal).collect();
                let _ = write!(
                    self.out.text,
                    "> **{}:** {}\n\n",
                    literal(name),
                    lines.join("\n> ")
                );
            }
            Block::Markup(html) => {
                let _ = write!(self.out.text, "{}\n\n", sanitise::html(html.trim()));
            }
            Block::Table(table) => self.table(table),
            Block::Chart(chart) => self.chart(chart),
            Block::Contents(_) | Block::Only(Format::Html, _) => {}
            Block::Only(Format::Md, block) => self.block(block),
        }
    }

    fn card(&mut self, card: &Card) {
        let _ = write!(self.out.text, "# {}\n\n", literal(&card.title));
        card.blocks.iter().for_each(|b| self.block(b));
        for fact in &card.facts {
            let value = self.inlines(&fact.value, false);
            let _ = writeln!(self.out.text, "- **{}:** {value}", literal(&fact.label));
        }
        if !card.facts.is_empty() {
            self.out.text.push('\n');
        }
    }

    fn table(&mut self, table: &Table) {
        let width = table.head.len();
        let head: Vec<String> = table.head.iter().map(|h| cell(h)).collect();
        let mut text = row_line(&head);
        let _ = writeln!(text, "{}|", "|---".repeat(width));
        for row in &table.rows {
            let mut cells: Vec<String> = Vec::new();
            for c in &row.cells {
                cells.push(self.inlines(&c.inlines, true));
                // A spanning cell: empty cells after it keep the columns.
                cells.extend(std::iter::repeat_n(String::new(), c.span.unwrap_or(1) - 1));
            }
            text.push_str(&row_line(&cells));
        }
        text.push('\n');
        self.out.text.push_str(&text);
    }

    fn chart(&mut self, chart: &Chart) {
        let Some(dir) = self.files_dir else {
            let _ = write!(self.out.text, "_(chart: {})_\n\n", self.elsewhere);
            return;
        };
        let _ = write!(
            self.out.text,
            "![{}]({dir}/{})\n\n",
            literal(&chart.alt),
            chart.file
        );
        let svg = if chart.output {
            sanitise::svg_file(&chart.svg)
        } else {
            chart.svg.clone()
        };
        self.out.files.push((chart.file.clone(), svg));
    }

    fn inlines(&self, inlines: &[Inline], in_cell: bool) -> String {
        let mut out = String::new();
        for inline in inlines {
            self.inline(&mut out, inline, in_cell);
        }
        out
    }

    fn inline(&self, out: &mut String, inline: &Inline, in_cell: bool) {
        let text = |t: &str| if in_cell { cell(t) } else { literal(t) };
        match inline {
            Inline::Text(t) => out.push_str(&text(t)),
            Inline::Strong(inner) => {
                let _ = write!(out, "**{}**", self.inlines(inner, in_cell));
            }
            Inline::Em(inner) => {
                let _ = write!(out, "_{}_", self.inlines(inner, in_cell));
            }
            Inline::Code(code) => out.push_str(&self::code(code, in_cell)),
            Inline::Link { href, text: label } => {
                let label = self.inlines(label, in_cell);
                match self.target(href) {
                    Some(target) => {
                        let _ = write!(out, "[{label}]({target})");
                    }
                    None => out.push_str(&label),
                }
            }
            Inline::Span { inlines: inner, .. } => out.push_str(&self.inlines(inner, in_cell)),
            Inline::Verdict(verdict) => out.push_str(mark(*verdict)),
            Inline::Fold { summary, full } => {
                let _ = write!(
                    out,
                    "<details><summary>{}</summary>{}</details>",
                    self.inlines(summary, true),
                    self.inlines(full, true)
                );
            }
            Inline::Break => out.push(' '),
            Inline::Instant(t) => out.push_str(&text(t)),
        }
    }

    /// Where a link to `href` points in Markdown: a section's heading, an `http(s)` address
    /// or a relative path (with what would end the link encoded); `None`: text alone.
    fn target(&self, href: &str) -> Option<String> {
        if let Some(id) = href.strip_prefix('#') {
            return self.anchors.get(id).map(|slug| format!("#{slug}"));
        }
        super::linkable(href).then(|| {
            href.chars()
                .map(|c| match c {
                    ' ' | '(' | ')' | '<' | '>' | '"' | '`' | '\\' | '[' | ']' => {
                        format!("%{:02X}", c as u32)
                    }
                    c if c.is_control() => String::new(),
                    c => c.to_string(),
                })
                .collect()
        })
    }
}

/// Each section's id (and each heading's) → GitHub's anchor for its first heading.
fn collect_anchors(blocks: &[Block], anchors: &mut HashMap<String, String>) {
    for block in blocks {
        match block {
            Block::Section { attrs, blocks } => {
                let id = attrs.iter().find(|(name, _)| *name == "id");
                if let (Some((_, id)), Some(heading)) = (id, first_heading(blocks)) {
                    anchors.insert(id.clone(), slug(heading));
                }
                collect_anchors(blocks, anchors);
            }
            Block::Heading {
                text, id: Some(id), ..
            } => {
                anchors.insert(id.clone(), slug(text));
            }
            Block::Only(Format::Md, block) => collect_anchors(std::slice::from_ref(block), anchors),
            _ => {}
        }
    }
}

/// The text of the first heading Markdown shows in `blocks`.
fn first_heading(blocks: &[Block]) -> Option<&str> {
    blocks.iter().find_map(|block| match block {
        Block::Heading { text, .. } => Some(text.as_str()),
        Block::Only(Format::Md, inner) => first_heading(std::slice::from_ref(inner)),
        _ => None,
    })
}

/// The anchor GitHub gives a heading: lower case, punctuation dropped but `-` and `_`,
/// spaces to `-`.
pub(super) fn slug(heading: &str) -> String {
    (heading.to_lowercase().chars())
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// User text in running Markdown: it reads as itself.
fn literal(text: &str) -> String {
    sanitise::markdown_literal(text)
}

/// User text in a table cell: one line, its pipes escaped.
fn cell(text: &str) -> String {
    sanitise::markdown_literal(&text.replace(['\n', '\r'], " "))
}

/// Code: a span in running text (a backtick in it shown as `'`); in a table cell HTML
/// `<code>`, where a pipe or backtick cannot end the cell or the span.
fn code(code: &str, in_cell: bool) -> String {
    let code = visible::name(code).replace('\u{a0}', " ");
    if in_cell {
        format!(
            "<code>{}</code>",
            playbook::html::escape(&code).replace('|', "&#124;")
        )
    } else {
        format!("`{}`", code.replace('`', "'"))
    }
}

/// A row of a table: `| a | b |`, an empty cell `| |`.
fn row_line(cells: &[String]) -> String {
    let mut line = String::new();
    for cell in cells {
        if cell.is_empty() {
            line.push_str("| ");
        } else {
            let _ = write!(line, "| {cell} ");
        }
    }
    line.push_str("|\n");
    line
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

fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✅ PASS",
        Verdict::Warn => "⚠️ WARN",
        Verdict::Fail => "❌ FAIL",
    }
}
