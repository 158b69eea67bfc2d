//! `fields`, `display`, `filter`, `parse`, `sort`, `limit`, `dedup`, default columns and
//! order, the row cap, and the counters.

use super::{T0, cells, column, run, table};

const LINES: [&str; 4] = [
    r#"{"level":"INFO","status":200,"host":"a","ms":12}"#,
    r#"{"level":"ERROR","status":503,"host":"b","ms":250.5}"#,
    r#"{"level":"ERROR","status":"504","host":"a"}"#,
    r#"{"level":"WARN","host":"c","ms":40}"#,
];

/// The lines one second apart, pushed oldest first.
fn events() -> Vec<(i64, &'static str)> {
    LINES
        .iter()
        .enumerate()
        .map(|(i, l)| (T0 + 1000 * i as i64, *l))
        .collect()
}

#[test]
fn default_columns_are_timestamp_and_message_newest_first() {
    let out = run(
        "filter @message like /./",
        &[(T0, "a"), (T0 + 2000, "c"), (T0 + 1000, "b")],
    );
    assert_eq!(out.columns, ["@timestamp", "@message"]);
    assert_eq!(
        cells(&out),
        table(&[
            ["2024-01-01 10:00:02.000", "c"],
            ["2024-01-01 10:00:01.000", "b"],
            ["2024-01-01 10:00:00.000", "a"],
        ])
    );
    assert_eq!(
        (out.records_scanned, out.records_matched, out.bytes_scanned),
        (3, 3, 3)
    );
    assert!(!out.truncated);
}

#[test]
fn fields_select_alias_and_compute() {
    let out = run(
        "fields host, ms * 2 as double, strlen(host) | limit 2",
        &events(),
    );
    assert_eq!(out.columns, ["host", "double", "strlen(host)"]);
    assert_eq!(cells(&out), table(&[["c", "80", "1"], ["a", "∅", "1"]]));
}

#[test]
fn special_fields() {
    let q = "fields @timestamp, @ingestionTime, @logStream, @log, @message | limit 1";
    let out = run(q, &[(T0, "hello")]);
    let want = [[
        "2024-01-01 10:00:00.000",
        "2024-01-01 10:00:00.500",
        "stream-1",
        "/app/checkout",
        "hello",
    ]];
    assert_eq!(cells(&out), table(&want));
}

#[test]
fn display_restricts_and_fields_accumulate() {
    let out = run("fields host | fields level | display level", &events());
    assert_eq!(out.columns, ["level"]);
    let out = run("fields host | fields level, host", &events());
    assert_eq!(out.columns, ["host", "level"]);
}

