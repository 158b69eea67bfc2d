//! Notebooks on disk (nbformat 4, kept as JSON so nothing unknown is lost) and the
//! conversion of a cell's iopub messages into notebook outputs.

use std::collections::HashMap;
use std::path::Path;

use jupyter_protocol::JupyterMessageContent;
use serde_json::{Map, Value, json};

/// Why a notebook could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NotebookError {
    #[error("cannot read {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
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
pub struct Notebook {
    doc: Value,
}

impl Notebook {
    /// Reads and checks a notebook file.
    pub fn read(path: &Path) -> Result<Notebook, NotebookError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| NotebookError::Read {
            path: shown.clone(),
            source,
        })?;
        Notebook::parse(&text).map_err(|why| NotebookError::Invalid { path: shown, why })
    }

    /// Parses and checks notebook JSON.
    pub fn parse(text: &str) -> Result<Notebook, String> {
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
            if cell.get("cell_type").and_then(Value::as_str).is_none() {
                return Err(format!("cell {} has no cell_type", index + 1));
            }
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
    pub fn cell(&self, index: usize) -> &Value {
        &self.cells()[index]
    }

    /// The notebook's `metadata.<key>`, if set.
    pub fn metadata(&self, key: &str) -> Option<&Value> {
        self.doc["metadata"].get(key)
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells().len()
    }

    /// Whether the notebook has no cells.
    pub fn is_empty(&self) -> bool {
        self.cells().is_empty()
    }

    /// Whether cell `index` is a code cell.
    pub fn is_code(&self, index: usize) -> bool {
        self.cells()[index]["cell_type"] == "code"
    }

    /// The source of cell `index` (nbformat allows a string or a list of lines).
    pub fn source(&self, index: usize) -> String {
        match &self.cells()[index]["source"] {
            Value::String(s) => s.clone(),
            Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
            _ => String::new(),
        }
    }

    /// The name of the step cell `index` belongs to: its first `//` comment, else the
    /// nearest markdown heading above it.
    pub fn step_name(&self, index: usize) -> Option<String> {
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
    pub fn clear_outputs(&mut self) {
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
    pub fn set_result(&mut self, index: usize, outputs: Vec<Value>, count: Option<usize>) {
        if let Some(cell) = self.cell_mut(index) {
            cell.insert("outputs".into(), Value::Array(outputs));
            cell.insert(
                "execution_count".into(),
                count.map_or(Value::Null, Value::from),
            );
        }
    }

    /// Sets `metadata.<key>` of cell `index`.
    pub fn set_cell_metadata(&mut self, index: usize, key: &str, value: Value) {
        if let Some(cell) = self.cell_mut(index) {
            let metadata = cell.entry("metadata").or_insert_with(|| json!({}));
            if let Some(map) = metadata.as_object_mut() {
                map.insert(key.into(), value);
            }
        }
    }

    /// Sets the notebook's `metadata.<key>`.
    pub fn set_metadata(&mut self, key: &str, value: Value) {
        if let Some(map) = self.doc["metadata"].as_object_mut() {
            map.insert(key.into(), value);
        } else {
            let mut map = Map::new();
            map.insert(key.into(), value);
            self.doc["metadata"] = Value::Object(map);
        }
    }

    /// The tags of cell `index`.
    pub fn tags(&self, index: usize) -> Vec<String> {
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
    pub fn find_tagged(&self, tag: &str) -> Option<usize> {
        (0..self.len()).find(|&i| self.tags(i).iter().any(|t| t == tag))
    }

    /// Removes every cell tagged `tag` (e.g. the parameters injected by an earlier run).
    pub fn remove_tagged(&mut self, tag: &str) {
        let keep: Vec<bool> = (0..self.len())
            .map(|i| !self.tags(i).iter().any(|t| t == tag))
            .collect();
        if let Some(cells) = self.doc["cells"].as_array_mut() {
            let mut flags = keep.into_iter();
            cells.retain(|_| flags.next().unwrap_or(true));
        }
    }

    /// Inserts a code cell before cell `index`.
    pub fn insert_code(&mut self, index: usize, source: &str, tags: &[&str]) {
        self.insert_cell(index, "code", source, tags);
    }

    /// Inserts a markdown cell before cell `index`.
    pub fn insert_markdown(&mut self, index: usize, source: &str, tags: &[&str]) {
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

    /// Writes the notebook atomically: a temporary file in the same directory, renamed
    /// over the target, so a reader never sees a half-written notebook.
    pub fn write_atomic(&self, path: &Path) -> Result<(), NotebookError> {
        let shown = path.display().to_string();
        let err = |source| NotebookError::Write {
            path: shown.clone(),
            source,
        };
        let mut text =
            serde_json::to_string_pretty(&self.doc).map_err(|e| err(std::io::Error::other(e)))?;
        text.push('\n');
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }
}

/// Turns one cell's iopub messages into nbformat outputs, the way nbclient does.
#[derive(Debug, Default)]
pub struct Outputs {
    outputs: Vec<Value>,
    by_display_id: HashMap<String, Vec<usize>>,
    clear_on_next: bool,
}

impl Outputs {
    /// Takes one iopub message's content.
    pub fn push(&mut self, content: &JupyterMessageContent) {
        use JupyterMessageContent as C;
        let output = match content {
            C::StreamContent(stream) => {
                let name = serde_json::to_value(&stream.name).unwrap_or(json!("stdout"));
                self.before_output();
                if let Some(last) = self.outputs.last_mut()
                    && last["output_type"] == "stream"
                    && last["name"] == name
                {
                    let text = format!("{}{}", last["text"].as_str().unwrap_or(""), stream.text);
                    last["text"] = Value::String(text);
                    return;
                }
                json!({"output_type": "stream", "name": name, "text": stream.text})
            }
            C::DisplayData(display) => {
                let output = json!({
                    "output_type": "display_data",
                    "data": display.data,
                    "metadata": display.metadata,
                });
                if let Some(id) = display
                    .transient
                    .as_ref()
                    .and_then(|t| t.display_id.clone())
                {
                    self.before_output();
                    self.by_display_id
                        .entry(id)
                        .or_default()
                        .push(self.outputs.len());
                    self.outputs.push(output);
                    return;
                }
                output
            }
            C::UpdateDisplayData(update) => {
                if let Some(id) = &update.transient.display_id
                    && let Some(indices) = self.by_display_id.get(id)
                {
                    for &i in indices {
                        self.outputs[i]["data"] = json!(update.data);
                        self.outputs[i]["metadata"] = json!(update.metadata);
                    }
                }
                return;
            }
            C::ExecuteResult(result) => json!({
                "output_type": "execute_result",
                "execution_count": result.execution_count.0,
                "data": result.data,
                "metadata": result.metadata,
            }),
            C::ErrorOutput(error) => json!({
                "output_type": "error",
                "ename": error.ename,
                "evalue": error.evalue,
                "traceback": error.traceback,
            }),
            C::ClearOutput(clear) => {
                if clear.wait {
                    self.clear_on_next = true;
                } else {
                    self.clear();
                }
                return;
            }
            _ => return,
        };
        self.before_output();
        self.outputs.push(output);
    }

    fn before_output(&mut self) {
        if self.clear_on_next {
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.outputs.clear();
        self.by_display_id.clear();
        self.clear_on_next = false;
    }

    /// The outputs collected.
    pub fn into_vec(self) -> Vec<Value> {
        self.outputs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::{
        ClearOutput, DisplayData, Media, StreamContent, Transient, UpdateDisplayData,
    };

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

    #[test]
    fn streams_merge_and_displays_update_in_place() {
        let mut outputs = Outputs::default();
        outputs.push(&StreamContent::stdout("a\n").into());
        outputs.push(&StreamContent::stdout("b\n").into());
        let mut shown = DisplayData::new(Media::default());
        shown.transient = Some(Transient {
            display_id: Some("p".into()),
        });
        outputs.push(&shown.into());
        let media: Media = serde_json::from_value(json!({"text/plain": "done"})).unwrap();
        outputs.push(&UpdateDisplayData::new(media, "p").into());
        let list = outputs.into_vec();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["text"], "a\nb\n");
        assert_eq!(list[1]["data"]["text/plain"], "done");
    }

    #[test]
    fn clear_output_wait_clears_at_the_next_output() {
        let mut outputs = Outputs::default();
        outputs.push(&StreamContent::stdout("old\n").into());
        outputs.push(&ClearOutput { wait: true }.into());
        outputs.push(&StreamContent::stdout("new\n").into());
        let list = outputs.into_vec();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["text"], "new\n");
    }
}
