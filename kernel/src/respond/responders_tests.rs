//! The responders file: read whole, errors with their line, rules matched by glob, state
//! and dimensions, parameters rendered over the alarm, the account's role.

use super::*;
use crate::record::cause::{AlarmKind, Feed};

fn notebooks() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../notebooks")
}

fn alarm(name: &str, state: AlarmState) -> AlarmTransition {
    AlarmTransition {
        name: name.into(),
        arn: None,
        account: "123456789012".into(),
        region: "eu-west-1".into(),
        state,
        previous_state: None,
        time: "2026-11-12T14:12:00Z".parse().unwrap(),
        reason: "Threshold Crossed".into(),
        kind: AlarmKind::Metric,
        namespace: Some("AWS/ApplicationELB".into()),
        metric: Some("TargetResponseTime".into()),
        dimensions: [("LoadBalancer".into(), "app/checkout-alb/5f3c".into())].into(),
        feed: Feed::Eventbridge,
    }
}

const FILE: &str = "\
accounts:
  \"123456789012\": {role_arn: \"arn:aws:iam::123456789012:role/responder\"}
rules:
  - name: latency
    alarm: \"checkout-*-latency-*\"
    namespace: AWS/ApplicationELB
    dimensions: {LoadBalancer: \"app/checkout-*\"}
    notebook: latency-spike.ipynb
    parameters:
      start: \"{alarm.time - 1h}\"
      end: \"{alarm.time + 30m}\"
      load_balancer: \"{alarm.dimension.LoadBalancer}\"
      p99_target_s: 0.5
  - name: over
    alarm: \"checkout-*\"
    state: OK
    notebook: latency-spike.ipynb
";

fn read(text: &str) -> Result<Responders, String> {
    parse(text, true, &notebooks(), "responders.yaml")
}

#[test]
fn rules_match_by_glob_state_namespace_and_dimension() {
    let file = read(FILE).unwrap();
    let names = |a: &AlarmTransition| -> Vec<String> {
        file.matching(a).iter().map(|r| r.name.clone()).collect()
    };
    assert_eq!(
        names(&alarm("checkout-p99-latency-high", AlarmState::Alarm)),
        ["latency"]
    );
    assert_eq!(
        names(&alarm("checkout-p99-latency-high", AlarmState::Ok)),
        ["over"]
    );
    assert!(names(&alarm("checkout-5xx-high", AlarmState::Alarm)).is_empty());
    assert!(
        names(&alarm(
            "checkout-p99-latency-high",
            AlarmState::InsufficientData
        ))
        .is_empty()
    );
    let mut elsewhere = alarm("checkout-p99-latency-high", AlarmState::Alarm);
    elsewhere
        .dimensions
        .insert("LoadBalancer".into(), "app/search-alb/1".into());
    assert!(
        names(&elsewhere).is_empty(),
        "a dimension's glob must match"
    );
    elsewhere.dimensions.clear();
    assert!(
        names(&elsewhere).is_empty(),
        "a missing dimension does not match"
    );
    let mut composite = alarm("checkout-p99-latency-high", AlarmState::Alarm);
    composite.namespace = None;
    assert!(
        names(&composite).is_empty(),
        "a rule on a namespace needs one"
    );
}

#[test]
fn parameters_render_over_the_alarm_and_the_account_gives_the_role() {
    let file = read(FILE).unwrap();
    let a = alarm("checkout-p99-latency-high", AlarmState::Alarm);
    let rule = &file.matching(&a)[0];
    assert_eq!(rule.line, Some(4));
    assert_eq!(
        rule.parameters(&a).unwrap(),
        [
            ("end".to_owned(), "2026-11-12T14:42:00Z".to_owned()),
            (
                "load_balancer".to_owned(),
                "app/checkout-alb/5f3c".to_owned()
            ),
            ("p99_target_s".to_owned(), "0.5".to_owned()),
            ("start".to_owned(), "2026-11-12T13:12:00Z".to_owned()),
        ]
    );
    let aws = file.aws_for(&a, &AwsTarget::default());
    assert_eq!(aws.region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        aws.role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/responder")
    );
    let mut other = a.clone();
    other.account = "999999999999".into();
    assert_eq!(file.aws_for(&other, &AwsTarget::default()).role_arn, None);
}

#[test]
fn a_bad_responders_file_is_refused_with_the_line() {
    let cases = [
        (
            FILE.replace("    state: OK\n", "    state: MAYBE\n"),
            "line 14: rules[1] (over): unknown variant `MAYBE`",
        ),
        (
            FILE.replace("{alarm.time + 30m}", "{alarm.tme}"),
            "line 4: rules[0] (latency): parameters.end: unknown placeholder {alarm.tme}",
        ),
        (
            FILE.replace("{alarm.time - 1h}", "{alarm.time - 1y}"),
            "line 4: rules[0] (latency): parameters.start: {alarm.time - 1y}",
        ),
        (
            FILE.replace("    state: OK\n", "    colour: red\n"),
            "line 14: rules[1] (over): unknown field `colour`",
        ),
        (
            FILE.replace("name: over", "name: latency"),
            "line 14: rules[1] (latency): the name `latency` is used twice",
        ),
        (
            FILE.replace(
                "notebook: latency-spike.ipynb\n    parameters",
                "notebook: nope.ipynb\n    parameters",
            ),
            "line 4: rules[0] (latency): notebook ",
        ),
        (
            FILE.replace("    state: OK\n", "    state: INSUFFICIENT_DATA\n"),
            "line 14: rules[1] (over): state: INSUFFICIENT_DATA starts no run",
        ),
        (
            FILE.replace("\"123456789012\":", "\"1234\":"),
            "accounts.1234: an account id is 12 digits",
        ),
        (
            FILE.replace("arn:aws:iam::123456789012:role/responder", "responder"),
            "accounts.123456789012: role_arn `responder`",
        ),
        ("rules: []\n".to_owned(), "`rules` is empty"),
        (
            "rules:\n  - name: a\n    notebook: x\n   bad: indent\n".to_owned(),
            "invalid YAML",
        ),
    ];
    for (text, says) in cases {
        let why = read(&text).unwrap_err();
        assert!(
            why.starts_with(says),
            "expected `{says}` at the start of: {why}"
        );
    }
    let json = r#"{"rules": [
        {"name": "a", "notebook": "latency-spike.ipynb"},
        {"name": "b", "notebook": "latency-spike.ipynb", "parameters": {"x": {"y": 1}}}
    ]}"#;
    let why = parse(json, false, &notebooks(), "r.json").unwrap_err();
    assert!(
        why.starts_with("line 3: rules[1] (b): parameters.x: expected a plain value"),
        "{why}"
    );
}

#[test]
fn globs_match_stars_and_question_marks_without_backtracking_blowup() {
    let glob = |p: &str| Glob(p.to_owned());
    assert!(glob("checkout-*-high").matches("checkout-p99-latency-high"));
    assert!(glob("*").matches(""));
    assert!(glob("a?c").matches("abc"));
    assert!(!glob("a?c").matches("ac"));
    assert!(glob("*a*b*c*").matches("xxaxxbxxcxx"));
    assert!(!glob("*a*b*c*d").matches("xxaxxbxxcxx"));
    assert!(glob("**").matches("*"));
    let long = "a".repeat(100_000);
    assert!(!glob(&format!("{}b", "*a".repeat(50))).matches(&long));
}
