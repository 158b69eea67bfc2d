//! The run record: what `playbook run` writes into the executed notebook's metadata
//! (`metadata.playbook` of the notebook and of each code cell) and `playbook report`
//! reads back, through the same types. Fields this version does not know are kept
//! (`extra`), so a record written by a newer version survives a round trip.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use playbook::check::{CheckResult, Verdict};
use playbook::model::action::ActionResult;
use playbook::record::QueryRecord;
use playbook::time_range::TimeRange;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The metadata key both records live under.
pub(crate) const KEY: &str = "playbook";

/// How a run ended (or that it is still running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum RunStatus {
    #[serde(rename = "running")]
    Running,
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "check failed")]
    CheckFailed,
    #[serde(rename = "failed")]
    Failed,
    #[serde(rename = "interrupted")]
    Interrupted,
}

impl RunStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::CheckFailed => "check failed",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

/// The parameters of a run: as given on the command line, and as the cells saw them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Parameters {
    /// `NAME=VALUE` as given (`-p`, `-f`, `--source`).
    #[serde(default)]
    pub(crate) given: BTreeMap<String, String>,
    /// Every parameter in effect, typed (the user's values: JSON).
    #[serde(default)]
    pub(crate) resolved: BTreeMap<String, Value>,
}

impl Parameters {
    /// The parameters as a record keeps them: a secret parameter's value (its name looks
    /// secret: `db_password`, `api_key`) is masked, given or in effect.
    pub(crate) fn masked(
        given: impl IntoIterator<Item = (String, String)>,
        resolved: &BTreeMap<String, Value>,
    ) -> Parameters {
        let secret = |name: &str| crate::redact::looks_secret(name);
        let mask = crate::redact::MASK;
        Parameters {
            given: (given.into_iter())
                .map(|(name, value)| {
                    let value = if secret(&name) {
                        mask.to_owned()
                    } else {
                        value
                    };
                    (name, value)
                })
                .collect(),
            resolved: (resolved.iter())
                .map(|(name, value)| {
                    let value = if secret(name) {
                        Value::from(mask)
                    } else {
                        value.clone()
                    };
                    (name.clone(), value)
                })
                .collect(),
        }
    }
}

/// A cell that failed, as the record lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Failure {
    /// 1-based position of the cell in the executed notebook.
    pub(crate) cell: usize,
    pub(crate) ename: String,
    pub(crate) evalue: String,
}

/// The notebook's `metadata.playbook`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunRecord {
    pub(crate) run_id: String,
    #[serde(with = "millis")]
    pub(crate) started: DateTime<Utc>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "millis::option"
    )]
    pub(crate) finished: Option<DateTime<Utc>>,
    /// Seconds from start to finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) duration: Option<f64>,
    pub(crate) tool_version: String,
    pub(crate) notebook: String,
    pub(crate) status: RunStatus,
    #[serde(default)]
    pub(crate) parameters: Parameters,
    #[serde(default)]
    pub(crate) user: String,
    #[serde(default)]
    pub(crate) host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
    /// The session's window at the end of the run (older records: `[start, end]`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "window_compat"
    )]
    pub(crate) window: Option<TimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) account: Option<String>,
    /// The role assumed for the run's AWS calls, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) endpoint: Option<String>,
    #[serde(default)]
    pub(crate) checks: Vec<CheckResult>,
    #[serde(default)]
    pub(crate) queries: Vec<QueryRecord>,
    #[serde(default)]
    pub(crate) failures: Vec<Failure>,
    /// What started the run when no person did (an alarm, `playbook respond`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cause: Option<super::cause::Cause>,
    /// Every action the runbook decided, in order (undos too): approved by whom, when,
    /// in which run, and what became of it (output redacted when run, masked again by the
    /// writer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) actions: Vec<ActionResult>,
    /// Fields written by another version.
    #[serde(flatten)]
    pub(crate) extra: Map<String, Value>,
}

impl RunRecord {
    /// The checks that failed.
    pub(crate) fn failed_checks(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.verdict == Verdict::Fail)
    }
}

/// How one cell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CellStatus {
    Ok,
    Failed,
    Interrupted,
}

impl CellStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CellStatus::Ok => "ok",
            CellStatus::Failed => "failed",
            CellStatus::Interrupted => "interrupted",
        }
    }
}

