//! One document model for everything the tool writes for people to read: the report,
//! `--compare`, `--postmortem` and `fleet.html` each *build* a [`Document`] — a title, a
//! stylesheet and blocks (a header card with its verdict and facts, sections, headings,
//! tables, charts, prose, preformatted text, links) — and two back ends render it:
//! `html.rs` (one self-contained page: the Content-Security-Policy, user text escaped,
//! outputs' markup and prose through `sanitise`) and `markdown.rs` (GitHub Markdown: user
//! text with Markdown and HTML escaped, tables as GitHub tables, charts as SVG files beside
//! the document). A new kind of document is a builder of these nodes, not a renderer.
//!
//! Where the two formats present a thing differently (a contents list only HTML needs; a
//! step's status as a heading in Markdown, a meta line in HTML), the builder says so with
//! [`Block::Only`].

mod html;
mod markdown;

use playbook::check::Verdict;

use super::{Format, Rendered};
pub(crate) use html::class as html_class;

/// A document: its title (the page's `<title>`), its stylesheet (HTML) and its blocks.
pub(crate) struct Document {
    pub(crate) title: String,
    pub(crate) css: String,
    /// What a Markdown document without a files directory says in place of a chart
    /// ("in the HTML report, or write this report to a file").
    pub(crate) chart_elsewhere: &'static str,
    pub(crate) blocks: Vec<Block>,
}

/// A block of a document.
pub(crate) enum Block {
    /// The header card: the title, what it says first (a verdict line, an introduction),
    /// and facts as labelled values.
    Card(Card),
    /// A part of the document (`attrs`: its HTML attributes, in order).
    Section {
        attrs: Vec<(&'static str, String)>,
        blocks: Vec<Block>,
    },
    Heading {
        level: u8,
        text: String,
        id: Option<String>,
    },
    /// A run's status and its verdicts in one line.
    Status {
        status: String,
        line: String,
    },
    /// A paragraph (`class`: HTML's).
    Para {
        class: Option<&'static str>,
        inlines: Vec<Inline>,
    },
    /// A paragraph the document says about itself ("To be written."), in italics.
    Note(String),
    /// Markdown from the record (a markdown cell) or the tool; `class`: an HTML `<div>`
    /// around it; `demote`: its headings two levels down in Markdown (under a `##`).
    Prose {
        markdown: String,
        class: Option<&'static str>,
        demote: bool,
    },
    /// Preformatted text (a stream, a plain output).
    Pre(String),
    /// A cell's error.
    Error {
        name: String,
        message: String,
    },
    /// An output's HTML (the user's data: sanitised).
    Markup(String),
    Table(Table),
    Chart(Chart),
    /// A list of links into the document (HTML's table of contents).
    Contents(Vec<Vec<Inline>>),
    /// A block only one format shows.
    Only(Format, Box<Block>),
}

/// The header card.
pub(crate) struct Card {
    pub(crate) title: String,
    pub(crate) blocks: Vec<Block>,
    pub(crate) facts: Vec<Fact>,
}

/// A labelled value of the card (`class`: HTML's, on the value).
pub(crate) struct Fact {
    pub(crate) label: String,
    pub(crate) value: Vec<Inline>,
    pub(crate) class: Option<&'static str>,
}

/// A table: its header and rows.
pub(crate) struct Table {
    pub(crate) head: Vec<String>,
    pub(crate) rows: Vec<Row>,
}

/// A row (`id` to link to, `class`: HTML's).
#[derive(Default)]
pub(crate) struct Row {
    pub(crate) id: Option<String>,
    pub(crate) class: Option<&'static str>,
    pub(crate) cells: Vec<Cell>,
}

/// A cell (`class`, `title`, `span`: HTML's; Markdown pads a spanning cell's row).
#[derive(Default)]
pub(crate) struct Cell {
    pub(crate) class: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) span: Option<usize>,
    pub(crate) inlines: Vec<Inline>,
}

/// A chart: SVG, inline in HTML and a file beside Markdown (`file`: its name; `alt`: the
/// image's text). `output`: the user's data (sanitised); else the tool drew it from the
/// record's numbers (its text escaped where it was drawn).
pub(crate) struct Chart {
    pub(crate) svg: String,
    pub(crate) file: String,
    pub(crate) alt: String,
    pub(crate) output: bool,
}

/// Text within a block. Every string is user text: escaped by each back end.
pub(crate) enum Inline {
    Text(String),
    Strong(Vec<Inline>),
    Em(Vec<Inline>),
    Code(String),
    /// A link: `#id` into the document (Markdown links a section by its heading, and
    /// shows the text alone where no heading has the id), or an address.
    Link {
        href: String,
        text: Vec<Inline>,
    },
    /// A status word or a duration (`class`: HTML's `<span>`).
    Span {
        class: Option<String>,
        inlines: Vec<Inline>,
    },
    Verdict(Verdict),
    /// A long text folded: its summary shown, the whole on demand.
    Fold {
        summary: Vec<Inline>,
        full: Vec<Inline>,
    },
    /// A line break (a space in a Markdown table).
    Break,
    /// An instant (RFC 3339): a narrow column breaks it between date and time of day.
    Instant(String),
}

impl Inline {
    pub(crate) fn text(text: impl Into<String>) -> Inline {
        Inline::Text(text.into())
    }
}

impl Cell {
    /// A cell of plain text.
    pub(crate) fn text(text: impl Into<String>) -> Cell {
        Cell::of(vec![Inline::text(text)])
    }

    pub(crate) fn of(inlines: Vec<Inline>) -> Cell {
        Cell {
            inlines,
            ..Cell::default()
        }
    }

    pub(crate) fn class(mut self, class: impl Into<String>) -> Cell {
        self.class = Some(class.into());
        self
    }
}

impl Block {
    /// A paragraph of plain text.
    pub(crate) fn para(inlines: Vec<Inline>) -> Block {
        Block::Para {
            class: None,
            inlines,
        }
    }

    /// A section with an id.
    pub(crate) fn section(id: &str, blocks: Vec<Block>) -> Block {
        Block::Section {
            attrs: vec![("id", id.to_owned())],
            blocks,
        }
    }

    pub(crate) fn heading(level: u8, text: impl Into<String>) -> Block {
        Block::Heading {
            level,
            text: text.into(),
            id: None,
        }
    }

    pub(crate) fn only(format: Format, block: Block) -> Block {
        Block::Only(format, Box::new(block))
    }
}

/// Renders `document` as `format`; a Markdown document's charts go to `files_dir`
/// (relative to the document) when given.
pub(crate) fn render(document: &Document, format: Format, files_dir: Option<&str>) -> Rendered {
    match format {
        Format::Html => Rendered {
            text: html::render(document),
            files: Vec::new(),
        },
        Format::Md => markdown::render(document, files_dir),
    }
}

/// Whether a link may point at `href`: into the document (`#id`), to the web, a mail
/// address, a local file, or a path relative to the document; never `javascript:`,
/// `data:` or any other scheme.
pub(super) fn linkable(href: &str) -> bool {
    match href.split_once(':') {
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => matches!(
            scheme.to_ascii_lowercase().as_str(),
            "http" | "https" | "mailto" | "file"
        ),
        _ => true,
    }
}

/// The report's stylesheet, which every document starts from.
pub(crate) const STYLE: &str = include_str!("../style.css");

#[cfg(test)]
mod tests;
