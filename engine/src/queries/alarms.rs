//! The alarms query kind: alarms and their state changes in a window.

use crate::backend::{Backend, Outcome};
use crate::error::EngineError;
use crate::queries::{fill_report, logs::windowed};
use crate::query::{Query, Window};
use playbook::model::alarms::{AlarmReport, AlarmsQuery};
use playbook::model::record::{QueryKind, QueryRecord};
use playbook::model::time_range::TimeRange;

/// Alarms and their state changes in the query's window.
pub(crate) struct Alarms<'a>(pub(crate) &'a AlarmsQuery);

impl Query for Alarms<'_> {
    type Found = AlarmReport;
    type Output = AlarmReport;

    fn kind(&self) -> QueryKind {
        QueryKind::Alarms
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
    ) -> Result<Outcome<AlarmReport>, EngineError> {
        backend.alarms(self.0, windowed(window)?)
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<AlarmReport>,
        notes: &[String],
    ) -> AlarmReport {
        let mut report = outcome.value;
        let results = report.alarms.len() + report.changes.len();
        fill_report(&mut records[0], &mut report.notes, notes, results);
        report
    }
}
