//! How many Logs Insights queries this account and region may run at once: the account's
//! own quota, read once from Service Quotas (the applied value, else the default) before
//! its first query, so the queue in front of Logs Insights matches what the service will
//! accept. `PLAYBOOK_INSIGHTS_CONCURRENCY` overrides it; when the caller may not read
//! Service Quotas (no `servicequotas:ListServiceQuotas`), or it does not answer in time,
//! the documented default holds and the queue says why.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Shared;
use super::quotas::{CONCURRENCY_VARIABLE, DEFAULT_INSIGHTS_CONCURRENCY, Quotas};
use crate::aws_call::{self, Client, Policy};

/// How long reading the quota may take before the default is used: once per account and
/// region and process, before the first query (an unreachable Service Quotas endpoint
/// must not hold a query up for long).
const PATIENCE: Duration = Duration::from_secs(4);
/// Each Service Quotas call's own deadline (no retries: the default is a fine answer).
const CALL_TIMEOUT: Duration = Duration::from_secs(3);

/// The Service Quotas client of `config`: one attempt per call, each with a deadline.
pub(super) fn client(config: &aws_config::SdkConfig) -> Client {
    Client::new(config, &aws_call::SERVICE_QUOTAS).with_policy(Policy::once(CALL_TIMEOUT))
}

/// The input of ListServiceQuotas and ListAWSDefaultServiceQuotas.
#[derive(Debug, Serialize)]
struct ListInput<'a> {
    #[serde(rename = "ServiceCode")]
    service_code: &'a str,
    #[serde(rename = "NextToken", skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

/// A page of their output (the members read here).
#[derive(Debug, Default, Deserialize)]
struct ListOutput {
    #[serde(rename = "Quotas", default)]
    quotas: Vec<ServiceQuota>,
    #[serde(rename = "NextToken")]
    next_token: Option<String>,
}

/// A quota (the members read here).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct ServiceQuota {
    #[serde(rename = "QuotaName")]
    quota_name: Option<String>,
    #[serde(rename = "Value")]
    value: Option<f64>,
}

/// Pages of a service's quotas read at most (the Logs quotas fit in one or two).
const MAX_PAGES: usize = 10;
/// The most concurrent queries believed, whatever a quota says.
const MAX_CONCURRENCY: usize = 1_000;

/// Sizes the account and region's gate before its first query (once; later callers wait
/// for the first). Returns where the limit comes from, for the queue's messages.
pub(super) async fn ensure_sized(shared: &Shared) -> &str {
    let quotas = &shared.quotas;
    quotas
        .insights_origin
        .get_or_init(|| async {
            if quotas.configured {
                return CONCURRENCY_VARIABLE.to_owned();
            }
            let default = format!("the default of {DEFAULT_INSIGHTS_CONCURRENCY}");
            match tokio::time::timeout(PATIENCE, read(shared)).await {
                Ok(Ok(Some((value, name)))) => {
                    resize(quotas, value);
                    format!("the account's quota \"{name}\" in Service Quotas")
                }
                Ok(Ok(None)) => {
                    format!("{default}: Service Quotas lists no Logs Insights concurrency quota")
                }
                Ok(Err(why)) => format!("{default}: Service Quotas could not be read ({why})"),
                Err(_) => format!(
                    "{default}: Service Quotas did not answer in {} s",
                    PATIENCE.as_secs()
                ),
            }
        })
        .await
}

/// The quota's value and name: the applied value where the account has one, else the
/// service's default for it.
async fn read(shared: &Shared) -> Result<Option<(usize, String)>, String> {
    let client = &shared.service_quotas;
    let applied = first_in_pages(|token| list(client, "ListServiceQuotas", token)).await?;
    if applied.is_some() {
        return Ok(applied);
    }
    first_in_pages(|token| list(client, "ListAWSDefaultServiceQuotas", token)).await
}

