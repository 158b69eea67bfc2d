//! Top contributors — "who is behind it?": the top-N contributors of a Contributor
//! Insights rule over a window (GetInsightRuleReport), each with its share of the total
//! and its values over time. On a local source the engine evaluates the rule's definition
//! (CloudWatch's rule JSON, `insight-rules/NAME.json`) over the local logs, giving the
//! same result type.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::model::query::{RangeSpec, Windowed};
use crate::model::series::Series;
use crate::model::series_set::SeriesSet;
use crate::model::time_range::TimeRange;

/// The most contributors one report holds (GetInsightRuleReport's `MaxContributorCount`).
pub const MAX_TOP: u32 = 100;
/// Contributors a report holds unless asked (the service's default).
pub const DEFAULT_TOP: u32 = 10;
/// The most points per contributor a default period aims for.
const TARGET_POINTS: i64 = 180;

/// What ranks the contributors: their sum over the window, or their highest value in any
/// one period (GetInsightRuleReport's `OrderBy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContributorOrder {
    #[default]
    Sum,
    Maximum,
}

impl ContributorOrder {
    /// The name the API takes.
    pub fn as_str(self) -> &'static str {
        match self {
            ContributorOrder::Sum => "Sum",
            ContributorOrder::Maximum => "Maximum",
        }
    }
}

impl std::str::FromStr for ContributorOrder {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "sum" => Ok(ContributorOrder::Sum),
            "max" | "maximum" => Ok(ContributorOrder::Maximum),
            other => Err(format!("order `{other}`: write sum or maximum")),
        }
    }
}

/// Which rule, how many contributors, over which window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContributorsQuery {
    pub rule: String,
    pub top: u32,
    #[serde(default)]
    pub order_by: ContributorOrder,
    /// Seconds per point of each contributor's values (default: chosen for the window).
    #[serde(default)]
    pub period: Option<u32>,
    #[serde(default)]
    pub window: Option<RangeSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The top 10 contributors of the Contributor Insights rule `rule`.
pub fn contributors(rule: &str) -> ContributorsQuery {
    ContributorsQuery {
        rule: rule.to_owned(),
        top: DEFAULT_TOP,
        order_by: ContributorOrder::Sum,
        period: None,
        window: None,
        source: None,
    }
}

impl Windowed for ContributorsQuery {
    fn window_mut(&mut self) -> &mut Option<RangeSpec> {
        &mut self.window
    }

    fn source_mut(&mut self) -> &mut Option<String> {
        &mut self.source
    }
}

impl ContributorsQuery {
    /// The top `n` contributors (1 to 100).
    pub fn top(mut self, n: u32) -> Self {
        self.top = n;
        self
    }

    /// Rank by the highest value in one period instead of the sum over the window.
    pub fn order_by(mut self, order: ContributorOrder) -> Self {
        self.order_by = order;
        self
    }

    /// Seconds per point of the contributors' values.
    pub fn period(mut self, seconds: u32) -> Self {
        self.period = Some(seconds);
        self
    }

    /// The query in one line, for the query log.
    pub fn describe(&self) -> String {
        format!(
            "top {} contributors of rule {} by {}",
            self.top,
            self.rule,
            self.order_by.as_str().to_ascii_lowercase()
        )
    }

    /// Checks what the service would refuse, before anything is asked.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.rule.is_empty()
            || self.rule.len() > 128
            || !self.rule.chars().all(|c| (' '..='~').contains(&c))
        {
            return Err(format!(
                "rule name `{}`: a Contributor Insights rule name is 1 to 128 printable ASCII characters",
                self.rule
            ));
        }
        if !(1..=MAX_TOP).contains(&self.top) {
            return Err(format!(
                "top({}): a report holds 1 to {MAX_TOP} contributors",
                self.top
            ));
        }
        Ok(())
    }
}

/// The period of a report over `window`: the one asked for, rounded up to whole minutes;
/// else the shortest of 1, 5, 15 minutes, 1, 6 hours or 1 day giving at most 180 points.
pub fn report_period(requested: Option<u32>, window: &TimeRange) -> u32 {
    if let Some(seconds) = requested.filter(|s| *s > 0) {
        return seconds.div_ceil(60).saturating_mul(60);
    }
    let seconds = window.duration().num_seconds().max(1);
    [60, 300, 900, 3600, 21_600, 86_400]
        .into_iter()
        .find(|p| seconds / i64::from(*p) <= TARGET_POINTS)
        .unwrap_or(86_400)
}

