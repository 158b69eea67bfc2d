//! Publishing measurements as CloudWatch metrics from a cell: `publish_metric(…)` sends a
//! datum to the host, which batches the cell's datums into as few PutMetricData calls as
//! the API allows when the cell ends, and records the call in the query log. On a local
//! source the datums are appended to `DIR/metrics/published.jsonl`, where queries find
//! them, so a playbook that publishes runs on the bundled data too.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};

/// One measurement to publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDatum {
    pub namespace: String,
    pub name: String,
    pub value: f64,
    /// A CloudWatch unit (`Count`, `Milliseconds`, `Percent`, `None`, …).
    pub unit: String,
    #[serde(default)]
    pub dimensions: Vec<(String, String)>,
    pub timestamp: DateTime<Utc>,
}

impl MetricDatum {
    /// Checks what PutMetricData would refuse, with what to write instead.
    pub fn validate(&self) -> Result<()> {
        if self.namespace.is_empty() || self.namespace.starts_with("AWS/") {
            return Err(Error::InvalidInput(format!(
                "namespace `{}`: give your own (namespaces starting with AWS/ are reserved)",
                self.namespace
            )));
        }
        if self.name.is_empty() {
            return Err(Error::InvalidInput("a metric needs a name".into()));
        }
        if !self.value.is_finite() {
            return Err(Error::InvalidInput(format!(
                "{} = {}: CloudWatch accepts only finite values",
                self.name, self.value
            )));
        }
        if self.dimensions.len() > 30 {
            return Err(Error::InvalidInput(format!(
                "{}: {} dimensions, CloudWatch allows 30",
                self.name,
                self.dimensions.len()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn datum(namespace: &str, value: f64) -> MetricDatum {
        MetricDatum {
            namespace: namespace.into(),
            name: "Availability".into(),
            value,
            unit: "Count".into(),
            dimensions: Vec::new(),
            timestamp: Utc::now(),
        }
    }

    #[test]
    fn what_put_metric_data_refuses_is_refused_here() {
        assert!(datum("Checkout/Canary", 1.0).validate().is_ok());
        assert!(datum("AWS/EC2", 1.0).validate().is_err());
        assert!(datum("Checkout", f64::NAN).validate().is_err());
    }
}
