//! Where a service answers: the endpoint the configuration names (`AWS_ENDPOINT_URL_<ID>`
//! or the profile's `services` section, else `AWS_ENDPOINT_URL` / `endpoint_url`), used
//! as given with S3 buckets in the path (what local and S3-compatible endpoints
//! understand); else the region's own endpoint in its partition's DNS domain (aws,
//! aws-cn, aws-us-gov, the ISO partitions), with FIPS and dual-stack variants when the
//! configuration asks, and S3 buckets in the host name where they fit in one DNS label.

use aws_config::SdkConfig;
use aws_types::service_config::ServiceConfigKey;

use super::{Failure, Service};
use crate::http::Url;

/// How a client finds its service.
#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    /// A configured endpoint URL.
    Configured(String),
    /// The region's endpoint of the service.
    Regional {
        prefix: &'static str,
        s3: bool,
        fips: bool,
        dual_stack: bool,
    },
}

impl Endpoint {
    /// The endpoint of `service` in `config`.
    pub(crate) fn of(config: &SdkConfig, service: &Service) -> Endpoint {
        let own = ServiceConfigKey::builder()
            .service_id(service.id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .ok()
            .and_then(|key| config.service_config()?.load_config(key));
        match own.or_else(|| config.endpoint_url().map(str::to_owned)) {
            Some(url) => Endpoint::Configured(url),
            None => Endpoint::Regional {
                prefix: service.endpoint_prefix,
                s3: service.signing_name == "s3",
                fips: config.use_fips().unwrap_or(false),
                dual_stack: config.use_dual_stack().unwrap_or(false),
            },
        }
    }

    /// The URL to connect to in `region`, and the path prefix a request's path follows
    /// (empty, or `/BUCKET` for path-style S3).
    pub(crate) fn address(
        &self,
        region: &str,
        bucket: Option<&str>,
    ) -> Result<(Url, String), Failure> {
        let (base, virtual_host) = match self {
            Endpoint::Configured(url) => (url.clone(), false),
            Endpoint::Regional {
                prefix,
                s3,
                fips,
                dual_stack,
            } => (
                regional(prefix, *s3, region, *fips, *dual_stack),
                bucket.is_some_and(fits_in_host),
            ),
        };
        let mut url = Url::parse(&base).map_err(|e| Failure::Config(e.to_string()))?;
        if url.path.contains('?') {
            return Err(Failure::Config(format!(
                "the endpoint {} has a query: give scheme, host, port and path only",
                url.origin()
            )));
        }
        let mut prefix = url.path.trim_end_matches('/').to_owned();
        match bucket {
            Some(bucket) if virtual_host => url.host = format!("{bucket}.{}", url.host),
            Some(bucket) => prefix = format!("{prefix}/{}", super::encode_key(bucket)),
            None => {}
        }
        url.path = "/".into();
        Ok((url, prefix))
    }
}

/// `https://PREFIX[-fips][.dualstack].REGION.DOMAIN` (S3), or
/// `https://PREFIX[-fips].REGION.DOMAIN` with the partition's dual-stack domain (others).
fn regional(prefix: &str, s3: bool, region: &str, fips: bool, dual_stack: bool) -> String {
    let partition = Partition::of(region);
    let fips = if fips { "-fips" } else { "" };
    match (dual_stack, s3) {
        (true, true) => format!(
            "https://{prefix}{fips}.dualstack.{region}.{}",
            partition.domain
        ),
        (true, false) => format!(
            "https://{prefix}{fips}.{region}.{}",
            partition.dual_stack_domain
        ),
        (false, _) => format!("https://{prefix}{fips}.{region}.{}", partition.domain),
    }
}

/// A partition's DNS domains.
#[derive(Debug, PartialEq, Eq)]
struct Partition {
    domain: &'static str,
    dual_stack_domain: &'static str,
}

impl Partition {
    /// The partition of `region`, from its name as the SDK's partition table does (aws
    /// when no other matches: its regions, and aws-us-gov's, share a domain).
    fn of(region: &str) -> Partition {
        const PARTITIONS: &[(&str, &str, &str)] = &[
            ("cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
            ("us-isob-", "sc2s.sgov.gov", "sc2s.sgov.gov"),
            ("us-isof-", "csp.hci.ic.gov", "csp.hci.ic.gov"),
            ("us-iso-", "c2s.ic.gov", "c2s.ic.gov"),
            ("eu-isoe-", "cloud.adc-e.uk", "cloud.adc-e.uk"),
            ("eusc-", "amazonaws.eu", "amazonaws.eu"),
        ];
        let (domain, dual_stack_domain) = PARTITIONS
            .iter()
            .find(|(start, _, _)| region.starts_with(start))
            .map_or(("amazonaws.com", "api.aws"), |(_, d, ds)| (*d, *ds));
        Partition {
            domain,
            dual_stack_domain,
        }
    }
}

/// Whether a bucket can lead the host name: one DNS label (no dots: TLS wildcards cover
/// one label), lower case letters, digits and hyphens, 3–63 long, not starting or ending
/// with a hyphen. Other buckets go in the path.
fn fits_in_host(bucket: &str) -> bool {
    (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regional_endpoint(s3: bool, fips: bool, dual_stack: bool) -> Endpoint {
        Endpoint::Regional {
            prefix: if s3 { "s3" } else { "sns" },
            s3,
            fips,
            dual_stack,
        }
    }

    fn address(endpoint: &Endpoint, region: &str, bucket: Option<&str>) -> (String, String) {
        let (url, prefix) = endpoint.address(region, bucket).expect("an address");
        (url.origin(), prefix)
    }

    #[test]
    fn the_default_endpoint_is_in_the_regions_partition() {
        let sns = regional_endpoint(false, false, false);
        assert_eq!(
            address(&sns, "eu-west-1", None).0,
            "https://sns.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            address(&sns, "cn-north-1", None).0,
            "https://sns.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            address(&sns, "us-gov-west-1", None).0,
            "https://sns.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            address(&sns, "us-iso-east-1", None).0,
            "https://sns.us-iso-east-1.c2s.ic.gov"
        );
        let fips = regional_endpoint(false, true, false);
        assert_eq!(
            address(&fips, "us-east-1", None).0,
            "https://sns-fips.us-east-1.amazonaws.com"
        );
        let dual = regional_endpoint(false, false, true);
        assert_eq!(
            address(&dual, "us-east-1", None).0,
            "https://sns.us-east-1.api.aws"
        );
    }

    #[test]
    fn s3_buckets_lead_the_host_only_where_they_fit_one_label() {
        let s3 = regional_endpoint(true, false, false);
        assert_eq!(
            address(&s3, "eu-west-1", Some("records")),
            (
                "https://records.s3.eu-west-1.amazonaws.com".into(),
                String::new()
            )
        );
        assert_eq!(
            address(&s3, "cn-north-1", Some("my.records")),
            (
                "https://s3.cn-north-1.amazonaws.com.cn".into(),
                "/my.records".into()
            )
        );
        let dual = regional_endpoint(true, false, true);
        assert_eq!(
            address(&dual, "us-east-1", Some("records")).0,
            "https://records.s3.dualstack.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn a_configured_endpoint_keeps_its_path_and_takes_buckets_in_the_path() {
        let local = Endpoint::Configured("http://127.0.0.1:5000".into());
        assert_eq!(
            address(&local, "us-east-1", Some("records")),
            ("http://127.0.0.1:5000".into(), "/records".into())
        );
        let prefixed = Endpoint::Configured("https://gateway.example/aws/".into());
        assert_eq!(
            address(&prefixed, "us-east-1", None),
            ("https://gateway.example".into(), "/aws".into())
        );
        let with_query = Endpoint::Configured("https://gateway.example/?x=1".into());
        assert!(with_query.address("us-east-1", None).is_err());
        assert!(
            Endpoint::Configured("ftp://x".into())
                .address("us-east-1", None)
                .is_err()
        );
    }
}
