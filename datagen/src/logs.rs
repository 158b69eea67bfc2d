//! The JSON Lines log groups: `/ecs/checkout` (one stream per task: sampled access logs,
//! every 5XX with its stack, slow-request and pool warnings, task start-ups) and
//! `/deploys/checkout` (one event per deploy or rollback).

use std::io::{self, Write};

use super::errors::{BASELINE_ERRORS, ErrorKind, INCIDENT_ERRORS, POOL_TIMEOUT_MS};
use super::event::{Body, Event, HEALTH, ROUTES, route_weights, write_json};
use super::fmt::{push_json_str, push_ts_millis};
use super::model::{Minute, Model};
use super::rng::Rng;
use super::writer::Files;

/// `logs/<group>/<stream>.jsonl.gz` for a log group name like `/ecs/checkout`.
pub fn path(group: &str, stream: &str, ext: &str) -> String {
    format!("logs/{}/{stream}.{ext}", group.trim_start_matches('/'))
}

/// When task `task` of a deploy started at `deploy_ms` is up: tasks are replaced one by
/// one, 20.4 s after the deploy and then 12.1 s apart; each logs a `started` line.
fn task_start_ms(deploy_ms: i64, task: usize) -> i64 {
    deploy_ms + 20_431 + 12_137 * task as i64
}

/// The version task `task` runs at `ts_ms`.
fn version_at(model: &Model, task: usize, ts_ms: i64) -> &'static str {
    let s = model.scenario;
    s.deploys
        .iter()
        .rev()
        .find(|d| task_start_ms(d.at.timestamp_millis(), task) <= ts_ms)
        .map_or(s.good_version, |d| d.version)
}

fn pick_error<const N: usize>(
    rng: &mut Rng,
    kinds: &'static [(ErrorKind, f64); N],
) -> &'static ErrorKind {
    let weights = kinds.each_ref().map(|k| k.1);
    &kinds[rng.pick(&weights)].0
}

/// Latency of a successful request on `route` in minute `m`, milliseconds.
fn access_latency(rng: &mut Rng, m: &Minute, route: usize) -> u64 {
    let r = &ROUTES[route];
    if route == HEALTH {
        return rng.lognormal(2.0, 0.3).round().max(1.0) as u64;
    }
    let mut ms = rng.lognormal(
        m.latency_median * 1000.0 * r.latency_factor,
        m.latency_sigma,
    );
    if r.uses_db && ms > POOL_TIMEOUT_MS {
        // Got a connection just before the pool timeout, then ran its queries.
        ms = rng.range(0.8, 1.0) * POOL_TIMEOUT_MS + rng.lognormal(120.0, 0.5);
    }
    ms.round().max(1.0) as u64
}

/// The events of the minute starting at `t`, in time order (ties keep generation order).
fn minute_events(model: &Model, seed: u64, rate: f64, t: i64, events: &mut Vec<Event>) {
    events.clear();
    let minute = MinuteEvents {
        model,
        seed,
        m: model.minute(t),
        index: t.div_euclid(60),
        t_ms: t * 1000,
        tasks: model.scenario.tasks.len() as u64,
    };
    minute.access(rate, events);
    minute.errors(events);
    minute.pool_warnings(events);
    minute.task_starts(events);
    events.sort_by_key(|e| e.ts_ms);
}

/// One minute being generated; each kind of event draws from its own random stream.
struct MinuteEvents<'a> {
    model: &'a Model<'a>,
    seed: u64,
    m: Minute,
    index: i64,
    t_ms: i64,
    tasks: u64,
}

