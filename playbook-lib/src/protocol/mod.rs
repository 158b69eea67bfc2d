//! Messages between a cell (the evaluation process) and its host (the kernel process).
//!
//! One JSON object per line in each direction over a Unix stream socket. Every request
//! gets exactly one reply, in order. Both directions are typed: a [`Request`] tagged by
//! `op`, a [`Reply`] tagged by `status` whose success carries a typed [`Answer`] and whose
//! failure carries an [`ErrorKind`] both processes match on. `serde_json::Value` appears
//! only where the content is the user's (a MIME bundle, an echoed payload).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod bindings;

use crate::model::action::{ActionResult, ActionSpec};
use crate::model::alarms::{AlarmReport, AlarmsQuery};
use crate::model::check::CheckResult;
use crate::model::context::SessionContext;
use crate::model::contributors::{ContributorsQuery, TopContributors};
pub use crate::model::error::ErrorKind;
use crate::model::inventory::{AnomalyDetector, LogGroupInfo};
use crate::model::log_anomalies::{LogAnomalies, LogAnomaliesQuery};
use crate::model::log_table::LogTable;
use crate::model::probe::{Probe, ProbeReport};
use crate::model::publish::MetricDatum;
use crate::model::query::{FilterQuery, LogsQuery, MetricId, MetricQuery, MetricSearch, RangeSpec};
use crate::model::record::QueryRecord;
use crate::model::series_set::SeriesSet;
use crate::model::time_range::TimeRange;

/// The environment variable that carries the host socket's path into the evaluation process.
pub const HOST_SOCKET_ENV: &str = "PLAYBOOK_HOST_SOCKET";

/// A request from a cell to its host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// What source, window and parameters are in effect (answer: [`Answer::Context`]).
    Context,
    /// Echo a payload back (checks the channel end to end; answer: [`Answer::Echo`]).
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
    /// Ask the person at the notebook for a line of input (answer: [`Answer::Text`]).
    Input { prompt: String, password: bool },
    /// The guard of a cell was dropped: at the end of the next cell (normal), or early
    /// (`?` returned an error, or a panic unwound).
    CellGuardDropped { cell: u64 },
    /// Record a check's result.
    Check { result: CheckResult },
    /// Every check recorded in this session (answer: [`Answer::Checks`]).
    Checks,
    /// A panic happened in cell code.
    Panic {
        message: String,
        location: Option<String>,
    },
    /// Fetch metric series (answer: [`Answer::Series`], in query order).
    Metrics { queries: Vec<MetricQuery> },
    /// Run a Logs Insights query (answer: [`Answer::Table`]).
    LogsInsights { query: LogsQuery },
    /// Filter raw log events (answer: [`Answer::Table`]).
    FilterLogEvents { query: FilterQuery },
    /// Log groups whose names start with `prefix` (answer: [`Answer::Names`]).
    LogGroups {
        #[serde(default)]
        prefix: Option<String>,
    },
    /// Every query issued so far (answer: [`Answer::Queries`]).
    Queries,
    /// Choose the source (`cloudwatch`, `local:DIR`) for later queries (answer: the new
    /// [`Answer::Context`]).
    SetSource { spec: String },
    /// Make `{name}` in later query cells stand for `value` (answer: [`Answer::Done`]):
    /// in a kernel, where no run set the parameters.
    SetParameter { name: String, value: Value },
    /// Set (or with `None` clear) the session's default window (answer:
    /// [`Answer::Window`]).
    SetWindow { window: Option<RangeSpec> },
    /// Metrics that exist (answer: [`Answer::Metrics`], sorted).
    ListMetrics { search: MetricSearch },
    /// Alarms and their state changes in a window (answer: [`Answer::Alarms`]).
    Alarms { query: AlarmsQuery },
    /// The log anomalies of a window (answer: [`Answer::LogAnomalies`]).
    LogAnomalies { query: LogAnomaliesQuery },
    /// A Contributor Insights rule's top contributors (answer: [`Answer::Contributors`]).
    Contributors { query: ContributorsQuery },
    /// The value a query cell bound to `name` (`%%logs errors = …`): a table, series or
    /// alarm report.
    Binding { name: String },
    /// Publish a measurement as a metric (batched with the cell's others when it ends).
    PublishMetric { datum: MetricDatum },
    /// Log groups whose names start with `prefix`, with their retention (answer:
    /// [`Answer::LogGroupSettings`]).
    LogGroupSettings {
        #[serde(default)]
        prefix: Option<String>,
    },
    /// Metric anomaly detectors, of `namespace` or all (answer: [`Answer::AnomalyDetectors`]).
    AnomalyDetectors {
        #[serde(default)]
        namespace: Option<String>,
    },
    /// Send HTTP probes at once (answer: [`Answer::Probes`], in the order given).
    Probe { probes: Vec<Probe> },
    /// Run an action in the host process, once approved (answer: [`Answer::Action`],
    /// whatever became of it: run, refused, not approved).
    Action { action: ActionSpec },
}

