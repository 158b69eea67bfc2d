//! `playbook respond --queue URL`: a worker over an SQS queue of alarm events, as many
//! as wanted on as many machines. Each message, one at a time (`message.rs`):
//! - received by a long poll (at most [`WAIT`], so an idle worker makes a call every 20 s
//!   and nothing else), invisible to other workers for [`VISIBILITY`], which a heartbeat
//!   extends while the run lasts (up to [`MAX_HOLD`]);
//! - parsed (`event.rs`): a malformed event is said with its reason and left to come
//!   back, so the queue's redrive policy moves it to the dead-letter queue;
//! - debounced (`debounce.rs`, with claims): a transition within `--debounce` of one of
//!   the same alarm that ran is absorbed by that run (listed in its records) and deleted;
//! - routed: an event no rule matches is said and deleted;
//! - claimed (`claim.rs`, with `--claims`): a transition already run is deleted, one
//!   another worker is running is left to come back;
//! - run and delivered (`super::respond_to`); then by the run's exit class: 0, 1, 2
//!   (the record is delivered) delete the message; 4 and 6 (a retry may help) and 3 and
//!   5 (a change is needed: the dead-letter queue's way) leave it to come back after
//!   `--retry-after`.
//!
//! SIGTERM or SIGINT: no new receive; a run in progress is stopped (it writes its record
//! as interrupted), its claim released and its message made visible again at once; the
//! worker exits 130.

use std::time::{Duration, Instant};

use anyhow::Context;
use playbook_engine::claims::Claims;
use playbook_engine::error::EngineError;
use playbook_engine::sqs::Queue;

use super::claim::Claim;
use super::responders::Responders;
use crate::exit::Exit;
use crate::redact::{Redacted, Redactor, redacted_format};
use crate::run::{RunOptions, Signals};
use crate::visible;

/// The long poll of one ReceiveMessage.
const WAIT: Duration = Duration::from_secs(20);
/// How long a received message stays invisible to other workers without a heartbeat.
pub(super) const VISIBILITY: Duration = Duration::from_secs(60);
/// How often the heartbeat extends the message's visibility (and the claim's lease).
const HEARTBEAT: Duration = Duration::from_secs(20);
/// The deadline of one heartbeat's calls.
const HEARTBEAT_DEADLINE: Duration = Duration::from_secs(15);
/// The longest a worker holds one message: past it the heartbeat stops, and the message
/// comes back for another worker.
const MAX_HOLD: Duration = Duration::from_secs(6 * 3600);
/// How long a stopped run may take to write its record after SIGTERM.
pub(super) const STOP_GRACE: Duration = Duration::from_secs(25);
/// Receives that may fail in a row (with growing pauses, about 5 minutes in all) before
/// the worker gives up with exit 4.
const MAX_RECEIVE_FAILURES: u32 = 10;

/// What `--queue` brings besides the run options.
#[derive(Debug, Clone)]
pub(crate) struct WorkerOptions {
    /// The queue's URL.
    pub(crate) queue: String,
    /// Where claims are shared (`s3://BUCKET/PREFIX`); none: no claims.
    pub(crate) claims: Option<String>,
    /// How soon a message left for another try comes back.
    pub(crate) retry_after: Duration,
    /// Transitions of one alarm this close to one that ran are absorbed by its run
    /// (needs claims; zero: none are).
    pub(crate) debounce: Duration,
}

/// The claims' default place: `playbook-claims/` in the bucket of an `s3://` record
/// destination whose bucket is literal.
pub(crate) fn default_claims(output: &str) -> Option<String> {
    let bucket = output.strip_prefix("s3://")?.split('/').next()?;
    (!bucket.is_empty() && !bucket.contains('{')).then(|| format!("s3://{bucket}/playbook-claims"))
}

/// What to do after a message.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Next {
    Continue,
    /// A signal came: stop, exit 130.
    Stop,
}

pub(super) struct Worker<'a> {
    pub(super) queue: Queue,
    pub(super) claims: Option<Claims>,
    pub(super) options: WorkerOptions,
    pub(super) responders: &'a Responders,
    pub(super) base: &'a RunOptions,
    /// Who claims: host, process id, a random tag.
    pub(super) name: String,
    redactor: Redactor,
}

/// Works on the queue until a signal (exit 130) or until receiving keeps failing (the
/// failure's exit class).
pub(crate) async fn main(
    options: WorkerOptions,
    responders: &Responders,
    base: &RunOptions,
) -> anyhow::Result<Exit> {
    let config = playbook_engine::aws::sdk_config(&base.aws)
        .await
        .context("--queue: the AWS configuration")?;
    let queue = Queue::new(&config, &options.queue)?;
    let claims = match &options.claims {
        Some(at) => Some(Claims::from_sdk_config(&config, at)?),
        None => None,
    };
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let worker = Worker {
        queue,
        claims,
        name: format!(
            "{}:{}:{}",
            crate::run::hostname(),
            std::process::id(),
            &tag[..8]
        ),
        options,
        responders,
        base,
        redactor: Redactor::from_env(),
    };
    worker.run().await
}

