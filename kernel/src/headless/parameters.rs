//! Playbook parameters, papermill's conventions for Rust: the cell tagged `parameters`
//! declares typed defaults (`let service: String = "checkout".into();`), and a run injects
//! a cell tagged `injected-parameters` right after it with the given values as typed
//! `let` bindings. Every value is checked against its declared type before anything runs.

use std::collections::BTreeMap;

use serde_json::Value;

/// A parameter declared in the `parameters` cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declared {
    pub(crate) name: String,
    pub(crate) ty: String,
}

/// Why parameters cannot be applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ParameterError {
    #[error("-p {0}: expected NAME=VALUE")]
    Syntax(String),
    #[error("unknown parameter `{name}`: the parameters cell declares {declared}")]
    Unknown { name: String, declared: String },
    #[error("parameter `{name}`: {value:?} is not a valid {ty}{hint}")]
    BadValue {
        name: String,
        value: String,
        ty: String,
        hint: String,
    },
    #[error(
        "parameter `{name}` has type {ty}, which `playbook run` cannot set; use i64, f64, bool, String, DateTime<Utc> or Vec of those"
    )]
    Unsupported { name: String, ty: String },
    #[error("parameters file: {0}")]
    File(String),
}

/// Reads the declarations of a `parameters` cell: `let [mut] NAME: TYPE = …;` lines.
pub(crate) fn declarations(source: &str) -> Vec<Declared> {
    let mut found = Vec::new();
    for line in source.lines() {
        let Some(rest) = line.trim().strip_prefix("let ") else {
            continue;
        };
        let rest = rest
            .trim_start()
            .strip_prefix("mut ")
            .unwrap_or(rest)
            .trim_start();
        let Some((name, rest)) = rest.split_once(':') else {
            continue;
        };
        let Some((ty, _)) = rest.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            found.push(Declared {
                name: name.to_owned(),
                ty: ty.split_whitespace().collect::<Vec<_>>().join(""),
            });
        }
    }
    found
}

/// Splits `NAME=VALUE`.
pub(crate) fn parse_assignment(text: &str) -> Result<(String, String), ParameterError> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(ParameterError::Syntax(text.to_owned())),
    }
}

/// The `NAME=VALUE` pairs of a run: a JSON or YAML parameters file (by its `.yaml`/`.yml`
/// name), then each `-p`, which wins over the file.
pub(crate) fn given(
    file: Option<&std::path::Path>,
    assignments: &[String],
) -> anyhow::Result<Vec<(String, String)>> {
    use anyhow::Context;
    let mut given = Vec::new();
    if let Some(file) = file {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let yaml = file.extension().is_some_and(|e| e == "yaml" || e == "yml");
        given.extend(if yaml {
            from_yaml_file(&text)?
        } else {
            from_json_file(&text)?
        });
    }
    for assignment in assignments {
        let (name, value) = parse_assignment(assignment)?;
        given.retain(|(n, _)| n != &name);
        given.push((name, value));
    }
    Ok(given)
}

/// Reads a JSON parameters file (`{"service": "checkout", "window_minutes": 30}`).
pub(crate) fn from_json_file(text: &str) -> Result<Vec<(String, String)>, ParameterError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ParameterError::File(format!("invalid JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(ParameterError::File(
            "expected a JSON object of NAME: VALUE".into(),
        ));
    };
    Ok(map
        .into_iter()
        .map(|(name, value)| {
            let text = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (name, text)
        })
        .collect())
}

