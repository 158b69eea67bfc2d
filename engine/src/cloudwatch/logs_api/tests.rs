//! Logs calls against the scripted local server of `aws_call/tests.rs` (answers in the
//! Logs wire shape: AWS JSON 1.1 errors with `__type`): signing and target, retries
//! counted, error codes kept and classified; and GetQueryResults' parser at its limits.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use playbook::protocol::ErrorKind;
use playbook_testkit::{Fuzz, lengths};

use super::*;
use crate::aws_call::tests::{answer, client, runtime, serve};
use crate::cloudwatch::insights_queue::quota_full;
use crate::cloudwatch::logs_wire::{QueryId, QueryLanguage, QueryStatus};

fn logs(url: &str, attempts: u32, retried: &Arc<AtomicU64>) -> LogsApi {
    LogsApi {
        client: client(url, &aws_call::LOGS, attempts).with_retry_count(retried.clone()),
    }
}

fn start_query() -> StartQuery<'static> {
    StartQuery {
        query_language: QueryLanguage::Cwli,
        log_group_names: None,
        log_group_identifiers: None,
        start_time: 1_796_644_800,
        end_time: 1_796_648_400,
        query_string: "fields @message",
        limit: None,
    }
}

#[test]
fn logs_calls_are_signed_for_logs_and_a_throttled_attempt_counts_as_a_retry() {
    runtime().block_on(async {
        let throttled = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
        let (url, heads) = serve(vec![
            answer(400, throttled),
            answer(200, r#"{"queryId":"q-1"}"#),
        ])
        .await;
        let retried = Arc::new(AtomicU64::new(0));
        let started = logs(&url, 3, &retried)
            .send(&start_query())
            .await
            .expect("the second attempt succeeds");
        assert_eq!(started.query_id.as_deref(), Some("q-1"));
        assert_eq!(retried.load(Ordering::Relaxed), 1);
        let heads = heads.lock().unwrap();
        assert_eq!(heads.len(), 2);
        let head = &heads[1];
        assert!(head.starts_with("POST / HTTP/1.1\r\n"), "{head}");
        assert!(
            head.contains("x-amz-target: Logs_20140328.StartQuery\r\n"),
            "{head}"
        );
        assert!(
            head.contains("content-type: application/x-amz-json-1.1\r\n"),
            "{head}"
        );
        assert!(head.contains("/us-east-1/logs/aws4_request"), "{head}");
        assert!(
            head.ends_with(r#""queryString":"fields @message"}"#),
            "{head}"
        );
    });
}

#[test]
fn a_missing_group_keeps_its_code_and_message_and_is_not_found() {
    runtime().block_on(async {
        let missing = r#"{"__type":"com.amazonaws.logs#ResourceNotFoundException","message":"The specified log group does not exist."}"#;
        let (url, heads) = serve(vec![answer(400, missing)]).await;
        let retried = Arc::new(AtomicU64::new(0));
        let error = logs(&url, 3, &retried)
            .send(&start_query())
            .await
            .expect_err("no such group");
        assert_eq!(error.kind(), ErrorKind::NotFound);
        assert_eq!(
            error.to_string(),
            "StartQuery failed: ResourceNotFoundException: The specified log group does not exist."
        );
        assert_eq!(heads.lock().unwrap().len(), 1, "not retried");
        assert_eq!(retried.load(Ordering::Relaxed), 0);
    });
}

#[test]
fn a_full_query_quota_is_the_throttling_the_insights_queue_waits_on() {
    runtime().block_on(async {
        let full = r#"{"__type":"LimitExceededException","message":"Account maximum query concurrency limit of [30] reached."}"#;
        let (url, _) = serve(vec![answer(400, full)]).await;
        let error = logs(&url, 1, &Arc::new(AtomicU64::new(0)))
            .send(&start_query())
            .await
            .expect_err("quota full");
        assert!(quota_full(&error), "{error:?}");
        assert!(
            error.to_string().contains("30 concurrent queries per account"),
            "{error}"
        );
    });
}

#[test]
fn an_answer_that_is_not_the_output_is_a_typed_error_and_an_empty_one_is_empty() {
    runtime().block_on(async {
        let (url, _) = serve(vec![answer(200, "<html>gateway</html>"), answer(200, "")]).await;
        let api = logs(&url, 1, &Arc::new(AtomicU64::new(0)));
        let error = api
            .send(&GetQueryResults(QueryId { query_id: "q-1" }))
            .await
            .expect_err("not JSON");
        assert_eq!(error.kind(), ErrorKind::Unavailable);
        assert!(
            error
                .to_string()
                .contains("GetQueryResults answered what is not its output"),
            "{error}"
        );
        api.send(&StopQuery(QueryId { query_id: "q-1" }))
            .await
            .expect("an empty body is an empty output");
    });
}

/// A completed query of `rows` rows of five fields.
fn completed(rows: usize) -> String {
    let row = |i: usize| {
        format!(
            r#"[{{"field":"@timestamp","value":"2026-12-07 12:{:02}:{:02}.000"}},{{"field":"@message","value":"{{\"n\":{i},\"route\":\"/api/r{}\"}}"}},{{"field":"@logStream","value":"web-1"}},{{"field":"n","value":"{i}"}},{{"field":"@ptr","value":"CmAKJgoi{i}"}}]"#,
            i / 60 % 60,
            i % 60,
            i % 3
        )
    };
    let rows: Vec<String> = (0..rows).map(row).collect();
    format!(
        r#"{{"results":[{}],"statistics":{{"recordsMatched":{rows_n}.0,"recordsScanned":1e6,"bytesScanned":2.5e8}},"status":"Complete"}}"#,
        rows.join(","),
        rows_n = rows.len()
    )
}

#[test]
fn ten_thousand_rows_the_row_limit_parse_whole() {
    let body = completed(10_000);
    let out = parse::<GetQueryResults>(body.as_bytes()).expect("a completed query");
    assert_eq!(out.status, Some(QueryStatus::Complete));
    assert_eq!(out.results.len(), 10_000);
    assert_eq!(out.results[9_999][3].value.as_deref(), Some("9999"));
    let query = playbook::model::query::logs_insights("fields @timestamp, @message, n");
    let window =
        playbook::model::time_range::TimeRange::parse("2026-12-07T12:00:00Z..2026-12-07T15:00:00Z")
            .unwrap();
    let table = crate::cloudwatch::logs::to_table(&query, &out.results, window);
    assert_eq!(table.len(), 10_000);
    assert_eq!(table.columns, ["@timestamp", "@message", "@logStream", "n"]);
}

#[test]
fn a_cut_answer_is_a_typed_error_at_every_length() {
    let body = completed(3);
    for cut in 1..body.len() {
        let error = parse::<GetQueryResults>(&body.as_bytes()[..cut]).expect_err("cut");
        assert!(
            error
                .to_string()
                .starts_with("GetQueryResults answered what is not its output"),
            "{error}"
        );
    }
}

const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"results\"",
    "\"status\"",
    "\"statistics\"",
    "\"field\"",
    "\"value\"",
    "\"Complete\"",
    "\"Running\"",
    "null",
    "true",
    "1e999",
    "-0",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"ü\"",
    "[[{\"field\":\"a\",\"value\":\"b\"}]]",
    "{\"recordsMatched\":1}",
];

#[test]
fn random_answers_of_every_size_neither_panic_nor_hang() {
    for seed in 0..40u64 {
        let mut fuzz = Fuzz::new(seed);
        for len in lengths(1 << 20) {
            let body = fuzz.tokens(FRAGMENTS, len);
            let outcome = std::panic::catch_unwind(|| {
                let _ = parse::<GetQueryResults>(body.as_bytes());
                let _ = parse::<FilterLogEvents>(body.as_bytes());
                let _ = parse::<ListAnomalies>(body.as_bytes());
            });
            assert!(outcome.is_ok(), "seed {seed}, len {len}: {body:.200}");
        }
    }
    for len in lengths(1 << 20) {
        let deep = Fuzz::nest("{\"results\":[", "[]", "]}", len / 12);
        let _ = parse::<GetQueryResults>(deep.as_bytes());
        let depth = len / 2;
        let deep = Fuzz::nest("[", "", "]", depth);
        let parsed = parse::<GetQueryResults>(deep.as_bytes());
        assert!(depth <= 128 || parsed.is_err(), "depth {depth} is refused");
    }
}
