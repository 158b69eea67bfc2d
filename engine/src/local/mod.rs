//! The local source: metrics and logs read from files under a directory (the embedded
//! default data, and offline investigation of exported logs). The layout is documented
//! in `notebooks/data/README.md`: `DIR/metrics/*.csv|*.jsonl[.gz]`,
//! `DIR/logs/<group>/<stream>.jsonl|.log[.gz]` and the definitions beside them
//! (`alarms.json`, `quotas.json`, …).

pub mod alarms;
mod contributors;
pub mod files;
pub mod filter_pattern;
#[cfg(test)]
mod fuzz;
pub mod insight_rule;
mod inventory;
mod log_anomalies;
pub mod logs;
mod metric_files;
pub mod metrics;
mod publish;
mod quotas;
pub mod shared;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::DateTime;

use self::filter_pattern::FilterPattern;
use self::logs::{LogGroup, groups, read_events, same_group, streams};
use self::metrics::MetricStore;
use crate::backend::{Backend, Outcome, ResolvedMetric};
use crate::error::EngineError;
use playbook::model::log_table::{LogTable, QueryStatistics};
use playbook::model::query::{FilterQuery, LogsQuery};
use playbook::model::series::Series;
use playbook::model::time_range::{TimeRange, rfc3339};
use playbook_insights::{self as insights, Event};

/// Rows a log query returns at most when it does not say (CloudWatch's default).
pub const DEFAULT_ROW_LIMIT: usize = 10_000;

/// Files under a directory, queried like CloudWatch.
#[derive(Debug)]
pub struct LocalSource {
    dir: PathBuf,
    /// The metrics, loaded at the first metric query (and again after a publish).
    metrics: Mutex<Option<Arc<MetricStore>>>,
    /// Set by an interrupt: a running read stops (`Cancelled`).
    cancelled: AtomicBool,
}

impl LocalSource {
    /// A source over `dir`, which must exist.
    pub fn open(dir: &Path) -> Result<LocalSource, EngineError> {
        if !dir.is_dir() {
            return Err(EngineError::NotFound {
                what: format!("the directory {}", dir.display()),
                source_name: "the local source".into(),
                hint: " (a local source is `local:DIR` with DIR holding metrics/ and logs/)".into(),
            });
        }
        Ok(LocalSource {
            dir: dir.to_owned(),
            metrics: Mutex::new(None),
            cancelled: AtomicBool::new(false),
        })
    }

    fn store(&self) -> Result<Arc<MetricStore>, EngineError> {
        let mut slot = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        // Shared with every local source of the process over the same files.
        let store = shared::metric_store(&self.dir.join("metrics"))?;
        *slot = Some(store.clone());
        Ok(store)
    }

