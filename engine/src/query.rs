//! A query kind is one [`Query`]: what it asks the backend, and how it describes itself
//! and its outcome for the query log. [`Session::run`] owns the sequence every kind
//! shares — pick the backend, resolve the window, prepare, time the call, record it and
//! [`Session::finish`] — so a new kind is one `impl Query`, not a copy of that sequence.
//!
//! `finish` is the one place that records a query's outcome: success fills in what the
//! result says (the first record carries the calls made and retried), failure marks every
//! record of the call failed (or cancelled) with the error, and either way the records
//! join the session's log.

use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::Session;
use crate::backend::{Backend, Outcome};
use crate::error::EngineError;
use playbook::model::query::RangeSpec;
use playbook::model::record::{QueryKind, QueryRecord, QueryStatus};
use playbook::model::time_range::TimeRange;

/// Whether a query covers a window, and which one it names.
#[derive(Debug, Clone, Copy)]
pub enum Window<'a> {
    /// It does not cover a window (a listing, a publication).
    None,
    /// It covers one: its own (`Some`) or the session's (`None`).
    Of(Option<&'a RangeSpec>),
}

/// One kind of query. The session calls, in order: [`validate`](Query::validate),
/// [`prepare`](Query::prepare) (after the backend is chosen and the window resolved;
/// failing there records nothing), [`run`](Query::run) (timed and recorded),
/// [`records`](Query::records), and [`fill`](Query::fill) on success.
pub trait Query {
    /// What the backend answers.
    type Found;
    /// What the caller gets.
    type Output;

    /// The kind the query log names.
    fn kind(&self) -> QueryKind;

    /// The query as the log shows it.
    fn describe(&self) -> String;

    /// The source it names (`None`: the session's).
    fn source(&self) -> Option<&str> {
        None
    }

    /// The window it covers.
    fn window(&self) -> Window<'_> {
        Window::None
    }

    /// Whether it reports progress (long queries).
    fn shows_progress(&self) -> bool {
        false
    }

    /// Checks what the query can check before any source is opened.
    fn validate(&self) -> Result<(), EngineError> {
        Ok(())
    }

    /// Works out what the call needs (groups, periods), adding notes for the record.
    fn prepare(
        &mut self,
        session: &Session,
        backend: &dyn Backend,
        window: Option<TimeRange>,
        notes: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        let _ = (session, backend, window, notes);
        Ok(())
    }

    /// Asks the backend.
    fn run(
        &self,
        backend: &dyn Backend,
        window: Option<TimeRange>,
    ) -> Result<Outcome<Self::Found>, EngineError>;

    /// The log entries of the call, from the one [`Session::record_of`] made: that one
    /// alone unless the kind says more (per-query records, groups, console links).
    fn records(&self, record: QueryRecord, backend: &dyn Backend) -> Vec<QueryRecord> {
        let _ = backend;
        vec![record]
    }

    /// Completes the records from the outcome (the notes gathered so far included; the
    /// first record already carries the calls) and returns the caller's value.
    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<Self::Found>,
        notes: &[String],
    ) -> Self::Output;
}

/// When a query started: the wall clock for the record, a monotonic clock for its duration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Started(DateTime<Utc>, Instant);

impl Started {
    pub(crate) fn now() -> Started {
        Started(Utc::now(), Instant::now())
    }
}

impl Session {
    /// Runs `query`: its backend and window resolved, the call timed, recorded in the
    /// query log (failed or not), and its value returned.
    pub fn run<Q: Query>(&self, mut query: Q) -> Result<Q::Output, EngineError> {
        query.validate()?;
        let backend = self.backend_for(query.source())?;
        let mut notes = Vec::new();
        let window = match query.window() {
            Window::None => None,
            Window::Of(spec) => Some(self.resolve_window(spec, &mut notes)?),
        };
        query.prepare(self, &*backend, window, &mut notes)?;
        let started = Started::now();
        let progress = query.shows_progress();
        if progress {
            backend.set_progress(self.progress());
        }
        let result = query.run(&*backend, window);
        if progress {
            backend.set_progress(None);
        }
        let record = self.record_of(&*backend, query.kind(), query.describe(), window, started);
        let records = query.records(record, &*backend);
        self.finish(records, notes, result, |records, outcome, notes| {
            query.fill(records, outcome, notes)
        })
    }

    /// Records how the query behind `records` ended, and returns its value: on success
    /// `fill` completes the records from the outcome (the notes gathered so far included);
    /// on failure every record is marked failed (or cancelled) with the error.
    pub(crate) fn finish<T, U>(
        &self,
        mut records: Vec<QueryRecord>,
        mut notes: Vec<String>,
        result: Result<Outcome<T>, EngineError>,
        fill: impl FnOnce(&mut [QueryRecord], Outcome<T>, &[String]) -> U,
    ) -> Result<U, EngineError> {
        match result {
            Ok(mut outcome) => {
                notes.append(&mut outcome.notes);
                let (calls, retried) = (outcome.api_calls, outcome.retried_calls);
                if let Some(first) = records.first_mut() {
                    first.api_calls = calls;
                }
                let value = fill(&mut records, outcome, &notes);
                if let Some(first) = records.first_mut() {
                    first.retried_calls = retried;
                }
                self.log(records);
                Ok(value)
            }
            Err(error) => {
                let status = match error {
                    EngineError::Cancelled(_) => QueryStatus::Cancelled,
                    _ => QueryStatus::Failed,
                };
                for record in &mut records {
                    record.status = status;
                    record.error = Some(error.to_string());
                    record.error_kind = Some(error.kind());
                    record.notes = notes.clone();
                }
                self.log(records);
                Err(error)
            }
        }
    }

    /// The log entry of a call to `backend` that started at `started`.
    pub(crate) fn record_of(
        &self,
        backend: &dyn Backend,
        kind: QueryKind,
        query: String,
        window: Option<TimeRange>,
        started: Started,
    ) -> QueryRecord {
        QueryRecord {
            region: backend.region(),
            account: backend.account(),
            role: backend.role(),
            endpoint: backend.endpoint(),
            window,
            duration_ms: u64::try_from(started.1.elapsed().as_millis()).unwrap_or(u64::MAX),
            ..QueryRecord::new(kind, backend.spec(), query, started.0)
        }
    }

    pub(crate) fn log(&self, records: Vec<QueryRecord>) {
        self.log.extend(records);
    }

    /// Every query issued so far.
    pub fn queries(&self) -> Vec<QueryRecord> {
        self.log.all()
    }
}

/// The session's query log: every query's records, in the order they ended.
#[derive(Debug, Default)]
pub(crate) struct QueryLog(Mutex<Vec<QueryRecord>>);

impl QueryLog {
    fn extend(&self, records: Vec<QueryRecord>) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(records);
    }

    fn all(&self) -> Vec<QueryRecord> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests;
