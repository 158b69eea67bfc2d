//! A run's verdicts as metrics, so CloudWatch alarms can fire on them: per check
//! `CheckFailed` (0 or 1; dimensions `Playbook`, `Check`), per run `RunFailed` (1 unless
//! the run exited 0) and `RunDuration` (seconds; dimension `Playbook`), each with a
//! `Target` dimension when the run names one. Published with PutMetricData
//! (`--publish-metrics NAMESPACE`) or written as CloudWatch Embedded Metric Format lines
//! on stdout (`--emf`), which CloudWatch Logs turns into the same metrics. The names that
//! become dimensions (the playbook, the target, each check) are `Redacted`.

use chrono::{DateTime, Utc};
use playbook::check::Verdict;
use playbook::publish::MetricDatum;
use serde_json::{Map, Value, json};

use crate::redact::Redacted;

/// The run whose verdicts are published.
#[derive(Debug, Clone)]
pub(crate) struct Verdicts<'a> {
    pub(crate) namespace: &'a str,
    /// The notebook's name (`post-deploy`).
    pub(crate) playbook: &'a Redacted<String>,
    pub(crate) target: Option<&'a Redacted<String>>,
    /// Each check's name and verdict.
    pub(crate) checks: &'a [(Redacted<String>, Verdict)],
    pub(crate) run_failed: bool,
    pub(crate) duration_seconds: f64,
    pub(crate) at: DateTime<Utc>,
}

impl Verdicts<'_> {
    fn dimensions(&self, check: Option<&str>) -> Vec<(String, String)> {
        let mut dims = vec![("Playbook".to_owned(), self.playbook.as_str().to_owned())];
        if let Some(check) = check {
            dims.push(("Check".to_owned(), check.to_owned()));
        }
        if let Some(target) = self.target {
            dims.push(("Target".to_owned(), target.as_str().to_owned()));
        }
        dims
    }

    fn datum(&self, name: &str, value: f64, unit: &str, check: Option<&str>) -> MetricDatum {
        MetricDatum {
            namespace: self.namespace.to_owned(),
            name: name.to_owned(),
            value,
            unit: unit.to_owned(),
            dimensions: self.dimensions(check),
            timestamp: self.at,
        }
    }

    /// Every datum of the run: one per check, then the run's two.
    pub(crate) fn datums(&self) -> Vec<MetricDatum> {
        let mut datums: Vec<MetricDatum> = self
            .checks
            .iter()
            .map(|(name, verdict)| {
                let failed = f64::from(u8::from(*verdict == Verdict::Fail));
                self.datum("CheckFailed", failed, "Count", Some(name.as_str()))
            })
            .collect();
        datums.push(self.datum(
            "RunFailed",
            f64::from(u8::from(self.run_failed)),
            "Count",
            None,
        ));
        datums.push(self.datum("RunDuration", self.duration_seconds, "Seconds", None));
        datums
    }

    /// The same datums as Embedded Metric Format lines: one per check, one for the run.
    pub(crate) fn emf_lines(&self) -> Vec<String> {
        let datums = self.datums();
        let (checks, run): (Vec<&MetricDatum>, Vec<&MetricDatum>) =
            datums.iter().partition(|d| d.name == "CheckFailed");
        let mut lines: Vec<String> = checks.into_iter().map(|d| emf(&[d])).collect();
        lines.push(emf(&run));
        lines
    }
}

/// One EMF object for datums that share their dimensions.
fn emf(datums: &[&MetricDatum]) -> String {
    let Some(first) = datums.first() else {
        return String::new();
    };
    let names: Vec<&str> = first.dimensions.iter().map(|(k, _)| k.as_str()).collect();
    let metrics: Vec<Value> = datums
        .iter()
        .map(|d| json!({"Name": d.name, "Unit": d.unit}))
        .collect();
    let mut object = Map::new();
    object.insert(
        "_aws".into(),
        json!({
            "Timestamp": first.timestamp.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": first.namespace,
                "Dimensions": [names],
                "Metrics": metrics,
            }],
        }),
    );
    for (name, value) in &first.dimensions {
        object.insert(name.clone(), Value::from(value.clone()));
    }
    for d in datums {
        object.insert(d.name.clone(), Value::from(d.value));
    }
    Value::Object(object).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_and_the_run_become_metrics() {
        let redactor = crate::redact::Redactor::default();
        let checks = [
            (redactor.text("p99"), Verdict::Fail),
            (redactor.text("errors"), Verdict::Pass),
        ];
        let (playbook, target) = (redactor.text("canary"), redactor.text("eu"));
        let verdicts = Verdicts {
            namespace: "Playbooks",
            playbook: &playbook,
            target: Some(&target),
            checks: &checks,
            run_failed: true,
            duration_seconds: 12.5,
            at: "2026-11-12T14:05:00Z".parse().unwrap(),
        };
        let datums = verdicts.datums();
        let value = |name: &str, check: Option<&str>| {
            datums
                .iter()
                .find(|d| {
                    d.name == name
                        && d.dimensions
                            .iter()
                            .any(|(k, v)| k == "Check" && Some(v.as_str()) == check)
                            == check.is_some()
                })
                .map(|d| d.value)
        };
        assert_eq!(value("CheckFailed", Some("p99")), Some(1.0));
        assert_eq!(value("CheckFailed", Some("errors")), Some(0.0));
        assert_eq!(value("RunFailed", None), Some(1.0));
        assert_eq!(value("RunDuration", None), Some(12.5));
        assert!(
            datums
                .iter()
                .all(|d| d.dimensions.contains(&("Target".into(), "eu".into())))
        );
        let lines = verdicts.emf_lines();
        assert_eq!(lines.len(), 3);
        let run: Value = serde_json::from_str(&lines[2]).unwrap();
        assert_eq!(
            run["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Playbook", "Target"]])
        );
        assert_eq!(run["RunFailed"], 1.0);
        assert_eq!(run["Playbook"], "canary");
    }
}