/// A code cell's `metadata.playbook`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CellRecord {
    #[serde(with = "millis")]
    pub(crate) start_time: DateTime<Utc>,
    #[serde(with = "millis")]
    pub(crate) end_time: DateTime<Utc>,
    /// Seconds.
    pub(crate) duration: f64,
    pub(crate) status: CellStatus,
    #[serde(default)]
    pub(crate) masked_secrets: usize,
    /// Bytes of output over `--max-output-bytes` that the record left out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) omitted_output_bytes: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) queries: Vec<QueryRecord>,
    /// The names of the checks this cell stated (the run's `checks` has their verdicts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) checks: Vec<String>,
    /// The names of the actions this cell decided (the run's `actions` has them whole).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) actions: Vec<String>,
    #[serde(flatten)]
    pub(crate) extra: Map<String, Value>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Reads a record from metadata JSON; `None` when it is absent or not a record.
pub(crate) fn read<T: serde::de::DeserializeOwned>(metadata: Option<&Value>) -> Option<T> {
    parse(metadata?).ok()
}

/// Reads a record from metadata JSON, saying why it is not one.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(metadata: &Value) -> Result<T, String> {
    T::deserialize(metadata).map_err(|e| e.to_string())
}

/// An instant as records write it (RFC 3339, milliseconds, `Z`).
pub(crate) fn millis_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A record as metadata JSON.
pub(crate) fn to_value(record: &impl Serialize) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// A window written as `{start, end}`, or as `[start, end]` by versions before 0.2.
fn window_compat<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TimeRange>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Window {
        Range(TimeRange),
        Pair(DateTime<Utc>, DateTime<Utc>),
    }
    Ok(match Option::<Window>::deserialize(d)? {
        Some(Window::Range(range)) => Some(range),
        Some(Window::Pair(start, end)) => Some(TimeRange { start, end }),
        None => None,
    })
}

/// Instants as RFC 3339 with milliseconds and a `Z`, as records have always had them.
mod millis {
    use super::*;

    pub(crate) fn serialize<S: serde::Serializer>(
        t: &DateTime<Utc>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&millis_text(*t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        DateTime::<Utc>::deserialize(d)
    }

    pub(crate) mod option {
        use super::*;

        pub(crate) fn serialize<S: serde::Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            Option::<DateTime<Utc>>::deserialize(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_through_the_same_types() {
        let text = r#"{"run_id": "r-1", "started": "2026-11-26T10:00:00.000Z",
            "finished": "2026-11-26T10:00:05.500Z", "duration": 5.5, "tool_version": "0.1.0",
            "notebook": "nb.ipynb", "status": "check failed",
            "parameters": {"given": {"n": "3"}, "resolved": {"n": 3}},
            "user": "sre", "host": "vm",
            "checks": [{"name": "p99", "verdict": "fail", "observed": "312 ms", "expected": "< 250 ms"}],
            "window": ["2026-11-12T13:30:00Z", "2026-11-12T15:30:00Z"],
            "failures": [], "queries": [], "from_the_future": {"x": 1}}"#;
        let record: RunRecord = serde_json::from_str(text).unwrap();
        assert_eq!(record.status, RunStatus::CheckFailed);
        assert_eq!(record.failed_checks().count(), 1);
        assert_eq!(
            record.window.map(|w| w.to_string()).as_deref(),
            Some("2026-11-12T13:30:00Z .. 2026-11-12T15:30:00Z")
        );
        let back = to_value(&record);
        assert_eq!(back["started"], "2026-11-26T10:00:00.000Z");
        assert_eq!(back["status"], "check failed");
        assert_eq!(back["window"]["start"], "2026-11-12T13:30:00Z");
        assert_eq!(back["from_the_future"]["x"], 1, "unknown fields are kept");
    }

    #[test]
    fn a_cell_record_keeps_its_layout() {
        let cell = CellRecord {
            start_time: "2026-11-26T10:00:00Z".parse().unwrap(),
            end_time: "2026-11-26T10:00:01.250Z".parse().unwrap(),
            duration: 1.25,
            status: CellStatus::Failed,
            masked_secrets: 2,
            omitted_output_bytes: 0,
            queries: Vec::new(),
            checks: Vec::new(),
            actions: Vec::new(),
            extra: Map::new(),
        };
        assert_eq!(
            to_value(&cell),
            serde_json::json!({"start_time": "2026-11-26T10:00:00.000Z",
                "end_time": "2026-11-26T10:00:01.250Z", "duration": 1.25,
                "status": "failed", "masked_secrets": 2})
        );
    }
}
