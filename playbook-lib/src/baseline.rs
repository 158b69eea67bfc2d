//! "What is normal?": the same window a week earlier, a seasonal band (median and robust
//! spread per hour of the week or day over past weeks), where a series leaves its band,
//! robust anomaly flags, and which candidate series best explain a target.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::analysis::{Lagged, lagged_correlation};
use crate::client::{context, fetch_many};
use crate::model::error::{Error, Result};
use crate::model::query::{MetricQuery, RangeSpec};
use crate::model::series::{Series, percentile};
use crate::model::time_range::TimeRange;

/// MAD × this ≈ one standard deviation for normal data.
const MAD_TO_SIGMA: f64 = 1.4826;

/// Fetches `query` over its window shifted by `-by` (a week ago, a day ago) from the same
/// source, and moves the result's timestamps forward by `by` so it overlays the current
/// window on a chart. The label says how far back it is.
pub fn baseline_shifted(query: &MetricQuery, by: TimeDelta) -> Result<Series> {
    let window = resolve_window(query)?;
    let mut earlier = query.clone();
    earlier.window = Some(RangeSpec::Absolute(window.shifted(-by)));
    let mut series = fetch_many(std::slice::from_ref(&earlier))?
        .into_iter()
        .next()
        .ok_or_else(|| Error::InvalidInput("the baseline query returned no series".into()))?;
    series.timestamps = series.timestamps.iter().map(|t| *t + by).collect();
    series.label = format!("{} ({} earlier)", series.label, describe(by));
    Ok(series)
}

fn resolve_window(query: &MetricQuery) -> Result<TimeRange> {
    match &query.window {
        Some(RangeSpec::Absolute(range)) => Ok(*range),
        Some(RangeSpec::Text(text)) => TimeRange::parse(text),
        None => context()?.window.ok_or_else(|| {
            Error::InvalidInput(
                "the query has no window and the session none: give it one (.since(…)) or set_window(…)"
                    .into(),
            )
        }),
    }
}

fn describe(by: TimeDelta) -> String {
    let days = by.num_days();
    match days {
        7 => "1 week".into(),
        d if d > 0 && d % 7 == 0 => format!("{} weeks", d / 7),
        1 => "1 day".into(),
        d if d > 1 => format!("{d} days"),
        _ => format!("{} h", by.num_hours()),
    }
}

/// How the seasonal profile buckets time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Seasonality {
    /// 168 buckets: weekday and hour (weekly patterns, weekends).
    HourOfWeek,
    /// 24 buckets.
    HourOfDay,
}

impl Seasonality {
    fn bucket(self, t: DateTime<Utc>) -> u32 {
        match self {
            Seasonality::HourOfWeek => t.weekday().num_days_from_monday() * 24 + t.hour(),
            Seasonality::HourOfDay => t.hour(),
        }
    }
}

/// The normal range of a series at each of its points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub label: String,
    pub timestamps: Vec<DateTime<Utc>>,
    pub median: Vec<Option<f64>>,
    pub lower: Vec<Option<f64>>,
    pub upper: Vec<Option<f64>>,
    /// The robust spread (MAD × 1.4826) at each point.
    pub sigma: Vec<Option<f64>>,
}

/// A seasonal band for `current` from `history` (e.g. the two weeks before): for each
/// hour bucket, the median of the history's values and ± `k` robust standard deviations
/// (MAD-based, never narrower than 1 % of the median so a flat history is not a
/// zero-width band).
pub fn seasonal_band(history: &Series, current: &Series, seasonality: Seasonality, k: f64) -> Band {
    let mut buckets: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for (t, v) in history.points() {
        buckets.entry(seasonality.bucket(t)).or_default().push(v);
    }
    let stats: BTreeMap<u32, (f64, f64)> = buckets
        .into_iter()
        .filter_map(|(b, values)| {
            let median = percentile(&values, 50.0)?;
            let deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
            let mad = percentile(&deviations, 50.0)?;
            let sigma = (mad * MAD_TO_SIGMA).max(median.abs() * 0.01);
            Some((b, (median, sigma)))
        })
        .collect();
    let mut band = Band {
        label: format!("{} normal range", current.label),
        timestamps: current.timestamps.clone(),
        median: Vec::new(),
        lower: Vec::new(),
        upper: Vec::new(),
        sigma: Vec::new(),
    };
    for t in &current.timestamps {
        let found = stats.get(&seasonality.bucket(*t));
        band.median.push(found.map(|s| s.0));
        band.sigma.push(found.map(|s| s.1));
        band.lower.push(found.map(|(m, s)| m - k * s));
        band.upper.push(found.map(|(m, s)| m + k * s));
    }
    band
}

