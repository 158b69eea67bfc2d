//! Fuzzing the parser and the evaluator with structured, length-scaled queries: the
//! language's own tokens in random order up to 1 MB, long flat chains and deep nests.
//! Nothing may panic, overflow the stack (tests run on 2 MiB threads, like the kernel's
//! query threads at their smallest) or hang; every refusal is an error with a column.

use playbook_testkit::{Fuzz, lengths};

use super::super::{Event, parse};
use super::T0;

const TOKENS: &[&str] = &[
    "fields",
    "filter",
    "stats",
    "sort",
    "limit",
    "parse",
    "display",
    "dedup",
    "by",
    "as",
    "asc",
    "desc",
    "and",
    "or",
    "not",
    "like",
    "in",
    "|",
    ",",
    "(",
    ")",
    "[",
    "]",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=~",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "count(*)",
    "count",
    "sum",
    "avg",
    "pct",
    "bin(5m)",
    "bin",
    "ispresent",
    "isempty",
    "concat",
    "strlen",
    "@message",
    "@timestamp",
    "@logStream",
    "\"ERROR\"",
    "'a'",
    "/err.*/",
    "/(a+)+$/",
    "`odd field`",
    "\"unterminated",
    "'",
    "*",
    "5m",
    "1h",
    "0s",
    "datefloor",
    "toupper",
    "replace",
];

/// The largest query a cell or `playbook query` takes (a Logs Insights query is at most
/// 10,000 characters on CloudWatch; the local engine is fuzzed a hundred times past it).
const MAX_QUERY: usize = 1 << 20;

fn events() -> Vec<(i64, String)> {
    (0..20)
        .map(|i| {
            (
                T0 + i * 60_000,
                format!(
                    r#"{{"level":"{}","n":{i},"http":{{"status":{}}}}}"#,
                    ["INFO", "ERROR"][i as usize % 2],
                    200 + i
                ),
            )
        })
        .collect()
}

/// Parses `query` and, when it parses, runs it over a few events.
fn exercise(query: &str) {
    let Ok(parsed) = parse(query) else { return };
    let mut evaluator = parsed.evaluator();
    for (timestamp_ms, message) in &events() {
        evaluator.push(&Event {
            timestamp_ms: *timestamp_ms,
            ingestion_ms: *timestamp_ms,
            message,
            log_stream: "s",
            log_group: "/g",
        });
    }
    let _ = evaluator.finish();
}

#[test]
fn random_queries_of_every_size_neither_panic_nor_overflow() {
    for seed in 0..40u64 {
        let mut fuzz = Fuzz::new(seed);
        for len in lengths(MAX_QUERY) {
            let query = fuzz.tokens(TOKENS, len);
            let outcome = std::panic::catch_unwind(|| exercise(&query));
            assert!(outcome.is_ok(), "seed {seed}, len {len}: {query:.200}");
        }
    }
}

#[test]
fn long_flat_and_deeply_nested_queries_are_refused_or_run() {
    for len in lengths(MAX_QUERY) {
        for (piece, join) in [
            ("1", " + "),
            ("a = 1", " or "),
            ("a", " and "),
            ("2", " * "),
        ] {
            exercise(&format!(
                "fields {} as x | limit 1",
                Fuzz::chain(piece, join, len)
            ));
            exercise(&format!("filter {}", Fuzz::chain(piece, join, len)));
        }
        let depth = len / 2;
        exercise(&format!("filter {}", Fuzz::nest("(", "a = 1", ")", depth)));
        exercise(&format!(
            "fields {} as x",
            Fuzz::nest("abs(", "1", ")", depth / 4)
        ));
        exercise(&format!("filter {}a", "not ".repeat(depth / 4)));
        exercise(&format!("fields {}1 as x", "-".repeat(depth)));
        exercise(&Fuzz::chain("fields a", " | ", len));
    }
}

#[test]
fn messages_nested_deeply_or_malformed_neither_panic_nor_overflow() {
    // A log line is the user's data: any depth, any length, any bytes.
    let query = parse(
        "fields a.b.c, http.status | filter level = 'ERROR' or a.0.0 > 1 | stats count(*) by a",
    )
    .expect("query");
    let mut fuzz = Fuzz::new(11);
    let mut messages = vec![
        Fuzz::nest("[", "1", "]", 100_000),
        Fuzz::nest("{\"a\":", "1", "}", 100_000),
        Fuzz::nest("{\"a\":[", "1", "]}", 50_000),
        format!("{{\"a\": \"{}\"}}", "x".repeat(1 << 20)),
        "{\"a\": \"unterminated".to_owned(),
        "\u{0}\u{202e}{\"level\":\"ERROR\"".to_owned(),
    ];
    for len in lengths(1 << 16) {
        messages.push(fuzz.tokens(
            &[
                "{",
                "}",
                "[",
                "]",
                ":",
                ",",
                "\"a\"",
                "\"level\"",
                "\"ERROR\"",
                "null",
                "1e999",
            ],
            len,
        ));
    }
    let mut evaluator = query.evaluator();
    for message in &messages {
        evaluator.push(&Event {
            timestamp_ms: T0,
            ingestion_ms: T0,
            message,
            log_stream: "s",
            log_group: "/g",
        });
    }
    let _ = evaluator.finish();
}
