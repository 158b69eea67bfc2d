//! The facts of the fictional "checkout" incident: names, versions, the deploy history,
//! the incident timeline and the baseline and incident levels. Notebooks, tests and the
//! README rely on these; the generator reads every level from here.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

/// One entry of the deploy pipeline's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Deploy {
    /// When the pipeline started the rollout (the `Deployments` metric's minute).
    pub at: DateTime<Utc>,
    /// `deploy` or `rollback`.
    pub event: &'static str,
    pub version: &'static str,
    pub previous_version: &'static str,
    /// Short commit hash.
    pub commit: &'static str,
    /// `ci` for pipeline deploys, `oncall` for the manual rollback.
    pub actor: &'static str,
}

/// Typical levels of the service (baseline) or their values at the height of the incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Levels {
    /// ALB requests per minute at the weekday peak (about 14:00 UTC).
    pub requests_per_min_peak: f64,
    /// ALB requests per minute at the weekday trough (about 02:00 UTC).
    pub requests_per_min_trough: f64,
    /// Median of TargetResponseTime, seconds.
    pub latency_median_s: f64,
    /// p99 of TargetResponseTime, seconds.
    pub latency_p99_s: f64,
    /// HTTPCode_Target_5XX_Count as a fraction of RequestCount (the baseline adds 0.3/min
    /// of background errors: 0–3 a minute).
    pub error_rate: f64,
    /// ECS CPUUtilization at peak traffic, percent.
    pub cpu_percent: f64,
    /// RDS DatabaseConnections at peak traffic (incident: the ceiling, every pool full).
    pub db_connections: f64,
    /// OrdersPlaced per request.
    pub orders_per_request: f64,
}

/// The checkout scenario (see [`Scenario::checkout`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub service: &'static str,
    pub cluster: &'static str,
    /// ALB `LoadBalancer` dimension value.
    pub load_balancer: &'static str,
    /// ALB `TargetGroup` dimension value.
    pub target_group: &'static str,
    /// RDS `DBInstanceIdentifier`.
    pub db_instance: &'static str,
    /// Custom metrics namespace (`Deployments`, `OrdersPlaced`), dimension `Service`.
    pub namespace: &'static str,
    /// Application log group; one stream per task.
    pub log_group: &'static str,
    pub tasks: [&'static str; 3],
    /// Deploy pipeline log group and its one stream.
    pub deploy_log_group: &'static str,
    pub deploy_stream: &'static str,
    /// Plain-text database log group and its one stream.
    pub db_log_group: &'static str,
    pub db_log_stream: &'static str,
    /// Transaction Search's span log group and the one stream the generator writes.
    pub spans_log_group: &'static str,
    pub spans_stream: &'static str,
    /// The downstream service `/api/checkout` and `/api/payment` call (it has spans too).
    pub payments_service: &'static str,
    /// The slowest trace of the incident: a checkout whose order update waited on a row
    /// lock (the database log's lock waits) for seconds, in the plateau.
    pub slow_trace_at: DateTime<Utc>,
    /// Connection pool size per task (three tasks → 300 connections at most).
    pub pool_size_per_task: u32,
    /// The incident day (UTC); the metrics end at the end of this day.
    pub incident_day: NaiveDate,
    /// Deploy of the bad version.
    pub deploy_at: DateTime<Utc>,
    /// DB connections start climbing (the leak).
    pub db_leak_at: DateTime<Utc>,
    /// Latency and 5XX start climbing.
    pub errors_start_at: DateTime<Utc>,
    /// Connection pools exhausted; errors and latency at their plateau from here.
    pub errors_peak_at: DateTime<Utc>,
    /// Rollback to the good version.
    pub rollback_at: DateTime<Utc>,
    /// Every metric back to baseline.
    pub recovered_at: DateTime<Utc>,
    pub bad_version: &'static str,
    pub good_version: &'static str,
    pub bad_commit: &'static str,
    /// Every deploy and rollback, in time order (the bad deploy and the rollback last).
    pub deploys: Vec<Deploy>,
    pub baseline: Levels,
    /// Levels during the plateau (errors_peak_at .. rollback_at).
    pub incident: Levels,
}