impl MinuteEvents<'_> {
    /// Access log lines: a Poisson number of requests over the routes.
    fn access(&self, rate: f64, events: &mut Vec<Event>) {
        let weights = route_weights();
        let mut rng = Rng::at(self.seed, "access", self.index);
        for _ in 0..rng.poisson(rate * 60.0) {
            let ts_ms = self.t_ms + rng.below(60_000) as i64;
            let task = rng.below(self.tasks) as usize;
            let route = rng.pick(&weights);
            let r = &ROUTES[route];
            let status = if rng.uniform() < r.client_error.1 {
                r.client_error.0
            } else {
                r.ok_status
            };
            let latency_ms = access_latency(&mut rng, &self.m, route);
            let (request_id, order_id) = (rng.next_u64(), 100_000 + rng.below(900_000) as u32);
            let version = version_at(self.model, task, ts_ms);
            let body = Body::Access {
                route,
                status,
                latency_ms,
                request_id,
                order_id,
            };
            events.push(Event {
                ts_ms,
                task,
                version,
                body,
            });
        }
    }

    /// Errors: the incident's (from the bad version, draining tasks included), then the
    /// baseline's.
    fn errors(&self, events: &mut Vec<Event>) {
        let mut rng = Rng::at(self.seed, "errors", self.index);
        let incident = (0..self.m.errors_incident).map(|_| true);
        for incident in incident.chain((0..self.m.errors_base).map(|_| false)) {
            let kind = if incident {
                pick_error(&mut rng, &INCIDENT_ERRORS)
            } else {
                pick_error(&mut rng, &BASELINE_ERRORS)
            };
            let ts_ms = self.t_ms + rng.below(60_000) as i64;
            let task = rng.below(self.tasks) as usize;
            let (median, sigma, floor) = kind.latency_ms;
            let latency_ms = (floor + rng.lognormal(median, sigma)).round() as u64;
            let request_id = rng.next_u64();
            let version = if incident {
                self.model.scenario.bad_version
            } else {
                version_at(self.model, task, ts_ms)
            };
            let body = Body::Error {
                kind,
                latency_ms,
                request_id,
            };
            events.push(Event {
                ts_ms,
                task,
                version,
                body,
            });
        }
    }

    /// Pool warnings from the leaking tasks while their pools are over 85 % in use.
    fn pool_warnings(&self, events: &mut Vec<Event>) {
        let s = self.model.scenario;
        let (m, tasks) = (&self.m, self.tasks as f64);
        let size = s.pool_size_per_task;
        if m.leak <= 0.0 || (m.db_connections as f64 / tasks) < 0.85 * f64::from(size) {
            return;
        }
        let mut rng = Rng::at(self.seed, "pool", self.index);
        for task in 0..s.tasks.len() {
            for offset in [0, 20_000, 40_000] {
                let share = m.db_connections as f64 / tasks + rng.normal();
                let in_use = share.round().clamp(0.0, f64::from(size)) as u64;
                let waiting = (m.severity * 35.0 * (0.3 * rng.normal()).exp()).round() as u64;
                let ts_ms = self.t_ms + offset + rng.below(2000) as i64;
                let body = Body::PoolWarning {
                    in_use,
                    size,
                    waiting,
                };
                events.push(Event {
                    ts_ms,
                    task,
                    version: s.bad_version,
                    body,
                });
            }
        }
    }

    /// "started" lines of the tasks a deploy starts in this minute.
    fn task_starts(&self, events: &mut Vec<Event>) {
        let s = self.model.scenario;
        for d in &s.deploys {
            for task in 0..s.tasks.len() {
                let ts_ms = task_start_ms(d.at.timestamp_millis(), task);
                if (self.t_ms..self.t_ms + 60_000).contains(&ts_ms) {
                    let body = Body::Started { commit: d.commit };
                    events.push(Event {
                        ts_ms,
                        task,
                        version: d.version,
                        body,
                    });
                }
            }
        }
    }
}

/// Writes the `/ecs/checkout` streams for `[start, end)` (epoch seconds, whole minutes);
/// returns the number of events.
pub fn write_app(
    files: &mut Files,
    model: &Model,
    seed: u64,
    rate: f64,
    (start, end): (i64, i64),
) -> io::Result<u64> {
    let s = model.scenario;
    let mut sinks = Vec::with_capacity(s.tasks.len());
    for task in s.tasks {
        sinks.push(files.create(&path(s.log_group, task, "jsonl.gz"))?);
    }
    let mut events = Vec::new();
    let mut buf = Vec::with_capacity(1024);
    let mut count = 0u64;
    let mut t = start;
    while t < end {
        minute_events(model, seed, rate, t, &mut events);
        for ev in &events {
            buf.clear();
            write_json(&mut buf, ev, s.tasks[ev.task]);
            sinks[ev.task].write_all(&buf)?;
        }
        count += events.len() as u64;
        t += 60;
    }
    for sink in sinks {
        files.finish(sink)?;
    }
    Ok(count)
}

/// Writes `/deploys/checkout`: one event per deploy or rollback in `[start, end)`.
pub fn write_deploys(
    files: &mut Files,
    model: &Model,
    (start, end): (i64, i64),
) -> io::Result<u64> {
    let s = model.scenario;
    let mut sink = files.create(&path(s.deploy_log_group, s.deploy_stream, "jsonl.gz"))?;
    let mut buf = Vec::with_capacity(512);
    let mut count = 0u64;
    for d in s
        .deploys
        .iter()
        .filter(|d| (start..end).contains(&d.at.timestamp()))
    {
        buf.clear();
        buf.extend_from_slice(b"{\"timestamp\":\"");
        push_ts_millis(&mut buf, d.at.timestamp_millis());
        buf.push(b'"');
        let message = if d.event == "rollback" {
            format!(
                "rollback of {} to {} ({}) by {}",
                s.service, d.version, d.commit, d.actor
            )
        } else {
            format!(
                "deploy {} ({}) of {} to {} by {}",
                d.version, d.commit, s.service, s.cluster, d.actor
            )
        };
        for (key, value) in [
            ("event", d.event),
            ("service", s.service),
            ("cluster", s.cluster),
            ("version", d.version),
            ("previous_version", d.previous_version),
            ("commit", d.commit),
            ("actor", d.actor),
            ("message", &message),
        ] {
            buf.push(b',');
            push_json_str(&mut buf, key);
            buf.push(b':');
            push_json_str(&mut buf, value);
        }
        buf.extend_from_slice(b"}\n");
        sink.write_all(&buf)?;
        count += 1;
    }
    files.finish(sink)?;
    Ok(count)
}
