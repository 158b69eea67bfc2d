//! The metrics query kind: a batch of metric queries fetched in one call, each with its
//! window, period, statistic and label worked out, and each its own record (the first
//! carries the calls).

use chrono::Utc;

use crate::Session;
use crate::backend::{Backend, Outcome, ResolvedMetric};
use crate::error::EngineError;
use crate::query::Query;
use playbook::model::period::resolve_period;
use playbook::model::publish::MetricDatum;
use playbook::model::query::{MetricId, MetricKind, MetricQuery, MetricSearch};
use playbook::model::record::{QueryKind, QueryRecord};
use playbook::model::series::Series;
use playbook::model::series_set::SeriesSet;
use playbook::model::statistic::Statistic;
use playbook::model::time_range::TimeRange;

/// Metric queries fetched as one batch.
pub(crate) struct Metrics<'a> {
    queries: &'a [MetricQuery],
    resolved: Vec<ResolvedMetric>,
}

impl<'a> Metrics<'a> {
    pub(crate) fn new(queries: &'a [MetricQuery]) -> Metrics<'a> {
        Metrics {
            queries,
            resolved: Vec::new(),
        }
    }
}

impl Query for Metrics<'_> {
    type Found = Vec<Vec<Series>>;
    type Output = SeriesSet;

    fn kind(&self) -> QueryKind {
        QueryKind::Metrics
    }

    fn describe(&self) -> String {
        String::new()
    }

    fn source(&self) -> Option<&str> {
        self.queries.first().and_then(|q| q.source.as_deref())
    }

    fn validate(&self) -> Result<(), EngineError> {
        let source = self.source();
        if self.queries.iter().any(|q| q.source.as_deref() != source) {
            return Err(EngineError::InvalidInput(
                "the queries of one fetch must all use the same source".into(),
            ));
        }
        Ok(())
    }

    fn prepare(
        &mut self,
        session: &Session,
        backend: &dyn Backend,
        _window: Option<TimeRange>,
        notes: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        self.resolved = resolve_metrics(session, self.queries, backend, notes)?;
        Ok(())
    }

    fn run(
        &self,
        backend: &dyn Backend,
        _window: Option<TimeRange>,
    ) -> Result<Outcome<Self::Found>, EngineError> {
        backend.metrics(&self.resolved)
    }

    fn records(&self, record: QueryRecord, backend: &dyn Backend) -> Vec<QueryRecord> {
        self.resolved
            .iter()
            .map(|r| {
                let of_query = QueryRecord {
                    query: r.query.describe(),
                    window: Some(r.window),
                    ..record.clone()
                };
                metric_record(of_query, backend, r)
            })
            .collect()
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<Self::Found>,
        notes: &[String],
    ) -> SeriesSet {
        let mut series = Vec::new();
        for (i, (record, r)) in records.iter_mut().zip(&self.resolved).enumerate() {
            let of_query = outcome.value.get(i).cloned().unwrap_or_default();
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
    }
}

/// Each query with its window, period, statistic and label worked out.
fn resolve_metrics(
    session: &Session,
    queries: &[MetricQuery],
    backend: &dyn Backend,
    notes: &mut Vec<String>,
) -> Result<Vec<ResolvedMetric>, EngineError> {
    let now = Utc::now();
    let mut resolved = Vec::with_capacity(queries.len());
    for query in queries {
        query.validate_account()?;
        let window = session.resolve_window(query.window.as_ref(), notes)?;
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

/// The metrics that exist and match a search.
pub(crate) struct ListMetrics<'a>(pub(crate) &'a MetricSearch);

impl Query for ListMetrics<'_> {
    type Found = Vec<MetricId>;
    type Output = Vec<MetricId>;

    fn kind(&self) -> QueryKind {
        QueryKind::ListMetrics
    }

    fn describe(&self) -> String {
        self.0.describe()
    }

    fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    fn run(
        &self,
        backend: &dyn Backend,
        _window: Option<TimeRange>,
    ) -> Result<Outcome<Vec<MetricId>>, EngineError> {
        backend.list_metrics(self.0)
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<Vec<MetricId>>,
        _notes: &[String],
    ) -> Vec<MetricId> {
        let mut found = outcome.value;
        found.sort();
        found.dedup();
        records[0].results = found.len() as u64;
        found
    }
}

/// The metrics cells published since the last flush.
pub(crate) struct Publish(pub(crate) Vec<MetricDatum>);

impl Query for Publish {
    type Found = ();
    type Output = usize;

    fn kind(&self) -> QueryKind {
        QueryKind::PublishMetrics
    }

    fn describe(&self) -> String {
        let mut names: Vec<String> = (self.0.iter())
            .map(|d| format!("{}/{}", d.namespace, d.name))
            .collect();
        names.sort();
        names.dedup();
        format!("{} datum(s): {}", self.0.len(), names.join(", "))
    }

    fn run(
        &self,
        backend: &dyn Backend,
        _window: Option<TimeRange>,
    ) -> Result<Outcome<()>, EngineError> {
        backend.publish_metrics(&self.0)
    }

    fn fill(&self, records: &mut [QueryRecord], _outcome: Outcome<()>, _notes: &[String]) -> usize {
        records[0].results = self.0.len() as u64;
        self.0.len()
    }
}