    fn group(&self, name: &str) -> Result<LogGroup, EngineError> {
        let all = groups(&self.dir.join("logs"))?;
        all.iter()
            .find(|g| same_group(name, g))
            .cloned()
            .ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|g| g.name.as_str()).collect();
                EngineError::NotFound {
                    what: format!("log group `{name}`"),
                    source_name: self.spec(),
                    hint: if known.is_empty() {
                        format!(
                            " (it has no logs/ directory with event files under {})",
                            self.dir.display()
                        )
                    } else {
                        format!(" (groups there: {})", known.join(", "))
                    },
                }
            })
    }

    fn span_note(&self, window: &TimeRange) -> Option<String> {
        let (lo, hi) = self.store().ok()?.span?;
        let (lo, hi) = (
            DateTime::from_timestamp(lo, 0)?,
            DateTime::from_timestamp(hi, 0)?,
        );
        (window.end <= lo || window.start > hi).then(|| {
            format!(
                "the window {window} is outside the data of {} ({} .. {})",
                self.spec(),
                rfc3339(lo),
                rfc3339(hi)
            )
        })
    }

    /// An expression of a metrics batch: `SERVICE_QUOTA(id)` of a metric of the batch
    /// (`quotas.json` read once per batch, into `loaded`); other metric math is
    /// CloudWatch's.
    fn expression(
        &self,
        queries: &[ResolvedMetric],
        measured: &[Option<Series>],
        query: &ResolvedMetric,
        loaded: &mut Option<playbook::model::quotas::ServiceQuotas>,
    ) -> Result<(Series, Option<String>), EngineError> {
        let text = match &query.query.kind {
            playbook::model::query::MetricKind::Expression { expression } => expression.as_str(),
            playbook::model::query::MetricKind::Stat { .. } => "",
        };
        let Some(id) = quotas::service_quota_of(text) else {
            return Err(EngineError::Unsupported {
                source_name: self.spec(),
                what: format!("evaluate the expression `{}`", query.query.describe()),
                hint: ": a local source answers SERVICE_QUOTA(id) of a usage metric; other \
                       metric math and Metrics Insights run on CloudWatch: fetch the metrics \
                       and combine the series in a Rust cell instead"
                    .into(),
            });
        };
        let of = (queries.iter().zip(measured)).find_map(|(q, s)| {
            (q.query.id.as_deref() == Some(id))
                .then_some(q)
                .zip(s.as_ref())
        });
        let Some((of, usage)) = of else {
            return Err(EngineError::InvalidInput(format!(
                "SERVICE_QUOTA({id}): no metric of this fetch has the id `{id}` \
                 (give the usage metric `.id(\"{id}\")` and fetch both together)"
            )));
        };
        let read = match loaded.take() {
            Some(read) => read,
            None => quotas::read(&self.dir, &self.spec())?,
        };
        let answer = quotas::service_quota(&read, of, usage, &query.label);
        *loaded = Some(read);
        Ok(answer)
    }

    /// Says that `groups` hold no event in `window`, and when the events they hold are
    /// (a cell that asks for the default last hours of exported data reads nothing).
    fn empty_window_note(&self, group_names: &[String], window: &TimeRange) -> String {
        let mut span: Option<(i64, i64)> = None;
        for name in group_names {
            let Ok(group) = self.group(name) else {
                continue;
            };
            for stream in streams(&group).unwrap_or_default() {
                if let Ok(Some((lo, hi))) = logs::extent(&stream, &self.cancelled) {
                    span = Some(span.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
                }
            }
        }
        let groups = group_names.join(", ");
        let instant = |ms| DateTime::from_timestamp_millis(ms).map(rfc3339);
        match span.map(|(lo, hi)| (instant(lo), instant(hi))) {
            Some((Some(lo), Some(hi))) => format!(
                "no events of {groups} in {window}: {} holds its events from {lo} to {hi} \
                 (set the window with `%window START..END`)",
                self.spec()
            ),
            _ => format!(
                "no events of {groups} in {window}: {} holds none for it",
                self.spec()
            ),
        }
    }

    /// The log groups on disk whose names start with `prefix` (a leading `/` optional).
    fn groups_named(&self, prefix: Option<&str>) -> Result<Vec<LogGroup>, EngineError> {
        let prefix = prefix.unwrap_or("").trim_start_matches('/');
        Ok(groups(&self.dir.join("logs"))?
            .into_iter()
            .filter(|g| g.name.trim_start_matches('/').starts_with(prefix))
            .collect())
    }
}

impl Backend for LocalSource {
    fn spec(&self) -> String {
        format!("local:{}", self.dir.display())
    }

    fn publish_metrics(
        &self,
        datums: &[playbook::model::publish::MetricDatum],
    ) -> Result<Outcome<()>, EngineError> {
        publish::append(&self.dir.join("metrics"), datums)?;
        // The next metric query reads them too.
        *self.metrics.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(Outcome::new((), 0))
    }

    fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    fn retention_rules(&self) -> bool {
        false
    }

    fn metrics(
        &self,
        queries: &[ResolvedMetric],
    ) -> Result<Outcome<Vec<Vec<Series>>>, EngineError> {
        let store = self.store()?;
        let mut series = Vec::with_capacity(queries.len());
        // Each statistic query's series, hidden ones included: what expressions read.
        let mut measured: Vec<Option<Series>> = vec![None; queries.len()];
        let mut notes = Vec::new();
        for (i, query) in queries.iter().enumerate() {
            if let Some(account) = &query.query.account {
                return Err(EngineError::Unsupported {
                    source_name: self.spec(),
                    what: format!("read account {account}"),
                    hint: ": linked accounts are read through CloudWatch cross-account \
                           observability; a local source holds one account's data"
                        .into(),
                });
            }
            if query.metric().is_none() {
                series.push(Vec::new()); // answered below, once every metric is read
                continue;
            }
            let found = match store.query(query) {
                Some(found) => {
                    if found.is_empty() {
                        notes.extend(self.span_note(&query.window));
                    }
                    found
                }
                None => {
                    notes.push(missing_metric_note(&store, query, &self.spec()));
                    Series::new(query.label.clone(), None)
                }
            };
            series.push(if query.query.hidden {
                Vec::new()
            } else {
                vec![found.clone()]
            });
            measured[i] = Some(found);
        }
        let mut loaded = None;
        for (i, query) in queries.iter().enumerate() {
            if query.metric().is_some() {
                continue;
            }
            let (found, note) = self.expression(queries, &measured, query, &mut loaded)?;
            notes.extend(note);
            series[i] = if query.query.hidden {
                Vec::new()
            } else {
                vec![found]
            };
        }
        notes.dedup();
        let mut outcome = Outcome::new(series, 0);
        outcome.notes = notes;
        Ok(outcome)
    }

