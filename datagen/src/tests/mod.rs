//! Tests of the generator: determinism, the incident as seen in the generated values, the
//! layout (read back with a small reader written for the tests), the size budget, the
//! bench mode, the traces of the spike (`spans.rs`) and the bundled copy.

mod reader;
mod spans;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::*;
use reader::{Point, percentile, read_logs, read_metrics, read_text};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("playbook-datagen-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn options(out_dir: PathBuf) -> Options {
    Options {
        out_dir,
        ..Options::default()
    }
}

/// The default dataset, generated once for the tests that only read it.
fn default_dataset() -> &'static (PathBuf, Summary) {
    static DATA: OnceLock<(PathBuf, Summary)> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = temp_dir("default");
        let summary = generate(&options(dir.clone())).unwrap();
        (dir, summary)
    })
}

fn series<'a>(points: &'a [Point], metric: &str) -> BTreeMap<DateTime<Utc>, &'a Point> {
    points
        .iter()
        .filter(|p| p.metric == metric)
        .map(|p| (p.t, p))
        .collect()
}

fn window_samples(points: &[Point], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(f64, f64)> {
    let latency = series(points, "TargetResponseTime");
    latency
        .range(from..to)
        .flat_map(|(_, p)| p.values.iter().copied().zip(p.counts.iter().copied()))
        .collect()
}

fn sum(points: &[Point], metric: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    series(points, metric)
        .range(from..to)
        .map(|(_, p)| p.values[0])
        .sum()
}

#[test]
fn same_options_give_identical_bytes() {
    let (dir, summary) = default_dataset();
    let again_dir = temp_dir("again");
    let again = generate(&options(again_dir.clone())).unwrap();
    assert_eq!(summary.bytes, again.bytes);
    assert_eq!(summary.files.len(), again.files.len());
    for (a, b) in summary.files.iter().zip(&again.files) {
        assert_eq!(
            a.strip_prefix(dir).unwrap(),
            b.strip_prefix(&again_dir).unwrap()
        );
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{}",
            a.display()
        );
    }
    // Another seed: other noise (compared over the last day, which does not depend on
    // the number of days, see below).
    let other_dir = temp_dir("seed8");
    let other = Options {
        seed: 8,
        days: 1,
        log_hours: 1,
        ..options(other_dir.clone())
    };
    generate(&other).unwrap();
    let other_rds = read_text(&other_dir.join(metrics::RDS));
    let rds = read_text(&dir.join(metrics::RDS));
    assert!(!rds.ends_with(other_rds.split_once('\n').unwrap().1));
    std::fs::remove_dir_all(other_dir).unwrap();
    std::fs::remove_dir_all(again_dir).unwrap();
}

#[test]
fn a_minute_does_not_depend_on_the_options() {
    let (dir, _) = default_dataset();
    let short_dir = temp_dir("short");
    let short = Options {
        days: 1,
        log_hours: 1,
        log_rate: 5.0,
        ..options(short_dir.clone())
    };
    generate(&short).unwrap();
    let full = read_text(&dir.join(metrics::RDS));
    let last_day = read_text(&short_dir.join(metrics::RDS));
    assert_eq!(last_day.lines().count(), 1 + 1440);
    assert!(full.ends_with(last_day.split_once('\n').unwrap().1));
    std::fs::remove_dir_all(short_dir).unwrap();
}

