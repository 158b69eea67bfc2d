//! The quotas of some services in one account and region for cells
//! (`service_quotas(&["ec2"]).run()`): a query kind, recorded like any. The source answers
//! each quota's applied value, else its default (Service Quotas on CloudWatch,
//! `quotas.json` locally); the kind keeps the codes asked for, sorted.

use playbook::model::quotas::{QuotasQuery, ServiceQuota, ServiceQuotas};
use playbook::model::record::{QueryKind, QueryRecord};
use playbook::model::time_range::TimeRange;

use crate::Session;
use crate::backend::{Backend, Outcome};
use crate::error::EngineError;
use crate::queries::fill_report;
use crate::query::Query;

/// The quotas a query asks for.
pub(crate) struct Quotas<'a>(&'a QuotasQuery);

impl Query for Quotas<'_> {
    type Found = ServiceQuotas;
    type Output = ServiceQuotas;

    fn kind(&self) -> QueryKind {
        QueryKind::ServiceQuotas
    }

    fn describe(&self) -> String {
        self.0.describe()
    }

    fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    fn validate(&self) -> Result<(), EngineError> {
        self.0.validate().map_err(EngineError::from)
    }

    fn run(
        &self,
        backend: &dyn Backend,
        _window: Option<TimeRange>,
    ) -> Result<Outcome<ServiceQuotas>, EngineError> {
        let mut outcome = backend.service_quotas(self.0)?;
        let found = &mut outcome.value;
        found.quotas.retain(|q| self.0.wants(q));
        found.quotas.sort_by(|a, b| {
            (&a.service_code, &a.quota_code).cmp(&(&b.service_code, &b.quota_code))
        });
        found.notes.extend(missing(self.0, &found.quotas));
        found.account = found.account.take().or_else(|| backend.account());
        found.region = found.region.take().or_else(|| backend.region());
        Ok(outcome)
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<ServiceQuotas>,
        notes: &[String],
    ) -> ServiceQuotas {
        let mut found = outcome.value;
        let results = found.quotas.len();
        fill_report(&mut records[0], &mut found.notes, notes, results);
        found
    }
}

/// A note per quota code asked for that the source does not have.
fn missing(query: &QuotasQuery, found: &[ServiceQuota]) -> Vec<String> {
    (query.quota_codes.iter())
        .filter(|code| !found.iter().any(|q| &q.quota_code == *code))
        .map(|code| {
            let usage = if query.with_usage {
                " with a usage metric"
            } else {
                ""
            };
            format!(
                "no quota {code}{usage} among the quotas of {}",
                query.services.join(", ")
            )
        })
        .collect()
}

impl Session {
    /// The quotas the query asks for, in its source's account and region.
    pub fn run_service_quotas(&self, query: &QuotasQuery) -> Result<ServiceQuotas, EngineError> {
        self.run(Quotas(query))
    }
}
