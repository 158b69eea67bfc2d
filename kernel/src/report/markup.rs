//! An output's HTML as a Markdown report shows it. GitHub strips inline SVG (a `%%metrics`
//! chart would vanish from a ticket) and shows HTML tables as a wall of markup, so the
//! HTML is read, after `sanitise::html`, by html5ever's tokenizer into pieces: each
//! `<table>` a grid of cell texts (a Markdown table), each top-level `<svg>` a chart (a
//! file beside the report), and what lies between them markup, kept as it is.
//!
//! A chart's SVG is the output's own `image/svg+xml` when it has one (the library gives a
//! chart in HTML that twin); otherwise the tokens written out again, with SVG's mixed-case
//! names (`viewBox`), which HTML's tokenizer lowercases, restored from the sanitiser's
//! allow-list (nothing else survives it). An `<svg>` inside a table cell is left out of
//! the cell's text.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use super::sanitise;

/// A piece of an output's HTML.
#[derive(Debug, PartialEq)]
pub(super) enum Piece {
    Markup(String),
    /// A table: its head (empty texts when it has no row of `<th>`) and rows, each row as
    /// wide as the widest.
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A chart: an SVG document.
    Chart(String),
}

/// The pieces of `html`; `svg`: the output's `image/svg+xml`, the first chart's SVG.
pub(super) fn pieces(html: &str, svg: Option<&str>) -> Vec<Piece> {
    let clean = sanitise::html(html);
    let tokenizer = Tokenizer::new(Sink::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(clean.as_str()));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut pieces = tokenizer.sink.state.take().finish();
    if let (Some(svg), Some(Piece::Chart(first))) = (
        svg,
        pieces.iter_mut().find(|p| matches!(p, Piece::Chart(_))),
    ) {
        *first = svg.to_owned();
    }
    pieces
}

