//! Flapping: an alarm that goes ALARM → OK → ALARM within `--debounce` (default 10 min)
//! runs once. Each alarm has a window in the claims store (`ACCOUNT/REGION/ALARM/
//! window.json`), which the transition that runs opens (`open`); any other transition of
//! the alarm within `--debounce` of that one, before or after it, is absorbed (`absorb`):
//! added to the window's list and acknowledged without running. The run's records list
//! what was absorbed (`Cause::absorbed`): the worker writes the list into each record the
//! window names once the run is delivered, and again at each later absorption
//! (`patch_records`). Windows are replaced only when unchanged since read (`If-Match`),
//! so two workers absorbing at once both land.

use std::time::Duration;

use chrono::{DateTime, Utc};
use playbook_engine::claims::Claims;
use playbook_engine::delivery::{Deliverer, S3Uri};
use playbook_engine::error::EngineError;
use serde::{Deserialize, Serialize};

use crate::record::cause::{Absorbed, AlarmTransition};
use crate::record::destination::{Destination, safe};
use crate::record::notebook::Notebook;
use crate::record::run_record::{self as record, RunRecord};
use crate::record::writer::{Kind, Writer};
use crate::redact::Redactor;
use playbook::source::AwsTarget;

/// How many times a window is read and replaced before giving up on a busy one.
const ATTEMPTS: usize = 5;

/// An alarm's debounce window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Window {
    /// The key of the transition that ran.
    pub(crate) key: String,
    /// Its time: the window is `--debounce` either side of it.
    pub(crate) time: DateTime<Utc>,
    #[serde(default)]
    pub(crate) absorbed: Vec<Absorbed>,
    /// Where the run's records are.
    #[serde(default)]
    pub(crate) records: Vec<String>,
}

impl Window {
    fn covers(&self, alarm: &AlarmTransition, debounce: Duration) -> bool {
        let apart = (alarm.time - self.time)
            .abs()
            .to_std()
            .unwrap_or(Duration::MAX);
        apart <= debounce
    }
}

/// The window object of `alarm`.
fn name_of(alarm: &AlarmTransition) -> String {
    format!(
        "{}/{}/{}/window.json",
        safe(&alarm.account),
        safe(&alarm.region),
        safe(&alarm.name)
    )
}

fn to_json(window: &Window) -> Vec<u8> {
    // The program's own types: serialising cannot fail.
    serde_json::to_vec(window).unwrap_or_default()
}

fn absorbed_of(alarm: &AlarmTransition) -> Absorbed {
    Absorbed {
        state: alarm.state,
        previous_state: alarm.previous_state,
        time: alarm.time,
    }
}

/// Absorbs `alarm` into its alarm's window when one covers it (and it is not the
/// window's own transition): the window as it now stands.
pub(crate) async fn absorb(
    store: &Claims,
    alarm: &AlarmTransition,
    debounce: Duration,
) -> Result<Option<Window>, EngineError> {
    let name = name_of(alarm);
    for _ in 0..ATTEMPTS {
        let Some(held) = store.read(&name).await? else {
            return Ok(None);
        };
        let Ok(mut window) = serde_json::from_slice::<Window>(&held.body) else {
            return Ok(None);
        };
        if window.key == alarm.key() || !window.covers(alarm, debounce) {
            return Ok(None);
        }
        let absorbed = absorbed_of(alarm);
        if window.absorbed.contains(&absorbed) {
            return Ok(Some(window));
        }
        window.absorbed.push(absorbed);
        window.absorbed.sort_by_key(|a| a.time);
        if store
            .replace(&name, to_json(&window), &held.etag)
            .await?
            .is_some()
        {
            return Ok(Some(window));
        }
    }
    Err(busy(store, &name))
}

/// Opens the window of `alarm`, which is about to run: `None` when another transition's
/// window covers it after all (it was absorbed: a worker raced it there).
pub(crate) async fn open(
    store: &Claims,
    alarm: &AlarmTransition,
    debounce: Duration,
) -> Result<Option<Window>, EngineError> {
    let name = name_of(alarm);
    let window = Window {
        key: alarm.key(),
        time: alarm.time,
        absorbed: Vec::new(),
        records: Vec::new(),
    };
    for _ in 0..ATTEMPTS {
        let written = match store.read(&name).await? {
            None => store.create(&name, to_json(&window)).await?,
            Some(held) => {
                let old = serde_json::from_slice::<Window>(&held.body).ok();
                if old.is_some_and(|w| w.key != window.key && w.covers(alarm, debounce)) {
                    match absorb(store, alarm, debounce).await? {
                        Some(_) => return Ok(None),
                        None => continue,
                    }
                }
                store.replace(&name, to_json(&window), &held.etag).await?
            }
        };
        if written.is_some() {
            return Ok(Some(window));
        }
    }
    Err(busy(store, &name))
}

