//! Notebooks on disk (nbformat 4, kept as JSON so nothing unknown is lost): read within
//! `MAX_NOTEBOOK_BYTES` and checked, edited by the runner, written masked through the
//! record writer.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::writer::{self, Kind};
use crate::redact::{Redacted, Redactor};

/// Why a notebook could not be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotebookError {
    #[error("cannot read {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Past a bound of `playbook_engine::limits` (the message names the file and the limit).
    #[error("{0}")]
    Refused(String),
    #[error("{path} is not a notebook: {why}")]
    Invalid { path: String, why: String },
    #[error("cannot write {path}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// A notebook document.
#[derive(Debug, Clone)]
pub(crate) struct Notebook {
    doc: Value,
}

impl Notebook {
    /// Reads and checks a notebook file, refusing one larger than `MAX_NOTEBOOK_BYTES`
    /// (read no further than that, whatever the file is).
    pub(crate) fn read(path: &Path) -> Result<Notebook, NotebookError> {
        use playbook_engine::limits::{MAX_NOTEBOOK_BYTES, ReadError, read_text};
        let shown = path.display().to_string();
        let text =
            read_text(path, MAX_NOTEBOOK_BYTES, "notebooks and records").map_err(|error| {
                match error {
                    ReadError::Io { path, source } => NotebookError::Read { path, source },
                    other => NotebookError::Refused(other.to_string()),
                }
            })?;
        Notebook::parse(&text).map_err(|why| NotebookError::Invalid { path: shown, why })
    }

