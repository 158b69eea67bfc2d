//! Transaction Search's spans (`aws/spans`): one JSON object per line in the shape
//! CloudWatch stores them (OpenTelemetry spans with Application Signals' `aws.*`
//! attributes: `traceId`, `spanId`, `parentSpanId`, `name`, `kind`,
//! `startTimeUnixNano`, `endTimeUnixNano`, `durationNano`, `status.code`,
//! `attributes`, `resource.attributes`), in start order.
//!
//! A few sampled traces a minute go through `checkout`: its server span, the wait for a
//! pooled connection, the database query, the call to `payments` and that service's own
//! server span. During the incident the pool wait grows with the leak; a wait past the
//! pool's timeout fails the request (an erroring trace). One checkout in the plateau waits
//! seconds on a row lock ([`Scenario::slow_trace_at`](super::Scenario)): the slowest trace
//! of the spike. Every trace ends inside the minute it started in, so a minute's spans
//! sort on their own.

use std::io::{self, Write};

use chrono::DateTime;

use super::errors::POOL_TIMEOUT_MS;
use super::event::{HEALTH, ROUTES, route_weights};
use super::fmt::{push_hex16, push_json_str, push_u64};
use super::logs::path;
use super::model::{Minute, Model};
use super::rng::Rng;
use super::writer::Files;

/// Sampled traces per minute (Poisson).
const TRACES_PER_MINUTE: f64 = 2.0;
const PAYMENTS_VERSION: &str = "v5.2.1";
const MS: i64 = 1_000_000;

/// One span, before it is written.
struct Span {
    trace: (u64, u64),
    id: u64,
    parent: Option<u64>,
    name: String,
    kind: &'static str,
    service: &'static str,
    version: &'static str,
    /// `aws.local.operation`: the operation of the service's entry span.
    operation: String,
    start_ns: i64,
    end_ns: i64,
    /// `attributes` besides `aws.local.*`, numbers written bare.
    attributes: Vec<(&'static str, Value)>,
    /// The status message of a failed span.
    error: Option<&'static str>,
}

enum Value {
    Text(String),
    Number(u64),
}

/// What one trace does, drawn before it is laid out in time.
struct Plan {
    route: usize,
    /// Milliseconds waiting for a pooled connection (routes that use the database).
    pool_wait_ms: Option<f64>,
    /// The database statement and its milliseconds.
    query: Option<(&'static str, f64)>,
    /// Milliseconds of the call to `payments`.
    payment_ms: Option<f64>,
    /// Milliseconds of the catalog cache lookup.
    cache_ms: Option<f64>,
}

/// Writes `aws/spans` for `[start, end)` (epoch seconds, whole minutes); returns the
/// number of spans.
pub fn write(
    files: &mut Files,
    model: &Model,
    seed: u64,
    (start, end): (i64, i64),
) -> io::Result<u64> {
    let s = model.scenario;
    let mut sink = files.create(&path(s.spans_log_group, s.spans_stream, "jsonl.gz"))?;
    let slow_at_ms = s.slow_trace_at.timestamp_millis();
    let mut spans = Vec::new();
    let mut buf = Vec::with_capacity(1024);
    let mut count = 0u64;
    let mut t = start;
    while t < end {
        let m = model.minute(t);
        let mut rng = Rng::at(seed, "spans", t.div_euclid(60));
        spans.clear();
        for _ in 0..rng.poisson(TRACES_PER_MINUTE) {
            let plan = draw(&mut rng, &m);
            let offset = rng.below(60_000 - plan.total_ms().ceil() as u64 - 1) as i64;
            let start_ns = (t * 1000 + offset) * MS + rng.below(1_000_000) as i64;
            lay_out(&mut rng, model, &plan, start_ns, &mut spans);
        }
        if slow_at_ms.div_euclid(60_000) == t.div_euclid(60) {
            let mut rng = Rng::at(seed, "slow-trace", 0);
            lay_out(&mut rng, model, &lock_wait(), slow_at_ms * MS, &mut spans);
        }
        spans.sort_by_key(|span| span.start_ns);
        for span in &spans {
            buf.clear();
            push_span(&mut buf, span);
            sink.write_all(&buf)?;
        }
        count += spans.len() as u64;
        t += 60;
    }
    files.finish(sink)?;
    Ok(count)
}

impl Plan {
    /// The children's time and at most the server's own (under 16 ms).
    fn total_ms(&self) -> f64 {
        let children = [
            self.pool_wait_ms,
            self.query.map(|q| q.1),
            self.payment_ms,
            self.cache_ms,
        ];
        children.iter().flatten().sum::<f64>() + 16.0
    }

