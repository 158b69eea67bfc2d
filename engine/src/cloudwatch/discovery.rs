//! Metric discovery on CloudWatch: ListMetrics, paged, with dimension filters.

use aws_sdk_cloudwatch::types::DimensionFilter;

use super::Shared;
use super::errors::from_sdk;
use super::paging::{Next, Pager};
use crate::backend::Outcome;
use crate::error::EngineError;
use playbook::model::query::{MetricId, MetricSearch};

/// ListMetrics' quota.
pub const LIST_METRICS_TPS: f64 = 25.0;
/// Pages one listing may follow (500 metrics each).
const MAX_PAGES: u32 = 200;

/// ListMetrics, paged: every metric matching `search` (dimension filters with a value are
/// sent to the service; the result is filtered again here, so every returned metric has
/// all the requested dimensions).
pub async fn list(
    shared: &Shared,
    search: &MetricSearch,
) -> Result<Outcome<Vec<MetricId>>, EngineError> {
    let filters: Vec<DimensionFilter> = search
        .dimensions
        .iter()
        .map(|(k, v)| {
            DimensionFilter::builder()
                .name(k)
                .set_value(v.clone())
                .build()
        })
        .collect();
    let mut found = Vec::new();
    let mut pager = Pager::new(shared, "ListMetrics", MAX_PAGES);
    while let Some(token) = pager.next_page()? {
        shared
            .quotas
            .get_metric_data
            .acquire(LIST_METRICS_TPS)
            .await;
        let response = shared
            .metrics
            .list_metrics()
            .set_namespace(search.namespace.clone())
            .set_metric_name(search.metric.clone())
            .set_dimensions((!filters.is_empty()).then(|| filters.clone()))
            .set_include_linked_accounts(search.include_linked.then_some(true))
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| from_sdk("ListMetrics", "25 TPS", e))?;
        // OwningAccounts, when linked accounts are included, runs beside Metrics.
        let owners = response.owning_accounts();
        found.extend(
            (response.metrics().iter().enumerate())
                .map(|(i, m)| {
                    let mut id = metric_id(m);
                    id.account = search
                        .include_linked
                        .then(|| owners.get(i).cloned())
                        .flatten();
                    id
                })
                .filter(|id| search.matches(id)),
        );
        pager.then(Next::after(response.next_token()));
    }
    let paged = pager.finish();
    found.sort();
    found.dedup();
    let mut outcome = Outcome::new(found, paged.calls);
    if !paged.complete {
        outcome.notes.push(format!(
            "ListMetrics had more than {MAX_PAGES} pages: the list is incomplete; narrow the search"
        ));
    }
    Ok(outcome)
}

fn metric_id(m: &aws_sdk_cloudwatch::types::Metric) -> MetricId {
    let mut dimensions: Vec<(String, String)> = m
        .dimensions()
        .iter()
        .filter_map(|d| Some((d.name()?.to_owned(), d.value()?.to_owned())))
        .collect();
    dimensions.sort();
    MetricId {
        account: None,
        namespace: m.namespace().unwrap_or_default().to_owned(),
        metric: m.metric_name().unwrap_or_default().to_owned(),
        dimensions,
    }
}