    fn logs_insights(
        &self,
        query: &LogsQuery,
        group_names: &[String],
        window: TimeRange,
    ) -> Result<Outcome<LogTable>, EngineError> {
        if !query.language.is_default() {
            return Err(EngineError::Unsupported {
                source_name: self.spec(),
                what: format!("answer {} queries", query.language.name()),
                hint: ": the local source answers Logs Insights QL; run this query against \
                       CloudWatch (--source cloudwatch), or write it in QL"
                    .into(),
            });
        }
        let parsed = insights::parse(&query.query)
            .map_err(|e| EngineError::Query(format!("Logs Insights query: {e}")))?;
        let required = parsed.required_substrings();
        let mut evaluator = parsed.evaluator();
        let (mut scanned, mut bytes) = (0u64, 0u64);
        let mut notes = Vec::new();
        self.cancelled.store(false, Ordering::SeqCst);
        for name in group_names {
            let group = self.group(name)?;
            for stream in streams(&group)? {
                let read = read_events(&stream, &window, &self.cancelled, |time, message| {
                    if required.iter().all(|s| message.contains(s.as_str())) {
                        evaluator.push(&Event {
                            timestamp_ms: time,
                            ingestion_ms: time,
                            message,
                            log_stream: &stream.name,
                            log_group: &group.name,
                        });
                    }
                })?;
                scanned += read.events;
                bytes += read.bytes;
                notes.extend(read.notes);
            }
        }
        let output = evaluator.finish();
        let mut table = LogTable::new(output.columns, query.query.clone());
        table.rows = output.rows;
        table.truncated = output.truncated;
        if let Some(limit) = query
            .limit
            .filter(|l| parsed.limit().is_none() && table.rows.len() > *l)
        {
            table.rows.truncate(limit);
            table.truncated = true;
        }
        table.groups = group_names.to_vec();
        table.window = Some(window);
        table.statistics = QueryStatistics {
            records_matched: output.records_matched as f64,
            records_scanned: scanned as f64,
            bytes_scanned: bytes as f64,
        };
        let mut outcome = Outcome::new(table, 0);
        outcome.notes = notes;
        if scanned == 0 {
            outcome
                .notes
                .push(self.empty_window_note(group_names, &window));
        }
        Ok(outcome)
    }

