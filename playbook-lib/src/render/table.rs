//! One table, described once and written as text, HTML or Markdown: every result that
//! shows rows (alarms, checks, series, traces, probes, log tables, …) builds a [`Table`]
//! instead of hand-writing a text table and an HTML table side by side.
//!
//! A cell holds its plain text and its HTML (escaped from the text unless given as
//! markup). The text form is either the columns aligned under their heads
//! ([`Table::aligned_text`]) or each row's own line ([`Row::line`], for results whose
//! text reads as sentences); HTML and Markdown always come from the cells.

use super::html::escape;

/// One cell: its plain text, its HTML and an optional inline style.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    text: String,
    html: String,
    style: Option<String>,
}

impl Cell {
    /// A cell showing `text` (escaped in HTML).
    pub fn new(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell {
            html: escape(&text),
            text,
            style: None,
        }
    }

    /// A cell whose HTML is `html` (already escaped markup) and whose text is `text`.
    pub fn markup(text: impl Into<String>, html: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            html: html.into(),
            style: None,
        }
    }

    /// A cell showing `text` in bold.
    pub fn bold(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell {
            html: format!("<b>{}</b>", escape(&text)),
            text,
            style: None,
        }
    }

    /// A cell showing `text` as code.
    pub fn code(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell {
            html: format!("<code>{}</code>", escape(&text)),
            text,
            style: None,
        }
    }

    /// Sets the cell's inline style (`text-align:right`).
    pub fn style(mut self, style: impl Into<String>) -> Cell {
        self.style = Some(style.into());
        self
    }

    /// Aligns the cell's content to the right (numbers).
    pub fn right(self) -> Cell {
        self.style("text-align:right")
    }

    /// Aligns the cell's content to the left (names, messages).
    pub fn left(self) -> Cell {
        self.style("text-align:left")
    }

    /// The cell's plain text.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn td(&self) -> String {
        match &self.style {
            Some(style) => format!("<td style=\"{style}\">{}</td>", self.html),
            None => format!("<td>{}</td>", self.html),
        }
    }
}

/// One row: its cells, an optional inline style and an optional line of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    cells: Vec<Cell>,
    style: Option<String>,
    line: Option<String>,
}

impl Row {
    /// A row of `cells`.
    pub fn new(cells: Vec<Cell>) -> Row {
        Row {
            cells,
            style: None,
            line: None,
        }
    }

    /// Sets the row's inline style (`color:#b42318` for a failed probe).
    pub fn style(mut self, style: impl Into<String>) -> Row {
        self.style = Some(style.into());
        self
    }

    /// The row as one line of text, for results whose text reads as sentences (`OK
    /// checkout-p99 (TargetResponseTime p99 > 1)`) rather than aligned columns.
    pub fn line(mut self, line: impl Into<String>) -> Row {
        self.line = Some(line.into());
        self
    }

    fn tr(&self) -> String {
        let cells: String = self.cells.iter().map(Cell::td).collect();
        match &self.style {
            Some(style) => format!("<tr style=\"{style}\">{cells}</tr>"),
            None => format!("<tr>{cells}</tr>"),
        }
    }

    fn text_line(&self) -> String {
        match &self.line {
            Some(line) => line.clone(),
            None => (self.cells.iter().map(Cell::text))
                .collect::<Vec<_>>()
                .join("  "),
        }
    }
}

/// A table: column heads and rows, with an optional CSS class; `sectioned` tables wrap
/// their head and body in `<thead>` and `<tbody>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    heads: Vec<String>,
    rows: Vec<Row>,
    class: Option<String>,
    sectioned: bool,
}

impl Table {
    /// A table with these column heads (plain text).
    pub fn new<S: Into<String>>(heads: impl IntoIterator<Item = S>) -> Table {
        Table {
            heads: heads.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            class: None,
            sectioned: false,
        }
    }

    /// Wraps the head in `<thead>` and the rows in `<tbody>`.
    pub fn sectioned(mut self) -> Table {
        self.sectioned = true;
        self
    }

