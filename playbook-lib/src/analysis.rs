//! Questions on-call engineers ask of series: did the level shift, and when; what moves
//! with what, and with which lag. Results are plain types that render themselves and
//! whose numbers tests can assert.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::series::Series;
use crate::render::{MimeBundle, Render};

/// Pearson correlation of the values two series have at the same instants (`None` with
/// fewer than 3 such pairs or no variation).
pub fn correlation(a: &Series, b: &Series) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = a
        .join(b)
        .into_iter()
        .filter_map(|(_, x, y)| Some((x?, y?)))
        .collect();
    pearson(&pairs)
}

fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// How a candidate series relates to a target, at the lag that explains it best.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lagged {
    pub target: String,
    pub candidate: String,
    /// Points by which the candidate leads the target (negative: it follows).
    pub lag_points: i64,
    /// The same lag in seconds, from the series' spacing.
    pub lag_seconds: i64,
    pub r: f64,
}

/// Searches lags of up to `max_lag` points (both ways) for the strongest correlation of
/// `candidate` with `target`. Both series should share a period (see `resample`).
pub fn lagged_correlation(target: &Series, candidate: &Series, max_lag: usize) -> Option<Lagged> {
    let joined = target.join(candidate);
    let spacing = joined
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).num_seconds())
        .min()
        .unwrap_or(0);
    let max_lag = max_lag as i64;
    let mut best: Option<(i64, f64)> = None;
    for lag in -max_lag..=max_lag {
        let pairs: Vec<(f64, f64)> = (0..joined.len() as i64)
            .filter_map(|i| {
                let j = i - lag;
                let target_value = joined.get(usize::try_from(i).ok()?)?.1?;
                let candidate_value = joined.get(usize::try_from(j).ok()?)?.2?;
                Some((candidate_value, target_value))
            })
            .collect();
        if let Some(r) = pearson(&pairs)
            && best.is_none_or(|(_, b)| r.abs() > b.abs() + 1e-12)
        {
            best = Some((lag, r));
        }
    }
    best.map(|(lag, r)| Lagged {
        target: target.label.clone(),
        candidate: candidate.label.clone(),
        lag_points: lag,
        lag_seconds: lag * spacing,
        r,
    })
}

impl Render for Lagged {
    fn bundle(&self) -> MimeBundle {
        let how = match self.lag_seconds {
            0 => "moves with".to_owned(),
            s if s > 0 => format!("leads by {}", human(s)),
            s => format!("follows by {}", human(-s)),
        };
        MimeBundle::text(format!(
            "{} {how} {}, r = {:.2}",
            self.candidate, self.target, self.r
        ))
    }
}

fn human(seconds: i64) -> String {
    if seconds % 60 == 0 {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} s")
    }
}

/// A shift of a series' level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePoint {
    pub label: String,
    pub unit: Option<String>,
    /// The first instant of the new level.
    pub at: DateTime<Utc>,
    pub before_mean: f64,
    pub after_mean: f64,
}

/// The single most likely level shift (least squared error split, at least
/// `min_segment` points on each side), reported when the shift is larger than three
/// times the noise within the two levels.
pub fn change_point(series: &Series, min_segment: usize) -> Option<ChangePoint> {
    let points: Vec<(DateTime<Utc>, f64)> = series.points().collect();
    let n = points.len();
    let min_segment = min_segment.max(2);
    if n < 2 * min_segment {
        return None;
    }
    let mut prefix = vec![(0.0, 0.0); n + 1];
    for (i, (_, v)) in points.iter().enumerate() {
        prefix[i + 1] = (prefix[i].0 + v, prefix[i].1 + v * v);
    }
    let cost = |a: usize, b: usize| {
        let (s, q) = (prefix[b].0 - prefix[a].0, prefix[b].1 - prefix[a].1);
        q - s * s / (b - a) as f64
    };
    let (split, within) = (min_segment..=n - min_segment)
        .map(|k| (k, cost(0, k) + cost(k, n)))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let before_mean = prefix[split].0 / split as f64;
    let after_mean = (prefix[n].0 - prefix[split].0) / (n - split) as f64;
    let noise = (within / (n - 2) as f64).max(0.0).sqrt();
    ((after_mean - before_mean).abs() > 3.0 * noise).then(|| ChangePoint {
        label: series.label.clone(),
        unit: series.unit.clone(),
        at: points[split].0,
        before_mean,
        after_mean,
    })
}