/// One page of `operation` for the Logs quotas: its quotas and the next token; the error
/// code when it fails.
async fn list(
    client: &Client,
    operation: &'static str,
    next_token: Option<String>,
) -> Result<(Vec<ServiceQuota>, Option<String>), String> {
    let input = ListInput {
        service_code: "logs",
        next_token,
    };
    let request = aws_call::SERVICE_QUOTAS.json_request(operation, &input);
    let body = client
        .call(operation, "", &request)
        .await
        .map_err(|e| error_code(&e))?;
    let page: ListOutput = serde_json::from_slice(&body)
        .map_err(|e| format!("{operation} answered what is not its output: {e}"))?;
    Ok((page.quotas, page.next_token))
}

/// The concurrency quota in the pages `page(token)` gives (each: its quotas and the next
/// token), reading at most [`MAX_PAGES`].
async fn first_in_pages<F, Fut>(mut page: F) -> Result<Option<(usize, String)>, String>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<ServiceQuota>, Option<String>), String>>,
{
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let (quotas, next) = page(token).await?;
        if let Some(found) = quotas.iter().find_map(concurrency) {
            return Ok(Some(found));
        }
        token = next;
        if token.is_none() {
            break;
        }
    }
    Ok(None)
}

/// The service's error code, or what kind of failure it was.
fn error_code(error: &crate::error::EngineError) -> String {
    use crate::error::EngineError;
    match error {
        EngineError::Service { code, .. } | EngineError::Throttled { code, .. }
            if code != "RequestFailed" =>
        {
            code.clone()
        }
        EngineError::Credentials(_) => "no usable credentials".to_owned(),
        EngineError::Timeout { .. } => "no answer in time".to_owned(),
        _ => "no answer".to_owned(),
    }
}

/// The quota of concurrent Logs Insights QL queries (OpenSearch PPL and SQL have their
/// own, smaller one), with a usable value.
fn concurrency(quota: &ServiceQuota) -> Option<(usize, String)> {
    let name = quota.quota_name.as_deref()?;
    let value = quota.value?;
    (is_insights_concurrency(name) && value >= 1.0)
        .then(|| ((value as usize).min(MAX_CONCURRENCY), name.to_owned()))
}

fn is_insights_concurrency(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("insights")
        && name.contains("concurrent")
        && !["ppl", "sql", "opensearch"]
            .iter()
            .any(|w| name.contains(w))
}

/// Grows or shrinks the gate to `limit` (before any query holds a slot).
fn resize(quotas: &Quotas, limit: usize) {
    let current = quotas.insights_limit.load(Ordering::SeqCst);
    if limit > current {
        quotas.insights_gate.add_permits(limit - current);
    } else {
        let forgotten = quotas.insights_gate.forget_permits(current - limit);
        quotas
            .insights_limit
            .store(current - forgotten, Ordering::SeqCst);
        return;
    }
    quotas.insights_limit.store(limit, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_concurrency_quota_is_told_from_its_neighbours_by_name() {
        assert!(is_insights_concurrency(
            "Concurrent CloudWatch Logs Insights queries"
        ));
        assert!(is_insights_concurrency(
            "Logs Insights QL concurrent queries"
        ));
        assert!(!is_insights_concurrency(
            "OpenSearch PPL and SQL concurrent queries in Logs Insights"
        ));
        assert!(!is_insights_concurrency(
            "Logs Insights query results retention"
        ));
        let quota = |name: &str, value: f64| ServiceQuota {
            quota_name: Some(name.to_owned()),
            value: Some(value),
        };
        let named = "Concurrent Logs Insights queries";
        assert_eq!(
            concurrency(&quota(named, 100.0)),
            Some((100, named.to_owned()))
        );
        assert_eq!(concurrency(&quota(named, 0.0)), None);
        assert_eq!(
            concurrency(&quota(named, 1e12)).map(|q| q.0),
            Some(MAX_CONCURRENCY)
        );
    }

    #[test]
    fn the_gate_grows_and_shrinks_to_the_quota() {
        let quotas = Quotas::for_tests(30);
        resize(&quotas, 100);
        assert_eq!(quotas.insights_gate.available_permits(), 100);
        assert_eq!(quotas.insights_limit.load(Ordering::SeqCst), 100);
        resize(&quotas, 3);
        assert_eq!(quotas.insights_gate.available_permits(), 3);
        assert_eq!(quotas.insights_limit.load(Ordering::SeqCst), 3);
    }
}
