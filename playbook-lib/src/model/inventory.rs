//! What is configured for a service, as opposed to what it measured: log groups with their
//! retention (DescribeLogGroups) and the metric anomaly detectors that exist
//! (DescribeAnomalyDetectors) — what an operational readiness review checks, next to the
//! alarms (`alarms()`) and the metrics (`list_metrics`). On a local source they come from
//! `DIR/log-groups.json` and `DIR/anomaly-detectors.json`.

use serde::{Deserialize, Serialize};

use crate::model::discovery::MetricId;

/// A log group and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroupInfo {
    pub name: String,
    /// Days events are kept; `None`: never expire (no retention policy).
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Bytes stored, when the source says.
    #[serde(default)]
    pub stored_bytes: Option<u64>,
}

/// A metric anomaly detector: the metric and statistic it models, and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyDetector {
    pub metric: MetricId,
    pub stat: String,
    /// `PENDING_TRAINING`, `TRAINED_INSUFFICIENT_DATA`, `TRAINED`, when the source says.
    #[serde(default)]
    pub state: Option<String>,
}

impl AnomalyDetector {
    /// Whether it models `namespace`'s `metric` (any dimensions).
    pub fn models(&self, namespace: &str, metric: &str) -> bool {
        self.metric.namespace == namespace && self.metric.metric == metric
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detector_models_its_metric_whatever_the_dimensions() {
        let detector = AnomalyDetector {
            metric: MetricId {
                account: None,
                namespace: "AWS/ApplicationELB".into(),
                metric: "TargetResponseTime".into(),
                dimensions: vec![("LoadBalancer".into(), "app/x".into())],
            },
            stat: "p99".into(),
            state: None,
        };
        assert!(detector.models("AWS/ApplicationELB", "TargetResponseTime"));
        assert!(!detector.models("AWS/ApplicationELB", "RequestCount"));
    }

    #[test]
    fn settings_read_without_optional_fields() {
        let info: LogGroupInfo = serde_json::from_str(r#"{"name":"/ecs/checkout"}"#).unwrap();
        assert_eq!(info.retention_days, None);
    }
}
