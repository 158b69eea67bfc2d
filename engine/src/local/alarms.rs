//! Alarms on a local source: definitions in `DIR/alarms.json` (like PutMetricAlarm's
//! input) evaluated over the local metrics the way CloudWatch does — M of N periods
//! breaching puts an alarm in ALARM — giving each alarm's state and its changes in a window.

use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use super::metrics::MetricStore;
use crate::backend::ResolvedMetric;
use crate::error::EngineError;
use playbook::model::alarms::{Alarm, AlarmChange, AlarmReport, AlarmsQuery};
use playbook::model::query::metric;
use playbook::model::time_range::TimeRange;

/// One alarm definition.
#[derive(Debug, Clone, Deserialize)]
pub struct Definition {
    pub name: String,
    pub namespace: String,
    pub metric: String,
    #[serde(default)]
    pub dimensions: std::collections::BTreeMap<String, String>,
    pub stat: String,
    pub period: u32,
    /// `GreaterThanThreshold`, `GreaterThanOrEqualToThreshold`, `LessThanThreshold`,
    /// `LessThanOrEqualToThreshold`.
    pub comparison: String,
    pub threshold: f64,
    pub evaluation_periods: usize,
    #[serde(default)]
    pub datapoints_to_alarm: Option<usize>,
    /// ARNs notified on ALARM (PutMetricAlarm's `AlarmActions`).
    #[serde(default)]
    pub actions: Vec<String>,
}

impl Definition {
    fn breaches(&self, value: f64) -> bool {
        match self.comparison.as_str() {
            "GreaterThanThreshold" => value > self.threshold,
            "GreaterThanOrEqualToThreshold" => value >= self.threshold,
            "LessThanThreshold" => value < self.threshold,
            _ => value <= self.threshold,
        }
    }

    fn condition(&self) -> String {
        let op = match self.comparison.as_str() {
            "GreaterThanThreshold" => ">",
            "GreaterThanOrEqualToThreshold" => ">=",
            "LessThanThreshold" => "<",
            _ => "<=",
        };
        format!(
            "{} {} {} {op} {} for {} of {} × {} s",
            self.namespace,
            self.metric,
            self.stat,
            self.threshold,
            self.datapoints_to_alarm.unwrap_or(self.evaluation_periods),
            self.evaluation_periods,
            self.period
        )
    }
}

/// Reads `alarms.json` (none: no alarms).
pub fn definitions(dir: &Path) -> Result<Vec<Definition>, EngineError> {
    let path = dir.join("alarms.json");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = super::files::read_definitions(&path)?;
    serde_json::from_str(&text).map_err(|e| EngineError::File {
        path,
        message: format!("not a list of alarm definitions: {e}"),
    })
}

/// Evaluates the definitions over `window`.
pub fn evaluate(
    defs: &[Definition],
    store: &MetricStore,
    query: &AlarmsQuery,
    window: TimeRange,
) -> Result<AlarmReport, EngineError> {
    let mut report = AlarmReport {
        window,
        alarms: Vec::new(),
        changes: Vec::new(),
        notes: Vec::new(),
    };
    for def in defs {
        if query
            .prefix
            .as_deref()
            .is_some_and(|p| !def.name.starts_with(p))
        {
            continue;
        }
        let (state, updated, changes) = timeline(def, store, window)?;
        if query.state.as_deref().is_some_and(|s| s != state) {
            continue;
        }
        report.alarms.push(Alarm {
            name: def.name.clone(),
            state: state.to_owned(),
            reason: None,
            condition: def.condition(),
            updated,
            metric: Some(playbook::model::discovery::MetricId {
                account: None,
                namespace: def.namespace.clone(),
                metric: def.metric.clone(),
                dimensions: def.dimensions.clone().into_iter().collect(),
            }),
            actions: def.actions.clone(),
        });
        report.changes.extend(changes);
    }
    report
        .changes
        .sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.alarm.cmp(&b.alarm)));
    Ok(report)
}