    /// Whether the pool wait timed out (the request fails with a 500).
    fn timed_out(&self) -> bool {
        self.pool_wait_ms.is_some_and(|w| w >= POOL_TIMEOUT_MS)
    }
}

/// A trace of a minute: a route (never the health check), and what it waits for.
fn draw(rng: &mut Rng, m: &Minute) -> Plan {
    let mut route = rng.pick(&route_weights());
    if route == HEALTH {
        route = 2;
    }
    let r = &ROUTES[route];
    let slow = 1.0 + 2.0 * m.severity;
    let mut plan = Plan {
        route,
        pool_wait_ms: None,
        query: None,
        payment_ms: None,
        cache_ms: None,
    };
    if r.uses_db {
        let mut wait = rng.range(0.05, 0.6);
        if m.severity > 0.05 {
            wait += rng.lognormal(600.0 * m.severity, 1.1);
        }
        plan.pool_wait_ms = Some(wait.min(POOL_TIMEOUT_MS + rng.range(0.1, 3.0)));
        if !plan.timed_out() {
            let statement = match (r.method, route) {
                ("POST", 5) => "INSERT orders",
                ("POST", _) => "INSERT cart_items",
                (_, 4) => "SELECT orders",
                _ => "SELECT cart_items",
            };
            plan.query = Some((statement, (rng.lognormal(6.0, 0.5) * slow).min(400.0)));
        }
    }
    if r.route == "/api/checkout" || r.route == "/api/payment" {
        if !plan.timed_out() {
            plan.payment_ms = Some((rng.lognormal(90.0, 0.35) * (1.0 + m.severity)).min(1500.0));
        }
    } else if !r.uses_db {
        plan.cache_ms = Some(rng.lognormal(1.2, 0.4).min(50.0));
    }
    plan
}

/// The slowest trace of the spike: a checkout whose order update waited on a row lock.
fn lock_wait() -> Plan {
    Plan {
        route: 5,
        pool_wait_ms: Some(412.6),
        query: Some(("UPDATE orders", 6870.4)),
        payment_ms: Some(94.3),
        cache_ms: None,
    }
}

/// The spans of `plan` starting at `start_ns`: the server span, then its children one
/// after the other, a little of the server's own time before, between and after them.
fn lay_out(rng: &mut Rng, model: &Model, plan: &Plan, start_ns: i64, spans: &mut Vec<Span>) {
    let s = model.scenario;
    let r = &ROUTES[plan.route];
    let mut trace = Trace {
        id: (rng.next_u64(), rng.next_u64()),
        root: rng.next_u64(),
        service: s.service,
        version: s.version_at(DateTime::from_timestamp_millis(start_ns / MS).unwrap_or_default()),
        operation: format!("{} {}", r.method, r.route),
        at: start_ns + ms(rng.range(1.0, 4.0)),
        children: Vec::new(),
    };
    if let Some(wait) = plan.pool_wait_ms {
        let acquire = trace.child(rng, wait, "pool.acquire", "INTERNAL", Vec::new());
        if plan.timed_out() {
            acquire.error =
                Some("TimeoutError: could not acquire connection from pool after 2000ms");
        }
        trace.pause(rng);
    }
    if let Some((statement, took)) = plan.query {
        let verb = statement.split(' ').next().unwrap_or(statement);
        let attributes = vec![
            ("aws.remote.service", Value::Text(s.db_instance.to_owned())),
            ("aws.remote.operation", Value::Text(verb.to_owned())),
            ("aws.span.kind", Value::Text("CLIENT".into())),
            ("db.system", Value::Text("postgresql".into())),
            ("db.name", Value::Text("checkout".into())),
            ("db.operation", Value::Text(verb.to_owned())),
        ];
        trace.child(rng, took, statement, "CLIENT", attributes);
        trace.pause(rng);
    }
    if let Some(took) = plan.payment_ms {
        trace.payment(rng, took, s.payments_service);
        trace.pause(rng);
    }
    if let Some(took) = plan.cache_ms {
        let attributes = vec![
            ("aws.remote.service", Value::Text("catalog-cache".into())),
            ("aws.remote.operation", Value::Text("GET".into())),
            ("aws.span.kind", Value::Text("CLIENT".into())),
            ("db.system", Value::Text("redis".into())),
        ];
        trace.child(rng, took, "GET", "CLIENT", attributes);
    }
    let end_ns = trace.at + ms(rng.range(1.0, 3.0));
    let status = if plan.timed_out() { 500 } else { r.ok_status };
    let operation = trace.operation.clone();
    let mut server = trace.span(trace.root, None, &operation, "SERVER", (start_ns, end_ns));
    server.attributes = server_attributes(r.method, r.route, status);
    if plan.timed_out() {
        server.error = Some("TimeoutError");
    }
    spans.push(server);
    spans.extend(trace.children);
}

/// `x` milliseconds in nanoseconds.
fn ms(x: f64) -> i64 {
    (x * MS as f64).round() as i64
}

/// One trace being laid out: what its spans share, its children so far, and where the
/// next child starts.
struct Trace {
    id: (u64, u64),
    /// The server span's id, every child's parent.
    root: u64,
    service: &'static str,
    version: &'static str,
    operation: String,
    /// Where the next child starts (epoch nanoseconds).
    at: i64,
    children: Vec<Span>,
}

impl Trace {
    /// A span of this trace's service from `start_ns` to `end_ns`, without attributes.
    fn span(
        &self,
        id: u64,
        parent: Option<u64>,
        name: &str,
        kind: &'static str,
        (start_ns, end_ns): (i64, i64),
    ) -> Span {
        Span {
            trace: self.id,
            id,
            parent,
            name: name.to_owned(),
            kind,
            service: self.service,
            version: self.version,
            operation: self.operation.clone(),
            start_ns,
            end_ns,
            attributes: Vec::new(),
            error: None,
        }
    }

