//! A run's actions: the approval policy from the command line (`--approve`,
//! `--approve-all`, `--dry-run`, `--no-actions`; refused outright when the notebook is a
//! run record), a line per decided action on stderr (its command always, so `--dry-run`
//! shows every one), and the undos offered when a step fails.

use playbook::model::action::ActionResult;

use super::Run;
use crate::actions::Policy;
use crate::cells::{Asker, Kernel};
use crate::visible;

impl Run {
    /// The run's approval policy.
    pub(super) fn action_policy(&self) -> Policy {
        let who = format!("{}@{}", self.record.user, self.record.host);
        let mut policy = Policy::headless(&self.options.actions, who, self.record.run_id.clone());
        if self.is_record && policy.refused.is_none() {
            policy.refused = Some(
                "the notebook is a run record (a report): actions run only from the runbook \
                 itself"
                    .to_owned(),
            );
        }
        policy
    }

    /// Says on stderr what became of each action decided since the `before`th.
    pub(super) fn after_actions(&mut self, kernel: &Kernel, before: usize) {
        for result in kernel.host.actions.log().into_iter().skip(before) {
            self.progress.line(&line(&result));
        }
    }

    /// A step failed: offers the undos of the actions done, latest first, each approved
    /// like any action (`--approve NAME` of the undo, or `--approve-all`), and says what
    /// became of each. They are in the actions' log, so the record keeps them.
    pub(super) async fn offer_undos(&mut self, kernel: &Kernel) {
        if !kernel.host.actions.has_undos() {
            return;
        }
        self.progress
            .line("a step failed: offering the undo actions of the steps done, latest first");
        let asker = Asker {
            parent: None,
            allow_stdin: false,
        };
        for result in kernel.host.offer_undos(&asker).await {
            self.progress.line(&line(&result));
        }
    }

    /// Says which `--approve NAME` matched no action (a typo approves nothing).
    pub(super) fn unused_approvals(&mut self, kernel: &Kernel) {
        let decided: Vec<String> = (kernel.host.actions.log().into_iter())
            .map(|a| a.name)
            .collect();
        let unused: Vec<String> = (self.options.actions.approve.iter())
            .filter(|name| !decided.contains(name))
            .cloned()
            .collect();
        for name in unused {
            self.progress.line(&format!(
                "--approve \"{}\" matched no action of this run",
                visible::name(&name)
            ));
        }
    }
}

/// One action as a progress line: its name and target, its command, what became of it.
fn line(result: &ActionResult) -> String {
    let name = visible::name(&result.name);
    let target = (result.target.as_deref())
        .map(|t| format!(" on {}", visible::name(t)))
        .unwrap_or_default();
    let undo = (result.undo_of.as_deref())
        .map(|of| format!(" (undoes \"{}\")", visible::name(of)))
        .unwrap_or_default();
    let command = visible::name(&result.command);
    let mut outcome = result.outcome();
    if let Some(a) = &result.approval {
        outcome.push_str(&format!(" (approved via {} by {})", a.via, a.by));
    }
    format!("      action \"{name}\"{target}{undo}: `{command}` → {outcome}")
}
