//! A Contributor Insights rule's definition, as CloudWatch's rule syntax writes it
//! (`Schema`, `LogGroupNames`, `LogFormat`, `Contribution` with `Keys`, `ValueOf` and
//! `Filters`, `AggregateOn`), checked the way the service checks it, and applied to one
//! JSON log event: does it match, which contributor is it, what does it add.

use serde::Deserialize;
use serde_json::Value;

use crate::error::EngineError;

/// The most keys a rule may have.
const MAX_KEYS: usize = 4;

/// A rule body, as `PutInsightRule` takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    schema: Schema,
    #[serde(default)]
    log_group_names: Vec<String>,
    #[serde(default, rename = "LogGroupARNs")]
    log_group_arns: Vec<String>,
    log_format: String,
    contribution: Contribution,
    aggregate_on: Aggregate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Schema {
    name: String,
    version: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Contribution {
    keys: Vec<String>,
    #[serde(default)]
    value_of: Option<String>,
    #[serde(default)]
    filters: Vec<Filter>,
}

/// What a contributor adds up: matching events, or a field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Aggregate {
    Count,
    Sum,
}

/// One filter: a field and exactly one condition on it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Filter {
    #[serde(rename = "Match")]
    field: String,
    #[serde(default)]
    r#in: Option<Vec<Value>>,
    #[serde(default)]
    not_in: Option<Vec<Value>>,
    #[serde(default)]
    starts_with: Option<Vec<String>>,
    #[serde(default)]
    greater_than: Option<f64>,
    #[serde(default)]
    less_than: Option<f64>,
    #[serde(default)]
    equal_to: Option<f64>,
    #[serde(default)]
    not_equal_to: Option<f64>,
    #[serde(default)]
    is_present: Option<bool>,
}

impl Rule {
    /// Parses and checks a rule body read by `source`; the error says what to change.
    pub fn parse(name: &str, text: &str, source: &str) -> Result<Rule, EngineError> {
        let invalid = |why: String| EngineError::InvalidInput(format!("rule {name}: {why}"));
        let rule: Rule = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if (rule.schema.name.as_str(), rule.schema.version) != ("CloudWatchLogRule", 1) {
            return Err(invalid(
                "Schema must be {\"Name\": \"CloudWatchLogRule\", \"Version\": 1}".into(),
            ));
        }
        if rule.log_group_names.is_empty() == rule.log_group_arns.is_empty() {
            return Err(invalid(
                "give LogGroupNames or LogGroupARNs (one of the two)".into(),
            ));
        }
        if rule.log_format != "JSON" {
            return Err(EngineError::Unsupported {
                source_name: source.to_owned(),
                what: format!("evaluate rule {name} (LogFormat {})", rule.log_format),
                hint: ": it evaluates JSON rules; CLF rules need CloudWatch".into(),
            });
        }
        let c = &rule.contribution;
        if c.keys.is_empty() || c.keys.len() > MAX_KEYS {
            return Err(invalid(format!(
                "Contribution.Keys holds 1 to {MAX_KEYS} fields"
            )));
        }
        if rule.aggregate_on == Aggregate::Sum && c.value_of.is_none() {
            return Err(invalid(
                "AggregateOn Sum needs Contribution.ValueOf (the field to add up)".into(),
            ));
        }
        let paths = c
            .keys
            .iter()
            .chain(&c.value_of)
            .chain(c.filters.iter().map(|f| &f.field));
        for path in paths {
            if path_of(path).is_none() {
                return Err(invalid(format!(
                    "`{path}` is not a JSON path: write $.field or $.a.b"
                )));
            }
        }
        for f in &c.filters {
            if f.conditions() != 1 {
                return Err(invalid(format!(
                    "the filter on {} needs exactly one of In, NotIn, StartsWith, GreaterThan, LessThan, EqualTo, NotEqualTo, IsPresent",
                    f.field
                )));
            }
        }
        Ok(rule)
    }

