//! The deterministic generator of the bundled "checkout" incident data
//! (`playbook generate-data DIR`).
//!
//! It writes, under one directory, the layout the local source reads (see
//! `notebooks/data/README.md`): one-minute metrics in `metrics/` (gzipped CSV and JSON
//! Lines) and log groups in `logs/<group>/<stream>.jsonl.gz|.log.gz` (Transaction
//! Search's spans among them, in `logs/aws/spans/`), service quotas with their
//! `AWS/Usage` metrics in two regions (`quotas.json`, `us-east-1/`), telling the story of
//! [`Scenario::checkout`]: a bad deploy, a connection-pool leak, errors, one very slow
//! trace and a rollback.
//!
//! Same [`Options`] ⇒ byte-identical files on every machine: a seeded generator
//! (`rng.rs`) addressed by `(seed, stream, minute)`, UTC only, fixed gzip headers, no wall
//! clock and no hash-map iteration.

mod alarms;
mod bench;
mod dblog;
mod errors;
mod event;
mod fmt;
mod logs;
mod metrics;
mod model;
mod quotas;
mod rng;
mod scenario;
mod spans;
mod writer;

#[cfg(test)]
mod tests;

use std::io;
use std::path::PathBuf;

pub use scenario::{Deploy, Levels, Scenario};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub out_dir: PathBuf,
    /// Days of one-minute metrics, ending at the end of the incident day (default 14).
    pub days: u32,
    /// Hours of application logs around the incident (default 6: 12:00–18:00 UTC).
    pub log_hours: u32,
    /// Sampled access-log events per second, on top of every error (default 1.0).
    pub log_rate: f64,
    /// Seed of every random number (default 7).
    pub seed: u64,
    /// When set: write only one uncompressed JSON Lines log of about this many bytes at
    /// `out_dir/logs/bench/app/app-1.jsonl`, for benchmarks.
    pub bench_bytes: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            out_dir: PathBuf::from("notebooks/data/checkout"),
            days: 14,
            log_hours: 6,
            log_rate: 1.0,
            seed: 7,
            bench_bytes: None,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// Every file written, in the order written.
    pub files: Vec<PathBuf>,
    /// Their total size on disk (compressed sizes for `.gz`).
    pub bytes: u64,
    /// Metric datapoints (rows / JSON lines; a `values` row counts once).
    pub metric_points: u64,
    /// Log events (lines) across every log group.
    pub log_events: u64,
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn validate(options: &Options) -> io::Result<()> {
    if !(1..=3660).contains(&options.days) {
        return Err(invalid(format!(
            "days must be 1 to 3660, not {}",
            options.days
        )));
    }
    if !(1..=168).contains(&options.log_hours) {
        return Err(invalid(format!(
            "log hours must be 1 to 168, not {}",
            options.log_hours
        )));
    }
    if !(options.log_rate.is_finite() && (0.0..=10_000.0).contains(&options.log_rate)) {
        return Err(invalid(format!(
            "log rate must be 0 to 10000 events/s, not {}",
            options.log_rate
        )));
    }
    Ok(())
}

/// Generates the dataset (or the bench log) described by `options`.
pub fn generate(options: &Options) -> io::Result<Summary> {
    validate(options)?;
    let scenario = Scenario::checkout();
    let mut files = writer::Files::new(&options.out_dir);
    let mut summary = Summary::default();
    if let Some(target) = options.bench_bytes {
        summary.log_events = bench::write(&mut files, &scenario, options.seed, target)?;
    } else {
        let model = model::Model::new(&scenario, options.seed);
        let (start, end) = scenario.metrics_window(options.days);
        let metrics_window = (start.timestamp(), end.timestamp());
        let (log_start, log_end) = scenario.log_window(options.log_hours);
        let log_window = (log_start.timestamp(), log_end.timestamp());
        summary.metric_points =
            metrics::write(&mut files, &model, metrics_window.0, metrics_window.1)?;
        summary.log_events = logs::write_app(
            &mut files,
            &model,
            options.seed,
            options.log_rate,
            log_window,
        )?;
        summary.log_events += logs::write_deploys(&mut files, &model, metrics_window)?;
        summary.log_events += dblog::write(&mut files, &model, options.seed, log_window)?;
        summary.log_events += spans::write(&mut files, &model, options.seed, log_window)?;
        alarms::write(&mut files, &scenario)?;
        summary.metric_points +=
            quotas::write(&mut files, options.seed, metrics_window.0, metrics_window.1)?;
    }
    summary.files = files.written;
    summary.bytes = files.bytes;
    Ok(summary)
}