/// The state at the end of the window, when it last changed, and the changes in it.
type Timeline = (&'static str, Option<DateTime<Utc>>, Vec<AlarmChange>);

/// Evaluates one alarm over the window.
fn timeline(
    def: &Definition,
    store: &MetricStore,
    window: TimeRange,
) -> Result<Timeline, EngineError> {
    let period = TimeDelta::seconds(i64::from(def.period.max(1)));
    let lookback = period * i32::try_from(def.evaluation_periods.max(1) * 2).unwrap_or(2);
    let span = TimeRange::new(window.start - lookback, window.end)?;
    let mut q = metric(&def.namespace, &def.metric).stat(&def.stat);
    for (k, v) in &def.dimensions {
        q = q.dim(k, v);
    }
    let resolved = ResolvedMetric {
        stat: Some(def.stat.parse()?),
        query: q,
        window: span,
        period: def.period.max(1),
        label: def.name.clone(),
    };
    let series = store
        .query(&resolved)
        .unwrap_or_else(|| playbook::model::series::Series::new(&def.name, None));
    let points: Vec<(DateTime<Utc>, f64)> = series.points().collect();
    let needed = def
        .datapoints_to_alarm
        .unwrap_or(def.evaluation_periods)
        .max(1);
    let mut state = "INSUFFICIENT_DATA";
    let mut updated = None;
    let mut changes = Vec::new();
    let mut bucket = span.start;
    while bucket < window.end {
        let evaluated_at = bucket + period;
        let from = bucket - period * i32::try_from(def.evaluation_periods.max(1) - 1).unwrap_or(0);
        let recent: Vec<f64> = points
            .iter()
            .filter(|(t, _)| *t >= from && *t <= bucket)
            .map(|(_, v)| *v)
            .collect();
        let breaching = recent.iter().filter(|v| def.breaches(**v)).count();
        let next = if recent.is_empty() {
            "INSUFFICIENT_DATA"
        } else if breaching >= needed {
            "ALARM"
        } else {
            "OK"
        };
        if next != state {
            if window.contains(evaluated_at) {
                changes.push(AlarmChange {
                    at: evaluated_at,
                    alarm: def.name.clone(),
                    from: state.to_owned(),
                    to: next.to_owned(),
                    reason: Some(format!(
                        "{breaching} of the last {} datapoints breached {}",
                        recent.len(),
                        def.threshold
                    )),
                });
            }
            if evaluated_at <= window.end {
                updated = Some(evaluated_at);
            }
            state = next;
        }
        bucket += period;
    }
    Ok((state, updated, changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_of_three_breaching_minutes_raise_the_alarm_and_recovery_clears_it() {
        let dir = std::env::temp_dir().join(format!("playbook-alarms-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("metrics")).unwrap();
        let mut csv = String::from("timestamp,namespace,metric,value,Service\n");
        for m in 0..60 {
            let value = if (20..30).contains(&m) || m == 40 {
                5.0
            } else {
                0.5
            };
            csv.push_str(&format!(
                "2026-11-12T14:{m:02}:00Z,App,Latency,{value},checkout\n"
            ));
        }
        std::fs::write(dir.join("metrics/m.csv"), csv).unwrap();
        let store = MetricStore::load(&dir.join("metrics")).unwrap();
        let def: Definition = serde_json::from_str(
            r#"{"name": "latency-high", "namespace": "App", "metric": "Latency", "dimensions": {"Service": "checkout"},
                "stat": "Maximum", "period": 60, "comparison": "GreaterThanThreshold", "threshold": 1.0,
                "evaluation_periods": 3}"#,
        )
        .unwrap();
        let window = TimeRange::parse("2026-11-12T14:10:00Z..2026-11-12T15:00:00Z").unwrap();
        let report = evaluate(&[def], &store, &AlarmsQuery::default(), window).unwrap();
        let changes: Vec<(String, String)> = report
            .changes
            .iter()
            .map(|c| (c.at.format("%H:%M").to_string(), c.to.clone()))
            .collect();
        // Minutes 20, 21, 22 breach: evaluated when 14:22 closes, at 14:23. The lone
        // breach at 40 is not 3 of 3. Recovery: 14:30 is the first good minute, but 28
        // and 29 still breach; 14:30..14:32 all good: OK at 14:31 (2 of 3 good is
        // fewer than 3 breaching).
        assert_eq!(
            changes,
            [
                ("14:23".to_owned(), "ALARM".to_owned()),
                ("14:31".to_owned(), "OK".to_owned())
            ]
        );
        assert_eq!(report.alarms[0].state, "OK");
        assert!(
            report.alarms[0]
                .condition
                .contains("Maximum > 1 for 3 of 3 × 60 s")
        );
        let only_alarm =
            evaluate(&[], &store, &AlarmsQuery::default().state("ALARM"), window).unwrap();
        assert!(only_alarm.alarms.is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
