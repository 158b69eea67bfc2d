//! Tests of the local source end to end through a `Session`: Logs Insights and filtered
//! events over gzip and text streams, metrics with notes, and clear errors.

use std::io::Write;

use crate::Session;
use playbook::model::query::{Windowed, filter_log_events, logs_insights, metric};

fn sample_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("playbook-local-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let group = dir.join("logs/ecs/checkout");
    std::fs::create_dir_all(&group).unwrap();
    std::fs::create_dir_all(dir.join("metrics")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(group.join("web-1.jsonl.gz")).unwrap(),
        flate2::Compression::default(),
    );
    for (minute, level, route, latency) in [
        (0, "INFO", "/api/cart", 80),
        (1, "ERROR", "/api/checkout", 5000),
        (2, "ERROR", "/api/checkout", 5100),
        (6, "INFO", "/api/cart", 90),
    ] {
        writeln!(
            gz,
            r#"{{"timestamp":"2026-11-12T14:0{minute}:00.000Z","level":"{level}","route":"{route}","latency_ms":{latency}}}"#
        )
        .unwrap();
    }
    gz.finish().unwrap();
    std::fs::write(
        group.join("web-2.log"),
        "2026-11-12T14:03:00Z ERROR TimeoutError: could not acquire connection\n  at Pool.acquire (db/pool.js:88)\n2026-11-12T14:04:00Z INFO ok\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("metrics/m.csv"),
        "timestamp,namespace,metric,value,Service\n2026-11-12T14:00:00Z,Checkout,Orders,5,checkout\n",
    )
    .unwrap();
    dir
}

/// A session reading the local source at `dir` (other modules' tests use it too).
pub(crate) fn session(dir: &std::path::Path) -> Session {
    let session = Session::from_env();
    session
        .set_source(&format!("local:{}", dir.display()), "test")
        .unwrap();
    session
}

const WINDOW: (&str, &str) = ("2026-11-12T14:00:00Z", "2026-11-12T15:00:00Z");