fn at(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    let naive = day.and_hms_opt(h, m, 0).unwrap_or_default();
    Utc.from_utc_datetime(&naive)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The checkout service's deploys in the two weeks up to the incident on `day`: five
/// quiet ones, the bad one and its rollback.
fn checkout_deploys(day: NaiveDate) -> Vec<Deploy> {
    let deploy = |at: DateTime<Utc>, version, previous_version, commit| Deploy {
        at,
        event: "deploy",
        version,
        previous_version,
        commit,
        actor: "ci",
    };
    vec![
        deploy(
            at(ymd(2026, 10, 30), 10, 12),
            "v2.12.0",
            "v2.11.4",
            "9c41e07",
        ),
        deploy(
            at(ymd(2026, 11, 2), 13, 40),
            "v2.12.1",
            "v2.12.0",
            "b7d2a90",
        ),
        deploy(at(ymd(2026, 11, 3), 16, 5), "v2.13.0", "v2.12.1", "41f8c3e"),
        deploy(
            at(ymd(2026, 11, 5), 11, 30),
            "v2.13.1",
            "v2.13.0",
            "e03b5d2",
        ),
        deploy(
            at(ymd(2026, 11, 9), 15, 10),
            "v2.13.2",
            "v2.13.1",
            "7a6e1f4",
        ),
        deploy(at(day, 14, 5), "v2.14.0", "v2.13.2", "3f9a1c2"),
        Deploy {
            at: at(day, 14, 45),
            event: "rollback",
            version: "v2.13.2",
            previous_version: "v2.14.0",
            commit: "7a6e1f4",
            actor: "oncall",
        },
    ]
}

impl Scenario {
    /// The checkout incident of 2026-11-12.
    pub fn checkout() -> Scenario {
        let day = ymd(2026, 11, 12);
        let deploys = checkout_deploys(day);
        Scenario {
            service: "checkout",
            cluster: "prod",
            load_balancer: "app/checkout-alb/5f3c2a1b9d8e7f60",
            target_group: "targetgroup/checkout-tg/8a7b6c5d4e3f2a10",
            db_instance: "checkout-db",
            namespace: "Checkout",
            log_group: "/ecs/checkout",
            tasks: ["web-1a2b3c", "web-4d5e6f", "web-7a8b9c"],
            deploy_log_group: "/deploys/checkout",
            deploy_stream: "pipeline",
            db_log_group: "/aws/rds/instance/checkout-db/postgresql",
            db_log_stream: "checkout-db",
            spans_log_group: "aws/spans",
            spans_stream: "default",
            payments_service: "payments",
            slow_trace_at: at(day, 14, 31) + Duration::milliseconds(17_250),
            pool_size_per_task: 100,
            incident_day: day,
            deploy_at: at(day, 14, 5),
            db_leak_at: at(day, 14, 7),
            errors_start_at: at(day, 14, 9),
            errors_peak_at: at(day, 14, 22),
            rollback_at: at(day, 14, 45),
            recovered_at: at(day, 14, 50),
            bad_version: "v2.14.0",
            good_version: "v2.13.2",
            bad_commit: "3f9a1c2",
            deploys,
            baseline: Levels {
                requests_per_min_peak: 5800.0,
                requests_per_min_trough: 1850.0,
                latency_median_s: 0.12,
                latency_p99_s: 0.40,
                error_rate: 0.00025,
                cpu_percent: 42.0,
                db_connections: 55.0,
                orders_per_request: 0.045,
            },
            incident: Levels {
                // Client retries add about 6 %.
                requests_per_min_peak: 6150.0,
                requests_per_min_trough: 1850.0,
                latency_median_s: 0.45,
                latency_p99_s: 2.5,
                error_rate: 0.035,
                cpu_percent: 64.0,
                db_connections: 300.0,
                orders_per_request: 0.0225,
            },
        }
    }

    /// The metrics window for `days` days: `[start, end)`, ending at the end of the
    /// incident day.
    pub fn metrics_window(&self, days: u32) -> (DateTime<Utc>, DateTime<Utc>) {
        let end = at(self.incident_day, 0, 0) + Duration::days(1);
        (end - Duration::days(i64::from(days)), end)
    }

    /// The application log window for `hours` hours: it starts `hours / 3` whole hours
    /// before the hour of the bad deploy (6 h → 12:00–18:00).
    pub fn log_window(&self, hours: u32) -> (DateTime<Utc>, DateTime<Utc>) {
        let hour = at(self.incident_day, 14, 0);
        let start = hour - Duration::hours(i64::from(hours / 3));
        (start, start + Duration::hours(i64::from(hours)))
    }

    /// The version serving at `t`.
    pub fn version_at(&self, t: DateTime<Utc>) -> &'static str {
        self.deploys.iter().rev().find(|d| d.at <= t).map_or_else(
            || self.deploys.first().map_or("", |d| d.previous_version),
            |d| d.version,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_is_ordered() {
        let s = Scenario::checkout();
        assert!(s.deploys.windows(2).all(|w| w[0].at < w[1].at));
        let times = [
            s.deploy_at,
            s.db_leak_at,
            s.errors_start_at,
            s.errors_peak_at,
            s.slow_trace_at,
            s.rollback_at,
            s.recovered_at,
        ];
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(s.deploy_at.to_rfc3339(), "2026-11-12T14:05:00+00:00");
        assert_eq!(s.version_at(s.deploy_at), "v2.14.0");
        assert_eq!(s.version_at(s.rollback_at), "v2.13.2");
        assert_eq!(s.version_at(s.deploy_at - Duration::seconds(1)), "v2.13.2");
        let (start, end) = s.metrics_window(14);
        assert_eq!(start.to_rfc3339(), "2026-10-30T00:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-11-13T00:00:00+00:00");
        let (ls, le) = s.log_window(6);
        assert_eq!(
            (ls.format("%H").to_string(), le.format("%H").to_string()),
            ("12".into(), "18".into())
        );
    }
}