    fn filter_log_events(
        &self,
        query: &FilterQuery,
        window: TimeRange,
    ) -> Result<Outcome<LogTable>, EngineError> {
        let pattern = FilterPattern::parse(query.pattern.as_deref().unwrap_or(""))?;
        let group = self.group(&query.group)?;
        let limit = query.limit.unwrap_or(DEFAULT_ROW_LIMIT);
        let mut events: Vec<(i64, String, String)> = Vec::new();
        let (mut scanned, mut bytes) = (0u64, 0u64);
        let mut notes = Vec::new();
        self.cancelled.store(false, Ordering::SeqCst);
        for stream in streams(&group)? {
            if !query.streams.is_empty() && !query.streams.contains(&stream.name) {
                continue;
            }
            let read = read_events(&stream, &window, &self.cancelled, |time, message| {
                if pattern.matches(message) {
                    events.push((time, stream.name.clone(), message.to_owned()));
                }
            })?;
            scanned += read.events;
            bytes += read.bytes;
            notes.extend(read.notes);
        }
        // FilterLogEvents returns events in time order, interleaving streams.
        events.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        let matched = events.len();
        let truncated = matched > limit;
        events.truncate(limit);
        let mut table = LogTable::new(
            vec!["@timestamp".into(), "@logStream".into(), "@message".into()],
            format!(
                "filter {}",
                query.pattern.as_deref().unwrap_or("(all events)")
            ),
        );
        table.rows = events
            .into_iter()
            .map(|(t, stream, message)| {
                let time = DateTime::from_timestamp_millis(t)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string());
                vec![time, Some(stream), Some(message)]
            })
            .collect();
        table.groups = vec![group.name.clone()];
        table.window = Some(window);
        table.truncated = truncated;
        table.statistics = QueryStatistics {
            records_matched: matched as f64,
            records_scanned: scanned as f64,
            bytes_scanned: bytes as f64,
        };
        let mut outcome = Outcome::new(table, 0);
        outcome.notes = notes;
        if scanned == 0 {
            outcome
                .notes
                .push(self.empty_window_note(std::slice::from_ref(&group.name), &window));
        }
        Ok(outcome)
    }

    fn list_metrics(
        &self,
        search: &playbook::model::query::MetricSearch,
    ) -> Result<Outcome<Vec<playbook::model::query::MetricId>>, EngineError> {
        let found: Vec<playbook::model::query::MetricId> = self
            .store()?
            .keys()
            .map(|k| playbook::model::query::MetricId {
                account: None,
                namespace: k.namespace.clone(),
                metric: k.metric.clone(),
                dimensions: k.dimensions.clone(),
            })
            .filter(|id| search.matches(id))
            .collect();
        Ok(Outcome::new(found, 0))
    }

    fn alarms(
        &self,
        query: &playbook::model::alarms::AlarmsQuery,
        window: TimeRange,
    ) -> Result<Outcome<playbook::model::alarms::AlarmReport>, EngineError> {
        let defs = alarms::definitions(&self.dir)?;
        let store = self.store()?;
        let mut report = alarms::evaluate(&defs, &store, query, window)?;
        if defs.is_empty() {
            report.notes.push(format!(
                "{} defines no alarms (put definitions in {}/alarms.json)",
                self.spec(),
                self.dir.display()
            ));
        }
        Ok(Outcome::new(report, 0))
    }

    fn log_groups(&self, prefix: Option<&str>) -> Result<Vec<String>, EngineError> {
        Ok(self
            .groups_named(prefix)?
            .into_iter()
            .map(|g| g.name)
            .collect())
    }

    fn contributors(
        &self,
        query: &playbook::model::contributors::ContributorsQuery,
        window: TimeRange,
        period: u32,
    ) -> Result<Outcome<playbook::model::contributors::TopContributors>, EngineError> {
        let rule = contributors::rule(&self.dir, &query.rule, &self.spec())?;
        let all = groups(&self.dir.join("logs"))?;
        self.cancelled.store(false, Ordering::SeqCst);
        let report = contributors::evaluate(&rule, &all, query, window, period, &self.cancelled)?;
        Ok(Outcome::new(report, 0))
    }

    fn service_quotas(
        &self,
        query: &playbook::model::quotas::QuotasQuery,
    ) -> Result<Outcome<playbook::model::quotas::ServiceQuotas>, EngineError> {
        Ok(Outcome::new(
            quotas::service_quotas(&self.dir, &self.spec(), query)?,
            0,
        ))
    }

    fn log_anomalies(
        &self,
        query: &playbook::model::log_anomalies::LogAnomaliesQuery,
        window: TimeRange,
    ) -> Result<Outcome<playbook::model::log_anomalies::LogAnomalies>, EngineError> {
        if query.groups.is_empty() {
            return Err(EngineError::InvalidInput(
                "name the log groups to look at: log_anomalies().group(\"/ecs/checkout\")".into(),
            ));
        }
        let chosen = (query.groups.iter())
            .map(|name| self.group(name))
            .collect::<Result<Vec<_>, _>>()?;
        self.cancelled.store(false, Ordering::SeqCst);
        let report = log_anomalies::detect(&chosen, window, &self.cancelled)?;
        Ok(Outcome::new(report, 0))
    }

    fn log_group_settings(
        &self,
        prefix: Option<&str>,
    ) -> Result<Outcome<Vec<playbook::model::inventory::LogGroupInfo>>, EngineError> {
        let groups = inventory::log_groups(&self.dir, self.groups_named(prefix)?)?;
        Ok(Outcome::new(groups, 0))
    }

    fn anomaly_detectors(
        &self,
        namespace: Option<&str>,
    ) -> Result<Outcome<Vec<playbook::model::inventory::AnomalyDetector>>, EngineError> {
        Ok(Outcome::new(
            inventory::anomaly_detectors(&self.dir, namespace)?,
            0,
        ))
    }
}

fn missing_metric_note(store: &MetricStore, query: &ResolvedMetric, spec: &str) -> String {
    let Some((namespace, metric, dimensions)) = query.metric() else {
        return String::new();
    };
    let dims: Vec<String> = dimensions.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let known: Vec<String> = store
        .keys()
        .filter(|k| k.namespace == namespace && k.metric == metric)
        .take(5)
        .map(|k| {
            let d: Vec<String> = k
                .dimensions
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            format!("[{}]", d.join(" "))
        })
        .collect();
    let hint = if known.is_empty() {
        "no such metric there".to_owned()
    } else {
        format!("dimension sets there: {}", known.join(", "))
    };
    format!(
        "no {namespace} {metric} with dimensions [{}] in {spec} (dimensions must match exactly, as in CloudWatch; {hint})",
        dims.join(" ")
    )
}

#[cfg(test)]
pub(crate) mod tests;
