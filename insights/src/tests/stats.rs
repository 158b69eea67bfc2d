//! `stats`: every aggregate, `by` and `bin`, column names, group order, and what runs after.

use super::{T0, cells, column, json_events, run, table};

#[test]
fn count_star_counts_rows_count_field_counts_present_values() {
    let events = json_events(&[r#"{"a":1}"#, r#"{"b":2}"#, r#"{"a":null}"#, r#"{"a":"x"}"#]);
    let out = run(
        "stats count(*), count(a), count() as c, count_distinct(a)",
        &events,
    );
    assert_eq!(
        out.columns,
        ["count(*)", "count(a)", "c", "count_distinct(a)"]
    );
    assert_eq!(cells(&out), table(&[["4", "2", "4", "2"]]));
}

#[test]
fn sum_avg_min_max_stddev() {
    let events = json_events(&[
        r#"{"v":1.1}"#,
        r#"{"v":2.2}"#,
        r#"{"v":"n/a"}"#,
        r#"{"v":"3"}"#,
        r#"{}"#,
    ]);
    let q = "stats sum(v), avg(v), min(v), max(v), stddev(v), avg(missing)";
    let out = run(q, &events);
    assert_eq!(
        out.columns,
        [
            "sum(v)",
            "avg(v)",
            "min(v)",
            "max(v)",
            "stddev(v)",
            "avg(missing)"
        ]
    );
    assert_eq!(
        cells(&out),
        table(&[[
            "6.300000000000001",
            "2.1",
            "1.1",
            "3",
            "0.9539392014169457",
            "∅"
        ]])
    );
    let out = run(
        "stats sum(v) as total",
        &json_events(&[r#"{"v":1.1}"#, r#"{"v":2.2}"#]),
    );
    assert_eq!(cells(&out), table(&[["3.3000000000000003"]]));
}

#[test]
fn pct_is_nearest_rank() {
    let lines: Vec<String> = [7, 3, 10, 1, 5, 9, 2, 8, 6, 4]
        .iter()
        .map(|v| format!("{{\"v\":{v}}}"))
        .collect();
    let events: Vec<(i64, &str)> = lines.iter().map(|l| (T0, l.as_str())).collect();
    let q = "stats pct(v, 0), pct(v, 25), pct(v, 50), pct(v, 90), pct(v, 99), percentile(v, 100) as top";
    let out = run(q, &events);
    assert_eq!(
        out.columns,
        [
            "pct(v, 0)",
            "pct(v, 25)",
            "pct(v, 50)",
            "pct(v, 90)",
            "pct(v, 99)",
            "top"
        ]
    );
    assert_eq!(cells(&out), table(&[["1", "3", "5", "9", "10", "10"]]));
    let one = run("stats pct(v, 99.9)", &events[..1]);
    assert_eq!(cells(&one), table(&[["7"]]));
}

#[test]
fn earliest_and_latest_follow_the_timestamp_not_push_order() {
    let events = [
        (T0 + 5000, r#"{"v":"mid"}"#),
        (T0 + 9000, r#"{"v":"last"}"#),
        (T0, r#"{"v":"first"}"#),
        (T0 + 9500, "{}"),
    ];
    let q =
        "stats earliest(v), latest(v), earliest(@timestamp), latest(@timestamp), min(@timestamp)";
    let want = [[
        "first",
        "last",
        "2024-01-01 10:00:00.000",
        "2024-01-01 10:00:09.500",
        "2024-01-01 10:00:00.000",
    ]];
    assert_eq!(cells(&run(q, &events)), table(&want));
}

#[test]
fn bin_buckets_align_to_the_epoch_and_list_newest_first() {
    let at =
        |h: i64, m: i64, s: i64, ms: i64| T0 + (h - 10) * 3_600_000 + m * 60_000 + s * 1000 + ms;
    let events = [
        (at(10, 4, 59, 999), "a"),
        (at(10, 5, 0, 0), "b"),
        (at(10, 9, 59, 999), "c"),
        (at(10, 0, 0, 0), "d"),
        (at(11, 30, 0, 0), "e"),
    ];
    let out = run("stats count(*) by bin(5m)", &events);
    assert_eq!(out.columns, ["bin(5m)", "count(*)"]);
    assert_eq!(
        cells(&out),
        table(&[
            ["2024-01-01 11:30:00.000", "1"],
            ["2024-01-01 10:05:00.000", "2"],
            ["2024-01-01 10:00:00.000", "2"],
        ])
    );
    let out = run("stats count(*) as n by bin(1h) as hour", &events);
    assert_eq!(out.columns, ["hour", "n"]);
    assert_eq!(
        cells(&out),
        table(&[
            ["2024-01-01 11:00:00.000", "1"],
            ["2024-01-01 10:00:00.000", "4"]
        ])
    );
    let out = run("stats count(*) by bin(30s)", &events[..2]);
    assert_eq!(
        cells(&out),
        table(&[
            ["2024-01-01 10:05:00.000", "1"],
            ["2024-01-01 10:04:30.000", "1"]
        ])
    );
}

#[test]
fn by_fields_and_expressions_of_aggregates() {
    let events = json_events(&[
        r#"{"route":"/a","status":200,"ms":10}"#,
        r#"{"route":"/b","status":500,"ms":30}"#,
        r#"{"route":"/a","status":503,"ms":20}"#,
        r#"{"route":"/a","status":200,"ms":40}"#,
        r#"{"status":200}"#,
    ]);
    let q = "stats sum(status >= 500) / count(*) * 100 as err_pct, round(avg(ms), 1) by route, status >= 500 as failed";
    let out = run(q, &events);
    assert_eq!(
        out.columns,
        ["route", "failed", "err_pct", "round(avg(ms), 1)"]
    );
    assert_eq!(
        cells(&out),
        table(&[
            ["∅", "0", "0", "∅"],
            ["/a", "0", "0", "25"],
            ["/a", "1", "100", "20"],
            ["/b", "1", "100", "30"],
        ])
    );
}

#[test]
fn commands_after_stats_run_on_the_groups() {
    let events = json_events(&[
        r#"{"level":"INFO"}"#,
        r#"{"level":"ERROR"}"#,
        r#"{"level":"ERROR"}"#,
        r#"{"level":"WARN"}"#,
        r#"{"level":"INFO"}"#,
        r#"{"level":"INFO"}"#,
    ]);
    let q = "stats count(*) as c by level | filter c > 1 | sort c asc | fields c * 10 as tens";
    let out = run(q, &events);
    assert_eq!(out.columns, ["level", "c", "tens"]);
    assert_eq!(
        cells(&out),
        table(&[["ERROR", "2", "20"], ["INFO", "3", "30"]])
    );
    let q = "stats count(*) as c by level | sort level | limit 2 | display level";
    assert_eq!(column(q, &events), ["WARN", "INFO"]);
    let q = "stats count(*) as c by level | stats sum(c) as total, count(*) as groups";
    assert_eq!(cells(&run(q, &events)), table(&[["6", "3"]]));
}

#[test]
fn stats_after_parse_with_filters_and_no_rows() {
    let events = [
        (T0, "GET /a 200 12"),
        (T0 + 1, "GET /a 200 30"),
        (T0 + 2, "GET /b 500 7"),
        (T0 + 3, "garbage"),
    ];
    let q = r#"parse @message "* * * *" as method, route, code, latency | stats pct(latency, 99), count(latency) by route"#;
    let out = run(q, &events);
    assert_eq!(
        cells(&out),
        table(&[["∅", "∅", "0"], ["/b", "7", "1"], ["/a", "30", "2"]])
    );
    assert_eq!(out.records_matched, 4);
    let out = run(r#"filter @message = "nothing" | stats count(*)"#, &events);
    assert_eq!((out.rows.len(), out.records_matched), (0, 0));
}

#[test]
fn many_groups_are_capped_and_flagged() {
    let lines: Vec<String> = (0..10_001).map(|i| i.to_string()).collect();
    let events: Vec<(i64, &str)> = lines.iter().map(|l| (T0, l.as_str())).collect();
    let out = run("stats count(*) by @message", &events);
    assert_eq!((out.rows.len(), out.truncated), (10_000, true));
}

#[test]
fn a_sort_before_stats_changes_nothing() {
    let events = json_events(&[
        r#"{"k":"x","v":1}"#,
        r#"{"k":"y","v":2}"#,
        r#"{"k":"x","v":3}"#,
    ]);
    let plain = run("stats sum(v) by k", &events);
    let sorted = run("sort v asc | filter v > 0 | stats sum(v) by k", &events);
    assert_eq!(cells(&plain), table(&[["x", "4"], ["y", "2"]]));
    assert_eq!(plain, sorted);
}
