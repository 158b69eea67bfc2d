//! `playbook-engine`: what the kernel process (or a plain Rust program) runs on behalf of
//! cells — sessions, the query log, and the sources (local files, CloudWatch through the
//! AWS SDK). Cells never compile it: they ask the kernel, which hosts it.
//!
//! A [`Session`] holds what is in effect for one kernel, one headless run or one
//! `playbook query`: the source spec, the default window, the parameters, the checks, the
//! values query cells bound, and the log of every query. [`Session::handle`] answers the
//! engine-level requests of the host protocol (`playbook::protocol`); the kernel answers
//! the Jupyter-level ones (display, input, cell events) itself.
//!
//! # Layout
//! - [`query`]: the [`query::Query`] trait (a query kind) and [`Session::run`], which
//!   resolves, calls, records and finishes every kind; [`queries`]: the kinds and the
//!   session's entry points to them; [`sources`]: choosing and opening backends; [`bindings`]: names bound
//!   by query cells.
//! - [`backend`]: the [`backend::Backend`] trait every source implements; [`error`]:
//!   [`error::EngineError`], which keeps the service's code and message.
//! - [`local`]: files on disk (Logs Insights through `playbook-insights`); [`cloudwatch`]:
//!   the AWS SDK source; [`console`]: console deep links for the record; [`probe`]: HTTP
//!   probes for canaries, timed stage by stage; [`inventory`]: what is configured (log
//!   group retention, anomaly detectors).
//! - [`aws`]: the SDK configuration of a target; [`aws_setup`]: what it offers, read
//!   offline, and who the credentials are (`playbook doctor`).
//! - [`sqs`]: a queue worker's SQS calls; [`claims`]: claims workers share, as S3 objects
//!   created only when absent (`playbook respond --queue`).

pub mod aws;
mod aws_call;
mod aws_error;
pub mod aws_setup;
pub mod backend;
pub mod bindings;
pub mod claims;
pub mod cloudwatch;
pub mod console;
mod contributors;
pub mod delivery;
pub mod error;
pub mod http;
pub mod inventory;
pub mod limits;
mod linked_groups;
pub mod local;
mod log_anomalies;
pub mod probe;
pub mod queries;
pub mod query;
mod row_limit;
mod service_quotas;
pub mod sources;
pub mod sqs;

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::Value;

use backend::Backend;
use playbook::model::check::CheckResult;
use playbook::model::context::SessionContext;
use playbook::protocol::{Answer, ErrorKind, Reply, Request};

/// The environment variable naming the default data source.
pub const SOURCE_ENV: &str = "PLAYBOOK_SOURCE";

/// One session's state, shared by every cell of a kernel.
#[derive(Debug)]
pub struct Session {
    state: Mutex<SessionContext>,
    /// What CloudWatch sources take when their spec leaves it open.
    aws_defaults: Mutex<playbook::model::source::AwsTarget>,
    checks: Mutex<Vec<CheckResult>>,
    /// The sources opened, the session's own and those single queries named.
    sources: sources::OpenSources,
    /// Every query issued, in order.
    log: query::QueryLog,
    bindings: Mutex<BTreeMap<String, bindings::Binding>>,
    progress: Mutex<Option<ProgressSlot>>,
    /// Metrics cells published, sent when the cell ends (`flush_metrics`).
    pending_metrics: Mutex<Vec<playbook::model::publish::MetricDatum>>,
}

/// The progress sink in effect (a closure: shown by name only).
#[derive(Clone)]
struct ProgressSlot(backend::ProgressSink);

impl std::fmt::Debug for ProgressSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressSink")
    }
}

impl std::fmt::Debug for dyn Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Backend({})", self.spec())
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::from_env()
    }
}

impl Session {
    /// A session whose source comes from `PLAYBOOK_SOURCE`, when set.
    pub fn from_env() -> Session {
        let (source, source_origin) = sources::default_source();
        Session {
            state: Mutex::new(SessionContext {
                source,
                source_origin,
                window: None,
                parameters: BTreeMap::new(),
                host_version: env!("CARGO_PKG_VERSION").to_owned(),
            }),
            aws_defaults: Mutex::new(playbook::model::source::AwsTarget::default()),
            checks: Mutex::new(Vec::new()),
            sources: sources::OpenSources::default(),
            log: query::QueryLog::default(),
            bindings: Mutex::new(BTreeMap::new()),
            progress: Mutex::new(None),
            pending_metrics: Mutex::new(Vec::new()),
        }
    }

    /// A snapshot of what is in effect.
    pub fn context(&self) -> SessionContext {
        self.lock().clone()
    }

    /// Sets a parameter (the headless runner and `%params` use this).
    pub fn set_parameter(&self, name: &str, value: Value) {
        self.lock().parameters.insert(name.to_owned(), value);
    }

    /// Records a check's result.
    pub fn record_check(&self, result: CheckResult) {
        self.checks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(result);
    }

