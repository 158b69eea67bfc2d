//! Actions: the steps of a runbook that change something ("roll back checkout"), as a
//! cell declares them ([`ActionSpec`]) and as the host reports what became of them
//! ([`ActionResult`]: approved by whom, run or not, exit status, output).
//!
//! An action runs in the kernel (host) process, never in the cell's: the host decides
//! whether it is approved (a person typing `yes`, or `playbook run --approve NAME`), runs
//! its command with a deadline, and redacts and caps what it printed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long an action may run when its runbook does not say.
pub const DEFAULT_TIMEOUT_SECS: u64 = 300;

/// What an action runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionBody {
    /// A program and its arguments, run without a shell.
    Command { argv: Vec<String> },
    /// A script for `/bin/sh -c`, only when the runbook asked for a shell.
    Shell { script: String },
}

impl ActionBody {
    /// The command as a person reads it: arguments quoted where a shell would need it.
    pub fn display(&self) -> String {
        match self {
            ActionBody::Command { argv } => argv
                .iter()
                .map(|arg| quoted(arg))
                .collect::<Vec<_>>()
                .join(" "),
            ActionBody::Shell { script } => format!("sh -c {}", quoted(script)),
        }
    }
}

/// `arg` as a shell would need it written (single quotes when it has anything special).
fn quoted(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// An action as a cell declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionSpec {
    /// The name approvals refer to (`--approve NAME`).
    pub name: String,
    pub body: ActionBody,
    /// What it changes (`ecs:checkout`), shown when approval is asked.
    #[serde(default)]
    pub target: Option<String>,
    /// Seconds each attempt may run (default [`DEFAULT_TIMEOUT_SECS`]).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Further attempts after a failed one.
    #[serde(default)]
    pub retries: u32,
    /// Environment variables of the kernel that hold secrets and that this action's
    /// environment gets (no other secret reaches it).
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Not run (not approved, dry run, actions off) stops the runbook: the cell fails.
    #[serde(default)]
    pub required: bool,
    /// What undoes it, offered when a later step fails.
    #[serde(default)]
    pub undo: Option<Box<ActionSpec>>,
}

/// What became of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// It ran and exited 0.
    Succeeded,
    /// It ran and its last attempt exited non-zero (or could not start).
    Failed,
    /// Its last attempt ran past its timeout and was killed.
    TimedOut,
    /// It was interrupted while running.
    Interrupted,
    /// Nobody approved it: not run ("not approved: dry run").
    NotApproved,
    /// `--dry-run`: its command was shown, not run.
    DryRun,
    /// Actions are off (`--no-actions`, `PLAYBOOK_ACTIONS=off`) or the notebook is a
    /// record opened as a report: not run.
    Refused,
}

impl ActionStatus {
    /// The status as the record and the report write it.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Succeeded => "succeeded",
            ActionStatus::Failed => "failed",
            ActionStatus::TimedOut => "timed out",
            ActionStatus::Interrupted => "interrupted",
            ActionStatus::NotApproved => "not approved",
            ActionStatus::DryRun => "dry run",
            ActionStatus::Refused => "refused",
        }
    }

    /// Whether the command was started at all.
    pub fn ran(self) -> bool {
        matches!(
            self,
            ActionStatus::Succeeded
                | ActionStatus::Failed
                | ActionStatus::TimedOut
                | ActionStatus::Interrupted
        )
    }

    /// Whether it ran and did not succeed.
    pub fn failed(self) -> bool {
        self.ran() && self != ActionStatus::Succeeded
    }
}

/// Who approved an action, how, when, and in which run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// `user@host` of the person (or of the process given the flag).
    pub by: String,
    /// `typed yes`, `--approve NAME` or `--approve-all`.
    pub via: String,
    pub at: DateTime<Utc>,
    /// The run (`playbook run`'s id) or the Jupyter session it happened in.
    #[serde(default)]
    pub run: Option<String>,
}

