//! The impact: how far the KPI was above its baseline over the incident window, computed
//! from the series the records keep with their charts (`SERIES_MIME`).
//!
//! **The KPI.** A chart qualifies when it shows a baseline series — one whose label says
//! so ([`BASELINE_WORDS`]: `baseline_shifted` labels its series "… (1 week earlier)") —
//! beside another series, the KPI: with `--kpi NAME`, the series labelled NAME (any
//! case); otherwise the series whose label begins the baseline's, else the chart's first
//! other series. The first qualifying chart, in record then notebook order, is used.
//!
//! **The measures.** KPI and baseline points are paired by instant; pairs inside the
//! incident window count. Each point stands for one period of the series (its smallest
//! gap between points). A point is *above* its baseline when the KPI exceeds it by more
//! than [`MARGIN`] of the baseline, so ordinary week-to-week noise is not counted. Then:
//! minutes above = points above × period; excess = KPI − baseline; peak excess = the
//! largest excess of any pair; excess area = Σ excess × period (in the KPI's unit ×
//! minutes) over the points above; mean excess = area ÷ minutes above.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use playbook::series::Series;
use playbook::time_range::TimeRange;

/// Words in a series label that make it a baseline (any case).
pub(super) const BASELINE_WORDS: [&str; 6] = [
    "baseline", "earlier", "week ago", "day ago", "usual", "normal",
];

/// How far above its baseline a point must be to count as above: 20 %.
pub(super) const MARGIN: f64 = 0.2;

/// The KPI and its baseline, and where they were shown.
#[derive(Debug, Clone)]
pub(super) struct Kpi {
    pub(super) series: Series,
    pub(super) baseline: Series,
    /// Which record (1-based) and step showed them.
    pub(super) record: usize,
    pub(super) step: String,
}

/// The largest excess.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Peak {
    pub(super) at: DateTime<Utc>,
    pub(super) value: f64,
    pub(super) baseline: f64,
}

impl Peak {
    pub(super) fn excess(&self) -> f64 {
        self.value - self.baseline
    }
}

/// The measures of [`measure`].
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Measures {
    /// Pairs compared inside the window.
    pub(super) points: usize,
    pub(super) period_minutes: f64,
    pub(super) minutes_above: f64,
    /// The first and last point above the baseline.
    pub(super) above_from: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub(super) peak: Option<Peak>,
    /// Value-minutes over the points above.
    pub(super) area: f64,
}

impl Measures {
    /// The mean excess while above (none when never above).
    pub(super) fn mean_excess(&self) -> Option<f64> {
        (self.minutes_above > 0.0).then(|| self.area / self.minutes_above)
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
    let above: Vec<&Peak> = (pairs.iter())
        .filter(|p| p.excess() > MARGIN * p.baseline.abs())
        .collect();
    Measures {
        points: pairs.len(),
        period_minutes: minutes,
        minutes_above: above.len() as f64 * minutes,
        above_from: above.first().zip(above.last()).map(|(a, b)| (a.at, b.at)),
        peak: (pairs.iter().copied()).max_by(|a, b| a.excess().total_cmp(&b.excess())),
        area: above.iter().map(|p| p.excess() * minutes).sum(),
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
        assert_eq!(m.minutes_above, 15.0);
        assert!((m.area - expected_area).abs() < 1e-9, "{}", m.area);
        assert!((m.mean_excess().unwrap() - expected_area / 15.0).abs() < 1e-9);
        let peak = m.peak.unwrap();
        assert_eq!((peak.value, peak.baseline), (5.0, 1.0));
        assert_eq!(peak.at.to_rfc3339(), "2026-11-12T13:15:00+00:00");
        let (from, to) = m.above_from.unwrap();
        assert_eq!(
            (from.to_rfc3339(), to.to_rfc3339()),
            (
                "2026-11-12T13:10:00+00:00".to_owned(),
                "2026-11-12T13:20:00+00:00".to_owned()
            )
        );
        // Without a window, the 9.0 at 13:30 counts too.
        assert_eq!(measure(&kpi, &base, None).minutes_above, 20.0);
    }

    #[test]
    fn a_kpi_never_above_its_baseline_has_no_mean_excess() {
        let kpi = series("p99", "2026-11-12T13:00:00Z", 1, &[1.0, 0.9]);
        let base = series("p99 (baseline)", "2026-11-12T13:00:00Z", 1, &[1.0, 1.0]);
        let m = measure(&kpi, &base, None);
        assert_eq!((m.minutes_above, m.area, m.mean_excess()), (0.0, 0.0, None));
        assert_eq!(m.peak.unwrap().excess(), 0.0);
    }
}
