//! An alarm event as the feeds deliver it, read into one [`AlarmTransition`]:
//! - EventBridge's `CloudWatch Alarm State Change` event, raw or inside an SNS
//!   notification (`Type: Notification`, the event a JSON string in `Message`);
//! - the notification an alarm's SNS action publishes (`AlarmName`, `NewStateValue`,
//!   `StateChangeTime`, `Region` as a long name, `Trigger` …), raw or inside SNS.
//!
//! Typed throughout; what is wrong is said with the field and what was expected. Metric
//! math: the namespace, metric and dimensions every metric of the expression shares (a
//! `5xx / requests` alarm over one load balancer keeps its namespace and `LoadBalancer`).
//! Composite alarms watch no metric: rules match them by name and state. The text is
//! bounded by the configuration limit and JSON nesting by serde_json's recursion limit.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use playbook_engine::limits::MAX_CONFIG_BYTES;
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::regions;
use crate::record::cause::{AlarmKind, AlarmState, AlarmTransition, Feed};

/// Why an event is not an alarm transition this responder can act on.
#[derive(Debug, thiserror::Error)]
#[error("not a CloudWatch alarm event: {0}")]
pub(crate) struct EventError(String);

fn err(why: impl Into<String>) -> EventError {
    EventError(why.into())
}

/// What tells the feeds apart.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "Type")]
    sns_type: Option<String>,
    #[serde(rename = "detail-type")]
    detail_type: Option<IgnoredAny>,
    #[serde(rename = "AlarmName")]
    alarm_name: Option<IgnoredAny>,
}

