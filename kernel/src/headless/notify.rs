//! Telling people how a run ended: `--notify sns:TOPIC_ARN` (SNS Publish: a subject with
//! the status and the playbook, a message with the failed checks, the failed cell and
//! where the record is) and `--notify https://…` (a JSON POST that Slack and Teams
//! incoming webhooks accept: `text`, plus the whole `summary`), on failure or always
//! (`--notify-on`). A notification that cannot be delivered is reported, never changes
//! the run's exit code, and everything sent is masked like the record.

use playbook::check::Verdict;
use serde_json::json;

use super::summary::RunSummary;
use crate::redact::Redactor;

/// Where a notification goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotifyTarget {
    Sns(String),
    Webhook(String),
}

impl NotifyTarget {
    /// Parses `sns:TOPIC_ARN` or an `http(s)://` URL.
    pub(crate) fn parse(text: &str) -> Result<NotifyTarget, String> {
        if let Some(arn) = text.strip_prefix("sns:") {
            if !arn.starts_with("arn:") {
                return Err(format!(
                    "--notify {text}: write sns:arn:aws:sns:REGION:ACCOUNT:TOPIC"
                ));
            }
            return Ok(NotifyTarget::Sns(arn.to_owned()));
        }
        if text.starts_with("https://") || text.starts_with("http://") {
            return Ok(NotifyTarget::Webhook(text.to_owned()));
        }
        Err(format!(
            "--notify {text}: give sns:TOPIC_ARN or an https:// webhook URL"
        ))
    }

    /// Where it goes, for the summary and the log (a webhook by its host only: its path
    /// is often the secret).
    pub(crate) fn shown(&self) -> String {
        match self {
            NotifyTarget::Sns(arn) => format!("sns:{arn}"),
            NotifyTarget::Webhook(url) => {
                let host = url
                    .split("://")
                    .nth(1)
                    .and_then(|rest| rest.split(['/', '?']).next())
                    .unwrap_or("?");
                format!("webhook {host}")
            }
        }
    }
}

/// When to notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum NotifyOn {
    /// Unless the run exited 0.
    Failure,
    Always,
}

/// A notification's subject and text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Message {
    pub(crate) subject: String,
    pub(crate) text: String,
}

impl Message {
    /// The notification of `summary`, masked by `redactor`.
    pub(crate) fn of(summary: &RunSummary, record: Option<&str>, redactor: &Redactor) -> Message {
        let name = summary.target.as_deref().unwrap_or(&summary.notebook);
        let subject = format!(
            "[playbook] {name}: {}",
            summary.status.as_str().to_uppercase()
        );
        let mut text = summary.headline();
        for c in summary.checks.iter().filter(|c| c.verdict == Verdict::Fail) {
            text.push_str(&format!("\n- check failed: {}", c.name));
            if let (Some(observed), Some(expected)) = (&c.observed, &c.expected) {
                text.push_str(&format!(" (observed {observed}, expected {expected})"));
            }
        }
        if let Some(cell) = &summary.failed_cell {
            text.push_str(&format!(
                "\n- cell {} failed: {}: {}",
                cell.cell, cell.ename, cell.evalue
            ));
        }
        if let Some(record) = record {
            text.push_str(&format!("\n- record: {record}"));
        }
        text.push_str(&format!("\n- run id: {}", summary.run_id));
        Message {
            subject: redactor.redact_text(&subject).0,
            text: redactor.redact_text(&text).0,
        }
    }

    /// The webhook body: `text` for Slack and Teams, and the summary for machines.
    pub(crate) fn webhook_body(&self, summary: &RunSummary, redactor: &Redactor) -> Vec<u8> {
        let mut body = json!({
            "text": format!("{}\n{}", self.subject, self.text),
            "summary": summary,
        });
        redactor.redact_value(&mut body);
        body.to_string().into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_hide_a_webhook_path() {
        assert_eq!(
            NotifyTarget::parse("sns:arn:aws:sns:us-east-1:123456789012:oncall").unwrap(),
            NotifyTarget::Sns("arn:aws:sns:us-east-1:123456789012:oncall".into())
        );
        let hook = NotifyTarget::parse("https://hooks.slack.com/services/T0/B0/secret").unwrap();
        assert_eq!(hook.shown(), "webhook hooks.slack.com");
        assert!(NotifyTarget::parse("sns:oncall").is_err());
        assert!(NotifyTarget::parse("mailto:sre@example.com").is_err());
    }
}