/// Reads a YAML parameters file (`NAME: VALUE` per line; lists as YAML sequences).
pub(crate) fn from_yaml_file(text: &str) -> Result<Vec<(String, String)>, ParameterError> {
    use yaml_rust2::{Yaml, YamlLoader};
    let docs = YamlLoader::load_from_str(text)
        .map_err(|e| ParameterError::File(format!("invalid YAML: {e}")))?;
    let Some(Yaml::Hash(map)) = docs.into_iter().next() else {
        return Err(ParameterError::File(
            "expected a YAML mapping of NAME: VALUE".into(),
        ));
    };
    fn scalar(value: &Yaml) -> Option<Value> {
        match value {
            Yaml::String(s) => Some(Value::String(s.clone())),
            Yaml::Integer(i) => Some(Value::from(*i)),
            Yaml::Real(r) => r.parse::<f64>().ok().map(Value::from),
            Yaml::Boolean(b) => Some(Value::Bool(*b)),
            _ => None,
        }
    }
    let mut out = Vec::new();
    for (key, value) in map {
        let Some(Value::String(name)) = scalar(&key) else {
            return Err(ParameterError::File(format!(
                "{key:?} is not a parameter name"
            )));
        };
        let text = match &value {
            Yaml::Array(items) => {
                let items: Option<Vec<Value>> = items.iter().map(scalar).collect();
                let items = items.ok_or_else(|| {
                    ParameterError::File(format!("`{name}`: a list may hold only plain values"))
                })?;
                Value::Array(items).to_string()
            }
            other => match scalar(other) {
                Some(Value::String(s)) => s,
                Some(v) => v.to_string(),
                None => {
                    return Err(ParameterError::File(format!(
                        "`{name}`: expected a plain value or a list"
                    )));
                }
            },
        };
        out.push((name, text));
    }
    Ok(out)
}

/// A parameter's value, checked, as Rust code and as JSON for the record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) code: String,
    pub(crate) value: Value,
}

/// Checks every given value against the declarations.
pub(crate) fn resolve(
    declared: &[Declared],
    given: &[(String, String)],
) -> Result<Vec<Resolved>, ParameterError> {
    let by_name: BTreeMap<&str, &Declared> =
        declared.iter().map(|d| (d.name.as_str(), d)).collect();
    given
        .iter()
        .map(|(name, raw)| {
            let Some(decl) = by_name.get(name.as_str()) else {
                let names: Vec<&str> = declared.iter().map(|d| d.name.as_str()).collect();
                return Err(ParameterError::Unknown {
                    name: name.clone(),
                    declared: if names.is_empty() {
                        "nothing (no cell tagged `parameters`)".into()
                    } else {
                        names.join(", ")
                    },
                });
            };
            let (code, value) = literal(&decl.ty, raw.trim(), name)?;
            Ok(Resolved {
                name: name.clone(),
                ty: decl.ty.clone(),
                code,
                value,
            })
        })
        .collect()
}

fn bad(name: &str, value: &str, ty: &str, hint: &str) -> ParameterError {
    ParameterError::BadValue {
        name: name.into(),
        value: value.into(),
        ty: ty.into(),
        hint: hint.into(),
    }
}

/// The Rust expression for `raw` as a value of type `ty`, and its JSON form.
fn literal(ty: &str, raw: &str, name: &str) -> Result<(String, Value), ParameterError> {
    match ty {
        "i8" | "i16" | "i32" | "i64" | "isize" | "u8" | "u16" | "u32" | "u64" | "usize" => {
            integer_literal(ty, raw, name)
        }
        "f32" | "f64" => {
            let x: f64 = raw.parse().map_err(|_| bad(name, raw, ty, " (a number)"))?;
            if !x.is_finite() {
                return Err(bad(name, raw, ty, " (a finite number)"));
            }
            Ok((format!("{x:?}{ty}"), Value::from(x)))
        }
        "bool" => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(("true".into(), Value::Bool(true))),
            "false" | "no" | "0" => Ok(("false".into(), Value::Bool(false))),
            _ => Err(bad(name, raw, ty, " (true or false)")),
        },
        "String" | "&str" | "&'staticstr" => {
            let quoted = serde_json::to_string(raw).unwrap_or_else(|_| "\"\"".into());
            let code = if ty == "String" {
                format!("String::from({quoted})")
            } else {
                quoted
            };
            Ok((code, Value::String(raw.to_owned())))
        }
        t if is_datetime(t) => datetime_literal(ty, raw, name),
        t if t.starts_with("Vec<") && t.ends_with('>') => {
            vec_literal(&t[4..t.len() - 1], raw, name)
        }
        _ => Err(ParameterError::Unsupported {
            name: name.into(),
            ty: ty.into(),
        }),
    }
}

