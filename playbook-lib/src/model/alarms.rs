//! Alarms and their state changes in a window — the alarm timeline of an incident
//! (DescribeAlarms and DescribeAlarmHistory on CloudWatch; alarm definitions evaluated
//! over the metrics on a local source).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::query::{RangeSpec, Windowed};
use crate::model::time_range::TimeRange;

/// Which alarms to ask about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlarmsQuery {
    /// Only alarms in this state now (`OK`, `ALARM`, `INSUFFICIENT_DATA`).
    #[serde(default)]
    pub state: Option<String>,
    /// Only alarms whose names start with this.
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub window: Option<RangeSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Every alarm (see the builder methods to narrow it down).
pub fn alarms() -> AlarmsQuery {
    AlarmsQuery::default()
}

impl Windowed for AlarmsQuery {
    fn window_mut(&mut self) -> &mut Option<RangeSpec> {
        &mut self.window
    }

    fn source_mut(&mut self) -> &mut Option<String> {
        &mut self.source
    }
}

impl AlarmsQuery {
    /// Only alarms in `state` now.
    pub fn state(mut self, state: &str) -> Self {
        self.state = Some(state.to_ascii_uppercase());
        self
    }

    /// Only alarms whose names start with `prefix`.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = Some(prefix.to_owned());
        self
    }

    /// The query in one line, for the query log (`alarms in ALARM named checkout-*`).
    pub fn describe(&self) -> String {
        if self.state.is_none() && self.prefix.is_none() {
            return "all alarms".to_owned();
        }
        let mut text = "alarms".to_owned();
        if let Some(state) = &self.state {
            text.push_str(&format!(" in {state}"));
        }
        if let Some(prefix) = &self.prefix {
            text.push_str(&format!(" named {prefix}*"));
        }
        text
    }
}

/// An alarm as it stands at the end of the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub name: String,
    pub state: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// `AWS/ApplicationELB TargetResponseTime p99 > 1` and the like.
    pub condition: String,
    #[serde(default)]
    pub updated: Option<DateTime<Utc>>,
    /// The metric it watches (none for metric math and composite alarms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<crate::model::discovery::MetricId>,
    /// What it does on entering ALARM (SNS topics, Auto Scaling, … ARNs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
}

/// One state change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmChange {
    pub at: DateTime<Utc>,
    pub alarm: String,
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Alarms and their timeline in a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmReport {
    pub window: TimeRange,
    pub alarms: Vec<Alarm>,
    /// State changes in the window, oldest first.
    pub changes: Vec<AlarmChange>,
    #[serde(default)]
    pub notes: Vec<String>,
}

impl AlarmReport {
    /// When `alarm` first went into ALARM in the window.
    pub fn first_alarm(&self, alarm: &str) -> Option<DateTime<Utc>> {
        self.changes
            .iter()
            .find(|c| c.alarm == alarm && c.to == "ALARM")
            .map(|c| c.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Render;
    use crate::render::chart::LineChart;

    fn report() -> AlarmReport {
        let window = TimeRange::parse("2026-11-12T13:30:00Z..2026-11-12T15:30:00Z").unwrap();
        AlarmReport {
            window,
            alarms: vec![Alarm {
                name: "checkout-p99".into(),
                state: "OK".into(),
                reason: None,
                condition: "TargetResponseTime p99 > 1".into(),
                updated: None,
                metric: None,
                actions: Vec::new(),
            }],
            changes: vec![
                AlarmChange {
                    at: window.start + chrono::TimeDelta::minutes(42),
                    alarm: "checkout-p99".into(),
                    from: "OK".into(),
                    to: "ALARM".into(),
                    reason: None,
                },
                AlarmChange {
                    at: window.start + chrono::TimeDelta::minutes(80),
                    alarm: "checkout-p99".into(),
                    from: "ALARM".into(),
                    to: "OK".into(),
                    reason: None,
                },
            ],
            notes: Vec::new(),
        }
    }

    #[test]
    fn the_timeline_renders_and_annotates() {
        let r = report();
        let text = r.bundle().data["text/plain"].as_str().unwrap().to_owned();
        assert!(
            text.contains("2026-11-12T14:12:00Z  checkout-p99: OK → ALARM"),
            "{text}"
        );
        assert_eq!(
            r.first_alarm("checkout-p99"),
            Some(r.window.start + chrono::TimeDelta::minutes(42))
        );
        let series = crate::model::series::Series::from_points(
            "p99",
            None,
            (0..120).map(|m| (r.window.start + chrono::TimeDelta::minutes(m), Some(1.0))),
        );
        let svg = r.annotate(LineChart::new("x").series(series)).svg();
        assert!(svg.contains("checkout-p99 → ALARM"), "{svg}");
    }
}
