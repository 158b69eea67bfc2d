//! `Span`: one span of a trace as CloudWatch Transaction Search stores it in the
//! `aws/spans` log group — an OpenTelemetry span in JSON with Application Signals'
//! attributes (`traceId`, `spanId`, `parentSpanId`, `name`, `kind`, `startTimeUnixNano`,
//! `endTimeUnixNano`, `durationNano`, `status.code`, `attributes."aws.local.service"`,
//! `attributes."aws.local.operation"`, `attributes."aws.remote.service"`,
//! `resource.attributes."service.name"`), read from the `@message` of a Logs Insights row.
//!
//! Rows that are not spans (not JSON, no ids, no times) are skipped and counted, so a
//! trace is never built from a guess.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::log_table::LogTable;

/// One span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub trace_id: String,
    pub span_id: String,
    /// None for the root of a trace.
    pub parent_span_id: Option<String>,
    pub name: String,
    /// `SERVER`, `CLIENT`, `INTERNAL`, `PRODUCER`, `CONSUMER` (as stored).
    pub kind: String,
    /// The service that recorded the span (`aws.local.service`, else the resource's
    /// `service.name`).
    pub service: String,
    /// `aws.local.operation`, when recorded.
    pub operation: Option<String>,
    /// The service a client span called (`aws.remote.service`).
    pub remote_service: Option<String>,
    pub start: DateTime<Utc>,
    /// Nanoseconds from start to end.
    pub duration_ns: u64,
    /// `status.code` is `ERROR`, or the HTTP response status is 5xx.
    pub error: bool,
    /// The status message of a failed span.
    pub status_message: Option<String>,
    /// Every attribute of the span, as stored (the user's data).
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
}

/// The stored JSON of a span, as far as it is read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    trace_id: String,
    span_id: String,
    #[serde(default)]
    parent_span_id: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: Option<Value>,
    start_time_unix_nano: Nanos,
    #[serde(default)]
    end_time_unix_nano: Option<Nanos>,
    #[serde(default)]
    duration_nano: Option<Nanos>,
    #[serde(default)]
    status: Status,
    #[serde(default)]
    attributes: BTreeMap<String, Value>,
    #[serde(default)]
    resource: Resource,
}

/// Nanoseconds as a JSON number or, as OTLP's JSON encoding writes 64-bit integers, a
/// string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Nanos {
    Number(u64),
    Text(String),
}

