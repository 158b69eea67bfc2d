//! GetInsightRuleReport through the SDK: a Contributor Insights rule's top contributors
//! over a window, with each contributor's values per period and the rule's totals.

use aws_sdk_cloudwatch::operation::get_insight_rule_report::GetInsightRuleReportOutput;
use aws_sdk_cloudwatch::primitives::DateTime as AwsTime;
use aws_sdk_cloudwatch::types::InsightRuleContributor;
use chrono::{DateTime, Utc};

use super::Shared;
use super::errors::from_sdk;
use crate::backend::Outcome;
use crate::error::EngineError;
use playbook::model::contributors::{Contributor, ContributorsQuery, TopContributors};
use playbook::model::time_range::TimeRange;

/// The engine's own pace for these calls.
const REPORT_TPS: f64 = 5.0;

/// The report of `query.rule` over `window`, `period` seconds per point.
pub async fn report(
    shared: &Shared,
    query: &ContributorsQuery,
    window: TimeRange,
    period: u32,
) -> Result<Outcome<TopContributors>, EngineError> {
    shared.quotas.logs_calls.acquire(REPORT_TPS).await;
    let response = shared
        .metrics
        .get_insight_rule_report()
        .rule_name(&query.rule)
        .start_time(AwsTime::from_secs(window.start.timestamp()))
        .end_time(AwsTime::from_secs(window.end.timestamp()))
        .period(i32::try_from(period).unwrap_or(i32::MAX))
        .max_contributor_count(i32::try_from(query.top).unwrap_or(100))
        .order_by(query.order_by.as_str())
        .metrics("UniqueContributors")
        .metrics("Sum")
        .send()
        .await
        .map_err(|e| match from_sdk(
            "GetInsightRuleReport",
            "the account's TPS quota for it (Service Quotas, service code monitoring)",
            e,
        ) {
            EngineError::Service { code, .. } if code == "ResourceNotFoundException" => {
                EngineError::NotFound {
                    what: format!("Contributor Insights rule `{}`", query.rule),
                    source_name: shared.spec.clone(),
                    hint: format!(
                        " (in {}; `aws cloudwatch describe-insight-rules` lists the rules there)",
                        shared.region
                    ),
                }
            }
            other => other,
        })?;
    Ok(Outcome::new(
        from_output(query, window, period, &response),
        1,
    ))
}

/// The report as cells see it.
fn from_output(
    query: &ContributorsQuery,
    window: TimeRange,
    period: u32,
    out: &GetInsightRuleReportOutput,
) -> TopContributors {
    let mut report = TopContributors {
        rule: query.rule.clone(),
        window,
        period,
        key_labels: out.key_labels().to_vec(),
        aggregation: out.aggregation_statistic().unwrap_or("Count").to_owned(),
        order_by: query.order_by,
        total: out.aggregate_value(),
        unique_contributors: out
            .approximate_unique_count()
            .and_then(|n| u64::try_from(n).ok()),
        contributors: out.contributors().iter().map(contributor).collect(),
        notes: Vec::new(),
    };
    if report.total.is_none() {
        // Older answers carry the totals only per period.
        let sums: Vec<f64> = (out.metric_datapoints().iter())
            .filter_map(|d| d.sum())
            .collect();
        report.total = (!sums.is_empty()).then(|| sums.iter().sum());
    }
    report.sort();
    report
}

fn contributor(c: &InsightRuleContributor) -> Contributor {
    let mut points: Vec<(DateTime<Utc>, f64)> = (c.datapoints().iter())
        .filter_map(|d| Some((time(d.timestamp()?)?, d.approximate_value()?)))
        .collect();
    points.sort_by_key(|p| p.0);
    Contributor {
        keys: c.keys().to_vec(),
        value: c
            .approximate_aggregate_value()
            .unwrap_or_else(|| points.iter().map(|p| p.1).sum()),
        points,
    }
}

fn time(t: &AwsTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(t.to_millis().ok()?)
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudwatch::types::{InsightRuleContributorDatapoint, InsightRuleMetricDatapoint};

    use super::*;

    #[test]
    fn answers_become_ranked_contributors_with_their_points() {
        let window = TimeRange::parse("2026-11-12T14:00:00Z..2026-11-12T15:00:00Z").unwrap();
        let point = |secs: i64, v: f64| {
            InsightRuleContributorDatapoint::builder()
                .timestamp(AwsTime::from_secs(secs))
                .approximate_value(v)
                .build()
        };
        let start = window.start.timestamp();
        let out = GetInsightRuleReportOutput::builder()
            .key_labels("route")
            .aggregation_statistic("Sum")
            .approximate_unique_count(7)
            .contributors(
                InsightRuleContributor::builder()
                    .keys("/a")
                    .approximate_aggregate_value(3.0)
                    .datapoints(point(start + 60, 3.0))
                    .build(),
            )
            .contributors(
                InsightRuleContributor::builder()
                    .keys("/b")
                    .datapoints(point(start + 120, 4.0))
                    .datapoints(point(start, 5.0))
                    .build(),
            )
            .metric_datapoints(
                InsightRuleMetricDatapoint::builder()
                    .timestamp(AwsTime::from_secs(start))
                    .sum(20.0)
                    .build(),
            )
            .build();
        let report = from_output(
            &playbook::model::contributors::contributors("r"),
            window,
            60,
            &out,
        );
        assert_eq!(report.contributors[0].keys, vec!["/b"]);
        assert_eq!(report.contributors[0].value, 9.0);
        assert_eq!(report.contributors[0].points[0].1, 5.0);
        assert_eq!(report.total, Some(20.0));
        assert_eq!(report.unique_contributors, Some(7));
        assert_eq!(report.aggregation, "Sum");
    }
}
