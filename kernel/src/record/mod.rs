//! The record: what a run leaves behind and what every reader reads back, through the same
//! types — the executed notebook (`notebook.rs`), the run record in its metadata
//! (`run_record.rs`: `RunRecord`, `CellRecord`), what started a run no person started
//! (`cause.rs`: the alarm transition and the rule, `playbook respond`), the run summary orchestrators read
//! (`summary.rs`, `docs/run-summary.schema.json`), where each goes (`destination.rs`: a
//! path or `s3://`, with placeholders), and the one writer (`writer.rs`) that puts them,
//! reports and fleet files on disk or in S3: atomic, with fixed modes, taking only
//! `crate::redact::Redacted` bodies.
//!
//! Uses `redact` and `exit` only: `run`, `fleet`, `report` and `deliver` sit above it.

pub(crate) mod cause;
pub(crate) mod destination;
pub(crate) mod notebook;
pub(crate) mod run_record;
pub(crate) mod summary;
pub(crate) mod writer;
