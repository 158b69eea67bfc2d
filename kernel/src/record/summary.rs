//! The run summary orchestrators read (`playbook run --summary FILE|-`): one JSON
//! document per run, versioned (`schema`), documented in `docs/run-summary.schema.json`.
//! A fleet's summary lists these, one per target.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use playbook::check::CheckResult;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::run_record::{CellStatus, RunRecord, RunStatus};
use crate::exit::Exit;
use crate::redact::{Redacted, Redactor, redacted_format};

/// The schema this version writes.
pub(crate) const SCHEMA: &str = "playbook.run-summary/1";

/// One run, as an orchestrator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunSummary {
    pub(crate) schema: String,
    pub(crate) run_id: String,
    pub(crate) notebook: String,
    /// The fleet target or `--target-name`, when the run names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) target: Option<String>,
    /// Every parameter in effect, defaults included.
    pub(crate) parameters: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) role: Option<String>,
    pub(crate) status: RunStatus,
    pub(crate) exit_code: u8,
    /// What the exit code means (`ok`, `check_failed`, `source_unavailable`, …).
    pub(crate) exit_class: Exit,
    /// Whether a scheduler should retry the run (the source may answer next time).
    pub(crate) retryable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) failed_cell: Option<FailedCell>,
    pub(crate) checks: Vec<CheckResult>,
    pub(crate) started: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) finished: Option<DateTime<Utc>>,
    /// Seconds from start to finish.
    pub(crate) duration: f64,
    /// Seconds per step.
    pub(crate) steps: Vec<StepTime>,
    /// Where the record and report went.
    pub(crate) outputs: Vec<Delivered>,
    /// What the run published and whom it notified.
    pub(crate) deliveries: Vec<Delivered>,
    /// Why the run could not start (a fleet target whose inputs were refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// Calls the service pushed back on (throttling, a transient error) that were retried
    /// with backoff, over every query of the run.
    #[serde(default)]
    pub(crate) retried_calls: u64,
    /// What started the run when no person did (an alarm, `playbook respond`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cause: Option<super::cause::Cause>,
}

/// The cell that stopped the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FailedCell {
    /// 1-based position in the executed notebook.
    pub(crate) cell: usize,
    pub(crate) ename: String,
    pub(crate) evalue: String,
}

/// How long one step took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StepTime {
    pub(crate) step: String,
    pub(crate) status: CellStatus,
    pub(crate) seconds: f64,
}

/// One thing delivered (or not): the record, a report, metrics, a notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Delivered {
    pub(crate) what: Delivery,
    /// Where: a path, an `s3://` URI, an SNS topic, a webhook's host, a namespace.
    pub(crate) to: String,
    pub(crate) ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// Where the output is on this machine when its upload failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) local_copy: Option<String>,
}

/// What a run delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Delivery {
    Record,
    Report,
    Summary,
    Metrics,
    Emf,
    Notification,
}

impl Delivery {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Delivery::Record => "record",
            Delivery::Report => "report",
            Delivery::Summary => "summary",
            Delivery::Metrics => "metrics",
            Delivery::Emf => "emf",
            Delivery::Notification => "notification",
        }
    }

    /// Whether it is one of the run's outputs, whose failure is the run's (exit 6); a
    /// metric or a notification that cannot be delivered never changes the exit code.
    pub(crate) fn is_output(self) -> bool {
        matches!(
            self,
            Delivery::Record | Delivery::Report | Delivery::Summary
        )
    }
}

impl Delivered {
    pub(crate) fn done(what: Delivery, to: impl Into<String>) -> Delivered {
        Delivered {
            what,
            to: to.into(),
            ok: true,
            error: None,
            local_copy: None,
        }
    }

    pub(crate) fn failed(what: Delivery, to: impl Into<String>, error: impl ToString) -> Delivered {
        Delivered {
            what,
            to: to.into(),
            ok: false,
            error: Some(error.to_string()),
            local_copy: None,
        }
    }
}

impl RunSummary {
    /// The summary of a finished run.
    pub(crate) fn of(
        record: &RunRecord,
        exit: Exit,
        target: Option<String>,
        steps: Vec<StepTime>,
    ) -> RunSummary {
        RunSummary {
            schema: SCHEMA.to_owned(),
            run_id: record.run_id.clone(),
            notebook: record.notebook.clone(),
            target,
            parameters: record.parameters.resolved.clone(),
            source: record.source.clone(),
            account: record.account.clone(),
            region: record.region.clone(),
            role: record.role.clone(),
            status: record.status,
            exit_code: exit.code(),
            exit_class: exit,
            retryable: matches!(exit, Exit::SourceUnavailable | Exit::OutputFailed),
            failed_cell: record.failures.first().map(|f| FailedCell {
                cell: f.cell,
                ename: f.ename.clone(),
                evalue: f.evalue.clone(),
            }),
            checks: record.checks.clone(),
            started: record.started,
            finished: record.finished,
            duration: record.duration.unwrap_or_default(),
            steps,
            outputs: Vec::new(),
            deliveries: Vec::new(),
            error: None,
            retried_calls: record
                .queries
                .iter()
                .map(|q| u64::from(q.retried_calls))
                .sum(),
            cause: record.cause.clone(),
        }
    }

    /// The summary of a run that could not start (`exit` says why, `error` how).
    pub(crate) fn not_started(
        notebook: &std::path::Path,
        target: &str,
        exit: Exit,
        error: &str,
    ) -> RunSummary {
        let now = chrono::Utc::now();
        RunSummary {
            schema: SCHEMA.to_owned(),
            run_id: uuid::Uuid::new_v4().to_string(),
            notebook: notebook.display().to_string(),
            target: Some(target.to_owned()),
            parameters: BTreeMap::new(),
            source: None,
            account: None,
            region: None,
            role: None,
            status: RunStatus::Failed,
            exit_code: exit.code(),
            exit_class: exit,
            retryable: matches!(exit, Exit::SourceUnavailable | Exit::OutputFailed),
            failed_cell: None,
            checks: Vec::new(),
            started: now,
            finished: Some(now),
            duration: 0.0,
            steps: Vec::new(),
            outputs: Vec::new(),
            deliveries: Vec::new(),
            error: Some(error.to_owned()),
            retried_calls: 0,
            cause: None,
        }
    }

    /// The one-line account of the run for a notification or a log, the run named
    /// `name`; what the run produced (check names, the error's name) masked by `redactor`.
    pub(crate) fn headline(
        &self,
        name: &Redacted<String>,
        redactor: &Redactor,
    ) -> Redacted<String> {
        let status = redactor.name(self.status.as_str());
        let mut line = redacted_format!("{}: {} (exit {})", name, status, self.exit_code);
        let failed: Vec<&CheckResult> = (self.checks.iter())
            .filter(|c| c.verdict == playbook::check::Verdict::Fail)
            .collect();
        for (at, check) in failed.iter().enumerate() {
            let name = redactor.text(&check.name);
            line.push(&if at == 0 {
                redacted_format!("; failed checks: {}", name)
            } else {
                redacted_format!(", {}", name)
            });
        }
        if let Some(cell) = &self.failed_cell {
            line.push(&redacted_format!(
                "; cell {} failed: {}",
                cell.cell,
                redactor.text(&cell.ename)
            ));
        }
        line
    }
}
