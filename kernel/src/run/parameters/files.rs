//! Where given parameters come from: `-p NAME=VALUE` and a JSON or YAML parameters file.

use playbook_engine::limits::{MAX_CONFIG_BYTES, read_text};
use serde_json::Value;

use super::ParameterError;

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
        let text = read_text(file, MAX_CONFIG_BYTES, "parameters files")?;
        let yaml = file.extension().is_some_and(|e| e == "yaml" || e == "yml");
        let pairs = if yaml {
            from_yaml_file(&text)
        } else {
            from_json_file(&text)
        };
        given.extend(pairs.with_context(|| file.display().to_string())?);
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

/// Reads a YAML parameters file (`NAME: VALUE` per line; lists as YAML sequences of plain
/// values), through the bounded YAML reader (no alias is expanded).
pub(crate) fn from_yaml_file(text: &str) -> Result<Vec<(String, String)>, ParameterError> {
    use crate::run::yaml::{Document, read};
    let Document::Mapping(map) = read(text).map_err(ParameterError::File)? else {
        return Err(ParameterError::File(
            "expected a YAML mapping of NAME: VALUE".into(),
        ));
    };
    let plain = |v: &Value| !matches!(v, Value::Array(_) | Value::Object(_) | Value::Null);
    let mut out = Vec::new();
    for (name, value) in map {
        let text = match value {
            Value::Array(items) if items.iter().all(plain) => Value::Array(items).to_string(),
            Value::Array(_) => {
                return Err(ParameterError::File(format!(
                    "`{name}`: a list may hold only plain values"
                )));
            }
            Value::String(s) => s,
            other if plain(&other) => other.to_string(),
            _ => {
                return Err(ParameterError::File(format!(
                    "`{name}`: expected a plain value or a list"
                )));
            }
        };
        out.push((name, text));
    }
    Ok(out)
}
