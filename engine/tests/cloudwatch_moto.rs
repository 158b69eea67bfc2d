//! The CloudWatch source (metrics through the real AWS SDK, Logs through the engine's own
//! signed calls) against a local moto server (behind the test-side RPCv2-CBOR proxy),
//! metrics seeded through the SDK and logs through boto3 (the engine writes no logs):
//! metrics batching, Logs Insights and FilterLogEvents cross-checked with the local source
//! on the same events, service errors, and throttling with retries.
//!
//! The tests start moto themselves with the test venv's Python (`moto::python()`: tests/run.sh
//! creates it); without one they fail and say how to get it, they never pass silently.
//!
//! One moto serves every case of this binary ([`fixture`]: started and seeded by the first
//! case that needs it, stopped when the process exits and its stdin closes). Each case has
//! its own `Session`, so its query log is its own, and holds moto alone while it runs
//! ([`Fixture::alone`]): moto's backends are not safe to change while another call reads
//! them, and the throttling case changes what the proxy answers everyone.

#[path = "support/moto.rs"]
mod moto;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use aws_sdk_cloudwatch::primitives::DateTime as AwsTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use chrono::{DateTime, TimeDelta, Utc};
use playbook::model::log_table::LogTable;
use playbook::model::query::{MetricQuery, Windowed, filter_log_events, logs_insights, metric};
use playbook::model::time_range::TimeRange;
use playbook_engine::Session;
use playbook_engine::cloudwatch::CloudWatchSource;
use playbook_engine::local::LocalSource;

fn session_for(config: &aws_config::SdkConfig) -> Session {
    let session = Session::from_env();
    session.use_backend(Arc::new(
        CloudWatchSource::from_sdk_config(config).expect("source"),
    ));
    session
}

/// Creates `group` with `stream` and puts `events` (epoch ms, message) in it, with boto3
/// of the Python that serves moto.
fn seed_logs(url: &str, group: &str, stream: &str, events: &[(i64, String)]) {
    const SEED: &str = r#"
import json, sys, boto3
doc = json.load(sys.stdin)
logs = boto3.client("logs", endpoint_url=doc["url"], region_name="us-east-1",
                    aws_access_key_id="testing", aws_secret_access_key="testing")
logs.create_log_group(logGroupName=doc["group"])
logs.create_log_stream(logGroupName=doc["group"], logStreamName=doc["stream"])
logs.put_log_events(logGroupName=doc["group"], logStreamName=doc["stream"],
                    logEvents=[{"timestamp": t, "message": m} for t, m in doc["events"]])
"#;
    let mut child = Command::new(moto::python())
        .args(["-c", SEED])
        .stdin(Stdio::piped())
        .spawn()
        .expect("python for seeding");
    let doc = serde_json::json!({"url": url, "group": group, "stream": stream, "events": events});
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(doc.to_string().as_bytes())
        .expect("seed document");
    assert!(
        child.wait().expect("seeding").success(),
        "seeding logs failed"
    );
}

/// A start aligned to the hour, three hours ago (recent: no retention rounding).
fn t0() -> DateTime<Utc> {
    let now = Utc::now().timestamp();
    DateTime::from_timestamp((now - 3 * 3600) / 3600 * 3600, 0).expect("t0")
}

/// The moto every case uses, seeded once: the metrics and the log events below.
struct Fixture {
    moto: moto::Moto,
    config: aws_config::SdkConfig,
    runtime: tokio::runtime::Runtime,
    /// The seeded data's first hour starts here.
    start: DateTime<Utc>,
    /// The events seeded in [`GROUP`]'s stream `web-1` (epoch ms, message).
    events: Vec<(i64, String)>,
    /// Held by the case talking to moto.
    turn: Mutex<()>,
}

/// The log group seeded with [`Fixture::events`].
const GROUP: &str = "/ecs/checkout-test";

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(Fixture::start)
}

impl Fixture {
    /// Starts moto and seeds it: the metrics through the SDK, the logs through boto3.
    fn start() -> Fixture {
        let moto = moto::start(&moto::python());
        let config = moto::sdk_config(&moto.url, 3);
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let start = t0();
        seed_metrics(&runtime, &aws_sdk_cloudwatch::Client::new(&config), start);
        let events = log_events(start);
        seed_logs(&moto.url, GROUP, "web-1", &events);
        Fixture {
            moto,
            config,
            runtime,
            start,
            events,
            turn: Mutex::new(()),
        }
    }

