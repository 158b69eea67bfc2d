//! The report's actions: each action the runbook decided, as its own highlighted section
//! — what it changes, the command, who approved it (or why nobody did), how it ended,
//! what it printed, and the checks stated after it (its verification).

use playbook::check::CheckResult;
use playbook::model::action::{ActionResult, ActionStatus};

use super::document::{Block, Cell, Inline, Row, Table};
use super::story::Story;
use crate::record::run_record::RunRecord;

/// The stylesheet the actions add (only to a report that has actions).
pub(super) const CSS: &str = "section.action{border-left:5px solid var(--warn);background:var(--card);\
padding:.2em 1em .6em;margin:1em 0;border-radius:0 8px 8px 0}\
section.action.succeeded{border-left-color:var(--ok)}\
section.action.failed,section.action.timed-out,section.action.interrupted{border-left-color:var(--fail)}\n";

/// The actions' sections, after a heading; nothing when the run decided none.
pub(super) fn blocks(story: &Story) -> Vec<Block> {
    let Some(Ok(run)) = &story.run else {
        return Vec::new();
    };
    if run.actions.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![Block::heading(2, "Actions")];
    for (n, action) in run.actions.iter().enumerate() {
        blocks.push(section(story, run, n, action));
    }
    vec![Block::section("actions", blocks)]
}

fn heading(action: &ActionResult) -> String {
    let kind = if action.undo_of.is_some() {
        "Undo"
    } else {
        "Action"
    };
    format!("{kind}: {} — {}", action.name, action.status.as_str())
}

fn section(story: &Story, run: &RunRecord, n: usize, action: &ActionResult) -> Block {
    let mut blocks = vec![
        Block::heading(3, heading(action)),
        Block::Table(Table {
            head: vec![String::new(), String::new()],
            rows: facts(story, run, n, action),
        }),
    ];
    for (label, text) in [("stdout", &action.stdout), ("stderr", &action.stderr)] {
        if !text.is_empty() {
            blocks.push(Block::para(vec![Inline::Strong(vec![Inline::text(label)])]));
            blocks.push(Block::Pre(text.clone()));
        }
    }
    Block::Section {
        attrs: vec![
            ("class", format!("action {}", status_class(action.status))),
            ("id", format!("action-{}", n + 1)),
        ],
        blocks,
    }
}

/// The action's facts: what it undoes and changes, its command, approval, result, when it
/// ran, its step and its verification.
fn facts(story: &Story, run: &RunRecord, n: usize, action: &ActionResult) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut fact = |label: &str, value: Vec<Inline>| {
        rows.push(Row {
            cells: vec![Cell::text(label), Cell::of(value)],
            ..Row::default()
        });
    };
    if let Some(of) = &action.undo_of {
        fact("undoes", vec![Inline::text(of)]);
    }
    if let Some(target) = &action.target {
        fact("target", vec![Inline::text(target)]);
    }
    fact("command", vec![Inline::Code(action.command.clone())]);
    fact("approval", vec![Inline::Text(approval(action))]);
    fact(
        "result",
        vec![Inline::Span {
            class: Some(status_class(action.status).to_owned()),
            inlines: vec![Inline::Text(action.outcome())],
        }],
    );
    if let (Some(started), Some(finished)) = (action.started, action.finished) {
        fact(
            "ran",
            vec![
                Inline::Instant(instant(started)),
                Inline::text(" → "),
                Inline::Instant(instant(finished)),
            ],
        );
    }
    if let Some(step) = story.steps().find(|s| {
        s.record
            .as_ref()
            .is_some_and(|r| r.actions.contains(&action.name))
    }) {
        fact(
            "step",
            vec![Inline::Link {
                href: format!("#{}", step.anchor()),
                text: vec![Inline::Text(format!("step {}: {}", step.number, step.name))],
            }],
        );
    }
    let verification = verification(run, n);
    if !verification.is_empty() {
        let mut value = Vec::new();
        for (i, check) in verification.iter().enumerate() {
            if i > 0 {
                value.push(Inline::Break);
            }
            value.push(Inline::Verdict(check.verdict));
            value.push(Inline::Text(format!(" {}", check.name)));
            if let Some(observed) = &check.observed {
                value.push(Inline::Text(format!(": {observed}")));
            }
        }
        fact("verification", value);
    }
    rows
}

/// An instant as the record writes them: RFC 3339 in UTC, to the millisecond.
fn instant(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn status_class(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Succeeded => "succeeded",
        ActionStatus::Failed => "failed",
        ActionStatus::TimedOut => "timed-out",
        ActionStatus::Interrupted => "interrupted",
        ActionStatus::NotApproved => "not-approved",
        ActionStatus::DryRun => "dry-run",
        ActionStatus::Refused => "refused",
    }
}

fn approval(action: &ActionResult) -> String {
    match &action.approval {
        Some(a) => {
            let run = a
                .run
                .as_deref()
                .map(|r| format!(", run {r}"))
                .unwrap_or_default();
            format!("{} by {} at {}{run}", a.via, a.by, instant(a.at))
        }
        None => "none".to_owned(),
    }
}

/// The checks stated after action `n` and before the next action: what verified it.
fn verification(run: &RunRecord, n: usize) -> &[CheckResult] {
    let from = run.actions[n].checks_before.min(run.checks.len());
    let to = (run.actions.get(n + 1))
        .map_or(run.checks.len(), |next| next.checks_before)
        .clamp(from, run.checks.len());
    &run.checks[from..to]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(actions: &[(&str, usize)], checks: &[&str]) -> RunRecord {
        let actions: Vec<_> = (actions.iter())
            .map(|(name, before)| {
                serde_json::json!({"name": name, "command": "true", "status": "succeeded",
                    "checks_before": before})
            })
            .collect();
        let checks: Vec<_> = (checks.iter())
            .map(|name| serde_json::json!({"name": name, "verdict": "pass", "observed": null, "expected": null}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "run_id": "r", "started": "2026-11-26T10:00:00.000Z", "tool_version": "0",
            "notebook": "rb.ipynb", "status": "ok", "actions": actions, "checks": checks,
        }))
        .unwrap()
    }

    #[test]
    fn an_action_is_verified_by_the_checks_stated_after_it_and_before_the_next() {
        let run = run(
            &[("roll back", 1), ("scale out", 3)],
            &["before", "p99", "5xx", "cpu"],
        );
        let names = |n| -> Vec<&str> {
            verification(&run, n)
                .iter()
                .map(|c| c.name.as_str())
                .collect()
        };
        assert_eq!(names(0), ["p99", "5xx"]);
        assert_eq!(names(1), ["cpu"]);
    }

    #[test]
    fn a_record_edited_by_hand_cannot_make_the_slice_panic() {
        let run = run(&[("a", 9), ("b", 2)], &["only"]);
        assert!(verification(&run, 0).is_empty());
        assert!(verification(&run, 1).is_empty());
    }
}