    /// A child of the server span, `took` milliseconds from where the last one ended;
    /// the next starts at its end.
    fn child(
        &mut self,
        rng: &mut Rng,
        took: f64,
        name: &str,
        kind: &'static str,
        attributes: Vec<(&'static str, Value)>,
    ) -> &mut Span {
        let end = self.at + ms(took);
        let mut span = self.span(rng.next_u64(), Some(self.root), name, kind, (self.at, end));
        span.attributes = attributes;
        self.at = end;
        let index = self.children.len();
        self.children.push(span);
        &mut self.children[index]
    }

    /// A little of the server's own time between two children.
    fn pause(&mut self, rng: &mut Rng) {
        self.at += ms(rng.range(0.2, 1.0));
    }

    /// The call to `payments` (`took` milliseconds) and that service's own server span
    /// inside it.
    fn payment(&mut self, rng: &mut Rng, took: f64, payments: &'static str) {
        let attributes = vec![
            ("aws.remote.service", Value::Text(payments.to_owned())),
            (
                "aws.remote.operation",
                Value::Text("POST /v1/charges".into()),
            ),
            ("aws.span.kind", Value::Text("CLIENT".into())),
            ("http.request.method", Value::Text("POST".into())),
            ("http.response.status_code", Value::Number(200)),
        ];
        let client = self.child(rng, took, "POST /v1/charges", "CLIENT", attributes);
        let (client_id, start, end) = (client.id, client.start_ns, client.end_ns);
        let inner = (
            start + ms(rng.range(0.8, 2.5)),
            end - ms(rng.range(0.8, 2.5)),
        );
        let mut server = self.span(
            rng.next_u64(),
            Some(client_id),
            "POST /v1/charges",
            "SERVER",
            inner,
        );
        server.service = payments;
        server.version = PAYMENTS_VERSION;
        server.operation = "POST /v1/charges".into();
        server.attributes = server_attributes("POST", "/v1/charges", 200);
        self.children.push(server);
    }
}

/// The attributes of a service's entry span.
fn server_attributes(method: &str, route: &str, status: u16) -> Vec<(&'static str, Value)> {
    vec![
        ("aws.span.kind", Value::Text("LOCAL_ROOT".into())),
        ("http.request.method", Value::Text(method.to_owned())),
        ("http.route", Value::Text(route.to_owned())),
        (
            "http.response.status_code",
            Value::Number(u64::from(status)),
        ),
    ]
}

/// One span as a JSON line.
fn push_span(buf: &mut Vec<u8>, span: &Span) {
    buf.extend_from_slice(b"{\"resource\":{\"attributes\":{\"service.name\":");
    push_json_str(buf, span.service);
    buf.extend_from_slice(b",\"service.version\":");
    push_json_str(buf, span.version);
    buf.extend_from_slice(
        b",\"deployment.environment\":\"prod\",\"cloud.provider\":\"aws\",\"cloud.platform\":\"aws_ecs\"}},\"traceId\":\"",
    );
    push_hex16(buf, span.trace.0);
    push_hex16(buf, span.trace.1);
    buf.extend_from_slice(b"\",\"spanId\":\"");
    push_hex16(buf, span.id);
    buf.push(b'"');
    if let Some(parent) = span.parent {
        buf.extend_from_slice(b",\"parentSpanId\":\"");
        push_hex16(buf, parent);
        buf.push(b'"');
    }
    buf.extend_from_slice(b",\"name\":");
    push_json_str(buf, &span.name);
    buf.extend_from_slice(b",\"kind\":");
    push_json_str(buf, span.kind);
    for (key, ns) in [
        ("startTimeUnixNano", span.start_ns),
        ("endTimeUnixNano", span.end_ns),
        ("durationNano", span.end_ns - span.start_ns),
    ] {
        buf.extend_from_slice(b",\"");
        buf.extend_from_slice(key.as_bytes());
        buf.extend_from_slice(b"\":");
        push_u64(buf, ns.max(0) as u64);
    }
    buf.extend_from_slice(b",\"attributes\":{\"aws.local.service\":");
    push_json_str(buf, span.service);
    buf.extend_from_slice(b",\"aws.local.operation\":");
    push_json_str(buf, &span.operation);
    buf.extend_from_slice(b",\"aws.local.environment\":\"ecs:prod\"");
    for (key, value) in &span.attributes {
        buf.push(b',');
        push_json_str(buf, key);
        buf.push(b':');
        match value {
            Value::Text(text) => push_json_str(buf, text),
            Value::Number(n) => push_u64(buf, *n),
        }
    }
    buf.extend_from_slice(b"},\"status\":{\"code\":");
    match span.error {
        Some(message) => {
            buf.extend_from_slice(b"\"ERROR\",\"message\":");
            push_json_str(buf, message);
        }
        None => buf.extend_from_slice(b"\"UNSET\""),
    }
    buf.extend_from_slice(b"}}\n");
}
