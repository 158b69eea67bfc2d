//! Bench mode: one large uncompressed JSON Lines log with the application's event shape
//! (about 2 % ERROR lines with stacks), written as fast as the disk allows: one reused line
//! buffer, a 1 MiB buffered writer, no allocation per line.

use std::io::{self, Write};

use super::errors::{BASELINE_ERRORS, INCIDENT_ERRORS};
use super::event::{Body, Event, HEALTH, ROUTES, route_weights, write_json};
use super::rng::Rng;
use super::scenario::Scenario;
use super::writer::Files;

/// The bench file, relative to the output directory (log group `/bench/app`, stream `app-1`).
pub const PATH: &str = "logs/bench/app/app-1.jsonl";

/// One line in this many is an ERROR (2 %).
const ERROR_ONE_IN: u64 = 50;

/// Writes lines until the next one would take the file over `target` bytes; returns the
/// number of lines.
pub fn write(files: &mut Files, scenario: &Scenario, seed: u64, target: u64) -> io::Result<u64> {
    let mut sink = files.create(PATH)?;
    let mut rng = Rng::at(seed, "bench", 0);
    let weights = route_weights();
    let base = &scenario.baseline;
    let median_ms = base.latency_median_s * 1000.0;
    let sigma = (base.latency_p99_s / base.latency_median_s).ln() / 2.326_347_874;
    let errors: Vec<_> = INCIDENT_ERRORS
        .iter()
        .chain(BASELINE_ERRORS.iter())
        .map(|k| &k.0)
        .collect();
    let tasks = scenario.tasks.len() as u64;
    let mut ts_ms = scenario.metrics_window(1).0.timestamp_millis();
    let mut buf = Vec::with_capacity(1024);
    let (mut written, mut lines) = (0u64, 0u64);
    loop {
        ts_ms += rng.below(3) as i64;
        let task = rng.below(tasks) as usize;
        let request_id = rng.next_u64();
        let body = if rng.below(ERROR_ONE_IN) == 0 {
            let kind = errors[rng.below(errors.len() as u64) as usize];
            let (median, sigma, floor) = kind.latency_ms;
            let latency_ms = (floor + rng.lognormal(median, sigma)).round() as u64;
            Body::Error {
                kind,
                latency_ms,
                request_id,
            }
        } else {
            let route = rng.pick(&weights);
            let r = &ROUTES[route];
            let status = if rng.uniform() < r.client_error.1 {
                r.client_error.0
            } else {
                r.ok_status
            };
            let latency_ms = if route == HEALTH {
                2
            } else {
                rng.lognormal(median_ms * r.latency_factor, sigma)
                    .round()
                    .max(1.0) as u64
            };
            let order_id = 100_000 + rng.below(900_000) as u32;
            Body::Access {
                route,
                status,
                latency_ms,
                request_id,
                order_id,
            }
        };
        let ev = Event {
            ts_ms,
            task,
            version: scenario.good_version,
            body,
        };
        buf.clear();
        write_json(&mut buf, &ev, scenario.tasks[task]);
        if written + buf.len() as u64 > target {
            break;
        }
        sink.write_all(&buf)?;
        written += buf.len() as u64;
        lines += 1;
    }
    files.finish(sink)?;
    Ok(lines)
}
