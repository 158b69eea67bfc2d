//! Exact-number tests of bands, excursions, anomalies and candidate ranking on synthetic
//! series with a known daily pattern, a known spike and a known lagged copy.

use super::*;
use crate::render::Render;
use chrono::TimeZone;

fn hourly(label: &str, start: DateTime<Utc>, hours: i64, f: impl Fn(i64) -> f64) -> Series {
    let points = (0..hours).map(|h| (start + TimeDelta::hours(h), Some(f(h))));
    Series::from_points(label, None, points)
}

/// A daily pattern: 100 at night, 200 by day (08:00–20:00), with a small wobble.
fn daily(h: i64) -> f64 {
    let hour = h.rem_euclid(24);
    let base = if (8..20).contains(&hour) {
        200.0
    } else {
        100.0
    };
    base + [0.0, 2.0, -2.0][(h / 24).rem_euclid(3) as usize]
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 26, 0, 0, 0).unwrap()
}

#[test]
fn an_hour_of_day_band_follows_the_daily_pattern() {
    let history = hourly("rps", start(), 24 * 14, daily);
    let today = start() + TimeDelta::days(14);
    let current = hourly("rps", today, 24, daily);
    let band = seasonal_band(&history, &current, Seasonality::HourOfDay, 3.0);
    assert_eq!(band.median[3], Some(100.0));
    assert_eq!(band.median[12], Some(200.0));
    // MAD of {-2, 0, 2} repeated is 2: sigma = 2 × 1.4826.
    let sigma = 2.0 * MAD_TO_SIGMA;
    assert!((band.upper[12].unwrap() - (200.0 + 3.0 * sigma)).abs() < 1e-9);
    assert!(deviations(&current, &band).is_empty());
}

#[test]
fn a_spike_is_one_excursion_with_its_peak() {
    let history = hourly("rps", start(), 24 * 14, daily);
    let today = start() + TimeDelta::days(14);
    let current = hourly("rps", today, 24, |h| match h {
        14 => 480.0,
        15 => 600.0,
        16 => 300.0,
        _ => daily(h),
    });
    let band = seasonal_band(&history, &current, Seasonality::HourOfWeek, 3.0);
    let found = deviations(&current, &band);
    assert_eq!(found.len(), 1, "{found:?}");
    let e = &found[0];
    assert_eq!(e.direction, "above");
    assert_eq!(e.start, today + TimeDelta::hours(14));
    assert_eq!(e.end, today + TimeDelta::hours(16));
    assert_eq!(e.points, 3);
    assert_eq!(e.peak, 600.0);
    assert_eq!(e.peak_at, today + TimeDelta::hours(15));
    // Hour-of-week buckets see two weeks: the same weekday's median is 200 or 202.
    let times = e.times_normal.unwrap();
    assert!((2.9..=3.0).contains(&times), "{times}");
    let text = found.bundle().data["text/plain"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.starts_with("above 2026-11-09T14:00:00Z .. 2026-11-09T16:00:00Z (3 points)"),
        "{text}"
    );
}

#[test]
fn robust_anomalies_flag_the_spike_only() {
    let series = hourly("latency", start(), 48, |h| {
        if h == 30 { 50.0 } else { 10.0 + (h % 3) as f64 }
    });
    let found = anomalies(&series, 12, 4.0);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].at, start() + TimeDelta::hours(30));
    assert_eq!(found[0].value, 50.0);
    // Window median 11, MAD 1 → sigma 1.4826: z = 39 / 1.4826.
    assert!((found[0].z - 39.0 / MAD_TO_SIGMA).abs() < 1e-9);
}

#[test]
fn the_lagged_copy_ranks_first() {
    let wave = |h: i64| ((h as f64) / 3.0).sin() * 10.0 + 50.0;
    let target = hourly("errors", start(), 72, wave);
    let leader = hourly("db connections", start(), 72, |h| wave(h + 2));
    let noise = hourly("cpu", start(), 72, |h| ((h * 7919) % 13) as f64);
    let ranking = rank_candidates(&target, &[noise, leader], 5);
    assert_eq!(ranking.ranked[0].candidate, "db connections");
    assert_eq!(ranking.ranked[0].lag_points, 2);
    assert!(ranking.ranked[0].r > 0.99);
    let text = ranking.bundle().data["text/plain"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.starts_with("1. db connections r = 1.00, lag 7200 s"),
        "{text}"
    );
}

#[test]
fn durations_read_naturally() {
    assert_eq!(describe(TimeDelta::weeks(1)), "1 week");
    assert_eq!(describe(TimeDelta::weeks(2)), "2 weeks");
    assert_eq!(describe(TimeDelta::days(1)), "1 day");
    assert_eq!(describe(TimeDelta::hours(6)), "6 h");
}

#[test]
fn an_onset_needs_a_sustained_departure() {
    // A lone spike at 20 is noise; the level shift from 30 on is the onset.
    let series = hourly("db", start(), 48, |h| match h {
        20 => 40.0,
        h if h >= 30 => 80.0 + (h % 2) as f64,
        _ => 10.0 + (h % 3) as f64,
    });
    assert_eq!(
        anomalies(&series, 12, 4.0)[0].at,
        start() + TimeDelta::hours(20)
    );
    let found = onset(&series, 12, 4.0, 3).unwrap();
    assert_eq!(found.at, start() + TimeDelta::hours(30));
    assert!(onset(&hourly("flat", start(), 48, |_| 5.0), 12, 4.0, 3).is_none());
}
