//! Telling people how a run ended: `--notify sns:TOPIC_ARN` (SNS Publish: a subject with
//! the status and the playbook, a message with the failed checks, the failed cell and
//! where the record is) and `--notify https://…` (a JSON POST that Slack and Teams
//! incoming webhooks accept: `text`, plus the whole `summary`), on failure or always
//! (`--notify-on`). A notification that cannot be delivered is reported, never changes
//! the run's exit code, and everything sent is masked like the record.

use playbook::check::Verdict;

use crate::record::summary::RunSummary;
use crate::redact::{Redacted, Redactor, redacted_format};

/// Where a notification goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotifyTarget {
    Sns(String),
    Webhook(Webhook),
}

/// A webhook: its URL (a secret: the path of a Slack or Teams hook is its credential, and
/// a URL may carry a user and password) and the part of it that may be shown.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Webhook {
    url: String,
    /// `scheme://host[:port]`: what every message, summary and log says.
    shown: String,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Webhook({})", self.shown)
    }
}

impl Webhook {
    /// Parses an `http(s)://` URL, refusing one that could not be posted to (a bad port, no
    /// host) before anything runs. Errors name the scheme and host only.
    fn parse(text: &str) -> Result<Webhook, String> {
        let url = playbook_engine::http::Url::parse(text).map_err(|_| {
            format!(
                "--notify {}: not a webhook URL (write https://HOST[:PORT]/PATH, a port \
                 from 1 to 65535)",
                shown_url(text)
            )
        })?;
        if url.port == 0 {
            return Err(format!(
                "--notify {}: port 0 cannot be posted to",
                shown_url(text)
            ));
        }
        Ok(Webhook {
            url: text.to_owned(),
            shown: url.origin(),
        })
    }

    /// The URL to post to.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The secret parts of the URL, for the redactor: the whole URL, its path and query,
    /// and a user's password.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![self.url.clone()];
        let rest = self.url.split_once("://").map_or("", |(_, rest)| rest);
        if let Some(at) = rest.find(['/', '?']) {
            secrets.push(rest[at..].to_owned());
        }
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        if let Some((user_info, _)) = authority.rsplit_once('@') {
            secrets.push(user_info.to_owned());
            secrets.extend(user_info.split_once(':').map(|(_, pw)| pw.to_owned()));
        }
        secrets
    }
}

