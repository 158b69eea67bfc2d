//! Metric discovery on CloudWatch: ListMetrics, paged, with dimension filters.

use std::sync::atomic::Ordering;

use aws_sdk_cloudwatch::types::DimensionFilter;

use super::Shared;
use super::errors::from_sdk;
use crate::engine::backend::Outcome;
use crate::engine::error::EngineError;
use crate::query::{MetricId, MetricSearch};

/// ListMetrics' quota.
pub const LIST_METRICS_TPS: f64 = 25.0;
/// Pages one listing may follow (500 metrics each).
const MAX_PAGES: usize = 200;

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
    let mut token: Option<String> = None;
    let mut api_calls = 0;
    for _ in 0..MAX_PAGES {
        if shared.cancelled.load(Ordering::SeqCst) {
            return Err(EngineError::Cancelled("ListMetrics".into()));
        }
        shared.get_metric_data.acquire(LIST_METRICS_TPS).await;
        let response = shared
            .metrics
            .list_metrics()
            .set_namespace(search.namespace.clone())
            .set_metric_name(search.metric.clone())
            .set_dimensions((!filters.is_empty()).then(|| filters.clone()))
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| from_sdk("ListMetrics", "25 TPS", e))?;
        api_calls += 1;
        for m in response.metrics() {
            let mut dimensions: Vec<(String, String)> = m
                .dimensions()
                .iter()
                .filter_map(|d| Some((d.name()?.to_owned(), d.value()?.to_owned())))
                .collect();
            dimensions.sort();
            let id = MetricId {
                namespace: m.namespace().unwrap_or_default().to_owned(),
                metric: m.metric_name().unwrap_or_default().to_owned(),
                dimensions,
            };
            if search.matches(&id) {
                found.push(id);
            }
        }
        token = response.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    found.sort();
    found.dedup();
    Ok(Outcome::new(found, api_calls))
}
