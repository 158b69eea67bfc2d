//! The host side of the library (feature `engine`): what the kernel process (or a plain
//! Rust program) runs on behalf of cells.
//!
//! A [`Session`] holds what is in effect for one kernel or one headless run: the source
//! spec, the default window and the parameters. It answers the engine-level requests of
//! the host protocol ([`Request::Context`], [`Request::Echo`]); the kernel answers the
//! Jupyter-level ones (display, input, cell errors) itself.

pub mod backend;
pub mod bindings;
#[cfg(feature = "cloudwatch")]
pub mod cloudwatch;
pub mod console;
pub mod datagen;
pub mod error;
pub mod insights;
pub mod local;
pub mod queries;
pub mod sources;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use crate::context::SessionContext;
use crate::protocol::{Reply, Request};
use crate::record::QueryRecord;
use crate::time_range::TimeRange;
use backend::Backend;
use error::EngineError;

/// The environment variable naming the default data source.
pub const SOURCE_ENV: &str = "PLAYBOOK_SOURCE";

/// One session's state, shared by every cell of a kernel.
#[derive(Debug)]
pub struct Session {
    state: Mutex<SessionContext>,
    checks: Mutex<Vec<Value>>,
    backend: Mutex<Option<Arc<dyn Backend>>>,
    /// Sources named by single queries (`.source(…)`, `--source`), opened once each.
    other_backends: Mutex<BTreeMap<String, Arc<dyn Backend>>>,
    window: Mutex<Option<TimeRange>>,
    queries: Mutex<Vec<QueryRecord>>,
    bindings: Mutex<BTreeMap<String, bindings::Binding>>,
    progress: Mutex<Option<ProgressSlot>>,
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
            checks: Mutex::new(Vec::new()),
            backend: Mutex::new(None),
            other_backends: Mutex::new(BTreeMap::new()),
            window: Mutex::new(None),
            queries: Mutex::new(Vec::new()),
            bindings: Mutex::new(BTreeMap::new()),
            progress: Mutex::new(None),
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

    /// Every check recorded so far, in order (serialised `check::CheckResult`s).
    pub fn checks(&self) -> Vec<Value> {
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
        match request {
            Request::Context => Some(Reply::ok(self.context())),
            Request::Echo { payload } => Some(Reply::ok(payload)),
            Request::Check { result } => {
                if serde_json::from_value::<crate::check::CheckResult>(result.clone()).is_err() {
                    return Some(Reply::error("bad_request", "not a check result"));
                }
                self.checks
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(result.clone());
                Some(Reply::ok(Value::Null))
            }
            Request::Checks => Some(Reply::ok(self.checks())),
            Request::Metrics { queries } => Some(answer(self.run_metrics(queries))),
            Request::LogsInsights { query } => Some(answer(self.run_logs_insights(query))),
            Request::FilterLogEvents { query } => Some(answer(self.run_filter(query))),
            Request::LogGroups { prefix } => Some(answer(
                self.backend().and_then(|b| b.log_groups(prefix.as_deref())),
            )),
            Request::Queries => Some(Reply::ok(self.queries())),
            Request::Alarms { query } => Some(answer(self.run_alarms(query))),
            Request::ListMetrics { search } => Some(answer(self.run_list_metrics(search))),
            Request::SetSource { spec } => Some(answer(
                self.set_source(spec, "set_source").map(|()| self.context()),
            )),
            Request::SetWindow { window } => Some(answer(self.set_window(window.as_ref()))),
            Request::Binding { name } => Some(match self.binding(name) {
                Some(value) => Reply::ok(value),
                None => Reply::error("not_bound", format!("no query cell bound `{name}`")),
            }),
            Request::Display { .. }
            | Request::ClearOutput { .. }
            | Request::Input { .. }
            | Request::CellGuardDropped { .. }
            | Request::Panic { .. } => None,
        }
    }

    /// Answers every request in-process, for a plain Rust program with no kernel:
    /// displays print their `text/plain`, input reads a line from stdin.
    pub fn handle_standalone(&self, request: &Request) -> Reply {
        if let Some(reply) = self.handle(request) {
            return reply;
        }
        match request {
            Request::Display { data, .. } => {
                if let Some(text) = data.get("text/plain").and_then(Value::as_str) {
                    println!("{text}");
                }
                Reply::ok(Value::Null)
            }
            Request::Input { prompt, .. } => {
                eprint!("{prompt}");
                let mut line = String::new();
                match std::io::stdin().lock().read_line(&mut line) {
                    Ok(_) => Reply::ok(line.trim_end_matches(['\r', '\n'])),
                    Err(e) => Reply::error("input_failed", format!("reading stdin: {e}")),
                }
            }
            _ => Reply::ok(Value::Null),
        }
    }
}

/// A reply carrying a result or the engine's error.
fn answer<T: serde::Serialize>(result: Result<T, EngineError>) -> Reply {
    match result {
        Ok(value) => Reply::ok(value),
        Err(error) => Reply::error(error.kind(), error.to_string()),
    }
}

/// The CloudWatch backend.
#[cfg(feature = "cloudwatch")]
pub fn cloudwatch_backend() -> Result<Arc<dyn Backend>, EngineError> {
    Ok(Arc::new(cloudwatch::CloudWatchSource::open()?))
}

/// The CloudWatch backend (this build has none).
#[cfg(not(feature = "cloudwatch"))]
pub fn cloudwatch_backend() -> Result<Arc<dyn Backend>, EngineError> {
    Err(EngineError::Unsupported {
        source_name: "this build of playbook".into(),
        what: "query CloudWatch".into(),
        hint: ": it was built without the AWS SDK; use a local source (`local:DIR`)".into(),
    })
}

/// The session of a program that runs the engine in-process.
pub fn in_process() -> &'static Session {
    static SESSION: OnceLock<Session> = OnceLock::new();
    SESSION.get_or_init(Session::from_env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_returns_the_payload() {
        let session = Session::from_env();
        let payload = serde_json::json!({"query": "fields @message", "n": 3});
        assert_eq!(
            session.handle(&Request::Echo {
                payload: payload.clone()
            }),
            Some(Reply::ok(payload))
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
            let result = serde_json::json!({"name": name, "verdict": "fail", "observed": null, "expected": null});
            assert_eq!(
                session.handle(&Request::Check { result }),
                Some(Reply::ok(Value::Null))
            );
        }
        let bad = Request::Check {
            result: serde_json::json!({"name": 1}),
        };
        assert!(matches!(session.handle(&bad), Some(Reply::Error { .. })));
        let names: Vec<Value> = session
            .checks()
            .into_iter()
            .map(|c| c["name"].clone())
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn display_is_left_to_the_host() {
        let session = Session::from_env();
        let request = Request::ClearOutput { wait: false };
        assert_eq!(session.handle(&request), None);
    }
}
