//! The quotas of some services in this account and region, from Service Quotas (through
//! `aws_call/`, AWS JSON 1.1): ListAWSDefaultServiceQuotas for every quota's default and
//! its usage metric, ListServiceQuotas for the values applied to the account. A quota's
//! value is its applied value, else its default. Each listing is paged, at most
//! [`MAX_PAGES`] pages; a listing cut there is an error, never a silently partial answer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Shared;
use super::paging::{Next, Pager};
use crate::aws_call;
use crate::backend::Outcome;
use crate::error::EngineError;
use playbook::model::quotas::{QuotasQuery, ServiceQuota, ServiceQuotas, UsageMetric};

/// Pages of one service's listing read at most (100 quotas a page; EC2 has a few hundred).
const MAX_PAGES: u32 = 20;
/// The quota named when Service Quotas throttles.
const LIMIT: &str = "10 requests per second per account";
/// Quotas a page holds at most (the API's own maximum).
const PAGE_SIZE: u32 = 100;

/// The input of ListServiceQuotas and ListAWSDefaultServiceQuotas.
#[derive(Debug, Serialize)]
struct ListInput<'a> {
    #[serde(rename = "ServiceCode")]
    service_code: &'a str,
    #[serde(rename = "NextToken", skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    #[serde(rename = "MaxResults")]
    max_results: u32,
}

/// A page of their output (the members read here).
#[derive(Debug, Default, Deserialize)]
struct ListOutput {
    #[serde(rename = "Quotas", default)]
    quotas: Vec<WireQuota>,
    #[serde(rename = "NextToken")]
    next_token: Option<String>,
}

/// The model's `ServiceQuota` (the members read here).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct WireQuota {
    #[serde(rename = "ServiceCode")]
    service_code: Option<String>,
    #[serde(rename = "ServiceName")]
    service_name: Option<String>,
    #[serde(rename = "QuotaCode")]
    quota_code: Option<String>,
    #[serde(rename = "QuotaName")]
    quota_name: Option<String>,
    #[serde(rename = "Value")]
    value: Option<f64>,
    #[serde(rename = "Unit")]
    unit: Option<String>,
    #[serde(rename = "Adjustable", default)]
    adjustable: bool,
    #[serde(rename = "GlobalQuota", default)]
    global: bool,
    #[serde(rename = "UsageMetric")]
    usage_metric: Option<WireMetric>,
}

/// The model's `MetricInfo`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct WireMetric {
    #[serde(rename = "MetricNamespace")]
    namespace: Option<String>,
    #[serde(rename = "MetricName")]
    name: Option<String>,
    #[serde(rename = "MetricDimensions", default)]
    dimensions: BTreeMap<String, String>,
    #[serde(rename = "MetricStatisticRecommendation")]
    statistic: Option<String>,
}

impl WireMetric {
    fn usage(self) -> Option<UsageMetric> {
        Some(UsageMetric {
            namespace: self.namespace?,
            metric: self.name?,
            dimensions: self.dimensions.into_iter().collect(),
            statistic: self.statistic,
        })
    }
}

/// The quotas of the query's services (every quota of each; the session keeps those
/// asked for).
pub(super) async fn list(
    shared: &Shared,
    query: &QuotasQuery,
) -> Result<Outcome<ServiceQuotas>, EngineError> {
    let mut quotas = Vec::new();
    let mut calls = 0;
    for service in &query.services {
        let defaults = pages(shared, "ListAWSDefaultServiceQuotas", service).await?;
        let applied = pages(shared, "ListServiceQuotas", service).await?;
        calls += defaults.1 + applied.1;
        quotas.extend(merge(defaults.0, applied.0));
    }
    let found = ServiceQuotas {
        source: shared.spec.clone(),
        account: None,
        region: Some(shared.region.clone()),
        quotas,
        notes: Vec::new(),
    };
    Ok(Outcome::new(found, calls))
}

/// Every page of `operation` for `service`: its quotas and the calls made.
async fn pages(
    shared: &Shared,
    operation: &'static str,
    service: &str,
) -> Result<(Vec<WireQuota>, u32), EngineError> {
    let mut quotas = Vec::new();
    let mut pager = Pager::new(shared, operation, MAX_PAGES);
    while let Some(next_token) = pager.next_page()? {
        let input = ListInput {
            service_code: service,
            next_token,
            max_results: PAGE_SIZE,
        };
        let request = aws_call::SERVICE_QUOTAS.json_request(operation, &input);
        let body = shared.quotas_api.call(operation, LIMIT, &request).await?;
        let page = parse(operation, &body)?;
        quotas.extend(page.quotas);
        pager.then(Next::after(page.next_token.as_deref()));
    }
    let paged = pager.finish();
    if !paged.complete {
        return Err(EngineError::InvalidInput(format!(
            "{operation} for `{service}` has more than {MAX_PAGES} pages of quotas: name quota codes"
        )));
    }
    Ok((quotas, paged.calls))
}

/// A page of `operation`'s output; anything else is the failed request it stands for.
fn parse(operation: &'static str, body: &[u8]) -> Result<ListOutput, EngineError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| EngineError::Service {
        api: operation,
        code: "RequestFailed".into(),
        message: format!("{operation} answered what is not its output: {e}"),
    })
}

