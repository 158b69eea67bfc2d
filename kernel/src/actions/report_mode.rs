//! A notebook opened as a report: a run record (`playbook run`'s executed notebook, whose
//! metadata holds the run's id) opened in Jupyter. Jupyter Server names the notebook a
//! kernel serves in `JPY_SESSION_NAME`; when that file is a record, actions are refused,
//! so re-executing a report never repeats what its run did.

use std::io::Read;
use std::path::Path;

/// The environment variable Jupyter Server sets to the notebook's path.
const SESSION_NAME_ENV: &str = "JPY_SESSION_NAME";

/// Records are read up to this size to tell whether they are one.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The path of the notebook this kernel serves, when it is a run record.
pub(super) fn opened_record() -> Option<String> {
    let path = std::env::var(SESSION_NAME_ENV).ok()?;
    is_record(Path::new(&path)).then_some(path)
}

/// Whether the notebook at `path` is a run record.
pub(crate) fn is_record(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut text = String::new();
    if file.take(MAX_BYTES).read_to_string(&mut text).is_err() {
        return false;
    }
    is_record_text(&text)
}

fn is_record_text(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|nb| {
            nb.pointer("/metadata/playbook/run_id")
                .map(|v| v.is_string())
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_notebook_is_a_record_when_its_metadata_holds_a_run_id() {
        assert!(super::is_record_text(
            r#"{"metadata":{"playbook":{"run_id":"r1"}},"cells":[]}"#
        ));
        assert!(!super::is_record_text(
            r#"{"metadata":{"playbook":{}},"cells":[]}"#
        ));
        assert!(!super::is_record_text(r#"{"metadata":{},"cells":[]}"#));
        assert!(!super::is_record_text("not json"));
    }
}
