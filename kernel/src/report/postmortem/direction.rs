//! Which way a KPI goes when things go wrong: part of its meaning. Orders, availability
//! and throughput fall; latency and errors rise. The impact is measured on that side of
//! the baseline (`impact.rs`); when the way is not known, on both.
//!
//! Where the way comes from, first found first:
//! 1. `--kpi NAME --kpi-direction up|down` (stated);
//! 2. a check on the KPI — stated in the step that showed it, or named after it: expected
//!    `< X` / `<= X` (or "under", "below", "at most") means up is bad, `> X` / `>= X`
//!    ("over", "above", "at least") that down is bad; checks that disagree say nothing;
//! 3. the KPI's label, by [`NAME_RULES`];
//! 4. its unit, by [`UNIT_RULES`] (a time: up is bad).
//!
//! The label is read word by word (letters and digits; `TargetResponseTime` is one word):
//! a rule matches a word that begins or ends with it. The rules are tried in their order,
//! so what goes wrong is read before what it happens to: "failed orders" and "request
//! latency" rise, "orders placed" and "successful requests" fall.

use playbook::series::Series;

/// The way that is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Direction {
    /// Up is bad: latency, errors.
    Up,
    /// Down is bad: orders, availability, throughput.
    Down,
}

use Direction::{Down, Up};

/// Words of a KPI's label and the way each says is bad, tried in this order: what goes
/// wrong (errors, faults, throttles, saturation), then time (latency, percentiles), then
/// what a healthy service does more of.
pub(super) const NAME_RULES: &[(&str, Direction)] = &[
    ("error", Up),
    ("5xx", Up),
    ("4xx", Up),
    ("fault", Up),
    ("fail", Up),
    ("exception", Up),
    ("throttl", Up),
    ("timeout", Up),
    ("reject", Up),
    ("dropped", Up),
    ("denied", Up),
    ("unavailab", Up),
    ("unhealthy", Up),
    ("cpu", Up),
    ("utilization", Up),
    ("saturation", Up),
    ("backlog", Up),
    ("latency", Up),
    ("duration", Up),
    ("responsetime", Up),
    ("p50", Up),
    ("p90", Up),
    ("p95", Up),
    ("p99", Up),
    ("availab", Down),
    ("success", Down),
    ("healthy", Down),
    ("uptime", Down),
    ("order", Down),
    ("placed", Down),
    ("checkouts", Down),
    ("purchase", Down),
    ("revenue", Down),
    ("conversion", Down),
    ("throughput", Down),
    ("request", Down),
    ("apdex", Down),
];

/// Units and the way each says is bad (any case): a time rises when a service slows.
/// Counts, percentages and bytes say nothing by themselves.
pub(super) const UNIT_RULES: &[(&str, Direction)] = &[
    ("seconds", Up),
    ("milliseconds", Up),
    ("microseconds", Up),
    ("s", Up),
    ("ms", Up),
];

/// Why the way is known.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Basis {
    Stated,
    Check { name: String, expected: String },
    Name { word: &'static str },
    Unit { unit: String },
}

/// The way that is bad, and why it is known.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Known {
    pub(super) direction: Direction,
    pub(super) basis: Basis,
}

impl Known {
    /// "up is bad (stated with --kpi-direction)".
    pub(super) fn describe(&self) -> String {
        let way = match self.direction {
            Up => "up is bad",
            Down => "down is bad",
        };
        let why = match &self.basis {
            Basis::Stated => "stated with --kpi-direction".to_owned(),
            Basis::Check { name, expected } => {
                format!("the check \"{name}\" expects {expected}")
            }
            Basis::Name { word } => format!("its name: \"{word}\""),
            Basis::Unit { unit } => format!("its unit, {unit}"),
        };
        format!("{way} ({why})")
    }
}

/// The way that is bad for `kpi`: `stated`, else from `checks` on it (name, expected),
/// else its label, else its unit; `None` when nothing says.
pub(super) fn infer(
    kpi: &Series,
    stated: Option<Direction>,
    checks: &[(String, String)],
) -> Option<Known> {
    let known = |direction, basis| Some(Known { direction, basis });
    if let Some(direction) = stated {
        return known(direction, Basis::Stated);
    }
    if let Some((direction, (name, expected))) = from_checks(checks) {
        let basis = Basis::Check {
            name: name.clone(),
            expected: expected.clone(),
        };
        return known(direction, basis);
    }
    if let Some((word, direction)) = from_name(&kpi.label) {
        return known(direction, Basis::Name { word });
    }
    let unit = kpi.unit.as_deref()?;
    let (_, direction) = UNIT_RULES
        .iter()
        .find(|(u, _)| u.eq_ignore_ascii_case(unit.trim()))?;
    known(
        *direction,
        Basis::Unit {
            unit: unit.to_owned(),
        },
    )
}

