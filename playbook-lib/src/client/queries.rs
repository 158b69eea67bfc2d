//! The blocking calls that run queries on the host: each query of the model (metrics,
//! Logs Insights, filtered events, metric discovery, alarms, log anomalies, contributors,
//! the inventory, probes) gets its `run`/`fetch` here, one request and its typed answer.

use super::host;
use crate::model::alarms::{AlarmReport, AlarmsQuery};
use crate::model::contributors::{ContributorsQuery, TopContributors};
use crate::model::discovery::{MetricId, MetricSearch};
use crate::model::error::{Error, Result};
use crate::model::inventory::{AnomalyDetector, LogGroupInfo};
use crate::model::log_anomalies::{LogAnomalies, LogAnomaliesQuery};
use crate::model::log_table::LogTable;
use crate::model::logs_query::{FilterQuery, LogsQuery};
use crate::model::probe::{MAX_PROBES, Probe, ProbeReport, ProbeResult};
use crate::model::query::{MetricQuery, RangeSpec};
use crate::model::quotas::{QuotasQuery, ServiceQuotas};
use crate::model::series::Series;
use crate::model::series_set::SeriesSet;
use crate::model::time_range::TimeRange;
use crate::protocol::Request;

impl MetricQuery {
    /// Fetches the one series this query gives.
    pub fn fetch(&self) -> Result<Series> {
        let set = self.fetch_all()?;
        let label = self.describe();
        set.into_iter()
            .next()
            .ok_or_else(|| Error::InvalidInput(format!("{label} returned no series")))
    }

    /// Fetches every series this query gives (a Metrics Insights `GROUP BY` gives many).
    pub fn fetch_all(&self) -> Result<SeriesSet> {
        fetch_many(std::slice::from_ref(self))
    }
}

/// Fetches many metric queries at once (the host packs them into as few API calls as the
/// API allows); the series come back in query order.
pub fn fetch_many(queries: &[MetricQuery]) -> Result<SeriesSet> {
    host::call(&Request::Metrics {
        queries: queries.to_vec(),
    })
}

/// Sets the session's default window (what queries without their own window use): a
/// `TimeRange`, or text like `"3h"` or `"2026-11-12T13:30:00Z..2026-11-12T15:30:00Z"`.
pub fn set_window(window: impl Into<RangeSpec>) -> Result<TimeRange> {
    let set: Option<TimeRange> = host::call(&Request::SetWindow {
        window: Some(window.into()),
    })?;
    set.ok_or_else(|| Error::Channel("the host cleared the window instead of setting it".into()))
}

impl LogsQuery {
    /// Runs the query and waits for its result.
    pub fn run(&self) -> Result<LogTable> {
        host::call(&Request::LogsInsights {
            query: self.clone(),
        })
    }
}

impl FilterQuery {
    /// Runs the filter and returns the events (`@timestamp`, `@logStream`, `@message`).
    pub fn run(&self) -> Result<LogTable> {
        host::call(&Request::FilterLogEvents {
            query: self.clone(),
        })
    }
}

impl MetricSearch {
    /// The metrics found, sorted.
    pub fn run(&self) -> Result<Vec<MetricId>> {
        host::call(&Request::ListMetrics {
            search: self.clone(),
        })
    }
}

impl AlarmsQuery {
    /// The alarms and their state changes in the window.
    pub fn run(&self) -> Result<AlarmReport> {
        host::call(&Request::Alarms {
            query: self.clone(),
        })
    }
}

impl LogAnomaliesQuery {
    /// The anomalies of the window, most seen first.
    pub fn run(&self) -> Result<LogAnomalies> {
        host::call(&Request::LogAnomalies {
            query: self.clone(),
        })
    }
}

impl ContributorsQuery {
    /// The top contributors of the window.
    pub fn run(&self) -> Result<TopContributors> {
        host::call(&Request::Contributors {
            query: self.clone(),
        })
    }
}

impl QuotasQuery {
    /// The quotas asked for, in the source's account and region: each quota's applied
    /// value, else its default.
    pub fn run(&self) -> Result<ServiceQuotas> {
        host::call(&Request::ServiceQuotas {
            query: self.clone(),
        })
    }
}

/// Log groups whose names start with `prefix` (all with `""`), with their settings.
pub fn log_group_settings(prefix: &str) -> Result<Vec<LogGroupInfo>> {
    host::call(&Request::LogGroupSettings {
        prefix: (!prefix.is_empty()).then(|| prefix.to_owned()),
    })
}

/// The anomaly detectors that exist (of `namespace`, or all with `""`).
pub fn anomaly_detectors(namespace: &str) -> Result<Vec<AnomalyDetector>> {
    host::call(&Request::AnomalyDetectors {
        namespace: (!namespace.is_empty()).then(|| namespace.to_owned()),
    })
}

impl Probe {
    /// Sends the request and waits for the answer (at most the deadline).
    pub fn run(&self) -> Result<ProbeResult> {
        let mut report = probe_all(std::slice::from_ref(self))?;
        report
            .results
            .pop()
            .ok_or_else(|| Error::Channel("the host answered no probe result".into()))
    }
}

/// Sends every probe at once and waits for all of them (at most the longest deadline).
pub fn probe_all(probes: &[Probe]) -> Result<ProbeReport> {
    if probes.len() > MAX_PROBES {
        return Err(Error::InvalidInput(format!(
            "{} probes in one call: send at most {MAX_PROBES}",
            probes.len()
        )));
    }
    for probe in probes {
        probe.validate()?;
    }
    host::call(&Request::Probe {
        probes: probes.to_vec(),
    })
}
