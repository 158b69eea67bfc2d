//! The targets file of a fleet run (YAML or JSON), validated whole before anything runs:
//!
//! ```yaml
//! defaults:                 # optional: applied to every target
//!   parameters: {window_minutes: 60}
//!   region: eu-west-1
//! targets:
//!   - name: checkout-eu     # unique; names the record, the report and the metric dimension
//!     parameters: {service: checkout}
//!     source: cloudwatch    # optional: cloudwatch | local:DIR
//!     region: eu-west-1     # optional
//!     profile: prod         # optional
//!     role_arn: arn:aws:iam::111122223333:role/playbook-reader   # optional
//!     external_id: …        # optional, with role_arn
//!     role_session_name: …  # optional, with role_arn
//! ```
//!
//! A target's settings override the defaults; its parameters are merged over the
//! defaults' (and `-p` on the command line wins over both).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use playbook::source::{AwsTarget, Source};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most targets one file may name.
pub(crate) const MAX_TARGETS: usize = 10_000;

/// What the file may say of a target, or of every target (`defaults`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    parameters: BTreeMap<String, Value>,
    source: Option<String>,
    region: Option<String>,
    profile: Option<String>,
    role_arn: Option<String>,
    external_id: Option<String>,
    role_session_name: Option<String>,
}

/// One entry of `targets` (serde cannot deny unknown fields through a flattened struct).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    #[serde(default)]
    parameters: BTreeMap<String, Value>,
    source: Option<String>,
    region: Option<String>,
    profile: Option<String>,
    role_arn: Option<String>,
    external_id: Option<String>,
    role_session_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    defaults: Option<Value>,
    targets: Vec<Value>,
}

/// A target as it runs: its name, the parameters in effect for it, its source and where
/// in AWS it asks. `playbook fleet --plan` prints these.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Target {
    pub(crate) name: String,
    pub(crate) parameters: BTreeMap<String, Value>,
    pub(crate) source: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) profile: Option<String>,
    pub(crate) role_arn: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) role_session_name: Option<String>,
}

impl Target {
    /// Where in AWS the target's queries and deliveries go.
    pub(crate) fn aws(&self) -> AwsTarget {
        AwsTarget {
            region: self.region.clone(),
            profile: self.profile.clone(),
            role_arn: self.role_arn.clone(),
            external_id: self.external_id.clone(),
            session_name: self.role_session_name.clone(),
        }
    }

    /// The parameters as `NAME=VALUE` text, as `-p` gives them (strings as they are,
    /// anything else as JSON).
    pub(crate) fn assignments(&self) -> Vec<(String, String)> {
        self.parameters
            .iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (name.clone(), text)
            })
            .collect()
    }
}

/// Reads and validates a targets file; `overrides` (from `-p`) win over its parameters.
/// The error names the file, the target and the field.
pub(crate) fn read(path: &Path, overrides: &[(String, Value)]) -> Result<Vec<Target>, String> {
    let text = playbook_engine::limits::read_text(
        path,
        playbook_engine::limits::MAX_CONFIG_BYTES,
        "targets files",
    )
    .map_err(|e| e.to_string())?;
    let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    parse(&text, yaml, overrides).map_err(|why| format!("{}: {why}", path.display()))
}

