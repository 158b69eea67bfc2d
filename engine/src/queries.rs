//! Running queries for a session: resolve the source and the window, check statistics and
//! periods, call the backend, and log every query for the incident record.
//!
//! Every query ends in [`Session::finish`], the one place that records a query's outcome:
//! success fills in what the result says, failure marks every record of the call failed
//! (or cancelled) with the error, and either way the records join the session's log.

use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};

use crate::Session;
use crate::backend::{Backend, Outcome, ResolvedMetric};
use crate::error::EngineError;
use playbook::alarms::{AlarmReport, AlarmsQuery};
use playbook::log_table::LogTable;
use playbook::period::resolve_period;
use playbook::query::{
    FilterQuery, LogsQuery, MetricId, MetricKind, MetricQuery, MetricSearch, RangeSpec,
};
use playbook::record::{QueryKind, QueryRecord, QueryStatus};
use playbook::series_set::SeriesSet;
use playbook::statistic::Statistic;
use playbook::time_range::TimeRange;

/// The window a query gets when neither it nor the session names one (the CloudWatch
/// console's default).
pub const DEFAULT_WINDOW: TimeDelta = TimeDelta::hours(3);

/// The most log groups one Logs Insights query covers (StartQuery's limit).
const MAX_GROUPS: usize = 50;

/// When a query started: the wall clock for the record, a monotonic clock for its duration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Started(DateTime<Utc>, Instant);

