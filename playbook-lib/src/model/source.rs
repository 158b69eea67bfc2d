//! Which source queries go to: `cloudwatch` (an AWS account and region) or `local:DIR`
//! (files in a directory, see `notebooks/data/README.md`).
//!
//! A CloudWatch source may name where it reads: `cloudwatch:region=eu-west-1`,
//! `cloudwatch:profile=prod`, `cloudwatch:role=arn:aws:iam::111122223333:role/reader`
//! (with `external_id=…` and `session_name=…`), comma-separated. What it does not name
//! comes from the run (`playbook run --region/--profile/--role-arn`), else from the
//! standard AWS configuration (environment, profiles, instance roles). So one notebook can
//! ask two regions the same question: `.source("cloudwatch:region=us-east-1")` or
//! `.region("us-east-1")` on a query.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};

/// Where in AWS a CloudWatch source reads: each part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AwsTarget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// A role to assume (STS AssumeRole), e.g. in another account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
}

impl AwsTarget {
    /// This target, with what it leaves open taken from `defaults`.
    pub fn or(&self, defaults: &AwsTarget) -> AwsTarget {
        let pick = |mine: &Option<String>, theirs: &Option<String>| mine.clone().or(theirs.clone());
        AwsTarget {
            region: pick(&self.region, &defaults.region),
            profile: pick(&self.profile, &defaults.profile),
            role_arn: pick(&self.role_arn, &defaults.role_arn),
            external_id: pick(&self.external_id, &defaults.external_id),
            session_name: pick(&self.session_name, &defaults.session_name),
        }
    }

    /// Whether nothing is named.
    pub fn is_empty(&self) -> bool {
        *self == AwsTarget::default()
    }

    fn parts(&self) -> Vec<(&'static str, &str)> {
        [
            ("region", &self.region),
            ("profile", &self.profile),
            ("role", &self.role_arn),
            ("external_id", &self.external_id),
            ("session_name", &self.session_name),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.as_deref().map(|v| (key, v)))
        .collect()
    }

    /// Parses `region=…,profile=…,role=…,external_id=…,session_name=…`.
    fn parse(text: &str) -> Result<AwsTarget> {
        let mut target = AwsTarget::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| {
                Error::InvalidInput(format!(
                    "`{part}`: write KEY=VALUE (region, profile, role, external_id, session_name)"
                ))
            })?;
            let value = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
            let slot = match key.trim() {
                "region" => &mut target.region,
                "profile" => &mut target.profile,
                "role" | "role_arn" => &mut target.role_arn,
                "external_id" => &mut target.external_id,
                "session_name" => &mut target.session_name,
                other => {
                    return Err(Error::InvalidInput(format!(
                        "`{other}` is not a CloudWatch source setting: use region, profile, role, external_id or session_name"
                    )));
                }
            };
            *slot = value;
        }
        if let Some(role) = &target.role_arn
            && !role.starts_with("arn:")
        {
            return Err(Error::InvalidInput(format!(
                "role `{role}` is not an ARN: write role=arn:aws:iam::ACCOUNT:role/NAME"
            )));
        }
        Ok(target)
    }
}

/// A source spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Source {
    CloudWatch(AwsTarget),
    Local(PathBuf),
}

impl Source {
    /// Parses `cloudwatch[:KEY=VALUE,…]` or `local:DIR`.
    pub fn from_spec(spec: &str) -> Result<Source> {
        let spec = spec.trim();
        let (head, rest) = spec.split_once(':').unwrap_or((spec, ""));
        if head.eq_ignore_ascii_case("cloudwatch") || head.eq_ignore_ascii_case("aws") {
            return Ok(Source::CloudWatch(AwsTarget::parse(rest)?));
        }
        if head == "local" && spec.contains(':') {
            if rest.trim().is_empty() {
                return Err(Error::InvalidInput(
                    "`local:` needs a directory, e.g. `local:notebooks/data/checkout`".to_owned(),
                ));
            }
            return Ok(Source::Local(PathBuf::from(rest.trim())));
        }
        Err(Error::InvalidInput(format!(
            "`{spec}` is not a source: use `cloudwatch` (optionally `cloudwatch:region=…,role=…`) or `local:DIR`"
        )))
    }
}

impl FromStr for Source {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Source> {
        Source::from_spec(spec)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::CloudWatch(target) if target.is_empty() => f.write_str("cloudwatch"),
            Source::CloudWatch(target) => {
                let parts: Vec<String> = target
                    .parts()
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                write!(f, "cloudwatch:{}", parts.join(","))
            }
            Source::Local(dir) => write!(f, "local:{}", dir.display()),
        }
    }
}

impl From<Source> for String {
    fn from(source: Source) -> String {
        source.to_string()
    }
}

impl TryFrom<String> for Source {
    type Error = Error;

    fn try_from(spec: String) -> Result<Source> {
        Source::from_spec(&spec)
    }
}

/// Checks an account id: twelve digits.
pub fn check_account(id: &str) -> Result<()> {
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidInput(format!(
            "account `{id}`: give the 12-digit id of an account linked to the monitoring account"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        assert_eq!(
            Source::from_spec("cloudwatch").unwrap(),
            Source::CloudWatch(AwsTarget::default())
        );
        let local = Source::from_spec("local:notebooks/data/checkout").unwrap();
        assert_eq!(local, Source::Local("notebooks/data/checkout".into()));
        assert_eq!(local.to_string(), "local:notebooks/data/checkout");
        let spec =
            "cloudwatch:region=eu-west-1,role=arn:aws:iam::111122223333:role/reader,external_id=x";
        let source = Source::from_spec(spec).unwrap();
        let Source::CloudWatch(target) = &source else {
            panic!("{source:?}")
        };
        assert_eq!(target.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            target.role_arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/reader")
        );
        assert_eq!(source.to_string(), spec);
    }

    #[test]
    fn a_target_takes_what_it_leaves_open_from_defaults() {
        let mine = AwsTarget {
            region: Some("us-east-1".into()),
            ..AwsTarget::default()
        };
        let defaults = AwsTarget {
            region: Some("eu-west-1".into()),
            role_arn: Some("arn:aws:iam::1:role/r".into()),
            ..AwsTarget::default()
        };
        let merged = mine.or(&defaults);
        assert_eq!(merged.region.as_deref(), Some("us-east-1"));
        assert_eq!(merged.role_arn.as_deref(), Some("arn:aws:iam::1:role/r"));
    }

    #[test]
    fn bad_specs_say_what_to_write() {
        let err = Source::from_spec("s3://bucket").unwrap_err().to_string();
        assert!(
            err.contains("use `cloudwatch`") && err.contains("`local:DIR`"),
            "{err}"
        );
        assert!(Source::from_spec("local:").is_err());
        let err = Source::from_spec("cloudwatch:colour=blue")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a CloudWatch source setting"), "{err}");
        let err = Source::from_spec("cloudwatch:role=reader")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not an ARN"), "{err}");
    }
}
