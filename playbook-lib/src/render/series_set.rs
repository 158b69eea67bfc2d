//! How a set of series shows itself: one summary row per series, and one chart.

use crate::model::series::{Series, show};
use crate::model::series_set::SeriesSet;
use crate::render::chart::LineChart;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

impl Render for SeriesSet {
    fn bundle(&self) -> MimeBundle {
        let mut table = Table::new(["series", "unit", "points", "min", "mean", "p99", "max"]);
        for s in self.series.iter().map(Series::summary) {
            // At most 4 decimals, trailing zeros dropped: a count reads `4736`.
            let show = |v: Option<f64>| Cell::new(show(v));
            let line =
                (s.bundle().data.get("text/plain")).and_then(|t| t.as_str().map(str::to_owned));
            let mut row = Row::new(vec![
                Cell::new(&s.label),
                Cell::new(s.unit.as_deref().unwrap_or("")),
                Cell::new(s.count.to_string()),
                show(s.min),
                show(s.mean),
                show(s.p99),
                show(s.max),
            ]);
            if let Some(line) = line {
                row = row.line(line);
            }
            table.push(row);
        }
        let title = match self.len() {
            1 => self.series[0].label.clone(),
            n => format!("{n} series"),
        };
        let chart = self
            .series
            .iter()
            .fold(LineChart::new(title), |chart, s| chart.series(s.clone()))
            .svg();
        let html = format!("{}{chart}", table.html());
        let text = if table.is_empty() {
            "no series".to_owned()
        } else {
            table.lines().join("\n")
        };
        MimeBundle::text(text)
            .with_html(html)
            .with_svg(chart)
            .with_series(&self.series)
    }
}

impl SeriesSet {
    /// Shows the set (summary table and one chart) as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn counts_show_as_whole_numbers_in_the_summary_table() {
        let at = |m: i64| Utc.timestamp_opt(1_764_151_200 + m * 60, 0).unwrap();
        let requests = Series::from_points(
            "requests",
            Some("Count"),
            [(at(0), Some(4736.0)), (at(1), Some(4736.0))],
        );
        let latency = Series::from_points("p99", Some("s"), [(at(0), Some(0.123456))]);
        let set = SeriesSet {
            series: vec![requests, latency],
        };
        let text = set.bundle().data["text/plain"].as_str().unwrap().to_owned();
        assert!(text.contains("4736"), "{text}");
        assert!(!text.contains("4736.0"), "{text}");
        assert!(text.contains("0.1235"), "{text}");
    }
}