/// Adds the run's delivered `records` to its window; the window as it now stands.
pub(crate) async fn ran(
    store: &Claims,
    alarm: &AlarmTransition,
    records: &[String],
) -> Result<Option<Window>, EngineError> {
    let name = name_of(alarm);
    for _ in 0..ATTEMPTS {
        let Some(held) = store.read(&name).await? else {
            return Ok(None);
        };
        let Ok(mut window) = serde_json::from_slice::<Window>(&held.body) else {
            return Ok(None);
        };
        if window.key != alarm.key() {
            return Ok(None);
        }
        window.records.extend(records.iter().cloned());
        if store
            .replace(&name, to_json(&window), &held.etag)
            .await?
            .is_some()
        {
            return Ok(Some(window));
        }
    }
    Err(busy(store, &name))
}

fn busy(store: &Claims, name: &str) -> EngineError {
    EngineError::Service {
        api: "PutObject",
        code: "ConditionalRequestConflict".into(),
        message: format!(
            "{} kept changing: {ATTEMPTS} attempts to update it lost",
            store.location(name)
        ),
    }
}

/// Writes the window's absorbed transitions into each of its records (a local path or
/// `s3://…`); what could not be patched, with why.
pub(crate) async fn patch_records(window: &Window, aws: &AwsTarget) -> Vec<(String, String)> {
    let mut failed = Vec::new();
    for location in &window.records {
        if let Err(why) = patch(location, &window.absorbed, aws).await {
            failed.push((location.clone(), why));
        }
    }
    failed
}

async fn patch(location: &str, absorbed: &[Absorbed], aws: &AwsTarget) -> Result<(), String> {
    let to = match S3Uri::parse(location) {
        Some(uri) => Destination::S3(uri.map_err(|e| e.to_string())?),
        None => Destination::Local(location.into()),
    };
    let mut notebook = match &to {
        Destination::Local(path) => Notebook::read(path).map_err(|e| e.to_string())?,
        Destination::S3(uri) => {
            let deliverer = Deliverer::new(aws).await.map_err(|e| e.to_string())?;
            let bytes = deliverer.get_object(uri).await.map_err(|e| e.to_string())?;
            Notebook::parse(&String::from_utf8_lossy(&bytes))?
        }
    };
    let mut run: RunRecord =
        record::read(notebook.metadata(record::KEY)).ok_or("not a record of a run")?;
    let Some(cause) = run.cause.as_mut() else {
        return Err("the record names no cause".into());
    };
    cause.absorbed = absorbed.to_vec();
    notebook.set_metadata(record::KEY, record::to_value(&run));
    let text = notebook.to_shared_text(&Redactor::from_env());
    let mut writer = Writer::new(aws);
    (writer.write(&to, &text, Kind::Record).await).map_err(|f| f.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::cause::AlarmState;

    fn alarm_at(minute: u32, state: AlarmState) -> AlarmTransition {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/alarm-events/checkout-latency-eventbridge.json"
        ))
        .unwrap();
        let mut alarm = super::super::event::parse(&text).unwrap();
        alarm.time = "2026-11-12T14:00:00Z".parse::<DateTime<Utc>>().unwrap()
            + chrono::Duration::minutes(i64::from(minute));
        alarm.state = state;
        alarm
    }

    #[test]
    fn a_window_covers_the_alarms_transitions_within_the_span_either_side() {
        let ran = alarm_at(12, AlarmState::Alarm);
        let window = Window {
            key: ran.key(),
            time: ran.time,
            absorbed: Vec::new(),
            records: Vec::new(),
        };
        let span = Duration::from_secs(600);
        assert!(window.covers(&alarm_at(14, AlarmState::Ok), span));
        assert!(window.covers(&alarm_at(22, AlarmState::Alarm), span));
        assert!(window.covers(&alarm_at(2, AlarmState::Alarm), span));
        assert!(!window.covers(&alarm_at(23, AlarmState::Alarm), span));
        assert!(!window.covers(&alarm_at(1, AlarmState::Alarm), span));
        assert_eq!(
            name_of(&ran),
            "123456789012/eu-west-1/checkout-p99-latency-high/window.json"
        );
        let back: Window = serde_json::from_slice(&to_json(&window)).unwrap();
        assert_eq!(back, window);
    }
}
