//! Snapshot tests of the text and HTML renderings of result types: what an engineer sees in
//! a terminal, in JupyterLab and in a record on GitHub. `UPDATE_SNAPSHOTS=1` rewrites the
//! files under `tests/snapshots/` after a deliberate change; review the diff.

use std::path::PathBuf;

use chrono::{DateTime, TimeDelta, Utc};
use playbook::alarms::{Alarm, AlarmChange, AlarmReport};
use playbook::display::Render;
use playbook::log_table::LogTable;
use playbook::series::Series;
use playbook::time_range::TimeRange;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("writing a snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert_eq!(
        actual, expected,
        "rendering changed: {name} (UPDATE_SNAPSHOTS=1 if intended)"
    );
}

fn parts(bundle: &playbook::display::MimeBundle) -> (String, String) {
    let text = |mime: &str| {
        bundle
            .data
            .get(mime)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    (text("text/plain"), text("text/html"))
}

#[test]
fn log_table_renderings() {
    let window =
        TimeRange::new(at("2026-11-12T14:00:00Z"), at("2026-11-12T15:00:00Z")).expect("window");
    let mut table = LogTable::new(
        vec!["route".into(), "errors".into(), "first_seen".into()],
        "filter level = \"ERROR\" | stats count(*) as errors, earliest(@timestamp) as first_seen by route",
    );
    table.rows = vec![
        vec![
            Some("/api/checkout".into()),
            Some("2775".into()),
            Some("2026-11-12 14:07:06.692".into()),
        ],
        vec![Some("/api/<cart>".into()), Some("1911".into()), None],
    ];
    table.window = Some(window);
    table.groups = vec!["/ecs/checkout".into()];
    table.statistics.records_matched = 4686.0;
    table.statistics.records_scanned = 11212.0;
    table.statistics.bytes_scanned = 4523258.0;
    table.query_id = Some("q-123".into());
    let (text, html) = parts(&table.bundle());
    check("log_table.txt", &text);
    check("log_table.html", &html);
}

#[test]
fn summary_renderings() {
    let start = at("2026-11-12T14:00:00Z");
    let series = Series::from_points(
        "p99 latency",
        Some("Seconds"),
        (0..10).map(|i| {
            (
                start + TimeDelta::minutes(i),
                if i == 4 {
                    None
                } else {
                    Some(0.1 * (i + 1) as f64)
                },
            )
        }),
    );
    let (text, html) = parts(&series.summary().bundle());
    check("summary.txt", &text);
    check("summary.html", &html);
}

#[test]
fn alarm_report_renderings() {
    let window =
        TimeRange::new(at("2026-11-12T13:30:00Z"), at("2026-11-12T15:30:00Z")).expect("window");
    let report = AlarmReport {
        window,
        alarms: vec![Alarm {
            name: "checkout-p99-latency-high".into(),
            state: "OK".into(),
            reason: None,
            condition: "AWS/ApplicationELB TargetResponseTime p99 > 1 for 3 of 3 × 60 s".into(),
            updated: Some(at("2026-11-12T14:48:00Z")),
            metric: None,
            actions: Vec::new(),
        }],
        changes: vec![
            AlarmChange {
                at: at("2026-11-12T14:18:00Z"),
                alarm: "checkout-p99-latency-high".into(),
                from: "OK".into(),
                to: "ALARM".into(),
                reason: Some("3 of the last 3 datapoints breached 1".into()),
            },
            AlarmChange {
                at: at("2026-11-12T14:48:00Z"),
                alarm: "checkout-p99-latency-high".into(),
                from: "ALARM".into(),
                to: "OK".into(),
                reason: None,
            },
        ],
        notes: vec!["the alarm history is missing: DescribeAlarmHistory failed".into()],
    };
    let (text, html) = parts(&report.bundle());
    check("alarm_report.txt", &text);
    check("alarm_report.html", &html);
}
