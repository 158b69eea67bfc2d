//! The local source's Contributor Insights: a rule's definition (`insight-rules/NAME.json`,
//! CloudWatch's rule syntax) evaluated over the log groups it reads, giving the report
//! GetInsightRuleReport gives — each contributor's value per period, the top N by their
//! sum or their highest period, the total and the number of distinct contributors.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use playbook::model::contributors::{
    Contributor, ContributorOrder, ContributorsQuery, TopContributors,
};
use playbook::model::time_range::TimeRange;

use super::insight_rule::Rule;
use super::logs::{LogGroup, read_events, streams};
use crate::error::EngineError;

/// The most distinct contributors tracked (CloudWatch approximates past its own bound).
const MAX_TRACKED: usize = 100_000;
/// The folder of rule definitions in a local source.
pub const RULES_DIR: &str = "insight-rules";

/// The rule named `name` in `dir`'s `insight-rules/`.
pub fn rule(dir: &Path, name: &str, source: &str) -> Result<Rule, EngineError> {
    let rules = dir.join(RULES_DIR);
    let safe = !name.contains(['/', '\\']) && !name.starts_with('.');
    let path = rules.join(format!("{name}.json"));
    if !safe || !path.is_file() {
        let mut known: Vec<String> = std::fs::read_dir(&rules)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| Some(e.file_name().to_str()?.strip_suffix(".json")?.to_owned()))
            .collect();
        known.sort();
        return Err(EngineError::NotFound {
            what: format!("Contributor Insights rule `{name}`"),
            source_name: source.to_owned(),
            hint: if known.is_empty() {
                format!(
                    " (write its definition, as CloudWatch's rule syntax, to {}/NAME.json)",
                    rules.display()
                )
            } else {
                format!(" (rules there: {})", known.join(", "))
            },
        });
    }
    let text = super::files::read_definitions(&path)?;
    Rule::parse(name, &text, source)
}

/// The report of `rule` over the groups it reads among `groups`.
pub fn evaluate(
    rule: &Rule,
    groups: &[LogGroup],
    query: &ContributorsQuery,
    window: TimeRange,
    period: u32,
    stop: &AtomicBool,
) -> Result<TopContributors, EngineError> {
    let period_ms = i64::from(period.max(1)) * 1000;
    let mut seen: HashMap<Vec<String>, BTreeMap<i64, f64>> = HashMap::new();
    let mut untracked = 0u64;
    let read: Vec<&LogGroup> = groups.iter().filter(|g| rule.reads(&g.name)).collect();
    for group in &read {
        for stream in streams(group)? {
            read_events(&stream, &window, stop, |at, message| {
                let Ok(event) = serde_json::from_str(message) else {
                    return;
                };
                let Some((keys, value)) = rule.apply(&event) else {
                    return;
                };
                if seen.len() >= MAX_TRACKED && !seen.contains_key(&keys) {
                    untracked += 1;
                    return;
                }
                let slot = at.div_euclid(period_ms) * period_ms;
                *seen.entry(keys).or_default().entry(slot).or_default() += value;
            })?;
        }
    }
    let mut report = TopContributors {
        rule: query.rule.clone(),
        window,
        period,
        key_labels: rule.key_labels(),
        aggregation: format!("{:?}", rule.aggregate()),
        order_by: query.order_by,
        total: Some(seen.values().flat_map(|b| b.values()).sum()),
        unique_contributors: Some(seen.len() as u64),
        contributors: seen
            .into_iter()
            .map(|(keys, slots)| contributor(keys, slots, query.order_by))
            .collect(),
        notes: Vec::new(),
    };
    report.sort();
    report.contributors.truncate(query.top as usize);
    if read.is_empty() {
        report.notes.push(format!(
            "rule {} reads none of this source's log groups",
            query.rule
        ));
    }
    if untracked > 0 {
        report.notes.push(format!(
            "more than {MAX_TRACKED} distinct contributors: {untracked} events of further ones were not counted"
        ));
    }
    Ok(report)
}

fn contributor(
    keys: Vec<String>,
    slots: BTreeMap<i64, f64>,
    order: ContributorOrder,
) -> Contributor {
    let value = match order {
        ContributorOrder::Sum => slots.values().sum(),
        ContributorOrder::Maximum => slots.values().copied().fold(0.0, f64::max),
    };
    Contributor {
        keys,
        value,
        points: (slots.into_iter())
            .filter_map(|(ms, v)| Some((chrono::DateTime::from_timestamp_millis(ms)?, v)))
            .collect(),
    }
}

#[cfg(test)]
mod tests;
