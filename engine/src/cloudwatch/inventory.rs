//! What is configured: log groups with their retention (DescribeLogGroups, through
//! `logs_api.rs`) and metric anomaly detectors (DescribeAnomalyDetectors, through the
//! SDK), each paged with the one bounded pager.

use aws_sdk_cloudwatch::types::AnomalyDetector as SdkDetector;

use super::Shared;
use super::errors::from_sdk;
use super::logs_wire::DescribeLogGroups;
use super::paging::{Next, Pager};
use crate::backend::Outcome;
use crate::error::EngineError;
use playbook::model::discovery::MetricId;
use playbook::model::inventory::{AnomalyDetector, LogGroupInfo};

/// DescribeLogGroups' documented rate (the Logs control plane).
const LOGS_TPS: f64 = 5.0;
/// DescribeAnomalyDetectors shares the CloudWatch control-plane quota.
const DETECTORS_TPS: f64 = 10.0;
const MAX_PAGES: u32 = 1_000;

/// Log groups whose names start with `prefix`, with their settings.
pub async fn log_groups(
    shared: &Shared,
    prefix: Option<&str>,
) -> Result<Outcome<Vec<LogGroupInfo>>, EngineError> {
    let found = describe(shared, prefix, &[]).await?;
    Ok(Outcome::new(
        found.value.into_iter().map(|(info, _)| info).collect(),
        found.api_calls,
    ))
}

/// The ARNs of the log groups whose names start with `prefix` in `accounts`, source
/// accounts linked to the monitoring account (DescribeLogGroups with
/// `includeLinkedAccounts` and `accountIdentifiers`).
pub async fn linked_log_groups(
    shared: &Shared,
    prefix: &str,
    accounts: &[String],
) -> Result<Vec<String>, EngineError> {
    let found = describe(shared, Some(prefix), accounts).await?;
    Ok(found.value.into_iter().filter_map(|(_, arn)| arn).collect())
}

/// DescribeLogGroups, every page (bounded): each group's settings and ARN (without the
/// trailing `:*`); in `accounts` too when some are given.
async fn describe(
    shared: &Shared,
    prefix: Option<&str>,
    accounts: &[String],
) -> Result<Outcome<Vec<(LogGroupInfo, Option<String>)>>, EngineError> {
    let mut groups = Vec::new();
    let mut pager = Pager::new(shared, "DescribeLogGroups", MAX_PAGES);
    let linked = (!accounts.is_empty()).then_some(accounts);
    while let Some(token) = pager.next_page()? {
        shared.quotas.logs_calls.acquire(LOGS_TPS).await;
        let response = shared
            .logs
            .send(&DescribeLogGroups {
                log_group_name_prefix: prefix,
                include_linked_accounts: linked.is_some().then_some(true),
                account_identifiers: linked,
                next_token: token,
            })
            .await?;
        groups.extend(response.log_groups.into_iter().filter_map(|g| {
            let info = LogGroupInfo {
                name: g.log_group_name?,
                retention_days: g.retention_in_days.and_then(|d| u32::try_from(d).ok()),
                stored_bytes: g.stored_bytes.and_then(|b| u64::try_from(b).ok()),
            };
            let arn = (g.log_group_arn.or(g.arn))
                .map(|a| a.strip_suffix(":*").map(str::to_owned).unwrap_or(a));
            Some((info, arn))
        }));
        pager.then(Next::after(response.next_token.as_deref()));
    }
    let paged = pager.finish();
    if !paged.complete {
        return Err(EngineError::InvalidInput(format!(
            "more than {} log groups match{}: give a longer prefix",
            groups.len(),
            prefix.map(|p| format!(" `{p}`")).unwrap_or_default()
        )));
    }
    Ok(Outcome::new(groups, paged.calls))
}

/// The metric anomaly detectors (of `namespace`, or all).
pub async fn anomaly_detectors(
    shared: &Shared,
    namespace: Option<&str>,
) -> Result<Outcome<Vec<AnomalyDetector>>, EngineError> {
    let mut found = Vec::new();
    let mut pager = Pager::new(shared, "DescribeAnomalyDetectors", MAX_PAGES);
    while let Some(token) = pager.next_page()? {
        shared.quotas.logs_calls.acquire(DETECTORS_TPS).await;
        let response = shared
            .metrics
            .describe_anomaly_detectors()
            .set_namespace(namespace.map(str::to_owned))
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| from_sdk("DescribeAnomalyDetectors", "10 TPS", e))?;
        found.extend(response.anomaly_detectors().iter().filter_map(detector));
        pager.then(Next::after(response.next_token()));
    }
    let paged = pager.finish();
    let mut outcome = Outcome::new(found, paged.calls);
    if !paged.complete {
        outcome
            .notes
            .push("more detectors than the pages read: the list is partial".into());
    }
    Ok(outcome)
}

/// A single-metric detector (metric math detectors model no one metric: left out).
fn detector(d: &SdkDetector) -> Option<AnomalyDetector> {
    let single = d.single_metric_anomaly_detector()?;
    let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
    Some(AnomalyDetector {
        metric: MetricId {
            account: None,
            namespace: text(single.namespace()),
            metric: text(single.metric_name()),
            dimensions: single
                .dimensions()
                .iter()
                .map(|dim| (text(dim.name()), text(dim.value())))
                .collect(),
        },
        stat: text(single.stat()),
        state: d.state_value().map(|s| s.as_str().to_owned()),
    })
}
