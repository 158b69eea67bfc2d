//! The summary of a run refused before it started (bad input, an output that cannot be
//! written), written where `--summary` says when that can be worked out without the run:
//! orchestrators read why it never started.

use crate::exit::Exit;
use crate::record::destination::{Destination, Placeholders, notebook_name};
use crate::record::summary::RunSummary;
use crate::record::writer::{Kind, Writer};
use crate::redact::{Redactor, redacted_format};

/// What is known of a run that was refused before it started: enough to write its
/// summary.
pub(crate) struct Refusal<'a> {
    pub(crate) notebook: &'a std::path::Path,
    pub(crate) target: Option<String>,
    /// `--summary`, when given.
    pub(crate) summary: Option<&'a str>,
    pub(crate) aws: &'a playbook::source::AwsTarget,
}

impl Refusal<'_> {
    /// Writes the summary (exit class `exit`, why: `error`) where `--summary` says.
    pub(crate) async fn write(&self, exit: Exit, error: &anyhow::Error) {
        let Some(template) = self.summary else {
            return;
        };
        let name = self.target.clone().unwrap_or_default();
        let summary = RunSummary {
            target: self.target.clone(),
            ..RunSummary::not_started(self.notebook, &name, exit, &format!("{error:#}"))
        };
        let redactor = Redactor::from_env();
        let value = redactor.json(&summary);
        if template == "-" {
            println!("{value}");
            return;
        }
        let with = Placeholders {
            run_id: summary.run_id.clone(),
            started: summary.started,
            notebook: notebook_name(self.notebook),
            target: self.target.clone(),
            parameters: Default::default(),
        };
        let Ok(destination) = Destination::parse(template, &with) else {
            return;
        };
        let outcome = (Writer::new(self.aws))
            .write(&destination, &value.to_pretty_text(), Kind::Summary)
            .await;
        if let Err(why) = outcome {
            let line = redacted_format!(
                "playbook: the summary could not be written to {}: {}",
                redactor.name(&destination.to_string()),
                redactor.text(&why.message)
            );
            eprintln!("{line}");
        }
    }
}
