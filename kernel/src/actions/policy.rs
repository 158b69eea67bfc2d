//! Who may run an action: the approval model.
//!
//! - Actions off (`--no-actions`, `PLAYBOOK_ACTIONS=off`) or a run record opened as a
//!   report: every action is refused, whatever else is given.
//! - In Jupyter (interactive): the person at the notebook is asked through stdin, and only
//!   a typed `yes` approves; a client that does not take input approves nothing.
//! - Headless (`playbook run`): `--dry-run` runs none and shows each command;
//!   `--approve NAME` approves the action of that name, `--approve-all` every one; anything
//!   else is "not approved: dry run".

use std::collections::BTreeSet;

use chrono::Utc;
use playbook::model::action::{ActionStatus, Approval};

/// What `playbook run` was told about actions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ActionFlags {
    /// `--approve NAME` (repeatable).
    pub(crate) approve: Vec<String>,
    /// `--approve-all`.
    pub(crate) approve_all: bool,
    /// `--dry-run`: show every action's command, run none.
    pub(crate) dry_run: bool,
    /// `--no-actions`.
    pub(crate) off: bool,
}

/// How approvals are had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Ask the person at the notebook.
    Interactive,
    /// Approved by flags only.
    Headless {
        approve: BTreeSet<String>,
        approve_all: bool,
        dry_run: bool,
    },
}

/// The approval policy of one kernel or run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Policy {
    pub(crate) mode: Mode,
    /// Why every action is refused, when it is.
    pub(crate) refused: Option<String>,
    /// `user@host` of whoever approves here.
    pub(crate) who: String,
    /// The run's id (headless) or the Jupyter session's.
    pub(crate) run: Option<String>,
}

/// What the policy says about one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Approved(Approval),
    /// Ask the person at the notebook.
    Ask,
    /// Not run: why.
    Skip {
        status: ActionStatus,
        note: String,
    },
}

/// The environment variable that turns actions off everywhere (`off`, `0`, `false`, `no`).
pub(crate) const ACTIONS_ENV: &str = "PLAYBOOK_ACTIONS";

/// Whether `PLAYBOOK_ACTIONS` turns actions off.
pub(crate) fn off_in_env() -> bool {
    std::env::var(ACTIONS_ENV).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    })
}

impl Policy {
    /// The policy of a Jupyter kernel: ask, unless actions are off.
    pub(crate) fn interactive(who: String, refused: Option<String>) -> Policy {
        Policy {
            mode: Mode::Interactive,
            refused,
            who,
            run: None,
        }
    }

    /// The policy of a headless run.
    pub(crate) fn headless(flags: &ActionFlags, who: String, run: String) -> Policy {
        let refused = if off_in_env() {
            Some(format!("actions are off ({ACTIONS_ENV}=off)"))
        } else if flags.off {
            Some("actions are off (--no-actions)".to_owned())
        } else {
            None
        };
        Policy {
            mode: Mode::Headless {
                approve: flags.approve.iter().cloned().collect(),
                approve_all: flags.approve_all,
                dry_run: flags.dry_run,
            },
            refused,
            who,
            run: Some(run),
        }
    }

    fn approval(&self, via: String) -> Approval {
        Approval {
            by: self.who.clone(),
            via,
            at: Utc::now(),
            run: self.run.clone(),
        }
    }

    /// What the policy says about the action named `name`.
    pub(crate) fn decide(&self, name: &str) -> Decision {
        if let Some(why) = &self.refused {
            return Decision::Skip {
                status: ActionStatus::Refused,
                note: why.clone(),
            };
        }
        match &self.mode {
            Mode::Interactive => Decision::Ask,
            Mode::Headless { dry_run: true, .. } => Decision::Skip {
                status: ActionStatus::DryRun,
                note: "--dry-run: shown, not run".to_owned(),
            },
            Mode::Headless {
                approve_all: true, ..
            } => Decision::Approved(self.approval("--approve-all".to_owned())),
            Mode::Headless { approve, .. } if approve.contains(name) => {
                Decision::Approved(self.approval(format!("--approve {name}")))
            }
            Mode::Headless { .. } => Decision::Skip {
                status: ActionStatus::NotApproved,
                note: format!(
                    "not approved: dry run (run it with --approve \"{name}\" or --approve-all)"
                ),
            },
        }
    }

    /// The approval of a person who typed `yes`.
    pub(crate) fn typed_yes(&self, session: Option<String>) -> Approval {
        let mut approval = self.approval("typed yes".to_owned());
        approval.run = session.or(approval.run);
        approval
    }
}

/// Whether a person's answer approves: `yes`, nothing else (case and spaces aside).
pub(crate) fn is_yes(answer: &str) -> bool {
    answer.trim().eq_ignore_ascii_case("yes")
}

/// `user@host` of this process.
pub(crate) fn who() -> String {
    let user = ["USER", "LOGNAME"]
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    format!("{user}@{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headless(flags: ActionFlags) -> Policy {
        Policy::headless(&flags, "sre@ops1".into(), "run-1".into())
    }

    #[test]
    fn headless_runs_only_what_a_flag_approves() {
        let policy = headless(ActionFlags {
            approve: vec!["roll back".into()],
            ..ActionFlags::default()
        });
        let Decision::Approved(approval) = policy.decide("roll back") else {
            panic!("named action not approved")
        };
        assert_eq!(approval.via, "--approve roll back");
        assert_eq!(approval.by, "sre@ops1");
        assert_eq!(approval.run.as_deref(), Some("run-1"));
        let Decision::Skip { status, note } = policy.decide("scale out") else {
            panic!("unnamed action approved")
        };
        assert_eq!(status, ActionStatus::NotApproved);
        assert!(note.starts_with("not approved: dry run"), "{note}");
    }

    #[test]
    fn dry_run_and_no_actions_win_over_approvals() {
        let dry = headless(ActionFlags {
            approve_all: true,
            dry_run: true,
            ..ActionFlags::default()
        });
        assert!(matches!(
            dry.decide("x"),
            Decision::Skip {
                status: ActionStatus::DryRun,
                ..
            }
        ));
        let off = headless(ActionFlags {
            approve_all: true,
            off: true,
            ..ActionFlags::default()
        });
        assert!(matches!(
            off.decide("x"),
            Decision::Skip {
                status: ActionStatus::Refused,
                ..
            }
        ));
    }

    #[test]
    fn only_yes_approves() {
        for yes in ["yes", " YES\n", "Yes"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "y", "no", "yes please", "sure"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
