//! Operations on series: align to a period, differences and rates, rolling means, joins
//! and top-N. A missing input point gives a missing output point; nothing is ever filled
//! with zero.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::series::{Series, Summary};

/// How values that fall in one bucket are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Mean,
    Sum,
    Min,
    Max,
    Count,
}

/// Buckets [`Series::resample`] fills between a series' first and last points at most:
/// two years of minutes.
pub const MAX_RESAMPLED_BUCKETS: i64 = 1_000_000;

impl Series {
    /// The present values among the `window` points ending at point `i`.
    fn present_before(&self, i: usize, window: usize) -> Vec<f64> {
        self.values[i.saturating_sub(window.max(1) - 1)..=i]
            .iter()
            .flatten()
            .copied()
            .collect()
    }

    fn derived(&self, label: String, values: Vec<Option<f64>>) -> Series {
        Series {
            label,
            unit: self.unit.clone(),
            timestamps: self.timestamps.clone(),
            values,
            query: self.query.clone(),
        }
    }

    /// Aligns the series to `period_secs` buckets (starting at multiples of the period since
    /// the epoch, like CloudWatch), combining the values of each bucket. Every bucket
    /// between the first and the last is present, a bucket with no value missing — up to
    /// [`MAX_RESAMPLED_BUCKETS`]: past it (points centuries apart: a timestamp in the wrong
    /// unit) only the buckets with values are kept, so the result is bounded by the data,
    /// never by the span.
    pub fn resample(&self, period_secs: i64, how: Aggregate) -> Series {
        let period = period_secs.max(1);
        let mut buckets: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
        for (t, v) in self.points() {
            buckets
                .entry(t.timestamp().div_euclid(period) * period)
                .or_default()
                .push(v);
        }
        let mut out = Series::new(self.label.clone(), self.unit.as_deref());
        let (Some(&first), Some(&last)) = (buckets.keys().next(), buckets.keys().next_back())
        else {
            return out;
        };
        if (last - first) / period >= MAX_RESAMPLED_BUCKETS {
            for (start, values) in &buckets {
                if let Some(t) = DateTime::<Utc>::from_timestamp(*start, 0) {
                    out.timestamps.push(t);
                    out.values.push(Some(combine(values, how)));
                }
            }
            return out;
        }
        let mut start = first;
        while start <= last {
            let value = buckets.get(&start).map(|values| combine(values, how));
            if let Some(t) = DateTime::<Utc>::from_timestamp(start, 0) {
                out.timestamps.push(t);
                out.values.push(value);
            }
            start += period;
        }
        out
    }

    /// `v[i] - v[i-1]`.
    pub fn delta(&self) -> Series {
        let values = pairwise(&self.values, |prev, cur| Some(cur - prev));
        self.derived(format!("Δ {}", self.label), values)
    }

    /// Change per second between consecutive points.
    pub fn rate(&self) -> Series {
        let mut values = vec![None; self.len()];
        for (i, value) in values.iter_mut().enumerate().skip(1) {
            let seconds =
                (self.timestamps[i] - self.timestamps[i - 1]).num_milliseconds() as f64 / 1000.0;
            if let (Some(prev), Some(cur)) = (self.values[i - 1], self.values[i])
                && seconds > 0.0
            {
                *value = Some((cur - prev) / seconds);
            }
        }
        let mut out = self.derived(format!("rate of {}", self.label), values);
        out.unit = self.unit.as_ref().map(|u| format!("{u}/s"));
        out
    }

    /// Percent change from the previous point (missing when the previous value is 0).
    pub fn percent_change(&self) -> Series {
        let values = pairwise(&self.values, |prev, cur| {
            (prev != 0.0).then(|| (cur - prev) / prev * 100.0)
        });
        let mut out = self.derived(format!("% change of {}", self.label), values);
        out.unit = Some("%".into());
        out
    }

