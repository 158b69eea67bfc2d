//! What is configured, on a local source: log group settings in `DIR/log-groups.json`
//! (`[{"name": "/ecs/checkout", "retention_days": 30}]`; a group on disk without an entry
//! has no retention policy, as in CloudWatch) and metric anomaly detectors in
//! `DIR/anomaly-detectors.json` (PutAnomalyDetector's single-metric input:
//! `[{"namespace", "metric", "dimensions": {…}, "stat"}]`). No file: none configured.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::logs::LogGroup;
use crate::error::EngineError;
use playbook::model::discovery::MetricId;
use playbook::model::inventory::{AnomalyDetector, LogGroupInfo};

/// One entry of `log-groups.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSettings {
    name: String,
    #[serde(default)]
    retention_days: Option<u32>,
}

/// One entry of `anomaly-detectors.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DetectorDefinition {
    namespace: String,
    metric: String,
    #[serde(default)]
    dimensions: BTreeMap<String, String>,
    stat: String,
}

/// Reads a JSON list from `DIR/NAME` (absent: empty), saying what it should hold.
fn read_list<T: DeserializeOwned>(
    dir: &Path,
    name: &str,
    what: &str,
) -> Result<Vec<T>, EngineError> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = super::files::read_definitions(&path)?;
    serde_json::from_str(&text).map_err(|e| EngineError::File {
        path,
        message: format!("not a list of {what}: {e}"),
    })
}

/// The groups on disk (already filtered), with their settings and sizes.
pub fn log_groups(dir: &Path, groups: Vec<LogGroup>) -> Result<Vec<LogGroupInfo>, EngineError> {
    let settings: Vec<GroupSettings> = read_list(dir, "log-groups.json", "log group settings")?;
    let retention: BTreeMap<String, Option<u32>> = settings
        .into_iter()
        .map(|s| (s.name.trim_start_matches('/').to_owned(), s.retention_days))
        .collect();
    Ok(groups
        .into_iter()
        .map(|group| LogGroupInfo {
            retention_days: retention
                .get(group.name.trim_start_matches('/'))
                .copied()
                .flatten(),
            stored_bytes: Some(stored_bytes(&group.dir)),
            name: group.name,
        })
        .collect())
}

/// Bytes of the group's files (its own directory, not nested groups).
fn stored_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// The detectors defined (of `namespace`, or all).
pub fn anomaly_detectors(
    dir: &Path,
    namespace: Option<&str>,
) -> Result<Vec<AnomalyDetector>, EngineError> {
    let defined: Vec<DetectorDefinition> = read_list(
        dir,
        "anomaly-detectors.json",
        "anomaly detector definitions",
    )?;
    Ok(defined
        .into_iter()
        .filter(|d| namespace.is_none_or(|n| n == d.namespace))
        .map(|d| AnomalyDetector {
            metric: MetricId {
                account: None,
                namespace: d.namespace,
                metric: d.metric,
                dimensions: d.dimensions.into_iter().collect(),
            },
            stat: d.stat,
            state: None,
        })
        .collect())
}
