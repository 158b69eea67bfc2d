//! Alarms on CloudWatch: DescribeAlarms (paged, filtered by state and name prefix) and
//! DescribeAlarmHistory for state updates in the window (paged), as an `AlarmReport`.

use aws_sdk_cloudwatch::primitives::DateTime as AwsTime;
use aws_sdk_cloudwatch::types::{AlarmHistoryItem, HistoryItemType, MetricAlarm, StateValue};
use chrono::DateTime;

use super::Shared;
use super::errors::from_sdk;
use super::paging::{Next, Paged, Pager};
use crate::backend::Outcome;
use crate::error::EngineError;
use playbook::model::alarms::{Alarm, AlarmChange, AlarmReport, AlarmsQuery};
use playbook::model::discovery::MetricId;
use playbook::model::time_range::TimeRange;

/// Pages either call may follow.
const MAX_PAGES: u32 = 100;
/// The engine's own pace for these calls (DescribeAlarms' quota is 9 TPS).
const ALARM_TPS: f64 = 5.0;

/// The alarms and their state changes in `window`.
pub async fn report(
    shared: &Shared,
    query: &AlarmsQuery,
    window: TimeRange,
) -> Result<Outcome<AlarmReport>, EngineError> {
    let mut alarms = Vec::new();
    let mut pager = Pager::new(shared, "DescribeAlarms", MAX_PAGES);
    while let Some(token) = pager.next_page()? {
        shared.quotas.logs_calls.acquire(ALARM_TPS).await;
        let response = shared
            .metrics
            .describe_alarms()
            .set_state_value(query.state.as_deref().map(StateValue::from))
            .set_alarm_name_prefix(query.prefix.clone())
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| from_sdk("DescribeAlarms", "9 TPS", e))?;
        alarms.extend(response.metric_alarms().iter().map(alarm));
        pager.then(Next::after(response.next_token()));
    }
    let described = pager.finish();
    let mut notes = Vec::new();
    if !described.complete {
        notes.push(format!(
            "more than {} alarms: only the first {MAX_PAGES} pages are shown; narrow with a prefix or a state",
            alarms.len()
        ));
    }
    let (changes, history) = history(shared, query, window, &mut notes).await?;
    let mut outcome = Outcome::new(
        AlarmReport {
            window,
            alarms,
            changes,
            notes: Vec::new(),
        },
        described.calls + history.calls,
    );
    outcome.notes = notes;
    Ok(outcome)
}

/// The alarms' state changes in `window`, oldest first. The alarms are still worth
/// showing without their history, so a failure here is a note, not an error.
async fn history(
    shared: &Shared,
    query: &AlarmsQuery,
    window: TimeRange,
    notes: &mut Vec<String>,
) -> Result<(Vec<AlarmChange>, Paged), EngineError> {
    let mut changes = Vec::new();
    let mut pager = Pager::new(shared, "DescribeAlarmHistory", MAX_PAGES);
    while let Some(token) = pager.next_page()? {
        shared.quotas.logs_calls.acquire(ALARM_TPS).await;
        let response = shared
            .metrics
            .describe_alarm_history()
            .history_item_type(HistoryItemType::StateUpdate)
            .start_date(AwsTime::from_secs(window.start.timestamp()))
            .end_date(AwsTime::from_secs(window.end.timestamp()))
            .set_next_token(token)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                notes.push(format!(
                    "the alarm history is missing: {}",
                    from_sdk("DescribeAlarmHistory", "", error)
                ));
                pager.then(Next::Done);
                continue;
            }
        };
        let prefix = query.prefix.as_deref();
        changes.extend(
            response
                .alarm_history_items()
                .iter()
                .filter_map(change)
                .filter(|c| prefix.is_none_or(|p| c.alarm.starts_with(p))),
        );
        pager.then(Next::after(response.next_token()));
    }
    let paged = pager.finish();
    if !paged.complete {
        notes.push(format!(
            "the alarm history has more than {MAX_PAGES} pages: later changes are missing; narrow the window"
        ));
    }
    changes.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.alarm.cmp(&b.alarm)));
    Ok((changes, paged))
}

