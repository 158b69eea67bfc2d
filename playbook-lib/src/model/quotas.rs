//! Service quotas as data: which quotas a cell asks for (`service_quotas(&["ec2"])`), what
//! Service Quotas answers for one account and region (each quota's applied value, else its
//! default), and the `AWS/Usage` metric that measures a quota's usage, fetched with
//! `SERVICE_QUOTA()` in metric math beside it. On a local source they come from
//! `DIR/quotas.json` (see `notebooks/data/README.md`).
//!
//! ```no_run
//! use playbook::prelude::*;
//! # fn main() -> playbook::Result<()> {
//! let found = service_quotas(&["ec2", "lambda"]).with_usage_metrics().run()?;
//! for quota in &found.quotas {
//!     let [usage, limit] = quota.usage_queries("m1").expect("it has a usage metric");
//!     let set = fetch_many(&[usage.since("14d"), limit.since("14d")])?;
//! }
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};
use crate::model::query::{MetricQuery, metric, metric_expression};

/// Service codes one query may name at most (each is one listing per region).
pub const MAX_SERVICES: usize = 50;

/// The quotas of some services, in the source's account and region.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QuotasQuery {
    /// Service codes (`ec2`, `lambda`, `vpc`).
    pub services: Vec<String>,
    /// Quota codes (`L-1216C47A`); empty: every quota of the services.
    #[serde(default)]
    pub quota_codes: Vec<String>,
    /// Only the quotas that have a usage metric.
    #[serde(default)]
    pub with_usage: bool,
    /// Ask this source (`cloudwatch:region=…,role=…`, `local:DIR`) instead of the session's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The quotas of `services` (service codes: `ec2`, `lambda`, …).
pub fn service_quotas(services: &[&str]) -> QuotasQuery {
    QuotasQuery {
        services: services.iter().map(|s| s.trim().to_owned()).collect(),
        ..QuotasQuery::default()
    }
}

impl QuotasQuery {
    /// Only these quota codes.
    pub fn codes<S: AsRef<str>>(mut self, codes: &[S]) -> Self {
        self.quota_codes = codes.iter().map(|c| c.as_ref().trim().to_owned()).collect();
        self
    }

    /// Only the quotas that have a usage metric (`AWS/Usage`).
    pub fn with_usage_metrics(mut self) -> Self {
        self.with_usage = true;
        self
    }

    /// Asks `spec` (`cloudwatch:region=us-east-1`, `local:DIR`) instead of the session's
    /// source.
    pub fn source(mut self, spec: &str) -> Self {
        self.source = Some(spec.to_owned());
        self
    }

    /// Checks what can be checked before asking: some services, each a service code.
    pub fn validate(&self) -> Result<()> {
        if self.services.is_empty() {
            return Err(Error::InvalidInput(
                "name the services whose quotas to read: service_quotas(&[\"ec2\"])".into(),
            ));
        }
        if self.services.len() > MAX_SERVICES {
            return Err(Error::InvalidInput(format!(
                "{} services named: at most {MAX_SERVICES} per query",
                self.services.len()
            )));
        }
        let code = |c: &str| {
            !c.is_empty()
                && c.len() <= 63
                && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
        };
        if let Some(bad) = self
            .services
            .iter()
            .chain(&self.quota_codes)
            .find(|c| !code(c.as_str()))
        {
            return Err(Error::InvalidInput(format!(
                "`{bad}` is not a service or quota code (letters, digits and `-`: `ec2`, `L-1216C47A`)"
            )));
        }
        Ok(())
    }

    /// The query as the query log shows it.
    pub fn describe(&self) -> String {
        let codes = if self.quota_codes.is_empty() {
            String::new()
        } else {
            format!(" {}", self.quota_codes.join(","))
        };
        let usage = if self.with_usage {
            " with usage metrics"
        } else {
            ""
        };
        format!(
            "service quotas of {}{codes}{usage}",
            self.services.join(",")
        )
    }

    /// Whether `quota` is one the query asks for.
    pub fn wants(&self, quota: &ServiceQuota) -> bool {
        self.services.contains(&quota.service_code)
            && (self.quota_codes.is_empty() || self.quota_codes.contains(&quota.quota_code))
            && (!self.with_usage || quota.usage.is_some())
    }
}

/// The CloudWatch metric that measures a quota's usage (Service Quotas' `UsageMetric`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageMetric {
    pub namespace: String,
    pub metric: String,
    #[serde(default)]
    pub dimensions: Vec<(String, String)>,
    /// The statistic Service Quotas recommends (`Maximum` for resource counts, `Sum` for
    /// call counts).
    #[serde(default)]
    pub statistic: Option<String>,
}

impl UsageMetric {
    /// Whether it is the metric `namespace` `metric` with exactly `dimensions` (any order).
    pub fn is(&self, namespace: &str, metric: &str, dimensions: &[(String, String)]) -> bool {
        let sorted = |d: &[(String, String)]| {
            let mut d = d.to_vec();
            d.sort();
            d
        };
        self.namespace == namespace
            && self.metric == metric
            && sorted(&self.dimensions) == sorted(dimensions)
    }
}

/// One quota of one account and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceQuota {
    pub service_code: String,
    #[serde(default)]
    pub service_name: Option<String>,
    pub quota_code: String,
    pub quota_name: String,
    /// The value in effect: the account's applied value, else the default.
    pub value: f64,
    /// The service's default value, when the source says.
    #[serde(default)]
    pub default_value: Option<f64>,
    /// Whether `value` is a value applied to the account (an increase), not the default.
    #[serde(default)]
    pub applied: bool,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub adjustable: bool,
    /// A quota of the whole account, not of a region.
    #[serde(default)]
    pub global: bool,
    #[serde(default)]
    pub usage: Option<UsageMetric>,
}

