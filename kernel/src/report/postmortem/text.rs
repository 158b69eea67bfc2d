//! The words both formats share: the review's introduction, the header's facts, the
//! impact's lead, measures and definition, and how instants and numbers are written.

use chrono::{DateTime, Utc};

use super::Review;
use super::impact::{self, Kpi, Measures, Side};

/// What the review is, in one sentence (both formats).
pub(super) fn intro(review: &Review) -> String {
    let n = review.incidents.len();
    let records = if n == 1 {
        "1 record".to_owned()
    } else {
        format!("{n} records")
    };
    format!(
        "A draft assembled by `playbook report --postmortem` from {records}: the header, the \
         impact and the timeline come from the records; the sections after them are for \
         people to write."
    )
}

/// The header's facts: the incident window and the places (both formats).
pub(super) fn header_facts(review: &Review) -> Vec<(&'static str, String)> {
    let window = match review.window {
        Some(window) => format!("{window} (UTC)"),
        None => "not recorded".to_owned(),
    };
    let mut facts = vec![("Incident window", window)];
    for (label, values) in &review.places {
        let shown = if values.is_empty() {
            "not recorded".to_owned()
        } else {
            values.join(", ")
        };
        facts.push((label, shown));
    }
    facts
}

/// The sentence before the impact's measures: which series, where from, over what.
pub(super) fn impact_lead(kpi: &Kpi, measures: &Measures) -> String {
    let unit = kpi
        .series
        .unit
        .as_deref()
        .map(|u| format!(" ({u})"))
        .unwrap_or_default();
    format!(
        "{}{unit} against {}, as step \"{}\" of record {} showed them; {} points of {} min \
         each inside the incident window.",
        kpi.series.label,
        kpi.baseline.label,
        kpi.step,
        kpi.record,
        measures.points,
        number(measures.period_minutes)
    )
}

/// The impact's measures as (measure, value) rows (both formats): which way is bad, then
/// the measures of that side (of both when it is not known).
pub(super) fn impact_rows(kpi: &Kpi, m: &Measures) -> Vec<(String, String)> {
    let direction = match &kpi.direction {
        Some(known) => known.describe(),
        None => format!(
            "unknown: both ways are shown; state it with `--kpi \"{}\" --kpi-direction up` \
             (or `down`)",
            kpi.series.label
        ),
    };
    let mut rows = vec![("which way is bad".to_owned(), direction)];
    for side in kpi.sides() {
        rows.extend(side_rows(kpi, m, side));
    }
    rows
}

/// The measures of one side: above (excess) or below (shortfall).
fn side_rows(kpi: &Kpi, m: &Measures, side: Side) -> Vec<(String, String)> {
    let unit = kpi.series.unit.as_deref().unwrap_or_default();
    let with_unit = |v: String| {
        if unit.is_empty() {
            v
        } else {
            format!("{v} {unit}")
        }
    };
    let d = m.side(side);
    let word = side.word();
    let minutes = match d.span {
        Some((from, to)) => format!(
            "{} min (points from {} to {})",
            number(d.minutes),
            instant(from),
            instant(to)
        ),
        None => "0 min".to_owned(),
    };
    let shown = |v: f64| match side {
        Side::Above => signed(v),
        Side::Below => number(v),
    };
    let peak = match d.peak {
        Some(p) if p.baseline != 0.0 => format!(
            "{} at {} ({} against {}, {}×)",
            with_unit(shown(p.distance(side))),
            instant(p.at),
            number(p.value),
            number(p.baseline),
            number(p.value / p.baseline)
        ),
        Some(p) => format!(
            "{} at {}",
            with_unit(shown(p.distance(side))),
            instant(p.at)
        ),
        None => "no point to compare".to_owned(),
    };
    let mean = d.mean().map_or("—".to_owned(), |v| with_unit(shown(v)));
    let area = format!("{}{}·min", number(d.area), unit_suffix(unit));
    let margin = number(impact::MARGIN * 100.0);
    let minutes_label = format!("minutes {word} baseline (by more than {margin} %)");
    let mut rows = match side {
        Side::Above => vec![
            (minutes_label, minutes),
            ("peak excess".to_owned(), peak),
            ("mean excess while above".to_owned(), mean),
            ("excess area (while above)".to_owned(), area),
        ],
        Side::Below => vec![
            (minutes_label, minutes),
            ("largest shortfall".to_owned(), peak),
            ("mean shortfall while below".to_owned(), mean),
            ("shortfall (while below)".to_owned(), area),
        ],
    };
    // A count per period adds up: how many the KPI fell short by.
    if side == Side::Below && unit.eq_ignore_ascii_case("count") {
        rows.push((
            format!(
                "{} short by (Σ baseline − KPI of the points below)",
                kpi.series.label
            ),
            with_unit(number(d.total)),
        ));
    }
    rows
}

fn unit_suffix(unit: &str) -> String {
    if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    }
}

/// How the impact is computed, in one paragraph (both formats).
pub(super) fn impact_definition() -> String {
    format!(
        "Computed from the series the record keeps with the chart: KPI and baseline points \
         paired by time inside the incident window, each standing for one period. Which way \
         is bad is stated with `--kpi NAME --kpi-direction up|down`, else read from a check \
         on the KPI (expects < X: up is bad; > X: down is bad), from its name (latency, \
         errors, faults, throttles rise; orders, availability, successes, throughput, \
         requests fall) or from its unit (a time rises); when it is not known, both ways are \
         shown. A point is above (below) its baseline when it exceeds it (falls short of it) \
         by more than {} % of it; excess = KPI − baseline, shortfall = baseline − KPI; the \
         area sums excess (shortfall) × period over the points above (below); the mean is \
         area ÷ minutes. The KPI is the first chart's series shown with a baseline (a series \
         labelled {}), or the one named by `--kpi`.",
        number(impact::MARGIN * 100.0),
        impact::BASELINE_WORDS
            .map(|w| format!("\"{w}\""))
            .join(", ")
    )
}

/// Why there is no impact (both formats).
pub(super) fn no_impact(wanted: Option<&str>) -> String {
    match wanted {
        Some(name) => format!(
            "Not computed: no chart in the records shows a series named \"{name}\" beside a \
             baseline series."
        ),
        None => "Not computed: no chart in the records shows a series beside a baseline \
                 (a series labelled \"baseline\", \"… earlier\", \"week ago\", …); name the \
                 KPI with `--kpi NAME` once a record has one."
            .to_owned(),
    }
}

/// What the investigation list is (both formats).
pub(super) fn investigation_intro() -> String {
    "The investigation's own time, not the incident's: when each run started and \
     finished, the start of each window its queries asked about (a baseline a week \
     earlier included), the checks it stated, and notes placed where the run reached them."
        .to_owned()
}

/// An instant as the review shows it (`2026-11-12T14:15:00Z`).
pub(super) fn instant(at: DateTime<Utc>) -> String {
    playbook::time_range::rfc3339(at)
}

/// A number with four significant digits at most (`2.513`, `68.29`, `0.4235`).
pub(super) fn number(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let decimals = (3 - value.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A number with its sign (`+2.513`).
fn signed(value: f64) -> String {
    if value > 0.0 {
        format!("+{}", number(value))
    } else {
        number(value)
    }
}