/// One history item as a state change, when it names an alarm and a time.
fn change(item: &AlarmHistoryItem) -> Option<AlarmChange> {
    let (name, at) = (item.alarm_name()?, item.timestamp()?);
    let at = DateTime::from_timestamp(at.secs(), at.subsec_nanos())?;
    let (from, to, reason) = states(item.history_data(), item.history_summary());
    Some(AlarmChange {
        at,
        alarm: name.to_owned(),
        from,
        to,
        reason,
    })
}

fn alarm(a: &MetricAlarm) -> Alarm {
    let op = a.comparison_operator().map(|c| match c.as_str() {
        "GreaterThanThreshold" => ">",
        "GreaterThanOrEqualToThreshold" => ">=",
        "LessThanThreshold" => "<",
        "LessThanOrEqualToThreshold" => "<=",
        other => other,
    });
    let stat = a
        .extended_statistic()
        .map(str::to_owned)
        .or_else(|| a.statistic().map(|s| s.as_str().to_owned()))
        .unwrap_or_default();
    let condition = match (a.namespace(), a.metric_name()) {
        (Some(ns), Some(m)) => format!(
            "{ns} {m} {stat} {} {} for {} of {} × {} s",
            op.unwrap_or("?"),
            a.threshold().map(|t| t.to_string()).unwrap_or_default(),
            a.datapoints_to_alarm()
                .or(a.evaluation_periods())
                .unwrap_or(1),
            a.evaluation_periods().unwrap_or(1),
            a.period().unwrap_or(60)
        ),
        _ => "metric math / composite".to_owned(),
    };
    Alarm {
        name: a.alarm_name().unwrap_or_default().to_owned(),
        state: a
            .state_value()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        reason: a.state_reason().map(str::to_owned),
        condition,
        updated: a
            .state_updated_timestamp()
            .and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos())),
        metric: match (a.namespace(), a.metric_name()) {
            (Some(namespace), Some(metric)) => Some(MetricId {
                account: None,
                namespace: namespace.to_owned(),
                metric: metric.to_owned(),
                dimensions: a
                    .dimensions()
                    .iter()
                    .map(|d| {
                        let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
                        (text(d.name()), text(d.value()))
                    })
                    .collect(),
            }),
            _ => None,
        },
        actions: a.alarm_actions().to_vec(),
    }
}

/// Old and new state (and the reason) from a history item's JSON data, else its summary
/// ("Alarm updated from OK to ALARM").
pub fn states(data: Option<&str>, summary: Option<&str>) -> (String, String, Option<String>) {
    if let Some(json) = data.and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()) {
        let state = |key: &str| json[key]["stateValue"].as_str().map(str::to_owned);
        if let (Some(from), Some(to)) = (state("oldState"), state("newState")) {
            let reason = json["newState"]["stateReason"].as_str().map(str::to_owned);
            return (from, to, reason);
        }
    }
    let summary = summary.unwrap_or_default();
    let after = summary.split(" from ").nth(1).unwrap_or_default();
    let mut parts = after.split(" to ");
    let from = parts.next().unwrap_or("?").trim().to_owned();
    let to = parts.next().unwrap_or("?").trim().to_owned();
    (from, to, Some(summary.to_owned()).filter(|s| !s.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_items_give_old_and_new_state() {
        let data = r#"{"version":"1.0","oldState":{"stateValue":"OK"},"newState":{"stateValue":"ALARM","stateReason":"Threshold Crossed"}}"#;
        assert_eq!(
            states(Some(data), None),
            (
                "OK".into(),
                "ALARM".into(),
                Some("Threshold Crossed".into())
            )
        );
        let (from, to, _) = states(None, Some("Alarm updated from ALARM to OK"));
        assert_eq!((from.as_str(), to.as_str()), ("ALARM", "OK"));
    }
}
