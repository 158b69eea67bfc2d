//! The review's measures on small hand-made tallies, and its reading of files that are
//! not records. The 2,000-record corpus, S3 and the documents are in
//! `tests/test_review.py`.

use chrono::{DateTime, Duration, Utc};
use playbook::check::Verdict;

use super::digest::{self, Found, Origin, Run};
use super::measures::{Outcome, measure};
use super::tally::Tally;
use super::{Period, ReviewError};
use crate::exit::Exit;

fn at(hours: i64) -> DateTime<Utc> {
    "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::hours(hours)
}

fn run(id: &str, playbook: &str, target: &str, hour: i64, exit: Exit) -> Run {
    Run {
        run_id: id.to_owned(),
        playbook: playbook.to_owned(),
        target: Some(target.to_owned()),
        started: at(hour),
        finished: Some(at(hour) + Duration::seconds(30)),
        exit: Some(exit),
        exit_written: true,
        checks: Vec::new(),
        alarm: None,
    }
}

fn found(origin: Origin, run: Run) -> Found {
    Found {
        origin,
        runs: vec![(run, Vec::new())],
    }
}

fn tally(until_hour: i64, runs: Vec<Run>) -> Tally {
    let mut tally = Tally::new(Period {
        since: None,
        until: at(until_hour),
    });
    for r in runs {
        tally.add(found(Origin::Record, r));
    }
    tally
}

#[test]
fn files_that_are_not_records_say_what_they_are() {
    let why = |text: &str| digest::read(text.as_bytes()).unwrap_err();
    assert!(why("{\"hello\": 1}").contains("neither a record nor a summary"));
    assert!(why("not json").starts_with("not JSON"));
    assert!(
        why(r#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}"#)
            .contains("without a run record")
    );
    let broken = r#"{"nbformat": 4, "metadata": {"playbook": {"run_id": 3}}, "cells": []}"#;
    assert!(why(broken).contains("its run record cannot be read"));
    let summary = r#"{"schema": "playbook.run-summary/1", "run_id": "x"}"#;
    assert!(why(summary).contains("a run summary that cannot be read"));
}

#[test]
fn an_older_record_s_exit_comes_from_its_status_and_its_failed_query() {
    let record = |status: &str, queries: &str| {
        format!(
            r#"{{"nbformat": 4, "cells": [{{"cell_type": "code", "source": "x"}}],
            "metadata": {{"playbook": {{"run_id": "r", "started": "2026-11-01T00:00:00Z",
            "tool_version": "0.1.0", "notebook": "/x/canary.ipynb", "status": "{status}",
            "queries": [{queries}]}}}}}}"#
        )
    };
    let exit = |text: String| {
        let found = digest::read(text.as_bytes()).unwrap();
        let (run, _) = &found.runs[0];
        assert_eq!(run.playbook, "canary");
        assert!(!run.exit_written);
        run.exit
    };
    assert_eq!(exit(record("ok", "")), Some(Exit::Ok));
    assert_eq!(exit(record("check failed", "")), Some(Exit::CheckFailed));
    assert_eq!(exit(record("running", "")), None);
    assert_eq!(exit(record("failed", "")), Some(Exit::CellFailed));
    let throttled = r#"{"kind": "metrics", "source": "cloudwatch", "query": "q", "window": null,
        "api_calls": 3, "status": "failed", "results": 0,
        "started_at": "2026-11-01T00:00:00Z", "duration_ms": 10, "error": "slow down",
        "error_kind": "throttled"}"#;
    assert_eq!(
        exit(record("failed", throttled)),
        Some(Exit::SourceUnavailable)
    );
}

#[test]
fn a_run_read_twice_counts_once_and_its_summary_fills_in_the_target() {
    let mut record = run("r1", "gate", "eu", 1, Exit::CheckFailed);
    record.target = None;
    record.exit_written = false;
    let summary = run("r1", "gate", "eu", 1, Exit::SourceRefused);
    let mut tally = tally(10, vec![record]);
    tally.add(found(Origin::Summary, summary));
    assert_eq!(tally.runs.len(), 1);
    assert_eq!(tally.counts.duplicates, 1);
    assert_eq!(tally.runs[0].target.as_deref(), Some("eu"));
    assert_eq!(
        tally.runs[0].exit,
        Some(Exit::SourceRefused),
        "the exit the run wrote wins over one read from its status"
    );
}

