//! Local metrics: datapoints from CSV or JSON Lines files, indexed by metric and
//! dimensions, and queried like GetMetricData (exact dimension match, buckets aligned to
//! the period, statistics over the raw samples).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use chrono::DateTime;
use serde_json::Value;

use super::files::{files_in, format_of, open_lines};
use crate::backend::ResolvedMetric;
use crate::error::EngineError;
use playbook::series::Series;
use playbook::statistic::Statistic;
use playbook::time_range::parse_instant_at;

/// Identifies one metric: namespace, name and its dimensions sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MetricKey {
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct Points {
    unit: Option<String>,
    /// (epoch seconds, first sample, number of samples), sorted by time once loaded.
    index: Vec<(i64, u32, u32)>,
}

/// Every datapoint of a local source's `metrics/` directory.
#[derive(Debug, Default)]
pub struct MetricStore {
    metrics: BTreeMap<MetricKey, Points>,
    /// (value, count) samples, referenced by `Points::index`.
    samples: Vec<(f64, f64)>,
    /// The earliest and latest datapoint, epoch seconds.
    pub span: Option<(i64, i64)>,
}

/// One parsed datapoint before it is stored.
struct Row {
    key: MetricKey,
    time: i64,
    unit: Option<String>,
    samples: Vec<(f64, f64)>,
}

impl MetricStore {
    /// Loads every metrics file of `dir` (a missing directory is an empty store).
    pub fn load(dir: &Path) -> Result<MetricStore, EngineError> {
        let mut store = MetricStore::default();
        if !dir.is_dir() {
            return Ok(store);
        }
        for path in files_in(dir)? {
            match format_of(&path) {
                Some("csv") => store.load_csv(&path)?,
                Some("jsonl") => store.load_jsonl(&path)?,
                _ => {}
            }
        }
        for points in store.metrics.values_mut() {
            points.index.sort_by_key(|(t, _, _)| *t);
        }
        Ok(store)
    }

