//! The Logs wire types against answers in the shapes the service sends (the Logs API
//! reference's examples, with the members it adds over time), and the requests as the
//! service expects them.

use super::*;

/// A completed query as GetQueryResults answers it (with members the engine does not
/// read: they are ignored).
const COMPLETE: &str = r#"{
  "results": [
    [{"field": "@timestamp", "value": "2026-12-07 12:00:01.000"},
     {"field": "@message", "value": "{\"level\":\"ERROR\",\"route\":\"/api/cart\"}"},
     {"field": "@ptr", "value": "CmAKJgoiMTIzNDU2Nzg5MDEyOi9lY3MvY2hlY2tvdXQQABIkGgYKAhgB"}],
    [{"field": "@timestamp", "value": "2026-12-07 12:00:00.000"},
     {"field": "@message", "value": "ok ü \u2028"}]
  ],
  "statistics": {"recordsMatched": 2.0, "recordsScanned": 1234.0, "estimatedRecordsSkipped": 0.0,
                 "bytesScanned": 98765.0, "estimatedBytesSkipped": 0.0, "logGroupsScanned": 1.0},
  "status": "Complete",
  "encryptionKey": null,
  "queryLanguage": "CWLI"
}"#;

#[test]
fn a_completed_get_query_results_answer_reads_whole() {
    let out: GetQueryResultsOutput = serde_json::from_str(COMPLETE).unwrap();
    assert_eq!(out.status, Some(QueryStatus::Complete));
    assert_eq!(out.results.len(), 2);
    assert_eq!(
        out.results[0][1],
        ResultField {
            field: Some("@message".into()),
            value: Some(r#"{"level":"ERROR","route":"/api/cart"}"#.into()),
        }
    );
    assert_eq!(out.results[1][1].value.as_deref(), Some("ok ü \u{2028}"));
    assert_eq!(
        out.statistics,
        Some(QueryStatistics {
            records_matched: 2.0,
            records_scanned: 1234.0,
            bytes_scanned: 98765.0,
        })
    );
}

#[test]
fn a_running_query_has_no_rows_and_null_members_read_as_empty() {
    let out: GetQueryResultsOutput = serde_json::from_str(
        r#"{"results": null, "statistics": {"recordsScanned": null}, "status": "Running"}"#,
    )
    .unwrap();
    assert_eq!(out.status, Some(QueryStatus::Running));
    assert!(out.results.is_empty());
    assert_eq!(out.statistics, Some(QueryStatistics::default()));
    let empty: GetQueryResultsOutput = serde_json::from_str("{}").unwrap();
    assert_eq!((empty.status, empty.results.len()), (None, 0));
}

#[test]
fn an_unknown_query_status_is_kept_as_sent() {
    let status = |text: &str| -> QueryStatus {
        serde_json::from_value(serde_json::json!({ "status": text }))
            .map(|o: GetQueryResultsOutput| o.status.unwrap())
            .unwrap()
    };
    for known in [
        "Scheduled",
        "Running",
        "Complete",
        "Failed",
        "Cancelled",
        "Timeout",
        "Unknown",
    ] {
        assert_eq!(status(known).as_str(), known);
        assert!(!matches!(status(known), QueryStatus::Other(_)), "{known}");
    }
    assert_eq!(status("Queued"), QueryStatus::Other("Queued".into()));
    assert_eq!(status("Queued").as_str(), "Queued");
    assert_eq!(
        status("complete"),
        QueryStatus::Other("complete".into()),
        "case matters"
    );
}

#[test]
fn filter_and_get_log_events_pages_read_events_and_tokens() {
    let page: FilterLogEventsOutput = serde_json::from_str(
        r#"{"events": [{"logStreamName": "web-1", "timestamp": 1796644800000,
                        "message": "ERROR boom", "ingestionTime": 1796644800123,
                        "eventId": "3788"}],
            "searchedLogStreams": [], "nextToken": "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCr"}"#,
    )
    .unwrap();
    assert_eq!(
        page.events,
        [FilteredLogEvent {
            log_stream_name: Some("web-1".into()),
            timestamp: Some(1_796_644_800_000),
            message: Some("ERROR boom".into()),
        }]
    );
    assert!(page.next_token.is_some());
    let page: GetLogEventsOutput = serde_json::from_str(
        r#"{"events": [{"timestamp": 1796644800000, "message": "a", "ingestionTime": 1}],
            "nextForwardToken": "f/3", "nextBackwardToken": "b/1"}"#,
    )
    .unwrap();
    assert_eq!(page.events[0].message.as_deref(), Some("a"));
    assert_eq!(page.next_forward_token.as_deref(), Some("f/3"));
}

