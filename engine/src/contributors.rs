//! A Contributor Insights rule's top contributors for cells (`contributors(rule)`),
//! `%%contributors` and `playbook query contributors`, recorded like a query.

use playbook::contributors::{ContributorsQuery, TopContributors, report_period};
use playbook::record::QueryKind;

use crate::Session;
use crate::error::EngineError;
use crate::queries::Started;

impl Session {
    /// The top contributors of the query's rule over its window.
    pub fn run_contributors(
        &self,
        query: &ContributorsQuery,
    ) -> Result<TopContributors, EngineError> {
        query.validate().map_err(EngineError::InvalidInput)?;
        let backend = self.backend_for(query.source.as_deref())?;
        let mut notes = Vec::new();
        let window = self.resolve_window(query.window.as_ref(), &mut notes)?;
        let period = report_period(query.period, &window);
        if let Some(asked) = query.period.filter(|p| *p != period) {
            notes.push(format!(
                "period {asked} s adjusted to {period} s: reports are in whole minutes"
            ));
        }
        let started = Started::now();
        let result = backend.contributors(query, window, period);
        let record = self.record_of(
            &*backend,
            QueryKind::Contributors,
            query.describe(),
            Some(window),
            started,
        );
        self.finish(vec![record], notes, result, |records, outcome, notes| {
            let mut report = outcome.value;
            report.notes.extend(notes.iter().cloned());
            records[0].api_calls = outcome.api_calls;
            records[0].results = report.contributors.len() as u64;
            records[0].notes = report.notes.clone();
            report
        })
    }
}
