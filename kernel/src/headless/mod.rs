//! Headless runs and what they leave behind: `playbook run` (`run/`: prepare → run
//! each cell → finish → deliver), notebooks on disk (`notebook.rs`, `outputs.rs`),
//! papermill-style parameters (`parameters.rs`), the run record (`record.rs`, masked by
//! `crate::redact`), progress on a terminal or in CI logs (`progress.rs`), `playbook
//! report` (`report.rs`), and what unattended runs deliver: outputs where the team keeps
//! them (`destination.rs`), the summary orchestrators read (`summary.rs`), verdicts as
//! metrics (`verdicts.rs`) and notifications (`notify.rs`).

pub(crate) mod destination;
pub(crate) mod notebook;
pub(crate) mod notify;
pub(crate) mod outputs;
pub(crate) mod parameters;
pub(crate) mod progress;
pub(crate) mod record;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod summary;
pub(crate) mod verdicts;
pub(crate) mod yaml;
