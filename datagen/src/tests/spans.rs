//! The spans of `aws/spans`: whole traces (every parent present, children inside their
//! parent), the slowest trace of the spike being the one the scenario names, erroring
//! traces only while the pools time out; and the bundled copy of the dataset being what
//! the generator writes today.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::reader::read_logs;
use super::*;

/// A span as the tests need it.
struct Span {
    trace: String,
    id: String,
    parent: Option<String>,
    name: String,
    service: String,
    start: i64,
    end: i64,
    error: bool,
}

fn spans() -> Vec<Span> {
    let (dir, _) = default_dataset();
    let group = format!("/{}", Scenario::checkout().spans_log_group);
    read_logs(dir)
        .into_iter()
        .filter(|l| l.group == group)
        .map(|l| {
            let v: Value = serde_json::from_str(&l.line).unwrap();
            let text = |v: &Value| v.as_str().unwrap().to_owned();
            let span = Span {
                trace: text(&v["traceId"]),
                id: text(&v["spanId"]),
                parent: v.get("parentSpanId").map(text),
                name: text(&v["name"]),
                service: text(&v["attributes"]["aws.local.service"]),
                start: v["startTimeUnixNano"].as_i64().unwrap(),
                end: v["endTimeUnixNano"].as_i64().unwrap(),
                error: v["status"]["code"] == "ERROR",
            };
            assert_eq!(v["durationNano"].as_i64(), Some(span.end - span.start));
            assert_eq!(
                v["resource"]["attributes"]["service.name"],
                span.service.as_str()
            );
            assert_eq!(span.trace.len(), 32);
            assert_eq!(span.id.len(), 16);
            span
        })
        .collect()
}

fn at(nanos: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(nanos)
}

#[test]
fn traces_are_whole_and_the_spike_has_one_very_slow_trace() {
    let s = Scenario::checkout();
    let spans = spans();
    let mut traces: BTreeMap<&str, Vec<&Span>> = BTreeMap::new();
    for span in &spans {
        traces.entry(&span.trace).or_default().push(span);
    }
    assert!(traces.len() > 500, "{} traces", traces.len());
    let mut roots = Vec::new();
    for spans in traces.values() {
        let by_id: BTreeMap<&str, &Span> = spans.iter().map(|s| (s.id.as_str(), *s)).collect();
        let root: Vec<&&Span> = spans.iter().filter(|s| s.parent.is_none()).collect();
        assert_eq!(root.len(), 1, "one root per trace");
        for span in spans {
            if let Some(parent) = &span.parent {
                let parent = by_id[parent.as_str()];
                assert!(parent.start <= span.start && span.end <= parent.end);
            }
        }
        roots.push((*root[0], spans.iter().any(|s| s.error)));
    }
    roots.sort_by_key(|(root, _)| std::cmp::Reverse(root.end - root.start));
    let (slowest, _) = roots[0];
    assert_eq!(at(slowest.start), s.slow_trace_at);
    assert!(slowest.end - slowest.start > 7_000_000_000);
    let update = spans
        .iter()
        .find(|x| x.trace == slowest.trace && x.name == "UPDATE orders")
        .unwrap();
    assert!(update.end - update.start > 6_000_000_000);
    let (next, _) = roots[1];
    assert!(
        next.end - next.start < 3_000_000_000,
        "the next is far faster"
    );

    let erroring: Vec<DateTime<Utc>> = roots
        .iter()
        .filter(|(_, error)| *error)
        .map(|(root, _)| at(root.start))
        .collect();
    assert!(erroring.len() >= 3, "{erroring:?}");
    assert!(
        erroring
            .iter()
            .all(|t| *t >= s.errors_start_at && *t < s.recovered_at),
        "{erroring:?}"
    );
    let payments = spans.iter().filter(|x| x.service == s.payments_service);
    assert!(payments.count() > 50, "a second service");
    assert!(
        at(spans[0].start) >= s.log_window(6).0
            && at(spans[0].start) < s.log_window(6).0 + Duration::minutes(5)
    );
}

/// The files under `notebooks/data/checkout`, relative, and their bytes.
fn files_under(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn the_bundled_data_is_what_the_generator_writes() {
    // Regenerate with `playbook generate-data notebooks/data/checkout` after changing the
    // generator.
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../notebooks/data/checkout");
    let (dir, summary) = default_dataset();
    let mut bundled = files_under(&bundled);
    for file in &summary.files {
        let rel = file
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let ours = bundled.remove(&rel);
        assert!(
            ours.as_deref() == Some(std::fs::read(file).unwrap().as_slice()),
            "notebooks/data/checkout/{rel} differs from the generator's (or is missing)"
        );
    }
    // What a canary run on the bundled data publishes there (git-ignored), not data.
    bundled.remove("metrics/published.jsonl");
    let others: Vec<&String> = bundled.keys().collect();
    assert!(others.is_empty(), "bundled but not generated: {others:?}");
}
