//! Service quotas on a local source: `DIR/quotas.json` holds the account's quotas in one
//! region, each with its default value, the value applied to the account when it was
//! raised, and the `AWS/Usage` metric that measures it (the layout is in
//! `notebooks/data/README.md`). `SERVICE_QUOTA(id)` in metric math is answered from it
//! as CloudWatch answers it: the quota of the usage metric `id`, at each of its points.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::backend::ResolvedMetric;
use crate::error::EngineError;
use playbook::model::quotas::{QuotasQuery, ServiceQuota, ServiceQuotas, UsageMetric};
use playbook::model::series::Series;

/// The file's name under the source's directory.
pub(crate) const FILE: &str = "quotas.json";

/// `quotas.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaFile {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    quotas: Vec<QuotaEntry>,
}

/// One quota of `quotas.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaEntry {
    service_code: String,
    #[serde(default)]
    service_name: Option<String>,
    quota_code: String,
    quota_name: String,
    default_value: f64,
    /// The value applied to the account (an increase); absent: the default holds.
    #[serde(default)]
    applied_value: Option<f64>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    adjustable: bool,
    #[serde(default)]
    global: bool,
    #[serde(default)]
    usage_metric: Option<UsageEntry>,
}

/// A quota's usage metric, as Service Quotas' `UsageMetric`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageEntry {
    namespace: String,
    metric: String,
    #[serde(default)]
    dimensions: BTreeMap<String, String>,
    #[serde(default)]
    statistic: Option<String>,
}

impl QuotaEntry {
    fn quota(self) -> ServiceQuota {
        ServiceQuota {
            service_code: self.service_code,
            service_name: self.service_name,
            quota_code: self.quota_code,
            quota_name: self.quota_name,
            value: self.applied_value.unwrap_or(self.default_value),
            default_value: Some(self.default_value),
            applied: self.applied_value.is_some(),
            unit: self.unit,
            adjustable: self.adjustable,
            global: self.global,
            usage: self.usage_metric.map(|u| UsageMetric {
                namespace: u.namespace,
                metric: u.metric,
                dimensions: u.dimensions.into_iter().collect(),
                statistic: u.statistic,
            }),
        }
    }
}

/// Every quota of `DIR/quotas.json` (absent: none, with a note saying where they go).
pub(crate) fn read(dir: &Path, spec: &str) -> Result<ServiceQuotas, EngineError> {
    let path = dir.join(FILE);
    if !path.exists() {
        return Ok(ServiceQuotas {
            source: spec.to_owned(),
            notes: vec![format!(
                "{spec} has no quotas (put them in {})",
                path.display()
            )],
            ..ServiceQuotas::default()
        });
    }
    let text = super::files::read_definitions(&path)?;
    let file: QuotaFile = serde_json::from_str(&text).map_err(|e| EngineError::File {
        path: path.clone(),
        message: format!("not a quotas file ({{\"account\", \"region\", \"quotas\": […]}}): {e}"),
    })?;
    if let Some(bad) = file.quotas.iter().find(|q| !value_ok(q)) {
        return Err(EngineError::File {
            path,
            message: format!(
                "quota {}/{}: values must be finite and not negative",
                bad.service_code, bad.quota_code
            ),
        });
    }
    Ok(ServiceQuotas {
        source: spec.to_owned(),
        account: file.account,
        region: file.region,
        quotas: file.quotas.into_iter().map(QuotaEntry::quota).collect(),
        notes: Vec::new(),
    })
}

fn value_ok(entry: &QuotaEntry) -> bool {
    let ok = |v: f64| v.is_finite() && v >= 0.0;
    ok(entry.default_value) && entry.applied_value.is_none_or(ok)
}

/// The quotas of the query's services (the session keeps those it asks for).
pub(crate) fn service_quotas(
    dir: &Path,
    spec: &str,
    query: &QuotasQuery,
) -> Result<ServiceQuotas, EngineError> {
    let mut found = read(dir, spec)?;
    found
        .quotas
        .retain(|q| query.services.contains(&q.service_code));
    Ok(found)
}

/// The id `SERVICE_QUOTA(id)` names, when `expression` is exactly that.
pub(crate) fn service_quota_of(expression: &str) -> Option<&str> {
    let inner = expression
        .trim()
        .strip_prefix("SERVICE_QUOTA(")?
        .strip_suffix(')')?
        .trim();
    let mut chars = inner.chars();
    let first = chars.next()?;
    (first.is_ascii_lowercase() && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(inner)
}

/// `SERVICE_QUOTA` of `usage` (the series of the metric query `of`): the quota measured by
/// that metric at each of its points, labelled `label`; a note when no quota is.
pub(crate) fn service_quota(
    quotas: &ServiceQuotas,
    of: &ResolvedMetric,
    usage: &Series,
    label: &str,
) -> (Series, Option<String>) {
    let found = of
        .metric()
        .and_then(|(namespace, metric, dims)| quotas.measured_by(namespace, metric, dims));
    let Some(quota) = found else {
        let note = format!(
            "SERVICE_QUOTA({}): {} is not the usage metric of a quota in {FILE}",
            of.query.id.as_deref().unwrap_or("?"),
            of.query.describe()
        );
        return (Series::new(label, None), Some(note));
    };
    let points = (usage.timestamps.iter())
        .zip(&usage.values)
        .map(|(t, v)| (*t, v.map(|_| quota.value)));
    (Series::from_points(label, None, points), None)
}

#[cfg(test)]
mod tests;
