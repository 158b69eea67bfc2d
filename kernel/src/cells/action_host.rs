//! The host's side of actions: a cell's `Request::Action` decided (asking the person at
//! the notebook through stdin when the policy says to), run off the async workers, kept
//! for the record; and the undos offered after a failed step (`offer_undos`).

use jupyter_protocol::{DisplayData, JupyterMessage, Media};
use playbook::model::action::{ActionResult, ActionSpec, ActionStatus};
use playbook::protocol::{Answer, Reply};
use playbook::render::Render;

use super::host::Host;
use crate::actions::{self, Decision};

/// Who can be asked for an approval: the request being executed, when its client takes
/// input.
pub(crate) struct Asker {
    pub(crate) parent: Option<JupyterMessage>,
    pub(crate) allow_stdin: bool,
}

impl Host {
    /// Answers a cell's action request.
    pub(super) async fn action(&self, spec: ActionSpec) -> Reply {
        let asker = Asker {
            parent: self.current_parent(),
            allow_stdin: self.allows_stdin(),
        };
        let result = self.decide_and_run(&spec, None, &asker).await;
        Reply::ok(Answer::Action(Box::new(result)))
    }

    /// Decides `spec` (asking through `asker` when the policy says to), runs it when
    /// approved, keeps the result.
    pub(crate) async fn decide_and_run(
        &self,
        spec: &ActionSpec,
        undo_of: Option<&str>,
        asker: &Asker,
    ) -> ActionResult {
        let redactor = actions::redactor(spec, self.session.known_secrets());
        let mut decision = self.actions.decide(&spec.name);
        if decision == Decision::Ask {
            decision = self.ask(spec, undo_of, asker, &redactor).await;
        }
        let checks_before = self.session.checks().len();
        let mut result = match decision {
            Decision::Approved(approval) => {
                let (actions, run) = (self.actions.clone(), spec.clone());
                tokio::task::spawn_blocking(move || actions.execute(&run, approval, &redactor))
                    .await
                    .unwrap_or_else(|e| {
                        ActionResult::not_run(
                            spec,
                            ActionStatus::Failed,
                            format!("the action's thread failed: {e}"),
                        )
                    })
            }
            Decision::Skip { status, note } => actions::skipped(spec, status, note, &redactor),
            Decision::Ask => actions::skipped(
                spec,
                ActionStatus::NotApproved,
                "not approved".into(),
                &redactor,
            ),
        };
        result.undo_of = undo_of.map(str::to_owned);
        result.checks_before = checks_before;
        self.actions.keep(spec, &result);
        result
    }

    /// Asks the person at the notebook to type `yes`.
    async fn ask(
        &self,
        spec: &ActionSpec,
        undo_of: Option<&str>,
        asker: &Asker,
        redactor: &crate::redact::Redactor,
    ) -> Decision {
        let (Some(parent), Some(stdin), true) = (&asker.parent, &self.stdin, asker.allow_stdin)
        else {
            return Decision::Skip {
                status: ActionStatus::NotApproved,
                note: "not approved: this client does not accept input (allow_stdin is false), \
                       so nobody could approve it"
                    .into(),
            };
        };
        let what = match undo_of {
            Some(of) => format!(
                "A later step failed. Undo `{of}` with the action `{}`",
                spec.name
            ),
            None => format!("Run the action `{}`", spec.name),
        };
        let target = spec
            .target
            .as_deref()
            .map(|t| format!(" on {t}"))
            .unwrap_or_default();
        let command = redactor.text(&spec.body.display());
        let prompt = format!(
            "{what}{target}?\n  command: {}\nType yes to run it: ",
            command.as_str()
        );
        match stdin.ask(parent, &prompt, false).await {
            Ok(answer) if actions::is_yes(&answer) => {
                Decision::Approved(self.actions.typed_yes(Some(parent.header.session.clone())))
            }
            Ok(_) => Decision::Skip {
                status: ActionStatus::NotApproved,
                note: "not approved: the answer was not `yes`".into(),
            },
            Err(e) => Decision::Skip {
                status: ActionStatus::NotApproved,
                note: format!("not approved: no answer ({e})"),
            },
        }
    }

    /// Offers the undos of the actions that succeeded, latest first, each decided like
    /// any action (asked through `asker` in Jupyter, by flags headless); shows each result
    /// under `asker`'s request when there is one.
    pub(crate) async fn offer_undos(&self, asker: &Asker) -> Vec<ActionResult> {
        let mut done = Vec::new();
        for (of, undo) in self.actions.take_undos() {
            let result = self.decide_and_run(&undo, Some(&of), asker).await;
            if let Some(parent) = &asker.parent {
                let data = result.bundle().data.into_iter().collect();
                if let Ok(media) = serde_json::from_value::<Media>(serde_json::Value::Object(data))
                {
                    self.iopub.publish(DisplayData::new(media), Some(parent));
                }
            }
            done.push(result);
        }
        done
    }
}
