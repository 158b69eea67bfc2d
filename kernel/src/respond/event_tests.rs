//! The feeds from AWS's documented samples (tests/fixtures/alarm-events), each wrapped in
//! SNS too; what a malformed event is told; and a fuzz of the parser with generated,
//! truncated, huge and deep inputs.

use playbook_testkit::{Fuzz, lengths};

use super::*;

const SINGLE: &str =
    include_str!("../../../tests/fixtures/alarm-events/eventbridge-single-metric.json");
const MATH: &str =
    include_str!("../../../tests/fixtures/alarm-events/eventbridge-metric-math.json");
const COMPOSITE: &str =
    include_str!("../../../tests/fixtures/alarm-events/eventbridge-composite.json");
const NOTIFICATION: &str =
    include_str!("../../../tests/fixtures/alarm-events/alarm-notification.json");
const CHECKOUT_EB: &str =
    include_str!("../../../tests/fixtures/alarm-events/checkout-latency-eventbridge.json");
const CHECKOUT_N: &str =
    include_str!("../../../tests/fixtures/alarm-events/checkout-latency-notification.json");

/// `message` as SNS delivers it to an SQS queue (raw message delivery off).
fn in_sns(message: &str) -> String {
    serde_json::json!({
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:alarms",
        "Subject": "ALARM: \"x\" in US East (N. Virginia)",
        "Message": message,
        "Timestamp": "2019-10-02T17:04:41.000Z",
        "SignatureVersion": "1",
    })
    .to_string()
}

#[test]
fn the_documented_single_metric_event_reads_whole() {
    let alarm = parse(SINGLE).unwrap();
    assert_eq!(alarm.name, "ServerCpuTooHigh");
    assert_eq!(
        alarm.arn.as_deref(),
        Some("arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh")
    );
    assert_eq!(
        (alarm.account.as_str(), alarm.region.as_str()),
        ("123456789012", "us-east-1")
    );
    assert_eq!(
        (alarm.state, alarm.previous_state),
        (AlarmState::Alarm, Some(AlarmState::Ok))
    );
    assert_eq!(
        alarm.time,
        "2019-10-02T17:04:40.989Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert!(
        alarm
            .reason
            .starts_with("Threshold Crossed: 1 out of the last 1 datapoints [99.5")
    );
    assert_eq!(alarm.kind, AlarmKind::Metric);
    assert_eq!(alarm.namespace.as_deref(), Some("AWS/EC2"));
    assert_eq!(alarm.metric.as_deref(), Some("CPUUtilization"));
    assert_eq!(alarm.dimensions["InstanceId"], "i-12345678901234567");
    assert_eq!(alarm.feed, Feed::Eventbridge);
}

#[test]
fn metric_math_keeps_what_its_metrics_share_and_composites_watch_none() {
    let math = parse(MATH).unwrap();
    assert_eq!(math.kind, AlarmKind::MetricMath);
    assert_eq!(math.namespace.as_deref(), Some("AWS/EC2"));
    assert_eq!(math.metric, None, "NetworkIn and NetworkOut: no one metric");
    assert_eq!(math.dimensions["InstanceId"], "i-12345678901234567");
    assert_eq!(math.previous_state, Some(AlarmState::InsufficientData));
    let composite = parse(COMPOSITE).unwrap();
    assert_eq!(composite.kind, AlarmKind::Composite);
    assert_eq!((composite.namespace, composite.metric), (None, None));
    assert!(composite.dimensions.is_empty());
}

