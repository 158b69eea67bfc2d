//! Metrics published on the local source: appended as JSON Lines to
//! `DIR/metrics/published.jsonl` (the format `metric_files.rs` reads), so a playbook that
//! publishes can query what it published, offline.

use std::io::Write;
use std::path::Path;

use playbook::model::publish::MetricDatum;

use super::files::file_error;
use crate::error::EngineError;

/// The file published metrics go to, under the source's `metrics/`.
pub const PUBLISHED: &str = "published.jsonl";

/// Appends `datums` to `metrics_dir/published.jsonl`.
pub fn append(metrics_dir: &Path, datums: &[MetricDatum]) -> Result<(), EngineError> {
    std::fs::create_dir_all(metrics_dir).map_err(|e| file_error(metrics_dir, &e))?;
    let path = metrics_dir.join(PUBLISHED);
    let mut text = String::new();
    for d in datums {
        let line = serde_json::json!({
            "timestamp": d.timestamp.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "namespace": d.namespace,
            "metric": d.name,
            "unit": d.unit,
            "value": d.value,
            "dimensions": d.dimensions.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
        });
        text.push_str(&line.to_string());
        text.push('\n');
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| file_error(&path, &e))
}
