//! What a finished run delivers, in order: the report (`--report`), the record to S3
//! (`-o s3://…`), verdicts as metrics (`--publish-metrics`, `--emf`), notifications
//! (`--notify`), and last the summary (`--summary`) saying how each went. A run that
//! stopped early (a failed cell, a timeout, SIGTERM) delivers too. Uploading the record or
//! report to S3 is part of the run's outcome (exit 6 when it fails); metrics and
//! notifications are reported, never change the exit code.

use std::io::Write as _;

use playbook::protocol::ErrorKind;
use playbook_engine::delivery::{self, Deliverer};
use playbook_engine::error::EngineError;

use super::{Run, SummaryTo};
use crate::exit::Exit;
use crate::headless::destination::Destination;
use crate::headless::notify::{Message, NotifyOn, NotifyTarget};
use crate::headless::report;
use crate::headless::summary::{Delivered, Delivery, RunSummary};
use crate::headless::verdicts::Verdicts;

/// The content type of each kind of output.
const RECORD_TYPE: &str = "application/x-ipynb+json";
const HTML_TYPE: &str = "text/html; charset=utf-8";
const MARKDOWN_TYPE: &str = "text/markdown; charset=utf-8";
const JSON_TYPE: &str = "application/json";

/// Why a delivery failed, and whether a change is needed: a credentials, signature or
/// access error is refused (exit 5, not retryable); anything else failed (exit 6).
#[derive(Debug, Clone)]
struct Failed {
    message: String,
    refused: bool,
}

impl From<EngineError> for Failed {
    fn from(error: EngineError) -> Failed {
        let refused = matches!(
            error.kind(),
            ErrorKind::AccessDenied | ErrorKind::Credentials
        );
        Failed {
            message: error.to_string(),
            refused,
        }
    }
}

impl From<String> for Failed {
    fn from(message: String) -> Failed {
        Failed {
            message,
            refused: false,
        }
    }
}

/// The AWS side of a run's deliveries, opened at most once.
type AwsSlot = Option<Result<Deliverer, Failed>>;

/// What unattended runs ask for beyond the record on disk.
#[derive(Debug, Clone)]
pub(crate) struct Deliveries {
    /// `--report PATH|s3://…` (placeholders allowed).
    pub(crate) report: Option<String>,
    /// `--summary FILE|-|s3://…`.
    pub(crate) summary: Option<String>,
    /// `--publish-metrics NAMESPACE`.
    pub(crate) metrics_namespace: Option<String>,
    /// `--emf`.
    pub(crate) emf: bool,
    pub(crate) notify: Vec<NotifyTarget>,
    pub(crate) notify_on: NotifyOn,
}

