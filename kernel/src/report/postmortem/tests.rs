//! The review of small hand-made records: the timeline's order and merging, notes,
//! carried sections, the impact's absence, what is not a record; the incident's time
//! apart from the investigation's; and the impact of a KPI that falls (a hidden incident:
//! orders placed down 40 % for 45 minutes) beside one that rises.

use super::timeline::What;
use super::*;

/// A record: a deploy query, an alarm report, a check, a note and a cause.
fn record(run_id: &str, started: &str, note: &str) -> Notebook {
    let text = r###"{"nbformat": 4, "nbformat_minor": 5,
  "metadata": {"playbook": {"status": "ok", "run_id": "RUN", "started": "STARTED",
     "finished": "2026-11-26T10:00:09Z", "tool_version": "0.1.0", "notebook": "nb.ipynb",
     "checks": [{"name": "recovered", "verdict": "pass", "observed": "0.4 s", "expected": "< 0.5 s"}],
     "parameters": {"resolved": {"service": "checkout"}}, "source": "cloudwatch", "region": "eu-west-1",
     "window": {"start": "2026-11-12T13:30:00Z", "end": "2026-11-12T15:30:00Z"}}},
  "cells": [
    {"cell_type": "markdown", "metadata": {}, "source": "# Checkout <slow>\nWhat it is for."},
    {"cell_type": "code", "metadata": {"playbook": {"status": "ok", "duration": 1, "start_time": "2026-11-26T10:00:01Z", "end_time": "2026-11-26T10:00:02Z",
       "queries": [{"kind": "logs_insights", "source": "cloudwatch", "query": "fields @timestamp, event", "groups": ["/deploys/checkout"],
                    "results": 1, "status": "ok", "api_calls": 1, "started_at": "2026-11-26T10:00:01Z", "duration_ms": 5,
                    "window": {"start": "2026-11-12T13:30:00Z", "end": "2026-11-12T15:30:00Z"}}]}},
     "execution_count": 1, "source": "%%logs deploys = --group /deploys/checkout\nfields @timestamp, event",
     "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                  "data": {"text/plain": "@timestamp            event\n2026-11-12T14:05:00Z  deploy v2\n1 rows"}}]},
    {"cell_type": "markdown", "metadata": {}, "source": "NOTE"},
    {"cell_type": "code", "metadata": {"playbook": {"status": "ok", "duration": 1, "start_time": "2026-11-26T10:00:03Z", "end_time": "2026-11-26T10:00:04Z",
       "checks": ["recovered"],
       "queries": [{"kind": "alarms", "source": "cloudwatch", "query": "all alarms", "results": 1, "status": "ok", "api_calls": 1,
                    "started_at": "2026-11-26T10:00:03Z", "duration_ms": 5,
                    "window": {"start": "2026-11-12T13:00:00Z", "end": "2026-11-12T15:30:00Z"}}]}},
     "execution_count": 2, "source": "%%alarms",
     "outputs": [{"output_type": "execute_result", "execution_count": 2, "metadata": {},
                  "data": {"text/plain": "1 alarms · w\nOK  a  (x)\nstate changes:\n2026-11-12T14:15:00Z  p99-high: OK → ALARM\n2026-11-12T14:48:00Z  p99-high: ALARM → OK"}}]},
    {"cell_type": "markdown", "metadata": {}, "source": "## Root cause\nA <b>leak</b> in v2."}
  ]}"###;
    let text = (text.replace("RUN", run_id))
        .replace("STARTED", started)
        .replace("NOTE", note);
    Notebook::parse(&text).unwrap()
}

fn review(records: &[(String, Notebook)]) -> Review<'_> {
    assemble(records, KpiChoice::default()).unwrap()
}

fn kpi(name: &str, direction: Option<Direction>) -> KpiChoice<'_> {
    KpiChoice {
        name: Some(name),
        direction,
    }
}

fn one() -> Vec<(String, Notebook)> {
    vec![(
        "a.ipynb".to_owned(),
        record(
            "r-1",
            "2026-11-26T10:00:00Z",
            "Note: 2026-11-12T14:20Z paged the DB team",
        ),
    )]
}

/// (time, kind, detail) of each event.
fn rows(events: &[timeline::Event]) -> Vec<(String, &'static str, String)> {
    (events.iter())
        .map(|e| (text::instant(e.at), e.what.label(), e.what.detail()))
        .collect()
}

