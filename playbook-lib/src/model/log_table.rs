//! `LogTable`: the result of a Logs Insights query or of filtered log events — columns in
//! query order, cells as the service returns them (text, or absent), typed on access.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::series::Series;
use crate::model::time_range::TimeRange;

/// Rows shown in a cell's output (the value keeps them all).
pub(crate) const SHOWN_ROWS: usize = 50;

/// What a query scanned and matched (Logs Insights `statistics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryStatistics {
    pub records_matched: f64,
    pub records_scanned: f64,
    pub bytes_scanned: f64,
}

/// Rows of log query results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    /// The query as the record states it.
    pub query: String,
    /// The log groups queried.
    #[serde(default)]
    pub groups: Vec<String>,
    pub window: Option<TimeRange>,
    /// The source's id for the query (a Logs Insights query id), when it has one.
    #[serde(default)]
    pub query_id: Option<String>,
    #[serde(default)]
    pub statistics: QueryStatistics,
    /// More rows matched than were returned (a row limit was reached).
    #[serde(default)]
    pub truncated: bool,
    /// What the engine adjusted or noticed (split windows, limits).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One cell, typed where the text makes it obvious.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Missing,
    Number(f64),
    Time(DateTime<Utc>),
    Text(String),
}

impl LogTable {
    /// An empty table with `columns`.
    pub fn new(columns: Vec<String>, query: impl Into<String>) -> LogTable {
        LogTable {
            columns,
            rows: Vec::new(),
            query: query.into(),
            groups: Vec::new(),
            window: None,
            query_id: None,
            statistics: QueryStatistics::default(),
            truncated: false,
            notes: Vec::new(),
        }
    }

