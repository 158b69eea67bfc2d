//! Interactive hints: what the live kernel tells the person at the keyboard ("bound to
//! `deploys` (LogTable): use it in a Rust cell"). A hint is an output of its own, marked
//! `{"playbook": {"hint": true}}` in its metadata, so that records (the runner) and
//! reports leave it out.

use jupyter_protocol::{DisplayData, Media, MediaType};
use serde_json::{Map, Value};

/// The key under `metadata.playbook` that marks a hint.
const HINT: &str = "hint";

/// A hint as a `display_data` message's content.
pub(crate) fn display(hint: &str) -> DisplayData {
    let media = Media::new(vec![
        MediaType::Plain(hint.to_owned()),
        MediaType::Html(format!(
            "<p><small>{}</small></p>",
            playbook::html::escape(hint)
        )),
    ]);
    let mut content = DisplayData::new(media);
    let mut marks = Map::new();
    marks.insert(HINT.to_owned(), Value::Bool(true));
    content
        .metadata
        .insert("playbook".to_owned(), Value::Object(marks));
    content
}

/// Whether a `display_data` message is a hint.
pub(crate) fn is_hint_message(display: &DisplayData) -> bool {
    is_marked(display.metadata.get("playbook"))
}

/// Whether an output (nbformat JSON) is a hint.
pub(crate) fn is_hint(output: &Value) -> bool {
    is_marked(output.get("metadata").and_then(|m| m.get("playbook")))
}

fn is_marked(playbook: Option<&Value>) -> bool {
    playbook.and_then(|p| p.get(HINT)) == Some(&Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_is_recognised_as_a_message_and_as_a_saved_output() {
        let message = display("bound to `x`");
        assert!(is_hint_message(&message));
        let saved = serde_json::json!({"output_type": "display_data",
            "data": {"text/plain": "bound to `x`"}, "metadata": {"playbook": {"hint": true}}});
        assert!(is_hint(&saved));
        assert!(!is_hint(
            &serde_json::json!({"output_type": "stream", "text": "hint"})
        ));
        assert!(!is_hint_message(&DisplayData::new(Media::default())));
    }
}
