//! Templates over an alarm transition, in a rule's parameters and in the delivery paths:
//! `{alarm.name}`, `{alarm.arn}`, `{alarm.account}`, `{alarm.region}`, `{alarm.state}`,
//! `{alarm.previous_state}`, `{alarm.reason}`, `{alarm.namespace}`, `{alarm.metric}`,
//! `{alarm.dimension.NAME}` and `{alarm.time}`, which takes an offset:
//! `{alarm.time - 1h}`, `{alarm.time + 30m}` (units s, m, h, d). Times are written
//! RFC 3339 to the second (`2026-11-12T14:12:00Z`), what a `DateTime<Utc>` parameter reads.
//!
//! A parameter's template is all `{alarm.…}`: another placeholder is an error naming it.
//! A delivery path also has the run's own (`{date}`, `{run_id}` …, see
//! `crate::record::destination`): [`expand_alarm`] fills in the alarm's and leaves those.

use chrono::{DateTime, Duration, Utc};

use crate::record::cause::AlarmTransition;

/// The largest offset: a year.
const MAX_OFFSET_SECONDS: i64 = 366 * 86_400;

/// A text with alarm placeholders, parsed once (when the responders file is read).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Field(Field),
}

/// What a placeholder stands for.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    Name,
    Arn,
    Account,
    Region,
    State,
    PreviousState,
    Reason,
    Namespace,
    Metric,
    Dimension(String),
    /// The transition's time, plus this many seconds.
    Time(i64),
}

impl Template {
    /// Parses `text`; every placeholder must be an alarm's.
    pub(crate) fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        for piece in pieces(text)? {
            parts.push(match piece {
                Piece::Text(t) => Part::Text(t.to_owned()),
                Piece::Placeholder(inner) => Part::Field(field(inner)?),
            });
        }
        Ok(Template { parts })
    }

    /// The text for `alarm`; a field the alarm lacks (a dimension it does not have) is an
    /// error naming it.
    pub(crate) fn render(&self, alarm: &AlarmTransition) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field(f) => out.push_str(&value(f, alarm)?),
            }
        }
        Ok(out)
    }
}

/// `text` with its `{alarm.…}` placeholders filled in (each value made `safe`), the
/// others left for the run to expand.
pub(crate) fn expand_alarm(
    text: &str,
    alarm: &AlarmTransition,
    safe: impl Fn(&str) -> String,
) -> Result<String, String> {
    let mut out = String::new();
    for piece in pieces(text)? {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Placeholder(inner) if is_alarm(inner) => {
                out.push_str(&safe(&value(&field(inner)?, alarm)?));
            }
            Piece::Placeholder(inner) => {
                out.push('{');
                out.push_str(inner);
                out.push('}');
            }
        }
    }
    Ok(out)
}

/// Checks the alarm placeholders of a delivery path (the others are the run's to check).
pub(crate) fn check_alarm_placeholders(text: &str) -> Result<(), String> {
    for piece in pieces(text)? {
        if let Piece::Placeholder(inner) = piece
            && is_alarm(inner)
        {
            field(inner).map_err(|why| format!("`{text}`: {why}"))?;
        }
    }
    Ok(())
}

fn is_alarm(inner: &str) -> bool {
    inner.trim_start().starts_with("alarm.")
}

enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

/// `text` cut into text and `{…}` placeholders.
fn pieces(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("`{text}`: a `{{` is not closed"))?;
        out.push(Piece::Placeholder(&after[..close]));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

const KNOWN: &str = "{alarm.name}, {alarm.arn}, {alarm.account}, {alarm.region}, \
    {alarm.state}, {alarm.previous_state}, {alarm.reason}, {alarm.namespace}, \
    {alarm.metric}, {alarm.dimension.NAME} or {alarm.time} (with an offset: {alarm.time - 1h})";

fn field(inner: &str) -> Result<Field, String> {
    let trimmed = inner.trim();
    let unknown = || format!("unknown placeholder {{{inner}}}: use {KNOWN}");
    let Some(name) = trimmed.strip_prefix("alarm.") else {
        return Err(unknown());
    };
    if let Some(rest) = name.strip_prefix("time") {
        return Ok(Field::Time(offset(rest.trim()).map_err(|why| {
            format!("{{{inner}}}: {why} (write {{alarm.time - 1h}}, {{alarm.time + 30m}})")
        })?));
    }
    if let Some(dimension) = name.strip_prefix("dimension.") {
        if dimension.is_empty() {
            return Err(unknown());
        }
        return Ok(Field::Dimension(dimension.to_owned()));
    }
    Ok(match name {
        "name" => Field::Name,
        "arn" => Field::Arn,
        "account" => Field::Account,
        "region" => Field::Region,
        "state" => Field::State,
        "previous_state" => Field::PreviousState,
        "reason" => Field::Reason,
        "namespace" => Field::Namespace,
        "metric" => Field::Metric,
        _ => return Err(unknown()),
    })
}

