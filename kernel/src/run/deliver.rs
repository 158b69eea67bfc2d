//! What a finished run delivers, in order: the report (`--report`), the record to S3
//! (`-o s3://…`), verdicts as metrics (`--publish-metrics`, `--emf`), notifications
//! (`--notify`), and last the summary (`--summary`) saying how each went. A run that
//! stopped early (a failed cell, a timeout, SIGTERM) delivers too. Uploading the record or
//! report to S3 is part of the run's outcome (exit 6 when it fails); metrics and
//! notifications are reported, never change the exit code.
//!
//! Files and objects go through `crate::record::writer`; what is sent (a body, a
//! notification, a metric's dimensions, a line on stdout or stderr) is a
//! `crate::redact::Redacted`, made from the run's redactor.

use std::io::Write as _;

use playbook_engine::delivery;

use super::{Run, SummaryTo};
use crate::deliver::notify::{Message, NotifyOn, NotifyTarget};
use crate::deliver::verdicts::Verdicts;
use crate::deliver::{Refusal, write_report};
use crate::exit::Exit;
use crate::record::destination::Destination;
use crate::record::summary::{Delivered, Delivery, RunSummary};
use crate::record::writer::{Failed, Kind, Writer};
use crate::report;

impl Run {
    /// Delivers what the run was asked to, then writes the summary; how the run ended.
    pub(super) async fn deliver(&mut self) -> super::Outcome {
        let aws = self.options.aws.clone();
        let mut writer = Writer::new(&aws);
        let mut summary = self.summary();
        if let Destination::S3(uri) = &self.record_to {
            let (to, uri) = (self.record_to.clone(), uri.to_string());
            let text = self.notebook.to_shared_text(self.progress.redactor());
            let outcome = writer.write(&to, &text, Kind::Record).await;
            let mut delivered = self.outcome(Delivery::Record, uri, outcome);
            if !delivered.ok {
                // Written after every cell: nothing is lost, and it can be uploaded again.
                delivered.local_copy = Some(self.output.display().to_string());
                self.progress.line(&format!(
                    "the record is kept on this machine: {}",
                    self.output.display()
                ));
            }
            summary.outputs.push(delivered);
        } else {
            summary.outputs.push(Delivered::done(
                Delivery::Record,
                self.output.display().to_string(),
            ));
        }
        if let Some(delivered) = self.deliver_report(&mut writer).await {
            summary.outputs.push(delivered);
        }
        summary.exit_code = self.exit.code();
        summary.exit_class = self.exit;
        summary.retryable = matches!(self.exit, Exit::SourceUnavailable | Exit::OutputFailed);
        self.deliver_verdicts(&mut writer, &mut summary).await;
        self.notify(&mut writer, &mut summary).await;
        self.write_summary(&mut writer, &summary).await;
        // Last: how the run ended, with the exit code the deliveries left.
        let ending = super::ending::Ending {
            exit: self.exit,
            checks: &self.record.checks,
            steps: &self.steps,
            failures: &self.record.failures,
        };
        self.progress.line(&ending.line());
        super::Outcome {
            exit: self.exit,
            summary,
        }
    }

    /// Records how a delivery went, on stderr and in the exit code when it is an output
    /// (refused: exit 5; failed otherwise: exit 6).
    fn outcome(&mut self, what: Delivery, to: String, outcome: Result<(), Failed>) -> Delivered {
        match outcome {
            Ok(()) => {
                self.progress.line(&format!("{}: {to}", what.as_str()));
                Delivered::done(what, to)
            }
            Err(why) => {
                self.progress.line(&format!(
                    "{} could not be delivered to {to}: {}",
                    what.as_str(),
                    why.message
                ));
                let class = if why.refused {
                    Exit::SourceRefused
                } else {
                    Exit::OutputFailed
                };
                if what.is_output() && class.severity() > self.exit.severity() {
                    self.exit = class;
                }
                Delivered::failed(what, to, why.message)
            }
        }
    }

    /// `--report`: rendered from the record, masked, written or uploaded.
    async fn deliver_report(&mut self, writer: &mut Writer<'_>) -> Option<Delivered> {
        let destination = self.report_to.clone()?;
        let to = destination.to_string();
        let format = match Kind::report_at(&to) {
            Kind::Html => report::Format::Html,
            _ => report::Format::Md,
        };
        // A local Markdown report gets its charts as files beside it; in S3 it names them.
        let files_dir = match &destination {
            Destination::Local(path) => Some(report::files_dir_name(path)),
            Destination::S3(_) => None,
        };
        let rendered = report::render(&self.notebook, format, files_dir.as_deref());
        let redactor = self.progress.redactor();
        let outcome = write_report(writer, &destination, &rendered, redactor).await;
        Some(self.outcome(Delivery::Report, to, outcome))
    }