#[test]
fn the_incident_is_in_the_metrics() {
    let s = Scenario::checkout();
    let points = read_metrics(&default_dataset().0);
    let (from, to) = (s.deploy_at, s.rollback_at);
    let week = Duration::days(7);
    let p99 = percentile(&mut window_samples(&points, from, to), 0.99);
    let p99_before = percentile(&mut window_samples(&points, from - week, to - week), 0.99);
    assert!(
        p99 > 4.0 * p99_before,
        "p99 {p99} vs {p99_before} a week earlier"
    );
    let plateau = percentile(&mut window_samples(&points, s.errors_peak_at, to), 0.99);
    let median = percentile(&mut window_samples(&points, s.errors_peak_at, to), 0.5);
    assert!(
        (1.8..3.5).contains(&plateau) && (0.3..0.6).contains(&median),
        "{plateau} {median}"
    );
    assert!((0.3..0.55).contains(&p99_before), "{p99_before}");

    let rate = sum(&points, "HTTPCode_Target_5XX_Count", s.errors_peak_at, to)
        / sum(&points, "RequestCount", s.errors_peak_at, to);
    assert!((0.02..0.05).contains(&rate), "5xx rate {rate}");
    let orders = sum(&points, "OrdersPlaced", s.errors_peak_at, to);
    let orders_before = sum(&points, "OrdersPlaced", s.errors_peak_at - week, to - week);
    assert!(orders < 0.7 * orders_before, "{orders} vs {orders_before}");

    // What moved first: DB connections, then 5XX.
    let first = |metric: &str, above: f64| {
        series(&points, metric)
            .range(s.deploy_at..)
            .find(|(_, p)| p.values[0] > above)
            .map(|(t, _)| *t)
            .unwrap()
    };
    let db = first("DatabaseConnections", 75.0);
    let errors = first("HTTPCode_Target_5XX_Count", 20.0);
    assert!(
        db <= s.deploy_at + Duration::minutes(3) && db < errors,
        "{db} {errors}"
    );
    let recovered = series(&points, "HTTPCode_Target_5XX_Count");
    assert!(
        recovered
            .range(s.recovered_at..s.recovered_at + Duration::hours(1))
            .all(|(_, p)| p.values[0] <= 6.0)
    );

    let deploys: Vec<_> = series(&points, "Deployments").keys().copied().collect();
    assert_eq!(deploys, s.deploys.iter().map(|d| d.at).collect::<Vec<_>>());
}

#[test]
fn files_follow_the_layout() {
    let (dir, summary) = default_dataset();
    let s = Scenario::checkout();
    let points = read_metrics(dir);
    let second_region = read_metrics(&dir.join("us-east-1"));
    assert_eq!(
        (points.len() + second_region.len()) as u64,
        summary.metric_points
    );
    assert_eq!(
        second_region.len(),
        3 * 14 * 24,
        "three quotas' hourly usage"
    );
    let (start, end) = s.metrics_window(14);
    assert!(
        points
            .iter()
            .all(|p| p.t >= start && p.t < end && !p.namespace.is_empty())
    );
    assert_eq!(series(&points, "RequestCount").len(), 14 * 1440);
    let requests = series(&points, "RequestCount");
    for p in points.iter().filter(|p| p.metric == "TargetResponseTime") {
        assert_eq!((p.values.len(), p.counts.len()), (12, 12));
        let requests = requests[&p.t].values[0];
        assert_eq!(p.counts.iter().sum::<f64>(), requests);
        assert_eq!(p.dims["LoadBalancer"], s.load_balancer);
    }
    let logs = read_logs(dir);
    assert_eq!(logs.len() as u64, summary.log_events);
    let groups: std::collections::BTreeSet<_> = logs
        .iter()
        .map(|l| (l.group.as_str(), l.stream.as_str()))
        .collect();
    for task in s.tasks {
        assert!(groups.contains(&(s.log_group, task)), "{groups:?}");
    }
    assert!(groups.contains(&(s.deploy_log_group, s.deploy_stream)));
    assert!(groups.contains(&(s.db_log_group, s.db_log_stream)));
    let spans_group = format!("/{}", s.spans_log_group);
    assert!(groups.contains(&(spans_group.as_str(), s.spans_stream)));

    // Every 5XX is logged: ERROR lines per minute equal the metric.
    let (ls, le) = s.log_window(6);
    let mut logged: BTreeMap<DateTime<Utc>, f64> = BTreeMap::new();
    for l in logs
        .iter()
        .filter(|l| l.group == s.log_group && l.line.contains("\"level\":\"ERROR\""))
    {
        let minute = DateTime::from_timestamp(l.t.timestamp().div_euclid(60) * 60, 0).unwrap();
        *logged.entry(minute).or_default() += 1.0;
    }
    for (t, p) in series(&points, "HTTPCode_Target_5XX_Count").range(ls..le) {
        assert_eq!(logged.get(t).copied().unwrap_or(0.0), p.values[0], "{t}");
    }
    let bad = logs
        .iter()
        .filter(|l| l.line.contains("\"version\":\"v2.14.0\""))
        .map(|l| l.t);
    assert!(bad.clone().all(|t| t >= s.deploy_at && t < s.recovered_at));
    assert!(bad.count() > 1000);
    let deploys: Vec<Value> = logs
        .iter()
        .filter(|l| l.group == s.deploy_log_group)
        .map(|l| serde_json::from_str(&l.line).unwrap())
        .collect();
    assert_eq!(deploys.len(), s.deploys.len());
    assert_eq!(deploys[5]["version"], "v2.14.0");
    assert_eq!(deploys[6]["event"], "rollback");
}