#[derive(Debug, Default, Deserialize)]
struct Status {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Resource {
    #[serde(default)]
    attributes: BTreeMap<String, Value>,
}

impl Nanos {
    fn get(&self) -> Option<u64> {
        match self {
            Nanos::Number(n) => Some(*n),
            Nanos::Text(text) => text.trim().parse().ok(),
        }
    }
}

/// A string attribute.
fn text(attributes: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    match attributes.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

impl Span {
    /// Reads a span from its stored JSON; says why when it is not one.
    pub fn from_json(json: &str) -> Result<Span, String> {
        let stored: Stored = serde_json::from_str(json).map_err(|e| format!("not a span: {e}"))?;
        if stored.trace_id.is_empty() || stored.span_id.is_empty() {
            return Err("a span without a traceId or spanId".into());
        }
        let start_ns = stored
            .start_time_unix_nano
            .get()
            .ok_or("startTimeUnixNano is not a number")?;
        let end_ns = stored.end_time_unix_nano.as_ref().and_then(Nanos::get);
        let duration_ns = match (stored.duration_nano.as_ref().and_then(Nanos::get), end_ns) {
            (Some(d), _) => d,
            (None, Some(end)) => end
                .checked_sub(start_ns)
                .ok_or("it ends before it starts")?,
            (None, None) => return Err("a span with neither an end nor a duration".into()),
        };
        let start = i64::try_from(start_ns)
            .ok()
            .map(DateTime::from_timestamp_nanos)
            .ok_or("startTimeUnixNano is out of range")?;
        let code = match &stored.status.code {
            Some(Value::String(code)) => code.to_ascii_uppercase(),
            // OTLP's numeric codes: 0 unset, 1 ok, 2 error.
            Some(Value::Number(n)) if n.as_u64() == Some(2) => "STATUS_CODE_ERROR".into(),
            _ => String::new(),
        };
        let http = ["http.response.status_code", "http.status_code"]
            .iter()
            .find_map(|key| stored.attributes.get(*key)?.as_u64());
        let kind = match &stored.kind {
            Some(Value::String(kind)) => kind.trim_start_matches("SPAN_KIND_").to_owned(),
            _ => String::new(),
        };
        let service = text(&stored.attributes, "aws.local.service")
            .or_else(|| text(&stored.resource.attributes, "service.name"))
            .unwrap_or_default();
        Ok(Span {
            parent_span_id: stored
                .parent_span_id
                .filter(|p| !p.is_empty() && p.bytes().any(|b| b != b'0')),
            name: stored.name,
            kind,
            operation: text(&stored.attributes, "aws.local.operation"),
            remote_service: text(&stored.attributes, "aws.remote.service"),
            service,
            start,
            duration_ns,
            error: code.ends_with("ERROR") || http.is_some_and(|s| (500..600).contains(&s)),
            status_message: stored.status.message.filter(|m| !m.is_empty()),
            attributes: stored.attributes,
            trace_id: stored.trace_id,
            span_id: stored.span_id,
        })
    }

    /// The span's duration.
    pub fn duration(&self) -> TimeDelta {
        TimeDelta::nanoseconds(i64::try_from(self.duration_ns).unwrap_or(i64::MAX))
    }

    /// When it ended.
    pub fn end(&self) -> DateTime<Utc> {
        self.start + self.duration()
    }

    /// Milliseconds, for people.
    pub fn duration_ms(&self) -> f64 {
        self.duration_ns as f64 / 1e6
    }

    /// Whether the span is where a request entered its service (a server span, or
    /// Application Signals' `aws.span.kind` `LOCAL_ROOT`).
    pub fn is_entry(&self) -> bool {
        self.kind == "SERVER"
            || self.attributes.get("aws.span.kind").and_then(Value::as_str) == Some("LOCAL_ROOT")
    }

    /// `service operation` as a waterfall labels it: the span's name, and where it went
    /// for a call to another service.
    pub fn label(&self) -> String {
        match &self.remote_service {
            Some(remote) if self.kind == "CLIENT" => {
                format!("{} {} → {remote}", self.service, self.name)
            }
            _ => format!("{} {}", self.service, self.name),
        }
    }
}

/// The spans of a Logs Insights result whose rows carry the span JSON in `@message`, and
/// a note when some rows were not spans.
pub fn spans_of(table: &LogTable) -> (Vec<Span>, Option<String>) {
    let mut spans = Vec::with_capacity(table.len());
    let (mut skipped, mut first) = (0usize, None);
    for row in 0..table.len() {
        match table.text(row, "@message").map(Span::from_json) {
            Some(Ok(span)) => spans.push(span),
            Some(Err(why)) => {
                skipped += 1;
                first.get_or_insert(why);
            }
            None => {
                skipped += 1;
                first.get_or_insert_with(|| "no @message".to_owned());
            }
        }
    }
    let note =
        first.map(|why| format!("{skipped} row(s) were not spans and were skipped (first: {why})"));
    (spans, note)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = r#"{"resource":{"attributes":{"service.name":"checkout"}},"traceId":"6880250e4fc5b1c42f7b40fc4801f9fd","spanId":"0a5d33388552b5f5","parentSpanId":"30ed105a9aa5beb1","name":"UPDATE orders","kind":"CLIENT","startTimeUnixNano":1794493877250000000,"endTimeUnixNano":1794493884120000000,"durationNano":6870000000,"attributes":{"aws.local.service":"checkout","aws.local.operation":"POST /api/checkout","aws.remote.service":"checkout-db","aws.span.kind":"CLIENT"},"status":{"code":"UNSET"}}"#;

    #[test]
    fn a_stored_span_is_read_with_the_documented_fields() {
        let span = Span::from_json(CLIENT).unwrap();
        assert_eq!(span.trace_id, "6880250e4fc5b1c42f7b40fc4801f9fd");
        assert_eq!(span.parent_span_id.as_deref(), Some("30ed105a9aa5beb1"));
        assert_eq!(
            (span.kind.as_str(), span.service.as_str()),
            ("CLIENT", "checkout")
        );
        assert_eq!(span.operation.as_deref(), Some("POST /api/checkout"));
        assert_eq!(span.duration_ms(), 6870.0);
        assert_eq!(span.start.to_rfc3339(), "2026-11-12T14:31:17.250+00:00");
        assert!(!span.error && !span.is_entry());
        assert_eq!(span.label(), "checkout UPDATE orders → checkout-db");
    }

    #[test]
    fn otlp_encodings_and_errors_are_understood() {
        // Strings for 64-bit numbers, no durationNano, SPAN_KIND_ names, numeric status,
        // an all-zero parent (a root), the service from the resource.
        let span = Span::from_json(
            r#"{"traceId":"a","spanId":"b","parentSpanId":"0000000000000000","name":"GET /","kind":"SPAN_KIND_SERVER",
               "startTimeUnixNano":"1794493877000000000","endTimeUnixNano":"1794493877250000000",
               "status":{"code":2,"message":"boom"},"resource":{"attributes":{"service.name":"web"}}}"#,
        )
        .unwrap();
        assert_eq!(span.parent_span_id, None);
        assert_eq!(
            (span.kind.as_str(), span.service.as_str()),
            ("SERVER", "web")
        );
        assert_eq!(span.duration_ns, 250_000_000);
        assert!(span.error && span.is_entry());
        assert_eq!(span.status_message.as_deref(), Some("boom"));
        // A 5xx is a fault even when the status was left unset (X-Ray's conversion).
        let fault = CLIENT.replace(
            r#""aws.span.kind":"CLIENT""#,
            r#""http.response.status_code":502"#,
        );
        assert!(Span::from_json(&fault).unwrap().error);
    }

    #[test]
    fn malformed_rows_are_skipped_and_said() {
        for (json, why) in [
            ("not json", "not a span"),
            (r#"{"traceId":"a","spanId":"b","name":"x"}"#, "not a span"),
            (
                r#"{"traceId":"","spanId":"b","startTimeUnixNano":1,"durationNano":1}"#,
                "without a traceId",
            ),
            (
                r#"{"traceId":"a","spanId":"b","startTimeUnixNano":"soon","durationNano":1}"#,
                "not a number",
            ),
            (
                r#"{"traceId":"a","spanId":"b","startTimeUnixNano":5,"endTimeUnixNano":4}"#,
                "ends before",
            ),
            (
                r#"{"traceId":"a","spanId":"b","startTimeUnixNano":5}"#,
                "neither an end",
            ),
        ] {
            let error = Span::from_json(json).unwrap_err();
            assert!(error.contains(why), "{json}: {error}");
        }
        let mut table = LogTable::new(vec!["@timestamp".into(), "@message".into()], "q");
        table.rows = vec![
            vec![None, Some(CLIENT.into())],
            vec![None, Some("{}".into())],
            vec![None, None],
        ];
        let (spans, note) = spans_of(&table);
        assert_eq!(spans.len(), 1);
        let note = note.unwrap();
        assert!(note.starts_with("2 row(s) were not spans"), "{note}");
    }
}
