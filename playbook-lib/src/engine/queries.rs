//! Running queries for a session: resolve the source and the window, check statistics and
//! periods, call the backend, and log every query for the incident record.

use std::time::Instant;

use chrono::{TimeDelta, Utc};
use serde_json::Value;

use super::Session;
use super::backend::{Backend, Outcome, ResolvedMetric};
use super::error::EngineError;
use crate::alarms::{AlarmReport, AlarmsQuery};
use crate::log_table::LogTable;
use crate::period::resolve_period;
use crate::query::{
    FilterQuery, LogsQuery, MetricId, MetricKind, MetricQuery, MetricSearch, RangeSpec,
};
use crate::record::QueryRecord;
use crate::series_set::SeriesSet;
use crate::statistic::Statistic;
use crate::time_range::TimeRange;

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
            None => match *self.window.lock().unwrap_or_else(|p| p.into_inner()) {
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
        let source = queries.first().and_then(|q| q.source.clone());
        if queries.iter().any(|q| q.source != source) {
            return Err(EngineError::InvalidInput(
                "the queries of one fetch must all use the same source".into(),
            ));
        }
        let backend = self.backend_for(source.as_deref())?;
        let now = Utc::now();
        let mut resolved = Vec::with_capacity(queries.len());
        let mut notes = Vec::new();
        for query in queries {
            let window = self.resolve_window(query.window.as_ref(), &mut notes)?;
            let period = resolve_period(query.period, &window, now, backend.retention_rules());
            notes.extend(period.note.clone());
            let (stat, label) = match &query.kind {
                MetricKind::Stat { metric, stat, .. } => {
                    let parsed: Statistic = stat.parse()?;
                    let label = query
                        .label
                        .clone()
                        .unwrap_or_else(|| format!("{metric} {parsed}"));
                    (Some(parsed), label)
                }
                MetricKind::Expression { expression } => (
                    None,
                    query.label.clone().unwrap_or_else(|| expression.clone()),
                ),
            };
            resolved.push(ResolvedMetric {
                query: query.clone(),
                stat,
                window,
                period: period.seconds,
                label,
            });
        }
        let started = (Utc::now(), Instant::now());
        let result = backend.metrics(&resolved);
        let mut records: Vec<QueryRecord> = resolved
            .iter()
            .map(|r| {
                self.record_of(
                    &*backend,
                    "metrics",
                    r.query.describe(),
                    Some(r.window),
                    started,
                )
            })
            .collect();
        for (record, r) in records.iter_mut().zip(&resolved) {
            record.period = Some(r.period);
            if let Some(region) = backend.region() {
                let expression = match &r.query.kind {
                    MetricKind::Expression { expression } => Some(expression.as_str()),
                    MetricKind::Stat { .. } => None,
                };
                let stat = r
                    .stat
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "Average".into());
                record.console_url = Some(super::console::metric_url(
                    &region,
                    r.metric(),
                    expression,
                    &stat,
                    r.period,
                    &r.window,
                ));
            }
        }
        match result {
            Ok(outcome) => {
                let Outcome {
                    value: per_query,
                    api_calls,
                    notes: more,
                    ..
                } = outcome;
                notes.extend(more);
                let mut series = Vec::new();
                for (i, record) in records.iter_mut().enumerate() {
                    let of_query = per_query.get(i).cloned().unwrap_or_default();
                    record.api_calls = if i == 0 { api_calls } else { 0 };
                    record.results = of_query.iter().map(|s| s.len() as u64).sum();
                    record.notes = notes.clone();
                    let r = &resolved[i];
                    for mut s in of_query {
                        s.query = Some(format!(
                            "{} · {} · period {} s",
                            r.query.describe(),
                            r.window,
                            r.period
                        ));
                        series.push(s);
                    }
                }
                self.log(records);
                Ok(SeriesSet::new(series))
            }
            Err(error) => {
                for record in &mut records {
                    record.status = "failed".into();
                    record.error = Some(error.to_string());
                }
                self.log(records);
                Err(error)
            }
        }
    }

    /// Runs a Logs Insights query.
    pub fn run_logs_insights(&self, query: &LogsQuery) -> Result<LogTable, EngineError> {
        let backend = self.backend_for(query.source.as_deref())?;
        let mut notes = Vec::new();
        let window = self.resolve_window(query.window.as_ref(), &mut notes)?;
        let mut groups = query.groups.clone();
        if let Some(prefix) = &query.group_prefix {
            groups.extend(backend.log_groups(Some(prefix))?);
        }
        groups.dedup();
        if groups.is_empty() {
            return Err(EngineError::InvalidInput(
                "a Logs Insights query needs at least one log group (.group(\"/ecs/checkout\") or --group)".into(),
            ));
        }
        if groups.len() > 50 {
            return Err(EngineError::InvalidInput(format!(
                "{} log groups: a Logs Insights query covers at most 50; narrow the prefix",
                groups.len()
            )));
        }
        let started = (Utc::now(), Instant::now());
        backend.set_progress(self.progress());
        let result = backend.logs_insights(query, &groups, window);
        backend.set_progress(None);
        let mut record = self.record_of(
            &*backend,
            "logs_insights",
            query.query.clone(),
            Some(window),
            started,
        );
        if let Some(region) = backend.region() {
            record.console_url = Some(super::console::logs_insights_url(
                &region,
                &query.query,
                &groups,
                &window,
            ));
        }
        record.groups = groups;
        self.finish_table(record, notes, result)
    }

    /// Runs a FilterLogEvents query.
    pub fn run_filter(&self, query: &FilterQuery) -> Result<LogTable, EngineError> {
        let backend = self.backend_for(query.source.as_deref())?;
        let mut notes = Vec::new();
        let window = self.resolve_window(query.window.as_ref(), &mut notes)?;
        let started = (Utc::now(), Instant::now());
        let result = backend.filter_log_events(query, window);
        let text = query.pattern.clone().unwrap_or_default();
        let mut record =
            self.record_of(&*backend, "filter_log_events", text, Some(window), started);
        record.groups = vec![query.group.clone()];
        self.finish_table(record, notes, result)
    }

    /// The metrics that exist and match `search`.
    pub fn run_list_metrics(&self, search: &MetricSearch) -> Result<Vec<MetricId>, EngineError> {
        let backend = self.backend_for(search.source.as_deref())?;
        let started = (Utc::now(), Instant::now());
        let text = format!(
            "{} {}{}",
            search.namespace.as_deref().unwrap_or("*"),
            search.metric.as_deref().unwrap_or("*"),
            search
                .dimensions
                .iter()
                .map(|(k, v)| format!(" {k}={}", v.as_deref().unwrap_or("*")))
                .collect::<String>()
        );
        let result = backend.list_metrics(search);
        let mut record = self.record_of(&*backend, "list_metrics", text, None, started);
        match result {
            Ok(outcome) => {
                let mut found = outcome.value;
                found.sort();
                found.dedup();
                record.api_calls = outcome.api_calls;
                record.results = found.len() as u64;
                self.log(vec![record]);
                Ok(found)
            }
            Err(error) => {
                record.status = "failed".into();
                record.error = Some(error.to_string());
                self.log(vec![record]);
                Err(error)
            }
        }
    }

    /// Alarms and their state changes in the window.
    pub fn run_alarms(&self, query: &AlarmsQuery) -> Result<AlarmReport, EngineError> {
        let backend = self.backend_for(query.source.as_deref())?;
        let mut notes = Vec::new();
        let window = self.resolve_window(query.window.as_ref(), &mut notes)?;
        let started = (Utc::now(), Instant::now());
        let result = backend.alarms(query, window);
        let text = match (&query.state, &query.prefix) {
            (None, None) => "all alarms".to_owned(),
            (state, prefix) => format!(
                "alarms{}{}",
                state
                    .as_ref()
                    .map(|s| format!(" in {s}"))
                    .unwrap_or_default(),
                prefix
                    .as_ref()
                    .map(|p| format!(" named {p}*"))
                    .unwrap_or_default()
            ),
        };
        let mut record = self.record_of(&*backend, "alarms", text, Some(window), started);
        match result {
            Ok(outcome) => {
                let mut report = outcome.value;
                notes.extend(outcome.notes);
                report.notes.extend(notes.iter().cloned());
                record.api_calls = outcome.api_calls;
                record.results = (report.alarms.len() + report.changes.len()) as u64;
                record.notes = report.notes.clone();
                self.log(vec![record]);
                Ok(report)
            }
            Err(error) => {
                record.status = "failed".into();
                record.error = Some(error.to_string());
                self.log(vec![record]);
                Err(error)
            }
        }
    }

    fn finish_table(
        &self,
        mut record: QueryRecord,
        mut notes: Vec<String>,
        result: Result<Outcome<LogTable>, EngineError>,
    ) -> Result<LogTable, EngineError> {
        match result {
            Ok(outcome) => {
                let mut table = outcome.value;
                notes.extend(outcome.notes);
                table.notes.extend(notes.iter().cloned());
                record.api_calls = outcome.api_calls;
                record.query_ids = outcome.query_ids;
                record.results = table.len() as u64;
                record.statistics = if outcome.statistics.is_null() {
                    serde_json::to_value(table.statistics).unwrap_or(Value::Null)
                } else {
                    outcome.statistics
                };
                if table.truncated {
                    record.status = "truncated".into();
                }
                if table.query_id.is_none() {
                    table.query_id = record.query_ids.first().cloned();
                }
                record.notes = notes;
                self.log(vec![record]);
                Ok(table)
            }
            Err(error) => {
                record.status = "failed".into();
                record.error = Some(error.to_string());
                record.notes = notes;
                self.log(vec![record]);
                Err(error)
            }
        }
    }

    fn record_of(
        &self,
        backend: &dyn Backend,
        kind: &str,
        query: String,
        window: Option<TimeRange>,
        started: (chrono::DateTime<Utc>, Instant),
    ) -> QueryRecord {
        QueryRecord {
            kind: kind.to_owned(),
            source: backend.spec(),
            region: backend.region(),
            account: backend.account(),
            endpoint: backend.endpoint(),
            query,
            groups: Vec::new(),
            window,
            period: None,
            query_ids: Vec::new(),
            api_calls: 0,
            status: "ok".into(),
            results: 0,
            statistics: Value::Null,
            notes: Vec::new(),
            console_url: None,
            started_at: started.0,
            duration_ms: u64::try_from(started.1.elapsed().as_millis()).unwrap_or(u64::MAX),
            error: None,
        }
    }

    fn log(&self, records: Vec<QueryRecord>) {
        self.queries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(records);
    }

    /// Every query issued so far.
    pub fn queries(&self) -> Vec<QueryRecord> {
        self.queries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
