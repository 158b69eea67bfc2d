//! GetMetricData for many queries: planned into the fewest calls (see [`super::batch`]),
//! run concurrently under the client-side rate limit, paged with NextToken, and turned
//! into series with PartialData and service messages kept as notes.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_cloudwatch::primitives::DateTime as AwsTime;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricDataResult, MetricStat, ScanBy, StandardUnit,
    StatusCode,
};
use chrono::DateTime;
use tokio::task::JoinSet;

use super::Shared;
use super::batch::{Batch, MAX_DATAPOINTS_PER_CALL, plan};
use super::errors::from_sdk;
use super::paging::{Next, Pager};
use crate::backend::{Outcome, ResolvedMetric};
use crate::error::EngineError;
use playbook::model::query::MetricKind;
use playbook::model::series::Series;

/// GetMetricData's quota (transactions per second).
pub const GET_METRIC_DATA_TPS: f64 = 50.0;
/// The quota when a call includes a Metrics Insights query.
pub const INSIGHTS_TPS: f64 = 10.0;
/// Pages one call may follow before the engine gives up (a bound, not a limit ever hit
/// with valid periods).
const MAX_PAGES: u32 = 200;

/// Points as (epoch seconds, value).
type Points = Vec<(i64, f64)>;

/// What one planned call returned.
struct CallResult {
    /// Per query index: (label, points), possibly several per query (a GROUP BY).
    series: Vec<(usize, String, Points)>,
    api_calls: u32,
    notes: Vec<String>,
}

