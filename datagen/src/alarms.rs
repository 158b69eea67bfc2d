//! The checkout service's configuration, as a team would have it: alarm definitions
//! (`alarms.json`, each notifying the on-call topic) that the local source evaluates over
//! the generated metrics, so the incident has an alarm timeline like CloudWatch's; log
//! group retention (`log-groups.json`) and the KPIs' anomaly detectors
//! (`anomaly-detectors.json`), which an operational readiness review checks; and the
//! Contributor Insights rules a team writes for "who is behind the errors?"
//! (`insight-rules/NAME.json`, CloudWatch's rule syntax).

use std::io::{self, Write};

use serde_json::json;

use super::scenario::Scenario;
use super::writer::Files;

/// The SNS topic the alarms notify (a made-up account).
const ONCALL_TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:checkout-oncall";

/// Writes `alarms.json`, `log-groups.json` and `anomaly-detectors.json`; returns how many
/// alarms it defines.
pub fn write(files: &mut Files, scenario: &Scenario) -> io::Result<u64> {
    let alb = json!({"LoadBalancer": scenario.load_balancer, "TargetGroup": scenario.target_group});
    write_json(
        files,
        "log-groups.json",
        &json!([
            {"name": "/aws/rds/instance/checkout-db/postgresql", "retention_days": 30},
            {"name": "/deploys/checkout", "retention_days": 365},
            {"name": "/ecs/checkout", "retention_days": 90}
        ]),
    )?;
    write_json(
        files,
        "anomaly-detectors.json",
        &json!([
            {"namespace": "AWS/ApplicationELB", "metric": "TargetResponseTime", "dimensions": alb, "stat": "p99"},
            {"namespace": "AWS/ApplicationELB", "metric": "HTTPCode_Target_5XX_Count", "dimensions": alb, "stat": "Sum"},
            {"namespace": "AWS/ApplicationELB", "metric": "RequestCount", "dimensions": alb, "stat": "Sum"}
        ]),
    )?;
    let alarms = json!([
        {"name": "checkout-p99-latency-high", "namespace": "AWS/ApplicationELB", "metric": "TargetResponseTime",
         "dimensions": alb, "stat": "p99", "period": 60, "comparison": "GreaterThanThreshold",
         "threshold": 1.0, "evaluation_periods": 3, "datapoints_to_alarm": 3, "actions": [ONCALL_TOPIC]},
        {"name": "checkout-5xx-high", "namespace": "AWS/ApplicationELB", "metric": "HTTPCode_Target_5XX_Count",
         "dimensions": alb, "stat": "Sum", "period": 60, "comparison": "GreaterThanThreshold",
         "threshold": 50.0, "evaluation_periods": 3, "datapoints_to_alarm": 2, "actions": [ONCALL_TOPIC]},
        {"name": "checkout-db-connections-high", "namespace": "AWS/RDS", "metric": "DatabaseConnections",
         "dimensions": {"DBInstanceIdentifier": scenario.db_instance}, "stat": "Maximum", "period": 60,
         "comparison": "GreaterThanThreshold", "threshold": 150.0, "evaluation_periods": 2,
         "actions": [ONCALL_TOPIC]}
    ]);
    write_json(files, "alarms.json", &alarms)?;
    write_rules(files, scenario)?;
    Ok(3)
}

/// The rules: failed requests by route and error, and time spent per task.
fn write_rules(files: &mut Files, scenario: &Scenario) -> io::Result<()> {
    let schema = json!({"Name": "CloudWatchLogRule", "Version": 1});
    write_json(
        files,
        "insight-rules/checkout-5xx-by-route.json",
        &json!({
            "Schema": schema, "LogGroupNames": [scenario.log_group], "LogFormat": "JSON",
            "Contribution": {"Keys": ["$.route", "$.error"],
                             "Filters": [{"Match": "$.status", "GreaterThan": 499}]},
            "AggregateOn": "Count"
        }),
    )?;
    write_json(
        files,
        "insight-rules/checkout-latency-by-task.json",
        &json!({
            "Schema": schema, "LogGroupNames": [format!("{}*", scenario.log_group)], "LogFormat": "JSON",
            "Contribution": {"Keys": ["$.task"], "ValueOf": "$.latency_ms",
                             "Filters": [{"Match": "$.latency_ms", "IsPresent": true}]},
            "AggregateOn": "Sum"
        }),
    )
}

fn write_json(files: &mut Files, name: &str, value: &serde_json::Value) -> io::Result<()> {
    let mut sink = files.create(name)?;
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    sink.write_all(text.as_bytes())?;
    sink.write_all(b"\n")?;
    files.finish(sink)
}