impl Run {
    /// Delivers what the run was asked to, then writes the summary; how the run ended.
    pub(super) async fn deliver(&mut self) -> super::Outcome {
        let mut aws: AwsSlot = None;
        let mut summary = self.summary();
        if let Destination::S3(uri) = &self.record_to {
            let text = self.shared_record();
            let outcome = match self.deliverer(&mut aws).await {
                Ok(d) => d
                    .put_object(uri, text, RECORD_TYPE)
                    .await
                    .map_err(Failed::from),
                Err(why) => Err(why),
            };
            let mut delivered = self.outcome(Delivery::Record, uri.to_string(), outcome);
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
        if let Some(delivered) = self.deliver_report(&mut aws).await {
            summary.outputs.push(delivered);
        }
        summary.exit_code = self.exit.code();
        summary.exit_class = self.exit;
        summary.retryable = matches!(self.exit, Exit::SourceUnavailable | Exit::OutputFailed);
        self.deliver_verdicts(&mut aws, &mut summary).await;
        self.notify(&mut aws, &mut summary).await;
        self.write_summary(&mut aws, &summary).await;
        super::Outcome {
            exit: self.exit,
            summary,
        }
    }

    /// The AWS side of the deliveries, opened once (in the run's account and region).
    async fn deliverer<'a>(&self, slot: &'a mut AwsSlot) -> Result<&'a Deliverer, Failed> {
        if slot.is_none() {
            *slot = Some(
                Deliverer::new(&self.options.aws)
                    .await
                    .map_err(Failed::from),
            );
        }
        match slot {
            Some(Ok(d)) => Ok(d),
            Some(Err(why)) => Err(why.clone()),
            None => Err(Failed::from("no AWS configuration".to_owned())),
        }
    }

    /// The record as shared (masked), as bytes.
    fn shared_record(&self) -> Vec<u8> {
        self.notebook
            .to_shared_text(self.progress.redactor())
            .unwrap_or_default()
            .into_bytes()
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
    async fn deliver_report(&mut self, aws: &mut AwsSlot) -> Option<Delivered> {
        let destination = self.report_to.clone()?;
        let to = destination.to_string();
        let html = to.ends_with(".html") || to.ends_with(".htm");
        let format = if html {
            report::Format::Html
        } else {
            report::Format::Md
        };
        // A local Markdown report gets its charts as files beside it; in S3 it names them.
        let files_dir = match &destination {
            Destination::Local(path) => Some(report::files_dir_name(path)),
            Destination::S3(_) => None,
        };
        let rendered = report::render(&self.notebook, format, files_dir.as_deref());
        let redactor = self.progress.redactor();
        let text = redactor.redact_text(&rendered.text).0;
        let outcome = match &destination {
            Destination::Local(path) => write_local(path, text.as_bytes())
                .and_then(|()| {
                    let dir = path.with_file_name(report::files_dir_name(path));
                    (rendered.files.iter()).try_for_each(|(name, svg)| {
                        write_local(&dir.join(name), redactor.redact_text(svg).0.as_bytes())
                    })
                })
                .map_err(Failed::from),
            Destination::S3(uri) => {
                let kind = if html { HTML_TYPE } else { MARKDOWN_TYPE };
                match self.deliverer(aws).await {
                    Ok(d) => d
                        .put_object(uri, text.into_bytes(), kind)
                        .await
                        .map_err(Failed::from),
                    Err(why) => Err(why),
                }
            }
        };
        Some(self.outcome(Delivery::Report, to, outcome))
    }

    /// `--publish-metrics` and `--emf`.
    async fn deliver_verdicts(&mut self, aws: &mut AwsSlot, summary: &mut RunSummary) {
        let namespace = self.options.deliveries.metrics_namespace.clone();
        let emf = self.options.deliveries.emf;
        if namespace.is_none() && !emf {
            return;
        }
        // A check's name becomes a dimension: masked like everything a run sends.
        let redactor = self.progress.redactor();
        let checks: Vec<_> = self
            .record
            .checks
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.name = redactor.redact_text(&c.name).0;
                c
            })
            .collect();
        let playbook = redactor.redact_text(&self.playbook_name()).0;
        let target = (self.options.target_name.as_deref()).map(|t| redactor.redact_text(t).0);
        let verdicts = Verdicts {
            namespace: namespace.as_deref().unwrap_or("Playbooks"),
            playbook: &playbook,
            target: target.as_deref(),
            checks: &checks,
            run_failed: self.exit != Exit::Ok,
            duration_seconds: self.record.duration.unwrap_or_default(),
            at: self.record.finished.unwrap_or(self.record.started),
        };
        let (datums, lines) = (verdicts.datums(), verdicts.emf_lines());
        if emf {
            let mut out = std::io::stdout().lock();
            for line in lines {
                let _ = writeln!(out, "{}", redactor.redact_text(&line).0);
            }
            let _ = out.flush();
            summary
                .deliveries
                .push(Delivered::done(Delivery::Emf, "stdout"));
        }
        if let Some(namespace) = namespace {
            let outcome = match self.deliverer(aws).await {
                Ok(d) => d.put_metrics(&datums).await.map(drop).map_err(Failed::from),
                Err(why) => Err(why),
            };
            let delivered = self.outcome(Delivery::Metrics, namespace, outcome);
            summary.deliveries.push(delivered);
        }
    }

    /// `--notify`, on failure or always.
    async fn notify(&mut self, aws: &mut AwsSlot, summary: &mut RunSummary) {
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
                NotifyTarget::Sns(arn) => match self.deliverer(aws).await {
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
    async fn write_summary(&mut self, aws: &mut AwsSlot, summary: &RunSummary) {
        let Some(to) = &self.summary_to else {
            return;
        };
        let mut value = serde_json::to_value(summary).unwrap_or_default();
        self.progress.redactor().redact_value(&mut value);
        let destination = match to {
            SummaryTo::Stdout => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{value}");
                let _ = out.flush();
                return;
            }
            SummaryTo::At(destination) => destination.clone(),
        };
        let text = serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
        let outcome = match &destination {
            Destination::Local(path) => write_local(path, text.as_bytes()).map_err(Failed::from),
            Destination::S3(uri) => match self.deliverer(aws).await {
                Ok(d) => d
                    .put_object(uri, text.into_bytes(), JSON_TYPE)
                    .await
                    .map_err(Failed::from),
                Err(why) => Err(why),
            },
        };
        self.outcome(Delivery::Summary, destination.to_string(), outcome);
    }
}

/// Writes a report or summary, making the directories its path names.
fn write_local(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| e.to_string())
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
        let mut value = serde_json::to_value(&summary).unwrap_or_default();
        crate::redact::Redactor::from_env().redact_value(&mut value);
        if template == "-" {
            println!("{value}");
            return;
        }
        let with = crate::headless::destination::Placeholders {
            run_id: summary.run_id.clone(),
            started: summary.started,
            notebook: super::notebook_name(self.notebook),
            target: self.target.clone(),
            parameters: Default::default(),
        };
        let Ok(destination) = Destination::parse(template, &with) else {
            return;
        };
        let text = serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
        let outcome = match &destination {
            Destination::Local(path) => write_local(path, text.as_bytes()),
            Destination::S3(uri) => match Deliverer::new(self.aws).await {
                Ok(d) => d
                    .put_object(uri, text.into_bytes(), JSON_TYPE)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            },
        };
        if let Err(why) = outcome {
            eprintln!("playbook: the summary could not be written to {destination}: {why}");
        }
    }
}