/// The way the checks agree on, with the first check that says it.
fn from_checks(checks: &[(String, String)]) -> Option<(Direction, &(String, String))> {
    let said: Vec<(Direction, &(String, String))> = checks
        .iter()
        .filter_map(|check| Some((from_expected(&check.1)?, check)))
        .collect();
    let first = *said.first()?;
    said.iter().all(|(d, _)| *d == first.0).then_some(first)
}

/// What an expectation says about the bad way: a bound from above means up is bad.
fn from_expected(expected: &str) -> Option<Direction> {
    let text = expected.trim_start().to_lowercase();
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| text.starts_with(p));
    if starts(&["<", "≤", "under ", "below ", "at most "]) {
        Some(Up)
    } else if starts(&[">", "≥", "over ", "above ", "at least "]) {
        Some(Down)
    } else {
        None
    }
}

/// The first rule (in rule order) that matches a word of `label`.
fn from_name(label: &str) -> Option<(&'static str, Direction)> {
    let label = label.to_lowercase();
    let words: Vec<&str> = label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    NAME_RULES
        .iter()
        .find(|(rule, _)| {
            words
                .iter()
                .any(|w| w.starts_with(rule) || w.ends_with(rule))
        })
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(label: &str, unit: Option<&str>) -> Option<Direction> {
        let series = Series::new(label, unit);
        infer(&series, None, &[]).map(|k| k.direction)
    }

    #[test]
    fn names_that_rise_when_things_go_wrong_are_up() {
        for label in [
            "p99 latency",
            "Latency",
            "Duration",
            "TargetResponseTime",
            "errors",
            "5xx rate",
            "HTTPCode_Target_5XX_Count",
            "Faults",
            "Throttles",
            "ThrottledRequests",
            "failed orders",
            "request latency",
            "UnHealthyHostCount",
            "checkout CPUUtilization",
        ] {
            assert_eq!(named(label, None), Some(Up), "{label}");
        }
    }

    #[test]
    fn names_that_fall_when_things_go_wrong_are_down() {
        for label in [
            "orders placed",
            "Count of placed orders",
            "availability",
            "SuccessPercent",
            "successful requests",
            "throughput",
            "Requests",
            "RequestCount",
            "HealthyHostCount",
            "checkouts completed",
        ] {
            assert_eq!(named(label, None), Some(Down), "{label}");
        }
    }

    #[test]
    fn a_name_no_rule_knows_falls_back_on_the_unit_then_on_nothing() {
        assert_eq!(named("checkout", Some("Seconds")), Some(Up));
        assert_eq!(named("checkout", Some("ms")), Some(Up));
        assert_eq!(named("checkout", Some("Count")), None);
        assert_eq!(named("queue size", Some("Percent")), None);
        assert_eq!(named("", None), None);
        // A word that only contains a rule in its middle is not that rule.
        assert_eq!(named("borderline", None), None);
    }

    #[test]
    fn a_stated_direction_wins_then_a_check_on_the_kpi() {
        let series = Series::new("orders placed", Some("Count"));
        let stated = infer(&series, Some(Up), &[]).unwrap();
        assert_eq!((stated.direction, stated.basis), (Up, Basis::Stated));
        let check =
            |expected: &str| vec![("orders placed recovered".to_owned(), expected.to_owned())];
        assert_eq!(infer(&series, None, &check("< 10")).unwrap().direction, Up);
        assert_eq!(
            infer(&series, None, &check(">= 90 Count"))
                .unwrap()
                .direction,
            Down
        );
        assert_eq!(
            infer(&series, None, &check("at most 3")).unwrap().direction,
            Up
        );
        // A check that says nothing about a bound, or checks that disagree: the name says.
        let described = infer(&series, None, &check("a deploy within 30 min")).unwrap();
        assert_eq!(described.basis, Basis::Name { word: "order" });
        let mut both = check("< 10");
        both.extend(check("> 2"));
        assert_eq!(
            infer(&series, None, &both).unwrap().basis,
            Basis::Name { word: "order" }
        );
    }

    #[test]
    fn the_basis_is_said_in_words() {
        let series = Series::new("p99 latency", Some("Seconds"));
        let known = infer(&series, None, &[]).unwrap();
        assert_eq!(known.describe(), "up is bad (its name: \"latency\")");
        let checked = infer(
            &series,
            None,
            &[("p99 latency is back under target".into(), "< 0.5 s".into())],
        )
        .unwrap();
        assert_eq!(
            checked.describe(),
            "up is bad (the check \"p99 latency is back under target\" expects < 0.5 s)"
        );
    }
}