/// Fetches every query; the series come back in query order (a Metrics Insights query
/// may give several, in the order the service returned them).
pub async fn fetch(
    shared: &Arc<Shared>,
    queries: &[ResolvedMetric],
) -> Result<Outcome<Vec<Vec<Series>>>, EngineError> {
    let batches = plan(queries);
    let mut calls = JoinSet::new();
    for (number, batch) in batches.into_iter().enumerate() {
        let shared = shared.clone();
        let requests = batch
            .queries
            .iter()
            .map(|&i| to_request(&queries[i], i))
            .collect::<Result<Vec<_>, _>>()?;
        let insights = batch.queries.iter().any(|&i| is_insights(&queries[i]));
        let mut ids = std::collections::HashMap::new();
        for &i in &batch.queries {
            if ids.insert(request_id(&queries[i], i), i).is_some() {
                return Err(EngineError::InvalidInput(format!(
                    "two metric queries share the id `{}`: ids must be unique within a fetch",
                    request_id(&queries[i], i)
                )));
            }
        }
        calls.spawn(async move {
            (
                number,
                call(&shared, &batch, requests, insights, &ids).await,
            )
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = calls.join_next().await {
        let (number, result) = joined
            .map_err(|e| EngineError::InvalidInput(format!("a GetMetricData call failed: {e}")))?;
        results.push((number, result?));
    }
    results.sort_by_key(|(n, _)| *n);
    let mut by_query: BTreeMap<usize, Vec<(String, Points)>> = BTreeMap::new();
    let mut api_calls = 0;
    let mut notes = Vec::new();
    for (_, result) in results {
        api_calls += result.api_calls;
        notes.extend(result.notes);
        for (index, label, points) in result.series {
            by_query.entry(index).or_default().push((label, points));
        }
    }
    let mut series = Vec::new();
    for (index, query) in queries.iter().enumerate() {
        let unit = match &query.query.kind {
            MetricKind::Stat { unit, .. } => unit.clone(),
            MetricKind::Expression { .. } => None,
        };
        let mut of_query = Vec::new();
        match by_query.remove(&index) {
            None if query.query.hidden => {}
            None => of_query.push(Series::new(query.label.clone(), unit.as_deref())),
            Some(found) => {
                for (label, points) in found {
                    let label = if is_insights(query) || query.metric().is_none() {
                        label
                    } else {
                        query.label.clone()
                    };
                    let points = points
                        .into_iter()
                        .filter_map(|(t, v)| Some((DateTime::from_timestamp(t, 0)?, Some(v))));
                    of_query.push(Series::from_points(label, unit.as_deref(), points));
                }
            }
        }
        series.push(of_query);
    }
    notes.dedup();
    let mut outcome = Outcome::new(series, api_calls);
    outcome.notes = notes;
    Ok(outcome)
}

fn is_insights(query: &ResolvedMetric) -> bool {
    matches!(&query.query.kind, MetricKind::Expression { expression } if expression.trim_start().to_ascii_uppercase().starts_with("SELECT"))
}

/// The id of a query in a request: the one it was given, else `q<index>`.
pub fn request_id(query: &ResolvedMetric, index: usize) -> String {
    query
        .query
        .id
        .clone()
        .unwrap_or_else(|| format!("q{index}"))
}

/// The request entry for one query (id: its own, else `q<index>`).
pub fn to_request(query: &ResolvedMetric, index: usize) -> Result<MetricDataQuery, EngineError> {
    let period = i32::try_from(query.period).unwrap_or(i32::MAX);
    let builder = MetricDataQuery::builder()
        .id(request_id(query, index))
        .return_data(!query.query.hidden)
        .set_account_id(query.query.account.clone());
    let builder = match &query.query.kind {
        MetricKind::Stat {
            namespace,
            metric,
            dimensions,
            unit,
            ..
        } => {
            let dims = dimensions
                .iter()
                .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                .collect::<Vec<_>>();
            let metric = Metric::builder()
                .namespace(namespace)
                .metric_name(metric)
                .set_dimensions(Some(dims))
                .build();
            let stat = query
                .stat
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_else(|| "Average".into());
            let mut stat_builder = MetricStat::builder()
                .metric(metric)
                .period(period)
                .stat(stat);
            if let Some(unit) = unit {
                stat_builder = stat_builder.unit(StandardUnit::from(unit.as_str()));
            }
            builder
                .metric_stat(stat_builder.build())
                .label(&query.label)
        }
        MetricKind::Expression { expression } => {
            let builder = builder.expression(expression).period(period);
            // A band gives two series (its bounds): one label would merge them.
            if expression
                .trim_start()
                .to_ascii_uppercase()
                .starts_with("ANOMALY_DETECTION_BAND")
            {
                builder
            } else {
                builder.label(&query.label)
            }
        }
    };
    Ok(builder.build())
}

async fn call(
    shared: &Shared,
    batch: &Batch,
    requests: Vec<MetricDataQuery>,
    insights: bool,
    ids: &std::collections::HashMap<String, usize>,
) -> Result<CallResult, EngineError> {
    let mut notes = Vec::new();
    let mut found: BTreeMap<(usize, String), Points> = BTreeMap::new();
    let mut order: Vec<(usize, String)> = Vec::new();
    let tps = if insights {
        INSIGHTS_TPS
    } else {
        GET_METRIC_DATA_TPS
    };
    let mut pager = Pager::new(shared, "GetMetricData", MAX_PAGES);
    while let Some(token) = pager.next_page()? {
        shared.quotas.get_metric_data.acquire(tps).await;
        let response = shared
            .metrics
            .get_metric_data()
            .set_metric_data_queries(Some(requests.clone()))
            .start_time(AwsTime::from_secs(batch.window.start.timestamp()))
            .end_time(AwsTime::from_secs(batch.window.end.timestamp()))
            .scan_by(ScanBy::TimestampAscending)
            .max_datapoints(i32::try_from(MAX_DATAPOINTS_PER_CALL).unwrap_or(i32::MAX))
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| from_sdk("GetMetricData", "50 TPS (10 TPS with Metrics Insights)", e))?;
        for message in response.messages() {
            notes.push(format!(
                "GetMetricData: {}: {}",
                message.code().unwrap_or("message"),
                message.value().unwrap_or("")
            ));
        }
        let last = response.next_token().is_none();
        for result in response.metric_data_results() {
            let index = result
                .id()
                .and_then(|id| ids.get(id).copied())
                .unwrap_or(usize::MAX);
            let key = (index, result.label().unwrap_or_default().to_owned());
            if !found.contains_key(&key) {
                order.push(key.clone());
            }
            let points = found.entry(key).or_default();
            for (t, v) in result.timestamps().iter().zip(result.values()) {
                points.push((t.secs(), *v));
            }
            notes.extend(status_note(result, last));
        }
        pager.then(Next::after(response.next_token()));
    }
    let paged = pager.finish();
    if !paged.complete {
        notes.push(format!(
            "GetMetricData still had pages after {MAX_PAGES}: the result is incomplete"
        ));
    }
    let mut series = Vec::new();
    for key in order {
        if let Some(mut points) = found.remove(&key) {
            points.sort_by_key(|(t, _)| *t);
            points.dedup_by_key(|(t, _)| *t);
            series.push((key.0, key.1, points));
        }
    }
    Ok(CallResult {
        series,
        api_calls: paged.calls,
        notes,
    })
}

/// What a result's status code says worth noting (partial data once paging ended, a
/// series the service could not compute).
fn status_note(result: &MetricDataResult, last_page: bool) -> Option<String> {
    let label = result.label().unwrap_or_default();
    match result.status_code() {
        Some(StatusCode::PartialData) if last_page => Some(format!(
            "GetMetricData returned partial data for `{label}`: narrow the window or raise the period"
        )),
        Some(StatusCode::InternalError) | Some(StatusCode::Forbidden) => Some(format!(
            "GetMetricData could not compute `{label}` ({:?}): {}",
            result.status_code(),
            result
                .messages()
                .iter()
                .filter_map(|m| m.value())
                .collect::<Vec<_>>()
                .join("; ")
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use playbook::model::query::{metric, metric_expression};
    use playbook::model::time_range::TimeRange;

    fn resolved(q: playbook::model::query::MetricQuery) -> ResolvedMetric {
        let stat = match &q.kind {
            MetricKind::Stat { stat, .. } => Some(stat.parse().unwrap()),
            _ => None,
        };
        ResolvedMetric {
            query: q,
            stat,
            window: TimeRange::parse("2026-11-12T14:00:00Z..2026-11-12T15:00:00Z").unwrap(),
            period: 60,
            label: "p99 latency".into(),
        }
    }

    #[test]
    fn stat_queries_carry_metric_dimensions_period_and_stat() {
        let q = resolved(
            metric("AWS/ApplicationELB", "TargetResponseTime")
                .dim("LoadBalancer", "app/x")
                .stat("p99")
                .unit("Seconds"),
        );
        let request = to_request(&q, 7).unwrap();
        assert_eq!(request.id(), Some("q7"));
        assert_eq!(request.label(), Some("p99 latency"));
        let stat = request.metric_stat().unwrap();
        assert_eq!(stat.stat(), Some("p99"));
        assert_eq!(stat.period(), Some(60));
        assert_eq!(stat.unit(), Some(&StandardUnit::Seconds));
        let m = stat.metric().unwrap();
        assert_eq!(m.namespace(), Some("AWS/ApplicationELB"));
        assert_eq!(m.dimensions()[0].name(), Some("LoadBalancer"));
    }

    #[test]
    fn explicit_ids_and_hidden_inputs_reach_the_request() {
        let input = resolved(
            metric("AWS/EC2", "CPUUtilization")
                .stat("Average")
                .id("m1")
                .hidden(),
        );
        let request = to_request(&input, 3).unwrap();
        assert_eq!(request.id(), Some("m1"));
        assert_eq!(request.return_data(), Some(false));
        let pair = playbook::model::query::anomaly_band(
            &metric("AWS/EC2", "CPUUtilization").label("cpu"),
            2.0,
        );
        assert_eq!(pair.len(), 2);
        assert_eq!(pair[0].id.as_deref(), Some("band_input"));
        let band = to_request(&resolved(pair[1].clone()), 1).unwrap();
        assert_eq!(
            band.expression(),
            Some("ANOMALY_DETECTION_BAND(band_input, 2)")
        );
        assert_eq!(band.id(), Some("q1"));
        assert_eq!(band.label(), None, "the service labels the band's bounds");
    }

    #[test]
    fn expressions_and_insights_queries_carry_a_period() {
        let sql =
            "SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/EC2\", InstanceId) GROUP BY InstanceId";
        let q = resolved(metric_expression(sql));
        assert!(is_insights(&q));
        let request = to_request(&q, 0).unwrap();
        assert_eq!(request.expression(), Some(sql));
        assert_eq!(request.period(), Some(60));
        assert!(!is_insights(&resolved(metric_expression("m1 * 100"))));
    }
}