    /// Mean of the present values among the last `window` points (including this one).
    pub fn rolling_mean(&self, window: usize) -> Series {
        let window = window.max(1);
        let values = (0..self.len())
            .map(|i| {
                let present = self.present_before(i, window);
                (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
            })
            .collect();
        self.derived(format!("{} (rolling mean of {window})", self.label), values)
    }

    /// The `p`-th percentile (linear interpolation, as [`crate::model::series::percentile`]) of the
    /// present values among the last `window` points, at each point; missing where the
    /// window holds none.
    pub fn rolling_percentile(&self, window: usize, p: f64) -> Series {
        let window = window.max(1);
        let values = (0..self.len())
            .map(|i| crate::model::series::percentile(&self.present_before(i, window), p))
            .collect();
        self.derived(format!("{} (rolling p{p} of {window})", self.label), values)
    }

    /// The instants both series have, with both values (either may be missing).
    pub fn join(&self, other: &Series) -> Vec<(DateTime<Utc>, Option<f64>, Option<f64>)> {
        let theirs: BTreeMap<DateTime<Utc>, Option<f64>> = other
            .timestamps
            .iter()
            .copied()
            .zip(other.values.iter().copied())
            .collect();
        self.timestamps
            .iter()
            .zip(&self.values)
            .filter_map(|(t, v)| theirs.get(t).map(|w| (*t, *v, *w)))
            .collect()
    }
}

fn combine(values: &[f64], how: Aggregate) -> f64 {
    match how {
        Aggregate::Mean => values.iter().sum::<f64>() / values.len() as f64,
        Aggregate::Sum => values.iter().sum(),
        Aggregate::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
        Aggregate::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Aggregate::Count => values.len() as f64,
    }
}

fn pairwise(values: &[Option<f64>], f: impl Fn(f64, f64) -> Option<f64>) -> Vec<Option<f64>> {
    let mut out = vec![None; values.len()];
    for i in 1..values.len() {
        if let (Some(prev), Some(cur)) = (values[i - 1], values[i]) {
            out[i] = f(prev, cur);
        }
    }
    out
}

/// The `n` series with the highest `statistic` (e.g. `|s| s.p99`), highest first; series
/// without a value for it come last.
pub fn top_n(
    series: &[Series],
    n: usize,
    statistic: impl Fn(&Summary) -> Option<f64>,
) -> Vec<Series> {
    let mut ranked: Vec<(Option<f64>, &Series)> = series
        .iter()
        .map(|s| (statistic(&s.summary()), s))
        .collect();
    ranked.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    ranked.into_iter().take(n).map(|(_, s)| s.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const T0: i64 = 1_764_151_200; // 2025-11-26T10:00:00Z, a multiple of 300 s

    fn series(points: &[(i64, Option<f64>)]) -> Series {
        Series::from_points(
            "x",
            Some("ms"),
            points
                .iter()
                .map(|(s, v)| (Utc.timestamp_opt(T0 + s, 0).unwrap(), *v)),
        )
    }

    #[test]
    fn resample_aligns_to_the_period_and_keeps_empty_buckets_missing() {
        let s = series(&[
            (0, Some(1.0)),
            (60, Some(3.0)),
            (610, Some(10.0)),
            (899, Some(20.0)),
        ]);
        let r = s.resample(300, Aggregate::Mean);
        let starts: Vec<i64> = r.timestamps.iter().map(|t| t.timestamp() - T0).collect();
        assert_eq!(starts, [0, 300, 600]);
        assert_eq!(r.values, [Some(2.0), None, Some(15.0)]);
        assert_eq!(
            s.resample(300, Aggregate::Sum).values,
            [Some(4.0), None, Some(30.0)]
        );
        assert_eq!(s.resample(300, Aggregate::Count).values[2], Some(2.0));
        assert_eq!(s.resample(300, Aggregate::Max).values[0], Some(3.0));
    }

    #[test]
    fn resampling_a_point_millennia_away_keeps_the_buckets_with_values_only() {
        // An epoch in milliseconds read as seconds: filling every minute would be 10^11.
        let far = DateTime::<Utc>::MAX_UTC;
        let s = Series::from_points(
            "x",
            None,
            [
                (Utc.timestamp_opt(T0, 0).unwrap(), Some(1.0)),
                (far, Some(2.0)),
            ],
        );
        let r = s.resample(60, Aggregate::Mean);
        assert_eq!(r.len(), 2);
        assert_eq!(r.values, [Some(1.0), Some(2.0)]);
        // Just under the bound, every bucket is there.
        let wide = series(&[
            (0, Some(1.0)),
            ((MAX_RESAMPLED_BUCKETS - 1) * 60, Some(2.0)),
        ]);
        assert_eq!(
            wide.resample(60, Aggregate::Mean).len() as i64,
            MAX_RESAMPLED_BUCKETS
        );
    }

    #[test]
    fn delta_rate_and_percent_change_respect_gaps() {
        let s = series(&[
            (0, Some(100.0)),
            (60, Some(160.0)),
            (120, None),
            (180, Some(40.0)),
            (240, Some(0.0)),
            (300, Some(5.0)),
        ]);
        assert_eq!(
            s.delta().values,
            [None, Some(60.0), None, None, Some(-40.0), Some(5.0)]
        );
        assert_eq!(s.rate().values[1], Some(1.0));
        assert_eq!(s.rate().unit.as_deref(), Some("ms/s"));
        let pct = s.percent_change().values;
        assert_eq!(pct[1], Some(60.0));
        assert_eq!(pct[5], None); // previous value 0
    }

    #[test]
    fn rolling_mean_uses_present_values_only() {
        let s = series(&[
            (0, Some(1.0)),
            (60, None),
            (120, Some(5.0)),
            (180, Some(9.0)),
        ]);
        assert_eq!(
            s.rolling_mean(2).values,
            [Some(1.0), Some(1.0), Some(5.0), Some(7.0)]
        );
    }

    #[test]
    fn join_matches_instants() {
        let a = series(&[(0, Some(1.0)), (60, Some(2.0)), (120, Some(3.0))]);
        let b = series(&[(60, Some(20.0)), (120, None), (180, Some(40.0))]);
        let joined: Vec<(i64, Option<f64>, Option<f64>)> = a
            .join(&b)
            .into_iter()
            .map(|(t, x, y)| (t.timestamp() - T0, x, y))
            .collect();
        assert_eq!(
            joined,
            [(60, Some(2.0), Some(20.0)), (120, Some(3.0), None)]
        );
    }

    #[test]
    fn top_n_ranks_by_a_statistic() {
        let mut quiet = series(&[(0, Some(1.0))]);
        quiet.label = "quiet".into();
        let mut busy = series(&[(0, Some(9.0))]);
        busy.label = "busy".into();
        let mut empty = series(&[(0, None)]);
        empty.label = "empty".into();
        let top = top_n(&[quiet, empty, busy], 2, |s| s.max);
        let labels: Vec<&str> = top.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["busy", "quiet"]);
    }

    #[test]
    fn rolling_percentiles_use_the_points_in_the_window() {
        let s = series(&[
            (0, Some(1.0)),
            (1, Some(9.0)),
            (2, None),
            (3, Some(5.0)),
            (4, None),
            (5, None),
        ]);
        let p50 = s.rolling_percentile(3, 50.0);
        assert_eq!(
            p50.values,
            vec![
                Some(1.0),
                Some(5.0),
                Some(5.0),
                Some(7.0),
                Some(5.0),
                Some(5.0)
            ]
        );
        assert_eq!(s.rolling_percentile(1, 50.0).values[2], None);
        assert_eq!(p50.label, "x (rolling p50 of 3)");
    }
}
