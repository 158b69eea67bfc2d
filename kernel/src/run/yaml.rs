//! YAML as JSON values, so a targets file or a parameters file is checked by the same
//! typed structs whichever it is written in. Only what JSON can say is accepted: mappings
//! with string keys, sequences, strings, numbers, booleans and null.
//!
//! Read event by event (yaml-rust2's pull parser, no recursion), never through its
//! `YamlLoader`, which expands aliases without a limit: a 305-byte "billion laughs" file
//! took it 2 GB. An alias is refused at the first one, with its line, before anything is
//! expanded; a document is refused past `MAX_YAML_NODES` nodes or `MAX_YAML_DEPTH` levels.
//! So memory is bounded by the text, and the text by the file's limit.

use playbook_engine::limits::{MAX_YAML_DEPTH, MAX_YAML_NODES};
use serde_json::{Number, Value};
use yaml_rust2::Yaml;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

/// A collection being read: its items so far (a mapping's entries in document order, and
/// its pending key).
enum Open {
    Sequence(Vec<Value>),
    Mapping(Vec<(String, Value)>, Option<String>),
}

/// A document: a mapping keeps its entries in document order (a key given twice keeps its
/// last value), anything else is a JSON value.
#[derive(Debug, PartialEq)]
pub(crate) enum Document {
    Mapping(Vec<(String, Value)>),
    Other(Value),
}

/// The first document of `text` as a JSON value; the error says what and on which line.
pub(crate) fn to_json(text: &str) -> Result<Value, String> {
    Ok(match read(text)? {
        Document::Mapping(entries) => Value::Object(entries.into_iter().collect()),
        Document::Other(value) => value,
    })
}

/// The first document of `text`; the error says what and on which line.
pub(crate) fn read(text: &str) -> Result<Document, String> {
    let mut parser = Parser::new_from_str(text);
    let mut open: Vec<Open> = Vec::new();
    let mut nodes = 0usize;
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| format!("invalid YAML: {e}"))?;
        let at = |why: String| format!("line {}: {why}", mark.line());
        let value = match event {
            Event::StreamEnd => return Err("the file is empty".into()),
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {
                continue;
            }
            Event::Alias(_) => {
                return Err(at(
                    "YAML aliases (`*name`) are not supported here: write the value out".into(),
                ));
            }
            Event::Scalar(text, style, _, tag) => {
                count(&mut nodes).map_err(at)?;
                scalar(text, style, tag.as_ref()).map_err(at)?
            }
            Event::SequenceStart(_, tag) | Event::MappingStart(_, tag) if tag.is_some() => {
                return Err(at("YAML tags are not supported here".into()));
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                count(&mut nodes).map_err(at)?;
                if open.len() >= MAX_YAML_DEPTH {
                    return Err(at(format!("nested deeper than {MAX_YAML_DEPTH} levels")));
                }
                open.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Sequence(Vec::new())
                } else {
                    Open::Mapping(Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some(Open::Sequence(items)) => Value::Array(items),
                Some(Open::Mapping(entries, _)) if open.is_empty() => {
                    return Ok(Document::Mapping(last_of_each(entries)));
                }
                Some(Open::Mapping(entries, _)) => Value::Object(entries.into_iter().collect()),
                None => return Err(at("unbalanced YAML".into())),
            },
        };
        match open.last_mut() {
            None => return Ok(Document::Other(value)),
            Some(parent) => add(parent, value).map_err(at)?,
        }
    }
}

/// The 1-based line where each item of the sequence under the top-level `key` starts,
/// for messages about an item read as JSON (JSON's flow syntax reads as YAML too). Empty
/// when the text does not read.
pub(crate) fn item_lines(text: &str, key: &str) -> Vec<usize> {
    let mut parser = Parser::new_from_str(text);
    let (mut depth, mut lines) = (0usize, Vec::new());
    // At depth 1 (the top mapping): whether the next node is a key, and whether the
    // value now open is `key`'s.
    let (mut expect_key, mut is_ours, mut inside) = (true, false, false);
    while let Ok((event, mark)) = parser.next_token() {
        let item = depth == 2 && inside;
        match event {
            Event::StreamEnd => break,
            Event::Scalar(value, ..) => {
                if item {
                    lines.push(mark.line());
                } else if depth == 1 {
                    if expect_key {
                        is_ours = value == key;
                    }
                    expect_key = !expect_key;
                }
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if item {
                    lines.push(mark.line());
                }
                if depth == 1 {
                    inside = is_ours && matches!(event, Event::SequenceStart(..));
                }
                depth += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    (inside, expect_key) = (false, true);
                }
            }
            _ => {}
        }
    }
    lines
}

/// Counts one more node, refusing past the bound.
fn count(nodes: &mut usize) -> Result<(), String> {
    *nodes += 1;
    if *nodes > MAX_YAML_NODES {
        return Err(format!("more than {MAX_YAML_NODES} values in one document"));
    }
    Ok(())
}

/// Entries in order, a key given twice kept once, with its last value, where it last was.
fn last_of_each(entries: Vec<(String, Value)>) -> Vec<(String, Value)> {
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<(String, Value)> = entries
        .into_iter()
        .rev()
        .filter(|(key, _)| seen.insert(key.clone()))
        .collect();
    kept.reverse();
    kept
}

/// Adds a finished value to the collection being read: an item, a key, or a key's value.
fn add(parent: &mut Open, value: Value) -> Result<(), String> {
    match parent {
        Open::Sequence(items) => items.push(value),
        Open::Mapping(map, key) => match key.take() {
            Some(key) => map.push((key, value)),
            None => {
                *key = Some(match value {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    other => return Err(format!("{other} cannot be a key")),
                });
            }
        },
    }
    Ok(())
}

/// A scalar as JSON: quoted text is a string; plain text is resolved as YAML's core schema
/// does (null, booleans, integers, finite floats, else a string); a core tag says which.
fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let resolved = match tag {
        _ if style != TScalarStyle::Plain => Yaml::String(text),
        None => Yaml::from_str(&text),
        Some(Tag { handle, suffix }) if handle == "tag:yaml.org,2002:" => match suffix.as_str() {
            "str" => Yaml::String(text),
            "int" | "float" | "bool" | "null" => Yaml::from_str(&text),
            other => return Err(format!("the YAML tag !!{other} is not supported here")),
        },
        Some(_) => return Err("YAML tags are not supported here".into()),
    };
    Ok(match resolved {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{text}` is not a finite number"))?,
        Yaml::String(s) => Value::String(s),
        _ => return Err("a value could not be read".into()),
    })
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;
