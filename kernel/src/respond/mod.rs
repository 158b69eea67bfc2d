//! `playbook respond --event FILE|- --responders FILE`: the alarm runs its playbook. One
//! CloudWatch alarm event (`event.rs`: EventBridge or an alarm's SNS notification, raw or
//! inside SNS) is routed by the responders file (`responders.rs`: rules over the alarm's
//! name, namespace, metric, dimensions and state) to the notebooks it names, whose
//! parameters are templates over the alarm (`template.rs`); each matching rule is one
//! `playbook run` in this process, in the alarm's region with its account's role, its
//! record carrying the transition and the rule (`crate::record::cause`).
//!
//! [`handle`] is the whole path from an event's text to an exit class (`--event`); a
//! queue worker (`worker.rs`, `--queue`) takes its steps one by one ([`parse`],
//! [`unmatched`], a claim (`claim.rs`), [`respond_to`]) to settle each message.

mod claim;
mod debounce;
mod event;
mod message;
mod regions;
pub(crate) mod responders;
mod template;
mod worker;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cells::cell_cache;
use crate::exit::Exit;
use crate::record::cause::{AlarmTransition, Cause, MatchedRule};
use crate::record::summary::Delivery;
use crate::redact::{Redactor, redacted_format};
use crate::run::{self as runner, RunOptions};
use crate::visible;
use responders::{Responders, Rule};

/// What the command was given besides the run options.
#[derive(Debug)]
pub(crate) struct RespondArgs {
    pub(crate) input: Input,
    pub(crate) responders: PathBuf,
}

/// Where events come from.
#[derive(Debug)]
pub(crate) enum Input {
    /// One event: a file, or `-` for standard input.
    Event(PathBuf),
    /// An SQS queue, worked on until SIGTERM or SIGINT.
    Queue(worker::WorkerOptions),
}

pub(crate) use worker::{WorkerOptions, parse_span};

/// The record's default place: beside where the responder runs, one directory per alarm.
const DEFAULT_OUTPUT: &str = "responses/{alarm.name}/{datetime}-{notebook}-{run_id}.ipynb";

/// Runs the command: the exit class of the event's runs (their most severe), 0 when no
/// rule matched, 3 when the event or the file is malformed.
pub(crate) async fn main(args: RespondArgs, mut base: RunOptions) -> anyhow::Result<Exit> {
    let responders = Responders::read(&args.responders).map_err(anyhow::Error::msg)?;
    let cwd = std::env::current_dir().context("finding the current directory")?;
    base.output = Some(anchor(
        base.output.as_deref().unwrap_or(DEFAULT_OUTPUT),
        &cwd,
    ));
    base.deliveries.report = base.deliveries.report.map(|t| anchor(&t, &cwd));
    base.deliveries.summary = base.deliveries.summary.map(|t| anchor(&t, &cwd));
    for (flag, template) in [
        ("-o", base.output.as_deref()),
        ("--report", base.deliveries.report.as_deref()),
        ("--summary", base.deliveries.summary.as_deref()),
    ] {
        if let Some(template) = template {
            template::check_alarm_placeholders(template)
                .map_err(|why| anyhow::anyhow!("{flag} {why}"))?;
        }
    }
    match args.input {
        Input::Event(path) => {
            let text = read_event(&path)?;
            Ok(handle(&text, &responders, &base).await)
        }
        Input::Queue(mut options) => {
            options.claims = options
                .claims
                .or_else(|| worker::default_claims(base.output.as_deref()?));
            worker::main(options, &responders, &base).await
        }
    }
}

/// One event, from its text to its exit class: parsed, routed, each matching rule run and
/// delivered. Nothing here panics or returns early without saying why on stderr.
pub(crate) async fn handle(text: &str, responders: &Responders, base: &RunOptions) -> Exit {
    match parse(text) {
        Ok(alarm) => respond_to(&alarm, responders, base).await.0,
        Err(why) => {
            eprintln!("respond: {}", visible::text(why.as_str()));
            Exit::BadInput
        }
    }
}

/// The alarm transition an event's text carries; why not (masked) when it carries none.
pub(crate) fn parse(text: &str) -> Result<AlarmTransition, crate::redact::Redacted<String>> {
    event::parse(text).map_err(|why| Redactor::from_env().text(&why.to_string()))
}

/// How `alarm` is named on stderr: name, state, time, account and region.
fn heading(alarm: &AlarmTransition, redactor: &Redactor) -> crate::redact::Redacted<String> {
    redacted_format!(
        "alarm {} entering {} at {} ({}, {})",
        redactor.name(&alarm.name),
        redactor.name(alarm.state.as_str()),
        redactor.name(&crate::record::run_record::millis_text(alarm.time)),
        redactor.name(&alarm.account),
        redactor.name(&alarm.region)
    )
}

