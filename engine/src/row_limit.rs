//! Logs Insights past its 10,000-row limit. A row query whose result reached the limit is
//! run again over the halves of its window, and each half that still reaches it is halved
//! again, until no part is truncated — at most [`MAX_QUERIES`] queries, no part shorter
//! than [`MIN_PART`] — and the parts' rows are put together in the query's order. What
//! cannot be split says why and how to narrow it: `stats` at the limit (its groups span
//! the window), `dedup` (one row per value over the whole window), a query's own `limit`
//! (it asked for no more), PPL and SQL (not parsed here).

use chrono::TimeDelta;
use playbook::model::log_table::LogTable;
use playbook::model::query::LogsQuery;
use playbook::model::time_range::TimeRange;
use playbook_insights::Splitting;

use crate::backend::{Backend, Outcome};
use crate::error::EngineError;

/// Queries one result may take (the first included): 64 parts hold 640,000 rows.
pub const MAX_QUERIES: usize = 64;
/// The shortest part (StartQuery's times are whole seconds).
pub const MIN_PART: TimeDelta = TimeDelta::seconds(2);

/// Runs `query` over `window`, splitting the window when a row query reaches the limit.
pub(crate) fn run(
    backend: &dyn Backend,
    query: &LogsQuery,
    groups: &[String],
    window: TimeRange,
) -> Result<Outcome<LogTable>, EngineError> {
    let first = backend.logs_insights(query, groups, window)?;
    if !first.value.truncated {
        return Ok(first);
    }
    let order = match why_not(query) {
        Ok(order) => order,
        Err(reason) => {
            let mut first = first;
            let rows = first.value.len();
            first.notes.push(format!(
                "the result reached the row limit ({rows} rows), {reason}"
            ));
            return Ok(first);
        }
    };
    let mut split = Split::new(first);
    split.halve(backend, query, groups, window)?;
    Ok(split.finish(order))
}

/// The order of a splittable query's rows, or why it cannot be split.
fn why_not(query: &LogsQuery) -> Result<Option<(String, bool)>, String> {
    if !query.language.is_default() {
        return Err("not split (only Logs Insights QL queries are): more rows matched; narrow the window or filter first".into());
    }
    if query
        .limit
        .is_some_and(|l| l < playbook_insights::DEFAULT_LIMIT)
    {
        return Err("as many as the query asked for (its own limit)".into());
    }
    let parsed = playbook_insights::parse(&query.query).map_err(|e| {
        format!(
            "not split (the query could not be read here: {e}); narrow the window or filter first"
        )
    })?;
    match parsed.splitting() {
        Splitting::Rows { order } => Ok(order),
        Splitting::Aggregates => Err(
            "not split: `stats` groups span the window, so parts would break \
             them; group by fewer fields, bin() wider, or filter first"
                .into(),
        ),
        Splitting::Limited(_) => Err("as many as the query asked for (its own `limit`)".into()),
        Splitting::Deduplicated => Err(
            "not split: `dedup` keeps one row per value over the whole window; \
             narrow the window or filter first"
                .into(),
        ),
    }
}

/// The parts run so far.
struct Split {
    calls: u32,
    retried: u32,
    queries: usize,
    query_ids: Vec<String>,
    /// Complete (or unsplittable) parts, with their windows.
    parts: Vec<(TimeRange, LogTable)>,
    template: LogTable,
    still_truncated: bool,
    /// The first query's notes (a wait in the queue, retries), kept for the whole result.
    notes: Vec<String>,
}

impl Split {
    fn new(first: Outcome<LogTable>) -> Split {
        Split {
            calls: first.api_calls,
            retried: first.retried_calls,
            queries: 1,
            query_ids: first.query_ids,
            parts: Vec::new(),
            template: first.value,
            still_truncated: false,
            notes: first.notes,
        }
    }

    /// Runs the halves of `window` (a stack, so parts finish in time order), halving again
    /// what reaches the limit, within the bounds.
    fn halve(
        &mut self,
        backend: &dyn Backend,
        query: &LogsQuery,
        groups: &[String],
        window: TimeRange,
    ) -> Result<(), EngineError> {
        // Last in, first out: the early half is run first.
        let mut todo: Vec<TimeRange> = halves(window)
            .map(|[early, late]| vec![late, early])
            .unwrap_or_default();
        if todo.is_empty() {
            // Too short to halve: the first answer is all there is.
            self.parts.push((window, self.template.clone()));
            self.still_truncated = true;
        }
        while let Some(part) = todo.pop() {
            if self.queries >= MAX_QUERIES {
                self.still_truncated = true;
                break;
            }
            let outcome = backend.logs_insights(query, groups, part)?;
            self.queries += 1;
            self.calls += outcome.api_calls;
            self.retried += outcome.retried_calls;
            self.query_ids.extend(outcome.query_ids);
            let table = outcome.value;
            match (table.truncated, halves(part)) {
                (true, Some([early, late])) => todo.extend([late, early]),
                (truncated, _) => {
                    self.still_truncated |= truncated;
                    self.parts.push((part, table));
                }
            }
        }
        Ok(())
    }

