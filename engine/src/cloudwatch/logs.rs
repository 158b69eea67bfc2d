//! CloudWatch Logs: Logs Insights (StartQuery, GetQueryResults polled with backoff until a
//! final status, StopQuery on cancel or timeout, a gate on concurrent queries),
//! FilterLogEvents and DescribeLogGroups with paging; each call through `logs_api.rs`.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::Shared;
use super::events::{event_row, events_table, still_wanted};
use super::insights_queue;
use super::logs_api::{GetQueryResults, StopQuery};
use super::logs_wire::{
    self, FilterLogEvents, GetQueryResultsOutput, QueryId, QueryStatus, ResultField,
};
use super::paging::{Next, Pager};
use crate::backend::Outcome;
use crate::error::EngineError;
use playbook::model::log_table::{LogTable, QueryStatistics};
use playbook::model::query::{FilterQuery, LogsQuery};
use playbook::model::time_range::TimeRange;

/// Rows a Logs Insights query returns when it does not say.
pub const DEFAULT_LIMIT: usize = 10_000;
/// Logs API calls per second the engine allows itself (GetQueryResults' quota is 5 TPS
/// per account on many accounts; FilterLogEvents' 10).
const LOGS_TPS: f64 = 5.0;
/// Pages FilterLogEvents / DescribeLogGroups may follow.
const MAX_PAGES: u32 = 1_000;