    /// `--publish-metrics` and `--emf`.
    async fn deliver_verdicts(&mut self, writer: &mut Writer<'_>, summary: &mut RunSummary) {
        let namespace = self.options.deliveries.metrics_namespace.clone();
        let emf = self.options.deliveries.emf;
        if namespace.is_none() && !emf {
            return;
        }
        // A check's name becomes a dimension: masked like everything a run sends.
        let redactor = self.progress.redactor();
        let checks: Vec<_> = (self.record.checks.iter())
            .map(|c| (redactor.text(&c.name), c.verdict))
            .collect();
        let playbook = redactor.text(&self.playbook_name());
        let target = (self.options.target_name.as_deref()).map(|t| redactor.text(t));
        let verdicts = Verdicts {
            namespace: namespace.as_deref().unwrap_or("Playbooks"),
            playbook: &playbook,
            target: target.as_ref(),
            checks: &checks,
            run_failed: self.exit != Exit::Ok,
            duration_seconds: self.record.duration.unwrap_or_default(),
            at: self.record.finished.unwrap_or(self.record.started),
        };
        let (datums, lines) = (verdicts.datums(), verdicts.emf_lines());
        if emf {
            let mut out = std::io::stdout().lock();
            for line in lines {
                let _ = writeln!(out, "{}", redactor.text(&line));
            }
            let _ = out.flush();
            summary
                .deliveries
                .push(Delivered::done(Delivery::Emf, "stdout"));
        }
        if let Some(namespace) = namespace {
            let outcome = match writer.deliverer().await {
                Ok(d) => d.put_metrics(&datums).await.map(drop).map_err(Failed::from),
                Err(why) => Err(why),
            };
            let delivered = self.outcome(Delivery::Metrics, namespace, outcome);
            summary.deliveries.push(delivered);
        }
    }

    /// `--notify`, on failure or always.
    async fn notify(&mut self, writer: &mut Writer<'_>, summary: &mut RunSummary) {
        let wanted = match self.options.deliveries.notify_on {
            NotifyOn::Always => true,
            NotifyOn::Failure => self.exit != Exit::Ok,
        };
        if !wanted || self.options.deliveries.notify.is_empty() {
            return;
        }
        let record = summary.outputs.first().map(|o| o.to.clone());
        let message = Message::of(summary, record.as_deref(), self.progress.redactor());
        for target in self.options.deliveries.notify.clone() {
            let outcome = match &target {
                NotifyTarget::Sns(arn) => match writer.deliverer().await {
                    Ok(d) => d
                        .publish(arn, &message.subject, &message.text)
                        .await
                        .map(drop)
                        .map_err(Failed::from),
                    Err(why) => Err(why),
                },
                NotifyTarget::Webhook(hook) => {
                    let body = message.webhook_body(summary, self.progress.redactor());
                    delivery::post_json(hook.url(), &body)
                        .await
                        .map(drop)
                        .map_err(Failed::from)
                }
            };
            let delivered = self.outcome(Delivery::Notification, target.shown(), outcome);
            summary.deliveries.push(delivered);
        }
    }

    /// `--summary`: a file, stdout (`-`, one line), or S3.
    async fn write_summary(&mut self, writer: &mut Writer<'_>, summary: &RunSummary) {
        let Some(to) = &self.summary_to else {
            return;
        };
        let value = self.progress.redactor().json(summary);
        let destination = match to {
            SummaryTo::Stdout => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{value}");
                let _ = out.flush();
                return;
            }
            SummaryTo::At(destination) => destination.clone(),
        };
        let outcome = (writer.write(&destination, &value.to_pretty_text(), Kind::Summary)).await;
        self.outcome(Delivery::Summary, destination.to_string(), outcome);
    }
}

/// Writes the summary of a run that never started (bad input, an output that cannot be
/// written), where `--summary` says, when that can be worked out without the run.
pub(super) async fn refused(options: &super::RunOptions, error: &anyhow::Error) {
    let exit = if super::is_output_failure(error) {
        Exit::OutputFailed
    } else {
        Exit::BadInput
    };
    let refusal = Refusal {
        notebook: &options.notebook,
        target: options.target_name.clone(),
        summary: options.deliveries.summary.as_deref(),
        aws: &options.aws,
    };
    refusal.write(exit, error).await;
}
