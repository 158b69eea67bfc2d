//! Time series: the result type of metric queries, with summary statistics.
//!
//! Missing points stay missing (`None`): they are counted, never treated as zero, and
//! charts break their lines there.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One series: a label, a unit, and values at increasing instants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub label: String,
    pub unit: Option<String>,
    pub timestamps: Vec<DateTime<Utc>>,
    pub values: Vec<Option<f64>>,
    /// The query that produced the series, as the record shows it (none for series built
    /// by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

impl Series {
    /// An empty series.
    pub fn new(label: impl Into<String>, unit: Option<&str>) -> Series {
        Series {
            label: label.into(),
            unit: unit.map(str::to_owned),
            timestamps: Vec::new(),
            values: Vec::new(),
            query: None,
        }
    }

    /// A series from `(instant, value)` points in any order (sorted by time here).
    pub fn from_points(
        label: impl Into<String>,
        unit: Option<&str>,
        points: impl IntoIterator<Item = (DateTime<Utc>, Option<f64>)>,
    ) -> Series {
        let mut points: Vec<_> = points.into_iter().collect();
        points.sort_by_key(|(t, _)| *t);
        let mut series = Series::new(label, unit);
        for (t, v) in points {
            series.timestamps.push(t);
            series.values.push(v.filter(|v| v.is_finite()));
        }
        series
    }

    /// Number of points, present or missing.
    pub fn len(&self) -> usize {
        self.timestamps.len()
    }

    /// Whether the series has no points.
    pub fn is_empty(&self) -> bool {
        self.timestamps.is_empty()
    }

    /// The present points.
    pub fn points(&self) -> impl Iterator<Item = (DateTime<Utc>, f64)> + '_ {
        self.timestamps
            .iter()
            .zip(&self.values)
            .filter_map(|(t, v)| v.map(|v| (*t, v)))
    }

    /// Summary statistics of the present values.
    pub fn summary(&self) -> Summary {
        let mut present: Vec<f64> = self.values.iter().flatten().copied().collect();
        present.sort_by(f64::total_cmp);
        let count = present.len();
        let mean = (count > 0).then(|| present.iter().sum::<f64>() / count as f64);
        Summary {
            label: self.label.clone(),
            unit: self.unit.clone(),
            count,
            missing: self.len() - count,
            min: present.first().copied(),
            max: present.last().copied(),
            mean,
            p50: percentile_sorted(&present, 50.0),
            p90: percentile_sorted(&present, 90.0),
            p99: percentile_sorted(&present, 99.0),
            last: self.points().last().map(|(_, v)| v),
        }
    }
}

/// The `p`th percentile (0–100) of `values`, interpolating linearly between the closest
/// ranks (NumPy's default); `None` for no values.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    percentile_sorted(&sorted, p)
}

fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = (p.clamp(0.0, 100.0) / 100.0) * last as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    let weight = rank - low as f64;
    Some(sorted[low] + (sorted[high] - sorted[low]) * weight)
}

/// Summary statistics of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub label: String,
    pub unit: Option<String>,
    pub count: usize,
    pub missing: usize,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub last: Option<f64>,
}

/// A statistic as people read it: at most 4 decimals, trailing zeros dropped, so a count
/// is a whole number (`4736`, not `4736.0000`); "–" for none.
pub(crate) fn show(v: Option<f64>) -> String {
    v.map_or_else(
        || "–".into(),
        |v| {
            let text = format!("{v:.4}");
            match text.trim_end_matches('0').trim_end_matches('.') {
                "-0" => "0".to_owned(),
                trimmed => trimmed.to_owned(),
            }
        },
    )
}

impl Summary {
    pub(crate) fn cells(&self) -> [(&'static str, String); 9] {
        [
            ("count", self.count.to_string()),
            ("missing", self.missing.to_string()),
            ("min", show(self.min)),
            ("mean", show(self.mean)),
            ("p50", show(self.p50)),
            ("p90", show(self.p90)),
            ("p99", show(self.p99)),
            ("max", show(self.max)),
            ("last", show(self.last)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Render;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_764_151_200 + minute * 60, 0).unwrap()
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), Some(5.5));
        assert_eq!(percentile(&values, 90.0), Some(9.1));
        assert_eq!(percentile(&values, 0.0), Some(1.0));
        assert_eq!(percentile(&values, 100.0), Some(10.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn missing_points_are_counted_not_zeroed() {
        let series = Series::from_points(
            "p99",
            Some("ms"),
            [
                (at(2), Some(300.0)),
                (at(0), Some(100.0)),
                (at(1), None),
                (at(3), Some(f64::NAN)),
            ],
        );
        assert_eq!(series.timestamps[0], at(0));
        let s = series.summary();
        assert_eq!((s.count, s.missing), (2, 2));
        assert_eq!(
            (s.min, s.max, s.mean, s.last),
            (Some(100.0), Some(300.0), Some(200.0), Some(300.0))
        );
    }

    #[test]
    fn summary_renders_text_and_html() {
        let series = Series::from_points("latency <p99>", Some("ms"), [(at(0), Some(1.5))]);
        let bundle = series.summary().bundle();
        assert_eq!(
            bundle.data["text/plain"],
            "latency <p99> (ms): count 1, missing 0, min 1.5, mean 1.5, p50 1.5, p90 1.5, p99 1.5, max 1.5, last 1.5"
        );
        assert!(
            bundle.data["text/html"]
                .as_str()
                .unwrap()
                .contains("latency &lt;p99&gt; (ms)")
        );
    }
}