#[derive(Default)]
struct Sink {
    state: RefCell<State>,
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        match token {
            Token::TagToken(tag) => state.tag(&tag),
            Token::CharacterTokens(text) => state.text(&text),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

#[derive(Default)]
struct State {
    pieces: Vec<Piece>,
    /// Markup since the last table or chart, and whether it shows anything (text, an
    /// image, a rule): a wrapper `<div>` left empty by a table is dropped.
    markup: String,
    shows: bool,
    /// The chart being read: its `<svg>` depth and its text so far.
    chart: Option<(usize, String)>,
    table: Option<Grid>,
}

/// A table being read.
#[derive(Default)]
struct Grid {
    /// `<table>` depth (a table in a cell is part of the cell's text).
    depth: usize,
    /// `<svg>` depth inside a cell (left out of its text).
    svg: usize,
    /// Rows, each with whether all its cells are heads.
    rows: Vec<(bool, Vec<String>)>,
    row: Option<(bool, Vec<String>)>,
    cell: Option<String>,
}

impl State {
    fn tag(&mut self, tag: &Tag) {
        let name: &str = &tag.name;
        let start = tag.kind == TagKind::StartTag;
        if let Some((depth, text)) = &mut self.chart {
            write_tag(text, tag, true);
            match (name, start) {
                ("svg", true) if !tag.self_closing => *depth += 1,
                ("svg", false) => *depth -= 1,
                _ => {}
            }
            if *depth == 0 {
                let (_, text) = self.chart.take().unwrap_or_default();
                self.pieces.push(Piece::Chart(text));
            }
            return;
        }
        if let Some(grid) = &mut self.table {
            if grid.tag(name, start, tag.self_closing) {
                let grid = self.table.take().unwrap_or_default();
                self.pieces.push(grid.finish());
            }
            return;
        }
        match (name, start) {
            ("table", true) => {
                self.flush();
                self.table = Some(Grid {
                    depth: 1,
                    ..Grid::default()
                });
            }
            ("svg", true) if !tag.self_closing => {
                self.flush();
                let mut text = String::new();
                write_tag(&mut text, tag, true);
                self.chart = Some((1, text));
            }
            _ => {
                self.shows |= matches!(name, "img" | "hr");
                write_tag(&mut self.markup, tag, false);
            }
        }
    }

    fn text(&mut self, text: &str) {
        if let Some((_, chart)) = &mut self.chart {
            chart.push_str(&escape(text, false));
        } else if let Some(grid) = &mut self.table {
            if let (Some(cell), 0) = (&mut grid.cell, grid.svg) {
                cell.push_str(text);
            }
        } else {
            self.shows |= !text.trim().is_empty();
            self.markup.push_str(&escape(text, false));
        }
    }

    fn flush(&mut self) {
        let markup = std::mem::take(&mut self.markup);
        if std::mem::take(&mut self.shows) {
            self.pieces.push(Piece::Markup(markup.trim().to_owned()));
        }
    }

    /// The pieces, with what was left open closed.
    fn finish(mut self) -> Vec<Piece> {
        if let Some(grid) = self.table.take() {
            self.pieces.push(grid.finish());
        }
        if let Some((_, mut text)) = self.chart.take() {
            text.push_str("</svg>");
            self.pieces.push(Piece::Chart(text));
        }
        self.flush();
        self.pieces
    }
}

impl Grid {
    /// Reads a tag inside the table; `true` when it closed the table.
    fn tag(&mut self, name: &str, start: bool, self_closing: bool) -> bool {
        match (name, start) {
            ("svg", true) if !self_closing => self.svg += 1,
            ("svg", false) => self.svg = self.svg.saturating_sub(1),
            _ if self.svg > 0 => {}
            ("table", true) => self.depth += 1,
            ("table", false) => {
                self.depth -= 1;
                return self.depth == 0;
            }
            _ if self.depth > 1 => {
                // A nested table's cells are spaces in this one's cell.
                if matches!(name, "td" | "th" | "tr") {
                    self.space();
                }
            }
            ("tr", true) => {
                self.end_row();
                self.row = Some((true, Vec::new()));
            }
            ("tr", false) => self.end_row(),
            ("td" | "th", true) => {
                self.end_cell();
                let row = self.row.get_or_insert_with(|| (true, Vec::new()));
                row.0 &= name == "th";
                self.cell = Some(String::new());
            }
            ("td" | "th", false) => self.end_cell(),
            ("br" | "p" | "div" | "li", _) => self.space(),
            _ => {}
        }
        false
    }

    fn space(&mut self) {
        if let Some(cell) = &mut self.cell {
            cell.push(' ');
        }
    }

    fn end_cell(&mut self) {
        if let Some(cell) = self.cell.take() {
            let text = cell.split_whitespace().collect::<Vec<_>>().join(" ");
            self.row
                .get_or_insert_with(|| (true, Vec::new()))
                .1
                .push(text);
        }
    }

    fn end_row(&mut self) {
        self.end_cell();
        if let Some(row) = self.row.take().filter(|(_, cells)| !cells.is_empty()) {
            self.rows.push(row);
        }
    }

    fn finish(mut self) -> Piece {
        self.end_row();
        let width = self.rows.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
        let mut rows: Vec<(bool, Vec<String>)> = (self.rows.into_iter())
            .map(|(heads, mut cells)| {
                cells.resize(width, String::new());
                (heads, cells)
            })
            .collect();
        let head = match rows.first() {
            Some((true, _)) => rows.remove(0).1,
            _ => vec![String::new(); width],
        };
        Piece::Table {
            head,
            rows: rows.into_iter().map(|(_, cells)| cells).collect(),
        }
    }
}

/// SVG's mixed-case element and attribute names by their lowercase.
static SVG_NAMES: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    (sanitise::SVG_TAGS.iter().chain(sanitise::SVG_ATTRIBUTES))
        .filter(|name| name.chars().any(|c| c.is_ascii_uppercase()))
        .map(|name| (name.to_ascii_lowercase(), *name))
        .collect()
});

/// Writes `tag` as markup (names restored to SVG's case in a chart).
fn write_tag(out: &mut String, tag: &Tag, svg: bool) {
    let name = |lower: &str| -> String {
        match SVG_NAMES.get(lower) {
            Some(mixed) if svg => (*mixed).to_owned(),
            _ => lower.to_owned(),
        }
    };
    if tag.kind == TagKind::EndTag {
        let _ = write!(out, "</{}>", name(&tag.name));
        return;
    }
    let _ = write!(out, "<{}", name(&tag.name));
    for attr in &tag.attrs {
        let _ = write!(
            out,
            " {}=\"{}\"",
            name(&attr.name.local),
            escape(&attr.value, true)
        );
    }
    out.push_str(if tag.self_closing { "/>" } else { ">" });
}