    /// Moto and its proxy for one case alone, until the guard drops (a failed case does
    /// not stop the others).
    fn alone(&self) -> MutexGuard<'_, ()> {
        self.turn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The seeded data's first hour.
    fn window(&self) -> TimeRange {
        TimeRange::new(self.start, self.start + TimeDelta::hours(1)).expect("window")
    }

    /// The seeded latency series (one point a minute, valued 0..59) over the first hour.
    fn latency(&self) -> MetricQuery {
        metric("Playbook/Test", "Latency")
            .dim("Service", "checkout")
            .range(self.window())
    }

    /// A new session on the CloudWatch source.
    fn session(&self) -> Session {
        session_for(&self.config)
    }
}

/// Seeds 60 one-minute points valued 0..59, and 1,234 single-point series.
fn seed_metrics(
    runtime: &tokio::runtime::Runtime,
    cw: &aws_sdk_cloudwatch::Client,
    start: DateTime<Utc>,
) {
    let dim = Dimension::builder()
        .name("Service")
        .value("checkout")
        .build();
    let data: Vec<MetricDatum> = (0..60)
        .map(|i| {
            MetricDatum::builder()
                .metric_name("Latency")
                .dimensions(dim.clone())
                .timestamp(AwsTime::from_secs(start.timestamp() + i * 60))
                .value(i as f64)
                .unit(StandardUnit::Seconds)
                .build()
        })
        .collect();
    let many: Vec<MetricDatum> = (0..1234)
        .map(|i| {
            MetricDatum::builder()
                .metric_name("CPUUtilization")
                .dimensions(
                    Dimension::builder()
                        .name("InstanceId")
                        .value(format!("i-{i:04}"))
                        .build(),
                )
                .timestamp(AwsTime::from_secs(start.timestamp() + 600))
                .value(f64::from(i))
                .build()
        })
        .collect();
    runtime.block_on(async {
        cw.put_metric_data()
            .namespace("Playbook/Test")
            .set_metric_data(Some(data))
            .send()
            .await
            .expect("put latency");
        for chunk in many.chunks(1000) {
            cw.put_metric_data()
                .namespace("Playbook/Fleet")
                .set_metric_data(Some(chunk.to_vec()))
                .send()
                .await
                .expect("put fleet");
        }
    });
}

