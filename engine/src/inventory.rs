//! Asking what is configured — log group settings, anomaly detectors — of the session's
//! source: two query kinds, each call recorded in the query log like any.

use playbook::model::inventory::{AnomalyDetector, LogGroupInfo};
use playbook::model::record::{QueryKind, QueryRecord};
use playbook::model::time_range::TimeRange;

use crate::Session;
use crate::backend::{Backend, Outcome};
use crate::error::EngineError;
use crate::query::Query;

/// Log groups whose names start with a prefix, with their retention.
pub(crate) struct LogGroupSettings<'a>(Option<&'a str>);

/// The metric anomaly detectors of a namespace (all: `None`).
pub(crate) struct AnomalyDetectors<'a>(Option<&'a str>);

impl Query for LogGroupSettings<'_> {
    type Found = Vec<LogGroupInfo>;
    type Output = Vec<LogGroupInfo>;

    fn kind(&self) -> QueryKind {
        QueryKind::LogGroups
    }

    fn describe(&self) -> String {
        format!("settings of {}*", self.0.unwrap_or(""))
    }

    fn run(
        &self,
        backend: &dyn Backend,
        _window: Option<TimeRange>,
    ) -> Result<Outcome<Self::Found>, EngineError> {
        backend.log_group_settings(self.0)
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<Self::Found>,
        notes: &[String],
    ) -> Self::Output {
        fill_listing(records, outcome, notes)
    }
}

impl Query for AnomalyDetectors<'_> {
    type Found = Vec<AnomalyDetector>;
    type Output = Vec<AnomalyDetector>;

    fn kind(&self) -> QueryKind {
        QueryKind::AnomalyDetectors
    }

    fn describe(&self) -> String {
        format!(
            "anomaly detectors of {}",
            self.0.unwrap_or("every namespace")
        )
    }

    fn run(
        &self,
        backend: &dyn Backend,
        _window: Option<TimeRange>,
    ) -> Result<Outcome<Self::Found>, EngineError> {
        backend.anomaly_detectors(self.0)
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<Self::Found>,
        notes: &[String],
    ) -> Self::Output {
        fill_listing(records, outcome, notes)
    }
}

/// A listing's record: how many it found, and the notes.
fn fill_listing<T>(
    records: &mut [QueryRecord],
    outcome: Outcome<Vec<T>>,
    notes: &[String],
) -> Vec<T> {
    records[0].results = outcome.value.len() as u64;
    records[0].notes = notes.to_vec();
    outcome.value
}

impl Session {
    /// Log groups whose names start with `prefix`, with their retention.
    pub fn run_log_group_settings(
        &self,
        prefix: Option<&str>,
    ) -> Result<Vec<LogGroupInfo>, EngineError> {
        self.run(LogGroupSettings(prefix))
    }

    /// The metric anomaly detectors of `namespace` (all: `None`).
    pub fn run_anomaly_detectors(
        &self,
        namespace: Option<&str>,
    ) -> Result<Vec<AnomalyDetector>, EngineError> {
        self.run(AnomalyDetectors(namespace))
    }
}
