//! Actions: the runbook steps that change something, run in the kernel (host) process.
//!
//! A cell declares an action (`playbook::action`) and asks the host to run it; the host
//! decides whether it is approved (`policy.rs`), runs its command (`execute.rs`) and keeps
//! every decision and result for the record, and the undo actions of those that
//! succeeded, offered in reverse order when a later step fails. The command runs here, not
//! in the cell's evaluation process, because only this process holds the credentials, the
//! redactor and the record: a cell never sees a secret an action did not name.

mod execute;
pub(crate) mod policy;
mod report_mode;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use playbook::model::action::{ActionResult, ActionSpec, ActionStatus, Approval};

use crate::redact::Redactor;
pub(crate) use policy::{ActionFlags, Decision, Policy, is_yes};

/// What one kernel (or run) knows of its actions.
#[derive(Debug)]
pub(crate) struct Actions {
    policy: Mutex<Policy>,
    /// Every action decided, in order (undos too).
    log: Mutex<Vec<ActionResult>>,
    /// The undo of each action that succeeded, with that action's name, in order.
    undos: Mutex<Vec<(String, ActionSpec)>>,
    /// Set by an interrupt: the running attempt is killed.
    cancel: Arc<AtomicBool>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Actions {
    /// A Jupyter kernel's actions: asked for, unless `PLAYBOOK_ACTIONS=off` or the
    /// notebook this kernel serves is a run record (`report_mode`).
    pub(crate) fn interactive() -> Actions {
        let refused = if policy::off_in_env() {
            Some(format!("actions are off ({}=off)", policy::ACTIONS_ENV))
        } else {
            report_mode::opened_record().map(|path| {
                format!(
                    "{path} is a run record opened as a report: actions run only from the \
                     runbook itself"
                )
            })
        };
        Actions::with(Policy::interactive(policy::who(), refused))
    }

    fn with(policy: Policy) -> Actions {
        Actions {
            policy: Mutex::new(policy),
            log: Mutex::default(),
            undos: Mutex::default(),
            cancel: Arc::default(),
        }
    }

    /// Replaces the policy (a headless run sets its own before the first cell).
    pub(crate) fn set_policy(&self, policy: Policy) {
        *lock(&self.policy) = policy;
    }

    /// What the policy says about `name`.
    pub(crate) fn decide(&self, name: &str) -> Decision {
        lock(&self.policy).decide(name)
    }

    /// The approval of a person who typed `yes` in `session`.
    pub(crate) fn typed_yes(&self, session: Option<String>) -> Approval {
        lock(&self.policy).typed_yes(session)
    }

    /// Runs an approved action (blocking: call it off the async workers).
    pub(crate) fn execute(
        &self,
        spec: &ActionSpec,
        approval: Approval,
        redactor: &Redactor,
    ) -> ActionResult {
        self.cancel.store(false, Ordering::SeqCst);
        execute::run(spec, approval, redactor, &self.cancel)
    }

    /// Kills the running action, if any (an interrupt).
    pub(crate) fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Keeps `result` for the record; a succeeded action's undo becomes offerable.
    pub(crate) fn keep(&self, spec: &ActionSpec, result: &ActionResult) {
        lock(&self.log).push(result.clone());
        if result.status == ActionStatus::Succeeded
            && let Some(undo) = &spec.undo
        {
            lock(&self.undos).push((spec.name.clone(), (**undo).clone()));
        }
    }

    /// Every action decided so far, in order.
    pub(crate) fn log(&self) -> Vec<ActionResult> {
        lock(&self.log).clone()
    }

    /// The undos to offer now, latest first (each offered once), with the name of the
    /// action each undoes.
    pub(crate) fn take_undos(&self) -> Vec<(String, ActionSpec)> {
        let mut undos = std::mem::take(&mut *lock(&self.undos));
        undos.reverse();
        undos
    }

    /// Whether any undo is waiting to be offered.
    pub(crate) fn has_undos(&self) -> bool {
        !lock(&self.undos).is_empty()
    }
}

/// The redactor an action's output passes: the environment's secrets, the sources'
/// credentials, and the secrets the action named.
pub(crate) fn redactor(spec: &ActionSpec, known: Vec<String>) -> Redactor {
    let mut redactor = Redactor::from_env();
    redactor.learn(known);
    redactor.learn(
        execute::secrets(spec)
            .unwrap_or_default()
            .into_iter()
            .map(|(_, v)| v),
    );
    redactor
}

/// A result for an action the policy did not let run.
pub(crate) fn skipped(
    spec: &ActionSpec,
    status: ActionStatus,
    note: String,
    redactor: &Redactor,
) -> ActionResult {
    let mut result = ActionResult::not_run(spec, status, note);
    result.command = redactor.text(&result.command).as_str().to_owned();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use playbook::model::action::ActionBody;

    fn spec(name: &str, undo: Option<ActionSpec>) -> ActionSpec {
        ActionSpec {
            name: name.into(),
            body: ActionBody::Command {
                argv: vec!["true".into()],
            },
            target: None,
            timeout_secs: None,
            retries: 0,
            secrets: Vec::new(),
            required: false,
            undo: undo.map(Box::new),
        }
    }

    #[test]
    fn undos_of_succeeded_actions_are_offered_latest_first_and_once() {
        let actions = Actions::with(Policy::interactive("t@h".into(), None));
        for (name, status) in [
            ("a", ActionStatus::Succeeded),
            ("b", ActionStatus::Failed),
            ("c", ActionStatus::Succeeded),
        ] {
            let s = spec(name, Some(spec(&format!("undo {name}"), None)));
            actions.keep(&s, &ActionResult::not_run(&s, status, ""));
        }
        let offered: Vec<String> = actions
            .take_undos()
            .into_iter()
            .map(|(of, u)| format!("{of}:{}", u.name))
            .collect();
        assert_eq!(offered, ["c:undo c", "a:undo a"]);
        assert!(!actions.has_undos());
        assert_eq!(actions.log().len(), 3);
    }
}
