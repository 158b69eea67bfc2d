//! The queries cells ask (metrics, Logs Insights, filtered log events), as plain data the
//! host runs against the source in effect, and the blocking calls that run them.
//!
//! ```no_run
//! use playbook::prelude::*;
//! # fn main() -> playbook::Result<()> {
//! let p99 = metric("AWS/ApplicationELB", "TargetResponseTime")
//!     .dim("LoadBalancer", "app/checkout-alb/5f3c2a1b9d8e7f60")
//!     .stat("p99")
//!     .since("3h")
//!     .fetch()?;
//! let errors = logs_insights("filter level = 'ERROR' | stats count(*) by route")
//!     .group("/ecs/checkout")
//!     .since("3h")
//!     .run()?;
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};

pub use crate::model::discovery::{MetricId, MetricSearch, list_metrics};
use crate::model::error::Result;
pub use crate::model::logs_query::{
    FilterQuery, LogsQuery, QueryLanguage, filter_log_events, logs_insights,
};
pub use crate::model::source::check_account;
pub use crate::model::window::{RangeSpec, Windowed};

/// One metric query: a metric with a statistic, or an expression (metric math or a
/// Metrics Insights `SELECT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricQuery {
    #[serde(flatten)]
    pub kind: MetricKind,
    /// Seconds per point; None: a default for the window.
    #[serde(default)]
    pub period: Option<u32>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub window: Option<RangeSpec>,
    /// Ask this source (`cloudwatch`, `local:DIR`) instead of the session's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The id metric math refers to (`m1` in `m1 * 100`); a lowercase letter first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Fetched only as an input of an expression, not returned.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// The account the metric lives in, read through CloudWatch cross-account
    /// observability from a monitoring account (GetMetricData's `AccountId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// What a [`MetricQuery`] asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MetricKind {
    Stat {
        namespace: String,
        metric: String,
        #[serde(default)]
        dimensions: Vec<(String, String)>,
        /// A [`crate::model::statistic::Statistic`] name, checked when the query runs.
        stat: String,
        #[serde(default)]
        unit: Option<String>,
    },
    /// Metric math or Metrics Insights SQL, evaluated by CloudWatch.
    Expression { expression: String },
}

/// A metric of `namespace` called `name`, averaged, for the session's window.
pub fn metric(namespace: &str, name: &str) -> MetricQuery {
    MetricQuery {
        kind: MetricKind::Stat {
            namespace: namespace.to_owned(),
            metric: name.to_owned(),
            dimensions: Vec::new(),
            stat: "Average".to_owned(),
            unit: None,
        },
        period: None,
        label: None,
        window: None,
        source: None,
        id: None,
        hidden: false,
        account: None,
    }
}

/// A metric math expression or a Metrics Insights query
/// (`SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId`).
pub fn metric_expression(expression: &str) -> MetricQuery {
    MetricQuery {
        kind: MetricKind::Expression {
            expression: expression.to_owned(),
        },
        period: None,
        label: None,
        window: None,
        source: None,
        id: None,
        hidden: false,
        account: None,
    }
}

impl Windowed for MetricQuery {
    fn window_mut(&mut self) -> &mut Option<RangeSpec> {
        &mut self.window
    }

    fn source_mut(&mut self) -> &mut Option<String> {
        &mut self.source
    }
}

impl MetricQuery {
    /// Reads the metric from `account`, a source account linked to the monitoring account
    /// the session reads (CloudWatch cross-account observability).
    pub fn account(mut self, account: &str) -> Self {
        self.account = Some(account.trim().to_owned());
        self
    }

    /// Checks the account id: twelve digits.
    pub fn validate_account(&self) -> Result<()> {
        self.account.as_deref().map_or(Ok(()), check_account)
    }

