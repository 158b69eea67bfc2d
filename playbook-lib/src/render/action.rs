//! How an action's result shows in its cell: one table of what was run, who approved it
//! and how it ended, then what it printed.

use super::html::escape;
use super::{Cell, MimeBundle, Render, Row, Table};
use crate::model::action::{ActionResult, ActionStatus};

fn status_color(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Succeeded => "#1a7f37",
        ActionStatus::NotApproved | ActionStatus::DryRun | ActionStatus::Refused => "#9a6700",
        _ => "#cf222e",
    }
}

/// The approval as one line: `yes typed by sre@ops1 at 2026-…` or why there was none.
fn approval_line(result: &ActionResult) -> String {
    match &result.approval {
        Some(a) => format!(
            "{} by {} at {}{}",
            a.via,
            a.by,
            a.at.format("%Y-%m-%d %H:%M:%S UTC"),
            a.run
                .as_deref()
                .map(|r| format!(" (run {r})"))
                .unwrap_or_default()
        ),
        None => "none".to_owned(),
    }
}

fn table(result: &ActionResult) -> Table {
    let mut table = Table::new(["action", "value"]).class("playbook-action");
    let mut row = |label: &str, cell: Cell| {
        let line = format!("{label}: {}", cell.text());
        table.push(Row::new(vec![Cell::bold(label), cell]).line(line));
    };
    let title = match &result.undo_of {
        Some(of) => format!("{} (undoes {of})", result.name),
        None => result.name.clone(),
    };
    row("action", Cell::new(title));
    if let Some(target) = &result.target {
        row("target", Cell::new(target));
    }
    row("command", Cell::code(&result.command));
    row("approval", Cell::new(approval_line(result)));
    let color = status_color(result.status);
    row(
        "result",
        Cell::new(result.outcome()).style(format!("color:{color};font-weight:bold")),
    );
    if let (Some(started), Some(finished)) = (result.started, result.finished) {
        row(
            "ran",
            Cell::new(format!(
                "{} → {}",
                started.format("%H:%M:%S%.3f"),
                finished.format("%H:%M:%S%.3f UTC")
            )),
        );
    }
    table
}

fn output_html(label: &str, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("<p><b>{label}</b></p><pre>{}</pre>", escape(text))
}

impl Render for ActionResult {
    fn bundle(&self) -> MimeBundle {
        let table = table(self);
        let mut text = table.lines().join("\n");
        for (label, out) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            if !out.is_empty() {
                text.push_str(&format!("\n{label}:\n{}", out.trim_end()));
            }
        }
        if self.omitted_bytes > 0 {
            text.push_str(&format!(
                "\n({} bytes of output left out)",
                self.omitted_bytes
            ));
        }
        let html = format!(
            "<div class=\"playbook-action\" style=\"border-left:4px solid {};padding-left:.6em\">{}{}{}</div>",
            status_color(self.status),
            table.html(),
            output_html("stdout", &self.stdout),
            output_html("stderr", &self.stderr),
        );
        MimeBundle::text(text).with_html(html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::action::{ActionBody, ActionSpec};

    fn spec() -> ActionSpec {
        ActionSpec {
            name: "roll <back>".into(),
            body: ActionBody::Command {
                argv: vec!["echo".into(), "<b>".into()],
            },
            target: Some("ecs:checkout".into()),
            timeout_secs: None,
            retries: 0,
            secrets: Vec::new(),
            required: false,
            undo: None,
        }
    }

    #[test]
    fn an_unapproved_action_shows_why_and_escapes_its_text() {
        let result =
            ActionResult::not_run(&spec(), ActionStatus::NotApproved, "not approved: dry run");
        let bundle = result.bundle();
        let text = bundle.data["text/plain"].as_str().unwrap();
        assert!(text.contains("result: not approved: dry run"), "{text}");
        assert!(text.contains("approval: none"), "{text}");
        let html = bundle.data["text/html"].as_str().unwrap();
        assert!(html.contains("roll &lt;back&gt;"), "{html}");
        assert!(!html.contains("<b>'"), "{html}");
    }

    #[test]
    fn a_run_action_shows_its_output() {
        let mut result = ActionResult::not_run(&spec(), ActionStatus::Succeeded, "");
        result.note = None;
        result.exit_code = Some(0);
        result.stdout = "<script>x</script>\n".into();
        let bundle = result.bundle();
        let html = bundle.data["text/html"].as_str().unwrap();
        assert!(html.contains("&lt;script&gt;"), "{html}");
        let text = bundle.data["text/plain"].as_str().unwrap();
        assert!(text.contains("succeeded, exit status 0"), "{text}");
    }
}
