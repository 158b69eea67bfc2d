//! One file read into what the review keeps of it: a [`Run`] per run it holds (a record
//! holds one and its query log; a run summary one; a fleet summary one per target), through
//! the record's own types (`RunRecord`, `RunSummary`, `FleetSummary`). What a file is, is
//! read from its content, not its name; a file that is none of these says why.
//!
//! A notebook's cells are skipped by the parser unread into memory: only the header fields
//! and `metadata.playbook` become values.

use std::path::Path;

use chrono::{DateTime, Utc};
use playbook::check::Verdict;
use playbook::record::{QueryRecord, QueryStatus};
use serde::Deserialize;
use serde_json::Value;

use crate::exit::Exit;
use crate::fleet::summary::FleetSummary;
use crate::record::run_record::{self as record, RunRecord, RunStatus};
use crate::record::summary::RunSummary;

/// What the review keeps of one run.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Run {
    pub(super) run_id: String,
    /// The notebook's file name without `.ipynb`.
    pub(super) playbook: String,
    pub(super) target: Option<String>,
    pub(super) started: DateTime<Utc>,
    pub(super) finished: Option<DateTime<Utc>>,
    /// How it ended; `None`: it did not finish (the record says it is still running).
    pub(super) exit: Option<Exit>,
    /// Whether `exit` was written by the run (else read from its status and queries).
    pub(super) exit_written: bool,
    pub(super) checks: Vec<(String, Verdict)>,
    /// The alarm that started it, and when the alarm changed state.
    pub(super) alarm: Option<(String, DateTime<Utc>)>,
}

/// Where a run was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    Record,
    Summary,
    Fleet,
}

/// What one file holds.
#[derive(Debug)]
pub(super) struct Found {
    pub(super) origin: Origin,
    /// Each run, with its query log (records only).
    pub(super) runs: Vec<(Run, Vec<QueryRecord>)>,
}

/// The fields that say what a JSON file is; everything else is skipped unread.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    schema: Option<Value>,
    #[serde(default)]
    nbformat: Option<Value>,
    #[serde(default)]
    metadata: Option<ProbeMetadata>,
}

#[derive(Deserialize)]
struct ProbeMetadata {
    #[serde(default)]
    playbook: Option<Value>,
}

/// Reads one file's bytes: the runs it holds, or why it is not a record or a summary.
pub(super) fn read(bytes: &[u8]) -> Result<Found, String> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let schema = probe.schema.as_ref().and_then(Value::as_str).unwrap_or("");
    if schema.starts_with("playbook.run-summary/") {
        let summary: RunSummary = serde_json::from_slice(bytes)
            .map_err(|e| format!("a run summary that cannot be read: {e}"))?;
        return Ok(Found {
            origin: Origin::Summary,
            runs: vec![(of_summary(&summary, summary.target.clone()), Vec::new())],
        });
    }
    if schema.starts_with("playbook.fleet-summary/") {
        let fleet: FleetSummary = serde_json::from_slice(bytes)
            .map_err(|e| format!("a fleet summary that cannot be read: {e}"))?;
        let runs = (fleet.targets.iter())
            .map(|t| (of_summary(&t.run, Some(t.name.clone())), Vec::new()))
            .collect();
        return Ok(Found {
            origin: Origin::Fleet,
            runs,
        });
    }
    if probe.nbformat.is_none() {
        return Err("neither a record nor a summary of `playbook` (no nbformat, no schema)".into());
    }
    let Some(metadata) = probe.metadata.and_then(|m| m.playbook) else {
        return Err("a notebook without a run record (not run by `playbook run`)".into());
    };
    let run: RunRecord =
        record::parse(&metadata).map_err(|why| format!("its run record cannot be read: {why}"))?;
    let queries = run.queries.clone();
    Ok(Found {
        origin: Origin::Record,
        runs: vec![(of_record(run), queries)],
    })
}

/// The playbook's name: the notebook's file name without `.ipynb`.
fn playbook_name(notebook: &str) -> String {
    Path::new(notebook)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| notebook.to_owned())
}

fn of_record(run: RunRecord) -> Run {
    let (exit, exit_written) = match run.exit_class {
        Some(exit) => (Some(exit), true),
        None => (exit_of_status(&run), false),
    };
    Run {
        playbook: playbook_name(&run.notebook),
        checks: run
            .checks
            .iter()
            .map(|c| (c.name.clone(), c.verdict))
            .collect(),
        alarm: run.cause.map(|c| (c.alarm.name, c.alarm.time)),
        run_id: run.run_id,
        target: run.target,
        started: run.started,
        finished: run.finished,
        exit,
        exit_written,
    }
}

/// The exit class of a record that does not write it (older versions): from its status,
/// and for a failed run from the last failed query's kind of failure.
fn exit_of_status(run: &RunRecord) -> Option<Exit> {
    Some(match run.status {
        RunStatus::Running => return None,
        RunStatus::Ok => Exit::Ok,
        RunStatus::CheckFailed => Exit::CheckFailed,
        RunStatus::Interrupted => Exit::Interrupted,
        RunStatus::Failed => (run.queries.iter().rev())
            .filter(|q| q.status == QueryStatus::Failed)
            .find_map(|q| q.error_kind.and_then(Exit::of_source))
            .unwrap_or(Exit::CellFailed),
    })
}

fn of_summary(summary: &RunSummary, target: Option<String>) -> Run {
    Run {
        run_id: summary.run_id.clone(),
        playbook: playbook_name(&summary.notebook),
        target,
        started: summary.started,
        finished: summary.finished,
        exit: Some(summary.exit_class),
        exit_written: true,
        checks: (summary.checks.iter())
            .map(|c| (c.name.clone(), c.verdict))
            .collect(),
        alarm: (summary.cause.as_ref()).map(|c| (c.alarm.name.clone(), c.alarm.time)),
    }
}