impl ServiceQuota {
    /// `service code/quota code` (`ec2/L-1216C47A`).
    pub fn code(&self) -> String {
        format!("{}/{}", self.service_code, self.quota_code)
    }

    /// Its usage metric (with the recommended statistic, under the id `id`) and
    /// `SERVICE_QUOTA(id)`: fetched together, the usage and the quota over the window, as
    /// CloudWatch's console shows them. `None` without a usage metric.
    pub fn usage_queries(&self, id: &str) -> Option<[MetricQuery; 2]> {
        let usage = self.usage.as_ref()?;
        let stat = usage.statistic.as_deref().unwrap_or("Maximum");
        let measured = (usage.dimensions.iter())
            .fold(metric(&usage.namespace, &usage.metric), |q, (k, v)| {
                q.dim(k, v)
            })
            .stat(stat)
            .id(id)
            .label(&format!("{} usage", self.quota_name));
        let quota = metric_expression(&format!("SERVICE_QUOTA({id})"))
            .label(&format!("{} quota", self.quota_name));
        Some([measured, quota])
    }
}

/// What a source answered: the quotas asked for, in one account and region.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServiceQuotas {
    /// The source asked (`cloudwatch:region=…`, `local:DIR`).
    pub source: String,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    /// Sorted by service code, then quota code.
    pub quotas: Vec<ServiceQuota>,
    #[serde(default)]
    pub notes: Vec<String>,
}

impl ServiceQuotas {
    /// The quota measured by `namespace` `metric` with `dimensions` (what `SERVICE_QUOTA`
    /// answers for that metric).
    pub fn measured_by(
        &self,
        namespace: &str,
        metric: &str,
        dimensions: &[(String, String)],
    ) -> Option<&ServiceQuota> {
        (self.quotas.iter())
            .find(|q| (q.usage.as_ref()).is_some_and(|u| u.is(namespace, metric, dimensions)))
    }

    /// `account/region` as far as the source says (`?` for what it does not).
    pub fn place(&self) -> String {
        format!(
            "{}/{}",
            self.account.as_deref().unwrap_or("?"),
            self.region.as_deref().unwrap_or("?")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::query::MetricKind;

    fn vcpus() -> ServiceQuota {
        ServiceQuota {
            service_code: "ec2".into(),
            service_name: None,
            quota_code: "L-1216C47A".into(),
            quota_name: "Running On-Demand Standard instances".into(),
            value: 640.0,
            default_value: Some(5.0),
            applied: true,
            unit: None,
            adjustable: true,
            global: false,
            usage: Some(UsageMetric {
                namespace: "AWS/Usage".into(),
                metric: "ResourceCount".into(),
                dimensions: vec![
                    ("Type".into(), "Resource".into()),
                    ("Service".into(), "EC2".into()),
                ],
                statistic: Some("Maximum".into()),
            }),
        }
    }

    #[test]
    fn usage_queries_pair_the_metric_with_service_quota_of_its_id() {
        let [usage, quota] = vcpus().usage_queries("u1").unwrap();
        assert_eq!(usage.id.as_deref(), Some("u1"));
        let MetricKind::Stat {
            stat, namespace, ..
        } = &usage.kind
        else {
            panic!("not a statistic")
        };
        assert_eq!(
            (namespace.as_str(), stat.as_str()),
            ("AWS/Usage", "Maximum")
        );
        assert_eq!(
            quota.kind,
            MetricKind::Expression {
                expression: "SERVICE_QUOTA(u1)".into()
            }
        );
        let mut none = vcpus();
        none.usage = None;
        assert!(none.usage_queries("u1").is_none());
    }

    #[test]
    fn a_quota_is_found_by_its_usage_metric_whatever_the_dimension_order() {
        let found = ServiceQuotas {
            quotas: vec![vcpus()],
            ..ServiceQuotas::default()
        };
        let dims = vec![
            ("Service".to_owned(), "EC2".to_owned()),
            ("Type".to_owned(), "Resource".to_owned()),
        ];
        assert!(
            found
                .measured_by("AWS/Usage", "ResourceCount", &dims)
                .is_some()
        );
        assert!(found.measured_by("AWS/Usage", "CallCount", &dims).is_none());
        assert!(
            found
                .measured_by("AWS/Usage", "ResourceCount", &dims[..1])
                .is_none()
        );
    }

    #[test]
    fn the_query_checks_its_codes_and_says_what_it_wants() {
        assert!(service_quotas(&[]).validate().is_err());
        assert!(
            service_quotas(&["ec2"])
                .codes(&["L-1; drop"])
                .validate()
                .is_err()
        );
        let query = service_quotas(&["ec2"])
            .codes(&["L-1216C47A"])
            .with_usage_metrics();
        assert!(query.validate().is_ok());
        assert!(query.wants(&vcpus()));
        let mut other = vcpus();
        other.quota_code = "L-34B43A08".into();
        assert!(!query.wants(&other));
        other.quota_code = "L-1216C47A".into();
        other.usage = None;
        assert!(!query.wants(&other));
        assert_eq!(
            query.describe(),
            "service quotas of ec2 L-1216C47A with usage metrics"
        );
    }
}