impl Render for ChangePoint {
    fn bundle(&self) -> MimeBundle {
        let unit = self
            .unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        MimeBundle::text(format!(
            "{} level shifted at {} from {:.4}{unit} to {:.4}{unit}",
            self.label,
            self.at.format("%Y-%m-%d %H:%M UTC"),
            self.before_mean,
            self.after_mean
        ))
    }
}

impl ChangePoint {
    /// Shows the change point as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl Lagged {
    /// Shows the result as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn minutes(label: &str, values: &[f64]) -> Series {
        Series::from_points(
            label,
            Some("ms"),
            values.iter().enumerate().map(|(i, v)| {
                (
                    Utc.timestamp_opt(1_764_151_200 + 60 * i as i64, 0).unwrap(),
                    Some(*v),
                )
            }),
        )
    }

    #[test]
    fn a_step_is_found_where_it_happens() {
        let mut values = vec![120.0; 10];
        values.extend([480.0; 10]);
        for (i, v) in values.iter_mut().enumerate() {
            *v += [1.0, -2.0, 0.5, 1.5, -1.0][i % 5];
        }
        let found = change_point(&minutes("latency", &values), 3).unwrap();
        assert_eq!(found.at, Utc.timestamp_opt(1_764_151_200 + 600, 0).unwrap());
        assert!((found.before_mean - 120.0).abs() < 1.0);
        assert!((found.after_mean - 480.0).abs() < 1.0);
        assert!(
            found.bundle().data["text/plain"]
                .as_str()
                .unwrap()
                .starts_with(
                    "latency level shifted at 2025-11-26 10:10 UTC from 120.0000 ms to 480"
                )
        );
    }

    #[test]
    fn noise_alone_is_not_a_change() {
        let values: Vec<f64> = (0..30)
            .map(|i| 100.0 + [3.0, -3.0, 1.0, -1.0, 2.0][i % 5])
            .collect();
        assert_eq!(change_point(&minutes("flat", &values), 3), None);
    }

    #[test]
    fn correlation_of_a_scaled_copy_is_one() {
        let a = minutes("a", &[1.0, 2.0, 4.0, 3.0, 5.0]);
        let b = minutes("b", &[2.0, 4.0, 8.0, 6.0, 10.0]);
        assert!((correlation(&a, &b).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(
            correlation(&a, &minutes("c", &[1.0, 1.0, 1.0, 1.0, 1.0])),
            None
        );
    }

    #[test]
    fn a_lagged_copy_is_found_with_its_lead() {
        let base = [
            0.0, 1.0, 0.0, 5.0, 2.0, 8.0, 3.0, 1.0, 7.0, 2.0, 0.0, 4.0, 6.0, 1.0,
        ];
        // The target repeats the candidate two minutes later.
        let candidate = minutes("deploys", &base);
        let mut shifted = vec![0.0, 0.0];
        shifted.extend(&base[..base.len() - 2]);
        let target = minutes("5xx", &shifted);
        let found = lagged_correlation(&target, &candidate, 4).unwrap();
        assert_eq!(found.lag_points, 2);
        assert_eq!(found.lag_seconds, 120);
        assert!((found.r - 1.0).abs() < 1e-9);
        assert!(
            found.bundle().data["text/plain"]
                .as_str()
                .unwrap()
                .starts_with("deploys leads by 2 min 5xx, r = 1.00")
        );
    }
}
