//! What a queue worker does with one message (`worker.rs` receives them): each step
//! that may settle it — parsed (a malformed event left for the redrive policy), absorbed
//! into a run of its alarm within `--debounce` (`debounce.rs`), routed (no rule: deleted),
//! claimed (`claim.rs`: a duplicate deleted, one running elsewhere left), its alarm's
//! window opened — then the run, with the heartbeat, stopped by a signal; and at the end
//! the message deleted or left by the run's exit class, the claim marked or released.

use std::time::Duration;

use playbook_engine::claims::Claims;
use playbook_engine::sqs::Message;

use super::claim::{self, Claim, Taken};
use super::debounce;
use super::worker::{Next, STOP_GRACE, VISIBILITY, Worker, heartbeat};
use crate::exit::Exit;
use crate::record::cause::AlarmTransition;
use crate::redact::{Redacted, redacted_format};
use crate::run::Signals;

impl Worker<'_> {
    /// One message, from receipt to deleted or left.
    pub(super) async fn work_on(&self, message: &Message, signals: &mut Signals) -> Next {
        let about = redacted_format!(
            "message {} (delivery {})",
            self.text(&message.id),
            message.receive_count
        );
        let alarm = match super::parse(&message.body) {
            Ok(alarm) => alarm,
            Err(why) => {
                self.say(&redacted_format!(
                    "{}: {}; left for the queue's redrive policy",
                    about,
                    why
                ));
                self.leave(message, self.options.retry_after).await;
                return Next::Continue;
            }
        };
        if self.absorb(message, &about, &alarm).await {
            return Next::Continue;
        }
        if super::unmatched(&alarm, self.responders) {
            self.delete(message, &about).await;
            return Next::Continue;
        }
        let Some(claim) = self.claim(message, &about, &alarm).await else {
            return Next::Continue;
        };
        if let Some(claim) = &claim
            && !self.open_window(message, &about, &alarm, claim).await
        {
            return Next::Continue;
        }
        let heartbeat = tokio::spawn(heartbeat(
            self.queue.clone(),
            message.receipt.clone(),
            claim.clone(),
        ));
        let run = super::respond_to(&alarm, self.responders, self.base);
        tokio::pin!(run);
        let ((exit, records), signalled) = tokio::select! {
            ran = &mut run => (ran, false),
            signal = signals.recv() => {
                self.say(&redacted_format!(
                    "{}: abandoning the run of {}",
                    self.text(signal),
                    about
                ));
                let ran = tokio::time::timeout(STOP_GRACE, &mut run).await;
                (ran.unwrap_or((Exit::Interrupted, Vec::new())), true)
            }
        };
        heartbeat.abort();
        let next = (self.settle(message, &about, claim.as_ref(), exit, signalled)).await;
        if next == Next::Continue && !records.is_empty() {
            self.name_records(&about, &alarm, &records).await;
        }
        next
    }

    /// Absorbs `alarm` into the run of a transition of its alarm within `--debounce`,
    /// when there is one: `true` when the message is settled.
    async fn absorb(
        &self,
        message: &Message,
        about: &Redacted<String>,
        alarm: &AlarmTransition,
    ) -> bool {
        let Some(store) = self.debouncing() else {
            return false;
        };
        match debounce::absorb(store, alarm, self.options.debounce).await {
            Ok(Some(window)) => {
                self.absorbed(message, about, alarm, &window).await;
                true
            }
            Ok(None) => false,
            Err(error) => {
                self.say(&redacted_format!(
                    "{}: reading its alarm's debounce window failed: {}; left to come back",
                    about,
                    self.text(&error.to_string())
                ));
                self.leave(message, self.options.retry_after).await;
                true
            }
        }
    }

    /// Claims `alarm`: `Some(claim)` to run it (`Some(None)` without claims), `None` when
    /// the message is settled (a duplicate deleted, a busy or failed claim left).
    async fn claim(
        &self,
        message: &Message,
        about: &Redacted<String>,
        alarm: &AlarmTransition,
    ) -> Option<Option<Claim>> {
        let Some(store) = &self.claims else {
            return Some(None);
        };
        match claim::take(store, alarm, &self.name, VISIBILITY).await {
            Ok(Taken::Ours(claim)) => return Some(Some(*claim)),
            Ok(Taken::Done(body)) => {
                self.say(&redacted_format!(
                    "{}: {} was run already (by {}): a duplicate delivery",
                    about,
                    self.text(&body.key),
                    self.text(&body.worker)
                ));
                self.delete(message, about).await;
                return None;
            }
            Ok(Taken::Busy(body)) => self.say(&redacted_format!(
                "{}: {} is being run by {}; left to come back",
                about,
                self.text(&body.key),
                self.text(&body.worker)
            )),
            Err(error) => self.say(&redacted_format!(
                "{}: claiming it failed: {}; left to come back",
                about,
                self.text(&error.to_string())
            )),
        }
        self.leave(message, self.options.retry_after).await;
        None
    }

    /// Opens `alarm`'s debounce window before it runs: `false` when the message is
    /// settled instead (absorbed by a run another worker opened meanwhile, or the window
    /// could not be written).
    async fn open_window(
        &self,
        message: &Message,
        about: &Redacted<String>,
        alarm: &AlarmTransition,
        claim: &Claim,
    ) -> bool {
        let Some(store) = self.debouncing() else {
            return true;
        };
        match debounce::open(store, alarm, self.options.debounce).await {
            Ok(Some(_)) => true,
            Ok(None) => {
                let _ = claim.done().await;
                self.say(&redacted_format!(
                    "{}: absorbed by a run of the same alarm",
                    about
                ));
                self.delete(message, about).await;
                false
            }
            Err(error) => {
                let _ = claim.release().await;
                self.say(&redacted_format!(
                    "{}: opening its alarm's debounce window failed: {}; left to come back",
                    about,
                    self.text(&error.to_string())
                ));
                self.leave(message, self.options.retry_after).await;
                false
            }
        }
    }

    /// Names the run's delivered `records` in its debounce window, and lists there what
    /// was absorbed while it ran.
    async fn name_records(
        &self,
        about: &Redacted<String>,
        alarm: &AlarmTransition,
        records: &[String],
    ) {
        let Some(store) = self.debouncing() else {
            return;
        };
        match debounce::ran(store, alarm, records).await {
            Ok(Some(window)) if !window.absorbed.is_empty() => {
                self.patch(about, alarm, &window).await;
            }
            Ok(_) => {}
            Err(error) => self.say(&redacted_format!(
                "{}: naming its records in the debounce window failed: {}",
                about,
                self.text(&error.to_string())
            )),
        }
    }

    /// The claims store, when flapping is debounced.
    fn debouncing(&self) -> Option<&Claims> {
        self.claims
            .as_ref()
            .filter(|_| !self.options.debounce.is_zero())
    }

    /// A transition absorbed into `window`: said, the run's records patched, deleted.
    async fn absorbed(
        &self,
        message: &Message,
        about: &Redacted<String>,
        alarm: &AlarmTransition,
        window: &debounce::Window,
    ) {
        self.say(&redacted_format!(
            "{}: absorbed by the run of {} (within --debounce {} s)",
            about,
            self.text(&window.key),
            self.options.debounce.as_secs()
        ));
        self.patch(about, alarm, window).await;
        self.delete(message, about).await;
    }

    /// Lists `window`'s absorbed transitions in each record of its run (in the account
    /// and region the run delivered them in).
    async fn patch(
        &self,
        about: &Redacted<String>,
        alarm: &AlarmTransition,
        window: &debounce::Window,
    ) {
        let aws = self.responders.aws_for(alarm, &self.base.aws);
        for (record, why) in debounce::patch_records(window, &aws).await {
            self.say(&redacted_format!(
                "{}: listing the absorbed transitions in {} failed: {}",
                about,
                self.text(&record),
                self.text(&why)
            ));
        }
    }

    /// After the run: the message deleted or left, the claim marked or released.
    async fn settle(
        &self,
        message: &Message,
        about: &Redacted<String>,
        claim: Option<&Claim>,
        exit: Exit,
        signalled: bool,
    ) -> Next {
        let delivered = matches!(exit, Exit::Ok | Exit::CellFailed | Exit::CheckFailed);
        if delivered && !signalled {
            if let Some(claim) = claim
                && let Err(error) = claim.done().await
            {
                self.say(&redacted_format!(
                    "{}: marking {} done failed: {}",
                    about,
                    self.text(&claim.location()),
                    self.text(&error.to_string())
                ));
            }
            self.say(&redacted_format!(
                "{}: exit {} ({}): delivered",
                about,
                exit.code(),
                self.text(exit.class())
            ));
            self.delete(message, about).await;
            return Next::Continue;
        }
        if let Some(claim) = claim
            && let Err(error) = claim.release().await
        {
            self.say(&redacted_format!(
                "{}: releasing {} failed: {}",
                about,
                self.text(&claim.location()),
                self.text(&error.to_string())
            ));
        }
        if signalled || exit == Exit::Interrupted {
            self.say(&redacted_format!(
                "{}: interrupted; visible again now",
                about
            ));
            self.leave(message, Duration::ZERO).await;
            return Next::Stop;
        }
        self.say(&redacted_format!(
            "{}: exit {} ({}): left to come back in {} s{}",
            about,
            exit.code(),
            self.text(exit.class()),
            self.options.retry_after.as_secs(),
            self.text(match exit {
                Exit::SourceUnavailable | Exit::OutputFailed => " (retryable)",
                _ => ", then to the dead-letter queue by the redrive policy",
            })
        ));
        self.leave(message, self.options.retry_after).await;
        Next::Continue
    }

    async fn delete(&self, message: &Message, about: &Redacted<String>) {
        match self.queue.delete(&message.receipt).await {
            Ok(()) => self.say(&redacted_format!("{}: deleted", about)),
            Err(error) => self.say(&redacted_format!(
                "{}: DeleteMessage failed: {}; it will come back",
                about,
                self.text(&error.to_string())
            )),
        }
    }

    /// Lets the message come back after `after` (at its visibility timeout when this
    /// fails).
    async fn leave(&self, message: &Message, after: Duration) {
        if let Err(error) = self.queue.set_visibility(&message.receipt, after).await {
            self.say(&redacted_format!(
                "message {}: ChangeMessageVisibility failed: {}; it comes back when its \
                 visibility timeout ends",
                self.text(&message.id),
                self.text(&error.to_string())
            ));
        }
    }
}