/// Runs a Logs Insights query and waits for its result: a slot under the concurrency
/// gate, StartQuery, then GetQueryResults with backoff until a final status.
pub async fn insights(
    shared: &Shared,
    query: &LogsQuery,
    groups: &[String],
    window: TimeRange,
) -> Result<Outcome<LogTable>, EngineError> {
    let deadline = Instant::now() + shared.query_timeout;
    let slot = insights_queue::slot(shared, deadline).await?;
    let (id, start_calls) =
        start_when_the_quota_allows(shared, query, groups, window, deadline).await?;
    let mut api_calls = start_calls;
    let mut pause = Duration::from_millis(200);
    let started_at = Instant::now();
    loop {
        check_still_wanted(shared, &id, deadline).await?;
        shared.quotas.logs_calls.acquire(LOGS_TPS).await;
        let response = shared
            .logs
            .send(&GetQueryResults(QueryId { query_id: &id }))
            .await?;
        api_calls += 1;
        match response.status.as_ref() {
            Some(QueryStatus::Complete) => {
                let mut outcome = complete(query, groups, window, &id, &response, api_calls);
                if let Some((ahead, waited)) = slot.waited {
                    outcome.notes.push(format!(
                        "queued behind {ahead} Logs Insights quer{} for {:.1} s ({} at once: {})",
                        if ahead == 1 { "y" } else { "ies" },
                        waited.as_secs_f64(),
                        shared
                            .quotas
                            .insights_limit
                            .load(std::sync::atomic::Ordering::SeqCst),
                        shared
                            .quotas
                            .insights_origin
                            .get()
                            .map_or("", String::as_str)
                    ));
                }
                return Ok(outcome);
            }
            Some(
                status @ (QueryStatus::Failed | QueryStatus::Cancelled | QueryStatus::Timeout),
            ) => {
                return Err(EngineError::Service {
                    api: "GetQueryResults",
                    code: status.as_str().to_owned(),
                    message: format!("Logs Insights query {id} ended {}", status.as_str()),
                });
            }
            status => {
                let stats = response.statistics.clone().unwrap_or_default();
                shared.report(&format!(
                    "Logs Insights query {id}: {} · {:.0} records scanned, {:.0} matched · {:.1} s",
                    status.map_or("Unknown", |s| s.as_str()),
                    stats.records_scanned,
                    stats.records_matched,
                    started_at.elapsed().as_secs_f64()
                ));
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// StartQuery, tried again while the account's concurrent-query quota is full (other
/// clients' queries) until the deadline or the queue's patience; the query's id and the
/// calls it took.
async fn start_when_the_quota_allows(
    shared: &Shared,
    query: &LogsQuery,
    groups: &[String],
    window: TimeRange,
    deadline: Instant,
) -> Result<(String, u32), EngineError> {
    let since = Instant::now();
    let mut tries = 0;
    loop {
        tries += 1;
        match start(shared, query, groups, window).await {
            Ok(id) => return Ok((id, tries)),
            Err(error) if insights_queue::quota_full(&error) => {
                let Some(pause) = insights_queue::next_try(tries - 1, since, deadline) else {
                    return Err(error);
                };
                shared.report(&format!(
                    "Logs Insights: the account's concurrent-query quota is full \
                     (LimitExceededException); starting again in {} s",
                    pause.as_secs()
                ));
                tokio::time::sleep(pause).await;
                if shared.cancelled.load(Ordering::SeqCst) {
                    return Err(EngineError::Cancelled("Logs Insights".into()));
                }
            }
            Err(error) => return Err(error),
        }
    }
}

/// StartQuery; the query's id.
async fn start(
    shared: &Shared,
    query: &LogsQuery,
    groups: &[String],
    window: TimeRange,
) -> Result<String, EngineError> {
    shared.quotas.logs_calls.acquire(LOGS_TPS).await;
    let language = match query.language {
        playbook::model::query::QueryLanguage::LogsInsightsQl => logs_wire::QueryLanguage::Cwli,
        playbook::model::query::QueryLanguage::Ppl => logs_wire::QueryLanguage::Ppl,
        playbook::model::query::QueryLanguage::Sql => logs_wire::QueryLanguage::Sql,
    };
    // OpenSearch SQL names its groups in FROM (and StartQuery refuses both). Groups of
    // linked accounts go by ARN, as identifiers (which take names too).
    let by_arn = groups.iter().any(|g| g.starts_with("arn:"));
    let groups = (!groups.is_empty()).then_some(groups);
    let (names, identifiers) = if by_arn {
        (None, groups)
    } else {
        (groups, None)
    };
    let started = shared
        .logs
        .send(&logs_wire::StartQuery {
            query_language: language,
            log_group_names: names,
            log_group_identifiers: identifiers,
            start_time: window.start.timestamp(),
            end_time: window.end.timestamp(),
            query_string: &query.query,
            limit: query.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX)),
        })
        .await?;
    started
        .query_id
        .ok_or_else(|| EngineError::Query("StartQuery returned no query id".into()))
}

/// Stops query `id` (StopQuery) when it was cancelled or ran past `deadline`.
async fn check_still_wanted(
    shared: &Shared,
    id: &str,
    deadline: Instant,
) -> Result<(), EngineError> {
    if shared.cancelled.load(Ordering::SeqCst) {
        let note = stop(shared, id).await;
        return Err(EngineError::Cancelled(format!(
            "Logs Insights query {id}{note}"
        )));
    }
    if Instant::now() >= deadline {
        let note = stop(shared, id).await;
        return Err(EngineError::Timeout {
            what: format!("Logs Insights query {id}"),
            seconds: shared.query_timeout.as_secs(),
            hint: format!("{note}; narrow the window or set PLAYBOOK_QUERY_TIMEOUT"),
        });
    }
    Ok(())
}

/// The table of a completed query, flagged when it reached the row limit (what that
/// means for the result is said once, for every source, by `row_limit`).
fn complete(
    query: &LogsQuery,
    groups: &[String],
    window: TimeRange,
    id: &str,
    response: &GetQueryResultsOutput,
    api_calls: u32,
) -> Outcome<LogTable> {
    let mut table = to_table(query, &response.results, window);
    let stats = response.statistics.clone().unwrap_or_default();
    table.statistics = QueryStatistics {
        records_matched: stats.records_matched,
        records_scanned: stats.records_scanned,
        bytes_scanned: stats.bytes_scanned,
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).min(DEFAULT_LIMIT);
    table.truncated = table.len() >= limit;
    table.groups = groups.to_vec();
    table.query_id = Some(id.to_owned());
    let mut outcome = Outcome::new(table, api_calls);
    outcome.query_ids = vec![id.to_owned()];
    outcome
}

/// Asks the service to stop a query; returns a note for the error message.
async fn stop(shared: &Shared, id: &str) -> String {
    match shared.logs.send(&StopQuery(QueryId { query_id: id })).await {
        Ok(_) => " (stopped with StopQuery)".to_owned(),
        Err(e) => format!(" (StopQuery failed: {e})"),
    }
}

/// Rows to a table: columns in the order the query's fields first appear, `@ptr` left out.
pub(crate) fn to_table(
    query: &LogsQuery,
    rows: &[Vec<ResultField>],
    window: TimeRange,
) -> LogTable {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        for field in row {
            if let Some(name) = field.field.as_deref()
                && name != "@ptr"
                && !columns.iter().any(|c| c == name)
            {
                columns.push(name.to_owned());
            }
        }
    }
    let mut table = LogTable::new(columns, query.query.clone());
    table.rows = rows
        .iter()
        .map(|row| {
            table
                .columns
                .iter()
                .map(|c| {
                    row.iter()
                        .find(|f| f.field.as_deref() == Some(c.as_str()))
                        .and_then(|f| f.value.clone())
                })
                .collect()
        })
        .collect();
    table.window = Some(window);
    table
}

/// FilterLogEvents, paged (an empty page with a token is not the end) up to the limit.
pub async fn filter(
    shared: &Shared,
    query: &FilterQuery,
    window: TimeRange,
) -> Result<Outcome<LogTable>, EngineError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if let ([stream], None) = (query.streams.as_slice(), &query.pattern) {
        return super::events::read_stream(shared, query, stream, window, limit).await;
    }
    let deadline = Instant::now() + shared.query_timeout;
    let mut rows = Vec::new();
    let mut truncated = false;
    let streams = (!query.streams.is_empty()).then_some(query.streams.as_slice());
    let mut pager = Pager::new(shared, "FilterLogEvents", MAX_PAGES);
    while let Some(token) = pager.next_page()? {
        still_wanted(
            shared,
            "FilterLogEvents",
            deadline,
            ": narrow the window or the pattern",
        )?;
        shared.quotas.logs_calls.acquire(LOGS_TPS).await;
        let response = shared
            .logs
            .send(&FilterLogEvents {
                log_group_name: &query.group,
                log_stream_names: streams,
                start_time: window.start.timestamp_millis(),
                end_time: window.end.timestamp_millis() - 1,
                filter_pattern: query.pattern.as_deref(),
                next_token: token,
                limit: i32::try_from((limit - rows.len()).min(10_000)).unwrap_or(10_000),
            })
            .await?;
        for event in &response.events {
            rows.push(event_row(
                event.timestamp,
                event.log_stream_name.as_deref(),
                event.message.as_deref(),
            ));
        }
        let next = Next::after(response.next_token.as_deref());
        if rows.len() >= limit {
            truncated = matches!(next, Next::Page(_)) || rows.len() > limit;
            rows.truncate(limit);
            pager.then(Next::Done);
            continue;
        }
        pager.then(next);
    }
    let paged = pager.finish();
    truncated |= !paged.complete;
    let table = events_table(
        format!(
            "filter {}",
            query.pattern.as_deref().unwrap_or("(all events)")
        ),
        &query.group,
        rows,
        window,
        truncated,
    );
    Ok(Outcome::new(table, paged.calls))
}

/// DescribeLogGroups, paged: the names.
pub async fn groups(shared: &Shared, prefix: Option<&str>) -> Result<Vec<String>, EngineError> {
    let outcome = super::inventory::log_groups(shared, prefix).await?;
    Ok(outcome.value.into_iter().map(|g| g.name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use playbook::model::query::logs_insights;

    fn field(name: &str, value: &str) -> ResultField {
        ResultField {
            field: Some(name.to_owned()),
            value: Some(value.to_owned()),
        }
    }

    #[test]
    fn columns_keep_query_order_and_drop_ptr() {
        let rows = vec![
            vec![
                field("route", "/api/cart"),
                field("n", "3"),
                field("@ptr", "x"),
            ],
            vec![
                field("route", "/api/pay"),
                field("extra", "e"),
                field("n", "1"),
            ],
        ];
        let window = TimeRange::parse("2026-11-12T14:00:00Z..2026-11-12T15:00:00Z").unwrap();
        let table = to_table(
            &logs_insights("stats count(*) as n by route"),
            &rows,
            window,
        );
        assert_eq!(table.columns, ["route", "n", "extra"]);
        assert_eq!(table.text(1, "n"), Some("1"));
        assert_eq!(table.text(0, "extra"), None);
    }
}
