//! Running a fleet: one `playbook run` per target, in this process, at most `jobs` at a
//! time. Each target has its own kernel (evaluation process, session, record); what they
//! share is what makes the fleet cheap and polite — compiled cells (the second target
//! compiles nothing) and the CloudWatch quotas of each account and region.
//!
//! A target's progress goes to its log (`<out>/<name>/run.log`); the fleet prints one line
//! per finished target (and on a terminal, one live line per running target). A signal
//! stops scheduling, lets the running targets stop cleanly (each writes its record and
//! delivers it), and the fleet summary says what ran.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio::task::JoinSet;

use super::out::Out;
use super::summary::{FleetSummary, TargetEntry};
use super::targets::Target;
use crate::cells::cell_cache;
use crate::exit::Exit;
use crate::record::summary::RunSummary;
use crate::redact::{Redactor, redacted_format};
use crate::run::progress::View;
use crate::run::{self as runner, RunOptions, Signals};
use crate::visible;

/// A fleet to run.
pub(crate) struct Fleet {
    /// What every target's run shares (the notebook, absolute; options; deliveries).
    pub(crate) base: RunOptions,
    pub(crate) targets: Vec<Target>,
    pub(crate) jobs: usize,
    pub(crate) out: Out,
    pub(crate) fail_fast: bool,
}

/// The fleet's redactor, for its own lines and files: the environment's secrets, the
/// values of secret-named parameters (the fleet's and every target's) and the webhooks'
/// URLs, as each target's run knows its own.
pub(crate) fn redactor_of(base: &RunOptions, targets: &[Target]) -> Redactor {
    let mut redactor = Redactor::from_env();
    let secret_values = |pairs: &[(String, String)]| -> Vec<String> {
        (pairs.iter())
            .filter(|(name, _)| crate::redact::looks_secret(name))
            .map(|(_, value)| value.clone())
            .collect()
    };
    redactor.learn(secret_values(&base.parameters));
    for target in targets {
        redactor.learn(secret_values(&target.assignments()));
    }
    redactor.learn(base.deliveries.notify.iter().flat_map(|t| t.secrets()));
    redactor
}

/// The run options of `target`: its parameters over the fleet's (`-p` wins), its source
/// and AWS settings over the fleet's defaults, its outputs under `<out>/<name>/`.
pub(crate) fn options_for(base: &RunOptions, target: &Target, out: Option<&Out>) -> RunOptions {
    let mut options = base.clone();
    let mut parameters: BTreeMap<String, String> = target.assignments().into_iter().collect();
    for (name, value) in &base.parameters {
        parameters.insert(name.clone(), value.clone());
    }
    options.parameters = parameters.into_iter().collect();
    if let Some(source) = &target.source {
        options.source = Some(runner::anchored_source(source));
    }
    let aws = target.aws();
    options.aws = playbook::source::AwsTarget {
        region: aws.region.or(options.aws.region),
        profile: aws.profile.or(options.aws.profile),
        role_arn: aws.role_arn.or(options.aws.role_arn),
        external_id: aws.external_id.or(options.aws.external_id),
        session_name: aws.session_name.or(options.aws.session_name),
    };
    options.target_name = Some(target.name.clone());
    if let Some(out) = out {
        options.output = Some(out.of(&target.name, "record.ipynb"));
        options.deliveries.report = Some(out.of(&target.name, "report.html"));
        options.deliveries.summary = Some(out.of(&target.name, "summary.json"));
    }
    options
}

/// Runs every target; the fleet's summary.
pub(crate) async fn run(fleet: Fleet, redactor: &Redactor) -> anyhow::Result<FleetSummary> {
    let started = Utc::now();
    let clock = Instant::now();
    let mut signals = Signals::new()?;
    let bars = std::io::stderr().is_terminal().then(MultiProgress::new);
    let total = fleet.targets.len();
    let mut entries: Vec<Option<TargetEntry>> = vec![None; total];
    let mut running = JoinSet::new();
    let mut next = 0;
    let (mut stopping, mut interrupted) = (false, false);
    eprintln!(
        "fleet: {total} target(s) of {}, {} at a time; records in {}",
        fleet.base.notebook.display(),
        fleet.jobs,
        fleet.out
    );
    loop {
        while !stopping && running.len() < fleet.jobs && next < total {
            spawn_target(&fleet, next, bars.as_ref(), &mut running)?;
            next += 1;
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            joined = running.join_next() => {
                let Some(joined) = joined else { continue };
                let (index, outcome) = joined.context("a fleet target's task failed")?;
                let target = &fleet.targets[index];
                let entry = entry_of(target, &fleet.base, outcome);
                report(&bars, index, total, &entry, redactor);
                if fleet.fail_fast && entry.run.exit_code != 0 && !stopping {
                    stopping = true;
                    eprintln!("fleet: --fail-fast: no new targets after {}", target.name);
                }
                entries[index] = Some(entry);
            }
            name = signals.recv() => {
                // The running targets got the signal too: they stop and write their records.
                eprintln!("fleet: {name}: stopping; no new targets");
                stopping = true;
                interrupted = true;
            }
        }
    }
    let mut summary = summary_of(&fleet, started, entries, interrupted);
    summary.duration = clock.elapsed().as_secs_f64();
    Ok(summary)
}