impl Worker<'_> {
    pub(super) fn say(&self, line: &Redacted<String>) {
        eprintln!("respond: {}", visible::text(line.as_str()));
    }

    pub(super) fn text(&self, text: &str) -> Redacted<String> {
        self.redactor.text(text)
    }

    async fn run(&self) -> anyhow::Result<Exit> {
        let mut signals = Signals::new()?;
        let claims = match &self.claims {
            Some(claims) => self.text(&format!("claims at {}", claims.location(""))),
            None => self.text("no --claims: a transition delivered twice runs twice"),
        };
        self.say(&redacted_format!(
            "worker {} on {}; {}",
            self.text(&self.name),
            self.text(self.queue.url()),
            claims
        ));
        let mut failures = 0u32;
        loop {
            let received = tokio::select! {
                got = self.queue.receive(WAIT, VISIBILITY) => got,
                signal = signals.recv() => {
                    self.say(&redacted_format!("{}: stopping", self.text(signal)));
                    return Ok(Exit::Interrupted);
                }
            };
            let message = match received {
                Ok(Some(message)) => message,
                Ok(None) => {
                    failures = 0;
                    continue;
                }
                Err(error) => {
                    failures += 1;
                    if let Some(exit) = self.give_up(&error, failures) {
                        return Ok(exit);
                    }
                    let pause = Duration::from_secs(1 << failures.min(5));
                    tokio::select! {
                        () = tokio::time::sleep(pause) => continue,
                        signal = signals.recv() => {
                            self.say(&redacted_format!("{}: stopping", self.text(signal)));
                            return Ok(Exit::Interrupted);
                        }
                    }
                }
            };
            failures = 0;
            if self.work_on(&message, &mut signals).await == Next::Stop {
                return Ok(Exit::Interrupted);
            }
        }
    }

    /// Says why receiving failed; the exit class when the worker should stop.
    fn give_up(&self, error: &EngineError, failures: u32) -> Option<Exit> {
        let kind = error.kind();
        let retry = kind.is_transient() && failures < MAX_RECEIVE_FAILURES;
        self.say(&redacted_format!(
            "receiving from the queue failed ({} in a row): {}{}",
            failures,
            self.text(&error.to_string()),
            self.text(if retry { "; trying again" } else { "" })
        ));
        if retry {
            return None;
        }
        Some(Exit::of_source(kind).unwrap_or(if kind.is_transient() {
            Exit::SourceUnavailable
        } else {
            Exit::BadInput
        }))
    }
}

/// Keeps the message invisible (and the claim leased) while its run lasts, every
/// [`HEARTBEAT`], each call within [`HEARTBEAT_DEADLINE`], for at most [`MAX_HOLD`].
/// Aborted when the run ends.
pub(super) async fn heartbeat(queue: Queue, receipt: String, claim: Option<Claim>) {
    let started = Instant::now();
    while started.elapsed() < MAX_HOLD {
        tokio::time::sleep(HEARTBEAT).await;
        let extend = queue.set_visibility(&receipt, VISIBILITY);
        if let Ok(Err(error)) = tokio::time::timeout(HEARTBEAT_DEADLINE, extend).await {
            let said = Redactor::from_env().text(&error.to_string());
            eprintln!(
                "respond: extending the message's visibility failed: {}",
                visible::text(said.as_str())
            );
        }
        if let Some(claim) = &claim {
            let renewed = tokio::time::timeout(HEARTBEAT_DEADLINE, claim.renew(VISIBILITY)).await;
            if let Ok(Ok(false)) = renewed {
                eprintln!("respond: the claim was taken over by another worker");
            }
        }
    }
}

/// A span as `--debounce` takes it: seconds, or a number with `s`, `m` or `h`.
pub(crate) fn parse_span(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => {
            return Err(format!(
                "`{text}`: write seconds, or a number with s, m or h (10m)"
            ));
        }
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}`: write seconds, or a number with s, m or h (10m)"))?;
    number
        .checked_mul(scale)
        .filter(|s| *s <= 7 * 24 * 3600)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("`{text}`: at most a week"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_debounce_span_is_seconds_or_a_number_with_a_unit() {
        assert_eq!(parse_span("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_span("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_span("0"), Ok(Duration::ZERO));
        assert_eq!(parse_span("2h"), Ok(Duration::from_secs(7200)));
        for bad in [
            "",
            "m",
            "10d",
            "-1m",
            "1.5m",
            "99999999999999999999h",
            "200h",
        ] {
            assert!(parse_span(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn claims_default_to_the_records_bucket() {
        assert_eq!(
            default_claims("s3://records/{alarm.name}/{run_id}.ipynb").as_deref(),
            Some("s3://records/playbook-claims")
        );
        assert_eq!(default_claims("s3://{alarm.account}-records/x.ipynb"), None);
        assert_eq!(default_claims("/var/records/{run_id}.ipynb"), None);
    }
}
