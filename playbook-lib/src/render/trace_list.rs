//! How a list of traces shows itself: a line and a row per trace.

use crate::model::span::Span;
use crate::model::trace::millis;
use crate::model::trace_list::TraceList;
use crate::render::html::escape;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

impl TraceList {
    /// Shows the table as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl Render for TraceList {
    fn bundle(&self) -> MimeBundle {
        let mut table = Table::new([
            "trace id",
            "root operation",
            "start",
            "duration (ms)",
            "spans",
            "errors",
        ])
        .sectioned();
        for t in &self.traces {
            let root = t.root().map(Span::label).unwrap_or_default();
            let start = t.start().map(millis).unwrap_or_default();
            let line = format!(
                "{}  {start}  {:>9.1} ms  {:>4} spans  {} error(s)  {root}",
                t.trace_id,
                t.duration_ms(),
                t.spans.len(),
                t.errors()
            );
            let errors = match t.errors() {
                0 => Cell::new("0"),
                n => Cell::bold(n.to_string()),
            };
            table.push(
                Row::new(vec![
                    Cell::code(&t.trace_id),
                    Cell::new(root).left(),
                    Cell::new(start),
                    Cell::new(format!("{:.1}", t.duration_ms())).right(),
                    Cell::new(t.spans.len().to_string()).right(),
                    errors.right(),
                ])
                .line(line),
            );
        }
        let mut text = vec![self.heading()];
        text.extend(table.lines());
        text.extend(self.notes.iter().cloned());
        let notes: String = self
            .notes
            .iter()
            .map(|n| format!("<p><small>{}</small></p>", escape(n)))
            .collect();
        let html = format!(
            "<div class=\"playbook-traces\"><p><b>{}</b></p>{}{notes}</div>",
            escape(&self.heading()),
            table.html()
        );
        MimeBundle::text(text.join("\n")).with_html(html)
    }
}
