//! The log of every query a session issued, for the incident record: what was asked, of
//! which source and region, over which exact window, with which id and statistics.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;
use crate::host;
use crate::protocol::Request;
use crate::time_range::TimeRange;

/// One query as the record keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRecord {
    /// `metrics`, `logs_insights`, `filter_log_events`, `list_metrics`, `alarms`, …
    pub kind: String,
    /// The source spec (`cloudwatch`, `local:DIR`).
    pub source: String,
    #[serde(default)]
    pub region: Option<String>,
    /// The AWS account, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The endpoint, when not the service's default (`AWS_ENDPOINT_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The query in one line (a Logs Insights query, a metric and statistic, an expression).
    pub query: String,
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
    /// `ok`, `failed`, `cancelled`, `truncated`.
    pub status: String,
    /// Rows, points or series returned.
    pub results: u64,
    /// Service statistics (bytes scanned, records matched, …).
    #[serde(default)]
    pub statistics: Value,
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
}

/// Every query this session issued so far, in order.
pub fn queries() -> Result<Vec<QueryRecord>> {
    host::call(&Request::Queries)
}
