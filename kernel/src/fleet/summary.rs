//! The fleet summary (`fleet.json`): one entry per target that ran — what `playbook run
//! --summary` writes for it, plus its name — the targets that did not run, and the fleet's
//! exit code (the most severe of its targets'). Versioned (`schema`), documented in
//! `docs/fleet-summary.schema.json`. Written by `playbook fleet` and, from the run
//! summaries of a scheduler's tasks, by `playbook fleet --from-summaries`.

use playbook_engine::limits::{MAX_CONFIG_BYTES, read_text};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::exit::Exit;
use crate::record::summary::RunSummary;

/// The schema this version writes.
pub(crate) const SCHEMA: &str = "playbook.fleet-summary/1";

/// A fleet run, as an orchestrator sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FleetSummary {
    pub(crate) schema: String,
    pub(crate) notebook: String,
    pub(crate) started: DateTime<Utc>,
    pub(crate) finished: DateTime<Utc>,
    /// Seconds from start to finish.
    pub(crate) duration: f64,
    pub(crate) exit_code: u8,
    pub(crate) exit_class: Exit,
    /// How many targets ran at once (`-j`); absent when collected from summaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) jobs: Option<usize>,
    pub(crate) targets: Vec<TargetEntry>,
    /// Targets of the file that did not run (`--fail-fast`, an interrupt, or no summary).
    pub(crate) not_run: Vec<String>,
}

/// One target's run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TargetEntry {
    pub(crate) name: String,
    #[serde(flatten)]
    pub(crate) run: RunSummary,
}

impl FleetSummary {
    /// The summary of `entries` (in the targets file's order) and the targets that did not
    /// run; `interrupted` makes the fleet's exit 130 whatever its targets said.
    pub(crate) fn of(
        notebook: &Path,
        started: DateTime<Utc>,
        finished: DateTime<Utc>,
        jobs: Option<usize>,
        entries: Vec<TargetEntry>,
        not_run: Vec<String>,
        interrupted: bool,
    ) -> FleetSummary {
        let exit = if interrupted {
            Exit::Interrupted
        } else {
            most_severe(entries.iter().map(|e| e.run.exit_class))
        };
        FleetSummary {
            schema: SCHEMA.to_owned(),
            notebook: notebook.display().to_string(),
            started,
            finished,
            duration: (finished - started).as_seconds_f64().max(0.0),
            exit_code: exit.code(),
            exit_class: exit,
            jobs,
            targets: entries,
            not_run,
        }
    }
}

/// The most severe exit of `exits` (`Exit::severity`), `Ok` for none.
pub(crate) fn most_severe(exits: impl Iterator<Item = Exit>) -> Exit {
    exits.max_by_key(|e| e.severity()).unwrap_or(Exit::Ok)
}

/// Reads the run summaries in `dir` (`*.json`, or `*/summary.json`), each named by its
/// `target` (else its file name).
pub(crate) fn read_summaries(dir: &Path) -> Result<Vec<TargetEntry>, String> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            let inner = path.join("summary.json");
            if inner.is_file() {
                files.push(inner);
            }
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    files
        .iter()
        .map(|path| {
            let text =
                read_text(path, MAX_CONFIG_BYTES, "run summaries").map_err(|e| e.to_string())?;
            let run = parse_summary(&text, path).map_err(|e| format!("{}: {e}", path.display()))?;
            let fallback = if path.file_name().is_some_and(|n| n == "summary.json") {
                path.parent().and_then(Path::file_name)
            } else {
                path.file_stem()
            };
            let name = run.target.clone().unwrap_or_else(|| {
                fallback
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            Ok(TargetEntry { name, run })
        })
        .collect()
}

/// A run summary, or the minimal account a scheduler keeps of a run that wrote none
/// (`{"target", "exit_code", "error"}`: the binary could not start, say).
fn parse_summary(text: &str, path: &Path) -> Result<RunSummary, String> {
    #[derive(Deserialize)]
    struct Minimal {
        target: Option<String>,
        exit_code: u8,
        #[serde(default)]
        error: Option<String>,
    }
    match serde_json::from_str::<RunSummary>(text) {
        Ok(run) => Ok(run),
        Err(full) => {
            let minimal: Minimal =
                serde_json::from_str(text).map_err(|_| format!("not a run summary: {full}"))?;
            let exit = Exit::from_code(minimal.exit_code)
                .ok_or_else(|| format!("exit code {} is not playbook's", minimal.exit_code))?;
            let why = minimal
                .error
                .unwrap_or_else(|| "the run wrote no summary".into());
            let mut run =
                RunSummary::not_started(path, minimal.target.as_deref().unwrap_or(""), exit, &why);
            run.target = minimal.target;
            run.notebook = String::new();
            Ok(run)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fleet_exit_is_its_most_severe_target() {
        assert_eq!(most_severe([].into_iter()), Exit::Ok);
        assert_eq!(
            most_severe([Exit::Ok, Exit::CheckFailed, Exit::SourceUnavailable].into_iter()),
            Exit::SourceUnavailable
        );
        assert_eq!(
            most_severe([Exit::CellFailed, Exit::CheckFailed].into_iter()),
            Exit::CellFailed
        );
    }
}
