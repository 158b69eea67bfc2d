//! The local source's log anomaly detector, so `log_anomalies()` answers offline with the
//! result type ListAnomalies gives on CloudWatch. Each event's message is reduced to a
//! pattern by the same tokenizer as Logs Insights' `pattern` command
//! (`playbook_insights::log_pattern`: every word holding a digit becomes `<*>`), and
//! each pattern is counted in 5-minute bins over the window and over as long a stretch
//! before it (the baseline). A pattern is an anomaly when it is seen at least
//! [`MIN_COUNT`] times in the window and never in the baseline (new), or at [`RATIO`]
//! times its baseline rate or more. With no events at all before the window there is no
//! baseline, and no anomaly is claimed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, TimeDelta};
use playbook::model::log_anomalies::{LogAnomalies, LogAnomaly};
use playbook::model::time_range::TimeRange;
use playbook_insights::log_pattern::pattern_of as pattern;

use super::logs::{LogGroup, read_events, streams};
use crate::error::EngineError;

/// The fewest sightings in the window that make an anomaly.
pub const MIN_COUNT: u64 = 5;
/// How many times its baseline rate a pattern must be seen at.
pub const RATIO: f64 = 3.0;
/// The histogram's bin.
const BIN_MS: i64 = 300_000;
/// The most distinct patterns tracked (the rest are counted as one note).
const MAX_PATTERNS: usize = 20_000;

#[derive(Default)]
struct Seen {
    before: u64,
    bins: BTreeMap<i64, u64>,
    first: i64,
    last: i64,
    groups: BTreeSet<String>,
}

/// The anomalies of `groups` in `window`.
pub fn detect(
    groups: &[LogGroup],
    window: TimeRange,
    stop: &AtomicBool,
) -> Result<LogAnomalies, EngineError> {
    let baseline_start = window.start - window.duration();
    let span = TimeRange::new(baseline_start, window.end)?;
    let start_ms = window.start.timestamp_millis();
    let mut seen: HashMap<String, Seen> = HashMap::new();
    let (mut before_total, mut untracked) = (0u64, 0u64);
    for group in groups {
        for stream in streams(group)? {
            read_events(&stream, &span, stop, |at, message| {
                let pattern = pattern(message);
                if seen.len() >= MAX_PATTERNS && !seen.contains_key(&pattern) {
                    untracked += 1;
                    return;
                }
                let s = seen.entry(pattern).or_default();
                if at < start_ms {
                    s.before += 1;
                    before_total += 1;
                    return;
                }
                *s.bins.entry((at - start_ms) / BIN_MS).or_default() += 1;
                s.first = if s.first == 0 { at } else { s.first.min(at) };
                s.last = s.last.max(at);
                s.groups.insert(group.name.clone());
            })?;
        }
    }
    let mut report = LogAnomalies {
        window,
        anomalies: Vec::new(),
        notes: Vec::new(),
    };
    if before_total == 0 {
        report.notes.push(format!(
            "no events before the window ({} .. {}) to compare with: no anomalies claimed",
            playbook::model::time_range::rfc3339(baseline_start),
            playbook::model::time_range::rfc3339(window.start)
        ));
        return Ok(report);
    }
    let ratio_of = |s: &Seen| {
        let during: u64 = s.bins.values().sum();
        (
            during,
            (s.before > 0).then(|| during as f64 / s.before as f64),
        )
    };
    for (pattern, s) in &seen {
        if let Some(anomaly) = classify(pattern, s, ratio_of(s), &window) {
            report.anomalies.push(anomaly);
        }
    }
    if untracked > 0 {
        report.notes.push(format!(
            "{untracked} events past the first {MAX_PATTERNS} patterns were not analysed"
        ));
    }
    report.notes.push(format!(
        "detected locally: patterns seen ≥ {MIN_COUNT} times in the window, new or at ≥ {RATIO}× their rate in the {} before",
        human(window.duration())
    ));
    report.sort();
    Ok(report)
}

fn classify(
    pattern: &str,
    s: &Seen,
    (during, ratio): (u64, Option<f64>),
    window: &TimeRange,
) -> Option<LogAnomaly> {
    if during < MIN_COUNT {
        return None;
    }
    let before = human(window.duration());
    let (priority, description) = match ratio {
        None => (
            "HIGH",
            format!("new: seen {during} times in the window, never in the {before} before it"),
        ),
        Some(r) if r >= RATIO => (
            if r >= 10.0 { "HIGH" } else { "MEDIUM" },
            format!(
                "seen {during} times, {r:.1}× as often as in the {before} before ({} times)",
                s.before
            ),
        ),
        Some(_) => return None,
    };
    let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap_or(window.start);
    Some(LogAnomaly {
        pattern: pattern.to_owned(),
        description,
        priority: Some(priority.to_owned()),
        first_seen: at(s.first),
        last_seen: at(s.last),
        count: during,
        histogram: (s.bins.iter())
            .map(|(bin, n)| (window.start + TimeDelta::milliseconds(bin * BIN_MS), *n))
            .collect(),
        groups: s.groups.iter().cloned().collect(),
    })
}

fn human(d: TimeDelta) -> String {
    match d.num_minutes() {
        m if m % 60 == 0 && m > 0 => format!("{} h", m / 60),
        m if m > 0 => format!("{m} min"),
        _ => format!("{} s", d.num_seconds()),
    }
}
