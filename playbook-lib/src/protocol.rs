//! Messages between a cell (the evaluation process) and its host (the kernel process).
//!
//! One JSON object per line in each direction over a Unix stream socket. Every request
//! gets exactly one reply, in order. The types are plain serde data so both sides (and
//! tests) can speak them without the other side's code.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::alarms::AlarmsQuery;
use crate::query::{FilterQuery, LogsQuery, MetricQuery, MetricSearch, RangeSpec};

/// The environment variable that carries the host socket's path into the evaluation process.
pub const HOST_SOCKET_ENV: &str = "PLAYBOOK_HOST_SOCKET";

/// A request from a cell to its host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// What source, window and parameters are in effect.
    Context,
    /// Echo a payload back (checks the channel end to end).
    Echo { payload: Value },
    /// Show a MIME bundle now (`display_data`), optionally under a display id.
    Display {
        data: Map<String, Value>,
        #[serde(default)]
        metadata: Map<String, Value>,
        #[serde(default)]
        display_id: Option<String>,
        /// `true`: replace the output shown under `display_id` (`update_display_data`).
        #[serde(default)]
        update: bool,
    },
    /// Clear the cell's output (`clear_output`).
    ClearOutput { wait: bool },
    /// Ask the person at the notebook for a line of input.
    Input { prompt: String, password: bool },
    /// The guard of a cell was dropped: at the end of the next cell (normal), or early
    /// (`?` returned an error, or a panic unwound).
    CellGuardDropped { cell: u64 },
    /// Record a check's result (a serialised `check::CheckResult`).
    Check { result: Value },
    /// Every check recorded in this session.
    Checks,
    /// A panic happened in cell code.
    Panic {
        message: String,
        location: Option<String>,
    },
    /// Fetch metric series (answer: a `SeriesSet`, in query order).
    Metrics { queries: Vec<MetricQuery> },
    /// Run a Logs Insights query (answer: a `LogTable`).
    LogsInsights { query: LogsQuery },
    /// Filter raw log events (answer: a `LogTable`).
    FilterLogEvents { query: FilterQuery },
    /// Log groups whose names start with `prefix` (answer: names).
    LogGroups {
        #[serde(default)]
        prefix: Option<String>,
    },
    /// Every query issued so far (answer: `QueryRecord`s).
    Queries,
    /// Choose the source (`cloudwatch`, `local:DIR`) for later queries.
    SetSource { spec: String },
    /// Set (or with `None` clear) the session's default window (answer: the resolved
    /// `TimeRange`, or null).
    SetWindow { window: Option<RangeSpec> },
    /// Metrics that exist (answer: sorted `MetricId`s).
    ListMetrics { search: MetricSearch },
    /// Alarms and their state changes in a window (answer: an `AlarmReport`).
    Alarms { query: AlarmsQuery },
    /// The value a query cell bound to `name` (`%%logs errors = …`).
    Binding { name: String },
}

/// The host's answer to a [`Request`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Reply {
    Ok {
        #[serde(default)]
        value: Value,
    },
    Error {
        kind: String,
        message: String,
    },
}

impl Reply {
    /// A successful reply carrying `value`.
    pub fn ok(value: impl Serialize) -> Reply {
        Reply::Ok {
            value: serde_json::to_value(value).unwrap_or(Value::Null),
        }
    }

    /// A failed reply.
    pub fn error(kind: &str, message: impl Into<String>) -> Reply {
        Reply::Error {
            kind: kind.to_owned(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_tagged_by_op() {
        let json = serde_json::to_string(&Request::ClearOutput { wait: true }).unwrap();
        assert_eq!(json, r#"{"op":"clear_output","wait":true}"#);
        let back: Request = serde_json::from_str(r#"{"op":"context"}"#).unwrap();
        assert_eq!(back, Request::Context);
    }

    #[test]
    fn display_defaults_are_optional_on_the_wire() {
        let req: Request =
            serde_json::from_str(r#"{"op":"display","data":{"text/plain":"hi"}}"#).unwrap();
        let Request::Display {
            display_id, update, ..
        } = req
        else {
            panic!("not a display request")
        };
        assert_eq!(display_id, None);
        assert!(!update);
    }

    #[test]
    fn replies_round_trip() {
        let reply = Reply::error("input_not_allowed", "no stdin");
        let json = serde_json::to_string(&reply).unwrap();
        assert_eq!(serde_json::from_str::<Reply>(&json).unwrap(), reply);
    }
}
