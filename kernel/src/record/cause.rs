//! What started a run that no person started: the alarm transition and the routing rule
//! that matched it (`playbook respond`). The record keeps it under `metadata.playbook.cause`
//! and the run summary under `cause`, through these types, so the report and the
//! postmortem read the same fields the responder wrote. Written through the record writer
//! like the rest of the record: the alarm's reason and dimensions are masked there.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a run ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Cause {
    pub(crate) alarm: AlarmTransition,
    pub(crate) rule: MatchedRule,
    /// The transition's idempotency key ([`AlarmTransition::key`]): the same on every
    /// delivery of it, the name of the claim queue workers share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) key: Option<String>,
    /// Other transitions of the alarm within `--debounce` that this run stood for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) absorbed: Vec<Absorbed>,
}

/// A transition a run stood for without running again (a flapping alarm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Absorbed {
    pub(crate) state: AlarmState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) previous_state: Option<AlarmState>,
    pub(crate) time: DateTime<Utc>,
}

impl Cause {
    /// "alarm `latency-p99` entering ALARM at 2026-12-01 12:34:56 UTC (rule `latency`,
    /// responders.yaml line 3)": what the report's header card says started the run.
    pub(crate) fn describe(&self) -> String {
        let rule = match self.rule.line {
            Some(line) => format!("{}, {} line {line}", self.rule.name, self.rule.file),
            None => format!("{}, {}", self.rule.name, self.rule.file),
        };
        format!(
            "alarm {} entering {} at {} (rule {rule})",
            self.alarm.name,
            self.alarm.state.as_str(),
            self.alarm.time.format("%Y-%m-%d %H:%M:%S UTC"),
        )
    }
}

/// A CloudWatch alarm's state change, whichever feed carried it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AlarmTransition {
    pub(crate) name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) arn: Option<String>,
    pub(crate) account: String,
    /// The region's code (`us-east-1`), also when the feed gave its long name.
    pub(crate) region: String,
    pub(crate) state: AlarmState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) previous_state: Option<AlarmState>,
    /// When the alarm changed state.
    pub(crate) time: DateTime<Utc>,
    pub(crate) reason: String,
    pub(crate) kind: AlarmKind,
    /// The metric the alarm watches (a metric-math alarm: the one metric it returns, when
    /// that is a metric; a composite alarm: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) metric: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) dimensions: BTreeMap<String, String>,
    /// Which feed carried it.
    pub(crate) feed: Feed,
}

/// An alarm's state, as CloudWatch writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum AlarmState {
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "ALARM")]
    Alarm,
    #[serde(rename = "INSUFFICIENT_DATA")]
    InsufficientData,
}

impl AlarmTransition {
    /// The alarm's ARN: the event's, else made of its region, account and name (what
    /// CloudWatch names it).
    pub(crate) fn arn(&self) -> String {
        self.arn.clone().unwrap_or_else(|| {
            format!(
                "arn:aws:cloudwatch:{}:{}:alarm:{}",
                self.region, self.account, self.name
            )
        })
    }

    /// The idempotency key of this transition: the alarm's ARN and the time of the state
    /// change (every delivery of one transition, by any feed, carries both).
    pub(crate) fn key(&self) -> String {
        format!(
            "{}@{}",
            self.arn(),
            self.time
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        )
    }
}

impl AlarmState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        }
    }
}

/// What the alarm watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AlarmKind {
    /// One metric.
    Metric,
    /// A metric-math expression over several metrics.
    MetricMath,
    /// A rule over other alarms.
    Composite,
}

/// The feed an alarm transition came by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Feed {
    /// EventBridge's `CloudWatch Alarm State Change`, as EventBridge delivers it.
    Eventbridge,
    /// The same, inside an SNS notification.
    EventbridgeViaSns,
    /// The notification an alarm's SNS action publishes, as SNS delivers it.
    AlarmNotification,
    /// That notification's message alone (a Lambda's or a test's copy).
    AlarmNotificationMessage,
}

/// The rule of the responders file that chose the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MatchedRule {
    pub(crate) name: String,
    /// The responders file, as given.
    pub(crate) file: String,
    /// 1-based line of the rule in the file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<usize>,
}
