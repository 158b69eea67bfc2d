//! Running queries for a session: each kind is a [`crate::query::Query`] in a module of
//! its own here (or beside its concept: contributors, log anomalies, inventory), and
//! these methods are the session's named entry points to them. Windows are resolved here
//! (a query's own, else the session's, else the last 3 hours with a note).
//!
//! - [`metrics`]: metric batches, metric listings and publishing;
//! - [`logs`]: Logs Insights, FilterLogEvents, log group names;
//! - [`alarms`]: alarms and their state changes.

mod alarms;
mod logs;
mod metrics;

use chrono::TimeDelta;

use crate::Session;
use crate::error::EngineError;
use playbook::model::alarms::{AlarmReport, AlarmsQuery};
use playbook::model::log_table::LogTable;
use playbook::model::query::{
    FilterQuery, LogsQuery, MetricId, MetricQuery, MetricSearch, RangeSpec,
};
use playbook::model::record::QueryRecord;
use playbook::model::series_set::SeriesSet;
use playbook::model::time_range::TimeRange;

pub(crate) use logs::windowed;

/// The window a query gets when neither it nor the session names one (the CloudWatch
/// console's default).
pub const DEFAULT_WINDOW: TimeDelta = TimeDelta::hours(3);

impl Session {
    /// Resolves a query's window: its own, else the session's, else the last 3 hours
    /// (with a note saying so).
    pub fn resolve_window(
        &self,
        spec: Option<&RangeSpec>,
        notes: &mut Vec<String>,
    ) -> Result<TimeRange, EngineError> {
        match spec {
            Some(RangeSpec::Absolute(range)) => Ok(TimeRange::new(range.start, range.end)?),
            Some(RangeSpec::Text(text)) => Ok(TimeRange::parse(text)?),
            None => match self.lock().window {
                Some(range) => Ok(range),
                None => {
                    let range = TimeRange::last(DEFAULT_WINDOW);
                    notes.push(format!(
                        "no window given: used the last 3 hours ({range}); set one with .since(…), %window or set_window(…)"
                    ));
                    Ok(range)
                }
            },
        }
    }

    /// Fetches metric queries as one batch.
    pub fn run_metrics(&self, queries: &[MetricQuery]) -> Result<SeriesSet, EngineError> {
        self.run(metrics::Metrics::new(queries))
    }

    /// Runs a Logs Insights query.
    pub fn run_logs_insights(&self, query: &LogsQuery) -> Result<LogTable, EngineError> {
        self.run(logs::Insights::new(query))
    }

    /// Runs a FilterLogEvents query.
    pub fn run_filter(&self, query: &FilterQuery) -> Result<LogTable, EngineError> {
        self.run(logs::Filter(query))
    }

    /// Log group names starting with `prefix`, on the session's source.
    pub fn run_log_groups(&self, prefix: Option<&str>) -> Result<Vec<String>, EngineError> {
        self.run(logs::LogGroups(prefix))
    }

    /// The metrics that exist and match `search`.
    pub fn run_list_metrics(&self, search: &MetricSearch) -> Result<Vec<MetricId>, EngineError> {
        self.run(metrics::ListMetrics(search))
    }

    /// Alarms and their state changes in the window.
    pub fn run_alarms(&self, query: &AlarmsQuery) -> Result<AlarmReport, EngineError> {
        self.run(alarms::Alarms(query))
    }

    /// Publishes the metrics cells sent since the last flush, in as few calls as the
    /// source allows, and records the call. Nothing pending: nothing done.
    pub fn flush_metrics(&self) -> Result<usize, EngineError> {
        let datums = std::mem::take(
            &mut *self
                .pending_metrics
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        if datums.is_empty() {
            return Ok(0);
        }
        self.run(metrics::Publish(datums))
    }
}

/// A report's record (alarms, contributors, log anomalies): the notes gathered so far
/// join the report's, and the record shows them all with the report's result count.
pub(crate) fn fill_report(
    record: &mut QueryRecord,
    report_notes: &mut Vec<String>,
    notes: &[String],
    results: usize,
) {
    report_notes.extend(notes.iter().cloned());
    record.results = results as u64;
    record.notes = report_notes.clone();
}
