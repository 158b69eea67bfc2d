//! Headroom from known series: peak × factor against the quota, the trend's days to
//! exhaustion, the ranking closest-first, and the table and chart.

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::model::quotas::ServiceQuota;

fn quota(value: f64) -> ServiceQuota {
    ServiceQuota {
        service_code: "lambda".into(),
        service_name: None,
        quota_code: "L-B99A9384".into(),
        quota_name: "Concurrent executions".into(),
        value,
        default_value: Some(1000.0),
        applied: false,
        unit: None,
        adjustable: true,
        global: false,
        usage: None,
    }
}

/// One point a day for `days` days: `start + growth × day`, with a spike of `spike` on day 3.
fn usage(days: i64, start: f64, growth: f64, spike: f64) -> Series {
    let t0: DateTime<Utc> = "2026-11-01T00:00:00Z".parse().unwrap();
    Series::from_points(
        "usage",
        None,
        (0..days).map(|d| {
            let v = start + growth * d as f64 + if d == 3 { spike } else { 0.0 };
            (t0 + TimeDelta::days(d), Some(v))
        }),
    )
}

#[test]
fn the_peak_times_the_factor_is_held_against_the_quota() {
    let used = usage(10, 100.0, 10.0, 300.0);
    let none = Series::new("quota", None);
    let row = Headroom::of(
        "1/eu-west-1",
        &quota(1000.0),
        &used,
        &none,
        2.0,
        TimeDelta::days(30),
    );
    assert_eq!(row.current, Some(190.0));
    assert_eq!(row.peak, Some(430.0));
    assert_eq!(row.failover_peak(), Some(860.0));
    assert_eq!(row.headroom_after_failover(), Some(140.0));
    assert!(row.fits_failover());
    let tight = Headroom::of(
        "1/eu-west-1",
        &quota(800.0),
        &used,
        &none,
        2.0,
        TimeDelta::days(30),
    );
    assert_eq!(tight.headroom_after_failover(), Some(-60.0));
    assert!(!tight.fits_failover());
}

#[test]
fn days_to_exhaustion_follow_the_recent_trend() {
    let used = usage(10, 100.0, 10.0, 0.0);
    let none = Series::new("quota", None);
    let row = Headroom::of("p", &quota(1000.0), &used, &none, 2.0, TimeDelta::days(5));
    let growth = row.growth_per_day.unwrap();
    assert!((growth - 10.0).abs() < 1e-9, "{growth}");
    // 190 used, 810 left at 10 a day.
    assert!((row.days_to_exhaustion().unwrap() - 81.0).abs() < 1e-6);
    let flat = Headroom::of(
        "p",
        &quota(1000.0),
        &usage(10, 100.0, 0.0, 0.0),
        &none,
        2.0,
        TimeDelta::days(5),
    );
    assert_eq!(flat.days_to_exhaustion(), None);
    let full = Headroom::of("p", &quota(150.0), &used, &none, 2.0, TimeDelta::days(5));
    assert_eq!(full.days_to_exhaustion(), Some(0.0));
}

#[test]
fn utilisation_uses_service_quota_where_it_has_a_point() {
    let used = usage(2, 100.0, 100.0, 0.0);
    let limit = Series::from_points("q", None, [(used.timestamps[1], Some(400.0))]);
    let row = Headroom::of("p", &quota(1000.0), &used, &limit, 2.0, TimeDelta::days(5));
    assert_eq!(row.utilisation.values, [Some(10.0), Some(50.0)]);
    assert_eq!(row.service_quota, Some(400.0));
}

#[test]
fn the_report_ranks_the_closest_to_the_limit_first_and_shows_who_is_short() {
    let none = Series::new("quota", None);
    let mut report = HeadroomReport::new(2.0);
    report.push(Headroom::of(
        "a/eu-west-1",
        &quota(10_000.0),
        &usage(5, 100.0, 0.0, 0.0),
        &none,
        2.0,
        TimeDelta::days(5),
    ));
    report.push(Headroom::of(
        "a/us-east-1",
        &quota(300.0),
        &usage(5, 100.0, 0.0, 60.0),
        &none,
        2.0,
        TimeDelta::days(5),
    ));
    report.push(Headroom::of(
        "b/eu-west-1",
        &quota(1000.0),
        &Series::new("u", None),
        &none,
        2.0,
        TimeDelta::days(5),
    ));
    let places: Vec<&str> = report.rows.iter().map(|r| r.place.as_str()).collect();
    assert_eq!(places, ["a/us-east-1", "a/eu-west-1", "b/eu-west-1"]);
    assert_eq!(report.short().len(), 1);
    let bundle = report.bundle();
    let text = bundle.data["text/plain"].as_str().unwrap();
    assert!(
        text.contains("1 would be exhausted by a failover"),
        "{text}"
    );
    let html = bundle.data["text/html"].as_str().unwrap();
    assert!(
        html.contains("-20 (short)") && html.contains("<svg"),
        "{html}"
    );
}
