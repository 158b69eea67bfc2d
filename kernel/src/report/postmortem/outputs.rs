//! What a record's cell outputs say about the incident, read back from the `text/plain`
//! renderings the `playbook` library writes (the record keeps no other form of them):
//!
//! - an alarm report (`%%alarms`, `alarms().run()`): after a line `state changes:`, one
//!   line per change, `INSTANT  ALARM: FROM → TO`;
//! - a log table (`%%logs`, a Logs Insights query): a header line of column names, then
//!   one line per row, each column left-aligned at the position of its name in the
//!   header (columns are padded to a common width and joined by two spaces).
//!
//! Only cells whose record ran the matching kind of query are read, so prose that looks
//! like these formats is never taken for them. Outputs are the user's data: JSON here.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// One alarm state change.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AlarmChange {
    pub(super) at: DateTime<Utc>,
    pub(super) alarm: String,
    pub(super) from: String,
    pub(super) to: String,
}

/// A row of a log table that has a `@timestamp`: the instant, and the other columns as
/// (name, value) pairs, empty values left out.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TimedRow {
    pub(super) at: DateTime<Utc>,
    pub(super) fields: Vec<(String, String)>,
}

/// The `text/plain` of each rich output of `cell` (`execute_result`, `display_data`).
fn plain_texts(cell: &Value) -> Vec<String> {
    (cell["outputs"].as_array().into_iter().flatten())
        .filter(|o| {
            matches!(
                o["output_type"].as_str(),
                Some("execute_result" | "display_data")
            )
        })
        .filter_map(|o| match &o["data"]["text/plain"] {
            Value::String(s) => Some(s.clone()),
            Value::Array(lines) => Some(lines.iter().filter_map(Value::as_str).collect()),
            _ => None,
        })
        .collect()
}

/// The alarm state changes the alarm reports of `cell` list.
pub(super) fn alarm_changes(cell: &Value) -> Vec<AlarmChange> {
    let mut changes = Vec::new();
    for text in plain_texts(cell) {
        let mut lines = text.lines().skip_while(|l| l.trim() != "state changes:");
        lines.next();
        changes.extend(lines.map_while(alarm_change));
    }
    changes
}

/// `2026-11-12T14:15:00Z  checkout-5xx-high: OK → ALARM`.
fn alarm_change(line: &str) -> Option<AlarmChange> {
    let (at, rest) = line.split_once("  ")?;
    let at = DateTime::parse_from_rfc3339(at.trim()).ok()?.to_utc();
    let (alarm, change) = rest.trim().rsplit_once(": ")?;
    let (from, to) = change.split_once(" → ")?;
    Some(AlarmChange {
        at,
        alarm: alarm.to_owned(),
        from: from.trim().to_owned(),
        to: to.trim().to_owned(),
    })
}

/// The rows of the log tables of `cell` that have a `@timestamp`.
pub(super) fn timed_rows(cell: &Value) -> Vec<TimedRow> {
    plain_texts(cell)
        .iter()
        .flat_map(|text| table_rows(text))
        .collect()
}

/// The rows of one log table's text; none when it has no `@timestamp` column.
fn table_rows(text: &str) -> Vec<TimedRow> {
    let mut lines = text.lines();
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let columns = columns(header);
    let Some(time_column) = columns.iter().position(|(name, _)| name == "@timestamp") else {
        return Vec::new();
    };
    lines
        .map_while(|line| {
            let chars: Vec<char> = line.chars().collect();
            let cell = |i: usize| -> String {
                let start = columns[i].1.min(chars.len());
                let end = columns
                    .get(i + 1)
                    .map_or(chars.len(), |c| c.1.min(chars.len()));
                chars[start..end]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_owned()
            };
            let at = DateTime::parse_from_rfc3339(&cell(time_column)).ok()?;
            let fields = (0..columns.len())
                .filter(|&i| i != time_column)
                .map(|i| (columns[i].0.clone(), cell(i)))
                .filter(|(_, value)| !value.is_empty())
                .collect();
            Some(TimedRow {
                at: at.to_utc(),
                fields,
            })
        })
        .collect()
}

/// The column names of a header line and the character position each starts at.
fn columns(header: &str) -> Vec<(String, usize)> {
    let mut columns = Vec::new();
    let mut current: Option<(String, usize)> = None;
    for (at, c) in header.chars().enumerate() {
        match (&mut current, c.is_whitespace()) {
            (Some((name, _)), false) => name.push(c),
            (None, false) => current = Some((c.to_string(), at)),
            (Some(_), true) => columns.extend(current.take()),
            (None, true) => {}
        }
    }
    columns.extend(current);
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str) -> Value {
        serde_json::json!({"outputs": [
            {"output_type": "stream", "text": "state changes:\n2026-11-12T14:00:00Z  x: OK → ALARM"},
            {"output_type": "execute_result", "data": {"text/plain": text}}
        ]})
    }

    #[test]
    fn alarm_changes_are_read_from_the_report_text() {
        let text = "2 alarms · 2026-11-12T13:30:00Z .. 2026-11-12T15:30:00Z\n\
            OK                 a: b  (AWS/X Y > 1)\nstate changes:\n\
            2026-11-12T14:15:00Z  a: b: OK → ALARM\n2026-11-12T14:48:00Z  c: ALARM → OK\n\
            note: something";
        let changes = alarm_changes(&cell(text));
        assert_eq!(
            changes.len(),
            2,
            "streams are not alarm reports: {changes:?}"
        );
        assert_eq!(changes[0].alarm, "a: b");
        assert_eq!(
            (changes[0].from.as_str(), changes[0].to.as_str()),
            ("OK", "ALARM")
        );
        assert_eq!(changes[1].at.to_rfc3339(), "2026-11-12T14:48:00+00:00");
    }

    #[test]
    fn log_table_rows_are_split_at_the_header_columns() {
        let text = "@timestamp            event     version  note\n\
            2026-11-12T14:05:00Z  deploy    v2.14.0  two words\n\
            2026-11-12T14:45:00Z  rollback           x\n\
            2 rows · 2026-11-12T13:30:00Z .. 2026-11-12T15:30:00Z";
        let rows = timed_rows(&cell(text));
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].fields,
            [
                ("event", "deploy"),
                ("version", "v2.14.0"),
                ("note", "two words")
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        assert_eq!(rows[1].fields.len(), 2, "empty values are left out");
        assert!(timed_rows(&cell("route  p99\n/a     3")).is_empty());
    }
}