#[test]
fn the_classic_notification_reads_with_its_long_region_name() {
    let alarm = parse(NOTIFICATION).unwrap();
    assert_eq!(alarm.name, "HighCPU");
    assert_eq!(alarm.region, "us-east-1");
    assert_eq!(
        alarm.time,
        "2023-08-15T12:00:12.530Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(alarm.dimensions["InstanceId"], "i-1234567890abcdef0");
    assert_eq!(alarm.feed, Feed::AlarmNotificationMessage);
    // Without AlarmArn, the long name gives the code.
    let checkout = parse(CHECKOUT_N).unwrap();
    assert_eq!(
        (checkout.region.as_str(), checkout.arn.as_deref()),
        ("eu-west-1", None)
    );
}

#[test]
fn every_feed_of_one_transition_reads_the_same() {
    let strip = |mut a: AlarmTransition| {
        a.arn = None;
        a.feed = Feed::Eventbridge;
        a
    };
    let raw = parse(CHECKOUT_EB).unwrap();
    let via_sns = parse(&in_sns(CHECKOUT_EB)).unwrap();
    assert_eq!(via_sns.feed, Feed::EventbridgeViaSns);
    let notification = parse(&in_sns(CHECKOUT_N)).unwrap();
    assert_eq!(notification.feed, Feed::AlarmNotification);
    assert_eq!(strip(via_sns), strip(raw.clone()));
    assert_eq!(strip(notification), strip(raw));
}

#[test]
fn a_malformed_event_says_which_field_and_what_was_expected() {
    let cases: &[(String, &str)] = &[
        ("[1, 2]".into(), "the event: expected a JSON object"),
        (" 42".into(), "the event: expected a JSON object"),
        ("{}".into(), "expected an EventBridge event"),
        (
            SINGLE.replace("\"value\": \"ALARM\"", "\"value\": \"PANIC\""),
            "unknown variant `PANIC`, expected one of `OK`, `ALARM`, `INSUFFICIENT_DATA`",
        ),
        (
            SINGLE.replace("\"alarmName\"", "\"alarm\""),
            "missing field `alarmName`",
        ),
        (
            SINGLE.replace(
                "CloudWatch Alarm State Change",
                "EC2 Instance State-change Notification",
            ),
            "detail-type `EC2 Instance State-change Notification`: expected `CloudWatch Alarm State Change`",
        ),
        (
            SINGLE.replace("2019-10-02T17:04:40.989+0000", "yesterday"),
            "detail.state.timestamp `yesterday`: expected a time",
        ),
        (
            SINGLE.replace("\"region\": \"us-east-1\"", "\"region\": \"Atlantis\""),
            "region `Atlantis`: expected a region",
        ),
        (
            NOTIFICATION.replace("\"AWSAccountId\"", "\"Account\""),
            "missing field `AWSAccountId`",
        ),
        (
            in_sns("not json"),
            "the SNS notification's Message: expected a JSON object",
        ),
        (
            in_sns("{\"detail-type\": 1"),
            "the SNS notification's Message: EOF while parsing",
        ),
        (
            r#"{"Type": "SubscriptionConfirmation", "Message": "x"}"#.into(),
            "Type `SubscriptionConfirmation`: expected `Notification`",
        ),
        (in_sns(&in_sns(SINGLE)), "neither `detail-type`"),
    ];
    for (text, says) in cases {
        let why = parse(text).unwrap_err().to_string();
        assert!(why.starts_with("not a CloudWatch alarm event: "), "{why}");
        assert!(why.contains(says), "expected `{says}` in: {why}");
    }
}

#[test]
fn the_parser_survives_generated_truncated_huge_and_deep_events() {
    let tokens = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"Type\"",
        "\"Notification\"",
        "\"Message\"",
        "\"detail-type\"",
        "\"CloudWatch Alarm State Change\"",
        "\"detail\"",
        "\"state\"",
        "\"value\"",
        "\"ALARM\"",
        "\"AlarmName\"",
        "\"Trigger\"",
        "\"Metrics\"",
        "\"x\"",
        "1",
        "null",
        "\"\\u202e\"",
        "\"2019-10-02T17:04:40.989+0000\"",
        "\"EU (\"",
    ];
    for seed in 0..20u64 {
        let mut fuzz = Fuzz::new(seed);
        for len in lengths(1 << 16) {
            let text = fuzz.tokens(&tokens, len);
            let _ = parse(&text);
            let _ = parse(&in_sns(&text));
        }
    }
    // Every prefix of every sample, raw and in SNS: an error, never a panic.
    for sample in [SINGLE, MATH, COMPOSITE, NOTIFICATION, CHECKOUT_N] {
        let sample = sample.trim_end();
        for cut in (0..sample.len()).filter(|&i| sample.is_char_boundary(i)) {
            assert!(parse(&sample[..cut]).is_err());
            let _ = parse(&in_sns(&sample[..cut]));
        }
    }
    // Deep: serde_json's recursion limit, an error at any depth.
    for depth in lengths(1 << 16) {
        let _ = parse(&Fuzz::nest("[", "1", "]", depth));
        let _ = parse(&Fuzz::nest("{\"a\":", "1", "}", depth));
        let _ = parse(&in_sns(&Fuzz::nest("{\"detail-type\":", "1", "}", depth)));
    }
    // Huge: refused by its size before it is read.
    let huge = format!(
        "{{\"AlarmName\": \"{}\"}}",
        "x".repeat(MAX_CONFIG_BYTES as usize)
    );
    assert!(
        parse(&huge)
            .unwrap_err()
            .to_string()
            .contains("bytes: an event is at most")
    );
    // Large but within the bound: a name of a megabyte still reads.
    let big = SINGLE.replace(
        "ServerCpuTooHigh\",",
        &format!("{}\",", "n".repeat(1 << 20)),
    );
    assert_eq!(parse(&big).unwrap().name.len(), 1 << 20);
}