/// Says on stderr that no rule of `responders` matches `alarm`, when none does.
pub(crate) fn unmatched(alarm: &AlarmTransition, responders: &Responders) -> bool {
    if !responders.matching(alarm).is_empty() {
        return false;
    }
    let redactor = Redactor::from_env();
    let line = redacted_format!(
        "{}: no rule of {} matches; nothing to run",
        heading(alarm, &redactor),
        redactor.name(&responders.file)
    );
    eprintln!("respond: {}", visible::text(line.as_str()));
    true
}

/// Runs and delivers each rule matching `alarm`: the most severe exit class of the runs
/// (0 when no rule matches), and where their records were delivered.
pub(crate) async fn respond_to(
    alarm: &AlarmTransition,
    responders: &Responders,
    base: &RunOptions,
) -> (Exit, Vec<String>) {
    let redactor = Redactor::from_env();
    let say = |line: &crate::redact::Redacted<String>| {
        eprintln!("respond: {}", visible::text(line.as_str()));
    };
    let heading = heading(alarm, &redactor);
    if unmatched(alarm, responders) {
        return (Exit::Ok, Vec::new());
    }
    let rules = responders.matching(alarm);
    // Every matching rule's run is checked before any starts.
    let mut runs = Vec::with_capacity(rules.len());
    for rule in &rules {
        match options_for(rule, alarm, responders, base) {
            Ok(options) => runs.push((rule, options)),
            Err(why) => {
                say(&redacted_format!(
                    "{}: {}",
                    heading,
                    redactor.text(&format!("{why:#}"))
                ));
                return (Exit::BadInput, Vec::new());
            }
        }
    }
    let mut exit = Exit::Ok;
    let mut records = Vec::new();
    for (rule, options) in runs {
        say(&redacted_format!(
            "{}: rule {} runs {}",
            heading,
            redactor.name(&rule.name),
            redactor.name(&options.notebook.display().to_string())
        ));
        let ran = match runner::run_one(options, cell_cache::new_kernel_dir()).await {
            Ok(outcome) => {
                let delivered = (outcome.summary.outputs.iter())
                    .filter(|d| d.what == Delivery::Record && d.ok)
                    .map(|d| d.to.clone());
                records.extend(delivered);
                outcome.exit
            }
            Err(error) => {
                say(&redactor.text(&format!("rule {}: {error:#}", rule.name)));
                if runner::is_output_failure(&error) {
                    Exit::OutputFailed
                } else {
                    Exit::BadInput
                }
            }
        };
        if ran.severity() > exit.severity() {
            exit = ran;
        }
    }
    (exit, records)
}

/// The run options of `rule` for `alarm`: its notebook and parameters, the alarm's region
/// and account role, the deliveries with the alarm's placeholders filled in; checked
/// against the notebook.
fn options_for(
    rule: &Rule,
    alarm: &AlarmTransition,
    responders: &Responders,
    base: &RunOptions,
) -> anyhow::Result<RunOptions> {
    let path = |t: &str| template::expand_alarm(t, alarm, crate::record::destination::safe);
    let context = || format!("rule `{}`", rule.name);
    let mut options = base.clone();
    options.notebook = rule.notebook.clone();
    options.parameters = rule.parameters(alarm).map_err(anyhow::Error::msg)?;
    options.source = rule.source.clone().or(options.source);
    options.aws = responders.aws_for(alarm, &base.aws);
    options.target_name = Some(rule.name.clone());
    options.output = (options.output.as_deref().map(path).transpose())
        .map_err(|why| anyhow::anyhow!("-o {why}"))
        .with_context(context)?;
    options.deliveries.report = (options.deliveries.report.as_deref().map(path).transpose())
        .map_err(|why| anyhow::anyhow!("--report {why}"))
        .with_context(context)?;
    options.deliveries.summary = (options.deliveries.summary.as_deref().map(path).transpose())
        .map_err(|why| anyhow::anyhow!("--summary {why}"))
        .with_context(context)?;
    options.cause = Some(Cause {
        alarm: alarm.clone(),
        rule: MatchedRule {
            name: rule.name.clone(),
            file: responders.file.clone(),
            line: rule.line,
        },
        key: Some(alarm.key()),
        absorbed: Vec::new(),
    });
    runner::check_inputs(&options).with_context(context)?;
    Ok(options)
}

/// A local path template made absolute against `cwd` (each run enters its notebook's
/// directory); `-`, `s3://…` and absolute paths as they are.
fn anchor(template: &str, cwd: &Path) -> String {
    if template == "-" || template.starts_with("s3://") || Path::new(template).is_absolute() {
        template.to_owned()
    } else {
        cwd.join(template).display().to_string()
    }
}

/// The event's text from a file or standard input (`-`), bounded like a configuration
/// file.
fn read_event(path: &Path) -> anyhow::Result<String> {
    let from = if path == Path::new("-") {
        Path::new("/dev/stdin")
    } else {
        path
    };
    playbook_engine::limits::read_text(
        from,
        playbook_engine::limits::MAX_CONFIG_BYTES,
        "alarm events",
    )
    .map_err(anyhow::Error::from)
}
