//! Actions in cells: the steps of a runbook that change something.
//!
//! ```no_run
//! use playbook::action::action;
//! let rollback = action("roll back checkout")
//!     .command(["aws", "ecs", "update-service", "--cluster", "prod", "--service", "checkout",
//!               "--task-definition", "checkout:41"])
//!     .target("ecs:checkout")
//!     .timeout(std::time::Duration::from_secs(120))
//!     .retries(1)
//!     .run()?;
//! # Ok::<(), playbook::Error>(())
//! ```
//!
//! `.run()` asks the host (the kernel process) to run it: the host refuses it unless it is
//! approved — a person typing `yes` in the notebook, or `playbook run --approve NAME` /
//! `--approve-all` — and runs the command itself, so the cell never holds the kernel's
//! credentials. Not approved, it is recorded as "not approved: dry run" and the runbook
//! goes on (or stops, with [`Action::required`]). A command that fails stops the runbook:
//! `run` returns [`Error::ActionFailed`], and the run offers the undo actions of the
//! steps done before.

use std::time::Duration;

use crate::client::host;
use crate::display::display;
use crate::model::action::{ActionBody, ActionSpec, ActionStatus};
pub use crate::model::action::{ActionResult, Approval};
use crate::model::error::{Error, Result};
use crate::protocol::Request;

/// An action being declared: [`action`]`("name").command([...])…run()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    name: String,
    body: Option<ActionBody>,
    target: Option<String>,
    timeout: Option<Duration>,
    retries: u32,
    secrets: Vec<String>,
    required: bool,
    undo: Option<Box<Action>>,
}

/// Declares an action named `name` (the name `--approve` takes).
pub fn action(name: impl Into<String>) -> Action {
    Action {
        name: name.into(),
        body: None,
        target: None,
        timeout: None,
        retries: 0,
        secrets: Vec::new(),
        required: false,
        undo: None,
    }
}

impl Action {
    /// Runs a program with arguments, without a shell (`["aws", "ecs", …]`).
    pub fn command<S: Into<String>>(mut self, argv: impl IntoIterator<Item = S>) -> Action {
        self.body = Some(ActionBody::Command {
            argv: argv.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Runs `script` with `/bin/sh -c` (only when a shell is really wanted).
    pub fn shell(mut self, script: impl Into<String>) -> Action {
        self.body = Some(ActionBody::Shell {
            script: script.into(),
        });
        self
    }

    /// What it changes (`"ecs:checkout"`), shown when approval is asked and in the record.
    pub fn target(mut self, target: impl Into<String>) -> Action {
        self.target = Some(target.into());
        self
    }

    /// How long each attempt may run before it is killed (default 300 s).
    pub fn timeout(mut self, timeout: Duration) -> Action {
        self.timeout = Some(timeout);
        self
    }

    /// Tries again up to `n` more times after a failed attempt.
    pub fn retries(mut self, n: u32) -> Action {
        self.retries = n;
        self
    }

    /// Gives the action's environment the kernel's environment variable `name`, which
    /// holds a secret; no secret the kernel holds reaches an action unless named here.
    pub fn env_from_secret(mut self, name: impl Into<String>) -> Action {
        self.secrets.push(name.into());
        self
    }

    /// Not running (not approved, a dry run, actions off) stops the runbook: `run`
    /// returns [`Error::ActionNotRun`] and the cell fails.
    pub fn required(mut self) -> Action {
        self.required = true;
        self
    }

    /// What undoes this action, offered (approval rules alike) when a later step fails.
    pub fn undo(mut self, undo: Action) -> Action {
        self.undo = Some(Box::new(undo));
        self
    }

    /// The action as the host receives it.
    pub fn spec(&self) -> Result<ActionSpec> {
        let body = self.body.clone().ok_or_else(|| {
            Error::InvalidInput(format!(
                "the action `{}` has nothing to run: give it `.command([...])` or `.shell(\"…\")`",
                self.name
            ))
        })?;
        if matches!(&body, ActionBody::Command { argv } if argv.is_empty()) {
            return Err(Error::InvalidInput(format!(
                "the action `{}` has an empty command",
                self.name
            )));
        }
        Ok(ActionSpec {
            name: self.name.clone(),
            body,
            target: self.target.clone(),
            timeout_secs: self.timeout.map(|t| t.as_secs().max(1)),
            retries: self.retries,
            secrets: self.secrets.clone(),
            required: self.required,
            undo: match &self.undo {
                Some(undo) => Some(Box::new(undo.spec()?)),
                None => None,
            },
        })
    }

    /// Asks the host to run it (once approved) and returns what became of it. A failed
    /// command is [`Error::ActionFailed`], a required action that did not run
    /// [`Error::ActionNotRun`]; either way the result is shown in the cell first.
    pub fn run(self) -> Result<ActionResult> {
        let spec = self.spec()?;
        let result = *host::call::<Box<ActionResult>>(&Request::Action { action: spec })?;
        let stop = if result.status.failed() {
            Some(Error::ActionFailed {
                name: result.name.clone(),
                status: result.status.as_str().to_owned(),
                detail: failure_detail(&result),
            })
        } else if self.required && result.status != ActionStatus::Succeeded {
            Some(Error::ActionNotRun {
                name: result.name.clone(),
                why: result.note.clone().unwrap_or_else(|| "not run".into()),
            })
        } else {
            None
        };
        match stop {
            Some(error) => {
                // The cell's error says what stopped it; the result shows the whole step.
                let _ = display(&result);
                Err(error)
            }
            None => Ok(result),
        }
    }
}

/// What a failed action's error says: its exit status and the end of what it printed.
fn failure_detail(result: &ActionResult) -> String {
    let mut detail = match result.exit_code {
        Some(code) => format!("exit status {code}"),
        None => result
            .note
            .clone()
            .unwrap_or_else(|| "no exit status".into()),
    };
    let last = result
        .stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .or_else(|| result.stdout.lines().rev().find(|l| !l.trim().is_empty()));
    if let Some(line) = last {
        detail.push_str(&format!(" ({})", line.trim()));
    }
    detail
}

impl ActionResult {
    /// Shows the result as the cell's result.
    pub fn evcxr_display(&self) {
        use crate::render::Render;
        self.bundle().evcxr_display();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_without_a_command_is_refused_before_the_host_is_asked() {
        let error = action("flush").spec().unwrap_err();
        assert!(error.to_string().contains("nothing to run"), "{error}");
        let empty = action("flush").command(Vec::<String>::new()).spec();
        assert!(empty.is_err());
    }

    #[test]
    fn the_spec_carries_every_setting_and_the_undo() {
        let spec = action("roll back")
            .command(["deploy", "--version", "41"])
            .target("ecs:checkout")
            .timeout(Duration::from_millis(1500))
            .retries(2)
            .env_from_secret("DEPLOY_TOKEN")
            .required()
            .undo(action("roll forward").command(["deploy", "--version", "42"]))
            .spec()
            .unwrap();
        assert_eq!(spec.timeout_secs, Some(1));
        assert_eq!(spec.retries, 2);
        assert_eq!(spec.secrets, ["DEPLOY_TOKEN"]);
        assert!(spec.required);
        assert_eq!(spec.undo.unwrap().name, "roll forward");
    }

    #[test]
    fn a_failure_names_the_exit_status_and_the_last_line() {
        let spec = action("x").command(["false"]).spec().unwrap();
        let mut result = ActionResult::not_run(&spec, ActionStatus::Failed, "");
        result.exit_code = Some(3);
        result.stderr = "warming up\nno such service\n\n".into();
        assert_eq!(failure_detail(&result), "exit status 3 (no such service)");
    }
}