/// A whole number of integer type `ty`, checked against the type's range.
fn integer_literal(ty: &str, raw: &str, name: &str) -> Result<(String, Value), ParameterError> {
    let n: i128 = raw
        .parse()
        .map_err(|_| bad(name, raw, ty, " (a whole number)"))?;
    let fits = match ty {
        "i8" => i8::try_from(n).is_ok(),
        "i16" => i16::try_from(n).is_ok(),
        "i32" => i32::try_from(n).is_ok(),
        "u8" => u8::try_from(n).is_ok(),
        "u16" => u16::try_from(n).is_ok(),
        "u32" => u32::try_from(n).is_ok(),
        "u64" | "usize" => u64::try_from(n).is_ok(),
        _ => i64::try_from(n).is_ok(),
    };
    if !fits {
        return Err(bad(name, raw, ty, " (out of range)"));
    }
    Ok((format!("{n}{ty}"), Value::from(n as i64)))
}

/// An RFC 3339 instant, parsed in the cell as `ty` (a `DateTime<Utc>`).
fn datetime_literal(ty: &str, raw: &str, name: &str) -> Result<(String, Value), ParameterError> {
    let parsed = chrono::DateTime::parse_from_rfc3339(raw)
        .map_err(|_| {
            bad(
                name,
                raw,
                ty,
                " (an RFC 3339 time such as 2026-11-26T10:07:00Z)",
            )
        })?
        .with_timezone(&chrono::Utc);
    let text = parsed.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    Ok((
        format!("{text:?}.parse::<{ty}>().expect(\"checked by playbook run\")"),
        Value::String(text),
    ))
}

/// A JSON array or a comma list, each item a literal of type `inner`.
fn vec_literal(inner: &str, raw: &str, name: &str) -> Result<(String, Value), ParameterError> {
    let items: Vec<String> = match serde_json::from_str::<Value>(raw) {
        Ok(Value::Array(values)) => values
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
        _ if raw.is_empty() => Vec::new(),
        _ => raw.split(',').map(|s| s.trim().to_owned()).collect(),
    };
    let mut codes = Vec::new();
    let mut values = Vec::new();
    for item in &items {
        let (code, value) = literal(inner, item, name)?;
        codes.push(code);
        values.push(value);
    }
    Ok((format!("vec![{}]", codes.join(", ")), Value::Array(values)))
}

fn is_datetime(ty: &str) -> bool {
    matches!(
        ty,
        "DateTime<Utc>"
            | "chrono::DateTime<Utc>"
            | "chrono::DateTime<chrono::Utc>"
            | "playbook::chrono::DateTime<playbook::chrono::Utc>"
    )
}

/// The source of the injected cell.
pub(crate) fn injected_source(resolved: &[Resolved]) -> String {
    let mut source = String::from("// Parameters injected by `playbook run`\n");
    for r in resolved {
        let ty = if is_datetime(&r.ty) {
            "playbook::chrono::DateTime<playbook::chrono::Utc>"
        } else {
            r.ty.as_str()
        };
        source.push_str(&format!(
            "let {}: {ty} = {};\n",
            r.name,
            r.code.replace(&r.ty, ty)
        ));
    }
    source
}

#[cfg(test)]
mod tests {
    use super::*;

    const CELL: &str = "// defaults\nlet service: String = \"checkout\".into();\nlet window_minutes: i64 = 60;\nlet threshold_ms: f64 = 250.0;\nlet dry_run: bool = true;\nlet incident_at: DateTime<Utc> = \"2026-11-26T10:07:00Z\".parse().unwrap();\nlet routes: Vec<String> = vec![];\nlet mut untyped = 3;";