    /// The rows.
    pub fn rows(&self) -> &[Vec<Option<String>>] {
        &self.rows
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The index of a column.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The raw text of a cell.
    pub fn text(&self, row: usize, column: &str) -> Option<&str> {
        let index = self.column_index(column)?;
        self.rows.get(row)?.get(index)?.as_deref()
    }

    /// A cell, typed: numbers, instants (`@timestamp`, `bin(…)` and other
    /// `YYYY-MM-DD HH:MM:SS.mmm` text), or text.
    pub fn cell(&self, row: usize, column: &str) -> Cell {
        match self.text(row, column) {
            None => Cell::Missing,
            Some(text) => type_cell(column, text),
        }
    }

    /// A column's cells as numbers (missing or non-numeric: `None`).
    pub fn numbers(&self, column: &str) -> Vec<Option<f64>> {
        (0..self.len())
            .map(|row| match self.cell(row, column) {
                Cell::Number(v) => Some(v),
                _ => None,
            })
            .collect()
    }

    /// A column's cells as instants.
    pub fn times(&self, column: &str) -> Vec<Option<DateTime<Utc>>> {
        (0..self.len())
            .map(|row| match self.cell(row, column) {
                Cell::Time(t) => Some(t),
                _ => None,
            })
            .collect()
    }

    /// A series from a time column and a numeric column (e.g. `stats count(*) by bin(5m)`),
    /// sorted by time; rows without a time are skipped.
    pub fn to_series(&self, time_column: &str, value_column: &str) -> Series {
        let points = self
            .times(time_column)
            .into_iter()
            .zip(self.numbers(value_column))
            .filter_map(|(t, v)| t.map(|t| (t, v)));
        let mut series = Series::from_points(value_column, None, points);
        series.query = Some(self.query.clone());
        series
    }

    pub(crate) fn summary_line(&self) -> String {
        let mut line = format!("{} rows", self.len());
        if self.truncated {
            line.push_str(" (TRUNCATED: more rows matched; narrow the window or add a limit)");
        }
        if let Some(window) = &self.window {
            line.push_str(&format!(" · {window}"));
        }
        let s = &self.statistics;
        line.push_str(&format!(
            " · {} matched of {} scanned, {} bytes",
            s.records_matched, s.records_scanned, s.bytes_scanned
        ));
        if let Some(id) = &self.query_id {
            line.push_str(&format!(" · query id {id}"));
        }
        line
    }
}

pub(crate) fn type_cell(column: &str, text: &str) -> Cell {
    if let Some(time) = parse_time(column, text) {
        return Cell::Time(time);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && !text.starts_with('+') && !text.contains(['e', 'E']) => {
            Cell::Number(v)
        }
        _ => Cell::Text(text.to_owned()),
    }
}

fn parse_time(column: &str, text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    // Some services give @timestamp as epoch milliseconds.
    if column == "@timestamp" || column == "@ingestionTime" {
        return text
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time_range::rfc3339;
    use crate::render::Render;

    fn table() -> LogTable {
        let mut t = LogTable::new(
            vec!["bin(5m)".into(), "count(*)".into(), "route".into()],
            "stats count(*) by bin(5m), route",
        );
        t.rows = vec![
            vec![
                Some("2026-11-12 14:05:00.000".into()),
                Some("42".into()),
                Some("/api/cart".into()),
            ],
            vec![
                Some("2026-11-12 14:00:00.000".into()),
                Some("7".into()),
                None,
            ],
        ];
        t
    }

    #[test]
    fn cells_are_typed_where_obvious() {
        let t = table();
        assert_eq!(t.cell(0, "count(*)"), Cell::Number(42.0));
        assert_eq!(t.cell(0, "route"), Cell::Text("/api/cart".into()));
        assert_eq!(t.cell(1, "route"), Cell::Missing);
        let Cell::Time(at) = t.cell(0, "bin(5m)") else {
            panic!("not a time")
        };
        assert_eq!(rfc3339(at), "2026-11-12T14:05:00Z");
        let mut moto = LogTable::new(vec!["@timestamp".into()], "fields @timestamp");
        moto.rows = vec![vec![Some("1762956300000".into())]];
        assert!(matches!(moto.cell(0, "@timestamp"), Cell::Time(_)));
    }

    #[test]
    fn a_binned_count_becomes_a_sorted_series() {
        let series = table().to_series("bin(5m)", "count(*)");
        assert_eq!(series.values, vec![Some(7.0), Some(42.0)]);
        assert_eq!(
            series.query.as_deref(),
            Some("stats count(*) by bin(5m), route")
        );
    }

    #[test]
    fn pattern_results_read_as_patterns_with_counts_and_shares() {
        let mut t = LogTable::new(
            vec![
                "@pattern".into(),
                "@ratio".into(),
                "@sampleCount".into(),
                "@severityLabel".into(),
            ],
            "pattern @message",
        );
        t.rows = vec![vec![
            Some("ERROR <*> timeout".into()),
            Some("0.25".into()),
            Some("120".into()),
            Some("Error".into()),
        ]];
        let bundle = t.bundle();
        let text = bundle.data["text/plain"].as_str().unwrap();
        assert!(text.contains("ERROR <*> timeout  25.0%   120"), "{text}");
        let html = bundle.data["text/html"].as_str().unwrap();
        assert!(
            html.contains("<code>ERROR <b>&lt;*&gt;</b> timeout</code>"),
            "{html}"
        );
        assert!(html.contains("text-align:right\">120</td>"), "{html}");
    }

    #[test]
    fn renderings_show_rows_and_say_when_truncated() {
        let mut t = table();
        t.truncated = true;
        let bundle = t.bundle();
        let text = bundle.data["text/plain"].as_str().unwrap();
        assert!(text.starts_with("bin(5m)"), "{text}");
        assert!(text.contains("2026-11-12T14:05:00Z  42"), "{text}");
        assert!(text.contains("2 rows (TRUNCATED"), "{text}");
        let html = bundle.data["text/html"].as_str().unwrap();
        assert!(html.contains("<th>count(*)</th>"), "{html}");
        assert!(
            html.contains("<td style=\"text-align:left\">/api/cart</td>"),
            "{html}"
        );
    }
}
