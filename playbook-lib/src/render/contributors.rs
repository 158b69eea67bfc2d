//! How a Contributor Insights report shows itself: the ranked contributors with their
//! share, and their series as a chart.

use crate::model::contributors::TopContributors;
use crate::model::series::Series;
use crate::render::chart::LineChart;
use crate::render::html::escape;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

impl TopContributors {
    /// Shows the table and chart as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl Render for TopContributors {
    fn bundle(&self) -> MimeBundle {
        let summary = self.summary();
        let share = |v: f64| self.share(v).map_or(String::new(), |s| format!("{s:.1}%"));
        let heads = std::iter::once("#".to_owned())
            .chain(self.key_labels.iter().cloned())
            .chain([self.value_label(), "share".to_owned()]);
        let mut table = Table::new(heads).sectioned();
        for (rank, c) in self.contributors.iter().enumerate() {
            let line = format!(
                "{:>3}  {:>12}  {:>6}  {}",
                rank + 1,
                number(c.value),
                share(c.value),
                c.label()
            );
            let cells = std::iter::once(Cell::new((rank + 1).to_string()))
                .chain(c.keys.iter().map(|k| Cell::new(k).left()))
                .chain([
                    Cell::new(number(c.value)).right(),
                    Cell::new(share(c.value)).right(),
                ]);
            table.push(Row::new(cells.collect()).line(line));
        }
        let mut text = vec![summary.clone()];
        text.extend(table.lines());
        text.extend(self.notes.iter().cloned());
        let notes: String = (self.notes.iter())
            .map(|n| format!("<p><small>{}</small></p>", escape(n)))
            .collect();
        let set = self.series();
        let chart = (set.iter())
            .fold(
                LineChart::new(format!("top contributors · {}", self.rule)),
                |chart, s| chart.series(s.clone()),
            )
            .svg();
        let html = format!(
            "<div class=\"playbook-contributors\"><p><b>{}</b></p>{}{notes}{chart}</div>",
            escape(&summary),
            table.html()
        );
        let series: Vec<Series> = set.iter().cloned().collect();
        MimeBundle::text(text.join("\n"))
            .with_html(html)
            .with_svg(chart)
            .with_series(&series)
    }
}

/// A value as people read it: whole numbers without decimals.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}