    #[test]
    fn reads_typed_declarations_only() {
        let names: Vec<(String, String)> = declarations(CELL)
            .into_iter()
            .map(|d| (d.name, d.ty))
            .collect();
        assert_eq!(
            names,
            [
                ("service", "String"),
                ("window_minutes", "i64"),
                ("threshold_ms", "f64"),
                ("dry_run", "bool"),
                ("incident_at", "DateTime<Utc>"),
                ("routes", "Vec<String>"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
    }

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn values_become_typed_literals() {
        let resolved = resolve(
            &declarations(CELL),
            &given(&[
                ("service", "pay\"ments"),
                ("window_minutes", "30"),
                ("threshold_ms", "200"),
                ("dry_run", "no"),
                ("incident_at", "2026-11-26T11:00:00+01:00"),
                ("routes", "/cart, /pay"),
            ]),
        )
        .unwrap();
        let code: Vec<&str> = resolved.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(code[0], r#"String::from("pay\"ments")"#);
        assert_eq!(code[1], "30i64");
        assert_eq!(code[2], "200.0f64");
        assert_eq!(code[3], "false");
        assert!(code[4].starts_with("\"2026-11-26T10:00:00Z\".parse::<"));
        assert_eq!(
            code[5],
            r#"vec![String::from("/cart"), String::from("/pay")]"#
        );
        assert_eq!(resolved[4].value, Value::from("2026-11-26T10:00:00Z"));
        let source = injected_source(&resolved);
        assert!(source.contains("let window_minutes: i64 = 30i64;"));
        assert!(
            source
                .contains("let incident_at: playbook::chrono::DateTime<playbook::chrono::Utc> = ")
        );
    }

    #[test]
    fn bad_values_and_unknown_names_are_errors() {
        let declared = declarations(CELL);
        let error = resolve(&declared, &given(&[("window_minutes", "abc")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "parameter `window_minutes`: \"abc\" is not a valid i64 (a whole number)"
        );
        let error = resolve(&declared, &given(&[("region", "eu-west-1")])).unwrap_err();
        assert!(error.to_string().starts_with(
            "unknown parameter `region`: the parameters cell declares service, window_minutes"
        ));
        assert!(resolve(&declared, &given(&[("incident_at", "yesterday")])).is_err());
        assert!(resolve(&declared, &given(&[("dry_run", "maybe")])).is_err());
        assert_eq!(
            parse_assignment("novalue").unwrap_err(),
            ParameterError::Syntax("novalue".into())
        );
    }

    #[test]
    fn json_parameter_files() {
        let pairs = from_json_file(r#"{"service": "checkout", "window_minutes": 30}"#).unwrap();
        assert_eq!(
            pairs,
            given(&[("service", "checkout"), ("window_minutes", "30")])
        );
        assert!(from_json_file("[1]").is_err());
    }

    #[test]
    fn yaml_parameter_files_give_the_same_pairs_as_json() {
        let yaml = "service: checkout\nwindow_minutes: 90\nthreshold: 0.25\ndry_run: true\nstart: 2026-11-12T14:05:00Z\nregions:\n  - eu-west-1\n  - us-east-1\n";
        let pairs = from_yaml_file(yaml).unwrap();
        assert_eq!(
            pairs,
            [
                ("service".to_owned(), "checkout".to_owned()),
                ("window_minutes".to_owned(), "90".to_owned()),
                ("threshold".to_owned(), "0.25".to_owned()),
                ("dry_run".to_owned(), "true".to_owned()),
                ("start".to_owned(), "2026-11-12T14:05:00Z".to_owned()),
                (
                    "regions".to_owned(),
                    r#"["eu-west-1","us-east-1"]"#.to_owned()
                ),
            ]
        );
        assert!(
            from_yaml_file("- just\n- a list\n")
                .unwrap_err()
                .to_string()
                .contains("expected a YAML mapping")
        );
        assert!(
            from_yaml_file("a: [\n")
                .unwrap_err()
                .to_string()
                .contains("invalid YAML")
        );
        assert!(
            from_yaml_file("a:\n  b: 1\n")
                .unwrap_err()
                .to_string()
                .contains("`a`: expected a plain value")
        );
    }
}
