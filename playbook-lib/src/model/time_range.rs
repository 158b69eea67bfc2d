//! Time windows: absolute ranges, and the relative forms people type during an incident
//! (`3h`, `last 3h`, `now-90m`, `around T ±30m`), always resolved once to absolute UTC
//! instants so the record says the exact window.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};

/// An absolute window `[start, end)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl TimeRange {
    /// The window `[start, end)`; `start` must be before `end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<TimeRange> {
        if start >= end {
            return Err(Error::InvalidInput(format!(
                "the window's start ({}) must be before its end ({})",
                rfc3339(start),
                rfc3339(end)
            )));
        }
        Ok(TimeRange { start, end })
    }

    /// The last `duration` up to now (reaching back at most to the earliest date chrono
    /// can represent).
    pub fn last(duration: TimeDelta) -> TimeRange {
        let end = Utc::now();
        TimeRange {
            start: shift(end, -duration),
            end,
        }
    }

    /// `duration` either side of `instant` (an incident time, a deploy).
    pub fn around(instant: DateTime<Utc>, duration: TimeDelta) -> TimeRange {
        TimeRange {
            start: shift(instant, -duration),
            end: shift(instant, duration),
        }
    }

    /// Parses a window relative to now: see [`TimeRange::parse_at`].
    pub fn parse(spec: &str) -> Result<TimeRange> {
        TimeRange::parse_at(spec, Utc::now())
    }

    /// Parses a window, resolving relative parts against `now`:
    /// - a duration (`3h`, `last 3h`, `90m`, `1h30m`, `2d`, `1w`): the last that long;
    /// - `START..END` or `START/END`, each an instant ([`parse_instant_at`]);
    /// - `around INSTANT ±DURATION` (also `+-` or `+/-`).
    pub fn parse_at(spec: &str, now: DateTime<Utc>) -> Result<TimeRange> {
        let spec = spec.trim();
        if let Some(rest) = spec.strip_prefix("around ") {
            let (instant, width) = rest
                .split_once('±')
                .or_else(|| rest.split_once("+/-"))
                .or_else(|| rest.split_once("+-"))
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "`{spec}`: write `around INSTANT ±DURATION`, e.g. `around 2026-11-12T14:05:00Z ±30m`"
                    ))
                })?;
            let instant = parse_instant_at(instant.trim(), now)?;
            let width = parse_duration(width.trim())?;
            return TimeRange::new(
                checked(spec, instant, -width)?,
                checked(spec, instant, width)?,
            );
        }
        for separator in ["..", "/"] {
            if let Some((start, end)) = spec.split_once(separator) {
                let start = parse_instant_at(start.trim(), now)?;
                let end = parse_instant_at(end.trim(), now)?;
                return TimeRange::new(start, end);
            }
        }
        let duration = spec.strip_prefix("last").map(str::trim).unwrap_or(spec);
        let duration = parse_duration(duration).map_err(|_| {
            Error::InvalidInput(format!(
                "`{spec}` is not a window: use a duration (`3h`, `last 90m`), \
                 `START..END` (RFC 3339 or `now-2h`), or `around INSTANT ±30m`"
            ))
        })?;
        Ok(TimeRange {
            start: checked(spec, now, -duration)?,
            end: now,
        })
    }

    /// The same window shifted by `by` (negative: earlier), e.g. a week-ago baseline.
    pub fn shifted(&self, by: TimeDelta) -> TimeRange {
        TimeRange {
            start: shift(self.start, by),
            end: shift(self.end, by),
        }
    }

    /// How long the window is.
    pub fn duration(&self) -> TimeDelta {
        self.end - self.start
    }

    /// Whether `instant` is inside `[start, end)`.
    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        instant >= self.start && instant < self.end
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} .. {}", rfc3339(self.start), rfc3339(self.end))
    }
}

