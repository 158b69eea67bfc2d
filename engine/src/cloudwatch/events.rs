//! Reading one log stream in order (GetLogEvents): what FilterLogEvents without a pattern
//! on a single stream becomes, since it reads the stream directly instead of searching the
//! group. Pages forward until the service returns the same token twice (its end marker).

use std::sync::atomic::Ordering;
use std::time::Instant;

use chrono::DateTime;

use super::Shared;
use super::logs_wire::GetLogEvents;
use super::paging::{Next, Pager};
use crate::backend::Outcome;
use crate::error::EngineError;
use playbook::model::log_table::LogTable;
use playbook::model::logs_query::FilterQuery;
use playbook::model::time_range::TimeRange;

/// Pages one read may follow.
const MAX_PAGES: u32 = 1_000;
/// The engine's pace for GetLogEvents (quota: 25 TPS).
const GET_LOG_EVENTS_TPS: f64 = 10.0;

/// Stops a paging loop when the query was cancelled or ran past its deadline.
pub fn still_wanted(
    shared: &Shared,
    api: &str,
    deadline: Instant,
    hint: &str,
) -> Result<(), EngineError> {
    if shared.cancelled.load(Ordering::SeqCst) {
        return Err(EngineError::Cancelled(api.to_owned()));
    }
    if Instant::now() >= deadline {
        return Err(EngineError::Timeout {
            what: api.to_owned(),
            seconds: shared.query_timeout.as_secs(),
            hint: hint.to_owned(),
        });
    }
    Ok(())
}

/// One event as a row: `@timestamp` (as Logs Insights writes it), `@logStream`, `@message`.
pub fn event_row(
    timestamp_ms: Option<i64>,
    stream: Option<&str>,
    message: Option<&str>,
) -> Vec<Option<String>> {
    let time = timestamp_ms
        .and_then(DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string());
    vec![time, stream.map(str::to_owned), message.map(str::to_owned)]
}

/// Raw events as a table of `@timestamp`, `@logStream`, `@message`.
pub fn events_table(
    query: String,
    group: &str,
    rows: Vec<Vec<Option<String>>>,
    window: TimeRange,
    truncated: bool,
) -> LogTable {
    let mut table = LogTable::new(
        vec!["@timestamp".into(), "@logStream".into(), "@message".into()],
        query,
    );
    table.rows = rows;
    table.groups = vec![group.to_owned()];
    table.window = Some(window);
    table.truncated = truncated;
    table.statistics.records_matched = table.len() as f64;
    table
}

/// The events of `stream` in `window`, oldest first, at most `limit`.
pub async fn read_stream(
    shared: &Shared,
    query: &FilterQuery,
    stream: &str,
    window: TimeRange,
    limit: usize,
) -> Result<Outcome<LogTable>, EngineError> {
    let deadline = Instant::now() + shared.query_timeout;
    let mut rows = Vec::new();
    let mut truncated = false;
    let mut pager = Pager::new(shared, "GetLogEvents", MAX_PAGES);
    while let Some(token) = pager.next_page()? {
        still_wanted(shared, "GetLogEvents", deadline, ": narrow the window")?;
        shared.quotas.logs_calls.acquire(GET_LOG_EVENTS_TPS).await;
        let response = shared
            .logs
            .send(&GetLogEvents {
                log_group_name: &query.group,
                log_stream_name: stream,
                start_time: window.start.timestamp_millis(),
                end_time: window.end.timestamp_millis(),
                start_from_head: true,
                limit: i32::try_from((limit - rows.len()).min(10_000)).unwrap_or(10_000),
                next_token: token.clone(),
            })
            .await?;
        for event in &response.events {
            rows.push(event_row(
                event.timestamp,
                Some(stream),
                event.message.as_deref(),
            ));
        }
        // The end of a stream: the same forward token again, or an empty page.
        let next = response.next_forward_token;
        let at_end = next.is_none() || next == token || response.events.is_empty();
        if rows.len() >= limit {
            truncated = !at_end || rows.len() > limit;
            rows.truncate(limit);
            pager.then(Next::Done);
            continue;
        }
        pager.then(if at_end {
            Next::Done
        } else {
            Next::after(next.as_deref())
        });
    }
    let paged = pager.finish();
    truncated |= !paged.complete;
    let table = events_table(
        format!("events of {}/{stream}", query.group),
        &query.group,
        rows,
        window,
        truncated,
    );
    Ok(Outcome::new(table, paged.calls))
}