    /// Parses and checks notebook JSON.
    pub(crate) fn parse(text: &str) -> Result<Notebook, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        match doc.get("nbformat").and_then(Value::as_u64) {
            Some(4) => {}
            Some(other) => return Err(format!("nbformat {other} is not supported (need 4)")),
            None => return Err("no nbformat field".into()),
        }
        let Some(cells) = doc.get("cells").and_then(Value::as_array) else {
            return Err("no cells array".into());
        };
        for (index, cell) in cells.iter().enumerate() {
            check_cell(cell).map_err(|why| format!("cell {}: {why}", index + 1))?;
        }
        Ok(Notebook { doc })
    }

    fn cells(&self) -> &[Value] {
        self.doc["cells"].as_array().map_or(&[], Vec::as_slice)
    }

    fn cell_mut(&mut self, index: usize) -> Option<&mut Map<String, Value>> {
        self.doc["cells"].get_mut(index)?.as_object_mut()
    }

    /// Cell `index` as JSON (`cell_type`, `source`, `outputs`, `metadata`, …).
    pub(crate) fn cell(&self, index: usize) -> &Value {
        &self.cells()[index]
    }

    /// The notebook's `metadata.<key>`, if set.
    pub(crate) fn metadata(&self, key: &str) -> Option<&Value> {
        self.doc["metadata"].get(key)
    }

    /// Number of cells.
    pub(crate) fn len(&self) -> usize {
        self.cells().len()
    }

    /// Whether cell `index` is a code cell.
    pub(crate) fn is_code(&self, index: usize) -> bool {
        self.cells()[index]["cell_type"] == "code"
    }

    /// The source of cell `index` (nbformat allows a string or a list of lines).
    pub(crate) fn source(&self, index: usize) -> String {
        match &self.cells()[index]["source"] {
            Value::String(s) => s.clone(),
            Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
            _ => String::new(),
        }
    }

    /// The name of the step cell `index` belongs to: its first `//` comment, else the
    /// nearest markdown heading above it.
    pub(crate) fn step_name(&self, index: usize) -> Option<String> {
        let source = self.source(index);
        if let Some(comment) = source.lines().map(str::trim).find(|l| !l.is_empty())
            && let Some(text) = comment.strip_prefix("//")
        {
            return Some(text.trim_start_matches('/').trim().to_owned());
        }
        (0..index).rev().find_map(|i| {
            if self.cells()[i]["cell_type"] != "markdown" {
                return None;
            }
            self.source(i).lines().find_map(|l| {
                l.trim()
                    .strip_prefix('#')
                    .map(|h| h.trim_start_matches('#').trim().to_owned())
            })
        })
    }

    /// Removes the outputs and execution counts of every code cell.
    pub(crate) fn clear_outputs(&mut self) {
        for index in 0..self.len() {
            if self.is_code(index)
                && let Some(cell) = self.cell_mut(index)
            {
                cell.insert("outputs".into(), json!([]));
                cell.insert("execution_count".into(), Value::Null);
            }
        }
    }

    /// Sets the outputs and execution count of code cell `index`.
    pub(crate) fn set_result(&mut self, index: usize, outputs: Vec<Value>, count: Option<usize>) {
        if let Some(cell) = self.cell_mut(index) {
            cell.insert("outputs".into(), Value::Array(outputs));
            cell.insert(
                "execution_count".into(),
                count.map_or(Value::Null, Value::from),
            );
        }
    }

    /// Sets `metadata.<key>` of cell `index`.
    pub(crate) fn set_cell_metadata(&mut self, index: usize, key: &str, value: Value) {
        if let Some(cell) = self.cell_mut(index) {
            let metadata = cell.entry("metadata").or_insert_with(|| json!({}));
            if let Some(map) = metadata.as_object_mut() {
                map.insert(key.into(), value);
            }
        }
    }

    /// Sets the notebook's `metadata.<key>`.
    pub(crate) fn set_metadata(&mut self, key: &str, value: Value) {
        if let Some(map) = self.doc["metadata"].as_object_mut() {
            map.insert(key.into(), value);
        } else {
            let mut map = Map::new();
            map.insert(key.into(), value);
            self.doc["metadata"] = Value::Object(map);
        }
    }

    /// The tags of cell `index`.
    pub(crate) fn tags(&self, index: usize) -> Vec<String> {
        self.cells()[index]["metadata"]["tags"]
            .as_array()
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first cell tagged `tag`.
    pub(crate) fn find_tagged(&self, tag: &str) -> Option<usize> {
        (0..self.len()).find(|&i| self.tags(i).iter().any(|t| t == tag))
    }

    /// Removes every cell tagged `tag` (e.g. the parameters injected by an earlier run).
    pub(crate) fn remove_tagged(&mut self, tag: &str) {
        let keep: Vec<bool> = (0..self.len())
            .map(|i| !self.tags(i).iter().any(|t| t == tag))
            .collect();
        if let Some(cells) = self.doc["cells"].as_array_mut() {
            let mut flags = keep.into_iter();
            cells.retain(|_| flags.next().unwrap_or(true));
        }
    }

    /// Inserts a code cell before cell `index`.
    pub(crate) fn insert_code(&mut self, index: usize, source: &str, tags: &[&str]) {
        self.insert_cell(index, "code", source, tags);
    }

    /// Inserts a markdown cell before cell `index`.
    pub(crate) fn insert_markdown(&mut self, index: usize, source: &str, tags: &[&str]) {
        self.insert_cell(index, "markdown", source, tags);
    }

    fn insert_cell(&mut self, index: usize, cell_type: &str, source: &str, tags: &[&str]) {
        let mut cell = json!({
            "cell_type": cell_type,
            "id": uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
            "metadata": { "tags": tags },
            "source": source,
        });
        if cell_type == "code" {
            cell["execution_count"] = Value::Null;
            cell["outputs"] = json!([]);
        }
        if let Some(cells) = self.doc["cells"].as_array_mut() {
            cells.insert(index.min(cells.len()), cell);
        }
    }

    /// Writes the notebook where `path` says through the record writer (atomic, 0644),
    /// every string of it masked by `redactor` first: this is the record's choke point.
    /// The notebook itself is left as it is (the run executes its sources as written).
    pub(crate) fn write(&self, path: &Path, redactor: &Redactor) -> Result<(), NotebookError> {
        writer::write_local(path, &self.to_shared_text(redactor), Kind::Record).map_err(|source| {
            NotebookError::Write {
                path: path.display().to_string(),
                source,
            }
        })
    }

    /// The notebook as it may be shared: nbformat JSON, every string masked by `redactor`.
    pub(crate) fn to_shared_text(&self, redactor: &Redactor) -> Redacted<String> {
        redactor.json(&self.doc).to_pretty_text()
    }
}