/// One contributor: the values of the rule's keys that identify it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contributor {
    pub keys: Vec<String>,
    /// What it was ranked by: its sum over the window, or its highest value in a period.
    pub value: f64,
    /// Its value in each period it contributed to, oldest first.
    #[serde(default)]
    pub points: Vec<(DateTime<Utc>, f64)>,
}

impl Contributor {
    /// Its keys as one label (`/api/payment · ECONNRESET`).
    pub fn label(&self) -> String {
        self.keys.join(" · ")
    }
}

/// A rule's top contributors over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopContributors {
    pub rule: String,
    pub window: TimeRange,
    pub period: u32,
    /// The names of the rule's keys (one per value of `Contributor::keys`).
    pub key_labels: Vec<String>,
    /// What the rule adds up per contributor: `Count` (matching events) or `Sum` (a field).
    pub aggregation: String,
    pub order_by: ContributorOrder,
    /// The total over every contributor, not only the top ones.
    #[serde(default)]
    pub total: Option<f64>,
    /// How many distinct contributors there were (approximate on CloudWatch).
    #[serde(default)]
    pub unique_contributors: Option<u64>,
    /// Highest value first.
    pub contributors: Vec<Contributor>,
    #[serde(default)]
    pub notes: Vec<String>,
}

impl TopContributors {
    /// Orders the contributors highest value first (then by keys), as results are shown.
    pub fn sort(&mut self) {
        self.contributors.sort_by(|a, b| {
            b.value
                .total_cmp(&a.value)
                .then_with(|| a.keys.cmp(&b.keys))
        });
    }

    /// The contributor with the highest value.
    pub fn first(&self) -> Option<&Contributor> {
        self.contributors.first()
    }

    /// The share of the total `value` is, in percent, when the total is known and the
    /// contributors are ranked by their sums (a highest period is no share of a total).
    pub fn share(&self, value: f64) -> Option<f64> {
        let total = self
            .total
            .filter(|t| *t > 0.0 && self.order_by == ContributorOrder::Sum)?;
        Some(100.0 * value / total)
    }

    /// What each contributor's value is, as the table heads it.
    pub(crate) fn value_label(&self) -> String {
        let what = self.aggregation.to_ascii_lowercase();
        match self.order_by {
            ContributorOrder::Sum => what,
            ContributorOrder::Maximum => format!("highest {what} in a period"),
        }
    }

    /// Each contributor over time, one point per period of the window (0 where it did not
    /// contribute), labelled by its keys.
    pub fn series(&self) -> SeriesSet {
        let step = TimeDelta::seconds(i64::from(self.period.max(1)));
        let first =
            self.window.start.timestamp() - self.window.start.timestamp() % step.num_seconds();
        let mut slots = Vec::new();
        let mut at = DateTime::from_timestamp(first, 0).unwrap_or(self.window.start);
        while at < self.window.end && slots.len() < 100_000 {
            slots.push(at);
            at += step;
        }
        let series = self.contributors.iter().map(|c| {
            let values: std::collections::HashMap<DateTime<Utc>, f64> =
                c.points.iter().copied().collect();
            let mut s = Series::from_points(
                c.label(),
                None,
                slots
                    .iter()
                    .map(|t| (*t, Some(values.get(t).copied().unwrap_or(0.0)))),
            );
            s.query = Some(format!("contributor insights rule {}", self.rule));
            s
        });
        SeriesSet::new(series.collect())
    }

    pub(crate) fn summary(&self) -> String {
        let unique = self
            .unique_contributors
            .map(|n| format!(" of {n}"))
            .unwrap_or_default();
        let ranked = match self.order_by {
            ContributorOrder::Sum => "ranked by their sum",
            ContributorOrder::Maximum => "ranked by their highest period",
        };
        format!(
            "top {}{unique} contributors · rule {} ({}) · {ranked} · {} · period {} s",
            self.contributors.len(),
            self.rule,
            self.aggregation,
            self.window,
            self.period
        )
    }
}

#[cfg(test)]
mod tests;
