//! What a finished run sends beyond its record, and how: notifications (`notify.rs`: SNS
//! and webhooks, on failure or always), verdicts as metrics and EMF lines (`verdicts.rs`),
//! a rendered report where `--report` or `playbook report -o` says (`report.rs`), and the
//! summary of a run refused before it started (`refusal.rs`). Files and S3 objects go
//! through `crate::record::writer`; every text sent is a `crate::redact::Redacted`.
//!
//! The order of a run's deliveries, and what each does to its exit code, is the runner's
//! (`crate::run`'s `deliver.rs`).

pub(crate) mod notify;
mod refusal;
mod report;
pub(crate) mod verdicts;

pub(crate) use refusal::Refusal;
pub(crate) use report::{write_report, write_report_local};

use notify::{NotifyOn, NotifyTarget};

/// What unattended runs ask for beyond the record on disk.
#[derive(Debug, Clone)]
pub(crate) struct Deliveries {
    /// `--report PATH|s3://…` (placeholders allowed).
    pub(crate) report: Option<String>,
    /// `--summary FILE|-|s3://…`.
    pub(crate) summary: Option<String>,
    /// `--publish-metrics NAMESPACE`.
    pub(crate) metrics_namespace: Option<String>,
    /// `--emf`.
    pub(crate) emf: bool,
    pub(crate) notify: Vec<NotifyTarget>,
    pub(crate) notify_on: NotifyOn,
}
