//! Where a run's outputs go: a local path or an `s3://bucket/key`, either with
//! placeholders so a schedule never overwrites yesterday's record:
//! `{run_id}`, `{date}` (2026-11-12), `{time}` (140501), `{datetime}`
//! (2026-11-12T140501Z), `{notebook}` (the notebook's name without `.ipynb`), `{target}`
//! (the fleet target or `--target-name`), and `{param.NAME}` (a parameter in effect).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use playbook_engine::delivery::S3Uri;
use serde_json::Value;

/// What placeholders stand for in one run.
#[derive(Debug, Clone)]
pub(crate) struct Placeholders {
    pub(crate) run_id: String,
    pub(crate) started: DateTime<Utc>,
    pub(crate) notebook: String,
    pub(crate) target: Option<String>,
    pub(crate) parameters: BTreeMap<String, Value>,
}

/// A destination, placeholders expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Destination {
    Local(PathBuf),
    S3(S3Uri),
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::Local(path) => write!(f, "{}", path.display()),
            Destination::S3(uri) => write!(f, "{uri}"),
        }
    }
}

/// A notebook's name (the `{notebook}` placeholder): its file name without `.ipynb`.
pub(crate) fn notebook_name(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Destination {
    /// Expands `template`'s placeholders and reads it as a path or an S3 address.
    pub(crate) fn parse(template: &str, with: &Placeholders) -> Result<Destination, String> {
        let text = expand(template, with)?;
        match S3Uri::parse(&text) {
            Some(uri) => uri.map(Destination::S3).map_err(|e| e.to_string()),
            None => Ok(Destination::Local(PathBuf::from(text))),
        }
    }

    /// A local path made absolute against the current directory, so it keeps its
    /// meaning when the run enters the notebook's directory.
    pub(crate) fn anchored(self) -> std::io::Result<Destination> {
        match self {
            Destination::Local(path) if path.is_relative() => {
                Ok(Destination::Local(std::env::current_dir()?.join(path)))
            }
            other => Ok(other),
        }
    }
}

/// `template` with its `{…}` placeholders replaced; an unknown one is an error that says
/// which exist.
pub(crate) fn expand(template: &str, with: &Placeholders) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("`{template}`: a `{{` is not closed"))?;
        out.push_str(&value(&after[..close], with).map_err(|why| format!("`{template}`: {why}"))?);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn value(name: &str, with: &Placeholders) -> Result<String, String> {
    Ok(match name {
        "run_id" => with.run_id.clone(),
        "date" => with.started.format("%Y-%m-%d").to_string(),
        "time" => with.started.format("%H%M%S").to_string(),
        "datetime" => with.started.format("%Y-%m-%dT%H%M%SZ").to_string(),
        "notebook" => with.notebook.clone(),
        "target" => with
            .target
            .clone()
            .ok_or("{target} needs a target name (--target-name, or a fleet run)")?,
        other => {
            let Some(parameter) = other.strip_prefix("param.") else {
                return Err(format!(
                    "unknown placeholder {{{other}}}: use {{run_id}}, {{date}}, {{time}}, {{datetime}}, {{notebook}}, {{target}} or {{param.NAME}}"
                ));
            };
            match with.parameters.get(parameter) {
                Some(Value::String(s)) => safe(s),
                Some(v) => safe(&v.to_string()),
                None => {
                    return Err(format!(
                        "{{{other}}}: no parameter `{parameter}` is in effect"
                    ));
                }
            }
        }
    })
}

/// A parameter's value made safe for a path or key: separators and control characters
/// become `_`.
pub(crate) fn safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() || c == ' ' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with() -> Placeholders {
        Placeholders {
            run_id: "r-1".into(),
            started: "2026-11-12T14:05:01Z".parse().unwrap(),
            notebook: "post-deploy".into(),
            target: Some("checkout-eu".into()),
            parameters: BTreeMap::from([("service".into(), Value::from("check/out"))]),
        }
    }

    #[test]
    fn placeholders_expand_in_paths_and_keys() {
        let d = Destination::parse(
            "s3://records/{notebook}/{date}/{target}-{param.service}-{time}-{run_id}.ipynb",
            &with(),
        )
        .unwrap();
        assert_eq!(
            d.to_string(),
            "s3://records/post-deploy/2026-11-12/checkout-eu-check_out-140501-r-1.ipynb"
        );
        assert_eq!(
            Destination::parse("out/{datetime}.ipynb", &with()).unwrap(),
            Destination::Local("out/2026-11-12T140501Z.ipynb".into())
        );
    }

    #[test]
    fn unknown_placeholders_and_bad_addresses_are_errors() {
        let err = Destination::parse("x-{colour}.ipynb", &with()).unwrap_err();
        assert!(err.contains("unknown placeholder {colour}"), "{err}");
        assert!(
            Destination::parse("x-{param.nope}", &with())
                .unwrap_err()
                .contains("no parameter")
        );
        assert!(
            Destination::parse("x-{date", &with())
                .unwrap_err()
                .contains("not closed")
        );
        assert!(Destination::parse("s3://bucket", &with()).is_err());
    }
}