/// `scheme://host` of a URL that may not parse: never its user, password, path or query.
fn shown_url(text: &str) -> String {
    match playbook_engine::http::scheme_and_host(text) {
        shown if shown.is_empty() => "(not a URL)".into(),
        shown => shown,
    }
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
            return Webhook::parse(text).map(NotifyTarget::Webhook);
        }
        Err(format!(
            "--notify {}: give sns:TOPIC_ARN or an https:// webhook URL",
            shown_url(text)
        ))
    }

    /// Where it goes, for the summary and the log: a webhook by its scheme and host only
    /// (its path is often the secret).
    pub(crate) fn shown(&self) -> String {
        match self {
            NotifyTarget::Sns(arn) => format!("sns:{arn}"),
            NotifyTarget::Webhook(hook) => format!("webhook {}", hook.shown),
        }
    }

    /// What the redactor must know of this target (a webhook's URL and its parts).
    pub(crate) fn secrets(&self) -> Vec<String> {
        match self {
            NotifyTarget::Sns(_) => Vec::new(),
            NotifyTarget::Webhook(hook) => hook.secrets(),
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
    pub(crate) subject: Redacted<String>,
    pub(crate) text: Redacted<String>,
}

impl Message {
    /// The notification of `summary`. Values (check names and readings, the failed cell's
    /// error) are masked by `redactor`; names (the notebook, the target, where the record
    /// is) are not secrets and lose only known secret values, so `token-rotation.ipynb`
    /// reads as itself.
    pub(crate) fn of(summary: &RunSummary, record: Option<&str>, redactor: &Redactor) -> Message {
        let value = |text: &str| redactor.text(text);
        let name = redactor.name(summary.target.as_deref().unwrap_or(&summary.notebook));
        let status = redactor.name(&summary.status.as_str().to_uppercase());
        let subject = redacted_format!("[playbook] {}: {}", name, status);
        let mut text = summary.headline(&name, redactor);
        let failed = (summary.checks.iter()).filter(|c| c.verdict == Verdict::Fail);
        for c in failed {
            text.push(&redacted_format!("\n- check failed: {}", value(&c.name)));
            if let (Some(observed), Some(expected)) = (&c.observed, &c.expected) {
                text.push(&redacted_format!(
                    " (observed {}, expected {})",
                    value(observed),
                    value(expected)
                ));
            }
        }
        if let Some(cell) = &summary.failed_cell {
            text.push(&redacted_format!(
                "\n- cell {} failed: {}: {}",
                cell.cell,
                value(&cell.ename),
                value(&cell.evalue)
            ));
        }
        if let Some(record) = record {
            text.push(&redacted_format!("\n- record: {}", redactor.name(record)));
        }
        let run_id = redactor.name(&summary.run_id);
        text.push(&redacted_format!("\n- run id: {}", run_id));
        Message { subject, text }
    }

    /// The webhook body: `text` for Slack and Teams (already masked), and the summary
    /// for machines, masked.
    pub(crate) fn webhook_body(
        &self,
        summary: &RunSummary,
        redactor: &Redactor,
    ) -> Redacted<Vec<u8>> {
        let text = redacted_format!("{}\n{}", self.subject, self.text);
        let body = Redacted::object([
            ("text", text.into_json()),
            ("summary", redactor.json(summary)),
        ]);
        body.to_text().into_bytes()
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
        assert_eq!(hook.shown(), "webhook https://hooks.slack.com");
        assert!(NotifyTarget::parse("sns:oncall").is_err());
        assert!(NotifyTarget::parse("mailto:sre@example.com").is_err());
    }

    #[test]
    fn a_notebook_named_like_a_secret_is_named_in_a_notification() {
        let mut redactor = Redactor::default();
        redactor.learn(["Tr0ub4dorZq".to_owned()]);
        let summary = RunSummary {
            failed_cell: Some(crate::record::summary::FailedCell {
                cell: 4,
                ename: "CellError".into(),
                evalue: "login failed with password=Tr0ub4dorZq".into(),
            }),
            ..RunSummary::not_started(
                std::path::Path::new("token-rotation.ipynb"),
                "token-rotation",
                crate::exit::Exit::CellFailed,
                "",
            )
        };
        let message = Message::of(&summary, Some("/records/token-rotation.ipynb"), &redactor);
        assert_eq!(
            message.subject.as_str(),
            "[playbook] token-rotation: FAILED"
        );
        assert!(
            message.text.starts_with("token-rotation: failed (exit 1)"),
            "{}",
            message.text
        );
        assert!(
            message
                .text
                .contains("- record: /records/token-rotation.ipynb")
        );
        assert!(
            message
                .text
                .contains("- cell 4 failed: CellError: login failed with password=")
        );
        assert!(!message.text.contains("Tr0ub4dorZq"), "{}", message.text);
    }

    #[test]
    fn a_webhooks_user_info_is_never_shown() {
        let hook = NotifyTarget::parse("https://user:pw0rd-xyz@hooks.example.com:8443/h/T1/B2?k=v")
            .unwrap();
        assert_eq!(hook.shown(), "webhook https://hooks.example.com:8443");
        let secrets = hook.secrets();
        assert!(secrets.contains(&"/h/T1/B2?k=v".to_owned()), "{secrets:?}");
        assert!(secrets.contains(&"pw0rd-xyz".to_owned()), "{secrets:?}");
        assert!(
            !format!("{hook:?}").contains("pw0rd"),
            "Debug hides the URL too"
        );
    }

    #[test]
    fn a_webhook_with_a_bad_port_is_refused_before_the_run_without_its_path() {
        for bad in [
            "https://hooks.example.com:99999/services/T0/B0/XXXX",
            "https://hooks.example.com:0/services/T0/B0/XXXX",
            "https://:443/services/T0/B0/XXXX",
            "https://u:p4ss@hooks.example.com:http/services/T0/B0/XXXX",
        ] {
            let why = NotifyTarget::parse(bad).unwrap_err();
            assert!(!why.contains("XXXX") && !why.contains("p4ss"), "{why}");
            assert!(why.starts_with("--notify http"), "{why}");
        }
    }
}