/// `""` → 0; `- 1h` → -3600; `+ 30m` → 1800.
fn offset(text: &str) -> Result<i64, String> {
    if text.is_empty() {
        return Ok(0);
    }
    let (sign, amount) = if let Some(rest) = text.strip_prefix('+') {
        (1, rest.trim())
    } else if let Some(rest) = text.strip_prefix('-') {
        (-1, rest.trim())
    } else {
        return Err(format!("`{text}` is not an offset"));
    };
    let digits: String = amount.chars().take_while(char::is_ascii_digit).collect();
    let unit = &amount[digits.len()..];
    let seconds_per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{amount}`: expected a number and a unit (s, m, h, d)"
            ));
        }
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("`{amount}`: expected a number and a unit (s, m, h, d)"))?;
    match n.checked_mul(seconds_per) {
        Some(s) if s <= MAX_OFFSET_SECONDS => Ok(sign * s),
        _ => Err(format!("`{amount}` is more than a year")),
    }
}

fn value(field: &Field, alarm: &AlarmTransition) -> Result<String, String> {
    let missing = |what: &str| format!("the alarm `{}` has no {what}", alarm.name);
    Ok(match field {
        Field::Name => alarm.name.clone(),
        Field::Arn => alarm.arn.clone().ok_or_else(|| missing("ARN"))?,
        Field::Account => alarm.account.clone(),
        Field::Region => alarm.region.clone(),
        Field::State => alarm.state.as_str().to_owned(),
        Field::PreviousState => (alarm.previous_state.map(|s| s.as_str().to_owned()))
            .ok_or_else(|| missing("previous state"))?,
        Field::Reason => alarm.reason.clone(),
        Field::Namespace => (alarm.namespace.clone()).ok_or_else(|| missing("namespace"))?,
        Field::Metric => alarm.metric.clone().ok_or_else(|| missing("metric"))?,
        Field::Dimension(name) => (alarm.dimensions.get(name).cloned())
            .ok_or_else(|| missing(&format!("dimension `{name}` ({{alarm.dimension.{name}}})")))?,
        Field::Time(seconds) => time_text(alarm.time + Duration::seconds(*seconds)),
    })
}

fn time_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::cause::{AlarmKind, AlarmState, Feed};

    fn alarm() -> AlarmTransition {
        AlarmTransition {
            name: "checkout-p99-latency-high".into(),
            arn: None,
            account: "123456789012".into(),
            region: "eu-west-1".into(),
            state: AlarmState::Alarm,
            previous_state: Some(AlarmState::Ok),
            time: "2026-11-12T14:12:00.989Z".parse().unwrap(),
            reason: "Threshold Crossed".into(),
            kind: AlarmKind::Metric,
            namespace: Some("AWS/ApplicationELB".into()),
            metric: Some("TargetResponseTime".into()),
            dimensions: [("LoadBalancer".into(), "app/checkout-alb/5f3c".into())].into(),
            feed: Feed::Eventbridge,
        }
    }

    fn render(text: &str) -> Result<String, String> {
        Template::parse(text)?.render(&alarm())
    }

    #[test]
    fn times_take_offsets_in_every_unit() {
        assert_eq!(render("{alarm.time}").unwrap(), "2026-11-12T14:12:00Z");
        assert_eq!(render("{alarm.time - 1h}").unwrap(), "2026-11-12T13:12:00Z");
        assert_eq!(
            render("{alarm.time + 30m}").unwrap(),
            "2026-11-12T14:42:00Z"
        );
        assert_eq!(render("{alarm.time-90s}").unwrap(), "2026-11-12T14:10:30Z");
        assert_eq!(render("{alarm.time + 1d}").unwrap(), "2026-11-13T14:12:00Z");
        for bad in [
            "{alarm.time * 2h}",
            "{alarm.time - 1w}",
            "{alarm.time - h}",
            "{alarm.time - 9999999999999d}",
            "{alarm.timex}",
            "{alarm.time é}",
            "{alarm.time + é}",
        ] {
            let why = render(bad).unwrap_err();
            assert!(why.contains(&bad[1..bad.len() - 1]), "{bad}: {why}");
        }
    }

    #[test]
    fn fields_and_dimensions_fill_in() {
        assert_eq!(
            render("{alarm.name}@{alarm.account}/{alarm.region}: {alarm.dimension.LoadBalancer} {alarm.state} was {alarm.previous_state}").unwrap(),
            "checkout-p99-latency-high@123456789012/eu-west-1: app/checkout-alb/5f3c ALARM was OK"
        );
        let why = render("{alarm.dimension.TargetGroup}").unwrap_err();
        assert!(why.contains("no dimension `TargetGroup`"), "{why}");
        assert!(render("{alarm.arn}").unwrap_err().contains("no ARN"));
    }

    #[test]
    fn an_unknown_placeholder_is_an_error_naming_it() {
        let why = Template::parse("w-{alarm.colour}").unwrap_err();
        assert!(
            why.starts_with("unknown placeholder {alarm.colour}"),
            "{why}"
        );
        let why = Template::parse("{date}").unwrap_err();
        assert!(why.starts_with("unknown placeholder {date}"), "{why}");
        assert!(
            Template::parse("{alarm.name")
                .unwrap_err()
                .contains("not closed")
        );
        assert!(
            check_alarm_placeholders("s3://b/{alarm.nam}/{date}")
                .unwrap_err()
                .contains("{alarm.nam}")
        );
        assert!(check_alarm_placeholders("s3://b/{alarm.name}/{date}/{run_id}").is_ok());
    }

    #[test]
    fn a_delivery_path_keeps_the_run_placeholders() {
        let path = expand_alarm(
            "s3://records/{alarm.name}/{alarm.dimension.LoadBalancer}/{date}/{run_id}.ipynb",
            &alarm(),
            |v| v.replace('/', "_"),
        )
        .unwrap();
        assert_eq!(
            path,
            "s3://records/checkout-p99-latency-high/app_checkout-alb_5f3c/{date}/{run_id}.ipynb"
        );
    }
}
