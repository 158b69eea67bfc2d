//! The responders file (YAML or JSON), validated whole before any event is handled:
//!
//! ```yaml
//! accounts:                  # optional: the role to assume for an alarm's account
//!   "123456789012": {role_arn: arn:aws:iam::123456789012:role/playbook-responder}
//! rules:
//!   - name: checkout-latency         # unique; the run's target name
//!     alarm: "checkout-*-latency-*"  # glob on the alarm's name (optional)
//!     namespace: AWS/ApplicationELB  # optional, glob
//!     metric: TargetResponseTime     # optional, glob
//!     dimensions: {LoadBalancer: "app/checkout-*"}   # optional, globs on values
//!     state: ALARM                   # ALARM (default) or OK
//!     notebook: ../notebooks/latency-spike.ipynb     # relative to this file
//!     source: local:data/checkout    # optional
//!     parameters:                    # templates over the alarm (`template.rs`)
//!       start: "{alarm.time - 1h}"
//! ```
//!
//! Every rule that matches an event runs, in the file's order. Errors name the line of
//! the rule (`line 12: rules[1] (checkout-latency): …`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use playbook::source::{AwsTarget, Source};
use serde::Deserialize;
use serde_json::Value;

use super::template::Template;
use crate::record::cause::{AlarmState, AlarmTransition};

/// The most rules one file may hold.
const MAX_RULES: usize = 10_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    accounts: BTreeMap<String, Account>,
    rules: Vec<Value>,
}

/// The role an account's alarms are investigated with.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Account {
    role_arn: String,
    external_id: Option<String>,
    role_session_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    alarm: Option<String>,
    namespace: Option<String>,
    metric: Option<String>,
    #[serde(default)]
    dimensions: BTreeMap<String, String>,
    state: Option<AlarmState>,
    notebook: PathBuf,
    source: Option<String>,
    #[serde(default)]
    parameters: BTreeMap<String, Value>,
}

/// A validated responders file.
#[derive(Debug)]
pub(crate) struct Responders {
    /// The file, as given (records name it).
    pub(crate) file: String,
    accounts: BTreeMap<String, Account>,
    pub(crate) rules: Vec<Rule>,
}

/// One rule: what it matches and what it runs.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) name: String,
    pub(crate) line: Option<usize>,
    alarm: Option<Glob>,
    namespace: Option<Glob>,
    metric: Option<Glob>,
    dimensions: Vec<(String, Glob)>,
    state: AlarmState,
    /// Absolute.
    pub(crate) notebook: PathBuf,
    pub(crate) source: Option<String>,
    parameters: Vec<(String, Parameter)>,
}

#[derive(Debug)]
enum Parameter {
    Template(Template),
    /// A number, a boolean or a list, as `-p` would give it.
    Plain(String),
}

impl Responders {
    /// Reads and validates `path` (YAML by a .yaml/.yml name, else JSON).
    pub(crate) fn read(path: &Path) -> Result<Responders, String> {
        let text = playbook_engine::limits::read_text(
            path,
            playbook_engine::limits::MAX_CONFIG_BYTES,
            "responders files",
        )
        .map_err(|e| e.to_string())?;
        let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        let dir = std::fs::canonicalize(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        parse(&text, yaml, &dir, &path.display().to_string())
            .map_err(|why| format!("{}: {why}", path.display()))
    }

    /// The rules that match `alarm`, in the file's order.
    pub(crate) fn matching<'a>(&'a self, alarm: &AlarmTransition) -> Vec<&'a Rule> {
        self.rules.iter().filter(|r| r.matches(alarm)).collect()
    }

    /// Where the run of an alarm asks: the alarm's region, its account's role.
    pub(crate) fn aws_for(&self, alarm: &AlarmTransition, base: &AwsTarget) -> AwsTarget {
        let account = self.accounts.get(&alarm.account);
        AwsTarget {
            region: Some(alarm.region.clone()),
            profile: base.profile.clone(),
            role_arn: account
                .map(|a| a.role_arn.clone())
                .or(base.role_arn.clone()),
            external_id: account.and_then(|a| a.external_id.clone()),
            session_name: account
                .and_then(|a| a.role_session_name.clone())
                .or(base.session_name.clone()),
        }
    }
}

impl Rule {
    pub(crate) fn matches(&self, alarm: &AlarmTransition) -> bool {
        let text = |glob: &Option<Glob>, value: Option<&str>| match glob {
            None => true,
            Some(glob) => value.is_some_and(|v| glob.matches(v)),
        };
        alarm.state == self.state
            && text(&self.alarm, Some(&alarm.name))
            && text(&self.namespace, alarm.namespace.as_deref())
            && text(&self.metric, alarm.metric.as_deref())
            && (self.dimensions.iter())
                .all(|(name, glob)| alarm.dimensions.get(name).is_some_and(|v| glob.matches(v)))
    }

    /// The parameters for `alarm`, as `-p` gives them.
    pub(crate) fn parameters(
        &self,
        alarm: &AlarmTransition,
    ) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::with_capacity(self.parameters.len());
        for (name, parameter) in &self.parameters {
            let value = match parameter {
                Parameter::Template(t) => t
                    .render(alarm)
                    .map_err(|why| format!("rule `{}`: parameters.{name}: {why}", self.name))?,
                Parameter::Plain(text) => text.clone(),
            };
            out.push((name.clone(), value));
        }
        Ok(out)
    }
}