    /// Adds a dimension.
    pub fn dim(mut self, name: &str, value: &str) -> Self {
        if let MetricKind::Stat { dimensions, .. } = &mut self.kind {
            dimensions.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// The statistic: `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount`, `p99`, `tm90`, …
    pub fn stat(mut self, statistic: &str) -> Self {
        if let MetricKind::Stat { stat, .. } = &mut self.kind {
            *stat = statistic.to_owned();
        }
        self
    }

    /// Seconds per point (the host adjusts it to CloudWatch's rules and says so).
    pub fn period(mut self, seconds: u32) -> Self {
        self.period = Some(seconds);
        self
    }

    /// The unit the data was published with.
    pub fn unit(mut self, name: &str) -> Self {
        if let MetricKind::Stat { unit, .. } = &mut self.kind {
            *unit = Some(name.to_owned());
        }
        self
    }

    /// The label of the resulting series.
    pub fn label(mut self, label: &str) -> Self {
        self.label = Some(label.to_owned());
        self
    }

    /// The id expressions use to refer to this query (`m1`): a lowercase letter, then
    /// letters, digits or `_`.
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    /// Fetch it only as an input of an expression in the same `fetch_many`.
    pub fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }

    /// The query in one line, as records and errors show it.
    pub fn describe(&self) -> String {
        let mut text = match &self.kind {
            MetricKind::Stat {
                namespace,
                metric,
                dimensions,
                stat,
                ..
            } => {
                let dims: Vec<String> =
                    dimensions.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let mut text = format!("{namespace} {metric}");
                if !dims.is_empty() {
                    text.push(' ');
                    text.push_str(&dims.join(" "));
                }
                text.push(' ');
                text.push_str(stat);
                text
            }
            MetricKind::Expression { expression } => expression.clone(),
        };
        if let Some(period) = self.period {
            text.push_str(&format!(" period={period}"));
        }
        if let Some(account) = &self.account {
            text.push_str(&format!(" account={account}"));
        }
        text
    }
}

/// The metric and CloudWatch's anomaly detection band around it (`ANOMALY_DETECTION_BAND`,
/// `stdevs` wide): for `fetch_many`, which returns the metric first, then the band's bounds.
/// Only CloudWatch computes the band (it needs the anomaly detection model of the metric).
pub fn anomaly_band(query: &MetricQuery, stdevs: f64) -> Vec<MetricQuery> {
    let id = query.id.clone().unwrap_or_else(|| "band_input".to_owned());
    let mut band = metric_expression(&format!("ANOMALY_DETECTION_BAND({id}, {stdevs})"));
    band.window = query.window.clone();
    band.period = query.period;
    band.source = query.source.clone();
    band.label = Some(format!(
        "{} expected range",
        query.label.clone().unwrap_or_else(|| query.describe())
    ));
    vec![query.clone().id(&id), band]
}

impl MetricId {
    /// A query for this metric with `stat` (the dimensions match exactly).
    pub fn query(&self, stat: &str) -> MetricQuery {
        let mut q = metric(&self.namespace, &self.metric).stat(stat);
        for (k, v) in &self.dimensions {
            q = q.dim(k, v);
        }
        if let Some(account) = &self.account {
            q = q.account(account);
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_queries_describe_themselves() {
        let q = metric("AWS/ApplicationELB", "TargetResponseTime")
            .dim("LoadBalancer", "app/x")
            .stat("p99")
            .period(60);
        assert_eq!(
            q.describe(),
            "AWS/ApplicationELB TargetResponseTime LoadBalancer=app/x p99 period=60"
        );
    }

    #[test]
    fn queries_travel_as_plain_json() {
        let q = metric("AWS/EC2", "CPUUtilization")
            .stat("Maximum")
            .since("3h");
        let json = serde_json::to_value(&q).unwrap();
        assert_eq!(json["kind"], "stat");
        assert_eq!(json["window"], "3h");
        let back: MetricQuery = serde_json::from_value(json).unwrap();
        assert_eq!(back, q);
        let q = logs_insights("fields @message")
            .group("/ecs/checkout")
            .limit(5);
        let back: LogsQuery = serde_json::from_str(&serde_json::to_string(&q).unwrap()).unwrap();
        assert_eq!(back, q);
    }

    #[test]
    fn an_account_is_twelve_digits_and_shows_in_the_query_log() {
        let q = metric("Svc", "Latency").account("111111111111");
        assert!(q.validate_account().is_ok());
        assert!(
            q.describe().ends_with(" account=111111111111"),
            "{}",
            q.describe()
        );
        for bad in ["1111", "11111111111a", "arn:aws:iam::111111111111:root"] {
            assert!(
                metric("Svc", "Latency")
                    .account(bad)
                    .validate_account()
                    .is_err(),
                "{bad}"
            );
        }
    }
}