fn owned(rows: &[(&str, &'static str, &str)]) -> Vec<(String, &'static str, String)> {
    (rows.iter())
        .map(|(a, b, c)| (a.to_string(), *b, c.to_string()))
        .collect()
}

#[test]
fn the_timeline_is_sorted_by_time_from_what_the_record_holds() {
    let records = one();
    let review = review(&records);
    let incident = [
        ("2026-11-12T14:05:00Z", "deploy", "event deploy v2"),
        ("2026-11-12T14:15:00Z", "alarm", "p99-high: OK → ALARM"),
        ("2026-11-12T14:20:00Z", "note", "paged the DB team"),
        ("2026-11-12T14:48:00Z", "alarm", "p99-high: ALARM → OK"),
    ];
    assert_eq!(rows(&review.timeline), owned(&incident));
}

#[test]
fn the_investigation_is_listed_apart_from_the_incident() {
    let records = one();
    let review = review(&records);
    // Query windows (one starts before the incident window), the run's start and end, and
    // the checks stated at the run's time: none of them is an incident event.
    let investigation = [
        (
            "2026-11-12T13:00:00Z",
            "query window",
            "start of the window of 1 query (step 2)",
        ),
        (
            "2026-11-12T13:30:00Z",
            "query window",
            "start of the window of 1 query (step 1)",
        ),
        ("2026-11-26T10:00:00Z", "run started", "run r-1 of nb.ipynb"),
        (
            "2026-11-26T10:00:04Z",
            "check",
            "recovered: observed 0.4 s, expected < 0.5 s (step 2)",
        ),
        (
            "2026-11-26T10:00:09Z",
            "run finished",
            "ok · 1 check: 1 passed",
        ),
    ];
    assert_eq!(rows(&review.investigation), owned(&investigation));
    let md = render(&records, KpiChoice::default(), Format::Md, None)
        .unwrap()
        .text;
    let (timeline, investigation) = md.split_once("### Investigation").unwrap();
    assert!(
        timeline.contains("| 2026-11-12T14:05:00Z | deploy |"),
        "{md}"
    );
    assert!(!timeline.contains("run started") && !timeline.contains("query window"));
    assert!(investigation.contains("| 2026-11-26T10:00:00Z | run started |"));
    assert!(investigation.contains("| 2026-11-12T13:00:00Z | query window |"));
    let html = render(&records, KpiChoice::default(), Format::Html, None)
        .unwrap()
        .text;
    let (timeline, investigation) = html.split_once("<h3 id=\"investigation\">").unwrap();
    assert!(timeline.contains("<td>deploy</td>") && !timeline.contains("run started"));
    assert!(investigation.contains("<td>run started</td>"), "{html}");
}

#[test]
fn a_note_without_a_time_is_placed_when_the_run_reached_it() {
    let records = vec![(
        "a.ipynb".to_owned(),
        record(
            "r-1",
            "2026-11-26T10:00:00Z",
            "**Note** rolled back by hand",
        ),
    )];
    let review = review(&records);
    let note = (review.investigation.iter())
        .find(|e| matches!(e.what, What::Note { .. }))
        .unwrap();
    assert_eq!(
        text::instant(note.at),
        "2026-11-26T10:00:02Z",
        "the end of the cell before it"
    );
    assert_eq!(
        note.what.detail(),
        "rolled back by hand (time: when the run reached it)"
    );
}

#[test]
fn records_are_numbered_in_run_order_and_shared_events_are_listed_once() {
    let records = vec![
        (
            "late.ipynb".to_owned(),
            record("r-2", "2026-11-26T11:00:00Z", "text"),
        ),
        (
            "early.ipynb".to_owned(),
            record("r-1", "2026-11-26T10:00:00Z", "text"),
        ),
    ];
    let review = review(&records);
    let names: Vec<&str> = review.incidents.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["early.ipynb", "late.ipynb"]);
    let alarms: Vec<&Vec<usize>> = (review.timeline.iter())
        .filter(|e| matches!(e.what, What::Alarm { .. }))
        .map(|e| &e.records)
        .collect();
    assert_eq!(alarms, [&vec![1, 2], &vec![1, 2]]);
    let starts = (review.investigation.iter())
        .filter(|e| matches!(e.what, What::RunStarted { .. }))
        .count();
    assert_eq!(starts, 2);
    let (_, causes) = &review.sections[0];
    assert_eq!(causes.len(), 2, "each record's cause is carried");
}

#[test]
fn both_formats_have_the_header_the_sections_and_no_invented_impact() {
    let records = one();
    let md = render(&records, KpiChoice::default(), Format::Md, None)
        .unwrap()
        .text;
    assert!(
        md.starts_with("# Post-incident review: Checkout &lt;slow>\n"),
        "{md}"
    );
    assert!(md.contains("- **Services:** checkout\n- **Sources:** cloudwatch\n- **Accounts:** not recorded\n- **Regions:** eu-west-1"), "{md}");
    assert!(
        md.contains("| 1 | a.ipynb | nb.ipynb | <code>r-1</code> | ok · 1 check: 1 passed |"),
        "{md}"
    );
    assert!(
        md.contains(
            "## Impact\n\nNot computed: no chart in the records shows a series beside a baseline"
        ),
        "{md}"
    );
    assert!(
        // Raw HTML in prose shows as text, as in the HTML review.
        md.contains(
            "## Cause\n\nA &lt;b>leak&lt;/b> in v2.\n\n## What went well\n\n_To be written._"
        ),
        "{md}"
    );
    assert!(
        md.ends_with("## Action items\n\n| Action | Owner | Due |\n|---|---|---|\n| | | |\n"),
        "{md}"
    );
    let html = render(&records, kpi("p99", None), Format::Html, None)
        .unwrap()
        .text;
    assert!(html.contains("<h1>Post-incident review: Checkout &lt;slow&gt;</h1>"));
    assert!(
        html.contains("<p>A &lt;b&gt;leak&lt;/b&gt; in v2.</p>"),
        "raw HTML is shown as text"
    );
    assert!(
        html.contains("series named \"p99\" beside a baseline"),
        "{html}"
    );
    assert!(!html.contains("<script"));
}

#[test]
fn a_notebook_without_a_run_record_is_not_a_record() {
    let plain =
        Notebook::parse(r#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}"#)
            .unwrap();
    let records = vec![("plain.ipynb".to_owned(), plain)];
    let error = render(&records, KpiChoice::default(), Format::Md, None).unwrap_err();
    assert!(matches!(error, NotARecord::NoRunRecord(ref name) if name == "plain.ipynb"));
    assert!(error.to_string().contains("not an incident record"));
}

#[test]
fn numbers_keep_four_significant_digits() {
    let shown: Vec<String> = [2.5134, 68.286, 0.42351, 40.0, 1234.56, -0.5]
        .into_iter()
        .map(text::number)
        .collect();
    assert_eq!(shown, ["2.513", "68.29", "0.4235", "40", "1235", "-0.5"]);
}

#[test]
fn the_measured_impact_begins_and_ends_on_the_timeline() {
    let at = |minutes: i64| {
        "2026-11-12T14:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            + chrono::TimeDelta::minutes(minutes)
    };
    let points = |values: [f64; 6]| (0..6).map(move |i| (at(i * 5), Some(values[i as usize])));
    let kpi = Kpi {
        series: playbook::series::Series::from_points(
            "p99",
            None,
            points([1.0, 1.0, 3.0, 4.0, 1.1, 1.0]),
        ),
        baseline: playbook::series::Series::from_points(
            "p99 (1 week earlier)",
            None,
            points([1.0; 6]),
        ),
        record: 1,
        step: "p99".into(),
        direction: None,
    };
    let measures = impact::measure(&kpi.series, &kpi.baseline, None);
    let records = one();
    let mut timeline = review(&records).timeline;
    timeline::mark_impact(&mut timeline, &kpi, &measures);
    let impact: Vec<(String, &str)> = (timeline.iter())
        .filter(|e| matches!(e.what, What::ImpactBegan { .. } | What::ImpactEnded { .. }))
        .map(|e| (e.at.to_rfc3339(), e.what.label()))
        .collect();
    // Which way is bad is not known here ("p99" alone, no unit): both sides are marked,
    // and the KPI never went below.
    // Above from the 14:10 point through the 14:15 one: it ends when that period does.
    assert_eq!(
        impact,
        [
            ("2026-11-12T14:10:00+00:00".to_owned(), "impact began"),
            ("2026-11-12T14:20:00+00:00".to_owned(), "impact ended")
        ]
    );
    assert!(timeline.windows(2).all(|w| w[0].at <= w[1].at));
}

/// A hidden incident, in one record: from 13:30 for 45 minutes orders placed (a count per
/// minute) drop by 40 % against a steady week-ago baseline of 100, and checkout latency
/// rises from 0.2 s to 0.8 s; "widgets" (a count no rule knows) drop like the orders.
fn hidden_incident() -> Vec<(String, Notebook)> {
    let start: chrono::DateTime<chrono::Utc> = "2026-11-12T13:00:00Z".parse().unwrap();
    let times: Vec<String> = (0..120)
        .map(|i| text::instant(start + chrono::TimeDelta::minutes(i)))
        .collect();
    let during = |i: usize| (30..75).contains(&i);
    let series = |label: &str, unit: &str, normal: f64, incident: f64| {
        let values: Vec<f64> = (0..120)
            .map(|i| if during(i) { incident } else { normal })
            .collect();
        serde_json::json!({"label": label, "unit": unit, "timestamps": times, "values": values})
    };
    let chart = |name: &str, kpi: serde_json::Value, baseline: serde_json::Value| {
        serde_json::json!({"cell_type": "code", "metadata": {}, "execution_count": 1,
            "source": format!("// {name}\nchart()"),
            "outputs": [{"output_type": "display_data", "metadata": {},
                "data": {"text/plain": "chart", "application/vnd.playbook.series+json": [kpi, baseline]}}]})
    };
    let notebook = serde_json::json!({"nbformat": 4, "nbformat_minor": 5,
    "metadata": {"playbook": {"status": "ok", "run_id": "r-9", "started": "2026-11-26T10:00:00Z",
        "finished": "2026-11-26T10:00:09Z", "tool_version": "0.1.0", "notebook": "orders.ipynb",
        "window": {"start": "2026-11-12T13:00:00Z", "end": "2026-11-12T15:00:00Z"}}},
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Orders dropped"},
        chart("orders", series("orders placed", "Count", 100.0, 60.0),
            series("orders placed (1 week earlier)", "Count", 100.0, 100.0)),
        chart("latency", series("checkout latency", "Seconds", 0.2, 0.8),
            series("checkout latency (1 week earlier)", "Seconds", 0.2, 0.2)),
        chart("widgets", series("widgets", "Count", 100.0, 60.0),
            series("widgets (1 week earlier)", "Count", 100.0, 100.0)),
    ]});
    let notebook = Notebook::parse(&notebook.to_string()).unwrap();
    vec![("orders.record.ipynb".to_owned(), notebook)]
}

fn markdown(records: &[(String, Notebook)], choice: KpiChoice) -> String {
    render(records, choice, Format::Md, None).unwrap().text
}

#[test]
fn a_kpi_that_falls_reports_its_minutes_below_and_its_shortfall() {
    let records = hidden_incident();
    // The first chart with a baseline: orders placed, known to fall by its name.
    let md = markdown(&records, KpiChoice::default());
    for row in [
        "| which way is bad | down is bad (its name: \"order\") |",
        "| minutes below baseline (by more than 20 %) | 45 min (points from \
         2026-11-12T13:30:00Z to 2026-11-12T14:14:00Z) |",
        "| largest shortfall | 40 Count at 2026-11-12T14:14:00Z (60 against 100, 0.6×) |",
        "| mean shortfall while below | 40 Count |",
        "| shortfall (while below) | 1800 Count·min |",
        "| orders placed short by (Σ baseline − KPI of the points below) | 1800 Count |",
    ] {
        assert!(md.contains(row), "{row}\n{md}");
    }
    assert!(!md.contains("minutes above baseline"), "{md}");
    let (timeline, _) = md.split_once("### Investigation").unwrap();
    assert!(
        timeline.contains(
            "| 2026-11-12T13:30:00Z | impact began | orders placed below orders placed \
             (1 week earlier) by more than 20 % (computed, see Impact) |"
        ),
        "{md}"
    );
    assert!(timeline.contains("| 2026-11-12T14:15:00Z | impact ended | orders placed back"));
}

#[test]
fn latency_of_the_same_incident_is_still_45_minutes_above() {
    let records = hidden_incident();
    let md = markdown(&records, kpi("checkout latency", None));
    assert!(
        md.contains("| which way is bad | up is bad (its name: \"latency\") |"),
        "{md}"
    );
    assert!(
        md.contains(
            "| minutes above baseline (by more than 20 %) | 45 min (points from \
             2026-11-12T13:30:00Z to 2026-11-12T14:14:00Z) |"
        ),
        "{md}"
    );
    assert!(
        md.contains("| excess area (while above) | 27 Seconds·min |"),
        "{md}"
    );
    assert!(!md.contains("minutes below baseline"));
}

#[test]
fn a_kpi_of_unknown_direction_is_reported_both_ways_and_says_how_to_state_it() {
    let records = hidden_incident();
    let md = markdown(&records, kpi("widgets", None));
    assert!(
        md.contains(
            "| which way is bad | unknown: both ways are shown; state it with \
             \\`--kpi \"widgets\" --kpi-direction up\\` (or \\`down\\`) |"
        ),
        "{md}"
    );
    assert!(
        md.contains("| minutes above baseline (by more than 20 %) | 0 min |"),
        "{md}"
    );
    assert!(md.contains("| minutes below baseline (by more than 20 %) | 45 min"));
    assert!(md.contains("| shortfall (while below) | 1800 Count·min |"));
    assert!(
        md.contains("which way is bad is not known"),
        "the timeline says so too"
    );
    // Stated, it is measured that way only.
    let stated = markdown(&records, kpi("widgets", Some(Direction::Down)));
    assert!(stated.contains("| which way is bad | down is bad (stated with --kpi-direction) |"));
    assert!(!stated.contains("minutes above baseline"));
    let up = markdown(&records, kpi("widgets", Some(Direction::Up)));
    assert!(up.contains("| minutes above baseline (by more than 20 %) | 0 min |"));
    assert!(!up.contains("minutes below baseline"));
}
