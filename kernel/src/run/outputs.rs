//! A cell's iopub messages turned into nbformat outputs the way nbclient does (stream
//! merging, display updates, `clear_output`), in linear time and capped at
//! `--max-output-bytes` with a note saying how much was left out.

use std::collections::HashMap;

use jupyter_protocol::JupyterMessageContent;
use serde_json::{Value, json};

/// What a record keeps of one cell's output by default (`--max-output-bytes`).
pub(crate) const DEFAULT_MAX_OUTPUT_BYTES: usize = 2 << 20;

/// One output being collected: streams stay text so that appending is linear.
#[derive(Debug)]
enum Collected {
    Stream { name: Value, text: String },
    Other(Value),
}

/// Turns one cell's iopub messages into nbformat outputs, the way nbclient does, keeping
/// at most `max_bytes` of stream text and rich data: what is over the cap is counted, not
/// kept, and the record says how much was left out.
#[derive(Debug)]
pub(crate) struct Outputs {
    outputs: Vec<Collected>,
    by_display_id: HashMap<String, Vec<usize>>,
    clear_on_next: bool,
    max_bytes: usize,
    kept_bytes: usize,
    omitted_bytes: usize,
}

impl Default for Outputs {
    fn default() -> Outputs {
        Outputs::with_cap(DEFAULT_MAX_OUTPUT_BYTES)
    }
}

impl Outputs {
    /// Outputs keeping at most `max_bytes` (0: no cap).
    pub(crate) fn with_cap(max_bytes: usize) -> Outputs {
        Outputs {
            outputs: Vec::new(),
            by_display_id: HashMap::new(),
            clear_on_next: false,
            max_bytes: if max_bytes == 0 {
                usize::MAX
            } else {
                max_bytes
            },
            kept_bytes: 0,
            omitted_bytes: 0,
        }
    }

    /// Takes one iopub message's content.
    pub(crate) fn push(&mut self, content: &JupyterMessageContent) {
        use JupyterMessageContent as C;
        let output = match content {
            C::StreamContent(stream) => {
                let name = serde_json::to_value(&stream.name).unwrap_or(json!("stdout"));
                self.before_output();
                self.push_stream(name, &stream.text);
                return;
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
                    self.push_rich(output);
                    return;
                }
                output
            }
            C::UpdateDisplayData(update) => {
                self.update(update);
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
        self.push_rich(output);
    }

    /// Appends stream text (merged with the previous output of the same stream), up to
    /// the cap.
    fn push_stream(&mut self, name: Value, text: &str) {
        let room = self.max_bytes.saturating_sub(self.kept_bytes);
        let kept = floor_char_boundary(text, room);
        self.omitted_bytes += text.len() - kept.len();
        self.kept_bytes += kept.len();
        if kept.is_empty() {
            return;
        }
        if let Some(Collected::Stream { name: last, text }) = self.outputs.last_mut()
            && *last == name
        {
            text.push_str(kept);
            return;
        }
        self.outputs.push(Collected::Stream {
            name,
            text: kept.to_owned(),
        });
    }

    /// Adds a rich output, or counts it as omitted when it does not fit under the cap.
    fn push_rich(&mut self, output: Value) {
        let size = output.to_string().len();
        if self.kept_bytes + size > self.max_bytes {
            self.omitted_bytes += size;
            // Keep the slot, so display ids still point at the right outputs.
            self.outputs.push(Collected::Other(json!({
                "output_type": "display_data",
                "data": {"text/plain": format!("[output of {size} bytes omitted by playbook: over --max-output-bytes]")},
                "metadata": {},
            })));
            return;
        }
        self.kept_bytes += size;
        self.outputs.push(Collected::Other(output));
    }

    fn update(&mut self, update: &jupyter_protocol::UpdateDisplayData) {
        let Some(id) = &update.transient.display_id else {
            return;
        };
        let Some(indices) = self.by_display_id.get(id) else {
            return;
        };
        for &i in indices {
            if let Some(Collected::Other(output)) = self.outputs.get_mut(i) {
                output["data"] = json!(update.data);
                output["metadata"] = json!(update.metadata);
            }
        }
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

    /// Bytes of output over the cap that were left out.
    pub(crate) fn omitted_bytes(&self) -> usize {
        self.omitted_bytes
    }

    /// The outputs collected, ending with a note when some were left out.
    pub(crate) fn into_vec(self) -> Vec<Value> {
        let omitted = self.omitted_bytes;
        let mut outputs: Vec<Value> = self
            .outputs
            .into_iter()
            .map(|o| match o {
                Collected::Stream { name, text } => {
                    json!({"output_type": "stream", "name": name, "text": text})
                }
                Collected::Other(value) => value,
            })
            .collect();
        if omitted > 0 {
            outputs.push(json!({
                "output_type": "stream",
                "name": "stderr",
                "text": format!("\n[truncated by playbook: {omitted} bytes of output omitted; raise --max-output-bytes to keep more]\n"),
            }));
        }
        outputs
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn floor_char_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::{
        ClearOutput, DisplayData, Media, StreamContent, Transient, UpdateDisplayData,
    };

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
    fn a_cells_output_is_capped_with_a_note_saying_how_much_was_left_out() {
        let mut outputs = Outputs::with_cap(10);
        outputs.push(&StreamContent::stdout("0123456789abc").into());
        outputs.push(&StreamContent::stdout("more").into());
        assert_eq!(outputs.omitted_bytes(), 7);
        let list = outputs.into_vec();
        assert_eq!(list[0]["text"], "0123456789");
        assert!(
            list[1]["text"]
                .as_str()
                .unwrap()
                .contains("truncated by playbook: 7 bytes")
        );
        let mut multibyte = Outputs::with_cap(3);
        multibyte.push(&StreamContent::stdout("éé").into());
        assert_eq!(multibyte.into_vec()[0]["text"], "é");
    }

    #[test]
    fn stream_output_is_collected_in_linear_time() {
        // 20 MB in 64-byte pieces took 37 s when each piece copied the text so far.
        let mut outputs = Outputs::with_cap(0);
        // (No timing assertion: bench/headless.sh measures; a quadratic regression makes
        // this test take minutes.)
        let piece = "x".repeat(63) + "\n";
        for _ in 0..(20 << 20) / 64 {
            outputs.push(&StreamContent::stdout(&piece).into());
        }
        let list = outputs.into_vec();
        assert_eq!(list[0]["text"].as_str().unwrap().len(), 20 << 20);
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