    /// Sets the table's CSS class.
    pub fn class(mut self, class: impl Into<String>) -> Table {
        self.class = Some(class.into());
        self
    }

    /// Adds a row.
    pub fn row(mut self, row: Row) -> Table {
        self.rows.push(row);
        self
    }

    /// Adds a row (in place).
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as HTML.
    pub fn html(&self) -> String {
        let class = match &self.class {
            Some(class) => format!(" class=\"{}\"", escape(class)),
            None => String::new(),
        };
        let heads: String = (self.heads.iter())
            .map(|h| format!("<th>{}</th>", escape(h)))
            .collect();
        let rows: String = self.rows.iter().map(Row::tr).collect();
        if self.sectioned {
            format!("<table{class}><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table>")
        } else {
            format!("<table{class}><tr>{heads}</tr>{rows}</table>")
        }
    }

    /// Each row's line of text ([`Row::line`], or its cells joined by two spaces), no
    /// head.
    pub fn lines(&self) -> Vec<String> {
        self.rows.iter().map(Row::text_line).collect()
    }

    /// The head and the rows, each column padded to its widest cell (cells counted and
    /// cut at `max_width` characters), two spaces apart, trailing spaces trimmed.
    pub fn aligned_text(&self, max_width: usize) -> Vec<String> {
        let mut widths: Vec<usize> = self.heads.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(&row.cells) {
                *w = (*w).max(cell.text.chars().count().min(max_width));
            }
        }
        let line = |cells: Vec<&str>| {
            let parts: Vec<String> = (cells.iter().zip(&widths))
                .map(|(c, w)| {
                    let c: String = c.chars().take(max_width).collect();
                    format!("{c:<w$}")
                })
                .collect();
            parts.join("  ").trim_end().to_owned()
        };
        let mut out = vec![line(self.heads.iter().map(String::as_str).collect())];
        for row in &self.rows {
            out.push(line(row.cells.iter().map(Cell::text).collect()));
        }
        out
    }

    /// The table as GitHub-flavoured Markdown (`|` in cells escaped).
    pub fn markdown(&self) -> String {
        let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
        let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
        let mut out = vec![
            line(self.heads.iter().map(|h| cell(h)).collect()),
            line(self.heads.iter().map(|_| "---".to_owned()).collect()),
        ];
        for row in &self.rows {
            out.push(line(row.cells.iter().map(|c| cell(&c.text)).collect()));
        }
        out.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table::new(["name", "p99 (ms)"])
            .row(Row::new(vec![Cell::new("a<b"), Cell::new("12.5").right()]))
            .row(
                Row::new(vec![Cell::markup("c|d", "<b>c|d</b>"), Cell::new("7")])
                    .style("color:#b00")
                    .line("c|d took 7 ms"),
            )
    }

    #[test]
    fn html_escapes_text_cells_and_keeps_markup_cells() {
        assert_eq!(
            table().html(),
            "<table><tr><th>name</th><th>p99 (ms)</th></tr>\
             <tr><td>a&lt;b</td><td style=\"text-align:right\">12.5</td></tr>\
             <tr style=\"color:#b00\"><td><b>c|d</b></td><td>7</td></tr></table>"
        );
        let sectioned = table().sectioned().class("playbook-x").html();
        assert!(
            sectioned.starts_with("<table class=\"playbook-x\"><thead><tr><th>name</th>"),
            "{sectioned}"
        );
        assert!(sectioned.ends_with("</tr></tbody></table>"), "{sectioned}");
    }

    #[test]
    fn text_is_aligned_columns_or_each_rows_line() {
        assert_eq!(
            table().aligned_text(80),
            ["name  p99 (ms)", "a<b   12.5", "c|d   7"]
        );
        assert_eq!(table().lines(), ["a<b  12.5", "c|d took 7 ms"]);
    }

    #[test]
    fn markdown_comes_from_the_same_cells() {
        assert_eq!(
            table().markdown(),
            "| name | p99 (ms) |\n| --- | --- |\n| a<b | 12.5 |\n| c\\|d | 7 |"
        );
    }
}
