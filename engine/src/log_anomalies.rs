//! Listing log anomalies for cells (`log_anomalies()`), recorded like a query.

use playbook::log_anomalies::{LogAnomalies, LogAnomaliesQuery};
use playbook::record::QueryKind;

use crate::Session;
use crate::error::EngineError;
use crate::queries::Started;

impl Session {
    /// The log anomalies of the query's window.
    pub fn run_log_anomalies(
        &self,
        query: &LogAnomaliesQuery,
    ) -> Result<LogAnomalies, EngineError> {
        let backend = self.backend_for(query.source.as_deref())?;
        let mut notes = Vec::new();
        let window = self.resolve_window(query.window.as_ref(), &mut notes)?;
        let started = Started::now();
        let result = backend.log_anomalies(query, window);
        let mut record = self.record_of(
            &*backend,
            QueryKind::LogAnomalies,
            query.describe(),
            Some(window),
            started,
        );
        record.groups = query.groups.clone();
        self.finish(vec![record], notes, result, |records, outcome, notes| {
            let mut report = outcome.value;
            report.notes.extend(notes.iter().cloned());
            records[0].api_calls = outcome.api_calls;
            records[0].results = report.anomalies.len() as u64;
            records[0].notes = report.notes.clone();
            report
        })
    }
}
