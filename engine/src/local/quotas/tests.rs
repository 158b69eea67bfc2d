//! `quotas.json` read as Service Quotas answers, and `SERVICE_QUOTA(id)` answered over the
//! local metrics as CloudWatch answers it.

use std::path::PathBuf;

use playbook::model::query::{metric, metric_expression};
use playbook::model::quotas::service_quotas;
use playbook::model::record::QueryKind;
use playbook::model::window::Windowed;

use super::*;
use crate::local::tests::session;

const QUOTAS: &str = r#"{"account": "123456789012", "region": "eu-west-1", "quotas": [
  {"service_code": "lambda", "quota_code": "L-B99A9384", "quota_name": "Concurrent executions",
   "default_value": 1000, "applied_value": 3000, "adjustable": true,
   "usage_metric": {"namespace": "AWS/Usage", "metric": "ConcurrentExecutions",
     "dimensions": {"Service": "Lambda", "Type": "Resource", "Resource": "ConcurrentExecutions", "Class": "None"},
     "statistic": "Maximum"}},
  {"service_code": "lambda", "quota_code": "L-2ACBD22F", "quota_name": "Function and layer storage",
   "default_value": 75, "unit": "Gigabytes"},
  {"service_code": "ec2", "quota_code": "L-0263D0A3", "quota_name": "EC2-VPC Elastic IPs", "default_value": 5}
]}"#;

const USAGE: &str = "timestamp,namespace,metric,value,Service,Type,Resource,Class\n\
    2026-11-12T14:00:00Z,AWS/Usage,ConcurrentExecutions,120,Lambda,Resource,ConcurrentExecutions,None\n\
    2026-11-12T14:01:00Z,AWS/Usage,ConcurrentExecutions,180,Lambda,Resource,ConcurrentExecutions,None\n";

fn dir(name: &str, quotas: Option<&str>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("playbook-quotas-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("metrics")).unwrap();
    std::fs::write(dir.join("metrics/usage.csv"), USAGE).unwrap();
    if let Some(text) = quotas {
        std::fs::write(dir.join(FILE), text).unwrap();
    }
    dir
}

fn usage() -> playbook::model::query::MetricQuery {
    [
        ("Service", "Lambda"),
        ("Type", "Resource"),
        ("Resource", "ConcurrentExecutions"),
        ("Class", "None"),
    ]
    .into_iter()
    .fold(metric("AWS/Usage", "ConcurrentExecutions"), |q, (k, v)| {
        q.dim(k, v)
    })
    .stat("Maximum")
    .period(60)
    .between("2026-11-12T14:00:00Z", "2026-11-12T14:05:00Z")
}

#[test]
fn quotas_json_answers_applied_values_else_defaults_with_usage_metrics() {
    let session = session(&dir("read", Some(QUOTAS)));
    let found = session
        .run_service_quotas(&service_quotas(&["lambda"]))
        .unwrap();
    assert_eq!(
        (found.account.as_deref(), found.region.as_deref()),
        (Some("123456789012"), Some("eu-west-1"))
    );
    let codes: Vec<&str> = found.quotas.iter().map(|q| q.quota_code.as_str()).collect();
    assert_eq!(
        codes,
        ["L-2ACBD22F", "L-B99A9384"],
        "sorted, ec2's left out"
    );
    let concurrency = &found.quotas[1];
    assert_eq!((concurrency.value, concurrency.applied), (3000.0, true));
    assert_eq!(found.quotas[0].value, 75.0);
    let with_usage = session
        .run_service_quotas(&service_quotas(&["lambda", "ec2"]).with_usage_metrics())
        .unwrap();
    assert_eq!(with_usage.quotas.len(), 1);
    let asked = session
        .run_service_quotas(&service_quotas(&["ec2"]).codes(&["L-0263D0A3", "L-NOPE"]))
        .unwrap();
    assert_eq!(asked.quotas.len(), 1);
    assert!(
        asked.notes.iter().any(|n| n.contains("no quota L-NOPE")),
        "{:?}",
        asked.notes
    );
    let record = session.queries().pop().unwrap();
    assert_eq!((record.kind, record.results), (QueryKind::ServiceQuotas, 1));
}

#[test]
fn service_quota_of_a_usage_metric_is_its_quota_at_each_point() {
    let session = session(&dir("math", Some(QUOTAS)));
    let set = session
        .run_metrics(&[
            usage().id("m1"),
            metric_expression("SERVICE_QUOTA(m1)")
                .label("quota")
                .between("2026-11-12T14:00:00Z", "2026-11-12T14:05:00Z"),
        ])
        .unwrap();
    assert_eq!(set[0].values, [Some(120.0), Some(180.0)]);
    assert_eq!(set[1].label, "quota");
    assert_eq!(set[1].timestamps, set[0].timestamps);
    assert_eq!(set[1].values, [Some(3000.0), Some(3000.0)]);
    let hidden = session
        .run_metrics(&[
            metric_expression(" SERVICE_QUOTA(u) "),
            usage().id("u").hidden(),
        ])
        .unwrap();
    assert_eq!(
        hidden.len(),
        1,
        "the hidden usage metric is read, not returned"
    );
}

#[test]
fn service_quota_without_its_metric_or_quota_says_why() {
    let session = session(&dir("why", Some(QUOTAS)));
    let err = session
        .run_metrics(&[usage().id("m1"), metric_expression("SERVICE_QUOTA(m2)")])
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no metric of this fetch has the id `m2`"),
        "{err}"
    );
    let err = session
        .run_metrics(&[usage().id("m1"), metric_expression("m1 * 2")])
        .unwrap_err();
    assert!(err.to_string().contains("SERVICE_QUOTA(id)"), "{err}");
    let other = metric("AWS/Usage", "CallCount")
        .stat("Sum")
        .period(60)
        .id("c")
        .between("2026-11-12T14:00:00Z", "2026-11-12T14:05:00Z");
    let set = session
        .run_metrics(&[other, metric_expression("SERVICE_QUOTA(c)")])
        .unwrap();
    assert!(set[1].is_empty());
    let notes = &session.queries().pop().unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("is not the usage metric of a quota")),
        "{notes:?}"
    );
}

#[test]
fn a_missing_or_bad_quotas_file_is_said_not_guessed() {
    let none = session(&dir("none", None));
    let found = none.run_service_quotas(&service_quotas(&["ec2"])).unwrap();
    assert!(found.quotas.is_empty() && found.notes[0].contains("has no quotas"));
    let bad = QUOTAS.replace("\"default_value\": 5}", "\"default_value\": -5}");
    let negative = session(&dir("negative", Some(&bad)));
    let err = negative
        .run_service_quotas(&service_quotas(&["ec2"]))
        .unwrap_err();
    assert!(err.to_string().contains("not negative"), "{err}");
    let unknown = session(&dir("unknown", Some(r#"{"quotas": [], "limits": 3}"#)));
    assert!(
        unknown
            .run_service_quotas(&service_quotas(&["ec2"]))
            .is_err()
    );
}

#[test]
fn only_service_quota_of_an_id_is_read_as_one() {
    assert_eq!(service_quota_of("SERVICE_QUOTA(m1)"), Some("m1"));
    assert_eq!(
        service_quota_of("  SERVICE_QUOTA( usage_1 ) "),
        Some("usage_1")
    );
    for text in [
        "SERVICE_QUOTA(M1)",
        "SERVICE_QUOTA(m1) * 2",
        "SERVICE_QUOTA()",
        "service_quota(m1)",
        "SERVICE_QUOTA(m-1)",
    ] {
        assert_eq!(service_quota_of(text), None, "{text}");
    }
}