#[test]
fn a_check_flaps_when_it_flips_often_not_when_one_incident_comes_and_goes() {
    let mut runs = Vec::new();
    for hour in 0..20 {
        let mut r = run(&format!("a{hour}"), "canary", "a", hour, Exit::Ok);
        let flapping = if hour % 2 == 0 {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        let incident = if (5..9).contains(&hour) {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        r.checks = vec![("p99".into(), flapping), ("errors".into(), incident)];
        runs.push(r);
    }
    let measures = measure(&tally(30, runs));
    assert_eq!(measures.flapping.len(), 1, "{:?}", measures.flapping);
    let flap = &measures.flapping[0];
    assert_eq!(
        (flap.check.as_str(), flap.flips, flap.runs, flap.failed),
        ("p99", 19, 20, 10)
    );
    assert_eq!(measures.failing_checks[0].check, "p99");
    assert_eq!(measures.failing_checks[1].failed, 4);
}

#[test]
fn a_target_that_went_quiet_is_listed_with_its_usual_interval() {
    let mut runs = Vec::new();
    for hour in 0..48 {
        runs.push(run(&format!("a{hour}"), "canary", "a", hour, Exit::Ok));
        if hour < 20 {
            runs.push(run(&format!("b{hour}"), "canary", "b", hour, Exit::Ok));
        }
    }
    let measures = measure(&tally(48, runs));
    assert_eq!(measures.stopped.len(), 1);
    let quiet = &measures.stopped[0];
    assert_eq!(quiet.target.as_deref(), Some("b"));
    assert_eq!(quiet.usual, Duration::hours(1));
    assert_eq!(quiet.quiet, Duration::hours(29));
}

#[test]
fn alarm_to_verdict_is_timed_for_runs_that_reached_one() {
    let mut runs = Vec::new();
    for i in 0..10 {
        let mut r = run(&format!("r{i}"), "respond", "rule", i, Exit::CheckFailed);
        r.alarm = Some((
            "HighLatency".into(),
            r.finished.unwrap() - Duration::seconds(10 * (i + 1)),
        ));
        runs.push(r);
    }
    let mut failed = run("f", "respond", "rule", 11, Exit::SourceUnavailable);
    failed.alarm = Some(("HighLatency".into(), at(11)));
    runs.push(failed);
    let measures = measure(&tally(20, runs));
    let all = &measures.alarms[0];
    assert_eq!(
        (all.alarm.as_deref(), all.runs, all.seconds.len()),
        (None, 11, 10)
    );
    assert_eq!(all.quantile(0.5), Some(50.0));
    assert_eq!(all.quantile(0.9), Some(90.0));
    assert_eq!(measures.alarms[1].alarm.as_deref(), Some("HighLatency"));
    assert_eq!(measures.exits[0].of(4), 1);
    assert_eq!(Outcome::of(Some(Exit::SourceRefused)), Outcome::FailedToRun);
}

#[test]
fn the_period_takes_a_duration_or_an_instant_and_refuses_the_rest() {
    let now = at(100);
    let period = Period::parse(Some("7d"), None, now).unwrap();
    assert_eq!(period.since, Some(now - Duration::days(7)));
    let period = Period::parse(Some("2026-11-02T00:00:00Z"), Some("2026-11-03"), now).unwrap();
    assert_eq!((period.since, period.until), (Some(at(24)), at(48)));
    assert!(period.holds(at(24)) && period.holds(at(48)) && !period.holds(at(49)));
    for (since, until) in [(Some("soon"), None), (Some("0d"), None), (None, Some("x"))] {
        assert!(matches!(
            Period::parse(since, until, now),
            Err(ReviewError::BadInput(_))
        ));
    }
    assert!(Period::parse(Some("2026-12-01"), Some("2026-11-01"), now).is_err());
}

#[test]
fn a_record_cut_anywhere_or_mangled_is_a_note_never_a_panic() {
    let record = r#"{"nbformat": 4, "cells": [{"cell_type": "code", "source": "x"}],
        "metadata": {"playbook": {"run_id": "r", "started": "2026-11-01T00:00:00Z",
        "tool_version": "0.1.0", "notebook": "n.ipynb", "status": "ok", "target": "t",
        "exit_class": "check_failed", "checks": [{"name": "c", "verdict": "fail"}],
        "cause": {"alarm": {"name": "A", "account": "1", "region": "r", "state": "ALARM",
        "time": "2026-11-01T00:00:00Z", "reason": "x", "kind": "metric", "feed": "eventbridge"},
        "rule": {"name": "rule", "file": "f"}}}}}"#;
    let found = digest::read(record.as_bytes()).unwrap();
    let (run, _) = &found.runs[0];
    assert_eq!(
        (run.exit, run.target.as_deref()),
        (Some(Exit::CheckFailed), Some("t"))
    );
    assert_eq!(run.alarm.as_ref().map(|(name, _)| name.as_str()), Some("A"));
    for end in 0..record.len() {
        assert!(
            digest::read(&record.as_bytes()[..end]).is_err(),
            "cut at {end}"
        );
    }
    for (at, byte) in record.bytes().enumerate() {
        let mut mangled = record.as_bytes().to_vec();
        mangled[at] = byte ^ 0x20;
        let _ = digest::read(&mangled);
    }
    let deep = "[".repeat(100_000);
    assert!(digest::read(deep.as_bytes()).is_err());
}
