//! Asking what is configured — log group settings, anomaly detectors — of the session's
//! source, each call recorded in the query log like a query.

use playbook::inventory::{AnomalyDetector, LogGroupInfo};
use playbook::record::QueryKind;

use crate::Session;
use crate::error::EngineError;
use crate::queries::Started;

impl Session {
    /// Log groups whose names start with `prefix`, with their retention.
    pub fn run_log_group_settings(
        &self,
        prefix: Option<&str>,
    ) -> Result<Vec<LogGroupInfo>, EngineError> {
        let backend = self.backend()?;
        let started = Started::now();
        let result = backend.log_group_settings(prefix);
        let text = format!("settings of {}*", prefix.unwrap_or(""));
        let record = self.record_of(&*backend, QueryKind::LogGroups, text, None, started);
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

    /// The metric anomaly detectors of `namespace` (all: `None`).
    pub fn run_anomaly_detectors(
        &self,
        namespace: Option<&str>,
    ) -> Result<Vec<AnomalyDetector>, EngineError> {
        let backend = self.backend()?;
        let started = Started::now();
        let result = backend.anomaly_detectors(namespace);
        let text = format!(
            "anomaly detectors of {}",
            namespace.unwrap_or("every namespace")
        );
        let record = self.record_of(&*backend, QueryKind::AnomalyDetectors, text, None, started);
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
