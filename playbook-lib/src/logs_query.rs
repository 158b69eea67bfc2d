//! Log queries: Logs Insights over log groups and raw events matching a filter pattern
//! (FilterLogEvents), as plain data the host runs, with the blocking calls that run them.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::host;
use crate::log_table::LogTable;
use crate::protocol::Request;
use crate::query::{RangeSpec, Windowed};

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
    /// Adds a log group.
    pub fn group(mut self, name: &str) -> Self {
        self.groups.push(name.to_owned());
        self
    }

    /// Adds every log group whose name starts with `prefix`.
    pub fn group_prefix(mut self, prefix: &str) -> Self {
        self.group_prefix = Some(prefix.to_owned());
        self
    }

    /// At most `rows` rows.
    pub fn limit(mut self, rows: usize) -> Self {
        self.limit = Some(rows);
        self
    }

    /// Runs the query and waits for its result.
    pub fn run(&self) -> Result<LogTable> {
        host::call(&Request::LogsInsights {
            query: self.clone(),
        })
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

    /// Runs the filter and returns the events (`@timestamp`, `@logStream`, `@message`).
    pub fn run(&self) -> Result<LogTable> {
        host::call(&Request::FilterLogEvents {
            query: self.clone(),
        })
    }
}
