//! YAML as JSON values, so a targets file is validated by the same typed structs whichever
//! it is written in. Only what JSON can say is accepted: mappings with string keys,
//! sequences, strings, numbers, booleans and null; aliases and tags are refused.

use serde_json::{Map, Number, Value};
use yaml_rust2::{Yaml, YamlLoader};

/// How deep a document may nest.
const MAX_DEPTH: usize = 32;

/// The first document of `text` as a JSON value.
pub(crate) fn to_json(text: &str) -> Result<Value, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
    let Some(doc) = docs.into_iter().next() else {
        return Err("the file is empty".into());
    };
    convert(&doc, 0)
}

fn convert(yaml: &Yaml, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
    }
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(text) => {
            let number = text
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .ok_or_else(|| format!("`{text}` is not a finite number"))?;
            Value::Number(number)
        }
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| convert(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Hash(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let key = match key {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    other => return Err(format!("{other:?} cannot be a key")),
                };
                out.insert(key, convert(value, depth + 1)?);
            }
            Value::Object(out)
        }
        Yaml::Alias(_) => return Err("YAML aliases are not supported here".into()),
        Yaml::BadValue => return Err("a value could not be read".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::to_json;
    use serde_json::json;

    #[test]
    fn yaml_reads_as_the_json_it_means() {
        let value = to_json("a: 1\nb: [x, 2.5, true]\nc: {d: null}\n").unwrap();
        assert_eq!(
            value,
            json!({"a": 1, "b": ["x", 2.5, true], "c": {"d": null}})
        );
    }

    #[test]
    fn deep_or_odd_yaml_is_an_error_not_a_crash() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(to_json(&deep).is_err());
        assert!(to_json("a: .nan").is_err());
        assert!(to_json("").is_err());
    }
}
