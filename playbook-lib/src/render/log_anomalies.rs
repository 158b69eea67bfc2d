//! How log anomalies show themselves: a line per pattern, and a table.

use crate::model::log_anomalies::LogAnomalies;
use crate::model::time_range::rfc3339;
use crate::render::html::escape;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

impl LogAnomalies {
    /// Shows the table as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl Render for LogAnomalies {
    fn bundle(&self) -> MimeBundle {
        let summary = format!(
            "{} log anomal{} · {}",
            self.anomalies.len(),
            if self.anomalies.len() == 1 {
                "y"
            } else {
                "ies"
            },
            self.window
        );
        let mut table = Table::new([
            "count",
            "priority",
            "pattern",
            "first seen",
            "last seen",
            "log groups",
        ])
        .sectioned();
        for a in &self.anomalies {
            let priority = a.priority.as_deref().unwrap_or("");
            let (first, last) = (rfc3339(a.first_seen), rfc3339(a.last_seen));
            let pattern = format!(
                "<code>{}</code><br/><small>{}</small>",
                escape(&a.pattern),
                escape(&a.description)
            );
            table.push(
                Row::new(vec![
                    Cell::new(a.count.to_string()).right(),
                    Cell::new(priority),
                    Cell::markup(&a.pattern, pattern).left(),
                    Cell::new(&first),
                    Cell::new(&last),
                    Cell::new(a.groups.join(", ")).left(),
                ])
                .line(format!(
                    "{:>6}  {priority:<6}  {first} .. {last}  {}\n        {}",
                    a.count, a.pattern, a.description
                )),
            );
        }
        let mut text = vec![summary.clone()];
        text.extend(table.lines());
        text.extend(self.notes.iter().cloned());
        let notes: String = self
            .notes
            .iter()
            .map(|n| format!("<p><small>{}</small></p>", escape(n)))
            .collect();
        let html = format!(
            "<div class=\"playbook-anomalies\"><p><b>{}</b></p>{}{notes}</div>",
            escape(&summary),
            table.html()
        );
        MimeBundle::text(text.join("\n")).with_html(html)
    }
}
