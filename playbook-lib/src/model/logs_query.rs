//! Log queries: Logs Insights over log groups and raw events matching a filter pattern
//! (FilterLogEvents), as plain data the host runs, with the blocking calls that run them.

use serde::{Deserialize, Serialize};

use crate::model::error::Result;
use crate::model::window::{RangeSpec, Windowed};

/// A Logs Insights query over one or more log groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogsQuery {
    pub query: String,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Every group whose name starts with this (discovery), besides `groups`.
    #[serde(default)]
    pub group_prefix: Option<String>,
    #[serde(default)]
    pub window: Option<RangeSpec>,
    /// At most this many rows (`limit` in the query text wins).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Ask this source instead of the session's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The query's language (Logs Insights QL unless said).
    #[serde(default, skip_serializing_if = "QueryLanguage::is_default")]
    pub language: QueryLanguage,
    /// Read the groups named in each of these accounts, source accounts linked to the
    /// monitoring account the session reads (CloudWatch cross-account observability).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
}

/// The languages Logs Insights answers (StartQuery's `queryLanguage`). OpenSearch SQL
/// names its log groups in the query (`FROM \`/ecs/checkout\``), the others take them
/// beside it. Only CloudWatch answers PPL and SQL; the local source answers QL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QueryLanguage {
    /// Logs Insights QL (`fields … | filter … | stats …`).
    #[default]
    #[serde(rename = "cwli")]
    LogsInsightsQl,
    /// OpenSearch Piped Processing Language (`fields … | where … | stats …`).
    #[serde(rename = "ppl")]
    Ppl,
    /// OpenSearch SQL (`SELECT … FROM \`group\` WHERE …`).
    #[serde(rename = "sql")]
    Sql,
}

impl QueryLanguage {
    /// Whether this is Logs Insights QL, the default.
    pub fn is_default(&self) -> bool {
        *self == QueryLanguage::LogsInsightsQl
    }

    /// How people call it.
    pub fn name(self) -> &'static str {
        match self {
            QueryLanguage::LogsInsightsQl => "Logs Insights QL",
            QueryLanguage::Ppl => "OpenSearch PPL",
            QueryLanguage::Sql => "OpenSearch SQL",
        }
    }

    /// Whether the query text names its log groups itself (SQL's `FROM`).
    pub fn names_its_groups(self) -> bool {
        self == QueryLanguage::Sql
    }
}

impl std::str::FromStr for QueryLanguage {
    type Err = String;

    /// `ql` (or `cwli`), `ppl`, `sql`, in any case.
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ql" | "cwli" | "logs-insights" => Ok(QueryLanguage::LogsInsightsQl),
            "ppl" => Ok(QueryLanguage::Ppl),
            "sql" => Ok(QueryLanguage::Sql),
            other => Err(format!(
                "unknown query language `{other}`: use ql (Logs Insights QL), ppl or sql"
            )),
        }
    }
}

/// A Logs Insights query (`fields @timestamp, @message | filter level = "ERROR"`).
pub fn logs_insights(query: &str) -> LogsQuery {
    LogsQuery {
        query: query.to_owned(),
        groups: Vec::new(),
        group_prefix: None,
        window: None,
        limit: None,
        source: None,
        language: QueryLanguage::LogsInsightsQl,
        accounts: Vec::new(),
    }
}

impl Windowed for LogsQuery {
    fn window_mut(&mut self) -> &mut Option<RangeSpec> {
        &mut self.window
    }

    fn source_mut(&mut self) -> &mut Option<String> {
        &mut self.source
    }
}

impl LogsQuery {
    /// Adds a log group: its name, or its ARN
    /// (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME`) for a group of a linked account.
    pub fn group(mut self, name: &str) -> Self {
        self.groups.push(name.to_owned());
        self
    }

    /// Adds every log group whose name starts with `prefix`.
    pub fn group_prefix(mut self, prefix: &str) -> Self {
        self.group_prefix = Some(prefix.to_owned());
        self
    }

    /// Reads the named groups in `account` too, a source account linked to the
    /// monitoring account (repeat it for several; each group is then asked of each).
    pub fn account(mut self, account: &str) -> Self {
        self.accounts.push(account.trim().to_owned());
        self
    }

    /// Checks the accounts: 12-digit ids.
    pub fn validate_accounts(&self) -> Result<()> {
        self.accounts
            .iter()
            .try_for_each(|id| crate::model::source::check_account(id))
    }

    /// At most `rows` rows.
    pub fn limit(mut self, rows: usize) -> Self {
        self.limit = Some(rows);
        self
    }

    /// Writes the query in `language`: `.language(QueryLanguage::Ppl)`. OpenSearch SQL
    /// names its log groups in `FROM` and takes no `.group(…)`.
    pub fn language(mut self, language: QueryLanguage) -> Self {
        self.language = language;
        self
    }
}

/// Raw log events matching a CloudWatch filter pattern (FilterLogEvents).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterQuery {
    pub group: String,
    /// A filter pattern (`ERROR`, `"connection pool"`, `?ERROR ?WARN`, `{ $.level = "ERROR" }`).
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub streams: Vec<String>,
    #[serde(default)]
    pub window: Option<RangeSpec>,
    #[serde(default)]
    pub limit: Option<usize>,
    /// Ask this source instead of the session's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The events of `group`, optionally filtered by a pattern.
pub fn filter_log_events(group: &str) -> FilterQuery {
    FilterQuery {
        group: group.to_owned(),
        pattern: None,
        streams: Vec::new(),
        window: None,
        limit: None,
        source: None,
    }
}

impl Windowed for FilterQuery {
    fn window_mut(&mut self) -> &mut Option<RangeSpec> {
        &mut self.window
    }

    fn source_mut(&mut self) -> &mut Option<String> {
        &mut self.source
    }
}

impl FilterQuery {
    /// The filter pattern.
    pub fn pattern(mut self, pattern: &str) -> Self {
        self.pattern = Some(pattern.to_owned());
        self
    }

    /// Only this log stream (may be given several times).
    pub fn stream(mut self, name: &str) -> Self {
        self.streams.push(name.to_owned());
        self
    }

    /// At most `events` events.
    pub fn limit(mut self, events: usize) -> Self {
        self.limit = Some(events);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_travels_only_when_it_is_not_ql() {
        let ql = serde_json::to_value(logs_insights("fields @message")).unwrap();
        assert!(ql.get("language").is_none(), "{ql}");
        let ppl = logs_insights("fields @message").language(QueryLanguage::Ppl);
        let json = serde_json::to_value(&ppl).unwrap();
        assert_eq!(json["language"], "ppl");
        let back: LogsQuery = serde_json::from_value(json).unwrap();
        assert_eq!(back, ppl);
    }

    #[test]
    fn languages_are_read_by_their_short_names() {
        assert_eq!("PPL".parse::<QueryLanguage>(), Ok(QueryLanguage::Ppl));
        assert_eq!(" sql ".parse::<QueryLanguage>(), Ok(QueryLanguage::Sql));
        assert_eq!(
            "ql".parse::<QueryLanguage>(),
            Ok(QueryLanguage::LogsInsightsQl)
        );
        let error = "kql".parse::<QueryLanguage>().unwrap_err();
        assert!(
            error.contains("ql (Logs Insights QL), ppl or sql"),
            "{error}"
        );
    }
}
