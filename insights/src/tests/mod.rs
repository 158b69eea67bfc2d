//! Tests of the Logs Insights engine, by concept, with exact expected cells.

mod commands;
mod errors;
mod functions;
mod fuzz;
mod json_fields;
mod patterns;
mod prefilter;
mod stats;

use super::{Event, InsightsOutput, parse};

/// 2024-01-01 10:00:00.000 UTC.
pub(super) const T0: i64 = 1_704_103_200_000;

/// Runs `query` over `(timestamp_ms, message)` events pushed in the given order.
pub(super) fn run(query: &str, events: &[(i64, &str)]) -> InsightsOutput {
    let query = parse(query).unwrap_or_else(|e| panic!("{query}: {e}"));
    let mut evaluator = query.evaluator();
    for &(timestamp_ms, message) in events {
        evaluator.push(&Event {
            timestamp_ms,
            ingestion_ms: timestamp_ms + 500,
            message,
            log_stream: "stream-1",
            log_group: "/app/checkout",
        });
    }
    evaluator.finish()
}

/// Messages one second apart from [`T0`], in the given order.
pub(super) fn json_events(lines: &[&'static str]) -> Vec<(i64, &'static str)> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| (T0 + 1000 * i as i64, *l))
        .collect()
}

/// The cells, with `∅` for an absent field.
pub(super) fn cells(out: &InsightsOutput) -> Vec<Vec<String>> {
    let cell = |c: &Option<String>| c.clone().unwrap_or_else(|| "∅".to_owned());
    out.rows
        .iter()
        .map(|r| r.iter().map(cell).collect())
        .collect()
}

/// Rows written as `["a", "b"]` literals.
pub(super) fn table<const N: usize>(rows: &[[&str; N]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect()
}

/// The single-column output of `query` as a list.
pub(super) fn column(query: &str, events: &[(i64, &str)]) -> Vec<String> {
    let out = run(query, events);
    assert_eq!(out.columns.len(), 1, "{:?}", out.columns);
    cells(&out).into_iter().map(|mut r| r.remove(0)).collect()
}
