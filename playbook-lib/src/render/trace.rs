//! How a trace shows itself: its waterfall and the span table.

use crate::model::span::Span;
use crate::model::trace::{SHOWN_SPANS, Trace, millis};
use crate::render::chart::Waterfall;
use crate::render::html::escape;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

impl Trace {
    /// The waterfall chart of the trace.
    pub fn waterfall(&self) -> Waterfall {
        Waterfall::of(self)
    }

    /// Shows the waterfall and the span table as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl Render for Trace {
    fn bundle(&self) -> MimeBundle {
        let t0 = self.start();
        let offset = |s: &Span| {
            t0.map_or(0.0, |t0| {
                (s.start - t0).num_microseconds().unwrap_or(0) as f64 / 1000.0
            })
        };
        let shown = self.spans.len().min(SHOWN_SPANS);
        let mut table =
            Table::new(["span", "kind", "start (ms)", "duration (ms)", "status"]).sectioned();
        for (span, &depth) in self.spans.iter().zip(&self.depths).take(shown) {
            let status = if span.error { "ERROR" } else { "" };
            let line = format!(
                "{:>9.1} ms {:>9.1} ms  {:<5}  {}{}",
                offset(span),
                span.duration_ms(),
                status,
                "  ".repeat(depth),
                span.label()
            );
            let message = span.status_message.as_deref().unwrap_or("");
            let status = match span.error {
                true => Cell::markup(
                    format!("ERROR {message}"),
                    format!("<b>ERROR</b> {}", escape(message)),
                ),
                false => Cell::new(""),
            };
            table.push(
                Row::new(vec![
                    Cell::new(span.label())
                        .style(format!("text-align:left;padding-left:{}px", 4 + 14 * depth)),
                    Cell::new(&span.kind),
                    Cell::new(format!("{:.1}", offset(span))).right(),
                    Cell::new(format!("{:.1}", span.duration_ms())).right(),
                    status,
                ])
                .line(line),
            );
        }
        let mut text = vec![self.summary()];
        text.extend(table.lines());
        if self.spans.len() > shown {
            text.push(format!("… {} more spans", self.spans.len() - shown));
        }
        text.extend(self.notes.iter().cloned());
        let notes: String = self
            .notes
            .iter()
            .map(|n| format!("<p><small>{}</small></p>", escape(n)))
            .collect();
        let start = t0.map(millis).unwrap_or_default();
        let svg = self.waterfall().svg();
        let html = format!(
            "<div class=\"playbook-trace\"><p><b>{}</b> · started {}</p>{svg}{}{notes}</div>",
            escape(&self.summary()),
            escape(&start),
            table.html()
        );
        MimeBundle::text(text.join("\n"))
            .with_html(html)
            .with_svg(svg)
    }
}