    fn add(&mut self, row: Row) {
        let start = u32::try_from(self.samples.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(row.samples.len()).unwrap_or(u32::MAX);
        self.samples.extend(row.samples);
        let points = self.metrics.entry(row.key).or_default();
        if points.unit.is_none() {
            points.unit = row.unit;
        }
        points.index.push((row.time, start, len));
        self.span = Some(match self.span {
            None => (row.time, row.time),
            Some((lo, hi)) => (lo.min(row.time), hi.max(row.time)),
        });
    }

    fn load_csv(&mut self, path: &Path) -> Result<(), EngineError> {
        let bad = |line: usize, message: String| EngineError::File {
            path: path.to_owned(),
            message: format!("line {line}: {message}"),
        };
        let mut lines = BufRead::lines(open_lines(path)?);
        let header = match lines.next() {
            Some(line) => line.map_err(|e| bad(1, e.to_string()))?,
            None => return Ok(()),
        };
        let columns: Vec<String> = split_csv(&header)
            .into_iter()
            .map(|c| c.trim().to_owned())
            .collect();
        let find = |name: &str| columns.iter().position(|c| c == name);
        let (Some(time_col), Some(ns_col), Some(metric_col)) =
            (find("timestamp"), find("namespace"), find("metric"))
        else {
            return Err(bad(
                1,
                "the header needs the columns timestamp, namespace, metric and value (or values)"
                    .into(),
            ));
        };
        let value_col = find("value");
        let values_col = find("values");
        if value_col.is_none() && values_col.is_none() {
            return Err(bad(1, "the header needs a value or values column".into()));
        }
        let counts_col = find("counts");
        let unit_col = find("unit");
        let known = [
            Some(time_col),
            Some(ns_col),
            Some(metric_col),
            value_col,
            values_col,
            counts_col,
            unit_col,
        ];
        let dims: Vec<(usize, &String)> = columns
            .iter()
            .enumerate()
            .filter(|(i, _)| !known.contains(&Some(*i)))
            .collect();
        for (number, line) in lines.enumerate() {
            let number = number + 2;
            let line = line.map_err(|e| bad(number, e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let cells = split_csv(&line);
            let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
            let time = parse_time(cell(time_col)).map_err(|m| bad(number, m))?;
            let samples = match values_col.filter(|c| !cell(*c).is_empty()) {
                Some(c) => samples_of(cell(c), counts_col.map(cell)).map_err(|m| bad(number, m))?,
                None => {
                    let text = value_col.map(cell).unwrap_or("");
                    let value: f64 = text
                        .parse()
                        .map_err(|_| bad(number, format!("value `{text}` is not a number")))?;
                    vec![(value, 1.0)]
                }
            };
            let mut dimensions: Vec<(String, String)> = dims
                .iter()
                .filter(|(i, _)| !cell(*i).is_empty())
                .map(|(i, name)| ((*name).clone(), cell(*i).to_owned()))
                .collect();
            dimensions.sort();
            let unit = unit_col
                .map(cell)
                .filter(|u| !u.is_empty())
                .map(str::to_owned);
            self.add(Row {
                key: MetricKey {
                    namespace: cell(ns_col).to_owned(),
                    metric: cell(metric_col).to_owned(),
                    dimensions,
                },
                time,
                unit,
                samples,
            });
        }
        Ok(())
    }

    fn load_jsonl(&mut self, path: &Path) -> Result<(), EngineError> {
        let bad = |line: usize, message: String| EngineError::File {
            path: path.to_owned(),
            message: format!("line {line}: {message}"),
        };
        for (number, line) in BufRead::lines(open_lines(path)?).enumerate() {
            let number = number + 1;
            let line = line.map_err(|e| bad(number, e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let object: Value =
                serde_json::from_str(&line).map_err(|e| bad(number, e.to_string()))?;
            let text = |name: &str| object.get(name).and_then(Value::as_str);
            let time = match object.get("timestamp") {
                Some(Value::String(s)) => parse_time(s),
                Some(Value::Number(n)) => parse_time(&n.to_string()),
                _ => Err("no timestamp".to_owned()),
            }
            .map_err(|m| bad(number, m))?;
            let (Some(namespace), Some(metric)) = (text("namespace"), text("metric")) else {
                return Err(bad(number, "needs \"namespace\" and \"metric\"".into()));
            };
            let numbers = |name: &str| -> Option<Vec<f64>> {
                object
                    .get(name)?
                    .as_array()?
                    .iter()
                    .map(Value::as_f64)
                    .collect()
            };
            let samples = if let Some(value) = object.get("value").and_then(Value::as_f64) {
                vec![(value, 1.0)]
            } else if let Some(values) = numbers("values") {
                let counts = numbers("counts").unwrap_or_else(|| vec![1.0; values.len()]);
                if counts.len() != values.len() {
                    return Err(bad(
                        number,
                        "\"counts\" must be as long as \"values\"".into(),
                    ));
                }
                values.into_iter().zip(counts).collect()
            } else {
                return Err(bad(
                    number,
                    "needs a numeric \"value\" or \"values\"".into(),
                ));
            };
            let mut dimensions: Vec<(String, String)> = object
                .get("dimensions")
                .and_then(Value::as_object)
                .map(|d| {
                    d.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            dimensions.sort();
            self.add(Row {
                key: MetricKey {
                    namespace: namespace.to_owned(),
                    metric: metric.to_owned(),
                    dimensions,
                },
                time,
                unit: text("unit").map(str::to_owned),
                samples,
            });
        }
        Ok(())
    }

    /// The metrics stored, optionally of one namespace and name.
    pub fn keys(&self) -> impl Iterator<Item = &MetricKey> {
        self.metrics.keys()
    }

    /// Runs one statistic query: `None` when no metric has exactly these dimensions.
    pub fn query(&self, query: &ResolvedMetric) -> Option<Series> {
        let (namespace, metric, dimensions) = query.metric()?;
        let mut wanted: Vec<(String, String)> = dimensions.to_vec();
        wanted.sort();
        let key = MetricKey {
            namespace: namespace.to_owned(),
            metric: metric.to_owned(),
            dimensions: wanted,
        };
        let points = self.metrics.get(&key)?;
        let stat = query.stat.clone().unwrap_or(Statistic::Average);
        let period = i64::from(query.period.max(1));
        let (start, end) = (query.window.start.timestamp(), query.window.end.timestamp());
        let first = points.index.partition_point(|(t, _, _)| *t < start);
        let mut out = Vec::new();
        let mut bucket: Option<i64> = None;
        let mut samples: Vec<(f64, f64)> = Vec::new();
        let mut flush = |bucket: i64, samples: &mut Vec<(f64, f64)>| {
            if let Some(instant) = DateTime::from_timestamp(bucket, 0) {
                out.push((instant, stat.compute(samples)));
            }
            samples.clear();
        };
        for (t, at, len) in &points.index[first..] {
            if *t >= end {
                break;
            }
            let b = t.div_euclid(period) * period;
            if let Some(current) = bucket.filter(|current| *current != b) {
                flush(current, &mut samples);
            }
            bucket = Some(b);
            let (at, len) = (*at as usize, *len as usize);
            samples.extend_from_slice(&self.samples[at..at + len]);
        }
        if let Some(current) = bucket {
            flush(current, &mut samples);
        }
        let unit = query_unit(&query.query).or(points.unit.as_deref());
        if query_unit(&query.query).is_some_and(|u| Some(u) != points.unit.as_deref()) {
            return Some(Series::new(query.label.clone(), unit));
        }
        Some(Series::from_points(query.label.clone(), unit, out))
    }
}

fn query_unit(query: &playbook::query::MetricQuery) -> Option<&str> {
    match &query.kind {
        playbook::query::MetricKind::Stat { unit, .. } => unit.as_deref(),
        playbook::query::MetricKind::Expression { .. } => None,
    }
}

fn parse_time(text: &str) -> Result<i64, String> {
    parse_instant_at(text, chrono::Utc::now())
        .map(|t| t.timestamp())
        .map_err(|_| format!("timestamp `{text}` is neither RFC 3339 nor epoch seconds"))
}

fn samples_of(values: &str, counts: Option<&str>) -> Result<Vec<(f64, f64)>, String> {
    let numbers = |text: &str, what: &str| -> Result<Vec<f64>, String> {
        text.split(';')
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("{what} `{v}` is not a number"))
            })
            .collect()
    };
    let values = numbers(values, "value")?;
    let counts = match counts.filter(|c| !c.is_empty()) {
        Some(c) => numbers(c, "count")?,
        None => vec![1.0; values.len()],
    };
    if counts.len() != values.len() {
        return Err(format!(
            "{} counts for {} values",
            counts.len(),
            values.len()
        ));
    }
    Ok(values.into_iter().zip(counts).collect())
}

/// Splits a CSV line (RFC 4180 quoting: `"a, b"` and `""` inside quotes).
fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let cell = cells.last_mut();
        match (c, quoted, cell) {
            ('"', true, Some(cell)) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _, _) => quoted = !quoted,
            (',', false, _) => cells.push(String::new()),
            (c, _, Some(cell)) => cell.push(c),
            (_, _, None) => {}
        }
    }
    cells
}

#[cfg(test)]
mod tests;
