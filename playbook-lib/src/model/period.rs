//! CloudWatch's period rules, and the default period for a window.
//!
//! CloudWatch keeps 1-minute data for 15 days, 5-minute data for 63 days and 1-hour data
//! for 455 days, so a GetMetricData call whose start is older than 15 days must use a
//! multiple of 300 s, older than 63 days a multiple of 3600 s; no period exceeds 86,400 s.
//! The default period keeps a window at roughly 300–1,500 points.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::model::time_range::TimeRange;

/// The longest period CloudWatch accepts.
pub const MAX_PERIOD: u32 = 86_400;

/// Periods a default is chosen from (seconds), each a multiple of the one before or a
/// round figure people read easily.
const NICE_PERIODS: [u32; 12] = [
    60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
];

/// The most points a default period aims for.
const TARGET_POINTS: i64 = 1_500;

/// A period as resolved for one query, and why it differs from the request if it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedPeriod {
    pub seconds: u32,
    /// Set when the requested period was changed (or chosen) by a rule.
    pub note: Option<String>,
}

/// Resolves the period for `window`: the requested one if the rules allow it, else the
/// nearest allowed one above it; a default when none was requested. `retention` applies
/// CloudWatch's age rules against `now` (sources holding full-resolution data pass false).
pub fn resolve_period(
    requested: Option<u32>,
    window: &TimeRange,
    now: DateTime<Utc>,
    retention: bool,
) -> ResolvedPeriod {
    let minimum = if retention {
        minimum_for_age(now - window.start)
    } else {
        1
    };
    match requested {
        None => {
            let seconds = default_period(window).max(minimum);
            ResolvedPeriod {
                seconds,
                note: None,
            }
        }
        Some(0) => ResolvedPeriod {
            seconds: default_period(window).max(minimum),
            note: Some("a period of 0 s is not allowed; used the default instead".to_owned()),
        },
        Some(period) => {
            let valid = valid_period(period);
            let seconds = round_up_to(valid, minimum).min(MAX_PERIOD);
            let note = (seconds != period).then(|| {
                let why = if period > MAX_PERIOD {
                    "the longest period is 86400 s".to_owned()
                } else if valid != period {
                    "periods under 60 s must be 1, 5, 10 or 30 s, longer ones multiples of 60 s"
                        .to_owned()
                } else {
                    format!(
                        "data that old is kept at {minimum} s resolution (start is {} days ago)",
                        (now - window.start).num_days()
                    )
                };
                format!("period {period} s adjusted to {seconds} s: {why}")
            });
            ResolvedPeriod { seconds, note }
        }
    }
}

/// The smallest period allowed for data `age` old.
pub fn minimum_for_age(age: TimeDelta) -> u32 {
    if age > TimeDelta::days(63) {
        3600
    } else if age > TimeDelta::days(15) {
        300
    } else {
        1
    }
}

/// The default period for a window: the smallest nice period (at least 60 s) that keeps
/// the window at no more than about 1,500 points.
pub fn default_period(window: &TimeRange) -> u32 {
    let seconds = window.duration().num_seconds().max(1);
    NICE_PERIODS
        .iter()
        .copied()
        .find(|p| seconds / i64::from(*p) <= TARGET_POINTS)
        .unwrap_or(MAX_PERIOD)
}

fn valid_period(period: u32) -> u32 {
    match period {
        0 => 60,
        1 | 5 | 10 | 30 => period,
        p if p < 60 => [5, 10, 30, 60].into_iter().find(|a| *a >= p).unwrap_or(60),
        p => round_up_to(p, 60),
    }
}

fn round_up_to(value: u32, multiple: u32) -> u32 {
    if multiple <= 1 {
        return value;
    }
    value.div_ceil(multiple).saturating_mul(multiple)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(hours: i64, days_ago: i64) -> (TimeRange, DateTime<Utc>) {
        let now = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let end = now - TimeDelta::days(days_ago);
        let range = TimeRange::new(end - TimeDelta::hours(hours), end).unwrap();
        (range, now)
    }

    #[test]
    fn default_period_keeps_points_near_the_target() {
        assert_eq!(default_period(&window(3, 0).0), 60);
        assert_eq!(default_period(&window(24, 0).0), 60);
        assert_eq!(default_period(&window(48, 0).0), 120);
        assert_eq!(default_period(&window(24 * 14, 0).0), 900);
        assert_eq!(default_period(&window(24 * 365, 0).0), 21_600);
    }

    #[test]
    fn recent_data_keeps_the_requested_period() {
        let (range, now) = window(3, 0);
        let period = resolve_period(Some(60), &range, now, true);
        assert_eq!(
            period,
            ResolvedPeriod {
                seconds: 60,
                note: None
            }
        );
        assert_eq!(resolve_period(Some(10), &range, now, true).seconds, 10);
    }

    #[test]
    fn data_older_than_15_days_needs_multiples_of_300() {
        let (range, now) = window(3, 20);
        let period = resolve_period(Some(60), &range, now, true);
        assert_eq!(period.seconds, 300);
        let note = period.note.unwrap();
        assert!(note.contains("period 60 s adjusted to 300 s"), "{note}");
        assert!(note.contains("20 days ago"), "{note}");
        assert_eq!(resolve_period(Some(600), &range, now, true).note, None);
        assert_eq!(resolve_period(None, &range, now, true).seconds, 300);
    }

    #[test]
    fn data_older_than_63_days_needs_multiples_of_3600() {
        let (range, now) = window(3, 70);
        assert_eq!(resolve_period(Some(300), &range, now, true).seconds, 3600);
        assert_eq!(resolve_period(Some(5400), &range, now, true).seconds, 7200);
    }

    #[test]
    fn local_data_ignores_the_age_rules() {
        let (range, now) = window(3, 70);
        assert_eq!(resolve_period(Some(60), &range, now, false).seconds, 60);
    }

    #[test]
    fn invalid_periods_are_rounded_with_a_note() {
        let (range, now) = window(3, 0);
        let period = resolve_period(Some(45), &range, now, true);
        assert_eq!(period.seconds, 60);
        assert!(period.note.unwrap().contains("multiples of 60"));
        assert_eq!(resolve_period(Some(90), &range, now, true).seconds, 120);
        let period = resolve_period(Some(100_000), &range, now, true);
        assert_eq!(period.seconds, MAX_PERIOD);
        assert!(period.note.unwrap().contains("longest period"));
    }
}