/// A stretch where a series stays outside its band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excursion {
    pub start: DateTime<Utc>,
    /// The last point outside the band.
    pub end: DateTime<Utc>,
    pub points: usize,
    /// The value furthest from normal, and how many times the normal (median) it is.
    pub peak: f64,
    pub peak_at: DateTime<Utc>,
    pub times_normal: Option<f64>,
    /// The peak's distance from the median in robust standard deviations.
    pub z: f64,
    /// `above` or `below`.
    pub direction: String,
}

/// Where `series` leaves `band`, stretch by stretch (adjacent points outside on the same
/// side form one excursion).
pub fn deviations(series: &Series, band: &Band) -> Vec<Excursion> {
    let mut out: Vec<Excursion> = Vec::new();
    let mut previous_outside = false;
    for (i, (t, v)) in series.timestamps.iter().zip(&series.values).enumerate() {
        let (Some(v), Some(lo), Some(hi), Some(m), Some(s)) = (
            *v,
            band.lower.get(i).copied().flatten(),
            band.upper.get(i).copied().flatten(),
            band.median.get(i).copied().flatten(),
            band.sigma.get(i).copied().flatten(),
        ) else {
            previous_outside = false;
            continue;
        };
        let direction = if v > hi {
            "above"
        } else if v < lo {
            "below"
        } else {
            previous_outside = false;
            continue;
        };
        let z = (v - m) / s;
        let times = (m != 0.0).then_some(v / m);
        match out.last_mut() {
            Some(current) if previous_outside && current.direction == direction => {
                current.end = *t;
                current.points += 1;
                if z.abs() > current.z.abs() {
                    current.peak = v;
                    current.peak_at = *t;
                    current.z = z;
                    current.times_normal = times;
                }
            }
            _ => out.push(Excursion {
                start: *t,
                end: *t,
                points: 1,
                peak: v,
                peak_at: *t,
                times_normal: times,
                z,
                direction: direction.to_owned(),
            }),
        }
        previous_outside = true;
    }
    out
}

/// A point far from its neighbours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    pub at: DateTime<Utc>,
    pub value: f64,
    /// Robust z-score against the `window` points before it.
    pub z: f64,
}

/// Flags points whose robust z-score against the median and MAD of the `window`
/// preceding present points exceeds `threshold` (e.g. 4).
pub fn anomalies(series: &Series, window: usize, threshold: f64) -> Vec<Anomaly> {
    let points: Vec<(DateTime<Utc>, f64)> = series.points().collect();
    let window = window.max(3);
    let mut out = Vec::new();
    for i in window..points.len() {
        let past: Vec<f64> = points[i - window..i].iter().map(|p| p.1).collect();
        let Some(median) = percentile(&past, 50.0) else {
            continue;
        };
        let deviations: Vec<f64> = past.iter().map(|v| (v - median).abs()).collect();
        let Some(mad) = percentile(&deviations, 50.0) else {
            continue;
        };
        let sigma = (mad * MAD_TO_SIGMA)
            .max(median.abs() * 0.01)
            .max(f64::EPSILON);
        let z = (points[i].1 - median) / sigma;
        if z.abs() > threshold {
            out.push(Anomaly {
                at: points[i].0,
                value: points[i].1,
                z,
            });
        }
    }
    out
}

/// The start of a sustained departure: the first anomaly (as in [`anomalies`]) followed by
/// at least `sustain - 1` more anomalies on the next points, in the same direction. A single
/// noisy point is not an onset.
pub fn onset(series: &Series, window: usize, threshold: f64, sustain: usize) -> Option<Anomaly> {
    let points: Vec<DateTime<Utc>> = series.points().map(|(t, _)| t).collect();
    let flagged = anomalies(series, window, threshold);
    let index_of = |at: DateTime<Utc>| points.iter().position(|t| *t == at);
    let sustain = sustain.max(1);
    flagged.iter().enumerate().find_map(|(i, first)| {
        let start = index_of(first.at)?;
        let run =
            flagged[i..].iter().take(sustain).enumerate().all(|(k, a)| {
                index_of(a.at) == Some(start + k) && a.z.signum() == first.z.signum()
            });
        (run && flagged.len() >= i + sustain).then(|| first.clone())
    })
}

/// Candidates ranked by how well they explain `target` (strongest |r| first, at their
/// best lag within `max_lag` points); candidates with too little overlap are left out.
pub fn rank_candidates(target: &Series, candidates: &[Series], max_lag: usize) -> Ranking {
    let mut ranked: Vec<Lagged> = candidates
        .iter()
        .filter_map(|c| lagged_correlation(target, c, max_lag))
        .collect();
    ranked.sort_by(|a, b| b.r.abs().total_cmp(&a.r.abs()));
    Ranking { ranked }
}

/// Candidate series in order of explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    pub ranked: Vec<Lagged>,
}

mod render;

#[cfg(test)]
mod tests;