    fn finish(self, order: Option<(String, bool)>) -> Outcome<LogTable> {
        let mut table = self.template;
        table.rows = merge(&self.parts, &table.columns, order.as_ref());
        table.truncated = self.still_truncated;
        table.statistics = sum_statistics(&self.parts);
        let mut outcome = Outcome::new(table, self.calls);
        outcome.notes = self.notes;
        outcome.retried_calls = self.retried;
        outcome.query_ids = self.query_ids;
        outcome.notes.push(if self.still_truncated {
            format!(
                "the result reached the 10,000-row limit; split into {} parts ({} queries, the most \
                 allowed) some parts still reach it: {} rows shown; narrow the window or filter first",
                self.parts.len(),
                self.queries,
                outcome.value.len()
            )
        } else {
            format!(
                "the result reached the 10,000-row limit: the window was split into {} parts \
                 ({} queries), none truncated: all {} rows",
                self.parts.len(),
                self.queries,
                outcome.value.len()
            )
        });
        outcome
    }
}

/// The two halves of `window`, on whole seconds; `None` when it is too short to halve.
fn halves(window: TimeRange) -> Option<[TimeRange; 2]> {
    let length = window.duration();
    if length < MIN_PART * 2 {
        return None;
    }
    let middle = window.start + TimeDelta::seconds(length.num_seconds() / 2);
    Some([
        TimeRange::new(window.start, middle).ok()?,
        TimeRange::new(middle, window.end).ok()?,
    ])
}

/// The parts' rows in the query's order: by its sort field when it sorts by one (stable,
/// numbers as numbers), else part after part. A row repeated at the instant two parts
/// share (a service counting that second in both) is kept once.
fn merge(
    parts: &[(TimeRange, LogTable)],
    columns: &[String],
    order: Option<&(String, bool)>,
) -> Vec<Vec<Option<String>>> {
    let mut rows: Vec<Vec<Option<String>>> = Vec::new();
    let mut previous_part = 0;
    for (i, (window, table)) in parts.iter().enumerate() {
        let this_part = rows.len();
        let times = table.times("@timestamp");
        for (j, row) in table.rows().iter().enumerate() {
            let row = realign(row, &table.columns, columns);
            let on_boundary = i > 0 && times.get(j).copied().flatten() == Some(window.start);
            if on_boundary && rows[previous_part..this_part].contains(&row) {
                continue;
            }
            rows.push(row);
        }
        previous_part = this_part;
    }
    if let Some((field, descending)) = order
        && let Some(at) = columns.iter().position(|c| c == field)
    {
        rows.sort_by(|a, b| {
            let ordering = compare(a.get(at), b.get(at));
            if *descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
    }
    rows
}

/// `row` (in `from`'s column order) in `to`'s column order.
fn realign(row: &[Option<String>], from: &[String], to: &[String]) -> Vec<Option<String>> {
    to.iter()
        .map(|c| {
            from.iter()
                .position(|f| f == c)
                .and_then(|i| row.get(i).cloned().flatten())
        })
        .collect()
}

/// Numbers as numbers, the rest as text; empty cells last.
fn compare(a: Option<&Option<String>>, b: Option<&Option<String>>) -> std::cmp::Ordering {
    let (a, b) = (a.cloned().flatten(), b.cloned().flatten());
    match (a, b) {
        (Some(a), Some(b)) => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => x.total_cmp(&y),
            _ => a.cmp(&b),
        },
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

fn sum_statistics(parts: &[(TimeRange, LogTable)]) -> playbook::model::log_table::QueryStatistics {
    let mut total = playbook::model::log_table::QueryStatistics::default();
    for (_, table) in parts {
        total.records_matched += table.statistics.records_matched;
        total.records_scanned += table.statistics.records_scanned;
        total.bytes_scanned += table.statistics.bytes_scanned;
    }
    total
}

#[cfg(test)]
mod tests;
