//! `Query::required_substrings`: what is returned, and that skipping events without the
//! substrings never changes a result.

use super::super::{Event, parse};
use super::T0;

fn required(query: &str) -> Vec<String> {
    parse(query).unwrap().required_substrings()
}

#[test]
fn equality_and_like_on_message_text_are_required() {
    assert_eq!(
        required(r#"filter level = "ERROR" | stats count(*) by bin(5m)"#),
        ["ERROR"]
    );
    assert_eq!(required(r#"filter "ERROR" = level"#), ["ERROR"]);
    assert_eq!(
        required(r#"filter @message like "timeout" and status = "503""#),
        ["timeout"]
    );
    assert_eq!(
        required(r#"filter level in ["ERROR"] and route like "/api""#),
        ["ERROR"]
    );
    assert_eq!(
        required(r#"filter @message like "/api" | filter @message =~ "x""#),
        ["/api", "x"]
    );
    assert_eq!(
        required(r#"parse @message "* *" as a, b | filter a = "GET""#),
        ["GET"]
    );
    assert_eq!(
        required(r#"fields level as l | filter l = "ERROR""#),
        ["ERROR"]
    );
    assert_eq!(
        required(r#"filter a = "x" | sort b | filter c = "y" | limit 3"#),
        ["x", "y"]
    );
}

#[test]
fn nothing_under_or_or_not() {
    assert!(required(r#"filter level = "ERROR" or level = "WARN""#).is_empty());
    assert!(required(r#"filter not level = "ERROR""#).is_empty());
    assert!(required(r#"filter level != "ERROR""#).is_empty());
    assert!(required(r#"filter level not like "ERROR""#).is_empty());
    assert!(required(r#"filter level in ["ERROR", "WARN"]"#).is_empty());
}

#[test]
fn nothing_that_the_message_may_hold_in_another_form() {
    assert!(required(r#"filter status = "503""#).is_empty());
    assert!(required(r#"filter path = "/a/b""#).is_empty());
    assert!(required(r#"filter msg like "a:b""#).is_empty());
    assert!(required(r#"filter name = "é""#).is_empty());
    assert!(required(r#"filter @logStream = "web""#).is_empty());
    assert!(required(r#"fields tolower(level) as level | filter level = "error""#).is_empty());
    assert!(required(r#"filter level like /ERROR/"#).is_empty());
    assert!(required(r#"stats count(*) by level | filter level = "ERROR""#).is_empty());
    assert!(required(r#"filter level = """#).is_empty());
}

#[test]
fn skipping_events_without_the_substrings_changes_nothing() {
    let messages = [
        r#"{"level":"ERROR","route":"/api/x","msg":"timeout after 3s","n":1}"#,
        r#"{"level":"INFO","route":"/api/x","msg":"ok","n":2}"#,
        r#"{"level":"error","route":"/web","msg":"timeout","n":3}"#,
        r#"{"level":"ERROR","route":"/web","msg":"refused","n":4}"#,
        "ERROR plain text line timeout",
        r#"{"level":"WARN","msg":{"detail":"timeout"},"n":5}"#,
    ];
    let queries = [
        r#"filter level = "ERROR" | stats count(*) by route"#,
        r#"filter @message like "timeout" and level = "ERROR" | fields n"#,
        r#"parse @message "* plain *" as level, rest | filter level = "ERROR" | fields rest"#,
        r#"filter msg like "timeout" | sort n asc | fields n"#,
    ];
    for query in queries {
        let q = parse(query).unwrap();
        let needed = q.required_substrings();
        assert!(!needed.is_empty(), "{query}");
        let mut all = q.evaluator();
        let mut some = q.evaluator();
        for (i, message) in messages.iter().enumerate() {
            let event = Event {
                timestamp_ms: T0 + i as i64,
                ingestion_ms: T0,
                message,
                log_stream: "s",
                log_group: "g",
            };
            all.push(&event);
            if needed.iter().all(|s| message.contains(s.as_str())) {
                some.push(&event);
            }
        }
        let (all, some) = (all.finish(), some.finish());
        assert_eq!(all.rows, some.rows, "{query}");
        assert_eq!(all.records_matched, some.records_matched, "{query}");
    }
}
