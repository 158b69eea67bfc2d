//! Time ticks for any span, from seconds to millennia: a round step (seconds, minutes,
//! hours, days, a week, calendar months, or years in 1-2-5 steps) chosen arithmetically
//! from the span's length, then at most [`MAX_TICKS`] ticks laid from the first round
//! instant. Nothing walks the span itself, so a span of 260,000 years costs what an hour
//! costs.

use chrono::{Datelike, NaiveDate, TimeZone, Utc};

/// Ticks on a time axis at most (steps aim at [`TARGET`]; this bounds any rounding).
pub(super) const MAX_TICKS: usize = 20;
/// Intervals a step is chosen to give at most.
const TARGET: i64 = 8;
/// Seconds in an average Gregorian month and year (to choose a step; ticks themselves
/// fall on calendar boundaries).
const AVERAGE_MONTH: i64 = 2_629_746;
pub(super) const AVERAGE_YEAR: i64 = 31_556_952;

/// The interval between two ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimeStep {
    /// A fixed number of seconds (a week at most), ticks on its multiples since the epoch.
    Seconds(i64),
    /// Calendar months (a year is 12), ticks on the first of a month.
    Months(i64),
}

/// Fixed steps, shortest first, with their label format.
const FIXED: [(i64, &str); 18] = [
    (1, "%H:%M:%S"),
    (2, "%H:%M:%S"),
    (5, "%H:%M:%S"),
    (10, "%H:%M:%S"),
    (15, "%H:%M:%S"),
    (30, "%H:%M:%S"),
    (60, "%H:%M"),
    (300, "%H:%M"),
    (600, "%H:%M"),
    (900, "%H:%M"),
    (1800, "%H:%M"),
    (3600, "%H:%M"),
    (3 * 3600, "%H:%M"),
    (6 * 3600, "%m-%d %H:%M"),
    (12 * 3600, "%m-%d %H:%M"),
    (86400, "%m-%d"),
    (2 * 86400, "%m-%d"),
    (7 * 86400, "%m-%d"),
];

/// Steps in months below a year.
const MONTHS: [i64; 4] = [1, 2, 3, 6];

/// The shortest round step giving at most [`TARGET`] intervals over `span` seconds, and
/// its label format.
pub(super) fn time_step(span: i64) -> (TimeStep, &'static str) {
    let span = span.max(1);
    if let Some((step, format)) = FIXED.iter().find(|(step, _)| span / step <= TARGET) {
        return (TimeStep::Seconds(*step), format);
    }
    let months = span / AVERAGE_MONTH;
    if let Some(step) = MONTHS.iter().find(|step| months / *step <= TARGET) {
        return (TimeStep::Months(*step), "%Y-%m");
    }
    // Years: 1, 2, 5, 10, 20, 50, … (i64 seconds span under 3·10¹¹ years: 12 decades).
    let years = span / AVERAGE_YEAR;
    let mut decade: i64 = 1;
    for _ in 0..18 {
        for m in [1, 2, 5] {
            let step = m * decade;
            if years / step <= TARGET {
                return (TimeStep::Months(step * 12), "%Y");
            }
        }
        decade = decade.saturating_mul(10);
    }
    (TimeStep::Months(decade.saturating_mul(12)), "%Y")
}

/// The ticks (instants in seconds) within `t0..=t1` and their label format: at most
/// [`MAX_TICKS`], whatever the span.
pub(super) fn time_ticks(t0: i64, t1: i64) -> (Vec<i64>, &'static str) {
    let (step, format) = time_step(t1.saturating_sub(t0));
    let ticks = match step {
        TimeStep::Seconds(step) => {
            let first =
                t0.div_euclid(step) * step + if t0.rem_euclid(step) == 0 { 0 } else { step };
            (0..MAX_TICKS as i64)
                .map(|k| first + k * step)
                .take_while(|t| *t <= t1)
                .collect()
        }
        TimeStep::Months(step) => month_ticks(t0, t1, step),
    };
    (ticks, format)
}

