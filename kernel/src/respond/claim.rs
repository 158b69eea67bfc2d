//! At-least-once delivery without double work: before running an alarm transition, a
//! queue worker claims it under its idempotency key (`AlarmTransition::key`: the alarm's
//! ARN and the time of the state change) in a store every worker shares
//! (`playbook_engine::claims`: S3 objects created only when absent). The claim says who
//! runs it and until when (a lease the worker's heartbeat renews); once the record is
//! delivered it says `done`, so a duplicate delivery of the transition (SQS standard
//! queues and SNS retries do that) is acknowledged without running again. A worker that
//! died mid-run leaves a lease that expires: the next delivery takes the claim over
//! (`If-Match` on the claim it read, so two takers cannot both win). A run that ends in a
//! way a retry may fix releases its claim.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use playbook_engine::claims::Claims;
use playbook_engine::error::EngineError;
use serde::{Deserialize, Serialize};

use crate::record::cause::AlarmTransition;
use crate::record::destination::safe;

/// What a claim object says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ClaimBody {
    /// The idempotency key.
    pub(crate) key: String,
    pub(crate) state: ClaimState,
    /// The worker holding it: host, process id and a random tag.
    pub(crate) worker: String,
    pub(crate) claimed: DateTime<Utc>,
    /// A running claim's lease: past it, the worker is taken for dead.
    pub(crate) expires: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ClaimState {
    Running,
    Done,
}

/// What claiming a transition found.
#[derive(Debug)]
pub(crate) enum Taken {
    /// Ours to run (new, or taken over from a worker whose lease expired).
    Ours(Box<Claim>),
    /// Already run: the record is delivered.
    Done(ClaimBody),
    /// Another worker is running it now.
    Busy(ClaimBody),
}

/// A claim this worker holds.
#[derive(Debug, Clone)]
pub(crate) struct Claim {
    store: Claims,
    name: String,
    body: ClaimBody,
    /// The claim object's version, for renewing it only while it is still ours.
    etag: Arc<Mutex<String>>,
}

/// The object name of the claim of `alarm`: account, region, alarm name, time.
pub(crate) fn name_of(alarm: &AlarmTransition) -> String {
    format!(
        "{}/{}/{}/{}.json",
        safe(&alarm.account),
        safe(&alarm.region),
        safe(&alarm.name),
        alarm
            .time
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    )
}

fn to_json(body: &ClaimBody) -> Vec<u8> {
    // A claim body is the program's own types: serialising cannot fail.
    serde_json::to_vec(body).unwrap_or_default()
}

/// Claims `alarm` for `worker` for `lease`.
pub(crate) async fn take(
    store: &Claims,
    alarm: &AlarmTransition,
    worker: &str,
    lease: Duration,
) -> Result<Taken, EngineError> {
    let name = name_of(alarm);
    let now = Utc::now();
    let body = ClaimBody {
        key: alarm.key(),
        state: ClaimState::Running,
        worker: worker.to_owned(),
        claimed: now,
        expires: now + lease,
    };
    let ours = |etag: String, body: ClaimBody| {
        Taken::Ours(Box::new(Claim {
            store: store.clone(),
            name: name.clone(),
            body,
            etag: Arc::new(Mutex::new(etag)),
        }))
    };
    // Twice at most: a claim released between our create and our read is created again.
    for _ in 0..2 {
        if let Some(etag) = store.create(&name, to_json(&body)).await? {
            return Ok(ours(etag, body));
        }
        let Some(held) = store.read(&name).await? else {
            continue;
        };
        let Ok(theirs) = serde_json::from_slice::<ClaimBody>(&held.body) else {
            return Err(EngineError::InvalidInput(format!(
                "{} is not a claim this program wrote: remove it, or give --claims another prefix",
                store.location(&name)
            )));
        };
        if theirs.state == ClaimState::Done {
            return Ok(Taken::Done(theirs));
        }
        if theirs.expires > Utc::now() {
            return Ok(Taken::Busy(theirs));
        }
        // Its worker is gone: take it over, unless another taker was first.
        return Ok(
            match store.replace(&name, to_json(&body), &held.etag).await? {
                Some(etag) => ours(etag, body),
                None => Taken::Busy(theirs),
            },
        );
    }
    Ok(Taken::Busy(body))
}

impl Claim {
    /// Where the claim is.
    pub(crate) fn location(&self) -> String {
        self.store.location(&self.name)
    }

    fn etag(&self) -> String {
        self.etag.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    async fn write(&self, body: &ClaimBody) -> Result<bool, EngineError> {
        let etag = self.etag();
        match self.store.replace(&self.name, to_json(body), &etag).await? {
            Some(new) => {
                *self.etag.lock().unwrap_or_else(|p| p.into_inner()) = new;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Extends the lease by `lease` from now; `false` when the claim is no longer ours.
    pub(crate) async fn renew(&self, lease: Duration) -> Result<bool, EngineError> {
        let mut body = self.body.clone();
        body.expires = Utc::now() + lease;
        self.write(&body).await
    }

    /// Marks the transition run: its record is delivered.
    pub(crate) async fn done(&self) -> Result<bool, EngineError> {
        let mut body = self.body.clone();
        body.state = ClaimState::Done;
        body.expires = Utc::now();
        self.write(&body).await
    }

    /// Gives the claim up, so that the transition's next delivery runs it.
    pub(crate) async fn release(&self) -> Result<(), EngineError> {
        self.store.remove(&self.name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claims_name_is_the_alarms_account_region_name_and_time() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/alarm-events/checkout-latency-eventbridge.json"
        ))
        .unwrap();
        let alarm = super::super::event::parse(&text).unwrap();
        assert_eq!(
            name_of(&alarm),
            "123456789012/eu-west-1/checkout-p99-latency-high/2026-11-12T14:12:00.000Z.json"
        );
        assert_eq!(
            alarm.key(),
            "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-p99-latency-high\
             @2026-11-12T14:12:00.000Z"
        );
    }

    #[test]
    fn a_claim_body_reads_back_as_written() {
        let now = Utc::now();
        let body = ClaimBody {
            key: "k".into(),
            state: ClaimState::Running,
            worker: "host:1:ab".into(),
            claimed: now,
            expires: now,
        };
        let back: ClaimBody = serde_json::from_slice(&to_json(&body)).unwrap();
        assert_eq!(back, body);
        assert!(serde_json::from_str::<ClaimBody>(r#"{"key":"k"}"#).is_err());
    }
}
