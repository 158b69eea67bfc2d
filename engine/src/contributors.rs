//! A Contributor Insights rule's top contributors for cells (`contributors(rule)`),
//! `%%contributors` and `playbook query contributors`: a query kind, recorded like any.

use playbook::model::contributors::{ContributorsQuery, TopContributors, report_period};
use playbook::model::record::{QueryKind, QueryRecord};
use playbook::model::time_range::TimeRange;

use crate::Session;
use crate::backend::{Backend, Outcome};
use crate::error::EngineError;
use crate::queries::{fill_report, windowed};
use crate::query::{Query, Window};

/// The top contributors of a rule over a window, at a period in whole minutes.
pub(crate) struct Contributors<'a> {
    query: &'a ContributorsQuery,
    period: u32,
}

impl Query for Contributors<'_> {
    type Found = TopContributors;
    type Output = TopContributors;

    fn kind(&self) -> QueryKind {
        QueryKind::Contributors
    }

    fn describe(&self) -> String {
        self.query.describe()
    }

    fn source(&self) -> Option<&str> {
        self.query.source.as_deref()
    }

    fn window(&self) -> Window<'_> {
        Window::Of(self.query.window.as_ref())
    }

    fn validate(&self) -> Result<(), EngineError> {
        self.query.validate().map_err(EngineError::InvalidInput)
    }

    fn prepare(
        &mut self,
        _session: &Session,
        _backend: &dyn Backend,
        window: Option<TimeRange>,
        notes: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        self.period = report_period(self.query.period, &windowed(window)?);
        if let Some(asked) = self.query.period.filter(|p| *p != self.period) {
            notes.push(format!(
                "period {asked} s adjusted to {} s: reports are in whole minutes",
                self.period
            ));
        }
        Ok(())
    }

    fn run(
        &self,
        backend: &dyn Backend,
        window: Option<TimeRange>,
    ) -> Result<Outcome<TopContributors>, EngineError> {
        backend.contributors(self.query, windowed(window)?, self.period)
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<TopContributors>,
        notes: &[String],
    ) -> TopContributors {
        let mut report = outcome.value;
        let results = report.contributors.len();
        fill_report(&mut records[0], &mut report.notes, notes, results);
        report
    }
}

impl Session {
    /// The top contributors of the query's rule over its window.
    pub fn run_contributors(
        &self,
        query: &ContributorsQuery,
    ) -> Result<TopContributors, EngineError> {
        self.run(Contributors { query, period: 0 })
    }
}
