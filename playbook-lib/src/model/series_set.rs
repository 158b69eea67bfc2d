//! `SeriesSet`: several series from one fetch (a `fetch_many`, a Metrics Insights
//! `GROUP BY`), in query order, shown as one chart and one summary table.

use serde::{Deserialize, Serialize};

use crate::model::series::Series;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Render;
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
