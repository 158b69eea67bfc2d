//! How a log table shows itself: aligned text and an HTML table of its first rows, with
//! readable cells for `pattern` results.

use crate::model::log_table::{Cell as Typed, LogTable, SHOWN_ROWS, type_cell};
use crate::model::time_range::rfc3339;
use crate::render::html::escape;
use crate::render::readable;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

impl Render for LogTable {
    fn bundle(&self) -> MimeBundle {
        let shown = &self.rows[..self.rows.len().min(SHOWN_ROWS)];
        // `pattern` and `diff` results: their cells as people read them.
        let patterns = readable::is_patterns(&self.columns);
        let read_as = |row: &Vec<Option<String>>, i: usize, column: &str| match row.get(i) {
            Some(Some(text)) if patterns => Some(readable::cell(column, text)),
            _ => None,
        };
        let show = |row: &Vec<Option<String>>, i: usize, column: &str| match row.get(i) {
            Some(Some(_)) if patterns => {
                (read_as(row, i, column).map(|r| r.text)).unwrap_or_default()
            }
            Some(Some(text)) => match type_cell(column, text) {
                Typed::Time(t) => rfc3339(t),
                _ => text.clone(),
            },
            _ => String::new(),
        };
        let mut table = Table::new(self.columns.iter().cloned()).sectioned();
        for raw in shown {
            let cells = self.columns.iter().enumerate().map(|(i, column)| {
                let text = show(raw, i, column).replace('\n', "⏎");
                match read_as(raw, i, column) {
                    Some(r) if r.numeric => Cell::markup(text, r.html).right(),
                    Some(r) => Cell::markup(text, r.html).left(),
                    None => Cell::new(text).left(),
                }
            });
            table.push(Row::new(cells.collect()));
        }
        let mut text = table.aligned_text(80);
        if self.len() > shown.len() {
            text.push(format!("… {} more rows", self.len() - shown.len()));
        }
        text.push(self.summary_line());

        let more = if self.len() > shown.len() {
            format!("<p>… {} more rows</p>", self.len() - shown.len())
        } else {
            String::new()
        };
        let html = format!(
            "<div class=\"playbook-logtable\">{}{more}<p><small>{}</small></p></div>",
            table.html(),
            escape(&self.summary_line())
        );
        MimeBundle::text(text.join("\n")).with_html(html)
    }
}

impl LogTable {
    /// Shows the table as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}
