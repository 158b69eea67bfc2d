//! Traces from CloudWatch Transaction Search, through the Logs Insights query path (so
//! each query is recorded like any other): spans live in the `aws/spans` log group, one
//! JSON span per event.
//!
//! - [`traces`]`().service("checkout").slowest(10)` — the slowest traces through a service
//!   in the window (`.errors()`: only those whose entry into the service failed). One
//!   query finds the service's entry spans, slowest first; a second fetches every span of
//!   those traces, so each [`Trace`] in the [`TraceList`] is whole.
//! - [`trace`]`(id)` — one trace's spans.
//!
//! Every row is read from `@message` and the queries' conditions are applied again to the
//! spans read, so a source that evaluates less of a query (moto answers `fields`, `sort`
//! and `limit` only) still gives the right traces from what it returned. On a local source
//! the spans are JSON Lines under `logs/aws/spans/`.
//!
//! ```no_run
//! use playbook::prelude::*;
//! # fn main() -> playbook::Result<()> {
//! let slow = traces().service("checkout").since("1h").slowest(5).run()?;
//! let worst = slow.slowest()?;
//! let again = trace(&worst.trace_id).since("1h").run()?;
//! # Ok(()) }
//! ```

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};
use crate::model::logs_query::logs_insights;
use crate::model::query::{RangeSpec, Windowed};
use crate::model::span::{Span, spans_of};
use crate::model::time_range::TimeRange;
use crate::model::trace::Trace;
pub use crate::model::trace_list::TraceList;

/// Transaction Search's log group.
pub const SPANS_GROUP: &str = "aws/spans";
/// Traces one list holds at most (their ids go into one query).
const MAX_TRACES: usize = 100;
/// How far around its entry spans a trace's other spans are looked for.
const MARGIN: TimeDelta = TimeDelta::minutes(5);

/// Which traces to list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracesQuery {
    /// Only traces through this service (`aws.local.service`, or the resource's
    /// `service.name`); none: every service.
    pub service: Option<String>,
    /// Only traces whose entry into the service failed.
    pub errors_only: bool,
    /// How many traces, slowest first.
    pub limit: usize,
    /// The span log group (`aws/spans` unless said).
    pub group: String,
    pub window: Option<RangeSpec>,
    pub source: Option<String>,
}

/// The slowest traces of the window (see the builder methods).
pub fn traces() -> TracesQuery {
    TracesQuery {
        service: None,
        errors_only: false,
        limit: 10,
        group: SPANS_GROUP.to_owned(),
        window: None,
        source: None,
    }
}

impl Windowed for TracesQuery {
    fn window_mut(&mut self) -> &mut Option<RangeSpec> {
        &mut self.window
    }

    fn source_mut(&mut self) -> &mut Option<String> {
        &mut self.source
    }
}

/// `value` as a Logs Insights string literal, refusing what it cannot hold safely.
fn literal(what: &str, value: &str) -> Result<String> {
    if value.is_empty() || value.contains(['"', '\\', '\n', '\r']) {
        return Err(Error::InvalidInput(format!(
            "{what} `{value}`: give a name without quotes, backslashes or line breaks"
        )));
    }
    Ok(format!("\"{value}\""))
}

impl TracesQuery {
    /// Only traces through `name`.
    pub fn service(mut self, name: &str) -> Self {
        self.service = Some(name.to_owned());
        self
    }

    /// The `n` slowest (at most 100).
    pub fn slowest(mut self, n: usize) -> Self {
        self.limit = n;
        self
    }

    /// Only traces whose entry into the service failed (status `ERROR`, or a 5xx).
    pub fn errors(mut self) -> Self {
        self.errors_only = true;
        self
    }

    /// Spans from another log group than `aws/spans` (an export in the same shape).
    pub fn group(mut self, name: &str) -> Self {
        self.group = name.to_owned();
        self
    }

    /// The query for the entry spans, slowest first (twice as many as traces wanted: a
    /// trace may enter a service twice).
    pub fn entry_query(&self) -> Result<String> {
        let mut text = "fields @timestamp, @message\n| filter ".to_owned();
        if let Some(service) = &self.service {
            let name = literal("service", service)?;
            text.push_str(&format!(
                "(`attributes.aws.local.service` = {name} or `resource.attributes.service.name` = {name}) and "
            ));
        }
        text.push_str("(kind = \"SERVER\" or `attributes.aws.span.kind` = \"LOCAL_ROOT\")");
        if self.errors_only {
            text.push_str(
                "\n| filter status.code = \"ERROR\" or `attributes.http.response.status_code` >= 500",
            );
        }
        text.push_str(&format!(
            "\n| sort durationNano desc\n| limit {}",
            2 * self.limit
        ));
        Ok(text)
    }

    /// Whether `span` is one the entry query asks for.
    fn wants(&self, span: &Span) -> bool {
        let service = self.service.as_ref().is_none_or(|s| span.service == *s);
        service && span.is_entry() && (span.error || !self.errors_only)
    }

