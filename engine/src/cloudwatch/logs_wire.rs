//! CloudWatch Logs on the wire (AWS JSON 1.1, `X-Amz-Target: Logs_20140328.<Operation>`):
//! the inputs and outputs of the operations the engine calls, with exactly the members it
//! sends and reads, named as the Logs model names them (camelCase). Times are epoch
//! milliseconds except StartQuery's, which are epoch seconds. Absent and `null` members
//! read as empty, unknown members are ignored and an unknown query status is kept as
//! sent, as the SDK's deserialisers do.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize};

/// A member that may be absent or `null`: its default then.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// StartQuery's `queryLanguage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum QueryLanguage {
    /// Logs Insights QL.
    #[serde(rename = "CWLI")]
    Cwli,
    #[serde(rename = "PPL")]
    Ppl,
    #[serde(rename = "SQL")]
    Sql,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartQuery<'a> {
    pub query_language: QueryLanguage,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group_names: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group_identifiers: Option<&'a [String]>,
    /// Epoch seconds.
    pub start_time: i64,
    /// Epoch seconds.
    pub end_time: i64,
    pub query_string: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartQueryOutput {
    pub query_id: Option<String>,
}

/// GetQueryResults' and StopQuery's input.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueryId<'a> {
    pub query_id: &'a str,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetQueryResultsOutput {
    /// Rows, each a list of fields.
    #[serde(default, deserialize_with = "nullable")]
    pub results: Vec<Vec<ResultField>>,
    pub statistics: Option<QueryStatistics>,
    pub status: Option<QueryStatus>,
}

/// One field of a result row.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub(crate) struct ResultField {
    pub field: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct QueryStatistics {
    #[serde(deserialize_with = "nullable")]
    pub records_matched: f64,
    #[serde(deserialize_with = "nullable")]
    pub records_scanned: f64,
    #[serde(deserialize_with = "nullable")]
    pub bytes_scanned: f64,
}

/// A query's status; one the model does not list yet is kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub(crate) enum QueryStatus {
    Scheduled,
    Running,
    Complete,
    Failed,
    Cancelled,
    Timeout,
    Unknown,
    Other(String),
}

impl From<String> for QueryStatus {
    fn from(text: String) -> QueryStatus {
        match text.as_str() {
            "Scheduled" => QueryStatus::Scheduled,
            "Running" => QueryStatus::Running,
            "Complete" => QueryStatus::Complete,
            "Failed" => QueryStatus::Failed,
            "Cancelled" => QueryStatus::Cancelled,
            "Timeout" => QueryStatus::Timeout,
            "Unknown" => QueryStatus::Unknown,
            _ => QueryStatus::Other(text),
        }
    }
}

impl QueryStatus {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            QueryStatus::Scheduled => "Scheduled",
            QueryStatus::Running => "Running",
            QueryStatus::Complete => "Complete",
            QueryStatus::Failed => "Failed",
            QueryStatus::Cancelled => "Cancelled",
            QueryStatus::Timeout => "Timeout",
            QueryStatus::Unknown => "Unknown",
            QueryStatus::Other(text) => text,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilterLogEvents<'a> {
    pub log_group_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_stream_names: Option<&'a [String]>,
    pub start_time: i64,
    pub end_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_pattern: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub limit: i32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilterLogEventsOutput {
    #[serde(default, deserialize_with = "nullable")]
    pub events: Vec<FilteredLogEvent>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilteredLogEvent {
    pub log_stream_name: Option<String>,
    pub timestamp: Option<i64>,
    pub message: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetLogEvents<'a> {
    pub log_group_name: &'a str,
    pub log_stream_name: &'a str,
    pub start_time: i64,
    pub end_time: i64,
    pub start_from_head: bool,
    pub limit: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetLogEventsOutput {
    #[serde(default, deserialize_with = "nullable")]
    pub events: Vec<OutputLogEvent>,
    pub next_forward_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub(crate) struct OutputLogEvent {
    pub timestamp: Option<i64>,
    pub message: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeLogGroups<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group_name_prefix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_linked_accounts: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_identifiers: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeLogGroupsOutput {
    #[serde(default, deserialize_with = "nullable")]
    pub log_groups: Vec<LogGroup>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogGroup {
    pub log_group_name: Option<String>,
    pub retention_in_days: Option<i32>,
    pub stored_bytes: Option<i64>,
    /// The ARN without `:*`.
    pub log_group_arn: Option<String>,
    /// The ARN with `:*`.
    pub arn: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListAnomalies<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anomaly_detector_arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListAnomaliesOutput {
    #[serde(default, deserialize_with = "nullable")]
    pub anomalies: Vec<Anomaly>,
    pub next_token: Option<String>,
}

/// An anomaly a log anomaly detector found (the members read here).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Anomaly {
    #[serde(deserialize_with = "nullable")]
    pub pattern_string: String,
    #[serde(deserialize_with = "nullable")]
    pub description: String,
    pub priority: Option<String>,
    /// Epoch milliseconds.
    #[serde(deserialize_with = "nullable")]
    pub first_seen: i64,
    #[serde(deserialize_with = "nullable")]
    pub last_seen: i64,
    /// Epoch milliseconds (as text) to the count of events then.
    #[serde(deserialize_with = "nullable")]
    pub histogram: HashMap<String, i64>,
    #[serde(deserialize_with = "nullable")]
    pub log_group_arn_list: Vec<String>,
}

/// StopQuery's output (its `success` is not read: an answer without an error is one).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StopQueryOutput {}

#[cfg(test)]
mod tests;