/// Text (or an attribute's value) escaped for markup.
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\u{a0}' => out.push_str("&#160;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metrics_output_is_a_table_then_a_chart() {
        let html = "<table><tr><th>series</th><th>count</th></tr>\
                    <tr><td>requests (Count)</td><td>4736</td></tr></table>\
                    <svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><title>a &lt; b</title>\
                    <polyline points=\"1,2 3,4\"></polyline></svg>";
        let pieces = pieces(html, None);
        assert_eq!(
            pieces[0],
            Piece::Table {
                head: vec!["series".into(), "count".into()],
                rows: vec![vec!["requests (Count)".into(), "4736".into()]],
            }
        );
        let Piece::Chart(svg) = &pieces[1] else {
            panic!("{pieces:?}")
        };
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">"),
            "{svg}"
        );
        assert!(
            svg.contains("<title>a &lt; b</title>") && svg.ends_with("</svg>"),
            "{svg}"
        );
        assert_eq!(pieces.len(), 2);
        // The output's own image/svg+xml is the chart when it has one.
        let twin = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>";
        assert_eq!(
            super::pieces(html, Some(twin))[1],
            Piece::Chart(twin.into())
        );
    }

    #[test]
    fn markup_between_stays_and_hostile_markup_is_gone() {
        let html = "<p>State <b>changes</b></p><script>alert(1)</script>\
                    <table><thead><tr><th>a|b</th></tr></thead><tbody><tr><td><code>x</code> <br>y</td><td>z</td></tr></tbody></table>\
                    <img src=x onerror=alert(1)><p>after</p>";
        let pieces = pieces(html, None);
        assert_eq!(
            pieces[0],
            Piece::Markup("<p>State <b>changes</b></p>".into())
        );
        assert_eq!(
            pieces[1],
            Piece::Table {
                head: vec!["a|b".into(), String::new()],
                rows: vec![vec!["x y".into(), "z".into()]],
            }
        );
        let Piece::Markup(after) = &pieces[2] else {
            panic!("{pieces:?}")
        };
        assert!(
            !after.contains("onerror") && !after.contains("alert"),
            "{after}"
        );
        assert!(after.ends_with("<p>after</p>"), "{after}");
        // A wrapper the table leaves empty is no piece of its own.
        let pieces = super::pieces(
            "<div class=\"x\"><table><tr><td>1</td></tr></table><p>n</p></div>",
            None,
        );
        assert!(matches!(pieces[0], Piece::Table { .. }), "{pieces:?}");
        assert_eq!(pieces[1], Piece::Markup("<p>n</p></div>".into()));
        assert_eq!(pieces.len(), 2);
    }

    #[test]
    fn a_table_without_heads_nested_tables_and_unclosed_markup_are_read_whole() {
        let html = "<table><tr><td>1</td><td><table><tr><td>in</td><td>ner</td></tr></table></td></tr>\
                    <tr><td>2</td></tr><tr><td><svg><text>no</text></svg>ok</td></tr>";
        let pieces = pieces(html, None);
        assert_eq!(
            pieces,
            [Piece::Table {
                head: vec![String::new(), String::new()],
                rows: vec![
                    vec!["1".into(), "in ner".into()],
                    vec!["2".into(), String::new()],
                    vec!["ok".into(), String::new()],
                ],
            }]
        );
    }

    #[test]
    fn random_markup_is_read_without_a_panic() {
        use playbook_testkit::{Fuzz, lengths};
        const TOKENS: &[&str] = &[
            "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>", "<svg>", "</svg>",
            "<p>", "x", "&amp;", "<", ">", "\"", "<br>", "<script>", "<title>", "</title>",
        ];
        for seed in 0..20u64 {
            let mut fuzz = Fuzz::new(seed);
            for len in lengths(1 << 14) {
                let html = fuzz.tokens(TOKENS, len);
                let _ = pieces(&html, None);
            }
        }
    }
}