/// An SNS notification as SNS delivers it to SQS, HTTP or Lambda.
#[derive(Deserialize)]
struct SnsNotification {
    #[serde(rename = "Message")]
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct EventBridgeEvent {
    detail_type: String,
    account: String,
    time: String,
    region: String,
    #[serde(default)]
    resources: Vec<String>,
    detail: Detail,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Detail {
    alarm_name: String,
    state: StateBlock,
    previous_state: Option<StateBlock>,
    #[serde(default)]
    configuration: Configuration,
}

#[derive(Deserialize)]
struct StateBlock {
    value: AlarmState,
    #[serde(default)]
    reason: String,
    timestamp: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Configuration {
    #[serde(default)]
    metrics: Vec<MetricQuery>,
    alarm_rule: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetricQuery {
    metric_stat: Option<MetricStat>,
}

#[derive(Deserialize)]
struct MetricStat {
    metric: EventMetric,
}

#[derive(Deserialize)]
struct EventMetric {
    namespace: String,
    name: String,
    #[serde(default)]
    dimensions: BTreeMap<String, String>,
}

/// The notification an alarm's SNS action publishes.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AlarmNotification {
    alarm_name: String,
    alarm_arn: Option<String>,
    #[serde(rename = "AWSAccountId")]
    aws_account_id: String,
    new_state_value: AlarmState,
    old_state_value: Option<AlarmState>,
    #[serde(default)]
    new_state_reason: String,
    state_change_time: String,
    region: String,
    trigger: Option<Trigger>,
    alarm_rule: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Trigger {
    metric_name: Option<String>,
    namespace: Option<String>,
    #[serde(default)]
    dimensions: Vec<Dimension>,
    #[serde(default)]
    metrics: Vec<TriggerMetric>,
}

/// A dimension as the notification writes it (lower-case keys).
#[derive(Deserialize)]
struct Dimension {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TriggerMetric {
    metric_stat: Option<TriggerStat>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TriggerStat {
    metric: TriggerStatMetric,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TriggerStatMetric {
    namespace: String,
    metric_name: String,
    #[serde(default)]
    dimensions: Vec<Dimension>,
}

/// The metric part of a transition: its kind, namespace, metric and dimensions.
type Watched = (
    AlarmKind,
    Option<String>,
    Option<String>,
    BTreeMap<String, String>,
);

/// Reads one event, whichever feed carried it.
pub(crate) fn parse(text: &str) -> Result<AlarmTransition, EventError> {
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(err(format!(
            "{} bytes: an event is at most {MAX_CONFIG_BYTES} bytes",
            text.len()
        )));
    }
    if !text.trim_start().starts_with('{') {
        return Err(err("the event: expected a JSON object"));
    }
    let probe: Probe = from_json(text, "the event")?;
    if probe.sns_type.is_some() {
        if probe.sns_type.as_deref() != Some("Notification") {
            return Err(err(format!(
                "SNS message of Type `{}`: expected `Notification` (a subscription \
                 confirmation is for the subscriber, not the responder)",
                probe.sns_type.unwrap_or_default()
            )));
        }
        let sns: SnsNotification = from_json(text, "the SNS notification")?;
        if !sns.message.trim_start().starts_with('{') {
            return Err(err(
                "the SNS notification's Message: expected a JSON object",
            ));
        }
        let inner: Probe = from_json(&sns.message, "the SNS notification's Message")?;
        return match (inner.detail_type, inner.alarm_name) {
            (Some(_), _) => eventbridge(&sns.message, Feed::EventbridgeViaSns),
            (None, Some(_)) => notification(&sns.message, Feed::AlarmNotification),
            (None, None) => Err(err(
                "the SNS notification's Message has neither `detail-type` (an EventBridge \
                 event) nor `AlarmName` (an alarm's notification)",
            )),
        };
    }
    match (probe.detail_type, probe.alarm_name) {
        (Some(_), _) => eventbridge(text, Feed::Eventbridge),
        (None, Some(_)) => notification(text, Feed::AlarmNotificationMessage),
        (None, None) => Err(err(
            "expected an EventBridge event (`detail-type`), an alarm's notification \
             (`AlarmName`) or either inside an SNS notification (`Type`, `Message`)",
        )),
    }
}

fn from_json<'a, T: Deserialize<'a>>(text: &'a str, what: &str) -> Result<T, EventError> {
    serde_json::from_str(text).map_err(|e| err(format!("{what}: {e}")))
}

fn eventbridge(text: &str, feed: Feed) -> Result<AlarmTransition, EventError> {
    let event: EventBridgeEvent = from_json(text, "the EventBridge event")?;
    if event.detail_type != "CloudWatch Alarm State Change" {
        return Err(err(format!(
            "detail-type `{}`: expected `CloudWatch Alarm State Change`",
            event.detail_type
        )));
    }
    let detail = event.detail;
    let time = match &detail.state.timestamp {
        Some(stamp) => time_of(stamp, "detail.state.timestamp")?,
        None => time_of(&event.time, "time")?,
    };
    let arn = (event.resources.into_iter()).find(|r| r.contains(":alarm:"));
    let config = detail.configuration;
    let stats: Vec<(String, String, BTreeMap<String, String>)> = (config.metrics.iter())
        .filter_map(|m| m.metric_stat.as_ref())
        .map(|s| {
            let m = &s.metric;
            (m.namespace.clone(), m.name.clone(), m.dimensions.clone())
        })
        .collect();
    let watched = watched(config.metrics.len(), stats, config.alarm_rule.is_some());
    Ok(transition(
        detail.alarm_name,
        arn,
        event.account,
        region_code(&event.region, "region")?,
        (detail.state.value, detail.previous_state.map(|s| s.value)),
        time,
        detail.state.reason,
        watched,
        feed,
    ))
}

fn notification(text: &str, feed: Feed) -> Result<AlarmTransition, EventError> {
    let n: AlarmNotification = from_json(text, "the alarm notification")?;
    let time = time_of(&n.state_change_time, "StateChangeTime")?;
    // The ARN names the region by its code; `Region` by its long name.
    let region = match n.alarm_arn.as_deref().and_then(|a| a.split(':').nth(3)) {
        Some(code) if !code.is_empty() => region_code(code, "AlarmArn")?,
        _ => region_code(&n.region, "Region")?,
    };
    let dims = |d: Vec<Dimension>| d.into_iter().map(|d| (d.name, d.value)).collect();
    let watched = match n.trigger {
        Some(t) if t.metrics.is_empty() => {
            let kind = if t.metric_name.is_some() {
                AlarmKind::Metric
            } else {
                AlarmKind::Composite
            };
            (kind, t.namespace, t.metric_name, dims(t.dimensions))
        }
        Some(t) => {
            let count = t.metrics.len();
            let stats = (t.metrics.into_iter())
                .filter_map(|m| m.metric_stat)
                .map(|s| {
                    (
                        s.metric.namespace,
                        s.metric.metric_name,
                        dims(s.metric.dimensions),
                    )
                })
                .collect();
            watched(count, stats, false)
        }
        None if n.alarm_rule.is_some() => watched(0, Vec::new(), true),
        None => {
            return Err(err(
                "the alarm notification has no `Trigger` (the metric) and no `AlarmRule` \
                 (a composite alarm)",
            ));
        }
    };
    Ok(transition(
        n.alarm_name,
        n.alarm_arn,
        n.aws_account_id,
        region,
        (n.new_state_value, n.old_state_value),
        time,
        n.new_state_reason,
        watched,
        feed,
    ))
}

#[allow(clippy::too_many_arguments)]
fn transition(
    name: String,
    arn: Option<String>,
    account: String,
    region: String,
    (state, previous_state): (AlarmState, Option<AlarmState>),
    time: DateTime<Utc>,
    reason: String,
    (kind, namespace, metric, dimensions): Watched,
    feed: Feed,
) -> AlarmTransition {
    AlarmTransition {
        name,
        arn,
        account,
        region,
        state,
        previous_state,
        time,
        reason,
        kind,
        namespace,
        metric,
        dimensions,
        feed,
    }
}

/// What an alarm of `queries` metric queries (their metric stats `stats`) watches: one
/// metric, or what every metric of an expression shares, or nothing (composite).
fn watched(
    queries: usize,
    stats: Vec<(String, String, BTreeMap<String, String>)>,
    composite: bool,
) -> Watched {
    if composite && stats.is_empty() {
        return (AlarmKind::Composite, None, None, BTreeMap::new());
    }
    let kind = if queries <= 1 {
        AlarmKind::Metric
    } else {
        AlarmKind::MetricMath
    };
    let mut stats = stats.into_iter();
    let Some((namespace, metric, mut dimensions)) = stats.next() else {
        return (kind, None, None, BTreeMap::new());
    };
    let (mut namespace, mut metric) = (Some(namespace), Some(metric));
    for (ns, m, dims) in stats {
        namespace = namespace.filter(|n| *n == ns);
        metric = metric.filter(|n| *n == m);
        dimensions.retain(|k, v| dims.get(k) == Some(v));
    }
    (kind, namespace, metric, dimensions)
}

/// An instant as the feeds write it: RFC 3339, or CloudWatch's `…T17:04:40.989+0000`.
fn time_of(text: &str, field: &str) -> Result<DateTime<Utc>, EventError> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            err(format!(
                "{field} `{}`: expected a time such as 2019-10-02T17:04:40.989+0000",
                shorten(text)
            ))
        })
}

fn region_code(text: &str, field: &str) -> Result<String, EventError> {
    regions::code(text).ok_or_else(|| {
        err(format!(
            "{field} `{}`: expected a region such as us-east-1 or \"US East (N. Virginia)\"",
            shorten(text)
        ))
    })
}

/// At most 80 characters of user text in a message.
fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(80).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
