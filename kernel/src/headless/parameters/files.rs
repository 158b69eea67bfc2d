//! Where given parameters come from: `-p NAME=VALUE` and a JSON or YAML parameters file.

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