/// Checks what nbformat 4 requires of a cell and the runner relies on: a known
/// `cell_type`, a `source` that is text or a list of text, and `metadata` that is an
/// object. A malformed cell is refused, never run as an empty one.
fn check_cell(cell: &Value) -> Result<(), String> {
    let Some(cell) = cell.as_object() else {
        return Err("is not an object".into());
    };
    match cell.get("cell_type").and_then(Value::as_str) {
        Some("code" | "markdown" | "raw") => {}
        Some(other) => return Err(format!("unknown cell_type {other:?}")),
        None => return Err("has no cell_type".into()),
    }
    match cell.get("source") {
        Some(Value::String(_)) => {}
        Some(Value::Array(lines)) if lines.iter().all(Value::is_string) => {}
        Some(other) => {
            return Err(format!(
                "its source is {}, not text or a list of lines",
                kind(other)
            ));
        }
        None => return Err("has no source".into()),
    }
    match cell.get("metadata") {
        None | Some(Value::Object(_)) => {}
        Some(other) => return Err(format!("its metadata is {}, not an object", kind(other))),
    }
    if let Some(outputs) = cell.get("outputs")
        && !outputs.is_array()
    {
        return Err(format!("its outputs are {}, not a list", kind(outputs)));
    }
    Ok(())
}

/// The JSON kind of `value`, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_v4_notebook() {
        assert!(Notebook::parse("{").unwrap_err().contains("invalid JSON"));
        assert!(
            Notebook::parse(r#"{"nbformat": 3, "cells": []}"#)
                .unwrap_err()
                .contains("nbformat 3")
        );
        assert!(
            Notebook::parse(r#"{"nbformat": 4}"#)
                .unwrap_err()
                .contains("no cells")
        );
    }

    #[test]
    fn malformed_cells_are_refused_with_what_is_wrong() {
        let cell = |c: &str| {
            format!(r#"{{"nbformat": 4, "nbformat_minor": 5, "metadata": {{}}, "cells": [{c}]}}"#)
        };
        for (c, why) in [
            (
                r#"{"cell_type": "code", "source": 42, "metadata": {}}"#,
                "cell 1: its source is a number",
            ),
            (
                r#"{"cell_type": "code", "source": ["a", 1], "metadata": {}}"#,
                "its source is a list",
            ),
            (
                r#"{"cell_type": "code", "source": "x", "metadata": []}"#,
                "its metadata is a list, not an object",
            ),
            (
                r#"{"cell_type": "code", "source": "x", "outputs": {}}"#,
                "its outputs are an object",
            ),
            (
                r#"{"cell_type": "widget", "source": "x"}"#,
                "unknown cell_type",
            ),
            (r#"{"source": "x"}"#, "has no cell_type"),
            (r#""x""#, "is not an object"),
        ] {
            let error = Notebook::parse(&cell(c)).unwrap_err();
            assert!(error.contains(why), "{c}: {error}");
        }
        assert!(
            Notebook::parse(&cell(
                r#"{"cell_type": "raw", "source": ["a"], "metadata": {}}"#
            ))
            .is_ok()
        );
    }

    #[test]
    fn source_and_step_names() {
        let nb = Notebook::parse(
            r##"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Check latency\n", "text"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": ["let a = 1;\n", "a"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": "// Step: errors\nlet b = 2;"}
        ]}"##,
        )
        .unwrap();
        assert_eq!(nb.source(1), "let a = 1;\na");
        assert_eq!(nb.step_name(1).as_deref(), Some("Check latency"));
        assert_eq!(nb.step_name(2).as_deref(), Some("Step: errors"));
    }
}
