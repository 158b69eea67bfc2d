//! `SeriesSet`: several series from one fetch (a `fetch_many`, a Metrics Insights
//! `GROUP BY`), in query order, shown as one chart and one summary table.

use serde::{Deserialize, Serialize};

use crate::chart::LineChart;
use crate::display::{MimeBundle, Render};
use crate::html::escape;
use crate::series::Series;

/// Series in the order their queries were given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SeriesSet {
    pub series: Vec<Series>,
}

impl SeriesSet {
    /// A set of `series`.
    pub fn new(series: Vec<Series>) -> SeriesSet {
        SeriesSet { series }
    }

    /// Number of series.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// The series labelled `label`.
    pub fn get(&self, label: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.label == label)
    }

    /// The series, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Series> {
        self.series.iter()
    }
}

impl IntoIterator for SeriesSet {
    type Item = Series;
    type IntoIter = std::vec::IntoIter<Series>;

    fn into_iter(self) -> Self::IntoIter {
        self.series.into_iter()
    }
}

impl<'a> IntoIterator for &'a SeriesSet {
    type Item = &'a Series;
    type IntoIter = std::slice::Iter<'a, Series>;

    fn into_iter(self) -> Self::IntoIter {
        self.series.iter()
    }
}

impl FromIterator<Series> for SeriesSet {
    fn from_iter<I: IntoIterator<Item = Series>>(iter: I) -> SeriesSet {
        SeriesSet::new(iter.into_iter().collect())
    }
}

impl std::ops::Index<usize> for SeriesSet {
    type Output = Series;

    fn index(&self, index: usize) -> &Series {
        &self.series[index]
    }
}

impl Render for SeriesSet {
    fn bundle(&self) -> MimeBundle {
        let summaries: Vec<_> = self.series.iter().map(Series::summary).collect();
        let text: Vec<String> = summaries
            .iter()
            .filter_map(|s| {
                s.bundle()
                    .data
                    .get("text/plain")?
                    .as_str()
                    .map(str::to_owned)
            })
            .collect();
        let rows: String = summaries
            .iter()
            .map(|s| {
                let show = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.4}"));
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&s.label),
                    escape(s.unit.as_deref().unwrap_or("")),
                    s.count,
                    show(s.min),
                    show(s.mean),
                    show(s.p99),
                    show(s.max),
                )
            })
            .collect();
        let title = match self.len() {
            1 => self.series[0].label.clone(),
            n => format!("{n} series"),
        };
        let chart = self
            .series
            .iter()
            .fold(LineChart::new(title), |chart, s| chart.series(s.clone()))
            .svg();
        let html = format!(
            "<table><tr><th>series</th><th>unit</th><th>points</th><th>min</th><th>mean</th><th>p99</th><th>max</th></tr>{rows}</table>{chart}"
        );
        let text = if text.is_empty() {
            "no series".to_owned()
        } else {
            text.join("\n")
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

    fn series(label: &str, values: &[f64]) -> Series {
        let points = values.iter().enumerate().map(|(i, v)| {
            (
                Utc.timestamp_opt(1_762_956_000 + 60 * i as i64, 0).unwrap(),
                Some(*v),
            )
        });
        Series::from_points(label, Some("Seconds"), points)
    }

    #[test]
    fn a_set_keeps_query_order_and_finds_by_label() {
        let set: SeriesSet = vec![series("p50", &[0.1, 0.2]), series("p99", &[0.4, 2.5])]
            .into_iter()
            .collect();
        assert_eq!(set.len(), 2);
        assert_eq!(set[1].label, "p99");
        assert_eq!(set.get("p50").unwrap().values[1], Some(0.2));
        assert!(set.get("p90").is_none());
    }

    #[test]
    fn the_rendering_has_one_row_and_one_line_per_series() {
        let set = SeriesSet::new(vec![series("p50", &[0.1, 0.2]), series("p99", &[0.4, 2.5])]);
        let bundle = set.bundle();
        let html = bundle.data["text/html"].as_str().unwrap();
        assert_eq!(html.matches("<tr><td>").count(), 2, "{html}");
        let svg = bundle.data["image/svg+xml"].as_str().unwrap();
        assert_eq!(svg.matches("<polyline").count(), 2, "{svg}");
        let json = serde_json::to_value(&set).unwrap();
        assert!(json.is_array());
    }
}
