//! A rule evaluated over a local source end to end through a `Session`.

use playbook::model::contributors::{ContributorOrder, contributors};
use playbook::model::query::Windowed;

use crate::Session;

const RULE: &str = r#"{"Schema": {"Name": "CloudWatchLogRule", "Version": 1},
  "LogGroupNames": ["/ecs/*"], "LogFormat": "JSON",
  "Contribution": {"Keys": ["$.route"], "ValueOf": "$.latency_ms",
                   "Filters": [{"Match": "$.level", "In": ["ERROR"]}]},
  "AggregateOn": "AGGREGATE"}"#;

fn source(name: &str) -> (std::path::PathBuf, Session) {
    let dir = std::env::temp_dir().join(format!(
        "playbook-contributors-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("logs/ecs/checkout")).unwrap();
    std::fs::create_dir_all(dir.join("logs/other")).unwrap();
    std::fs::create_dir_all(dir.join("insight-rules")).unwrap();
    let events: String = [
        ("14:00:10", "ERROR", "/a", 100),
        ("14:00:20", "ERROR", "/a", 200),
        ("14:00:30", "ERROR", "/a", 300),
        ("14:01:05", "ERROR", "/b", 50),
        ("14:02:00", "ERROR", "/b", 60),
        ("14:02:30", "ERROR", "/b", 70),
        ("14:03:00", "INFO", "/a", 10),
        ("14:04:00", "ERROR", "/b", 80),
        ("15:00:00", "ERROR", "/c", 90),
    ]
    .iter()
    .map(|(t, level, route, ms)| {
        format!(
            "{{\"timestamp\":\"2026-11-12T{t}Z\",\"level\":\"{level}\",\"route\":\"{route}\",\"latency_ms\":{ms}}}\n"
        )
    })
    .collect();
    std::fs::write(dir.join("logs/ecs/checkout/web.jsonl"), events).unwrap();
    // A group the rule does not read.
    std::fs::write(
        dir.join("logs/other/x.jsonl"),
        "{\"timestamp\":\"2026-11-12T14:00:00Z\",\"level\":\"ERROR\",\"route\":\"/z\",\"latency_ms\":1}\n",
    )
    .unwrap();
    for aggregate in ["Count", "Sum"] {
        std::fs::write(
            dir.join(format!("insight-rules/errors-{aggregate}.json")),
            RULE.replace("AGGREGATE", aggregate),
        )
        .unwrap();
    }
    let session = crate::local::tests::session(&dir);
    (dir, session)
}

#[test]
fn a_local_rule_ranks_contributors_by_sum_or_by_their_highest_period() {
    let (dir, session) = source("ranks");
    let query =
        contributors("errors-Count").between("2026-11-12T14:00:00Z", "2026-11-12T15:00:00Z");
    let by_sum = session.run_contributors(&query).unwrap();
    let ranked: Vec<(String, f64)> = (by_sum.contributors.iter())
        .map(|c| (c.label(), c.value))
        .collect();
    assert_eq!(ranked, [("/b".to_owned(), 4.0), ("/a".to_owned(), 3.0)]);
    assert_eq!(
        (by_sum.total, by_sum.unique_contributors),
        (Some(7.0), Some(2))
    );
    assert_eq!((by_sum.aggregation.as_str(), by_sum.period), ("Count", 60));
    assert_eq!(by_sum.key_labels, ["route"]);
    let minutes: Vec<(u32, f64)> = (by_sum.contributors[0].points.iter())
        .map(|(t, v)| (chrono::Timelike::minute(t), *v))
        .collect();
    assert_eq!(minutes, [(1, 1.0), (2, 2.0), (4, 1.0)]);

    let by_max = session
        .run_contributors(&query.clone().order_by(ContributorOrder::Maximum).top(1))
        .unwrap();
    assert_eq!(by_max.contributors.len(), 1);
    assert_eq!(
        (by_max.contributors[0].label(), by_max.contributors[0].value),
        ("/a".to_owned(), 3.0)
    );
    assert_eq!(by_max.unique_contributors, Some(2));

    let sums = session
        .run_contributors(
            &contributors("errors-Sum").between("2026-11-12T14:00:00Z", "2026-11-12T15:00:00Z"),
        )
        .unwrap();
    let ranked: Vec<(String, f64)> = (sums.contributors.iter())
        .map(|c| (c.label(), c.value))
        .collect();
    assert_eq!(ranked, [("/a".to_owned(), 600.0), ("/b".to_owned(), 260.0)]);

    // Each run is in the query log, with the rule and the window.
    let records = session.queries();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].kind.to_string(), "contributors");
    assert!(
        records[0].query.contains("errors-Count"),
        "{}",
        records[0].query
    );
    assert_eq!(records[0].results, 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unknown_and_unreadable_rules_say_what_exists() {
    let (dir, session) = source("unknown");
    let err = session
        .run_contributors(&contributors("nope").since("1h"))
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("rules there: errors-Count, errors-Sum"),
        "{text}"
    );
    let err = session
        .run_contributors(&contributors("../x").since("1h"))
        .unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
    std::fs::write(dir.join("insight-rules/broken.json"), "{\"Schema\": 1").unwrap();
    let err = session
        .run_contributors(&contributors("broken").since("1h"))
        .unwrap_err();
    assert!(err.to_string().starts_with("rule broken:"), "{err}");
    let err = session
        .run_contributors(&contributors("x").top(500))
        .unwrap_err();
    assert!(err.to_string().contains("1 to 100"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
