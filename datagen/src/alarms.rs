//! The checkout service's alarm definitions (`alarms.json`), as a team would have them:
//! the local source evaluates them over the generated metrics, so the incident has an
//! alarm timeline like CloudWatch's.

use std::io::{self, Write};

use serde_json::json;

use super::scenario::Scenario;
use super::writer::Files;

/// Writes `alarms.json`; returns how many alarms it defines.
pub fn write(files: &mut Files, scenario: &Scenario) -> io::Result<u64> {
    let alb = json!({"LoadBalancer": scenario.load_balancer, "TargetGroup": scenario.target_group});
    let alarms = json!([
        {"name": "checkout-p99-latency-high", "namespace": "AWS/ApplicationELB", "metric": "TargetResponseTime",
         "dimensions": alb, "stat": "p99", "period": 60, "comparison": "GreaterThanThreshold",
         "threshold": 1.0, "evaluation_periods": 3, "datapoints_to_alarm": 3},
        {"name": "checkout-5xx-high", "namespace": "AWS/ApplicationELB", "metric": "HTTPCode_Target_5XX_Count",
         "dimensions": alb, "stat": "Sum", "period": 60, "comparison": "GreaterThanThreshold",
         "threshold": 50.0, "evaluation_periods": 3, "datapoints_to_alarm": 2},
        {"name": "checkout-db-connections-high", "namespace": "AWS/RDS", "metric": "DatabaseConnections",
         "dimensions": {"DBInstanceIdentifier": scenario.db_instance}, "stat": "Maximum", "period": 60,
         "comparison": "GreaterThanThreshold", "threshold": 150.0, "evaluation_periods": 2}
    ]);
    let mut sink = files.create("alarms.json")?;
    let text = serde_json::to_string_pretty(&alarms).map_err(io::Error::other)?;
    sink.write_all(text.as_bytes())?;
    sink.write_all(b"\n")?;
    files.finish(sink)?;
    Ok(3)
}
