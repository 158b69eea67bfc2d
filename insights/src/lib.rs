//! Logs Insights, evaluated locally: parser and streaming evaluator for the commonly used
//! subset of the CloudWatch Logs Insights query language.
//!
//! ```text
//! parse(query) ──► Query (commands + a plan) ──► evaluator() ──► push(&Event)… ──► finish()
//! ```
//!
//! # Layout
//! - `lexer.rs`: tokens with 1-based columns; `/` is division or a regex by context.
//! - `ast.rs`: commands and expressions, field names resolved to slots.
//! - `parser.rs` (tokens, errors, the `|` sequence), `commands.rs` and `expr.rs`: recursive
//!   descent.
//! - `functions.rs`: scalar functions; `stats.rs`: aggregate functions and groups.
//! - `value.rs`: values and their text form; `order.rs`: CloudWatch's natural sort order.
//! - `json.rs`: a targeted extractor of the JSON fields a query references.
//! - `fields.rs`: one row's fields, filled lazily from the event.
//! - `pattern.rs`: `parse` with a glob or a regex.
//! - `eval.rs`: expressions and per-row commands; `pipeline.rs`: commands over kept rows.
//! - `plan.rs`: what runs per event, what is kept, the output columns.
//! - `collect.rs`: the bounded top-N (and dedup) of non-stats queries.
//! - `evaluator.rs`: [`Evaluator`]; `prefilter.rs`: [`Query::required_substrings`].
//!
//! # Semantics worth knowing
//! - Without `stats`, events are taken in CloudWatch's default order, `@timestamp`
//!   descending (ties: the order they were pushed); `sort` without `asc`/`desc` sorts
//!   descending, as CloudWatch does.
//! - Every query returns at most [`DEFAULT_LIMIT`] rows; [`InsightsOutput::truncated`] says
//!   when that cap (not an explicit `limit`) dropped rows.
//! - A comparison with a missing field is neither true nor false: `filter` drops the event,
//!   and so does `filter not (…)`.
//! - `pct(f, N)` is the nearest-rank percentile (see `stats.rs`).

mod ast;
mod clusters;
mod collect;
mod commands;
mod eval;
mod evaluator;
mod expr;
mod fields;
mod functions;
mod json;
mod lexer;
pub mod log_pattern;
mod order;
mod parser;
mod pattern;
mod pipeline;
mod plan;
mod prefilter;
mod splitting;
mod stats;
mod value;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

pub use evaluator::Evaluator;
pub use parser::parse;
pub use splitting::Splitting;

/// The most rows a query returns (CloudWatch's cap, and its default when `limit` is absent).
pub const DEFAULT_LIMIT: usize = 10_000;

/// A query that did not parse: what was expected, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// 1-based column, in characters from the start of the query.
    pub column: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at col {}", self.message, self.column)
    }
}

impl std::error::Error for ParseError {}

/// A parsed query. Cheap to clone; evaluate it with [`Query::evaluator`].
#[derive(Debug, Clone)]
pub struct Query {
    plan: Arc<plan::Plan>,
}

impl Query {
    /// A fresh streaming evaluation of this query.
    pub fn evaluator(&self) -> Evaluator {
        Evaluator::new(Arc::clone(&self.plan))
    }

    /// The row limit this query asks for (`limit N` of the last limit command), if any.
    pub fn limit(&self) -> Option<usize> {
        self.plan.explicit_limit
    }

    /// Literal strings that the raw `@message` of every event passing the query's filters
    /// contains: a caller may skip events lacking any of them before pushing them.
    ///
    /// Sound for messages whose JSON encoder escapes only what it must (no gratuitous
    /// `\u0041`): only string literals made of printable ASCII other than `"`, `\`, `/`,
    /// `'`, `<`, `>` and `&` are returned, and only from `=`, `like "…"` and one-element
    /// `in` on fields that still hold text taken from the message, joined by `and`.
    pub fn required_substrings(&self) -> Vec<String> {
        self.plan.required.clone()
    }

    /// The output columns, in order.
    pub fn columns(&self) -> Vec<String> {
        self.plan
            .columns
            .iter()
            .map(|(name, _)| name.clone())
            .collect()
    }
}

/// One log event, borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// Event time, epoch milliseconds UTC.
    pub timestamp_ms: i64,
    /// `@ingestionTime` (callers pass `timestamp_ms` when unknown).
    pub ingestion_ms: i64,
    /// The raw message (`@message`); may be a JSON object.
    pub message: &'a str,
    /// `@logStream`.
    pub log_stream: &'a str,
    /// `@log`.
    pub log_group: &'a str,
}

/// The result of a query, with cells as text like `GetQueryResults` gives them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InsightsOutput {
    /// Output columns in query order.
    pub columns: Vec<String>,
    /// One cell per column; `None` when the field is absent in that row.
    pub rows: Vec<Vec<Option<String>>>,
    /// Events that passed every filter before `stats`/`sort`/`limit`/`dedup`.
    pub records_matched: u64,
    /// Events pushed.
    pub records_scanned: u64,
    /// Sum of the lengths of the messages pushed.
    pub bytes_scanned: u64,
    /// More rows than [`DEFAULT_LIMIT`] would have been returned without the cap.
    pub truncated: bool,
}
