//! `pattern`: events clustered with their counts, shares and severities, most frequent
//! first, and what may follow it.

use super::{cells, json_events as events, run, table};
use crate::log_pattern::{pattern_of, severity_of};

#[test]
fn variable_parts_are_runs_holding_a_digit() {
    assert_eq!(
        pattern_of("ERROR timeout after 5003 ms for req-7f3a (10.0.0.12:443)"),
        "ERROR timeout after <*> ms for req-<*> (<*>)"
    );
    assert_eq!(
        pattern_of(r#"{"level":"INFO","latency_ms":323,"id":"09e2"}"#),
        r#"{"level":"INFO","latency_ms":<*>,"id":"<*>"}"#
    );
    assert_eq!(pattern_of(""), "");
    assert_eq!(severity_of("<*> WARN slow request"), "Warning");
    assert_eq!(severity_of(r#"{"level":"ERROR"}"#), "Error");
    assert_eq!(severity_of("all good"), "Unknown");
    assert_eq!(severity_of("TimeoutError: pool"), "Error");
    assert_eq!(severity_of("java.io.IOException at <*>"), "Error");
}

#[test]
fn pattern_counts_each_cluster_with_its_share_and_severity() {
    let lines = events(&[
        "2024-01-01 ERROR timeout after 5003 ms",
        "2024-01-01 INFO ok 200",
        "2024-01-01 ERROR timeout after 5100 ms",
        "2024-01-01 ERROR timeout after 4999 ms",
    ]);
    let out = run("pattern @message", &lines);
    assert_eq!(
        out.columns,
        ["@pattern", "@ratio", "@sampleCount", "@severityLabel"]
    );
    assert_eq!(
        cells(&out),
        table(&[
            ["<*> ERROR timeout after <*> ms", "0.75", "3", "Error"],
            ["<*> INFO ok <*>", "0.25", "1", "Info"],
        ])
    );
}

#[test]
fn pattern_takes_a_parsed_field_and_commands_after_it() {
    let lines = events(&[
        r#"{"msg":"user 1 logged in"}"#,
        r#"{"msg":"user 2 logged in"}"#,
        r#"{"msg":"disk full"}"#,
        r#"{"other":"no msg"}"#,
    ]);
    let out = run(
        "filter ispresent(msg) | pattern msg | sort @sampleCount asc | limit 1",
        &lines,
    );
    assert_eq!(
        cells(&out),
        table(&[["disk full", "0.3333333333333333", "1", "Unknown"]])
    );
    let all = run("pattern msg", &lines);
    assert_eq!(
        all.rows.len(),
        2,
        "events without the field are not clustered"
    );
}