/// The first instants of the months within `t0..=t1` whose index (year × 12 + month) is
/// a multiple of `step`.
fn month_ticks(t0: i64, t1: i64, step: i64) -> Vec<i64> {
    let Some(start) = Utc.timestamp_opt(t0, 0).single() else {
        return Vec::new();
    };
    let index = i64::from(start.year()) * 12 + i64::from(start.month0());
    // The first multiple of `step` from t0's month on (one before it may be out of range).
    let first = index.div_euclid(step) * step + if index.rem_euclid(step) == 0 { 0 } else { step };
    (0..=MAX_TICKS as i64)
        .map_while(|k| month_start(first.checked_add(k.checked_mul(step)?)?))
        .filter(|t| *t >= t0)
        .take_while(|t| *t <= t1)
        .take(MAX_TICKS)
        .collect()
}

/// The first instant (seconds) of month `index` (year × 12 + zero-based month), if
/// chrono can represent it.
fn month_start(index: i64) -> Option<i64> {
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    let day = NaiveDate::from_ymd_opt(year, month, 1)?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn short_spans_keep_their_familiar_steps() {
        assert_eq!(time_step(6 * 3600), (TimeStep::Seconds(3600), "%H:%M"));
        assert_eq!(time_step(14 * 86400).0, TimeStep::Seconds(2 * 86400));
        assert_eq!(time_step(40).0, TimeStep::Seconds(5));
        assert_eq!(time_step(0).0, TimeStep::Seconds(1));
        assert_eq!(time_step(-5).0, TimeStep::Seconds(1));
    }

    #[test]
    fn long_spans_step_by_calendar_months_and_round_years() {
        assert_eq!(time_step(120 * 86400), (TimeStep::Months(1), "%Y-%m"));
        assert_eq!(time_step(3 * AVERAGE_YEAR), (TimeStep::Months(6), "%Y-%m"));
        assert_eq!(time_step(10 * AVERAGE_YEAR), (TimeStep::Months(24), "%Y"));
        assert_eq!(time_step(700 * AVERAGE_YEAR).0, TimeStep::Months(100 * 12));
        let (ticks, format) = time_ticks(at("2020-02-10T00:00:00Z"), at("2021-01-05T00:00:00Z"));
        assert_eq!(format, "%Y-%m");
        assert_eq!(ticks.first(), Some(&at("2020-03-01T00:00:00Z")));
        assert!(ticks.len() <= 9, "{ticks:?}");
    }

    #[test]
    fn the_whole_of_chronos_range_gets_at_most_twenty_ticks() {
        let (min, max) = (
            DateTime::<Utc>::MIN_UTC.timestamp(),
            DateTime::<Utc>::MAX_UTC.timestamp(),
        );
        let (ticks, format) = time_ticks(min, max);
        assert_eq!(format, "%Y");
        assert!(!ticks.is_empty() && ticks.len() <= MAX_TICKS, "{ticks:?}");
        let (ticks, _) = time_ticks(at("2026-12-07T00:00:00Z"), max);
        assert!(!ticks.is_empty() && ticks.len() <= MAX_TICKS, "{ticks:?}");
    }

    #[test]
    fn every_span_length_gets_at_most_twenty_ordered_ticks_inside_it() {
        let mut span: i64 = 1;
        while let Some(next) = span.checked_mul(3) {
            for t0 in [-62_000_000_000_i64, -1, 0, 1_764_151_200, 8_000_000_000_000] {
                let t1 = t0
                    .saturating_add(span)
                    .min(DateTime::<Utc>::MAX_UTC.timestamp());
                let (ticks, _) = time_ticks(t0, t1);
                assert!(
                    ticks.len() <= MAX_TICKS,
                    "span {span}: {} ticks",
                    ticks.len()
                );
                assert!(
                    ticks.iter().all(|t| (t0..=t1).contains(t)),
                    "{span}: {ticks:?}"
                );
                assert!(ticks.windows(2).all(|w| w[0] < w[1]));
            }
            span = next;
        }
    }

    fn at(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text).map_or(0, |t| t.timestamp())
    }
}
