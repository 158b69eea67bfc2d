//! The impact: how far the KPI went from its baseline over the incident window, on the
//! side that is bad for it, computed from the series the records keep with their charts
//! (`SERIES_MIME`).
//!
//! **The KPI.** A chart qualifies when it shows a baseline series — one whose label says
//! so ([`BASELINE_WORDS`]: `baseline_shifted` labels its series "… (1 week earlier)") —
//! beside another series, the KPI: with `--kpi NAME`, the series labelled NAME (any
//! case); otherwise the series whose label begins the baseline's, else the chart's first
//! other series. The first qualifying chart, in record then notebook order, is used.
//! Which way is bad for it (`direction.rs`) picks the side measured: above for latency
//! and errors, below for orders and availability, both when it is not known.
//!
//! **The measures.** KPI and baseline points are paired by instant; pairs inside the
//! incident window count. Each point stands for one period of the series (its smallest
//! gap between points). A point is *above* (*below*) its baseline when the KPI exceeds it
//! (falls short of it) by more than [`MARGIN`] of the baseline, so ordinary week-to-week
//! noise is not counted. For each side: minutes = points beyond × period; the distance is
//! excess = KPI − baseline above, shortfall = baseline − KPI below; the peak is the pair
//! furthest that way; area = Σ distance × period over the points beyond (the KPI's unit ×
//! minutes); total = Σ distance over them (for a count per period: how many, "orders
//! short by N"); mean = area ÷ minutes.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use playbook::series::Series;
use playbook::time_range::TimeRange;

use super::direction::{Direction, Known};

/// Words in a series label that make it a baseline (any case).
pub(super) const BASELINE_WORDS: [&str; 6] = [
    "baseline", "earlier", "week ago", "day ago", "usual", "normal",
];

/// How far from its baseline a point must be to count as above or below: 20 %.
pub(super) const MARGIN: f64 = 0.2;

/// The KPI and its baseline, and where they were shown.
#[derive(Debug, Clone)]
pub(super) struct Kpi {
    pub(super) series: Series,
    pub(super) baseline: Series,
    /// Which record (1-based) and step showed them.
    pub(super) record: usize,
    pub(super) step: String,
    /// Which way is bad, when known.
    pub(super) direction: Option<Known>,
}

impl Kpi {
    /// The sides measured: the bad one, or both when it is not known.
    pub(super) fn sides(&self) -> Vec<Side> {
        match &self.direction {
            Some(known) => vec![Side::bad(known.direction)],
            None => vec![Side::Above, Side::Below],
        }
    }
}

/// A side of the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Above,
    Below,
}

impl Side {
    /// The side that is bad when `direction` is.
    pub(super) fn bad(direction: Direction) -> Side {
        match direction {
            Direction::Up => Side::Above,
            Direction::Down => Side::Below,
        }
    }

    pub(super) fn word(self) -> &'static str {
        match self {
            Side::Above => "above",
            Side::Below => "below",
        }
    }
}

/// One pair of KPI and baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Peak {
    pub(super) at: DateTime<Utc>,
    pub(super) value: f64,
    pub(super) baseline: f64,
}

impl Peak {
    /// How far the KPI is to `side` of its baseline (negative: to the other side).
    pub(super) fn distance(&self, side: Side) -> f64 {
        match side {
            Side::Above => self.value - self.baseline,
            Side::Below => self.baseline - self.value,
        }
    }
}

/// How far the KPI went to one side of its baseline.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Deviation {
    pub(super) minutes: f64,
    /// The first and last point beyond the baseline.
    pub(super) span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The pair furthest to this side (of all pairs).
    pub(super) peak: Option<Peak>,
    /// Σ distance × period over the points beyond (value-minutes).
    pub(super) area: f64,
    /// Σ distance over the points beyond.
    pub(super) total: f64,
}

impl Deviation {
    /// The mean distance while beyond (none when never beyond).
    pub(super) fn mean(&self) -> Option<f64> {
        (self.minutes > 0.0).then(|| self.area / self.minutes)
    }
}

/// The measures of [`measure`].
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Measures {
    /// Pairs compared inside the window.
    pub(super) points: usize,
    pub(super) period_minutes: f64,
    pub(super) above: Deviation,
    pub(super) below: Deviation,
}

impl Measures {
    pub(super) fn side(&self, side: Side) -> &Deviation {
        match side {
            Side::Above => &self.above,
            Side::Below => &self.below,
        }
    }
}

/// Whether `label` names a baseline.
pub(super) fn is_baseline(label: &str) -> bool {
    let label = label.to_lowercase();
    BASELINE_WORDS.iter().any(|w| label.contains(w))
}

