//! Headless runs and what they leave behind: `playbook run` (`run/`: prepare → run
//! each cell → finish), notebooks on disk (`notebook.rs`), papermill-style parameters
//! (`parameters.rs`), the run record (`record.rs`), secrets masked out of it
//! (`crate::redact`), progress on a terminal or in CI logs (`progress.rs`), and `playbook
//! report` (`report.rs`).

pub(crate) mod notebook;
pub(crate) mod outputs;
pub(crate) mod parameters;
pub(crate) mod progress;
pub(crate) mod record;

pub(crate) mod report;
pub(crate) mod run;
