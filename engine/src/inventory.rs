//! Asking what is configured — log group settings, anomaly detectors — of the session's
//! source, each call recorded in the query log like a query.

use playbook::inventory::{AnomalyDetector, LogGroupInfo};
use playbook::record::QueryKind;

use crate::Session;
use crate::backend::{Backend, Outcome};
use crate::error::EngineError;
use crate::queries::Started;

impl Session {
    /// Log groups whose names start with `prefix`, with their retention.
    pub fn run_log_group_settings(
        &self,
        prefix: Option<&str>,
    ) -> Result<Vec<LogGroupInfo>, EngineError> {
        let text = format!("settings of {}*", prefix.unwrap_or(""));
        self.run_listing(QueryKind::LogGroups, text, |backend| {
            backend.log_group_settings(prefix)
        })
    }

    /// The metric anomaly detectors of `namespace` (all: `None`).
    pub fn run_anomaly_detectors(
        &self,
        namespace: Option<&str>,
    ) -> Result<Vec<AnomalyDetector>, EngineError> {
        let text = format!(
            "anomaly detectors of {}",
            namespace.unwrap_or("every namespace")
        );
        self.run_listing(QueryKind::AnomalyDetectors, text, |backend| {
            backend.anomaly_detectors(namespace)
        })
    }

    /// Asks the session's source for a list (`call`) and records the call as `kind`.
    fn run_listing<T>(
        &self,
        kind: QueryKind,
        text: String,
        call: impl FnOnce(&dyn Backend) -> Result<Outcome<Vec<T>>, EngineError>,
    ) -> Result<Vec<T>, EngineError> {
        let backend = self.backend()?;
        let started = Started::now();
        let result = call(&*backend);
        let record = self.record_of(&*backend, kind, text, None, started);
        self.finish(
            vec![record],
            Vec::new(),
            result,
            |records, outcome, notes| {
                records[0].api_calls = outcome.api_calls;
                records[0].results = outcome.value.len() as u64;
                records[0].notes = notes.to_vec();
                outcome.value
            },
        )
    }
}