/// The KPI of one chart's series, by the rule above; `wanted`: `--kpi NAME`.
pub(super) fn pick(series: &[Series], wanted: Option<&str>) -> Option<(Series, Series)> {
    let baseline = series
        .iter()
        .find(|s| is_baseline(&s.label) && s.timestamps.len() > 1)?;
    let others = || series.iter().filter(|s| !is_baseline(&s.label));
    let kpi = match wanted {
        Some(name) => others().find(|s| s.label.eq_ignore_ascii_case(name)),
        None => others()
            .find(|s| baseline.label.starts_with(&s.label))
            .or_else(|| others().next()),
    }?;
    (kpi.timestamps.len() > 1).then(|| (kpi.clone(), baseline.clone()))
}

/// The smallest gap between consecutive points.
fn period(series: &Series) -> Option<TimeDelta> {
    (series.timestamps.windows(2))
        .map(|w| w[1] - w[0])
        .filter(|d| *d > TimeDelta::zero())
        .min()
}

/// The measures of `kpi` against `baseline` inside `window` (all points without one).
pub(super) fn measure(kpi: &Series, baseline: &Series, window: Option<TimeRange>) -> Measures {
    let minutes = period(kpi).map_or(0.0, |p| p.num_milliseconds() as f64 / 60_000.0);
    let base: BTreeMap<DateTime<Utc>, f64> = (baseline.timestamps.iter())
        .zip(&baseline.values)
        .filter_map(|(t, v)| Some((*t, (*v)?)))
        .collect();
    let pairs: Vec<Peak> = (kpi.timestamps.iter())
        .zip(&kpi.values)
        .filter(|(t, _)| window.is_none_or(|w| w.start <= **t && **t < w.end))
        .filter_map(|(t, v)| {
            Some(Peak {
                at: *t,
                value: (*v)?,
                baseline: *base.get(t)?,
            })
        })
        .collect();
    Measures {
        points: pairs.len(),
        period_minutes: minutes,
        above: deviation(&pairs, Side::Above, minutes),
        below: deviation(&pairs, Side::Below, minutes),
    }
}