    /// The traces, slowest first, each with every span found for it.
    pub fn run(&self) -> Result<TraceList> {
        if !(1..=MAX_TRACES).contains(&self.limit) {
            return Err(Error::InvalidInput(format!(
                "slowest({}): ask for 1 to {MAX_TRACES} traces",
                self.limit
            )));
        }
        let mut entries_query = logs_insights(&self.entry_query()?).group(&self.group);
        entries_query.window = self.window.clone();
        entries_query.source = self.source.clone();
        let table = entries_query.run()?;
        let (mut entries, note) = spans_of(&table);
        let mut notes: Vec<String> = note.into_iter().collect();
        entries.retain(|s| self.wants(s));
        entries.sort_by(|a, b| {
            b.duration_ns
                .cmp(&a.duration_ns)
                .then_with(|| a.start.cmp(&b.start))
        });
        let mut ids: Vec<String> = Vec::new();
        for span in &entries {
            if ids.len() < self.limit && !ids.contains(&span.trace_id) {
                ids.push(span.trace_id.clone());
            }
        }
        let mut list = TraceList {
            service: self.service.clone(),
            errors_only: self.errors_only,
            window: table.window,
            traces: Vec::new(),
            notes: Vec::new(),
        };
        let (Some(first), Some(last)) = (
            entries.iter().map(|s| s.start).min(),
            entries.iter().map(Span::end).max(),
        ) else {
            notes.push(format!("no entry spans in {}", self.group));
            list.notes = notes;
            return Ok(list);
        };
        // Whole seconds: the record reads better, and nothing is lost.
        let whole = |t: DateTime<Utc>, up: bool| {
            DateTime::from_timestamp(t.timestamp() + i64::from(up), 0).unwrap_or(t)
        };
        let around = TimeRange::new(whole(first - MARGIN, false), whole(last + MARGIN, true))?;
        let (spans, note) = fetch_spans(
            &ids,
            &self.group,
            Some(RangeSpec::Absolute(around)),
            &self.source,
        )?;
        notes.extend(note);
        list.traces = ids.iter().map(|id| Trace::new(id, spans.clone())).collect();
        list.notes = notes;
        Ok(list)
    }
}

/// Every span of the traces `ids` in the window, in start order (a note when some rows
/// were not spans).
fn fetch_spans(
    ids: &[String],
    group: &str,
    window: Option<RangeSpec>,
    source: &Option<String>,
) -> Result<(Vec<Span>, Option<String>)> {
    let quoted = ids
        .iter()
        .map(
            |id| match id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                true => Ok(format!("\"{id}\"")),
                false => Err(Error::InvalidInput(format!(
                    "trace id `{id}`: trace ids are letters, digits and `-`"
                ))),
            },
        )
        .collect::<Result<Vec<String>>>()?;
    let text = format!(
        "fields @timestamp, @message\n| filter traceId in [{}]\n| sort startTimeUnixNano asc",
        quoted.join(", ")
    );
    let mut query = logs_insights(&text).group(group);
    query.window = window;
    query.source = source.clone();
    let table = query.run()?;
    let (mut spans, note) = spans_of(&table);
    spans.retain(|s| ids.contains(&s.trace_id));
    Ok((spans, note))
}

/// One trace, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceQuery {
    pub trace_id: String,
    pub group: String,
    pub window: Option<RangeSpec>,
    pub source: Option<String>,
}

/// The trace `id` (its spans in the window: the session's unless said).
pub fn trace(id: &str) -> TraceQuery {
    TraceQuery {
        trace_id: id.trim().to_owned(),
        group: SPANS_GROUP.to_owned(),
        window: None,
        source: None,
    }
}

impl Windowed for TraceQuery {
    fn window_mut(&mut self) -> &mut Option<RangeSpec> {
        &mut self.window
    }

    fn source_mut(&mut self) -> &mut Option<String> {
        &mut self.source
    }
}

impl TraceQuery {
    /// Spans from another log group than `aws/spans`.
    pub fn group(mut self, name: &str) -> Self {
        self.group = name.to_owned();
        self
    }

    /// The trace; an error when none of its spans is in the window.
    pub fn run(&self) -> Result<Trace> {
        let ids = [self.trace_id.clone()];
        let (spans, note) = fetch_spans(&ids, &self.group, self.window.clone(), &self.source)?;
        if spans.is_empty() {
            return Err(Error::InvalidInput(format!(
                "no span of trace {} in {} in the window: widen it (`.since(\"1d\")`) or check the id",
                self.trace_id, self.group
            )));
        }
        let mut trace = Trace::new(&self.trace_id, spans);
        trace.notes.extend(note);
        Ok(trace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::trace::tests::slow_checkout;

    #[test]
    fn the_entry_query_asks_for_the_services_entry_spans_slowest_first() {
        let query = traces()
            .service("checkout")
            .slowest(5)
            .entry_query()
            .unwrap();
        assert!(query.starts_with("fields @timestamp, @message\n| filter (`attributes.aws.local.service` = \"checkout\""), "{query}");
        assert!(
            query.ends_with("| sort durationNano desc\n| limit 10"),
            "{query}"
        );
        let errors = traces().errors().entry_query().unwrap();
        assert!(
            errors.contains("| filter status.code = \"ERROR\""),
            "{errors}"
        );
        assert!(
            !errors.contains("aws.local.service"),
            "every service: {errors}"
        );
        let bad = traces().service("a\" or 1=1").entry_query().unwrap_err();
        assert!(bad.to_string().contains("without quotes"), "{bad}");
        assert!(
            traces()
                .slowest(0)
                .run()
                .unwrap_err()
                .to_string()
                .contains("1 to 100")
        );
    }

    #[test]
    fn spans_are_filtered_again_after_the_source() {
        let trace = slow_checkout();
        let (root, client) = (&trace.spans[0], &trace.spans[2]);
        let query = traces().service("checkout");
        assert!(query.wants(root) && !query.wants(client));
        assert!(!traces().service("payments").wants(root));
        assert!(!query.clone().errors().wants(root), "the root did not fail");
        let mut failed = root.clone();
        failed.error = true;
        assert!(query.errors().wants(&failed));
    }
}