/// What a successful request answers, one variant per kind of result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Answer {
    /// Done; nothing to return.
    Done,
    Context(SessionContext),
    /// The payload of an [`Request::Echo`] (the user's data).
    Echo(Value),
    /// A line of text (input).
    Text(String),
    Checks(Vec<CheckResult>),
    Series(SeriesSet),
    Table(LogTable),
    /// Names (log groups).
    Names(Vec<String>),
    Queries(Vec<QueryRecord>),
    /// The session's window after [`Request::SetWindow`].
    Window(Option<TimeRange>),
    Metrics(Vec<MetricId>),
    Alarms(AlarmReport),
    Probes(ProbeReport),
    LogGroupSettings(Vec<LogGroupInfo>),
    AnomalyDetectors(Vec<AnomalyDetector>),
    LogAnomalies(LogAnomalies),
    Contributors(TopContributors),
    Action(Box<ActionResult>),
}

impl Answer {
    /// The variant's name, for messages about an unexpected answer.
    pub fn name(&self) -> &'static str {
        match self {
            Answer::Done => "done",
            Answer::Context(_) => "context",
            Answer::Echo(_) => "echo",
            Answer::Text(_) => "text",
            Answer::Checks(_) => "checks",
            Answer::Series(_) => "series",
            Answer::Table(_) => "table",
            Answer::Names(_) => "names",
            Answer::Queries(_) => "queries",
            Answer::Window(_) => "window",
            Answer::Metrics(_) => "metrics",
            Answer::Alarms(_) => "alarms",
            Answer::Probes(_) => "probes",
            Answer::LogGroupSettings(_) => "log_group_settings",
            Answer::AnomalyDetectors(_) => "anomaly_detectors",
            Answer::LogAnomalies(_) => "log_anomalies",
            Answer::Contributors(_) => "contributors",
            Answer::Action(_) => "action",
        }
    }
}

/// The host's answer to a [`Request`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Reply {
    Ok { answer: Answer },
    Error { kind: ErrorKind, message: String },
}

impl Reply {
    /// A successful reply.
    pub fn ok(answer: Answer) -> Reply {
        Reply::Ok { answer }
    }

    /// A successful reply with nothing to return.
    pub fn done() -> Reply {
        Reply::ok(Answer::Done)
    }

    /// A failed reply.
    pub fn error(kind: ErrorKind, message: impl Into<String>) -> Reply {
        Reply::Error {
            kind,
            message: message.into(),
        }
    }
}

/// A result type a request answers with: how to take it out of an [`Answer`].
pub trait FromAnswer: Sized {
    /// `Some` when `answer` is of this type.
    fn from_answer(answer: Answer) -> Option<Self>;
}

macro_rules! from_answer {
    ($($variant:ident => $ty:ty),* $(,)?) => {$(
        impl FromAnswer for $ty {
            fn from_answer(answer: Answer) -> Option<Self> {
                match answer {
                    Answer::$variant(value) => Some(value),
                    _ => None,
                }
            }
        }
    )*};
}

from_answer! {
    Context => SessionContext,
    Echo => Value,
    Text => String,
    Checks => Vec<CheckResult>,
    Series => SeriesSet,
    Table => LogTable,
    Names => Vec<String>,
    Queries => Vec<QueryRecord>,
    Window => Option<TimeRange>,
    Metrics => Vec<MetricId>,
    Alarms => AlarmReport,
    Probes => ProbeReport,
    LogGroupSettings => Vec<LogGroupInfo>,
    AnomalyDetectors => Vec<AnomalyDetector>,
    LogAnomalies => LogAnomalies,
    Contributors => TopContributors,
    Action => Box<ActionResult>,
}

impl FromAnswer for () {
    fn from_answer(answer: Answer) -> Option<Self> {
        matches!(answer, Answer::Done).then_some(())
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
    fn replies_round_trip_with_typed_answers_and_kinds() {
        for reply in [
            Reply::error(ErrorKind::InputNotAllowed, "no stdin"),
            Reply::done(),
            Reply::ok(Answer::Names(vec!["/ecs/checkout".into()])),
            Reply::ok(Answer::Window(None)),
        ] {
            let json = serde_json::to_string(&reply).unwrap();
            assert_eq!(
                serde_json::from_str::<Reply>(&json).unwrap(),
                reply,
                "{json}"
            );
        }
        let json = serde_json::to_string(&Reply::error(ErrorKind::QuerySyntax, "x")).unwrap();
        assert_eq!(
            json,
            r#"{"status":"error","kind":"query_syntax","message":"x"}"#
        );
    }

    #[test]
    fn answers_convert_only_to_their_own_type() {
        assert_eq!(
            String::from_answer(Answer::Text("y".into())),
            Some("y".to_owned())
        );
        assert_eq!(String::from_answer(Answer::Done), None);
        assert_eq!(<()>::from_answer(Answer::Done), Some(()));
        assert_eq!(LogTable::from_answer(Answer::Names(Vec::new())), None);
    }

    #[test]
    fn only_throttling_deadlines_and_outages_are_transient() {
        assert!(ErrorKind::Throttled.is_transient());
        assert!(ErrorKind::Unavailable.is_transient());
        assert!(!ErrorKind::AccessDenied.is_transient());
        assert!(!ErrorKind::Credentials.is_transient());
        assert!(!ErrorKind::NotFound.is_transient());
    }
}