    /// Whether the rule reads the log group `name` (names ending in `*` are prefixes;
    /// an ARN names its group after `:log-group:`).
    pub fn reads(&self, name: &str) -> bool {
        let name = name.trim_start_matches('/');
        let from_arn = |arn: &'_ String| -> String {
            let tail = arn
                .split_once(":log-group:")
                .map_or(arn.as_str(), |(_, n)| n);
            tail.strip_suffix(":*").unwrap_or(tail).to_owned()
        };
        let wanted = self
            .log_group_names
            .iter()
            .cloned()
            .chain(self.log_group_arns.iter().map(from_arn));
        wanted.into_iter().any(|w| {
            let w = w.trim_start_matches('/');
            match w.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == w,
            }
        })
    }

    pub fn aggregate(&self) -> Aggregate {
        self.aggregate_on
    }

    /// The keys' names as the report labels them (`$.route` → `route`).
    pub fn key_labels(&self) -> Vec<String> {
        (self.contribution.keys.iter())
            .map(|k| k.trim_start_matches("$.").to_owned())
            .collect()
    }

    /// The event's contributor and what it adds, when the event matches the rule: every
    /// filter holds, every key is present, and (for Sum) the value is a number.
    pub fn apply(&self, event: &Value) -> Option<(Vec<String>, f64)> {
        let c = &self.contribution;
        if !c.filters.iter().all(|f| f.holds(lookup(event, &f.field))) {
            return None;
        }
        let keys = (c.keys.iter())
            .map(|k| lookup(event, k).and_then(text))
            .collect::<Option<Vec<_>>>()?;
        let value = match self.aggregate_on {
            Aggregate::Count => 1.0,
            Aggregate::Sum => number(lookup(event, c.value_of.as_deref()?)?)?,
        };
        Some((keys, value))
    }
}

impl Filter {
    fn conditions(&self) -> usize {
        [
            self.r#in.is_some(),
            self.not_in.is_some(),
            self.starts_with.is_some(),
            self.greater_than.is_some(),
            self.less_than.is_some(),
            self.equal_to.is_some(),
            self.not_equal_to.is_some(),
            self.is_present.is_some(),
        ]
        .iter()
        .filter(|set| **set)
        .count()
    }

    fn holds(&self, value: Option<&Value>) -> bool {
        if let Some(present) = self.is_present {
            return value.is_some() == present;
        }
        let Some(value) = value else {
            return false;
        };
        let same = |want: &Value| match (want, value) {
            (Value::Number(a), b) => number(b).zip(a.as_f64()).is_some_and(|(b, a)| a == b),
            (a, b) => text(a).is_some() && text(a) == text(b),
        };
        let n = number(value);
        if let Some(list) = &self.r#in {
            list.iter().any(same)
        } else if let Some(list) = &self.not_in {
            !list.iter().any(same)
        } else if let Some(prefixes) = &self.starts_with {
            text(value).is_some_and(|t| prefixes.iter().any(|p| t.starts_with(p.as_str())))
        } else if let Some(limit) = self.greater_than {
            n.is_some_and(|n| n > limit)
        } else if let Some(limit) = self.less_than {
            n.is_some_and(|n| n < limit)
        } else if let Some(want) = self.equal_to {
            n == Some(want)
        } else if let Some(other) = self.not_equal_to {
            n.is_some_and(|n| n != other)
        } else {
            false
        }
    }
}

/// `$.a.b` → `["a", "b"]`.
fn path_of(path: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = path.strip_prefix("$.")?.split('.').collect();
    parts.iter().all(|p| !p.is_empty()).then_some(parts)
}

fn lookup<'a>(event: &'a Value, path: &str) -> Option<&'a Value> {
    path_of(path)?
        .into_iter()
        .try_fold(event, |v, part| v.as_object()?.get(part))
        .filter(|v| !v.is_null())
}

/// A scalar as a key's text (strings as written, numbers and booleans as JSON writes
/// them); objects and arrays are not keys.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok().filter(|n: &f64| n.is_finite()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