/// 20 JSON events ten seconds apart from `start`, every fourth an error.
fn log_events(start: DateTime<Utc>) -> Vec<(i64, String)> {
    (0..20)
        .map(|i| {
            let t = start.timestamp_millis() + i * 10_000;
            let level = if i % 4 == 0 { "ERROR" } else { "INFO" };
            (
                t,
                format!(r#"{{"level":"{level}","n":{i},"route":"/api/r{}"}}"#, i % 3),
            )
        })
        .collect()
}

/// The seeded events in a local source directory of the case's own (a timestamp added to
/// each), and a session reading it.
fn local_copy(case: &str, events: &[(i64, String)]) -> (PathBuf, Session) {
    let dir = std::env::temp_dir().join(format!("playbook-moto-{}-{case}", std::process::id()));
    let stream_dir = dir.join("logs/ecs/checkout-test");
    std::fs::create_dir_all(&stream_dir).expect("dir");
    let lines: Vec<String> = events
        .iter()
        .map(|(t, m)| {
            let at = DateTime::from_timestamp_millis(*t)
                .expect("t")
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            m.replacen('{', &format!(r#"{{"timestamp":"{at}","#), 1)
        })
        .collect();
    std::fs::write(stream_dir.join("web-1.jsonl"), lines.join("\n")).expect("write");
    let local = Session::from_env();
    local.use_backend(Arc::new(LocalSource::open(&dir).expect("local")));
    (dir, local)
}

#[test]
fn metrics_over_one_window_take_one_call_and_name_their_source() {
    let f = fixture();
    let _moto = f.alone();
    let session = f.session();
    let latency = f.latency();
    let set = session
        .run_metrics(&[
            latency.clone().stat("Sum").period(60),
            latency.clone().stat("Average").period(300),
        ])
        .expect("metrics");
    let sums: Vec<f64> = set[0].values.iter().flatten().copied().collect();
    assert_eq!(sums, (0..60).map(f64::from).collect::<Vec<_>>());
    let averages: Vec<f64> = set[1].values.iter().flatten().copied().collect();
    assert_eq!(
        averages,
        (0..12).map(|k| f64::from(5 * k + 2)).collect::<Vec<_>>()
    );
    let records = session.queries();
    assert_eq!(
        records[0].api_calls, 1,
        "two queries over one window take one call"
    );
    assert_eq!(records[0].source, "cloudwatch");
    assert_eq!(records[0].region.as_deref(), Some("us-east-1"));
    // moto's STS answers with its fixed test account.
    assert_eq!(records[0].account.as_deref(), Some("123456789012"));
    assert_eq!(records[0].endpoint.as_deref(), Some(f.moto.url.as_str()));
}

#[test]
fn metrics_of_1234_series_are_batched_into_three_get_metric_data_calls() {
    let f = fixture();
    let _moto = f.alone();
    let session = f.session();
    // 1,234 series over three hours at 60 s: exactly three GetMetricData calls.
    let queries: Vec<_> = (0..1234)
        .map(|i| {
            metric("Playbook/Fleet", "CPUUtilization")
                .dim("InstanceId", &format!("i-{i:04}"))
                .stat("Maximum")
                .period(60)
                .range(TimeRange::new(f.start, f.start + TimeDelta::hours(3)).expect("window"))
        })
        .collect();
    let fleet = session.run_metrics(&queries).expect("fleet");
    assert_eq!(fleet.len(), 1234);
    assert_eq!(fleet[1000].values, vec![Some(1000.0)]);
    let calls: u32 = session.queries().iter().map(|r| r.api_calls).sum();
    assert_eq!(calls, 3);
}

#[test]
fn list_metrics_names_every_instance_once_whatever_motos_duplicates() {
    let f = fixture();
    let _moto = f.alone();
    let instances = f
        .session()
        .run_list_metrics(
            &playbook::model::query::list_metrics("Playbook/Fleet")
                .metric("CPUUtilization")
                .has_dim("InstanceId"),
        )
        .expect("list metrics");
    assert_eq!(instances.len(), 1234);
    assert_eq!(instances[7].dimension("InstanceId"), Some("i-0007"));
}

/// The messages of `table`, parsed.
fn messages(table: &LogTable) -> Vec<serde_json::Value> {
    (0..table.len())
        .map(|r| serde_json::from_str(table.text(r, "@message").expect("message")).expect("json"))
        .collect()
}

#[test]
fn logs_insights_on_moto_gives_the_local_sources_rows_and_a_console_link() {
    let f = fixture();
    let _moto = f.alone();
    let session = f.session();
    let (dir, local) = local_copy("insights", &f.events);
    let query = logs_insights("fields @timestamp, @message | sort @timestamp desc | limit 5")
        .group(GROUP)
        .range(f.window());
    let remote = session.run_logs_insights(&query).expect("insights on moto");
    let here = local.run_logs_insights(&query).expect("insights locally");
    assert_eq!(remote.len(), 5);
    assert_eq!(remote.times("@timestamp"), here.times("@timestamp"));
    let local_messages: Vec<serde_json::Value> = messages(&here)
        .into_iter()
        .map(|mut m| {
            m.as_object_mut().expect("object").remove("timestamp");
            m
        })
        .collect();
    assert_eq!(messages(&remote), local_messages);
    assert!(remote.query_id.is_some());
    let record = session.queries().last().cloned().expect("record");
    assert_eq!(
        record.kind,
        playbook::model::record::QueryKind::LogsInsights
    );
    assert_eq!(record.query_ids.len(), 1);
    let link = record.console_url.as_deref().expect("console link");
    assert!(link.starts_with("https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights"), "{link}");
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn filter_log_events_on_moto_gives_the_local_sources_rows() {
    let f = fixture();
    let _moto = f.alone();
    let (dir, local) = local_copy("filter", &f.events);
    let errors = filter_log_events(GROUP).pattern("ERROR").range(f.window());
    let remote = f.session().run_filter(&errors).expect("filter on moto");
    let here = local.run_filter(&errors).expect("filter locally");
    assert_eq!(remote.len(), 5);
    assert_eq!(remote.times("@timestamp"), here.times("@timestamp"));
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn one_stream_without_a_pattern_is_read_with_get_log_events_oldest_first() {
    let f = fixture();
    let _moto = f.alone();
    let (dir, local) = local_copy("stream", &f.events);
    let stream = filter_log_events(GROUP)
        .stream("web-1")
        .limit(7)
        .range(f.window());
    let remote = f
        .session()
        .run_filter(&stream)
        .expect("get log events on moto");
    let here = local.run_filter(&stream).expect("stream locally");
    assert_eq!(remote.len(), 7);
    assert!(remote.truncated && here.truncated);
    assert_eq!(remote.times("@timestamp"), here.times("@timestamp"));
    assert_eq!(remote.query, format!("events of {GROUP}/web-1"));
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn an_unknown_log_group_keeps_the_services_code_and_message() {
    let f = fixture();
    let _moto = f.alone();
    let err = f
        .session()
        .run_logs_insights(
            &logs_insights("fields @message")
                .group("/no/such/group")
                .range(f.window()),
        )
        .expect_err("unknown group");
    let text = err.to_string();
    assert!(
        text.contains("StartQuery failed: ResourceNotFoundException"),
        "{text}"
    );
}

#[test]
fn alarms_are_described_through_the_sdk_with_their_condition() {
    let f = fixture();
    let _moto = f.alone();
    // DescribeAlarms through the SDK (moto has no alarm history: a note says so).
    let cw = aws_sdk_cloudwatch::Client::new(&f.config);
    f.runtime.block_on(async {
        cw.put_metric_alarm()
            .alarm_name("checkout-latency-high")
            .namespace("Playbook/Test")
            .metric_name("Latency")
            .dimensions(
                Dimension::builder()
                    .name("Service")
                    .value("checkout")
                    .build(),
            )
            .statistic(aws_sdk_cloudwatch::types::Statistic::Maximum)
            .period(60)
            .evaluation_periods(3)
            .threshold(30.0)
            .comparison_operator(
                aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold,
            )
            .send()
            .await
            .expect("alarm");
        cw.set_alarm_state()
            .alarm_name("checkout-latency-high")
            .state_value(aws_sdk_cloudwatch::types::StateValue::Alarm)
            .state_reason("test")
            .send()
            .await
            .expect("state");
    });
    let report = f
        .session()
        .run_alarms(
            &playbook::model::alarms::alarms()
                .state("ALARM")
                .range(f.window()),
        )
        .expect("alarms");
    assert_eq!(report.alarms.len(), 1);
    assert_eq!(report.alarms[0].name, "checkout-latency-high");
    assert_eq!(report.alarms[0].state, "ALARM");
    assert!(
        report.alarms[0]
            .condition
            .contains("Latency Maximum > 30 for 3 of 3 × 60 s"),
        "{:?}",
        report.alarms[0]
    );
}

#[test]
fn throttled_calls_are_retried_and_too_many_give_a_clear_error() {
    let f = fixture();
    let _moto = f.alone();
    let session = f.session();
    // Two throttled calls are retried; more than the attempts give a clear error.
    let answer = moto::control(&f.moto.url, "POST", "/__proxy/throttle?n=2");
    assert!(
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
        "{answer}"
    );
    let set = session
        .run_metrics(&[f.latency().stat("Sum").period(60)])
        .expect("retried");
    assert_eq!(set[0].values.len(), 60);
    moto::control(&f.moto.url, "POST", "/__proxy/throttle?n=10");
    let err = session
        .run_metrics(&[f.latency().stat("Sum").period(60)])
        .expect_err("throttled");
    moto::control(&f.moto.url, "POST", "/__proxy/throttle?n=0");
    assert_eq!(
        err.kind(),
        playbook::protocol::ErrorKind::Throttled,
        "{err}"
    );
    assert!(
        err.to_string().contains("GetMetricData is throttled"),
        "{err}"
    );
}
