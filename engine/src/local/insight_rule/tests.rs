use serde_json::json;

use super::*;

const RULE: &str = r#"{
    "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
    "LogGroupNames": ["/ecs/check*"],
    "LogFormat": "JSON",
    "Contribution": {
        "Keys": ["$.route", "$.error"],
        "Filters": [{"Match": "$.status", "GreaterThan": 499}]
    },
    "AggregateOn": "Count"
}"#;

fn parse(text: &str) -> Result<Rule, EngineError> {
    Rule::parse("r", text, "local:x")
}

#[test]
fn a_rule_picks_its_groups_keys_and_events() {
    let rule = parse(RULE).unwrap();
    assert!(rule.reads("/ecs/checkout") && rule.reads("ecs/checkout-web"));
    assert!(!rule.reads("/ecs/cart"));
    assert_eq!(rule.key_labels(), vec!["route", "error"]);
    let failed = json!({"route": "/api/pay", "status": 502, "error": "ECONNRESET"});
    assert_eq!(
        rule.apply(&failed),
        Some((vec!["/api/pay".into(), "ECONNRESET".into()], 1.0))
    );
    assert_eq!(
        rule.apply(&json!({"route": "/api/pay", "status": 200})),
        None
    );
    // A key missing from the event: not a contributor.
    assert_eq!(
        rule.apply(&json!({"route": "/api/pay", "status": 503})),
        None
    );
}

#[test]
fn sums_add_up_the_value_field_and_every_filter_kind_holds() {
    let rule = parse(
        r#"{"Schema": {"Name": "CloudWatchLogRule", "Version": 1},
            "LogGroupARNs": ["arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/checkout:*"],
            "LogFormat": "JSON",
            "Contribution": {"Keys": ["$.req.task"], "ValueOf": "$.latency_ms",
              "Filters": [{"Match": "$.method", "In": ["POST", "PUT"]},
                          {"Match": "$.route", "StartsWith": ["/api/"]},
                          {"Match": "$.status", "NotIn": [404]},
                          {"Match": "$.debug", "IsPresent": false}]},
            "AggregateOn": "Sum"}"#,
    )
    .unwrap();
    assert!(rule.reads("/ecs/checkout"));
    let event = json!({"req": {"task": "web-1"}, "latency_ms": "250.5", "method": "POST",
                       "route": "/api/cart", "status": 200});
    assert_eq!(rule.apply(&event), Some((vec!["web-1".into()], 250.5)));
    for (field, value) in [
        ("method", json!("GET")),
        ("route", json!("/health")),
        ("status", json!(404)),
        ("debug", json!(true)),
        ("latency_ms", json!("n/a")),
    ] {
        let mut changed = event.clone();
        changed[field] = value;
        assert_eq!(rule.apply(&changed), None, "{field}");
    }
}

#[test]
fn rules_the_service_would_refuse_say_what_to_change() {
    let with = |from: &str, to: &str| parse(&RULE.replace(from, to)).unwrap_err().to_string();
    assert!(with("CloudWatchLogRule", "Other").contains("Schema must be"));
    assert!(with("\"Count\"", "\"Sum\"").contains("ValueOf"));
    assert!(with("\"$.route\", \"$.error\"", "").contains("1 to 4"));
    assert!(with("$.route", "route").contains("not a JSON path"));
    assert!(
        with(
            "\"GreaterThan\": 499",
            "\"GreaterThan\": 499, \"LessThan\": 600"
        )
        .contains("exactly one")
    );
    assert!(with("\"GreaterThan\": 499", "\"Above\": 499").contains("unknown field"));
    assert!(with("\"LogGroupNames\"", "\"Groups\"").contains("LogGroupNames or LogGroupARNs"));
    let clf = with("\"JSON\"", "\"CLF\"");
    assert!(clf.contains("CLF rules need CloudWatch"), "{clf}");
    assert!(parse("{").is_err());
}

#[test]
fn no_rule_text_makes_the_parser_panic() {
    // Truncations, single-byte changes and noise, scaled to the 8 KiB a definition may
    // hold (PutInsightRule's limit).
    let bytes = RULE.as_bytes();
    for cut in 0..bytes.len() {
        let _ = parse(&String::from_utf8_lossy(&bytes[..cut]));
    }
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..2000 {
        let mut changed = bytes.to_vec();
        let at = (next() as usize) % changed.len();
        changed[at] = (next() & 0x7f) as u8;
        if let Ok(rule) = parse(&String::from_utf8_lossy(&changed)) {
            let _ = rule.apply(&json!({"route": "/", "status": 503, "error": "x"}));
        }
    }
    let noise: String = (0..8192)
        .map(|_| char::from(b' ' + (next() % 94) as u8))
        .collect();
    assert!(parse(&noise).is_err());
    let deep = format!(
        "{}{}",
        "{\"a\":".repeat(100),
        "1".to_owned() + &"}".repeat(100)
    );
    assert!(parse(&deep).is_err());
}
