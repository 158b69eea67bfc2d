//! How an alarm report shows itself: the alarms and their state changes as two tables,
//! and the changes as annotations on a chart.

use crate::model::alarms::AlarmReport;
use crate::model::time_range::rfc3339;
use crate::render::chart::LineChart;
use crate::render::html::escape;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

impl AlarmReport {
    /// Draws each state change on `chart` as an annotation (`alarm → ALARM`).
    pub fn annotate(&self, mut chart: LineChart) -> LineChart {
        for change in &self.changes {
            chart = chart.annotate(change.at, &format!("{} → {}", change.alarm, change.to));
        }
        chart
    }

    /// Shows the report as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl AlarmReport {
    /// The alarms as they stand, one row (and line) each.
    fn alarm_table(&self) -> Table {
        let mut table = Table::new(["alarm", "state", "condition"]);
        for a in &self.alarms {
            let colour = match a.state.as_str() {
                "ALARM" => "#b00",
                "OK" => "#070",
                _ => "#777",
            };
            table.push(
                Row::new(vec![
                    Cell::new(&a.name),
                    Cell::bold(&a.state).style(format!("color:{colour}")),
                    Cell::code(&a.condition),
                ])
                .line(format!("{:<18} {}  ({})", a.state, a.name, a.condition)),
            );
        }
        table
    }

    /// The state changes in the window, oldest first.
    fn change_table(&self) -> Table {
        let mut table = Table::new(["at", "alarm", "change", "reason"]);
        for c in &self.changes {
            let change = format!("{} → {}", c.from, c.to);
            let html = format!("{} → <b>{}</b>", escape(&c.from), escape(&c.to));
            table.push(
                Row::new(vec![
                    Cell::new(rfc3339(c.at)),
                    Cell::new(&c.alarm),
                    Cell::markup(&change, html),
                    Cell::new(c.reason.as_deref().unwrap_or("")),
                ])
                .line(format!("{}  {}: {change}", rfc3339(c.at), c.alarm)),
            );
        }
        table
    }
}

impl Render for AlarmReport {
    fn bundle(&self) -> MimeBundle {
        let (alarms, changes) = (self.alarm_table(), self.change_table());
        let mut text = vec![format!("{} alarms · {}", self.alarms.len(), self.window)];
        text.extend(alarms.lines());
        if !changes.is_empty() {
            text.push("state changes:".to_owned());
        }
        text.extend(changes.lines());
        text.extend(self.notes.iter().map(|n| format!("note: {n}")));
        let mut html = alarms.html();
        if !changes.is_empty() {
            html.push_str(&format!(
                "<p>State changes in {}:</p>{}",
                escape(&self.window.to_string()),
                changes.html()
            ));
        }
        for note in &self.notes {
            html.push_str(&format!("<p><small>note: {}</small></p>", escape(note)));
        }
        MimeBundle::text(text.join("\n")).with_html(html)
    }
}