    /// Every check recorded so far, in order.
    pub fn checks(&self) -> Vec<CheckResult> {
        self.checks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Where long queries report progress from now on (the kernel shows it in the running
    /// cell's output, updated in place); None: nowhere.
    pub fn set_progress(&self, sink: Option<backend::ProgressSink>) {
        *self.progress.lock().unwrap_or_else(|p| p.into_inner()) = sink.map(ProgressSlot);
    }

    /// The progress sink in effect.
    pub fn progress(&self) -> Option<backend::ProgressSink> {
        self.progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|slot| slot.0.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SessionContext> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answers an engine-level request, or `None` when the request is the host's to
    /// answer (display, input, cell events).
    pub fn handle(&self, request: &Request) -> Option<Reply> {
        let result = match request {
            Request::Context => Ok(Answer::Context(self.context())),
            Request::Echo { payload } => Ok(Answer::Echo(payload.clone())),
            Request::Check { result } => {
                self.record_check(result.clone());
                Ok(Answer::Done)
            }
            Request::Checks => Ok(Answer::Checks(self.checks())),
            Request::Metrics { queries } => self.run_metrics(queries).map(Answer::Series),
            Request::LogsInsights { query } => self.run_logs_insights(query).map(Answer::Table),
            Request::FilterLogEvents { query } => self.run_filter(query).map(Answer::Table),
            Request::LogGroups { prefix } => {
                self.run_log_groups(prefix.as_deref()).map(Answer::Names)
            }
            Request::Queries => Ok(Answer::Queries(self.queries())),
            Request::Alarms { query } => self.run_alarms(query).map(Answer::Alarms),
            Request::Contributors { query } => {
                self.run_contributors(query).map(Answer::Contributors)
            }
            Request::ServiceQuotas { query } => {
                self.run_service_quotas(query).map(Answer::ServiceQuotas)
            }
            Request::LogAnomalies { query } => {
                self.run_log_anomalies(query).map(Answer::LogAnomalies)
            }
            Request::ListMetrics { search } => self.run_list_metrics(search).map(Answer::Metrics),
            Request::SetSource { spec } => self
                .set_source(spec, "set_source")
                .map(|()| Answer::Context(self.context())),
            Request::SetWindow { window } => self.set_window(window.as_ref()).map(Answer::Window),
            Request::SetParameter { name, value } => {
                self.set_parameter(name, value.clone());
                Ok(Answer::Done)
            }
            Request::PublishMetric { datum } => datum
                .validate()
                .map_err(error::EngineError::from)
                .map(|()| {
                    self.pending_metrics
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(datum.clone());
                    Answer::Done
                }),
            Request::LogGroupSettings { prefix } => self
                .run_log_group_settings(prefix.as_deref())
                .map(Answer::LogGroupSettings),
            Request::AnomalyDetectors { namespace } => self
                .run_anomaly_detectors(namespace.as_deref())
                .map(Answer::AnomalyDetectors),
            Request::Probe { probes } => self.run_probes(probes).map(Answer::Probes),
            Request::Binding { name } => {
                return Some(match self.binding(name) {
                    Some(bound) => Reply::ok(bound.to_answer()),
                    None => {
                        Reply::error(ErrorKind::NotBound, format!("no query cell bound `{name}`"))
                    }
                });
            }
            Request::Display { .. }
            | Request::ClearOutput { .. }
            | Request::Input { .. }
            | Request::CellGuardDropped { .. }
            | Request::Panic { .. }
            | Request::Action { .. } => return None,
        };
        Some(match result {
            Ok(answer) => Reply::ok(answer),
            Err(error) => Reply::error(error.kind(), error.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use playbook::model::check::Verdict;

    #[test]
    fn echo_returns_the_payload() {
        let session = Session::from_env();
        let payload = serde_json::json!({"query": "fields @message", "n": 3});
        assert_eq!(
            session.handle(&Request::Echo {
                payload: payload.clone()
            }),
            Some(Reply::ok(Answer::Echo(payload)))
        );
    }

    #[test]
    fn context_reports_parameters_set() {
        let session = Session::from_env();
        session.set_parameter("service", Value::from("checkout"));
        let ctx = session.context();
        assert_eq!(ctx.parameters["service"], "checkout");
        assert_eq!(ctx.host_version, env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn checks_are_kept_in_order() {
        let session = Session::from_env();
        for name in ["a", "b"] {
            let result = CheckResult {
                name: name.into(),
                verdict: Verdict::Fail,
                observed: None,
                expected: None,
            };
            assert_eq!(
                session.handle(&Request::Check { result }),
                Some(Reply::done())
            );
        }
        let names: Vec<String> = session.checks().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn a_malformed_check_is_refused_by_the_protocol() {
        let bad = r#"{"op":"check","result":{"name":1}}"#;
        assert!(serde_json::from_str::<Request>(bad).is_err());
    }

    #[test]
    fn an_unbound_name_is_its_own_error_kind() {
        let session = Session::from_env();
        let reply = session.handle(&Request::Binding {
            name: "nope".into(),
        });
        assert!(matches!(
            reply,
            Some(Reply::Error {
                kind: ErrorKind::NotBound,
                ..
            })
        ));
    }

    #[test]
    fn display_is_left_to_the_host() {
        let session = Session::from_env();
        let request = Request::ClearOutput { wait: false };
        assert_eq!(session.handle(&request), None);
    }
}
