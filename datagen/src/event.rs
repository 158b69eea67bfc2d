//! The application log event (`/ecs/checkout`): the routes, and the JSON line of an event, written without allocating (the bench writer
//! uses the same code).

use super::errors::ErrorKind;
use super::fmt::{push_hex16, push_json_str, push_ts_millis, push_u64};

/// One HTTP route of the service.
#[derive(Debug)]
pub struct Route {
    pub method: &'static str,
    pub route: &'static str,
    /// Share of sampled access-log events.
    pub weight: f64,
    /// Latency relative to the minute's median.
    pub latency_factor: f64,
    /// Uses a database connection (subject to the pool timeout).
    pub uses_db: bool,
    pub ok_status: u16,
    /// A client error and its share of this route's requests.
    pub client_error: (u16, f64),
}

const fn route(
    method: &'static str,
    route: &'static str,
    weight: f64,
    latency_factor: f64,
    uses_db: bool,
    ok_status: u16,
    client_error: (u16, f64),
) -> Route {
    Route {
        method,
        route,
        weight,
        latency_factor,
        uses_db,
        ok_status,
        client_error,
    }
}

pub const HEALTH: usize = 0;
pub const ROUTES: [Route; 7] = [
    route("GET", "/health", 0.10, 0.0, false, 200, (0, 0.0)),
    route("GET", "/api/products", 0.14, 0.6, false, 200, (404, 0.005)),
    route("GET", "/api/cart", 0.26, 0.7, true, 200, (0, 0.0)),
    route("POST", "/api/cart", 0.12, 0.9, true, 201, (400, 0.01)),
    route("GET", "/api/orders/{id}", 0.16, 0.8, true, 200, (404, 0.02)),
    route("POST", "/api/checkout", 0.12, 1.8, true, 201, (409, 0.005)),
    route("POST", "/api/payment", 0.10, 2.2, false, 200, (402, 0.025)),
];

/// The route weights, for [`Rng::pick`](super::rng::Rng::pick).
pub fn route_weights() -> [f64; 7] {
    ROUTES.each_ref().map(|r| r.weight)
}

/// What an event says.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    /// A sampled access-log line (WARN "slow request" at 1 s and more).
    Access {
        route: usize,
        status: u16,
        latency_ms: u64,
        request_id: u64,
        order_id: u32,
    },
    /// A 5XX, logged with its stack.
    Error {
        kind: &'static ErrorKind,
        latency_ms: u64,
        request_id: u64,
    },
    /// The connection pool is nearly exhausted.
    PoolWarning {
        in_use: u64,
        size: u32,
        waiting: u64,
    },
    /// A task of a new version started.
    Started { commit: &'static str },
}

/// One application log event.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub ts_ms: i64,
    pub task: usize,
    pub version: &'static str,
    pub body: Body,
}

/// Latency at and above which an access is logged as a slow request (WARN).
pub const SLOW_MS: u64 = 1000;

fn push_request_line(buf: &mut Vec<u8>, r: &Route, order_id: u32, status: u16, latency_ms: u64) {
    buf.extend_from_slice(r.method.as_bytes());
    buf.push(b' ');
    match r.route.strip_suffix("{id}") {
        Some(prefix) => {
            buf.extend_from_slice(prefix.as_bytes());
            push_u64(buf, u64::from(order_id));
        }
        None => buf.extend_from_slice(r.route.as_bytes()),
    }
    buf.push(b' ');
    push_u64(buf, u64::from(status));
    buf.push(b' ');
    push_u64(buf, latency_ms);
    buf.extend_from_slice(b"ms");
}

fn push_request_fields(buf: &mut Vec<u8>, level: &str, r: &Route, status: u16, latency_ms: u64) {
    buf.extend_from_slice(b"\",\"level\":\"");
    buf.extend_from_slice(level.as_bytes());
    buf.extend_from_slice(b"\",\"route\":");
    push_json_str(buf, r.route);
    buf.extend_from_slice(b",\"method\":\"");
    buf.extend_from_slice(r.method.as_bytes());
    buf.extend_from_slice(b"\",\"status\":");
    push_u64(buf, u64::from(status));
    buf.extend_from_slice(b",\"latency_ms\":");
    push_u64(buf, latency_ms);
}