/// What became of an action, as the host answers and the record keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResult {
    pub name: String,
    #[serde(default)]
    pub target: Option<String>,
    /// The command as shown for approval ([`ActionBody::display`], redacted).
    pub command: String,
    pub status: ActionStatus,
    /// Why it did not run, or how it failed, in a sentence.
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub approval: Option<Approval>,
    /// The exit status of the last attempt (`None`: not run, killed, or no status).
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Attempts made (0: not run).
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub started: Option<DateTime<Utc>>,
    #[serde(default)]
    pub finished: Option<DateTime<Utc>>,
    /// Seconds from the first attempt's start to the last one's end.
    #[serde(default)]
    pub duration_secs: Option<f64>,
    /// The last attempt's output, redacted and capped.
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
    /// Bytes of output the cap left out.
    #[serde(default)]
    pub omitted_bytes: usize,
    /// The action this one undoes, when it is an undo.
    #[serde(default)]
    pub undo_of: Option<String>,
    /// How many checks the session had recorded when it was decided (the checks after
    /// it verify it).
    #[serde(default)]
    pub checks_before: usize,
}

impl ActionResult {
    /// A result for an action that did not run.
    pub fn not_run(spec: &ActionSpec, status: ActionStatus, note: impl Into<String>) -> Self {
        ActionResult {
            name: spec.name.clone(),
            target: spec.target.clone(),
            command: spec.body.display(),
            status,
            note: Some(note.into()),
            approval: None,
            exit_code: None,
            attempts: 0,
            started: None,
            finished: None,
            duration_secs: None,
            stdout: String::new(),
            stderr: String::new(),
            omitted_bytes: 0,
            undo_of: None,
            checks_before: 0,
        }
    }

    /// Whether it ran and succeeded.
    pub fn succeeded(&self) -> bool {
        self.status == ActionStatus::Succeeded
    }

    /// How it ended, in a line: `succeeded, exit status 0, 1.20 s`, or why it did not run
    /// (`not approved: dry run (…)`).
    pub fn outcome(&self) -> String {
        if !self.status.ran() {
            return match &self.note {
                Some(note) if note.starts_with(self.status.as_str()) => note.clone(),
                Some(note) => format!("{}: {note}", self.status.as_str()),
                None => self.status.as_str().to_owned(),
            };
        }
        let mut text = self.status.as_str().to_owned();
        if let Some(code) = self.exit_code {
            text.push_str(&format!(", exit status {code}"));
        }
        if let Some(seconds) = self.duration_secs {
            text.push_str(&format!(", {seconds:.2} s"));
        }
        if self.attempts > 1 {
            text.push_str(&format!(", {} attempts", self.attempts));
        }
        if let Some(note) = self.note.as_deref().filter(|n| !n.is_empty()) {
            text.push_str(&format!(": {note}"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_shown_with_their_arguments_quoted() {
        let body = ActionBody::Command {
            argv: vec!["aws".into(), "ecs".into(), "a b".into(), "it's".into()],
        };
        assert_eq!(body.display(), r"aws ecs 'a b' 'it'\''s'");
        let shell = ActionBody::Shell {
            script: "echo hi".into(),
        };
        assert_eq!(shell.display(), "sh -c 'echo hi'");
    }

    #[test]
    fn only_actions_that_ran_can_fail() {
        assert!(ActionStatus::TimedOut.failed());
        assert!(!ActionStatus::Succeeded.failed());
        assert!(!ActionStatus::NotApproved.failed());
        assert!(!ActionStatus::DryRun.ran());
        let json = serde_json::to_string(&ActionStatus::NotApproved).unwrap();
        assert_eq!(json, "\"not_approved\"");
    }

    #[test]
    fn the_outcome_says_why_an_action_did_not_run_once() {
        let spec = ActionSpec {
            name: "x".into(),
            body: ActionBody::Command {
                argv: vec!["true".into()],
            },
            target: None,
            timeout_secs: None,
            retries: 0,
            secrets: Vec::new(),
            required: false,
            undo: None,
        };
        let skipped =
            ActionResult::not_run(&spec, ActionStatus::NotApproved, "not approved: dry run");
        assert_eq!(skipped.outcome(), "not approved: dry run");
        let refused = ActionResult::not_run(&spec, ActionStatus::Refused, "actions are off");
        assert_eq!(refused.outcome(), "refused: actions are off");
        let mut ran = ActionResult::not_run(&spec, ActionStatus::Failed, "");
        ran.exit_code = Some(3);
        ran.duration_secs = Some(1.2);
        ran.attempts = 2;
        assert_eq!(ran.outcome(), "failed, exit status 3, 1.20 s, 2 attempts");
    }
}