/// How far `pairs` went to `side`, each point standing for `minutes`.
fn deviation(pairs: &[Peak], side: Side, minutes: f64) -> Deviation {
    let beyond: Vec<&Peak> = (pairs.iter())
        .filter(|p| p.distance(side) > MARGIN * p.baseline.abs())
        .collect();
    let total: f64 = beyond.iter().map(|p| p.distance(side)).sum();
    Deviation {
        minutes: beyond.len() as f64 * minutes,
        span: beyond.first().zip(beyond.last()).map(|(a, b)| (a.at, b.at)),
        peak: (pairs.iter().copied()).max_by(|a, b| a.distance(side).total_cmp(&b.distance(side))),
        area: total * minutes,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(label: &str, start: &str, step_min: i64, values: &[f64]) -> Series {
        let start: DateTime<Utc> = start.parse().unwrap();
        Series::from_points(
            label,
            Some("Seconds"),
            (values.iter().enumerate())
                .map(|(i, v)| (start + TimeDelta::minutes(step_min * i as i64), Some(*v))),
        )
    }

    #[test]
    fn the_kpi_is_the_series_the_baseline_is_named_after() {
        let charts = [
            series("cpu", "2026-11-12T13:00:00Z", 5, &[1.0, 2.0]),
            series("p99 latency", "2026-11-12T13:00:00Z", 5, &[1.0, 2.0]),
            series(
                "p99 latency (1 week earlier)",
                "2026-11-12T13:00:00Z",
                5,
                &[1.0, 1.0],
            ),
        ];
        let (kpi, base) = pick(&charts, None).unwrap();
        assert_eq!(
            (kpi.label.as_str(), base.label.as_str()),
            ("p99 latency", "p99 latency (1 week earlier)")
        );
        assert_eq!(pick(&charts, Some("CPU")).unwrap().0.label, "cpu");
        assert!(pick(&charts, Some("memory")).is_none());
        assert!(pick(&charts[..2], None).is_none(), "no baseline, no KPI");
    }

    #[test]
    fn impact_is_measured_against_the_baseline_inside_the_window() {
        // Five-minute points; the baseline is 1.0 throughout.
        let kpi = series(
            "p99",
            "2026-11-12T13:00:00Z",
            5,
            &[1.1, 1.0, 3.0, 5.0, 2.0, 1.15, 9.0],
        );
        let base = series("p99 (baseline)", "2026-11-12T13:00:00Z", 5, &[1.0; 7]);
        // The window leaves out the last point (13:30).
        let window = TimeRange {
            start: "2026-11-12T13:00:00Z".parse().unwrap(),
            end: "2026-11-12T13:30:00Z".parse().unwrap(),
        };
        let m = measure(&kpi, &base, Some(window));
        // Above by more than 20 %: 3.0, 5.0 and 2.0 (1.1 and 1.15 are within the margin).
        let expected_area = (2.0 + 4.0 + 1.0) * 5.0;
        assert_eq!(m.points, 6);
        assert_eq!(m.period_minutes, 5.0);
        assert_eq!(m.above.minutes, 15.0);
        assert!(
            (m.above.area - expected_area).abs() < 1e-9,
            "{}",
            m.above.area
        );
        assert!((m.above.mean().unwrap() - expected_area / 15.0).abs() < 1e-9);
        let peak = m.above.peak.unwrap();
        assert_eq!((peak.value, peak.baseline), (5.0, 1.0));
        assert_eq!(peak.at.to_rfc3339(), "2026-11-12T13:15:00+00:00");
        let (from, to) = m.above.span.unwrap();
        assert_eq!(
            (from.to_rfc3339(), to.to_rfc3339()),
            (
                "2026-11-12T13:10:00+00:00".to_owned(),
                "2026-11-12T13:20:00+00:00".to_owned()
            )
        );
        // Without a window, the 9.0 at 13:30 counts too.
        assert_eq!(measure(&kpi, &base, None).above.minutes, 20.0);
    }

    #[test]
    fn a_kpi_never_above_its_baseline_has_no_mean_excess() {
        let kpi = series("p99", "2026-11-12T13:00:00Z", 1, &[1.0, 0.9]);
        let base = series("p99 (baseline)", "2026-11-12T13:00:00Z", 1, &[1.0, 1.0]);
        let m = measure(&kpi, &base, None);
        assert_eq!(
            (m.above.minutes, m.above.area, m.above.mean()),
            (0.0, 0.0, None)
        );
        assert_eq!(m.above.peak.unwrap().distance(Side::Above), 0.0);
    }

    /// A hidden incident: orders placed (a count per minute) drop by 40 % for 45 minutes
    /// against a steady week-ago baseline of 100, inside a 2-hour window.
    fn orders_drop() -> (Series, Series) {
        let values: Vec<f64> = (0..120)
            .map(|i| if (30..75).contains(&i) { 60.0 } else { 100.0 })
            .collect();
        let mut kpi = series("orders placed", "2026-11-12T13:00:00Z", 1, &values);
        kpi.unit = Some("Count".into());
        let mut base = series(
            "orders placed (1 week earlier)",
            "2026-11-12T13:00:00Z",
            1,
            &[100.0; 120],
        );
        base.unit = Some("Count".into());
        (kpi, base)
    }

    #[test]
    fn a_falling_kpi_has_its_minutes_below_and_its_shortfall() {
        let (kpi, base) = orders_drop();
        let m = measure(&kpi, &base, None);
        assert_eq!(m.below.minutes, 45.0);
        // 40 orders short in each of the 45 one-minute periods.
        assert!((m.below.total - 1800.0).abs() < 1e-9, "{}", m.below.total);
        assert!((m.below.area - 1800.0).abs() < 1e-9, "{}", m.below.area);
        assert_eq!(m.below.mean(), Some(40.0));
        let (from, to) = m.below.span.unwrap();
        assert_eq!(
            (from.to_rfc3339(), to.to_rfc3339()),
            (
                "2026-11-12T13:30:00+00:00".to_owned(),
                "2026-11-12T14:14:00+00:00".to_owned()
            )
        );
        let peak = m.below.peak.unwrap();
        assert_eq!(
            (peak.value, peak.baseline, peak.distance(Side::Below)),
            (60.0, 100.0, 40.0)
        );
        // Above, nothing: the old measure's "0 min".
        assert_eq!((m.above.minutes, m.above.total), (0.0, 0.0));
    }

    #[test]
    fn a_shortfall_is_in_the_unit_times_minutes_of_the_series_period() {
        // The same drop at five-minute points (500 orders a period, 300 during the drop).
        let values: Vec<f64> = (0..24)
            .map(|i| if (6..15).contains(&i) { 300.0 } else { 500.0 })
            .collect();
        let kpi = series("orders placed", "2026-11-12T13:00:00Z", 5, &values);
        let base = series(
            "orders placed (1 week earlier)",
            "2026-11-12T13:00:00Z",
            5,
            &[500.0; 24],
        );
        let m = measure(&kpi, &base, None);
        assert_eq!(m.below.minutes, 45.0);
        assert!(
            (m.below.total - 1800.0).abs() < 1e-9,
            "how many orders short"
        );
        assert!((m.below.area - 9000.0).abs() < 1e-9, "Count·min");
    }
}