/// What a target's task answers: its index in the fleet and how its run went.
type Finished = (usize, anyhow::Result<runner::Outcome>);

/// Starts the run of target `index` on `running`, with its own log and progress bar.
fn spawn_target(
    fleet: &Fleet,
    index: usize,
    bars: Option<&MultiProgress>,
    running: &mut JoinSet<Finished>,
) -> anyhow::Result<()> {
    let target = &fleet.targets[index];
    let mut options = options_for(&fleet.base, target, Some(&fleet.out));
    let log = fleet.out.log_of(&target.name)?;
    let bar = bars.map(|b| target_bar(b, &target.name));
    options.view = View::Target {
        name: target.name.clone(),
        bar: bar.clone(),
        log,
    };
    running.spawn(async move {
        let outcome = runner::run_one(options, cell_cache::new_kernel_dir()).await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        (index, outcome)
    });
    Ok(())
}

/// The fleet's summary from the entries of the targets that ran (`None`: not run).
fn summary_of(
    fleet: &Fleet,
    started: DateTime<Utc>,
    entries: Vec<Option<TargetEntry>>,
    interrupted: bool,
) -> FleetSummary {
    let not_run = fleet
        .targets
        .iter()
        .zip(&entries)
        .filter(|(_, e)| e.is_none())
        .map(|(t, _)| t.name.clone())
        .collect();
    let entries = entries.into_iter().flatten().collect();
    FleetSummary::of(
        &fleet.base.notebook,
        started,
        Utc::now(),
        Some(fleet.jobs),
        entries,
        not_run,
        interrupted,
    )
}

/// The entry of a target's run; a run that could not start is bad input (or an output
/// failure), with a summary saying why.
fn entry_of(
    target: &Target,
    base: &RunOptions,
    outcome: anyhow::Result<runner::Outcome>,
) -> TargetEntry {
    let run = match outcome {
        Ok(outcome) => outcome.summary,
        Err(error) => {
            let exit = if runner::is_output_failure(&error) {
                Exit::OutputFailed
            } else {
                Exit::BadInput
            };
            RunSummary::not_started(&base.notebook, &target.name, exit, &format!("{error:#}"))
        }
    };
    TargetEntry {
        name: target.name.clone(),
        run,
    }
}

/// One line per finished target: its status, exit, time and failed checks, masked by
/// `redactor` (the target's name as a name).
fn report(
    bars: &Option<MultiProgress>,
    index: usize,
    total: usize,
    entry: &TargetEntry,
    redactor: &Redactor,
) {
    let run = &entry.run;
    let mut line = redacted_format!(
        "[{}/{}] {}: {} (exit {}) in {:.1} s",
        index + 1,
        total,
        redactor.name(&entry.name),
        redactor.name(run.status.as_str()),
        run.exit_code,
        run.duration
    );
    let failed = (run.checks.iter()).filter(|c| c.verdict == playbook::check::Verdict::Fail);
    for (at, check) in failed.enumerate() {
        let name = redactor.text(&check.name);
        line.push(&if at == 0 {
            redacted_format!("; failed checks: {}", name)
        } else {
            redacted_format!(", {}", name)
        });
    }
    if let Some(cell) = &run.failed_cell {
        let ename = redactor.text(&cell.ename);
        line.push(&redacted_format!("; cell {} failed: {}", cell.cell, ename));
    }
    if let Some(error) = &run.error {
        line.push(&redacted_format!("; {}", redactor.text(error)));
    }
    if run.retried_calls > 0 {
        let retried = run.retried_calls;
        line.push(&redacted_format!(
            "; {} call(s) retried after throttling",
            retried
        ));
    }
    // Names, errors and messages come from the targets' notebooks: shown, never obeyed,
    // on one line.
    let line = visible::name(&line).into_owned();
    match bars {
        Some(bars) => {
            let _ = bars.println(line);
        }
        None => eprintln!("{line}"),
    }
}

fn target_bar(bars: &MultiProgress, name: &str) -> ProgressBar {
    let bar = bars.add(ProgressBar::new_spinner());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(format!("{name} starting"));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
