//! The log of every query a session issued, for the incident record: what was asked, of
//! which source and region, over which exact window, with which id and statistics.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::log_table::QueryStatistics;
use crate::model::time_range::TimeRange;

/// One query as the record keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRecord {
    /// What was asked.
    pub kind: QueryKind,
    /// The source spec (`cloudwatch`, `local:DIR`).
    pub source: String,
    #[serde(default)]
    pub region: Option<String>,
    /// The AWS account, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The role the source assumed, when it assumed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The endpoint, when not the service's default (`AWS_ENDPOINT_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The query in one line (a Logs Insights query, a metric and statistic, an expression).
    pub query: String,
    /// The Logs Insights query's language, when not Logs Insights QL.
    #[serde(
        default,
        skip_serializing_if = "crate::model::logs_query::QueryLanguage::is_default"
    )]
    pub language: crate::model::logs_query::QueryLanguage,
    /// Log groups, for log queries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// The window, resolved to absolute instants.
    pub window: Option<TimeRange>,
    /// The period used, for metric queries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    /// The service's ids for the query (Logs Insights query ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query_ids: Vec<String>,
    /// API calls the engine made for it.
    pub api_calls: u32,
    /// Calls the service pushed back on (throttling, a transient error), retried with
    /// backoff.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retried_calls: u32,
    /// How it ended.
    pub status: QueryStatus,
    /// Rows, points or series returned.
    pub results: u64,
    /// Service statistics (records matched and scanned, bytes scanned), for log queries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<QueryStatistics>,
    /// What the engine adjusted or noticed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// A link to the same query in the AWS console, when the source is CloudWatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console_url: Option<String>,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    /// The error, when the query failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What kind of failure it was (whether a retry may help), when the query failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<crate::model::error::ErrorKind>,
    /// What a probe saw (its timings, status, certificate), for probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<Box<crate::model::probe::ProbeResult>>,
}

impl QueryRecord {
    /// A record of `kind` asked of `source` at `started_at`, with nothing else known yet:
    /// no window, calls or results, status ok. The engine fills in the rest.
    pub fn new(
        kind: QueryKind,
        source: String,
        query: String,
        started_at: DateTime<Utc>,
    ) -> QueryRecord {
        QueryRecord {
            kind,
            source,
            region: None,
            account: None,
            role: None,
            endpoint: None,
            query,
            language: Default::default(),
            groups: Vec::new(),
            window: None,
            period: None,
            query_ids: Vec::new(),
            api_calls: 0,
            retried_calls: 0,
            status: QueryStatus::Ok,
            results: 0,
            statistics: None,
            notes: Vec::new(),
            console_url: None,
            started_at,
            duration_ms: 0,
            error: None,
            error_kind: None,
            probe: None,
        }
    }
}

/// The kinds of query the engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QueryKind {
    /// GetMetricData (statistics, metric math, Metrics Insights).
    Metrics,
    /// A Logs Insights query.
    LogsInsights,
    /// FilterLogEvents (or GetLogEvents for one stream).
    FilterLogEvents,
    /// ListMetrics.
    ListMetrics,
    /// DescribeAlarms and their history.
    Alarms,
    /// DescribeLogGroups.
    LogGroups,
    /// PutMetricData (metrics a playbook published).
    PublishMetrics,
    /// An HTTP probe (a canary's request).
    Probe,
    /// DescribeAnomalyDetectors.
    AnomalyDetectors,
    /// ListAnomalies (or the local detector).
    LogAnomalies,
    /// GetInsightRuleReport (or a rule evaluated over local logs).
    Contributors,
    /// ListServiceQuotas and ListAWSDefaultServiceQuotas (or `quotas.json`).
    ServiceQuotas,
}

impl QueryKind {
    /// The name the record uses (`logs_insights`).
    pub fn as_str(self) -> &'static str {
        match self {
            QueryKind::Metrics => "metrics",
            QueryKind::LogsInsights => "logs_insights",
            QueryKind::FilterLogEvents => "filter_log_events",
            QueryKind::ListMetrics => "list_metrics",
            QueryKind::Alarms => "alarms",
            QueryKind::LogGroups => "log_groups",
            QueryKind::PublishMetrics => "publish_metrics",
            QueryKind::Probe => "probe",
            QueryKind::AnomalyDetectors => "anomaly_detectors",
            QueryKind::LogAnomalies => "log_anomalies",
            QueryKind::Contributors => "contributors",
            QueryKind::ServiceQuotas => "service_quotas",
        }
    }
}

impl std::fmt::Display for QueryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a query ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QueryStatus {
    Ok,
    Failed,
    Cancelled,
    /// The result reached the service's row limit: rows are missing.
    Truncated,
}

impl QueryStatus {
    /// The name the record uses (`truncated`).
    pub fn as_str(self) -> &'static str {
        match self {
            QueryStatus::Ok => "ok",
            QueryStatus::Failed => "failed",
            QueryStatus::Cancelled => "cancelled",
            QueryStatus::Truncated => "truncated",
        }
    }
}

impl std::fmt::Display for QueryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
