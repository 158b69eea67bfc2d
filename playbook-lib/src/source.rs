//! Which source queries go to: `cloudwatch` (the AWS account in the environment) or
//! `local:DIR` (files in a directory, see `notebooks/data/README.md`).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::context::SessionContext;
use crate::error::{Error, Result};
use crate::host;
use crate::protocol::Request;

/// A source spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Source {
    CloudWatch,
    Local(PathBuf),
}

impl Source {
    /// Parses `cloudwatch` or `local:DIR`.
    pub fn from_spec(spec: &str) -> Result<Source> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("cloudwatch") || spec.eq_ignore_ascii_case("aws") {
            return Ok(Source::CloudWatch);
        }
        if let Some(dir) = spec.strip_prefix("local:") {
            if dir.trim().is_empty() {
                return Err(Error::InvalidInput(
                    "`local:` needs a directory, e.g. `local:notebooks/data/checkout`".to_owned(),
                ));
            }
            return Ok(Source::Local(PathBuf::from(dir.trim())));
        }
        Err(Error::InvalidInput(format!(
            "`{spec}` is not a source: use `cloudwatch` or `local:DIR`"
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
            Source::CloudWatch => f.write_str("cloudwatch"),
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

/// Chooses the source for the rest of the session (`cloudwatch` or `local:DIR`).
pub fn set_source(spec: &str) -> Result<SessionContext> {
    host::call(&Request::SetSource {
        spec: spec.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        assert_eq!(Source::from_spec("cloudwatch").unwrap(), Source::CloudWatch);
        let local = Source::from_spec("local:notebooks/data/checkout").unwrap();
        assert_eq!(local, Source::Local("notebooks/data/checkout".into()));
        assert_eq!(local.to_string(), "local:notebooks/data/checkout");
    }

    #[test]
    fn bad_specs_name_both_options() {
        let err = Source::from_spec("s3://bucket").unwrap_err().to_string();
        assert!(err.contains("use `cloudwatch` or `local:DIR`"), "{err}");
        assert!(Source::from_spec("local:").is_err());
    }
}