/// Parses a targets file's text (YAML when `yaml`, else JSON).
pub(crate) fn parse(
    text: &str,
    yaml: bool,
    overrides: &[(String, Value)],
) -> Result<Vec<Target>, String> {
    let document = if yaml {
        crate::run::yaml::to_json(text)?
    } else {
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?
    };
    let file: File = serde_json::from_value(document)
        .map_err(|e| format!("{e} (a targets file has `defaults` and `targets`)"))?;
    let defaults: Settings = match file.defaults {
        None | Some(Value::Null) => Settings::default(),
        Some(value) => serde_json::from_value(value).map_err(|e| format!("defaults: {e}"))?,
    };
    check_settings(
        "defaults",
        &defaults.parameters,
        &defaults.role_arn,
        &defaults.external_id,
    )?;
    if file.targets.is_empty() {
        return Err("`targets` is empty: name at least one target".into());
    }
    if file.targets.len() > MAX_TARGETS {
        return Err(format!(
            "{} targets: at most {MAX_TARGETS} in one file",
            file.targets.len()
        ));
    }
    let mut names = BTreeSet::new();
    let mut targets = Vec::with_capacity(file.targets.len());
    for (index, value) in file.targets.into_iter().enumerate() {
        let label = entry_label(index, &value);
        let entry: Entry = serde_json::from_value(value).map_err(|e| format!("{label}: {e}"))?;
        let target = merge(&defaults, entry, overrides);
        validate(&label, &target)?;
        if !names.insert(target.name.clone()) {
            return Err(format!("{label}: the name `{}` is used twice", target.name));
        }
        targets.push(target);
    }
    Ok(targets)
}

/// `targets[2] (checkout-eu)`, or without the name when it has none.
fn entry_label(index: usize, value: &Value) -> String {
    match value.get("name").and_then(Value::as_str) {
        Some(name) => format!("targets[{index}] ({name})"),
        None => format!("targets[{index}]"),
    }
}

fn merge(defaults: &Settings, entry: Entry, overrides: &[(String, Value)]) -> Target {
    let mut parameters = defaults.parameters.clone();
    parameters.extend(entry.parameters);
    parameters.extend(overrides.iter().cloned());
    let pick = |own: Option<String>, default: &Option<String>| own.or_else(|| default.clone());
    Target {
        name: entry.name,
        parameters,
        source: pick(entry.source, &defaults.source),
        region: pick(entry.region, &defaults.region),
        profile: pick(entry.profile, &defaults.profile),
        role_arn: pick(entry.role_arn, &defaults.role_arn),
        external_id: pick(entry.external_id, &defaults.external_id),
        role_session_name: pick(entry.role_session_name, &defaults.role_session_name),
    }
}

fn validate(label: &str, target: &Target) -> Result<(), String> {
    let name = &target.name;
    let valid_name = !name.is_empty()
        && name.len() <= 128
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid_name {
        return Err(format!(
            "{label}: name `{name}`: use 1-128 letters, digits, `-`, `_` or `.` (it names files and a metric dimension)"
        ));
    }
    if super::out::FLEET_FILES.contains(&name.as_str()) {
        return Err(format!(
            "{label}: name `{name}` is the fleet's own file in --out: choose another name"
        ));
    }
    if let Some(source) = &target.source {
        Source::from_spec(source).map_err(|e| format!("{label}: source: {e}"))?;
    }
    if let Some(region) = &target.region
        && (region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(format!(
            "{label}: region `{region}` is not a region name (e.g. eu-west-1)"
        ));
    }
    if target.role_session_name.is_some() && target.role_arn.is_none() {
        return Err(format!("{label}: role_session_name needs role_arn"));
    }
    check_settings(
        label,
        &target.parameters,
        &target.role_arn,
        &target.external_id,
    )
}

fn check_settings(
    label: &str,
    parameters: &BTreeMap<String, Value>,
    role_arn: &Option<String>,
    external_id: &Option<String>,
) -> Result<(), String> {
    if let Some(role) = role_arn
        && !role.starts_with("arn:")
    {
        return Err(format!(
            "{label}: role_arn `{role}`: write arn:aws:iam::ACCOUNT:role/NAME"
        ));
    }
    if external_id.is_some() && role_arn.is_none() {
        return Err(format!("{label}: external_id needs role_arn"));
    }
    for (name, value) in parameters {
        let plain = |v: &Value| !matches!(v, Value::Object(_) | Value::Array(_) | Value::Null);
        let ok = match value {
            Value::Array(items) => items.iter().all(plain),
            other => plain(other),
        };
        if !ok {
            return Err(format!(
                "{label}: parameters.{name}: expected a plain value or a list of them"
            ));
        }
    }
    Ok(())
}
