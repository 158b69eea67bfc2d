//! The metric files under `metrics/`: one-minute datapoints for the ALB (counts in one CSV,
//! TargetResponseTime as `values`/`counts` in another), ECS, RDS (CSV) and the custom
//! `Checkout` namespace (JSON Lines).

use std::io::{self, Write};

use super::fmt::{push_decimal, push_json_str, push_ts_secs, push_u64};
use super::model::{Minute, Model};
use super::writer::{Files, Sink};

/// The metric files, relative to the output directory.
pub const ALB: &str = "metrics/alb.csv.gz";
pub const ALB_LATENCY: &str = "metrics/alb-response-time.csv.gz";
pub const ECS: &str = "metrics/ecs.csv.gz";
pub const RDS: &str = "metrics/rds.csv.gz";
pub const CUSTOM: &str = "metrics/checkout.jsonl.gz";

struct Out {
    alb: Sink,
    latency: Sink,
    ecs: Sink,
    rds: Sink,
    custom: Sink,
}

/// A CSV row's fixed prefix: `timestamp,namespace,metric,unit,`.
fn row(buf: &mut Vec<u8>, t: i64, namespace: &str, metric: &str, unit: &str) {
    buf.clear();
    push_ts_secs(buf, t);
    for field in [namespace, metric, unit] {
        buf.push(b',');
        buf.extend_from_slice(field.as_bytes());
    }
    buf.push(b',');
}

/// Ends a CSV row with its dimension cells.
fn end_row(buf: &mut Vec<u8>, dims: &[&str]) {
    for d in dims {
        buf.push(b',');
        buf.extend_from_slice(d.as_bytes());
    }
    buf.push(b'\n');
}

/// Writes every metric for `[start, end)` (epoch seconds, whole minutes); returns the
/// number of datapoints (rows) written.
pub fn write(files: &mut Files, model: &Model, start: i64, end: i64) -> io::Result<u64> {
    let s = model.scenario;
    let mut out = Out {
        alb: files.create(ALB)?,
        latency: files.create(ALB_LATENCY)?,
        ecs: files.create(ECS)?,
        rds: files.create(RDS)?,
        custom: files.create(CUSTOM)?,
    };
    out.alb
        .write_all(b"timestamp,namespace,metric,unit,value,LoadBalancer,TargetGroup\n")?;
    out.latency
        .write_all(b"timestamp,namespace,metric,unit,values,counts,LoadBalancer,TargetGroup\n")?;
    out.ecs
        .write_all(b"timestamp,namespace,metric,unit,value,ClusterName,ServiceName\n")?;
    out.rds
        .write_all(b"timestamp,namespace,metric,unit,value,DBInstanceIdentifier\n")?;

    let alb_dims = [s.load_balancer, s.target_group];
    let ecs_dims = [s.cluster, s.service];
    let mut buf = Vec::with_capacity(512);
    let mut points = 0u64;
    let mut t = start;
    while t < end {
        let m = model.minute(t);
        for (metric, value) in [
            ("RequestCount", m.requests),
            ("HTTPCode_Target_5XX_Count", m.errors()),
        ] {
            row(&mut buf, t, "AWS/ApplicationELB", metric, "Count");
            push_u64(&mut buf, value);
            end_row(&mut buf, &alb_dims);
            out.alb.write_all(&buf)?;
        }
        write_latency(&mut out.latency, &mut buf, model, &m, &alb_dims)?;
        for (metric, value) in [("CPUUtilization", m.cpu), ("MemoryUtilization", m.memory)] {
            row(&mut buf, t, "AWS/ECS", metric, "Percent");
            push_decimal(&mut buf, value, 2);
            end_row(&mut buf, &ecs_dims);
            out.ecs.write_all(&buf)?;
        }
        row(&mut buf, t, "AWS/RDS", "DatabaseConnections", "Count");
        push_u64(&mut buf, m.db_connections);
        end_row(&mut buf, &[s.db_instance]);
        out.rds.write_all(&buf)?;
        points += 6;
        if m.deploy {
            write_custom(&mut out.custom, &mut buf, model, &m, "Deployments", 1)?;
            points += 1;
        }
        write_custom(
            &mut out.custom,
            &mut buf,
            model,
            &m,
            "OrdersPlaced",
            m.orders,
        )?;
        points += 1;
        t += 60;
    }
    for sink in [out.alb, out.latency, out.ecs, out.rds, out.custom] {
        files.finish(sink)?;
    }
    Ok(points)
}

fn write_latency(
    sink: &mut Sink,
    buf: &mut Vec<u8>,
    model: &Model,
    m: &Minute,
    dims: &[&str],
) -> io::Result<()> {
    let (values, counts) = model.latency_samples(m);
    row(
        buf,
        m.t,
        "AWS/ApplicationELB",
        "TargetResponseTime",
        "Seconds",
    );
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            buf.push(b';');
        }
        push_decimal(buf, *v, 4);
    }
    buf.push(b',');
    for (i, c) in counts.iter().enumerate() {
        if i > 0 {
            buf.push(b';');
        }
        push_u64(buf, *c);
    }
    end_row(buf, dims);
    sink.write_all(buf)
}

fn write_custom(
    sink: &mut Sink,
    buf: &mut Vec<u8>,
    model: &Model,
    m: &Minute,
    metric: &str,
    value: u64,
) -> io::Result<()> {
    let s = model.scenario;
    buf.clear();
    buf.extend_from_slice(b"{\"timestamp\":\"");
    push_ts_secs(buf, m.t);
    buf.extend_from_slice(b"\",\"namespace\":");
    push_json_str(buf, s.namespace);
    buf.extend_from_slice(b",\"metric\":");
    push_json_str(buf, metric);
    buf.extend_from_slice(b",\"dimensions\":{\"Service\":");
    push_json_str(buf, s.service);
    buf.extend_from_slice(b"},\"unit\":\"Count\",\"value\":");
    push_u64(buf, value);
    buf.extend_from_slice(b"}\n");
    sink.write_all(buf)
}
