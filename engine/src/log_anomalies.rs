//! Listing log anomalies for cells (`log_anomalies()`): a query kind, recorded like any.

use playbook::model::log_anomalies::{LogAnomalies, LogAnomaliesQuery};
use playbook::model::record::{QueryKind, QueryRecord};
use playbook::model::time_range::TimeRange;

use crate::Session;
use crate::backend::{Backend, Outcome};
use crate::error::EngineError;
use crate::queries::{fill_report, windowed};
use crate::query::{Query, Window};

/// The log anomalies of a window.
pub(crate) struct Anomalies<'a>(&'a LogAnomaliesQuery);

impl Query for Anomalies<'_> {
    type Found = LogAnomalies;
    type Output = LogAnomalies;

    fn kind(&self) -> QueryKind {
        QueryKind::LogAnomalies
    }

    fn describe(&self) -> String {
        self.0.describe()
    }

    fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    fn window(&self) -> Window<'_> {
        Window::Of(self.0.window.as_ref())
    }

    fn run(
        &self,
        backend: &dyn Backend,
        window: Option<TimeRange>,
    ) -> Result<Outcome<LogAnomalies>, EngineError> {
        backend.log_anomalies(self.0, windowed(window)?)
    }

    fn records(&self, mut record: QueryRecord, _backend: &dyn Backend) -> Vec<QueryRecord> {
        record.groups = self.0.groups.clone();
        vec![record]
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<LogAnomalies>,
        notes: &[String],
    ) -> LogAnomalies {
        let mut report = outcome.value;
        let results = report.anomalies.len();
        fill_report(&mut records[0], &mut report.notes, notes, results);
        report
    }
}

impl Session {
    /// The log anomalies of the query's window.
    pub fn run_log_anomalies(
        &self,
        query: &LogAnomaliesQuery,
    ) -> Result<LogAnomalies, EngineError> {
        self.run(Anomalies(query))
    }
}
