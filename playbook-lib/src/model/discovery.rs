//! Metric discovery (ListMetrics): which metrics exist for a namespace, a metric name and
//! dimensions — every instance of an Auto Scaling group, every target group of a load
//! balancer — and the queries that fetch them.

use serde::{Deserialize, Serialize};

/// A metric that exists: its namespace, name and full dimension set (ListMetrics).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MetricId {
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
    /// The account that owns it, when discovery included linked accounts (ListMetrics'
    /// `OwningAccounts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl MetricId {
    /// The value of one dimension.
    pub fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Which metrics to discover.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricSearch {
    pub namespace: Option<String>,
    pub metric: Option<String>,
    /// Dimensions the metrics must have (a value of `None`: any value).
    #[serde(default)]
    pub dimensions: Vec<(String, Option<String>)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Include the metrics of the accounts linked to the monitoring account
    /// (`IncludeLinkedAccounts`); each found metric says its owning account.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub include_linked: bool,
}

/// Discovers the metrics of `namespace` (ListMetrics): every instance of an Auto Scaling
/// group, every target group of a load balancer, …
pub fn list_metrics(namespace: &str) -> MetricSearch {
    MetricSearch {
        namespace: Some(namespace.to_owned()),
        ..MetricSearch::default()
    }
}

impl MetricSearch {
    /// Only this metric name.
    pub fn metric(mut self, name: &str) -> Self {
        self.metric = Some(name.to_owned());
        self
    }

    /// Only metrics with this dimension and value.
    pub fn dim(mut self, name: &str, value: &str) -> Self {
        self.dimensions
            .push((name.to_owned(), Some(value.to_owned())));
        self
    }

    /// Only metrics that have this dimension, whatever its value.
    pub fn has_dim(mut self, name: &str) -> Self {
        self.dimensions.push((name.to_owned(), None));
        self
    }

    /// Include the metrics of linked source accounts (from a monitoring account).
    pub fn include_linked_accounts(mut self) -> Self {
        self.include_linked = true;
        self
    }

    /// Ask this source instead of the session's.
    pub fn source(mut self, spec: &str) -> Self {
        self.source = Some(spec.to_owned());
        self
    }

    /// The search in one line, for the query log (`AWS/EC2 CPUUtilization InstanceId=*`).
    pub fn describe(&self) -> String {
        let dims: String = self
            .dimensions
            .iter()
            .map(|(k, v)| format!(" {k}={}", v.as_deref().unwrap_or("*")))
            .collect();
        format!(
            "{} {}{dims}{}",
            self.namespace.as_deref().unwrap_or("*"),
            self.metric.as_deref().unwrap_or("*"),
            if self.include_linked {
                " (with linked accounts)"
            } else {
                ""
            },
        )
    }

    /// Whether `id` matches this search.
    pub fn matches(&self, id: &MetricId) -> bool {
        self.namespace.as_ref().is_none_or(|n| *n == id.namespace)
            && self.metric.as_ref().is_none_or(|m| *m == id.metric)
            && self.dimensions.iter().all(|(k, v)| {
                id.dimension(k)
                    .is_some_and(|found| v.as_deref().is_none_or(|want| want == found))
            })
    }
}