/// Parses a responders file's text; `dir` is where its relative notebook paths start.
pub(crate) fn parse(text: &str, yaml: bool, dir: &Path, file: &str) -> Result<Responders, String> {
    let document = if yaml {
        crate::run::yaml::to_json(text)?
    } else {
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?
    };
    let parsed: File = serde_json::from_value(document)
        .map_err(|e| format!("{e} (a responders file has `rules` and optional `accounts`)"))?;
    for (account, settings) in &parsed.accounts {
        let label = format!("accounts.{account}");
        if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("{label}: an account id is 12 digits"));
        }
        if !settings.role_arn.starts_with("arn:") {
            return Err(format!(
                "{label}: role_arn `{}`: write arn:aws:iam::ACCOUNT:role/NAME",
                settings.role_arn
            ));
        }
    }
    if parsed.rules.is_empty() {
        return Err("`rules` is empty: name at least one rule".into());
    }
    if parsed.rules.len() > MAX_RULES {
        return Err(format!("{} rules: at most {MAX_RULES}", parsed.rules.len()));
    }
    let lines = crate::run::yaml::item_lines(text, "rules");
    let mut names = BTreeSet::new();
    let mut rules = Vec::with_capacity(parsed.rules.len());
    for (index, value) in parsed.rules.into_iter().enumerate() {
        let line = lines.get(index).copied();
        let label = label(index, line, &value);
        let rule = rule(value, line, dir).map_err(|why| format!("{label}: {why}"))?;
        if !names.insert(rule.name.clone()) {
            return Err(format!("{label}: the name `{}` is used twice", rule.name));
        }
        rules.push(rule);
    }
    Ok(Responders {
        file: file.to_owned(),
        accounts: parsed.accounts,
        rules,
    })
}

/// `line 12: rules[1] (checkout-latency)`.
fn label(index: usize, line: Option<usize>, value: &Value) -> String {
    let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
    match value.get("name").and_then(Value::as_str) {
        Some(name) => format!("{at}rules[{index}] ({name})"),
        None => format!("{at}rules[{index}]"),
    }
}

fn rule(value: Value, line: Option<usize>, dir: &Path) -> Result<Rule, String> {
    let entry: Entry = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let name = entry.name;
    let valid = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && (name.chars()).all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(format!(
            "name `{name}`: use 1-128 letters, digits, `-`, `_` or `.` (it names the run)"
        ));
    }
    let state = entry.state.unwrap_or(AlarmState::Alarm);
    if state == AlarmState::InsufficientData {
        return Err("state: INSUFFICIENT_DATA starts no run: use ALARM or OK".into());
    }
    let notebook = dir.join(&entry.notebook);
    let notebook = std::fs::canonicalize(&notebook)
        .map_err(|e| format!("notebook {}: {e}", notebook.display()))?;
    if let Some(source) = &entry.source {
        Source::from_spec(source).map_err(|e| format!("source: {e}"))?;
    }
    // A local source is relative to this file, like the notebook.
    let source = entry.source.map(|spec| match spec.strip_prefix("local:") {
        Some(path) if Path::new(path).is_relative() => {
            format!("local:{}", dir.join(path).display())
        }
        _ => spec,
    });
    let mut parameters = Vec::new();
    for (key, value) in entry.parameters {
        let parameter = match value {
            Value::String(text) => Parameter::Template(
                Template::parse(&text).map_err(|why| format!("parameters.{key}: {why}"))?,
            ),
            Value::Object(_) | Value::Null => {
                return Err(format!(
                    "parameters.{key}: expected a plain value or a list of them"
                ));
            }
            other => Parameter::Plain(other.to_string()),
        };
        parameters.push((key, parameter));
    }
    let glob = |g: Option<String>| g.map(Glob);
    Ok(Rule {
        name,
        line,
        alarm: glob(entry.alarm),
        namespace: glob(entry.namespace),
        metric: glob(entry.metric),
        dimensions: (entry.dimensions.into_iter())
            .map(|(k, v)| (k, Glob(v)))
            .collect(),
        state,
        notebook,
        source,
        parameters,
    })
}

/// A glob: `*` any run of characters, `?` one character, anything else itself.
#[derive(Debug, Clone, PartialEq)]
struct Glob(String);

impl Glob {
    /// Whether `text` matches, in time linear in their lengths' product at worst (the
    /// backtracking resumes only at the last `*`).
    fn matches(&self, text: &str) -> bool {
        let pattern: Vec<char> = self.0.chars().collect();
        let text: Vec<char> = text.chars().collect();
        let (mut p, mut t) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            if p < pattern.len() && pattern[p] == '*' {
                star = Some((p, t));
                p += 1;
            } else if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
                p += 1;
                t += 1;
            } else if let Some((sp, st)) = star {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            } else {
                return false;
            }
        }
        pattern[p..].iter().all(|&c| c == '*')
    }
}

#[cfg(test)]
#[path = "responders_tests.rs"]
mod tests;
