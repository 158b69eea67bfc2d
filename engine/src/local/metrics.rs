//! Local metrics: datapoints from CSV or JSON Lines files, indexed by metric and
//! dimensions, and queried like GetMetricData (exact dimension match, buckets aligned to
//! the period, statistics over the raw samples).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::DateTime;

use super::files::{files_in, format_of};
use super::metric_files::{MetricKey, Row, csv_rows, jsonl_rows};
use crate::backend::ResolvedMetric;
use crate::error::EngineError;
use playbook::model::series::Series;
use playbook::model::statistic::Statistic;

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

impl MetricStore {
    /// Loads every metrics file of `dir` (a missing directory is an empty store).
    pub fn load(dir: &Path) -> Result<MetricStore, EngineError> {
        let mut store = MetricStore::default();
        if !dir.is_dir() {
            return Ok(store);
        }
        for path in files_in(dir)? {
            match format_of(&path) {
                Some("csv") => csv_rows(&path, |row| store.add(row))?,
                Some("jsonl") => jsonl_rows(&path, |row| store.add(row))?,
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

fn query_unit(query: &playbook::model::query::MetricQuery) -> Option<&str> {
    match &query.kind {
        playbook::model::query::MetricKind::Stat { unit, .. } => unit.as_deref(),
        playbook::model::query::MetricKind::Expression { .. } => None,
    }
}

#[cfg(test)]
mod tests;