#[test]
fn log_groups_and_anomalies_read_the_members_the_engine_uses() {
    let page: DescribeLogGroupsOutput = serde_json::from_str(
        r#"{"logGroups": [{"logGroupName": "/ecs/checkout", "creationTime": 1, "retentionInDays": 30,
                           "metricFilterCount": 0, "storedBytes": 1048576,
                           "arn": "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/checkout:*",
                           "logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/checkout",
                           "logGroupClass": "STANDARD"},
                          {"logGroupName": "/ecs/never", "storedBytes": 0}]}"#,
    )
    .unwrap();
    assert_eq!(page.log_groups[0].retention_in_days, Some(30));
    assert_eq!(page.log_groups[0].stored_bytes, Some(1_048_576));
    assert_eq!(page.log_groups[1].retention_in_days, None);
    assert!(page.next_token.is_none());
    let page: ListAnomaliesOutput = serde_json::from_str(
        r#"{"anomalies": [{"anomalyDetectorArn": "arn:x", "anomalyId": "a-1", "patternId": "p",
                           "patternString": "ERROR <*> timed out", "firstSeen": 1796644800000,
                           "lastSeen": 1796648400000, "description": "new pattern",
                           "active": true, "state": "Active", "priority": "HIGH",
                           "histogram": {"1796644800000": 3, "1796648400000": 5},
                           "logSamples": [], "patternTokens": [],
                           "logGroupArnList": ["arn:aws:logs:us-east-1:1:log-group:/ecs/checkout:*"]}],
            "nextToken": "n"}"#,
    )
    .unwrap();
    let anomaly = &page.anomalies[0];
    assert_eq!(anomaly.pattern_string, "ERROR <*> timed out");
    assert_eq!(anomaly.histogram.get("1796648400000"), Some(&5));
    assert_eq!(anomaly.priority.as_deref(), Some("HIGH"));
    assert_eq!(anomaly.log_group_arn_list.len(), 1);
}

#[test]
fn requests_carry_exactly_the_members_set_in_the_models_names() {
    let names = vec!["/ecs/checkout".to_owned()];
    let start = StartQuery {
        query_language: QueryLanguage::Cwli,
        log_group_names: Some(&names),
        log_group_identifiers: None,
        start_time: 1_796_644_800,
        end_time: 1_796_648_400,
        query_string: "fields @message",
        limit: Some(5),
    };
    assert_eq!(
        serde_json::to_string(&start).unwrap(),
        r#"{"queryLanguage":"CWLI","logGroupNames":["/ecs/checkout"],"startTime":1796644800,"endTime":1796648400,"queryString":"fields @message","limit":5}"#
    );
    let filter = FilterLogEvents {
        log_group_name: "/ecs/checkout",
        log_stream_names: None,
        start_time: 1,
        end_time: 2,
        filter_pattern: Some("ERROR"),
        next_token: None,
        limit: 10_000,
    };
    assert_eq!(
        serde_json::to_string(&filter).unwrap(),
        r#"{"logGroupName":"/ecs/checkout","startTime":1,"endTime":2,"filterPattern":"ERROR","limit":10000}"#
    );
    let describe = DescribeLogGroups {
        log_group_name_prefix: None,
        include_linked_accounts: Some(true),
        account_identifiers: Some(&names),
        next_token: Some("t".into()),
    };
    assert_eq!(
        serde_json::to_string(&describe).unwrap(),
        r#"{"includeLinkedAccounts":true,"accountIdentifiers":["/ecs/checkout"],"nextToken":"t"}"#
    );
    let ppl = serde_json::to_value(QueryLanguage::Ppl).unwrap();
    assert_eq!(
        (ppl, serde_json::to_value(QueryLanguage::Sql).unwrap()),
        ("PPL".into(), "SQL".into())
    );
}