/// `instant + by`, held at the earliest or latest date chrono can represent.
fn shift(instant: DateTime<Utc>, by: TimeDelta) -> DateTime<Utc> {
    instant
        .checked_add_signed(by)
        .unwrap_or(if by < TimeDelta::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
}

/// `instant + by`, or an error naming `spec` when that date cannot exist.
fn checked(spec: &str, instant: DateTime<Utc>, by: TimeDelta) -> Result<DateTime<Utc>> {
    instant.checked_add_signed(by).ok_or_else(|| {
        Error::InvalidInput(format!(
            "`{spec}` reaches beyond the dates that can be represented: give a shorter window"
        ))
    })
}

/// An instant as RFC 3339 UTC with a `Z` and no sub-second digits unless needed.
pub fn rfc3339(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Parses a duration: `30s`, `90m`, `3h`, `2d`, `1w`, combinations like `1h30m`, and a
/// leading `-` for negative durations.
pub fn parse_duration(text: &str) -> Result<TimeDelta> {
    let bad = || {
        Error::InvalidInput(format!(
            "`{text}` is not a duration: write a number and a unit (s, m, h, d, w), e.g. `90m` or `1h30m`"
        ))
    };
    let trimmed = text.trim();
    let (negative, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    if body.is_empty() {
        return Err(bad());
    }
    let mut total = TimeDelta::zero();
    let mut digits = String::new();
    for c in body.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let amount: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        let part = match c {
            's' => TimeDelta::try_seconds(amount),
            'm' => TimeDelta::try_minutes(amount),
            'h' => TimeDelta::try_hours(amount),
            'd' => TimeDelta::try_days(amount),
            'w' => TimeDelta::try_weeks(amount),
            _ => None,
        }
        .ok_or_else(bad)?;
        total = total.checked_add(&part).ok_or_else(bad)?;
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    Ok(if negative { -total } else { total })
}

/// Parses an instant: `now`, `now-90m`, `now+5m`, RFC 3339 (`2026-11-12T14:05:00Z`, an
/// offset is converted to UTC), `2026-11-12 14:05[:00]` (taken as UTC), `2026-11-12`
/// (midnight UTC), or epoch seconds/milliseconds.
pub fn parse_instant_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("now") {
        let rest = rest.trim();
        if rest.is_empty() {
            return Ok(now);
        }
        if let Some(delta) = rest.strip_prefix('-') {
            return checked(text, now, -parse_duration(delta)?);
        }
        if let Some(delta) = rest.strip_prefix('+') {
            return checked(text, now, parse_duration(delta)?);
        }
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), format) {
            return Ok(naive.and_utc());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    if let Ok(number) = text.parse::<i64>() {
        let instant = if number.abs() >= 100_000_000_000 {
            DateTime::from_timestamp_millis(number)
        } else {
            DateTime::from_timestamp(number, 0)
        };
        if let Some(instant) = instant {
            return Ok(instant);
        }
    }
    Err(Error::InvalidInput(format!(
        "`{text}` is not an instant: use RFC 3339 (`2026-11-12T14:05:00Z`), `now-90m`, or epoch seconds"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn durations_in_every_unit_and_combined() {
        assert_eq!(parse_duration("30s").unwrap(), TimeDelta::seconds(30));
        assert_eq!(parse_duration("90m").unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse_duration("1h30m").unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse_duration("2d").unwrap(), TimeDelta::days(2));
        assert_eq!(parse_duration("1w").unwrap(), TimeDelta::days(7));
        assert_eq!(parse_duration("-5m").unwrap(), TimeDelta::minutes(-5));
        for bad in ["", "h", "3", "3x", "3h5", "-"] {
            assert!(parse_duration(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn relative_windows_resolve_against_now() {
        let now = at("2026-11-12T15:00:00Z");
        let window = TimeRange::parse_at("last 3h", now).unwrap();
        assert_eq!(window.start, at("2026-11-12T12:00:00Z"));
        assert_eq!(window.end, now);
        assert_eq!(TimeRange::parse_at("3h", now).unwrap(), window);
        let window = TimeRange::parse_at("now-2h..now-1h", now).unwrap();
        assert_eq!(
            window.to_string(),
            "2026-11-12T13:00:00Z .. 2026-11-12T14:00:00Z"
        );
    }

    #[test]
    fn absolute_and_around_windows() {
        let now = at("2026-11-26T00:00:00Z");
        let window =
            TimeRange::parse_at("2026-11-12T14:00:00+01:00/2026-11-12 15:30", now).unwrap();
        assert_eq!(window.start, at("2026-11-12T13:00:00Z"));
        assert_eq!(window.end, at("2026-11-12T15:30:00Z"));
        let window = TimeRange::parse_at("around 2026-11-12T14:05:00Z ±30m", now).unwrap();
        assert_eq!(window.start, at("2026-11-12T13:35:00Z"));
        assert_eq!(window.end, at("2026-11-12T14:35:00Z"));
        assert_eq!(
            TimeRange::parse_at("around 2026-11-12T14:05:00Z +/- 5m", now)
                .unwrap()
                .duration(),
            TimeDelta::minutes(10)
        );
    }

    #[test]
    fn bad_windows_say_what_to_write() {
        let now = Utc::now();
        let err = TimeRange::parse_at("yesterday", now)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`yesterday` is not a window"), "{err}");
        let err = TimeRange::parse_at("now..now-1h", now)
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be before its end"), "{err}");
        let err = TimeRange::parse_at("around now", now)
            .unwrap_err()
            .to_string();
        assert!(err.contains("around INSTANT ±DURATION"), "{err}");
    }

    #[test]
    fn instants_in_epoch_and_dates() {
        let now = Utc::now();
        assert_eq!(
            parse_instant_at("1762956300", now).unwrap(),
            at("2025-11-12T14:05:00Z")
        );
        assert_eq!(
            parse_instant_at("1762956300000", now).unwrap(),
            at("2025-11-12T14:05:00Z")
        );
        assert_eq!(
            parse_instant_at("2026-11-12", now).unwrap(),
            at("2026-11-12T00:00:00Z")
        );
    }

    #[test]
    fn shifted_windows_keep_their_length() {
        let window =
            TimeRange::new(at("2026-11-12T14:00:00Z"), at("2026-11-12T15:00:00Z")).unwrap();
        let week_ago = window.shifted(-TimeDelta::weeks(1));
        assert_eq!(week_ago.start, at("2026-11-05T14:00:00Z"));
        assert_eq!(week_ago.duration(), window.duration());
        assert!(window.contains(at("2026-11-12T14:00:00Z")));
        assert!(!window.contains(at("2026-11-12T15:00:00Z")));
    }
}

#[cfg(test)]
mod fuzz {
    //! Window texts of every size up to 64 KiB: parsed or refused, never a panic.
    use super::TimeRange;
    use playbook_testkit::{Fuzz, lengths};

    #[test]
    fn random_window_texts_parse_or_are_refused() {
        let tokens = [
            "now",
            "-",
            "+",
            "..",
            "3h",
            "90m",
            "7d",
            "1w",
            "last",
            "around",
            "±",
            "+-",
            "2026-11-12T14:05:00Z",
            "2026-13-45T99:99:99Z",
            "T",
            "Z",
            ":",
            "1794492301",
            "99999999999999999999",
            "e",
        ];
        for seed in 0..60u64 {
            let mut fuzz = Fuzz::new(seed);
            for len in lengths(64 << 10) {
                let text = fuzz.tokens(&tokens, len);
                let outcome = std::panic::catch_unwind(|| TimeRange::parse(&text));
                assert!(outcome.is_ok(), "seed {seed}, len {len}: {text:.200}");
            }
        }
        for huge in [
            "now-99999999999999999d..now",
            "last 9999999999999w",
            "around 2026-11-12T14:05:00Z ±99999999999h",
        ] {
            let _ = TimeRange::parse(huge);
        }
    }
}
