//! Log anomalies — "what is unusual in the logs?": the patterns CloudWatch Logs' anomaly
//! detectors flagged in a window (ListAnomalies), each with how often it was seen, when,
//! in which log groups, and how unusual it is. On a local source the engine detects them
//! itself over the group's events (a pattern new in the window, or seen far more often
//! than before it), giving the same result type.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::query::{RangeSpec, Windowed};
use crate::model::time_range::TimeRange;

/// Which anomalies to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogAnomaliesQuery {
    /// Only anomalies in these log groups (none: every group the detectors watch; a local
    /// source needs at least one).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Only this detector's anomalies (its ARN; CloudWatch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detector: Option<String>,
    #[serde(default)]
    pub window: Option<RangeSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Every anomaly of the window (see the builder methods to narrow it down).
pub fn log_anomalies() -> LogAnomaliesQuery {
    LogAnomaliesQuery::default()
}

impl Windowed for LogAnomaliesQuery {
    fn window_mut(&mut self) -> &mut Option<RangeSpec> {
        &mut self.window
    }

    fn source_mut(&mut self) -> &mut Option<String> {
        &mut self.source
    }
}

impl LogAnomaliesQuery {
    /// Only anomalies found in log group `name`.
    pub fn group(mut self, name: &str) -> Self {
        self.groups.push(name.to_owned());
        self
    }

    /// Only the anomalies of the detector with this ARN.
    pub fn detector(mut self, arn: &str) -> Self {
        self.detector = Some(arn.to_owned());
        self
    }

    /// The query in one line, for the query log.
    pub fn describe(&self) -> String {
        let mut text = "log anomalies".to_owned();
        if !self.groups.is_empty() {
            text.push_str(&format!(" in {}", self.groups.join(", ")));
        }
        if let Some(arn) = &self.detector {
            text.push_str(&format!(" of {arn}"));
        }
        text
    }
}

/// One unusual pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogAnomaly {
    /// The pattern, variable parts shown as `<*>`.
    pub pattern: String,
    /// What is unusual about it (the service's words, or the local detector's).
    pub description: String,
    /// `HIGH`, `MEDIUM`, `LOW`, when known.
    #[serde(default)]
    pub priority: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Times seen inside the window.
    pub count: u64,
    /// Counts over time inside the window, oldest first.
    #[serde(default)]
    pub histogram: Vec<(DateTime<Utc>, u64)>,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// The anomalies of a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogAnomalies {
    pub window: TimeRange,
    /// Most seen first.
    pub anomalies: Vec<LogAnomaly>,
    #[serde(default)]
    pub notes: Vec<String>,
}

impl LogAnomalies {
    /// Orders the anomalies most seen first (then by pattern), as results are shown.
    pub fn sort(&mut self) {
        self.anomalies.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.pattern.cmp(&b.pattern))
        });
    }
}

/// The histogram's counts that fall in `window`, and their sum.
pub fn in_window(
    histogram: &[(DateTime<Utc>, u64)],
    window: &TimeRange,
) -> (Vec<(DateTime<Utc>, u64)>, u64) {
    let kept: Vec<(DateTime<Utc>, u64)> = histogram
        .iter()
        .filter(|(at, _)| *at >= window.start && *at < window.end)
        .copied()
        .collect();
    let total = kept.iter().map(|(_, n)| n).sum();
    (kept, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Render;

    #[test]
    fn counts_inside_the_window_and_the_table_shows_them() {
        let window = TimeRange::parse("2026-11-12T14:00:00Z..2026-11-12T15:00:00Z").unwrap();
        let at = |m: i64| window.start + chrono::TimeDelta::minutes(m);
        let (kept, total) = in_window(
            &[(at(-5), 9), (at(0), 3), (at(55), 4), (at(60), 7)],
            &window,
        );
        assert_eq!((kept.len(), total), (2, 7));
        let mut report = LogAnomalies {
            window,
            anomalies: vec![
                LogAnomaly {
                    pattern: "ERROR <*> ms".into(),
                    description: "new".into(),
                    priority: Some("HIGH".into()),
                    first_seen: at(0),
                    last_seen: at(55),
                    count: total,
                    histogram: kept,
                    groups: vec!["/ecs/checkout".into()],
                },
                LogAnomaly {
                    pattern: "WARN <*>".into(),
                    description: "3x".into(),
                    priority: None,
                    first_seen: at(1),
                    last_seen: at(2),
                    count: 40,
                    histogram: Vec::new(),
                    groups: Vec::new(),
                },
            ],
            notes: Vec::new(),
        };
        report.sort();
        assert_eq!(report.anomalies[0].pattern, "WARN <*>");
        let bundle = report.bundle();
        assert!(
            bundle.data["text/plain"]
                .as_str()
                .unwrap()
                .starts_with("2 log anomalies")
        );
        assert!(
            bundle.data["text/html"]
                .as_str()
                .unwrap()
                .contains("<code>ERROR &lt;*&gt; ms</code>")
        );
    }
}
