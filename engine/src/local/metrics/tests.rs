//! Tests of local metrics: both file formats, exact dimension matching, period buckets and
//! statistics over weighted samples.

use super::*;
use crate::local::metric_files::split_csv;
use playbook::model::query::metric;
use playbook::model::time_range::TimeRange;

fn dir_with(files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "playbook-metrics-{}-{}",
        std::process::id(),
        files[0].0
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn resolved(
    q: playbook::model::query::MetricQuery,
    start: &str,
    end: &str,
    period: u32,
) -> ResolvedMetric {
    let window = TimeRange::parse(&format!("{start}..{end}")).unwrap();
    let stat = match &q.kind {
        playbook::model::query::MetricKind::Stat { stat, .. } => Some(stat.parse().unwrap()),
        _ => None,
    };
    ResolvedMetric {
        query: q,
        stat,
        window,
        period,
        label: "x".into(),
    }
}

const CSV: &str = "timestamp,namespace,metric,value,unit,LoadBalancer,TargetGroup\n\
2026-11-12T14:00:00Z,AWS/ApplicationELB,RequestCount,100,Count,app/a,\n\
2026-11-12T14:01:00Z,AWS/ApplicationELB,RequestCount,200,Count,app/a,\n\
2026-11-12T14:05:00Z,AWS/ApplicationELB,RequestCount,50,Count,app/a,\n\
2026-11-12T14:00:00Z,AWS/ApplicationELB,RequestCount,7,Count,app/a,tg/1\n";

#[test]
fn buckets_align_to_the_period_and_dimensions_match_exactly() {
    let dir = dir_with(&[("alb.csv", CSV)]);
    let store = MetricStore::load(&dir).unwrap();
    let q = metric("AWS/ApplicationELB", "RequestCount")
        .dim("LoadBalancer", "app/a")
        .stat("Sum");
    let series = store
        .query(&resolved(
            q.clone(),
            "2026-11-12T14:00:00Z",
            "2026-11-12T15:00:00Z",
            300,
        ))
        .unwrap();
    assert_eq!(series.values, vec![Some(300.0), Some(50.0)]);
    assert_eq!(
        series.timestamps[1].to_rfc3339(),
        "2026-11-12T14:05:00+00:00"
    );
    assert_eq!(series.unit.as_deref(), Some("Count"));
    let both = q.clone().dim("TargetGroup", "tg/1");
    let series = store
        .query(&resolved(
            both,
            "2026-11-12T14:00:00Z",
            "2026-11-12T15:00:00Z",
            60,
        ))
        .unwrap();
    assert_eq!(series.values, vec![Some(7.0)]);
    let none = metric("AWS/ApplicationELB", "RequestCount").stat("Sum");
    assert!(
        store
            .query(&resolved(
                none,
                "2026-11-12T14:00:00Z",
                "2026-11-12T15:00:00Z",
                60
            ))
            .is_none()
    );
    // The window is [start, end): the 14:05 point is outside a window ending at 14:05.
    let q = q.stat("SampleCount");
    let series = store
        .query(&resolved(
            q,
            "2026-11-12T14:00:00Z",
            "2026-11-12T14:05:00Z",
            3600,
        ))
        .unwrap();
    assert_eq!(series.values, vec![Some(2.0)]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn jsonl_values_and_counts_give_weighted_percentiles() {
    let lines = [
        r#"{"timestamp":"2026-11-12T14:00:00Z","namespace":"AWS/ApplicationELB","metric":"TargetResponseTime","dimensions":{"LoadBalancer":"app/a"},"values":[0.1,2.0],"counts":[98,2],"unit":"Seconds"}"#,
        r#"{"timestamp":1794492060,"namespace":"AWS/ApplicationELB","metric":"TargetResponseTime","dimensions":{"LoadBalancer":"app/a"},"value":0.2}"#,
    ];
    let dir = dir_with(&[("latency.jsonl", &lines.join("\n"))]);
    let store = MetricStore::load(&dir).unwrap();
    let base = metric("AWS/ApplicationELB", "TargetResponseTime").dim("LoadBalancer", "app/a");
    let at = |stat: &str| {
        store
            .query(&resolved(
                base.clone().stat(stat),
                "2026-11-12T14:00:00Z",
                "2026-11-12T14:02:00Z",
                120,
            ))
            .unwrap()
            .values[0]
    };
    assert_eq!(at("SampleCount"), Some(101.0));
    // 101 samples: 98 × 0.1, 1 × 0.2, 2 × 2.0 (nearest rank).
    assert_eq!(at("p97"), Some(0.1));
    assert_eq!(at("p98"), Some(0.2));
    assert_eq!(at("p99"), Some(2.0));
    assert_eq!(at("Maximum"), Some(2.0));
    let unit_mismatch = base.clone().stat("Average").unit("Milliseconds");
    let series = store
        .query(&resolved(
            unit_mismatch,
            "2026-11-12T14:00:00Z",
            "2026-11-12T14:02:00Z",
            60,
        ))
        .unwrap();
    assert!(series.is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn malformed_rows_name_the_file_and_line() {
    let dir = dir_with(&[(
        "bad.csv",
        "timestamp,namespace,metric,value\n2026-11-12T14:00:00Z,N,M,abc\n",
    )]);
    let err = MetricStore::load(&dir).unwrap_err().to_string();
    assert!(
        err.contains("bad.csv: line 2: field 4 (`value`): value `abc` is not a number"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let dir = dir_with(&[("nohead.csv", "when,what\n1,2\n")]);
    let err = MetricStore::load(&dir).unwrap_err().to_string();
    assert!(err.contains("line 1: the header needs"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// The error loading one file of `name` with `text`.
fn load_error(name: &str, text: &str) -> String {
    let dir = dir_with(&[(name, text)]);
    let err = MetricStore::load(&dir).unwrap_err().to_string();
    std::fs::remove_dir_all(dir).unwrap();
    err
}

#[test]
fn non_finite_values_are_errors_in_both_formats_not_silent_gaps() {
    for value in ["NaN", "inf", "-inf", "1e400"] {
        let err = load_error(
            "nan.csv",
            &format!("timestamp,namespace,metric,value\n2026-11-12T14:00:00Z,N,M,{value}\n"),
        );
        assert!(err.contains("line 2: field 4 (`value`)"), "{value}: {err}");
        assert!(
            err.contains("not a finite number") || err.contains("not a number"),
            "{err}"
        );
    }
    let err = load_error(
        "big.jsonl",
        r#"{"timestamp":"2026-11-12T14:00:00Z","namespace":"N","metric":"M","value":1e999}"#,
    );
    assert!(err.contains("big.jsonl: line 1"), "{err}");
    let err = load_error(
        "values.csv",
        "timestamp,namespace,metric,values,counts\n2026-11-12T14:00:00Z,N,M,1;NaN,1;1\n",
    );
    assert!(err.contains("value `NaN` is not a finite number"), "{err}");
}

#[test]
fn negative_counts_and_extra_fields_are_errors() {
    let err = load_error(
        "counts.csv",
        "timestamp,namespace,metric,values,counts\n2026-11-12T14:00:00Z,N,M,1;2,3;-1\n",
    );
    assert!(err.contains("line 2: count `-1` is negative"), "{err}");
    let err = load_error(
        "counts.jsonl",
        r#"{"timestamp":"2026-11-12T14:00:00Z","namespace":"N","metric":"M","values":[1],"counts":[-2]}"#,
    );
    assert!(err.contains("line 1: count `-2` is negative"), "{err}");
    let err = load_error(
        "extra.csv",
        "timestamp,namespace,metric,value\n2026-11-12T14:00:00Z,N,M,1,surplus\n",
    );
    assert!(
        err.contains("line 2: 5 fields but the header has 4"),
        "{err}"
    );
}

#[test]
fn a_byte_order_mark_and_numeric_dimensions_keep_the_data() {
    let dir = dir_with(&[
        (
            "bom.csv",
            "\u{feff}timestamp,namespace,metric,value,Shard\n2026-11-12T14:00:00Z,N,M,5,7\n",
        ),
        (
            "dims.jsonl",
            r#"{"timestamp":"2026-11-12T14:01:00Z","namespace":"N","metric":"M","value":6,"dimensions":{"Shard":7}}"#,
        ),
    ]);
    let store = MetricStore::load(&dir).unwrap();
    let series = store
        .query(&resolved(
            metric("N", "M").dim("Shard", "7").stat("Sum"),
            "2026-11-12T14:00:00Z",
            "2026-11-12T14:02:00Z",
            60,
        ))
        .expect("the numeric dimension is the text `7` in both formats");
    assert_eq!(series.values, vec![Some(5.0), Some(6.0)]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn quoted_csv_cells_keep_their_commas() {
    assert_eq!(
        split_csv(r#"a,"b, c","d ""q"""#),
        vec!["a", "b, c", "d \"q\""]
    );
}