#[test]
fn logs_insights_runs_over_every_stream_of_the_group() {
    let dir = sample_dir("insights");
    let session = session(&dir);
    let query = logs_insights("filter level = \"ERROR\" | stats count(*) as errors by route")
        .group("/ecs/checkout")
        .between(WINDOW.0, WINDOW.1);
    let table = session.run_logs_insights(&query).unwrap();
    assert_eq!(table.columns, ["route", "errors"]);
    assert_eq!(table.text(0, "errors"), Some("2"));
    assert_eq!(table.statistics.records_scanned, 6.0);
    let records = session.queries();
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].kind,
        playbook::model::record::QueryKind::LogsInsights
    );
    assert_eq!(records[0].groups, ["/ecs/checkout"]);
    assert_eq!(
        records[0].window.unwrap().to_string(),
        "2026-11-12T14:00:00Z .. 2026-11-12T15:00:00Z"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn text_events_keep_their_continuation_lines() {
    let dir = sample_dir("text");
    let session = session(&dir);
    let table = session
        .run_filter(
            &filter_log_events("ecs/checkout")
                .pattern("TimeoutError")
                .between(WINDOW.0, WINDOW.1),
        )
        .unwrap();
    assert_eq!(table.len(), 1);
    assert_eq!(table.text(0, "@logStream"), Some("web-2"));
    assert!(
        table
            .text(0, "@message")
            .unwrap()
            .ends_with("at Pool.acquire (db/pool.js:88)")
    );
    let all = session
        .run_filter(&filter_log_events("/ecs/checkout").between(WINDOW.0, "2026-11-12T14:05:00Z"))
        .unwrap();
    assert_eq!(all.len(), 5, "the window cuts the 14:06 event");
    let times: Vec<_> = all.times("@timestamp").into_iter().flatten().collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "events come in time order"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_empty_window_on_local_logs_names_the_time_range_the_group_holds() {
    let dir = sample_dir("empty-window");
    let session = session(&dir);
    let early = ("2026-11-11T00:00:00Z", "2026-11-11T03:00:00Z");
    let table = session
        .run_logs_insights(
            &logs_insights("fields @message")
                .group("/ecs/checkout")
                .between(early.0, early.1),
        )
        .unwrap();
    assert!(table.rows.is_empty());
    let events = session
        .run_filter(&filter_log_events("/ecs/checkout").between(early.0, early.1))
        .unwrap();
    assert!(events.rows.is_empty());
    let records = session.queries();
    assert_eq!(records.len(), 2);
    for record in &records {
        let note = record.notes.join("\n");
        assert!(
            note.contains(
                "no events of /ecs/checkout in 2026-11-11T00:00:00Z .. 2026-11-11T03:00:00Z"
            ),
            "{note}"
        );
        // The first and last events of both streams (gzip JSON and text).
        assert!(
            note.contains("holds its events from 2026-11-12T14:00:00Z to 2026-11-12T14:06:00Z"),
            "{note}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unknown_groups_and_metrics_say_what_exists() {
    let dir = sample_dir("missing");
    let session = session(&dir);
    let err = session
        .run_logs_insights(
            &logs_insights("fields @message")
                .group("/ecs/payments")
                .since("1h"),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("log group `/ecs/payments` not found"), "{err}");
    assert!(err.contains("groups there: /ecs/checkout"), "{err}");
    let set = session
        .run_metrics(&[metric("Checkout", "Orders")
            .stat("Sum")
            .between(WINDOW.0, WINDOW.1)])
        .unwrap();
    assert!(set[0].is_empty(), "no dimensions given: no exact match");
    let records = session.queries();
    let metrics = records
        .iter()
        .find(|r| r.kind == playbook::model::record::QueryKind::Metrics)
        .unwrap();
    let note = &metrics.notes[0];
    assert!(
        note.contains("dimension sets there: [Service=checkout]"),
        "{note}"
    );
    let set = session
        .run_metrics(&[metric("Checkout", "Orders")
            .dim("Service", "checkout")
            .stat("Sum")
            .between(WINDOW.0, WINDOW.1)])
        .unwrap();
    assert_eq!(set[0].values, vec![Some(5.0)]);
    let found = session
        .run_list_metrics(&playbook::model::query::list_metrics("Checkout").has_dim("Service"))
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].dimension("Service"), Some("checkout"));
    assert_eq!(
        found[0].query("Sum").describe(),
        "Checkout Orders Service=checkout Sum"
    );
    assert!(
        session
            .run_list_metrics(
                &playbook::model::query::list_metrics("Checkout").dim("Service", "payments")
            )
            .unwrap()
            .is_empty()
    );
    assert!(set[0].query.as_deref().unwrap().contains("period 60 s"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn syntax_errors_and_bad_sources_are_clear() {
    let dir = sample_dir("errors");
    let session = session(&dir);
    let err = session
        .run_logs_insights(
            &logs_insights("stats avg(x) by")
                .group("/ecs/checkout")
                .since("1h"),
        )
        .unwrap_err();
    assert_eq!(err.kind(), playbook::protocol::ErrorKind::QuerySyntax);
    assert!(err.to_string().contains("col"), "{err}");
    assert_eq!(
        session.queries()[0].status,
        playbook::model::record::QueryStatus::Failed
    );
    let err = session
        .set_source("local:/no/such/dir", "test")
        .unwrap_err()
        .to_string();
    assert!(err.contains("/no/such/dir not found"), "{err}");
    let none = Session::from_env();
    if std::env::var_os(crate::SOURCE_ENV).is_none() {
        let err = none
            .run_metrics(&[metric("A", "B")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("PLAYBOOK_SOURCE=local:DIR"), "{err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn invalid_utf8_and_untimed_lines_are_kept_and_noted_with_file_and_line() {
    let dir = sample_dir("odd-lines");
    let group = dir.join("logs/app/odd");
    std::fs::create_dir_all(&group).unwrap();
    let mut text = Vec::new();
    text.extend_from_slice(b"not json before any time\n");
    text.extend_from_slice(br#"{"timestamp":"2026-11-12T14:00:00Z","level":"ERROR","msg":"caf"#);
    text.extend_from_slice(&[0xff, 0xfe]);
    text.extend_from_slice(b"\"}\n");
    text.extend_from_slice(b"a plain line with no time\n");
    text.extend_from_slice(br#"{"level":"ERROR","msg":"no timestamp field"}"#);
    text.push(b'\n');
    std::fs::write(group.join("s.jsonl"), text).unwrap();
    let session = session(&dir);
    let table = session
        .run_logs_insights(
            &logs_insights("fields @timestamp, @message")
                .group("/app/odd")
                .between(WINDOW.0, WINDOW.1),
        )
        .expect("the query runs: bad bytes do not fail it");
    assert_eq!(table.len(), 3, "{:?}", table.rows());
    let notes = table.notes.join("\n");
    assert!(
        notes.contains("s.jsonl: 1 line(s) are not valid UTF-8")
            && notes.contains("(first: line 2)"),
        "{notes}"
    );
    assert!(notes.contains("2 line(s) have no usable timestamp: each took the time of the event before it (first: line 3)"), "{notes}");
    assert!(
        notes.contains("1 line(s) come before any line with a timestamp: skipped (first: line 1)"),
        "{notes}"
    );
    assert!(
        table
            .rows()
            .iter()
            .any(|r| r[1].as_deref().is_some_and(|m| m.contains('\u{fffd}')))
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_symlink_loop_under_logs_lists_each_group_once() {
    let dir = sample_dir("loop");
    std::os::unix::fs::symlink(dir.join("logs"), dir.join("logs/ecs/checkout/back")).unwrap();
    std::os::unix::fs::symlink(dir.join("logs/ecs"), dir.join("logs/ecs/again")).unwrap();
    let groups = session(&dir).run_log_groups(None).unwrap();
    assert_eq!(groups, ["/ecs/checkout"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_interrupt_stops_a_local_query_while_it_reads() {
    let dir = sample_dir("cancel");
    let group = dir.join("logs/big/app");
    std::fs::create_dir_all(&group).unwrap();
    let line = r#"{"timestamp":"2026-11-12T14:00:00Z","level":"INFO"}"#;
    std::fs::write(group.join("s.jsonl"), format!("{line}\n").repeat(400_000)).unwrap();
    let session = std::sync::Arc::new(session(&dir));
    let running = session.clone();
    let query = std::thread::spawn(move || {
        running.run_logs_insights(
            &logs_insights("stats count(*)")
                .group("/big/app")
                .between(WINDOW.0, WINDOW.1),
        )
    });
    // Cancel until the query has seen it (it resets the flag when it starts).
    while !query.is_finished() {
        session.cancel();
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let result = query.join().unwrap();
    assert!(
        matches!(result, Err(crate::error::EngineError::Cancelled(_))),
        "{result:?}"
    );
    assert_eq!(
        session.queries().last().map(|q| q.status),
        Some(playbook::model::record::QueryStatus::Cancelled)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_linked_account_on_a_local_source_says_it_needs_cloudwatch() {
    let dir = sample_dir("account");
    let session = session(&dir);
    let query = metric("Checkout", "Orders")
        .dim("Service", "checkout")
        .account("111111111111")
        .between(WINDOW.0, WINDOW.1);
    let error = session.run_metrics(&[query]).unwrap_err();
    assert_eq!(error.kind(), playbook::protocol::ErrorKind::Unsupported);
    assert!(
        error.to_string().contains("cross-account observability"),
        "{error}"
    );
    // Logs too: by account, or by a group's ARN.
    for query in [
        logs_insights("fields @message")
            .group("/ecs/checkout")
            .account("111111111111"),
        logs_insights("fields @message")
            .group("arn:aws:logs:us-east-1:111111111111:log-group:/ecs/checkout"),
    ] {
        let error = session
            .run_logs_insights(&query.between(WINDOW.0, WINDOW.1))
            .unwrap_err();
        assert_eq!(error.kind(), playbook::protocol::ErrorKind::Unsupported);
        assert!(error.to_string().contains("one account's logs"), "{error}");
    }
    let error = session
        .run_logs_insights(&logs_insights("fields @message").group("/g").account("12"))
        .unwrap_err();
    assert!(error.to_string().contains("12-digit"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn log_group_settings_and_anomaly_detectors_come_from_their_files() {
    let dir = sample_dir("inventory");
    let session = session(&dir);
    // No files: every group on disk, none with a retention policy; no detectors.
    let groups = session.run_log_group_settings(Some("/ecs")).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(
        (groups[0].name.as_str(), groups[0].retention_days),
        ("/ecs/checkout", None)
    );
    assert!(groups[0].stored_bytes.is_some_and(|b| b > 0));
    assert!(session.run_anomaly_detectors(None).unwrap().is_empty());

    std::fs::write(
        dir.join("log-groups.json"),
        r#"[{"name": "ecs/checkout", "retention_days": 7}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("anomaly-detectors.json"),
        r#"[{"namespace": "Checkout", "metric": "Orders", "dimensions": {"Service": "checkout"}, "stat": "Sum"},
            {"namespace": "AWS/EC2", "metric": "CPUUtilization", "stat": "Average"}]"#,
    )
    .unwrap();
    let groups = session.run_log_group_settings(None).unwrap();
    assert_eq!(groups[0].retention_days, Some(7), "a leading / is optional");
    let detectors = session.run_anomaly_detectors(Some("Checkout")).unwrap();
    assert_eq!(detectors.len(), 1);
    assert!(detectors[0].models("Checkout", "Orders"));
    assert_eq!(
        detectors[0].metric.dimensions,
        [("Service".to_owned(), "checkout".to_owned())]
    );

    std::fs::write(dir.join("anomaly-detectors.json"), r#"{"not": "a list"}"#).unwrap();
    let error = session.run_anomaly_detectors(None).unwrap_err();
    assert_eq!(error.kind(), playbook::protocol::ErrorKind::File);
    assert!(
        error.to_string().contains("anomaly detector definitions"),
        "{error}"
    );
    let kinds: Vec<_> = session.queries().iter().map(|q| q.kind).collect();
    assert!(kinds.contains(&playbook::model::record::QueryKind::AnomalyDetectors));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn local_log_anomalies_are_new_patterns_and_patterns_seen_far_more_often() {
    let dir = std::env::temp_dir().join(format!("playbook-anomalies-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("logs/app")).unwrap();
    let mut lines = Vec::new();
    let at = |minute: i64, second: i64| {
        let t: chrono::DateTime<chrono::Utc> = "2026-11-12T14:00:00Z".parse().unwrap();
        (t + chrono::TimeDelta::seconds(minute * 60 + second))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    for minute in 0..120 {
        lines.push(format!("{} INFO ok", at(minute, 0)));
    }
    // The baseline hour (14:00–15:00): 6 slow warnings. The window (15:00–16:00): 30 (5×),
    // 8 timeouts (new), 3 rare errors (new, too few).
    for i in 0..6 {
        lines.push(format!("{} WARN slow request {i}", at(i * 10, 5)));
    }
    for i in 0..30 {
        lines.push(format!("{} WARN slow request {i}", at(60 + i * 2, 5)));
    }
    for i in 0..8 {
        lines.push(format!(
            "{} ERROR TimeoutError after {} ms",
            at(90 + i, 7),
            5000 + i
        ));
    }
    for i in 0..3 {
        lines.push(format!("{} ERROR rare", at(100 + i, 9)));
    }
    lines.sort();
    std::fs::write(dir.join("logs/app/s.log"), lines.join("\n") + "\n").unwrap();
    let session = session(&dir);
    let query = playbook::model::log_anomalies::log_anomalies()
        .group("/app")
        .between("2026-11-12T15:00:00Z", "2026-11-12T16:00:00Z");
    let found = session.run_log_anomalies(&query).unwrap();
    let seen: Vec<(String, u64, Option<String>)> = (found.anomalies.iter())
        .map(|a| (a.pattern.clone(), a.count, a.priority.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "<*> WARN slow request <*>".to_owned(),
                30,
                Some("MEDIUM".to_owned())
            ),
            (
                "<*> ERROR TimeoutError after <*> ms".to_owned(),
                8,
                Some("HIGH".to_owned())
            ),
        ]
    );
    let timeouts = &found.anomalies[1];
    assert!(
        timeouts.description.starts_with("new: seen 8 times"),
        "{}",
        timeouts.description
    );
    assert_eq!(timeouts.histogram.iter().map(|(_, n)| n).sum::<u64>(), 8);
    assert_eq!(timeouts.groups, ["/app"]);
    // Nothing before the window: no baseline, no claim.
    let early = playbook::model::log_anomalies::log_anomalies()
        .group("/app")
        .between("2026-11-12T13:00:00Z", "2026-11-12T14:00:30Z");
    let none = session.run_log_anomalies(&early).unwrap();
    assert!(none.anomalies.is_empty() && none.notes[0].contains("no events before the window"));
    // A local source needs the groups named.
    let unnamed = playbook::model::log_anomalies::log_anomalies()
        .between("2026-11-12T15:00:00Z", "2026-11-12T16:00:00Z");
    assert!(session.run_log_anomalies(&unnamed).is_err());
    std::fs::remove_dir_all(dir).unwrap();
}