#[test]
fn filter_compares_numbers_numerically_and_text_as_text() {
    let hosts = |q: &str| column(&format!("{q} | display host"), &events());
    assert_eq!(hosts("filter status >= 500"), ["a", "b"]);
    assert_eq!(hosts("filter status = 504"), ["a"]);
    assert_eq!(hosts(r#"filter level = "ERROR""#), ["a", "b"]);
    assert_eq!(hosts(r#"filter level > "INFO""#), ["c"]);
    assert_eq!(hosts("filter ms < 100"), ["c", "a"]);
    assert_eq!(hosts("filter ms / 10 % 2 = 0"), ["c"]);
}

#[test]
fn missing_fields_fail_comparisons_even_under_not() {
    let hosts = |q: &str| column(&format!("{q} | display host"), &events());
    assert_eq!(hosts("filter status != 200"), ["a", "b"]);
    assert_eq!(hosts("filter not (status = 200)"), ["a", "b"]);
    assert_eq!(hosts("filter not ispresent(status)"), ["c"]);
    assert_eq!(hosts("filter status = 200 or ms = 40"), ["c", "a"]);
    assert_eq!(
        hosts("filter (status = 200 or host = \"c\") and ms > 20"),
        ["c"]
    );
}

#[test]
fn like_regex_and_in() {
    let hosts = |q: &str| column(&format!("{q} | display host"), &events());
    assert_eq!(hosts(r#"filter level like "RR""#), ["a", "b"]);
    assert_eq!(hosts(r#"filter level not like "RR""#), ["c", "a"]);
    assert_eq!(hosts("filter level like /^(?i)warn$/"), ["c"]);
    assert_eq!(hosts("filter level =~ /N/"), ["c", "a"]);
    assert_eq!(hosts(r"filter @message like /\/?ms/ and host = 'b'"), ["b"]);
    assert_eq!(hosts(r#"filter host in ["a", "c"]"#), ["c", "a", "a"]);
    assert_eq!(hosts(r#"filter status not in [200, 503]"#), ["a"]);
    assert_eq!(hosts("filter status in []"), Vec::<String>::new());
}

#[test]
fn parse_glob_from_message_and_from_a_field() {
    let lines = [
        (T0, "2024-01-01T10:00:00Z [ERROR] disk full [sda] user=ann"),
        (T0 + 1, "no brackets here"),
    ];
    let out = run(
        r#"parse @message "* [*] *" as when, level, rest | display level, rest"#,
        &lines,
    );
    assert_eq!(
        cells(&out),
        table(&[["∅", "∅"], ["ERROR", "disk full [sda] user=ann"]])
    );
    let q = r#"parse "user=*" as user | parse user "*n" as first | display user, first"#;
    assert_eq!(cells(&run(q, &lines[..1])), table(&[["ann", "a"]]));
}

#[test]
fn parse_regex_named_groups() {
    let lines = [
        (T0, "bob logged in from 10.0.0.1"),
        (T0 + 1, "alice logged out"),
    ];
    let q = r"parse @message /(?<user>\w+) logged in from (?<ip>\S+)/ | display user, ip";
    assert_eq!(
        cells(&run(q, &lines)),
        table(&[["∅", "∅"], ["bob", "10.0.0.1"]])
    );
}

#[test]
fn parse_then_filter_on_a_parsed_number() {
    let lines = [
        (T0, "GET /a 200 12ms"),
        (T0 + 1, "GET /b 500 340ms"),
        (T0 + 2, "POST /a 200 9ms"),
    ];
    let q = r#"parse @message "* * * *ms" as method, path, code, ms | filter code >= 500 or ms < 10 | display path, ms"#;
    assert_eq!(cells(&run(q, &lines)), table(&[["/a", "9"], ["/b", "340"]]));
}

#[test]
fn sort_directions_default_descending_missing_last() {
    let hosts = |q: &str| column(&format!("{q} | display host"), &events());
    assert_eq!(hosts("sort ms asc"), ["a", "c", "b", "a"]);
    assert_eq!(hosts("sort ms desc"), ["b", "c", "a", "a"]);
    assert_eq!(hosts("sort ms"), ["b", "c", "a", "a"]);
    assert_eq!(hosts("sort host asc, ms desc"), ["a", "a", "b", "c"]);
    assert_eq!(
        column("sort @timestamp asc | display ms", &events()),
        ["12", "250.5", "∅", "40"]
    );
}

#[test]
fn limit_keeps_the_newest_or_the_top_after_sort() {
    assert_eq!(column("display host | limit 2", &events()), ["c", "a"]);
    assert_eq!(
        column("sort ms asc | limit 2 | display ms", &events()),
        ["12", "40"]
    );
    let q = "fields host | sort ms desc | limit 1";
    assert_eq!(column(q, &events()), ["b"]);
    assert_eq!(run("limit 0", &events()).rows.len(), 0);
}

#[test]
fn bounded_top_n_over_many_rows() {
    let lines: Vec<String> = (0..1000)
        .map(|i| format!("{{\"n\":{}}}", (i * 7919) % 1000))
        .collect();
    let events: Vec<(i64, &str)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (T0 + i as i64, l.as_str()))
        .collect();
    assert_eq!(
        column("sort n asc | limit 3 | display n", &events),
        ["0", "1", "2"]
    );
    assert_eq!(
        column("sort n desc | limit 2 | display n", &events),
        ["999", "998"]
    );
    let newest = column("fields n | limit 2", &events);
    assert_eq!(
        newest,
        [
            ((999 * 7919) % 1000).to_string(),
            ((998 * 7919) % 1000).to_string()
        ]
    );
}

#[test]
fn dedup_keeps_the_first_row_per_key_and_rows_missing_the_key() {
    let q = "fields host, level | sort @timestamp desc | dedup level";
    let out = run(q, &events());
    assert_eq!(
        cells(&out),
        table(&[["c", "WARN"], ["a", "ERROR"], ["a", "INFO"]])
    );
    let q = "display host | dedup status";
    assert_eq!(column(q, &events()), ["c", "a", "b", "a"]);
    let q = "display ms | sort ms asc | dedup host | limit 2";
    assert_eq!(column(q, &events()), ["12", "40"]);
}

#[test]
fn dedup_prunes_many_keys_soundly() {
    let lines: Vec<String> = (0..500)
        .map(|i| format!("{{\"k\":{},\"v\":{}}}", i % 50, i))
        .collect();
    let events: Vec<(i64, &str)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (T0 + i as i64, l.as_str()))
        .collect();
    let q = "display v | sort v asc | dedup k | limit 3";
    assert_eq!(column(q, &events), ["0", "1", "2"]);
    let q = "display k | sort v desc | dedup k | limit 2";
    assert_eq!(column(q, &events), ["49", "48"]);
}

#[test]
fn rows_past_ten_thousand_are_cut_and_flagged() {
    let events: Vec<(i64, &str)> = (0..10_005).map(|i| (T0 + i, "x")).collect();
    let out = run("display @timestamp", &events);
    assert_eq!(out.rows.len(), 10_000);
    assert!(out.truncated);
    assert_eq!(out.rows[0][0].as_deref(), Some("2024-01-01 10:00:10.004"));
    assert_eq!((out.records_matched, out.records_scanned), (10_005, 10_005));
    let out = run("display @timestamp | limit 5", &events);
    assert_eq!((out.rows.len(), out.truncated), (5, false));
    let out = run(
        "filter @timestamp < 1704103200100 | display @timestamp",
        &events,
    );
    assert_eq!(
        (out.rows.len(), out.truncated, out.records_matched),
        (100, false, 100)
    );
}

#[test]
fn unbounded_shapes_still_give_the_right_rows() {
    // `fields` rewrites the sort key, so it cannot move before the sort: every row is kept.
    let q = "sort ms asc | fields ms * 2 as ms | filter ms > 30 | display host, ms";
    assert_eq!(
        cells(&run(q, &events())),
        table(&[["c", "80"], ["b", "501"]])
    );
    let q = "limit 3 | filter ispresent(ms) | display host";
    assert_eq!(column(q, &events()), ["c", "b"]);
}

#[test]
fn counters_and_bytes() {
    let out = run(r#"filter level = "ERROR" | limit 1"#, &events());
    let bytes: usize = LINES.iter().map(|l| l.len()).sum();
    assert_eq!((out.records_scanned, out.records_matched), (4, 2));
    assert_eq!(out.bytes_scanned, bytes as u64);
    assert_eq!(out.rows.len(), 1);
}

#[test]
fn query_limit_and_columns() {
    let q = super::super::parse("limit 5 | filter a = 1 | limit 3").unwrap();
    assert_eq!(q.limit(), Some(3));
    assert_eq!(super::super::parse("fields a").unwrap().limit(), None);
    assert_eq!(q.columns(), ["@timestamp", "@message"]);
}

#[test]
fn comments_and_case_insensitive_keywords() {
    let q = "FILTER level = 'WARN' # only warnings\n| Display host";
    assert_eq!(column(q, &events()), ["c"]);
}

#[test]
fn each_evaluator_starts_fresh_and_queries_clone() {
    let query = super::super::parse("stats count(*)").unwrap();
    let copy = query.clone();
    for q in [&query, &copy] {
        let mut evaluator = q.evaluator();
        let event = super::super::Event {
            timestamp_ms: T0,
            ingestion_ms: T0,
            message: "m",
            log_stream: "s",
            log_group: "g",
        };
        evaluator.push(&event);
        assert_eq!(cells(&evaluator.finish()), table(&[["1"]]));
    }
    assert!(format!("{query:?}").contains("Stats"));
}
