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

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

pub use crate::discovery::{MetricId, MetricSearch, list_metrics};
use crate::error::{Error, Result};
use crate::host;
pub use crate::logs_query::{
    FilterQuery, LogsQuery, QueryLanguage, filter_log_events, logs_insights,
};
use crate::protocol::Request;
use crate::series::Series;
use crate::series_set::SeriesSet;
use crate::time_range::TimeRange;

/// The window of a query: absolute, or text the host resolves when it runs the query
/// (`3h`, `now-2h..now`, `around 2026-11-12T14:05Z ±30m`). None: the session's window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RangeSpec {
    Absolute(TimeRange),
    Text(String),
}

/// Builder methods shared by every query: which window to ask about.
pub trait Windowed: Sized {
    /// The query's window slot.
    fn window_mut(&mut self) -> &mut Option<RangeSpec>;

    /// The query's source slot.
    fn source_mut(&mut self) -> &mut Option<String>;

    /// Ask this source (`cloudwatch`, `local:DIR`) instead of the session's.
    fn source(mut self, spec: &str) -> Self {
        *self.source_mut() = Some(spec.to_owned());
        self
    }

    /// Ask CloudWatch in `region` (keeping a role or profile the query's source names).
    fn region(mut self, region: &str) -> Self {
        let mut target = match self
            .source_mut()
            .as_deref()
            .map(crate::source::Source::from_spec)
        {
            Some(Ok(crate::source::Source::CloudWatch(target))) => target,
            _ => crate::source::AwsTarget::default(),
        };
        target.region = Some(region.to_owned());
        *self.source_mut() = Some(crate::source::Source::CloudWatch(target).to_string());
        self
    }

    /// The last `duration` (`"3h"`, `"90m"`) or any window text ([`TimeRange::parse`]).
    fn since(mut self, spec: &str) -> Self {
        *self.window_mut() = Some(RangeSpec::Text(spec.to_owned()));
        self
    }

    /// An absolute window.
    fn range(mut self, range: TimeRange) -> Self {
        *self.window_mut() = Some(RangeSpec::Absolute(range));
        self
    }

    /// From `start` to `end`, each RFC 3339 or `now-…` text.
    fn between(mut self, start: &str, end: &str) -> Self {
        *self.window_mut() = Some(RangeSpec::Text(format!("{start}..{end}")));
        self
    }

    /// `width` either side of `instant`.
    fn around(mut self, instant: DateTime<Utc>, width: TimeDelta) -> Self {
        *self.window_mut() = Some(RangeSpec::Absolute(TimeRange::around(instant, width)));
        self
    }
}

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
        /// A [`crate::statistic::Statistic`] name, checked when the query runs.
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

    /// Fetches the one series this query gives.
    pub fn fetch(&self) -> Result<Series> {
        let set = self.fetch_all()?;
        let label = self.describe();
        set.into_iter()
            .next()
            .ok_or_else(|| crate::Error::InvalidInput(format!("{label} returned no series")))
    }

    /// Fetches every series this query gives (a Metrics Insights `GROUP BY` gives many).
    pub fn fetch_all(&self) -> Result<SeriesSet> {
        fetch_many(std::slice::from_ref(self))
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

/// Fetches many metric queries at once (the host packs them into as few API calls as the
/// API allows); the series come back in query order.
pub fn fetch_many(queries: &[MetricQuery]) -> Result<SeriesSet> {
    host::call(&Request::Metrics {
        queries: queries.to_vec(),
    })
}

/// Sets the session's default window (what queries without their own window use): a
/// `TimeRange`, or text like `"3h"` or `"2026-11-12T13:30:00Z..2026-11-12T15:30:00Z"`.
pub fn set_window(window: impl Into<RangeSpec>) -> Result<TimeRange> {
    let set: Option<TimeRange> = host::call(&Request::SetWindow {
        window: Some(window.into()),
    })?;
    set.ok_or_else(|| {
        crate::Error::Channel("the host cleared the window instead of setting it".into())
    })
}

impl From<&str> for RangeSpec {
    fn from(text: &str) -> RangeSpec {
        RangeSpec::Text(text.to_owned())
    }
}

impl From<String> for RangeSpec {
    fn from(text: String) -> RangeSpec {
        RangeSpec::Text(text)
    }
}

impl From<&String> for RangeSpec {
    fn from(text: &String) -> RangeSpec {
        RangeSpec::Text(text.clone())
    }
}

impl From<TimeRange> for RangeSpec {
    fn from(range: TimeRange) -> RangeSpec {
        RangeSpec::Absolute(range)
    }
}

/// Checks an account id: twelve digits.
pub fn check_account(id: &str) -> Result<()> {
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidInput(format!(
            "account `{id}`: give the 12-digit id of an account linked to the monitoring account"
        )));
    }
    Ok(())
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