/// Appends the event's JSON line (with its `\n`) to `buf`.
pub fn write_json(buf: &mut Vec<u8>, ev: &Event, task: &str) {
    buf.extend_from_slice(b"{\"timestamp\":\"");
    push_ts_millis(buf, ev.ts_ms);
    let tail = |buf: &mut Vec<u8>, request_id: Option<u64>| {
        buf.extend_from_slice(b",\"version\":");
        push_json_str(buf, ev.version);
        if let Some(id) = request_id {
            buf.extend_from_slice(b",\"request_id\":\"");
            push_hex16(buf, id);
            buf.push(b'"');
        }
        buf.extend_from_slice(b",\"task\":");
        push_json_str(buf, task);
    };
    match ev.body {
        Body::Access {
            route,
            status,
            latency_ms,
            request_id,
            order_id,
        } => {
            let r = &ROUTES[route];
            let slow = latency_ms >= SLOW_MS;
            push_request_fields(
                buf,
                if slow { "WARN" } else { "INFO" },
                r,
                status,
                latency_ms,
            );
            tail(buf, Some(request_id));
            buf.extend_from_slice(b",\"message\":\"");
            if slow {
                buf.extend_from_slice(b"slow request: ");
            }
            push_request_line(buf, r, order_id, status, latency_ms);
            buf.push(b'"');
        }
        Body::Error {
            kind,
            latency_ms,
            request_id,
        } => {
            let r = &ROUTES[kind.route];
            push_request_fields(buf, "ERROR", r, kind.status, latency_ms);
            tail(buf, Some(request_id));
            buf.extend_from_slice(b",\"error\":");
            push_json_str(buf, kind.error);
            buf.extend_from_slice(b",\"message\":");
            push_json_str(buf, kind.message);
        }
        Body::PoolWarning {
            in_use,
            size,
            waiting,
        } => {
            buf.extend_from_slice(b"\",\"level\":\"WARN\"");
            tail(buf, None);
            buf.extend_from_slice(b",\"message\":\"db pool near capacity: ");
            push_u64(buf, in_use);
            buf.push(b'/');
            push_u64(buf, u64::from(size));
            buf.extend_from_slice(b" connections in use, ");
            push_u64(buf, waiting);
            buf.extend_from_slice(b" requests waiting\"");
        }
        Body::Started { commit } => {
            buf.extend_from_slice(b"\",\"level\":\"INFO\"");
            tail(buf, None);
            buf.extend_from_slice(b",\"message\":\"checkout ");
            buf.extend_from_slice(ev.version.as_bytes());
            buf.extend_from_slice(b" (");
            buf.extend_from_slice(commit.as_bytes());
            buf.extend_from_slice(b") started, listening on :8080\"");
        }
    }
    buf.extend_from_slice(b"}\n");
}

#[cfg(test)]
mod tests {
    use super::super::errors::{BASELINE_ERRORS, INCIDENT_ERRORS, POOL};
    use super::*;

    #[test]
    fn events_are_json_with_the_documented_fields() {
        let kinds = INCIDENT_ERRORS.iter().chain(BASELINE_ERRORS.iter());
        for (kind, _) in kinds {
            if kind.error == "TimeoutError" {
                assert!(kind.message.starts_with(POOL), "{}", kind.message);
            }
            let ev = Event {
                ts_ms: 1_794_492_301_123,
                task: 0,
                version: "v2.14.0",
                body: Body::Error {
                    kind,
                    latency_ms: 2004,
                    request_id: 42,
                },
            };
            let mut buf = Vec::new();
            write_json(&mut buf, &ev, "web-1a2b3c");
            assert_eq!(buf.last(), Some(&b'\n'));
            let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
            assert_eq!(v["timestamp"], "2026-11-12T14:05:01.123Z");
            assert_eq!(v["level"], "ERROR");
            assert_eq!(v["request_id"], "000000000000002a");
            assert_eq!(v["message"], kind.message);
        }
        let ev = Event {
            ts_ms: 0,
            task: 0,
            version: "v2.13.2",
            body: Body::Access {
                route: 4,
                status: 200,
                latency_ms: 118,
                request_id: 1,
                order_id: 48213,
            },
        };
        let mut buf = Vec::new();
        write_json(&mut buf, &ev, "web-1a2b3c");
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["message"], "GET /api/orders/48213 200 118ms");
        assert_eq!(v["route"], "/api/orders/{id}");
        assert_eq!(v["status"], 200);
    }
}
