//! PutMetricData: datums grouped by namespace, at most 1,000 per call (the API's limit),
//! calls paced under the API's quota.

use aws_sdk_cloudwatch::primitives::DateTime as AwsTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum as AwsDatum, StandardUnit};
use playbook::model::publish::MetricDatum;

use super::Shared;
use super::errors::from_sdk;
use crate::backend::Outcome;
use crate::error::EngineError;

/// Datums one PutMetricData call takes at most.
pub const MAX_DATUMS_PER_CALL: usize = 1_000;
/// The engine's pace for PutMetricData (quota: 500 TPS).
const PUT_TPS: f64 = 50.0;

/// Publishes `datums`; the outcome counts the calls.
pub async fn publish(shared: &Shared, datums: &[MetricDatum]) -> Result<Outcome<()>, EngineError> {
    let mut namespaces: Vec<&str> = datums.iter().map(|d| d.namespace.as_str()).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let mut calls = 0;
    for namespace in namespaces {
        let of_namespace: Vec<AwsDatum> = datums
            .iter()
            .filter(|d| d.namespace == namespace)
            .map(aws_datum)
            .collect();
        for chunk in of_namespace.chunks(MAX_DATUMS_PER_CALL) {
            shared.quotas.get_metric_data.acquire(PUT_TPS).await;
            shared
                .metrics
                .put_metric_data()
                .namespace(namespace)
                .set_metric_data(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| from_sdk("PutMetricData", "500 TPS", e))?;
            calls += 1;
        }
    }
    Ok(Outcome::new((), calls))
}

/// A datum as the SDK takes it.
pub fn aws_datum(datum: &MetricDatum) -> AwsDatum {
    AwsDatum::builder()
        .metric_name(&datum.name)
        .value(datum.value)
        .unit(StandardUnit::from(datum.unit.as_str()))
        .timestamp(AwsTime::from_millis(datum.timestamp.timestamp_millis()))
        .set_dimensions(Some(
            datum
                .dimensions
                .iter()
                .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                .collect(),
        ))
        .build()
}