/// Each quota once, by code: the default listing's, its value replaced by the applied
/// one where the account has one (a quota only applied is kept too).
fn merge(defaults: Vec<WireQuota>, applied: Vec<WireQuota>) -> Vec<ServiceQuota> {
    let mut by_code: BTreeMap<String, ServiceQuota> = BTreeMap::new();
    for wire in defaults {
        if let Some(quota) = quota(wire) {
            by_code.insert(quota.quota_code.clone(), quota);
        }
    }
    for wire in applied {
        let Some(mut found) = quota(wire) else {
            continue;
        };
        match by_code.get_mut(&found.quota_code) {
            Some(known) => {
                known.applied = known.default_value != Some(found.value);
                known.value = found.value;
                known.usage = known.usage.take().or(found.usage);
            }
            None => {
                found.default_value = None;
                found.applied = true;
                by_code.insert(found.quota_code.clone(), found);
            }
        }
    }
    by_code.into_values().collect()
}

/// A quota with the members every quota has (code, name, a finite value).
fn quota(wire: WireQuota) -> Option<ServiceQuota> {
    let value = wire.value.filter(|v| v.is_finite())?;
    Some(ServiceQuota {
        service_code: wire.service_code?,
        service_name: wire.service_name,
        quota_code: wire.quota_code?,
        quota_name: wire.quota_name.unwrap_or_default(),
        value,
        default_value: Some(value),
        applied: false,
        unit: wire.unit,
        adjustable: wire.adjustable,
        global: wire.global,
        usage: wire.usage_metric.and_then(WireMetric::usage),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page as Service Quotas writes it (members of the model's `ServiceQuota`).
    const PAGE: &str = r#"{"Quotas":[{"ServiceCode":"ec2","ServiceName":"Amazon Elastic Compute Cloud (Amazon EC2)",
        "QuotaArn":"arn:aws:servicequotas:eu-west-1::ec2/L-1216C47A","QuotaCode":"L-1216C47A",
        "QuotaName":"Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances","Value":5.0,
        "Unit":"None","Adjustable":true,"GlobalQuota":false,
        "UsageMetric":{"MetricNamespace":"AWS/Usage","MetricName":"ResourceCount",
          "MetricDimensions":{"Class":"Standard/OnDemand","Resource":"vCPU","Service":"EC2","Type":"Resource"},
          "MetricStatisticRecommendation":"Maximum"},
        "Period":{"PeriodValue":1,"PeriodUnit":"MINUTE"},"QuotaAppliedAtLevel":"ACCOUNT"},
       {"ServiceCode":"ec2","QuotaCode":"L-0263D0A3","QuotaName":"EC2-VPC Elastic IPs","Value":5.0}],
      "NextToken":"t2"}"#;

    #[test]
    fn a_page_reads_the_models_members_and_its_token() {
        let page = parse("ListAWSDefaultServiceQuotas", PAGE.as_bytes()).unwrap();
        assert_eq!(page.next_token.as_deref(), Some("t2"));
        let [eips, vcpu] = merge(page.quotas, vec![]).try_into().unwrap();
        assert_eq!(eips.quota_code, "L-0263D0A3");
        let usage = vcpu.usage.unwrap();
        assert_eq!(
            (usage.namespace.as_str(), usage.metric.as_str()),
            ("AWS/Usage", "ResourceCount")
        );
        assert_eq!(
            usage.dimensions[0],
            ("Class".to_owned(), "Standard/OnDemand".to_owned())
        );
        assert_eq!(usage.statistic.as_deref(), Some("Maximum"));
        assert!(parse("ListServiceQuotas", b"  ").unwrap().quotas.is_empty());
        assert!(parse("ListServiceQuotas", b"<html>").is_err());
    }

    #[test]
    fn an_applied_value_replaces_the_default_and_keeps_its_usage_metric() {
        let defaults = parse("d", PAGE.as_bytes()).unwrap().quotas;
        let raised = WireQuota {
            value: Some(640.0),
            usage_metric: None,
            ..defaults[0].clone()
        };
        let same = defaults[1].clone();
        let only_applied = WireQuota {
            quota_code: Some("L-NEW".into()),
            ..raised.clone()
        };
        let merged = merge(defaults, vec![raised, same, only_applied]);
        let by = |code: &str| merged.iter().find(|q| q.quota_code == code).unwrap();
        let vcpu = by("L-1216C47A");
        assert_eq!(
            (vcpu.value, vcpu.default_value, vcpu.applied),
            (640.0, Some(5.0), true)
        );
        assert!(
            vcpu.usage.is_some(),
            "the default listing's usage metric stays"
        );
        assert!(
            !by("L-0263D0A3").applied,
            "an applied value equal to the default is the default"
        );
        assert_eq!(by("L-NEW").default_value, None);
        assert_eq!(merged.len(), 3);
    }

    #[test]
    fn a_quota_without_code_or_value_is_left_out() {
        let no_value = WireQuota {
            service_code: Some("ec2".into()),
            quota_code: Some("L-1".into()),
            value: Some(f64::NAN),
            ..WireQuota::default()
        };
        assert!(merge(vec![no_value], vec![WireQuota::default()]).is_empty());
    }
}
