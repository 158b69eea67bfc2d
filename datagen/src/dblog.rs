//! The plain-text database log (`/aws/rds/instance/checkout-db/postgresql`), one line per
//! event starting with an RFC 3339 timestamp: checkpoints, connections opened and closed
//! (their net count follows `DatabaseConnections`), and lock waits during the incident.

use std::io::{self, Write};

use super::fmt::push_ts_millis;
use super::logs::path;
use super::model::{Minute, Model};
use super::rng::Rng;
use super::writer::Files;

/// `shared_buffers` in 8 kB buffers (1 GiB), for the checkpoint percentages.
const SHARED_BUFFERS: f64 = 131_072.0;

/// Writes the database log for `[start, end)` (epoch seconds, whole minutes); returns the
/// number of lines.
pub fn write(
    files: &mut Files,
    model: &Model,
    seed: u64,
    (start, end): (i64, i64),
) -> io::Result<u64> {
    let s = model.scenario;
    let mut sink = files.create(&path(s.db_log_group, s.db_log_stream, "log.gz"))?;
    let mut lines: Vec<(i64, String)> = Vec::new();
    let mut buf = Vec::with_capacity(512);
    let mut count = 0u64;
    let mut previous = model.minute(start - 60);
    let mut t = start;
    while t < end {
        let m = model.minute(t);
        // One random stream per minute, drawn in this order: the file is reproducible.
        let mut rng = Rng::at(seed, "dblog", t.div_euclid(60));
        let t_ms = t * 1000;
        lines.clear();
        if t.rem_euclid(300) == 0 {
            checkpoint(&mut rng, &m, t_ms, &mut lines);
        }
        connections(&mut rng, &m, &previous, t_ms, &mut lines);
        if m.severity > 0.2 {
            lock_waits(&mut rng, &m, t_ms, &mut lines);
        }
        lines.sort_by_key(|l| l.0);
        for (ts, text) in &lines {
            buf.clear();
            push_ts_millis(&mut buf, *ts);
            buf.push(b' ');
            buf.extend_from_slice(text.as_bytes());
            buf.push(b'\n');
            sink.write_all(&buf)?;
        }
        count += lines.len() as u64;
        previous = m;
        t += 60;
    }
    files.finish(sink)?;
    Ok(count)
}

/// A checkpoint every five minutes, its size following the request rate.
fn checkpoint(rng: &mut Rng, m: &Minute, t_ms: i64, lines: &mut Vec<(i64, String)>) {
    let checkpointer = 412;
    lines.push((
        t_ms,
        format!("[{checkpointer}] LOG:  checkpoint starting: time"),
    ));
    let buffers = (900.0 + 1500.0 * m.requests as f64 / 5800.0 * rng.range(0.8, 1.2)).round();
    let write_s = rng.range(26.0, 27.0);
    let total_ms = (write_s * 1000.0 + rng.range(5.0, 40.0)).round() as i64;
    lines.push((
        t_ms + total_ms,
        format!(
            "[{checkpointer}] LOG:  checkpoint complete: wrote {buffers} buffers ({:.1}%); \
             0 WAL file(s) added, 0 removed, 1 recycled; write={write_s:.3} s, \
             sync=0.004 s, total={:.3} s",
            buffers * 100.0 / SHARED_BUFFERS,
            total_ms as f64 / 1000.0
        ),
    ));
}

/// Connections opened or closed: their net count follows `DatabaseConnections`.
fn connections(
    rng: &mut Rng,
    m: &Minute,
    previous: &Minute,
    t_ms: i64,
    lines: &mut Vec<(i64, String)>,
) {
    let delta = m.db_connections as i64 - previous.db_connections as i64;
    for _ in 0..delta.max(0) {
        let ts = t_ms + rng.below(60_000) as i64;
        let pid = 20_000 + rng.below(12_000);
        lines.push((
            ts,
            format!(
                "[{pid}] LOG:  connection authorized: user=checkout database=checkout \
                 application_name=checkout SSL enabled (protocol=TLSv1.3, \
                 cipher=TLS_AES_256_GCM_SHA384, bits=256)"
            ),
        ));
    }
    for _ in 0..(-delta).max(0) {
        let ts = t_ms + rng.below(60_000) as i64;
        let pid = 20_000 + rng.below(12_000);
        let session_s = 60 + rng.below(7200);
        lines.push((
            ts,
            format!(
                "[{pid}] LOG:  disconnection: session time: {}:{:02}:{:02}.{:03} \
                 user=checkout database=checkout host=10.0.{}.{} port={}",
                session_s / 3600,
                session_s / 60 % 60,
                session_s % 60,
                rng.below(1000),
                10 + rng.below(3) * 16,
                rng.below(250) + 2,
                32_768 + rng.below(28_000)
            ),
        ));
    }
}

/// Lock waits while the incident is severe.
fn lock_waits(rng: &mut Rng, m: &Minute, t_ms: i64, lines: &mut Vec<(i64, String)>) {
    for _ in 0..rng.poisson(6.0 * m.severity) {
        let ts = t_ms + rng.below(60_000) as i64;
        let (pid, holder) = (20_000 + rng.below(12_000), 20_000 + rng.below(12_000));
        lines.push((
            ts,
            format!(
                "[{pid}] LOG:  process {pid} still waiting for ShareLock on transaction \
                 {} after 1000.{:03} ms; blocking process: {holder} (idle in transaction)",
                48_210_000 + rng.below(90_000),
                rng.below(1000)
            ),
        ));
    }
}