impl Started {
    pub(crate) fn now() -> Started {
        Started(Utc::now(), Instant::now())
    }
}

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
        let source = queries.first().and_then(|q| q.source.clone());
        if queries.iter().any(|q| q.source != source) {
            return Err(EngineError::InvalidInput(
                "the queries of one fetch must all use the same source".into(),
            ));
        }
        let backend = self.backend_for(source.as_deref())?;
        let mut notes = Vec::new();
        let resolved = self.resolve_metrics(queries, &*backend, &mut notes)?;
        let started = Started::now();
        let result = backend.metrics(&resolved);
        let records = resolved
            .iter()
            .map(|r| {
                metric_record(
                    self.record_of(
                        &*backend,
                        QueryKind::Metrics,
                        r.query.describe(),
                        Some(r.window),
                        started,
                    ),
                    &*backend,
                    r,
                )
            })
            .collect();
        self.finish(records, notes, result, |records, outcome, notes| {
            let mut series = Vec::new();
            for (i, (record, r)) in records.iter_mut().zip(&resolved).enumerate() {
                let of_query = outcome.value.get(i).cloned().unwrap_or_default();
                record.api_calls = if i == 0 { outcome.api_calls } else { 0 };
                record.results = of_query.iter().map(|s| s.len() as u64).sum();
                record.notes = notes.to_vec();
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
            SeriesSet::new(series)
        })
    }

    /// Each query with its window, period, statistic and label worked out.
    fn resolve_metrics(
        &self,
        queries: &[MetricQuery],
        backend: &dyn Backend,
        notes: &mut Vec<String>,
    ) -> Result<Vec<ResolvedMetric>, EngineError> {
        let now = Utc::now();
        let mut resolved = Vec::with_capacity(queries.len());
        for query in queries {
            query.validate_account()?;
            let window = self.resolve_window(query.window.as_ref(), notes)?;
            let period = resolve_period(query.period, &window, now, backend.retention_rules());
            notes.extend(period.note.clone());
            let (stat, label) = match &query.kind {
                MetricKind::Stat { metric, stat, .. } => {
                    let parsed: Statistic = stat.parse()?;
                    let account = (query.account.as_deref())
                        .map(|a| format!(" ({a})"))
                        .unwrap_or_default();
                    let label = query
                        .label
                        .clone()
                        .unwrap_or_else(|| format!("{metric} {parsed}{account}"));
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
        Ok(resolved)
    }

    /// Runs a Logs Insights query.
    pub fn run_logs_insights(&self, query: &LogsQuery) -> Result<LogTable, EngineError> {
        let backend = self.backend_for(query.source.as_deref())?;
        let mut notes = Vec::new();
        let window = self.resolve_window(query.window.as_ref(), &mut notes)?;
        let groups = insights_groups(query, &*backend)?;
        let started = Started::now();
        backend.set_progress(self.progress());
        let result = crate::row_limit::run(&*backend, query, &groups, window);
        backend.set_progress(None);
        let mut record = self.record_of(
            &*backend,
            QueryKind::LogsInsights,
            query.query.clone(),
            Some(window),
            started,
        );
        record.language = query.language;
        let accounts = crate::linked_groups::accounts_of(&groups, record.account.as_deref());
        if !query.accounts.is_empty() || groups.iter().any(|g| crate::linked_groups::is_arn(g)) {
            record.account = Some(accounts.join(", "));
        }
        if let Some(region) = backend.region()
            && query.language.is_default()
            && !groups.iter().any(|g| crate::linked_groups::is_arn(g))
        {
            record.console_url = Some(crate::console::logs_insights_url(
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
        let started = Started::now();
        let result = backend.filter_log_events(query, window);
        let text = query.pattern.clone().unwrap_or_default();
        let mut record = self.record_of(
            &*backend,
            QueryKind::FilterLogEvents,
            text,
            Some(window),
            started,
        );
        record.groups = vec![query.group.clone()];
        self.finish_table(record, notes, result)
    }

    /// Log group names starting with `prefix`, on the session's source.
    pub fn run_log_groups(&self, prefix: Option<&str>) -> Result<Vec<String>, EngineError> {
        let backend = self.backend()?;
        let started = Started::now();
        let result = backend.log_groups(prefix).map(|names| {
            let mut outcome = Outcome::new(names, 1);
            outcome.api_calls = u32::from(backend.region().is_some());
            outcome
        });
        let text = format!("{}*", prefix.unwrap_or(""));
        let record = self.record_of(&*backend, QueryKind::LogGroups, text, None, started);
        self.finish(vec![record], Vec::new(), result, |records, outcome, _| {
            records[0].api_calls = outcome.api_calls;
            records[0].results = outcome.value.len() as u64;
            outcome.value
        })
    }

    /// The metrics that exist and match `search`.
    pub fn run_list_metrics(&self, search: &MetricSearch) -> Result<Vec<MetricId>, EngineError> {
        let backend = self.backend_for(search.source.as_deref())?;
        let started = Started::now();
        let result = backend.list_metrics(search);
        let record = self.record_of(
            &*backend,
            QueryKind::ListMetrics,
            search.describe(),
            None,
            started,
        );
        self.finish(vec![record], Vec::new(), result, |records, outcome, _| {
            let mut found = outcome.value;
            found.sort();
            found.dedup();
            records[0].api_calls = outcome.api_calls;
            records[0].results = found.len() as u64;
            found
        })
    }

    /// Alarms and their state changes in the window.
    pub fn run_alarms(&self, query: &AlarmsQuery) -> Result<AlarmReport, EngineError> {
        let backend = self.backend_for(query.source.as_deref())?;
        let mut notes = Vec::new();
        let window = self.resolve_window(query.window.as_ref(), &mut notes)?;
        let started = Started::now();
        let result = backend.alarms(query, window);
        let record = self.record_of(
            &*backend,
            QueryKind::Alarms,
            query.describe(),
            Some(window),
            started,
        );
        self.finish(vec![record], notes, result, |records, outcome, notes| {
            let mut report = outcome.value;
            report.notes.extend(notes.iter().cloned());
            records[0].api_calls = outcome.api_calls;
            records[0].results = (report.alarms.len() + report.changes.len()) as u64;
            records[0].notes = report.notes.clone();
            report
        })
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
        let backend = self.backend()?;
        let started = Started::now();
        let result = backend.publish_metrics(&datums);
        let mut names: Vec<String> = datums
            .iter()
            .map(|d| format!("{}/{}", d.namespace, d.name))
            .collect();
        names.sort();
        names.dedup();
        let text = format!("{} datum(s): {}", datums.len(), names.join(", "));
        let record = self.record_of(&*backend, QueryKind::PublishMetrics, text, None, started);
        self.finish(vec![record], Vec::new(), result, |records, outcome, _| {
            records[0].api_calls = outcome.api_calls;
            records[0].results = datums.len() as u64;
            datums.len()
        })
    }

    fn finish_table(
        &self,
        record: QueryRecord,
        notes: Vec<String>,
        result: Result<Outcome<LogTable>, EngineError>,
    ) -> Result<LogTable, EngineError> {
        self.finish(vec![record], notes, result, |records, outcome, notes| {
            let record = &mut records[0];
            let mut table = outcome.value;
            table.notes.extend(notes.iter().cloned());
            record.api_calls = outcome.api_calls;
            record.query_ids = outcome.query_ids;
            record.results = table.len() as u64;
            record.statistics = Some(table.statistics);
            if table.truncated {
                record.status = QueryStatus::Truncated;
            }
            if table.query_id.is_none() {
                table.query_id = record.query_ids.first().cloned();
            }
            record.notes = notes.to_vec();
            table
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
                let retried = outcome.retried_calls;
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

/// A metric query's record: its period and, on CloudWatch, its console link.
fn metric_record(
    mut record: QueryRecord,
    backend: &dyn Backend,
    resolved: &ResolvedMetric,
) -> QueryRecord {
    record.period = Some(resolved.period);
    if let Some(account) = &resolved.query.account {
        // The data's account: a source account, read through the monitoring account.
        record.account = Some(account.clone());
    }
    if let Some(region) = backend.region() {
        let expression = match &resolved.query.kind {
            MetricKind::Expression { expression } => Some(expression.as_str()),
            MetricKind::Stat { .. } => None,
        };
        let stat = resolved
            .stat
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "Average".into());
        record.console_url = Some(crate::console::metric_url(
            &region,
            resolved.metric(),
            expression,
            &stat,
            resolved.period,
            &resolved.window,
        ));
    }
    record
}

/// The log groups a Logs Insights query covers: those it names and those its prefix
/// finds, at least one and at most [`MAX_GROUPS`].
fn insights_groups(query: &LogsQuery, backend: &dyn Backend) -> Result<Vec<String>, EngineError> {
    query.validate_accounts()?;
    let mut groups = query.groups.clone();
    match &query.group_prefix {
        // Each linked account's own groups under the prefix, by ARN.
        Some(prefix) if !query.accounts.is_empty() => {
            groups.extend(backend.linked_log_groups(prefix, &query.accounts)?);
        }
        Some(prefix) => groups.extend(backend.log_groups(Some(prefix))?),
        None => {}
    }
    groups.dedup();
    if query.language.names_its_groups() {
        // OpenSearch SQL names its log groups in FROM; StartQuery refuses both.
        if !groups.is_empty() {
            return Err(EngineError::InvalidInput(
                "an OpenSearch SQL query names its log groups in FROM (FROM `/ecs/checkout`): \
                 drop .group(…)/--group"
                    .into(),
            ));
        }
        return Ok(groups);
    }
    let groups = crate::linked_groups::expand(groups, &query.accounts, backend)?;
    if groups.is_empty() {
        return Err(EngineError::InvalidInput(
            "a Logs Insights query needs at least one log group (.group(\"/ecs/checkout\") or --group)".into(),
        ));
    }
    if groups.len() > MAX_GROUPS {
        return Err(EngineError::InvalidInput(format!(
            "{} log groups: a Logs Insights query covers at most {MAX_GROUPS}; narrow the prefix",
            groups.len()
        )));
    }
    Ok(groups)
}
