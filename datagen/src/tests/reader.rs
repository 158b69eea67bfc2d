//! A small reader of the data layout, for the tests: metrics (CSV and JSON Lines, plain or
//! gzipped) into datapoints, log files into events, checking the layout's rules on the way.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use flate2::read::MultiGzDecoder;
use serde_json::Value;

pub fn read_text(path: &Path) -> String {
    let raw = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        MultiGzDecoder::new(&raw[..])
            .read_to_string(&mut text)
            .unwrap();
        text
    } else {
        String::from_utf8(raw).unwrap()
    }
}

fn parse_time(s: &str) -> DateTime<Utc> {
    if let Ok(secs) = s.parse::<i64>() {
        return DateTime::from_timestamp(secs, 0).unwrap();
    }
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// One datapoint as the layout defines it.
#[derive(Debug, Clone)]
pub struct Point {
    pub t: DateTime<Utc>,
    pub namespace: String,
    pub metric: String,
    pub dims: BTreeMap<String, String>,
    pub values: Vec<f64>,
    pub counts: Vec<f64>,
}

fn numbers(cell: &str) -> Vec<f64> {
    cell.split(';').map(|v| v.parse::<f64>().unwrap()).collect()
}

/// Reads every file under `metrics/` by the layout's rules.
pub fn read_metrics(dir: &Path) -> Vec<Point> {
    let mut points = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("metrics"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = read_text(&path);
        if name.ends_with(".csv") || name.ends_with(".csv.gz") {
            let mut lines = text.lines();
            let header: Vec<&str> = lines.next().unwrap().split(',').collect();
            for required in ["timestamp", "namespace", "metric"] {
                assert!(header.contains(&required), "{name}: no {required}");
            }
            assert!(
                header.contains(&"value") ^ header.contains(&"values"),
                "{name}"
            );
            for line in lines {
                let cells: Vec<&str> = line.split(',').collect();
                assert_eq!(cells.len(), header.len(), "{name}: {line}");
                let mut p = Point {
                    t: Utc::now(),
                    namespace: String::new(),
                    metric: String::new(),
                    dims: BTreeMap::new(),
                    values: Vec::new(),
                    counts: Vec::new(),
                };
                for (col, cell) in header.iter().zip(cells) {
                    match *col {
                        "timestamp" => p.t = parse_time(cell),
                        "namespace" => p.namespace = cell.to_owned(),
                        "metric" => p.metric = cell.to_owned(),
                        "value" | "values" => p.values = numbers(cell),
                        "counts" => p.counts = numbers(cell),
                        "unit" => assert!(["Count", "Seconds", "Percent"].contains(&cell)),
                        dim if !cell.is_empty() => {
                            p.dims.insert(dim.to_owned(), cell.to_owned());
                        }
                        _ => {}
                    }
                }
                points.push(p);
            }
        } else {
            assert!(
                name.ends_with(".jsonl") || name.ends_with(".jsonl.gz"),
                "{name}"
            );
            for line in text.lines() {
                let v: Value = serde_json::from_str(line).unwrap();
                let dims = v["dimensions"].as_object().unwrap();
                let value = v.get("value").and_then(Value::as_f64);
                points.push(Point {
                    t: parse_time(v["timestamp"].as_str().unwrap()),
                    namespace: v["namespace"].as_str().unwrap().to_owned(),
                    metric: v["metric"].as_str().unwrap().to_owned(),
                    dims: dims
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                        .collect(),
                    values: value.into_iter().collect(),
                    counts: Vec::new(),
                });
            }
        }
    }
    points
}

/// One log event: group, stream, time, the line.
pub struct LogLine {
    pub group: String,
    pub stream: String,
    pub t: DateTime<Utc>,
    pub line: String,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Reads every log file under `logs/` by the layout's rules, checking time order.
pub fn read_logs(dir: &Path) -> Vec<LogLine> {
    let root = dir.join("logs");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let rel = path.parent().unwrap().strip_prefix(&root).unwrap();
        let group = format!("/{}", rel.to_string_lossy());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let stream = name.split('.').next().unwrap().to_owned();
        let json = name.contains(".jsonl");
        assert!(json || name.contains(".log"), "{name}");
        let mut last = None;
        for line in read_text(&path).lines() {
            let t = if json {
                let v: Value = serde_json::from_str(line).unwrap();
                if let Some(nanos) = v["startTimeUnixNano"].as_i64() {
                    // A span (aws/spans): no `timestamp`, its start in nanoseconds.
                    assert!(v.get("timestamp").is_none(), "{line}");
                    DateTime::from_timestamp_nanos(nanos)
                } else {
                    let ts = v["timestamp"].as_str().unwrap();
                    assert_eq!(ts.len(), "2026-11-12T14:05:01.123Z".len(), "{ts}");
                    parse_time(ts)
                }
            } else {
                parse_time(line.split(' ').next().unwrap())
            };
            assert!(
                last.is_none_or(|l| l <= t),
                "{group}/{stream}: out of order at {line}"
            );
            last = Some(t);
            out.push(LogLine {
                group: group.clone(),
                stream: stream.clone(),
                t,
                line: line.to_owned(),
            });
        }
    }
    out
}

/// Weighted percentile of (value, count) samples.
pub fn percentile(samples: &mut [(f64, f64)], q: f64) -> f64 {
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = samples.iter().map(|s| s.1).sum();
    let mut seen = 0.0;
    for (v, c) in samples.iter() {
        seen += c;
        if seen >= q * total {
            return *v;
        }
    }
    f64::NAN
}
