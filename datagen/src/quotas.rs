//! The account's service quotas in two regions, as a team that runs checkout
//! active-active would watch them: `quotas.json` (each quota's default, the value applied
//! to the account, and its `AWS/Usage` metric) and hourly `AWS/Usage` metrics
//! (`metrics/usage.csv.gz`) in the primary region (the dataset's directory, eu-west-1) and
//! in the second region (`us-east-1/`, a local source of its own). Usage follows the day
//! and grows slowly; every peak × 2 fits under its quota, the second region's Fargate vCPU
//! the closest (about 80 of 100).

use std::io::{self, Write};

use serde_json::json;

use super::fmt::{push_decimal, push_ts_secs};
use super::rng::Rng;
use super::writer::Files;

/// The made-up account both regions belong to (the alarms' topic's).
const ACCOUNT: &str = "123456789012";
/// The usage metrics' file, relative to a region's directory.
pub const USAGE: &str = "metrics/usage.csv.gz";
/// The second region's directory under the dataset.
pub const SECOND_REGION: &str = "us-east-1";

/// A quota with a usage metric: what it is, and how its usage behaves in a region.
struct Quota {
    service: &'static str,
    code: &'static str,
    name: &'static str,
    default: f64,
    /// `Service`, `Type`, `Resource`, `Class` of its `AWS/Usage` `ResourceCount`.
    dims: [&'static str; 4],
}

const FARGATE: Quota = Quota {
    service: "fargate",
    code: "L-3032A538",
    name: "Fargate On-Demand vCPU resource count",
    default: 6.0,
    dims: ["Fargate", "Resource", "vCPU", "Standard/OnDemand"],
};
const EC2: Quota = Quota {
    service: "ec2",
    code: "L-1216C47A",
    name: "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
    default: 5.0,
    dims: ["EC2", "Resource", "vCPU", "Standard/OnDemand"],
};
const RDS: Quota = Quota {
    service: "rds",
    code: "L-7B6409FD",
    name: "DB instances",
    default: 40.0,
    dims: ["RDS", "Resource", "DBInstances", "None"],
};

/// How a quota's usage behaves in a region: applied value (None: the default), the level
/// at night, what the day adds at its peak (14:00 UTC), growth per day, noise.
struct Usage {
    quota: Quota,
    applied: Option<f64>,
    base: f64,
    day: f64,
    growth: f64,
    noise: f64,
}

fn region(name: &str) -> [Usage; 3] {
    let primary = name == "eu-west-1";
    let pick = |a: f64, b: f64| if primary { a } else { b };
    [
        Usage {
            quota: FARGATE,
            applied: Some(pick(120.0, 100.0)),
            base: pick(18.0, 14.0),
            day: pick(22.0, 20.0),
            growth: pick(0.25, 0.3),
            noise: 1.0,
        },
        Usage {
            quota: EC2,
            applied: Some(pick(128.0, 64.0)),
            base: pick(24.0, 12.0),
            day: pick(8.0, 6.0),
            growth: 0.0,
            noise: 1.0,
        },
        Usage {
            quota: RDS,
            applied: None,
            base: pick(3.0, 2.0),
            day: 0.0,
            growth: 0.0,
            noise: 0.0,
        },
    ]
}

/// Writes both regions' quotas and usage over `[start, end)` (epoch seconds); returns the
/// datapoints written.
pub fn write(files: &mut Files, seed: u64, start: i64, end: i64) -> io::Result<u64> {
    let mut points = 0;
    let second = format!("{SECOND_REGION}/");
    for (name, dir) in [("eu-west-1", ""), (SECOND_REGION, second.as_str())] {
        let usage = region(name);
        write_quotas(files, name, &format!("{dir}quotas.json"), &usage)?;
        points += write_usage(
            files,
            seed,
            name,
            &format!("{dir}{USAGE}"),
            &usage,
            start,
            end,
        )?;
    }
    Ok(points)
}

fn write_quotas(files: &mut Files, region: &str, rel: &str, usage: &[Usage]) -> io::Result<()> {
    let mut quotas: Vec<serde_json::Value> = usage
        .iter()
        .map(|u| {
            let q = &u.quota;
            let [service, kind, resource, class] = q.dims;
            let mut entry = json!({
                "service_code": q.service, "quota_code": q.code, "quota_name": q.name,
                "default_value": q.default, "adjustable": true,
                "usage_metric": {"namespace": "AWS/Usage", "metric": "ResourceCount",
                    "dimensions": {"Service": service, "Type": kind, "Resource": resource, "Class": class},
                    "statistic": "Maximum"}
            });
            if let Some(applied) = u.applied {
                entry["applied_value"] = json!(applied);
            }
            entry
        })
        .collect();
    quotas.push(json!({
        "service_code": "rds", "quota_code": "L-7ADDB58A",
        "quota_name": "Total storage for all DB instances", "default_value": 100000.0,
        "unit": "Gigabytes", "adjustable": true
    }));
    let file = json!({"account": ACCOUNT, "region": region, "quotas": quotas});
    let mut sink = files.create(rel)?;
    let text = serde_json::to_string_pretty(&file).map_err(io::Error::other)?;
    sink.write_all(text.as_bytes())?;
    sink.write_all(b"\n")?;
    files.finish(sink)
}

fn write_usage(
    files: &mut Files,
    seed: u64,
    region: &str,
    rel: &str,
    usage: &[Usage],
    start: i64,
    end: i64,
) -> io::Result<u64> {
    let mut sink = files.create(rel)?;
    sink.write_all(b"timestamp,namespace,metric,value,Service,Type,Resource,Class\n")?;
    let mut buf = Vec::with_capacity(128);
    let mut points = 0;
    for hour in 0..(end - start) / 3600 {
        let t = start + hour * 3600;
        let hour_of_day = (t.rem_euclid(86_400) / 3600) as f64;
        let daylight = 0.5 - 0.5 * ((hour_of_day - 2.0) / 24.0 * std::f64::consts::TAU).cos();
        for u in usage {
            let mut rng = Rng::at(seed, &format!("usage/{region}/{}", u.quota.code), hour);
            let days = hour as f64 / 24.0;
            let value = u.base + u.day * daylight + u.growth * days + u.noise * rng.normal();
            buf.clear();
            push_ts_secs(&mut buf, t);
            buf.extend_from_slice(b",AWS/Usage,ResourceCount,");
            push_decimal(&mut buf, value.round().max(0.0), 0);
            for d in u.quota.dims {
                buf.push(b',');
                buf.extend_from_slice(d.as_bytes());
            }
            buf.push(b'\n');
            sink.write_all(&buf)?;
            points += 1;
        }
    }
    files.finish(sink)?;
    Ok(points)
}