#[test]
fn the_default_dataset_fits_the_budget() {
    let (_, summary) = default_dataset();
    let on_disk: u64 = summary
        .files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert_eq!(on_disk, summary.bytes);
    assert!(summary.bytes <= 3_000_000, "{} bytes", summary.bytes);
    eprintln!(
        "default dataset: {} files, {} bytes, {} metric points, {} log events",
        summary.files.len(),
        summary.bytes,
        summary.metric_points,
        summary.log_events
    );
}

#[test]
fn bench_mode_writes_one_log_of_about_the_size() {
    let dir = temp_dir("bench");
    let target = 2_000_000;
    let summary = generate(&Options {
        bench_bytes: Some(target),
        ..options(dir.clone())
    })
    .unwrap();
    assert_eq!(summary.files, [dir.join(bench::PATH)]);
    assert!(
        summary.bytes <= target && summary.bytes > target - 2_000,
        "{}",
        summary.bytes
    );
    let logs = read_logs(&dir);
    assert_eq!(logs.len() as u64, summary.log_events);
    let errors = logs
        .iter()
        .filter(|l| l.line.contains("\"level\":\"ERROR\""))
        .count() as f64;
    let share = errors / logs.len() as f64;
    assert!((0.015..0.025).contains(&share), "{share}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_options_are_refused() {
    let dir = temp_dir("bad");
    for bad in [
        Options {
            days: 0,
            ..options(dir.clone())
        },
        Options {
            log_hours: 0,
            ..options(dir.clone())
        },
        Options {
            log_rate: f64::NAN,
            ..options(dir.clone())
        },
    ] {
        let e = generate(&bad).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    }
    assert!(!dir.exists());
}

/// The quotas' story: in both regions every usage peak × 2 (active-active, one region
/// failing over to the other) fits under its quota, the second region's Fargate vCPU the
/// closest — what the quota-headroom playbook finds green on the bundled data.
#[test]
fn every_quota_peak_doubled_fits_in_both_regions() {
    let (dir, _) = default_dataset();
    let mut pressures = Vec::new();
    for region in [dir.clone(), dir.join("us-east-1")] {
        let file: Value = serde_json::from_str(&read_text(&region.join("quotas.json"))).unwrap();
        let points = read_metrics(&region);
        for quota in file["quotas"].as_array().unwrap() {
            let Some(usage) = quota.get("usage_metric") else {
                continue;
            };
            let dims: BTreeMap<String, String> =
                serde_json::from_value(usage["dimensions"].clone()).unwrap();
            let limit = (quota.get("applied_value").or(quota.get("default_value")))
                .and_then(Value::as_f64)
                .unwrap();
            let peak = (points.iter())
                .filter(|p| p.namespace == "AWS/Usage" && p.dims == dims)
                .map(|p| p.values[0])
                .fold(0.0, f64::max);
            assert!(peak > 0.0 && peak * 2.0 <= limit, "{quota}: peak {peak}");
            pressures.push((
                peak * 2.0 / limit,
                file["region"].clone(),
                quota["quota_code"].clone(),
            ));
        }
    }
    pressures.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert_eq!(
        (pressures[0].1.as_str(), pressures[0].2.as_str()),
        (Some("us-east-1"), Some("L-3032A538"))
    );
    assert!(pressures[0].0 > 0.7, "{pressures:?}");
}
