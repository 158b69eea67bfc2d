//! Past the row limit on a local source (the same 10,000-row cap as CloudWatch): 25,000
//! events, one every 60 ms, each with its sequence number `n`, so the answer is known
//! without any query engine: every `n` once, in the order asked.

use std::io::Write;

use playbook::model::query::{Windowed, logs_insights};
use playbook::model::record::QueryStatus;

const EVENTS: usize = 25_000;

fn dir_with_events(name: &str) -> std::path::PathBuf {
    dir_with(name, EVENTS, 60)
}

/// `count` events `spacing_ms` apart from 14:00.
fn dir_with(name: &str, count: usize, spacing_ms: i64) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("playbook-rows-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let group = dir.join("logs/app");
    std::fs::create_dir_all(&group).unwrap();
    let mut file = std::io::BufWriter::new(std::fs::File::create(group.join("s.jsonl")).unwrap());
    let start: chrono::DateTime<chrono::Utc> = "2026-11-12T14:00:00Z".parse().unwrap();
    for n in 0..count {
        let at = start + chrono::TimeDelta::milliseconds(spacing_ms * n as i64);
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        writeln!(
            file,
            r#"{{"timestamp":"{at}","n":{n},"kind":"k{}"}}"#,
            n % 3
        )
        .unwrap();
    }
    file.flush().unwrap();
    dir
}

use crate::local::tests::session;

fn numbers(table: &playbook::model::log_table::LogTable) -> Vec<i64> {
    table
        .numbers("n")
        .into_iter()
        .map(|n| n.unwrap() as i64)
        .collect()
}

#[test]
fn a_row_query_past_the_limit_returns_every_row_in_its_order() {
    let dir = dir_with_events("rows");
    let session = session(&dir);
    let query = logs_insights("fields @timestamp, n | sort @timestamp desc")
        .group("/app")
        .between("2026-11-12T14:00:00Z", "2026-11-12T14:30:00Z");
    let table = session.run_logs_insights(&query).unwrap();
    let expected: Vec<i64> = (0..EVENTS as i64).rev().collect();
    assert_eq!(numbers(&table), expected);
    assert!(!table.truncated);
    let record = &session.queries()[0];
    assert_eq!(record.status, QueryStatus::Ok);
    assert_eq!(record.results, EVENTS as u64);
    assert!(
        record.notes.iter().any(|n| n.contains("split into")),
        "{:?}",
        record.notes
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn stats_and_dedup_at_the_limit_say_why_they_are_not_split() {
    let dir = dir_with_events("stats");
    let session = session(&dir);
    for (text, why) in [
        ("stats count(*) by n", "`stats` groups span the window"),
        (
            "fields n, kind | dedup n",
            "`dedup` keeps one row per value",
        ),
    ] {
        let query = logs_insights(text)
            .group("/app")
            .between("2026-11-12T14:00:00Z", "2026-11-12T14:30:00Z");
        let table = session.run_logs_insights(&query).unwrap();
        assert!(table.truncated, "{text}");
        assert_eq!(table.len(), 10_000);
        let record = session.queries().pop().unwrap();
        assert_eq!(record.status, QueryStatus::Truncated);
        assert!(
            record.notes.iter().any(|n| n.contains(why)),
            "{text}: {:?}",
            record.notes
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn parts_too_short_to_halve_stay_truncated_and_say_so() {
    // 12,000 events in one millisecond: a 3 s window cannot be halved (2 s minimum).
    let dir = dir_with("dense", 12_000, 0);
    let session = session(&dir);
    let query = logs_insights("fields n")
        .group("/app")
        .between("2026-11-12T14:00:00Z", "2026-11-12T14:00:03Z");
    let table = session.run_logs_insights(&query).unwrap();
    assert!(table.truncated);
    assert_eq!(table.len(), 10_000);
    let record = session.queries().pop().unwrap();
    assert_eq!(record.status, QueryStatus::Truncated);
    assert!(
        record.notes.iter().any(|n| n.contains("still reach it")),
        "{:?}",
        record.notes
    );
    // A query's own smaller limit is what it asked for: nothing to split, nothing missing.
    let few = logs_insights("fields n")
        .group("/app")
        .between("2026-11-12T14:00:00Z", "2026-11-12T14:00:03Z")
        .limit(20);
    assert_eq!(session.run_logs_insights(&few).unwrap().len(), 20);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn halves_meet_on_whole_seconds_and_stop_at_the_minimum() {
    let window =
        playbook::model::time_range::TimeRange::parse("2026-11-12T14:00:00Z..2026-11-12T14:00:05Z")
            .unwrap();
    let [a, b] = super::halves(window).unwrap();
    assert_eq!((a.start, a.end, b.end), (window.start, b.start, window.end));
    assert_eq!((a.end - a.start).num_seconds(), 2);
    let short =
        playbook::model::time_range::TimeRange::parse("2026-11-12T14:00:00Z..2026-11-12T14:00:03Z")
            .unwrap();
    assert!(super::halves(short).is_none());
}
