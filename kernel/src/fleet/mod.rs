//! `playbook fleet NOTEBOOK --targets FILE`: one playbook across many services, accounts
//! and regions. `targets.rs` reads and validates the targets file; `run.rs` runs the
//! targets in this process, at most `-j` at a time; `summary.rs` and `page.rs` write the
//! fleet's `fleet.json`, `fleet.html` and `fleet.md`; `out.rs` says where everything goes.
//!
//! For schedulers that run the targets themselves (Airflow's mapped tasks): `--plan`
//! prints the resolved targets, and `--from-summaries DIR` turns their run summaries into
//! the same fleet summary.

mod out;
mod page;
mod run;
pub(crate) mod summary;
pub(crate) mod targets;

use std::path::PathBuf;

use anyhow::Context;
use chrono::Utc;
use clap::Args;
use serde_json::Value;

use crate::exit::Exit;
use crate::record::destination::Placeholders;
use crate::redact::redacted_format;
use crate::run::{self as runner, RunOptions};
use out::Out;
use summary::FleetSummary;

/// `playbook fleet`'s own options (the run options come from `playbook run`'s).
#[derive(Debug, Args)]
pub(crate) struct FleetArgs {
    /// The targets file (YAML or JSON): `targets: [{name, parameters, source, region,
    /// profile, role_arn, …}]` and optional `defaults` (README, "Fleet runs").
    #[arg(long, value_name = "FILE")]
    pub(crate) targets: PathBuf,
    /// How many targets run at once (default: the number of cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub(crate) jobs: Option<usize>,
    /// Where records, reports, summaries and the fleet summary go: a directory or
    /// s3://bucket/prefix/ ({date} {time} {datetime} {notebook} {run_id} allowed;
    /// default: NOTEBOOK.fleet/ here).
    #[arg(long, value_name = "DIR|s3://…")]
    pub(crate) out: Option<String>,
    /// Start no new target after the first that fails.
    #[arg(long)]
    pub(crate) fail_fast: bool,
    /// Print the targets as they would run (JSON) and exit: for schedulers that run them.
    #[arg(long, conflicts_with = "from_summaries")]
    pub(crate) plan: bool,
    /// Run nothing: write the fleet summary from the run summaries in DIR (one per
    /// target, `*.json` or `*/summary.json`), e.g. those a scheduler's tasks wrote.
    #[arg(long, value_name = "DIR")]
    pub(crate) from_summaries: Option<PathBuf>,
}

/// Runs the command: the exit code of the fleet (its most severe target's).
pub(crate) async fn main(args: FleetArgs, mut base: RunOptions) -> anyhow::Result<Exit> {
    if args.jobs == Some(0) {
        anyhow::bail!("-j 0: at least one target must run at a time (give -j 1 or more)");
    }
    base.notebook = std::fs::canonicalize(&base.notebook)
        .with_context(|| format!("reading {}", base.notebook.display()))?;
    let overrides: Vec<(String, Value)> = base
        .parameters
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    let targets = targets::read(&args.targets, &overrides).map_err(anyhow::Error::msg)?;
    if args.plan {
        for target in &targets {
            runner::check_inputs(&run::options_for(&base, target, None))
                .with_context(|| format!("target `{}`", target.name))?;
        }
        let plan = serde_json::json!({
            "notebook": base.notebook.display().to_string(),
            "targets": targets,
        });
        println!("{plan}");
        return Ok(Exit::Ok);
    }
    crate::cells::start_quietly();
    let started = Utc::now();
    let out = Out::parse(
        &args
            .out
            .clone()
            .unwrap_or_else(|| default_out(&base.notebook)),
        &placeholders(&base, started),
    )?;
    let aws = base.aws.clone();
    let redactor = run::redactor_of(&base, &targets);
    let summary = if let Some(dir) = &args.from_summaries {
        collect(dir, &base, &targets)?
    } else {
        let fleet = run::Fleet {
            jobs: args.jobs.unwrap_or_else(default_jobs),
            fail_fast: args.fail_fast,
            targets,
            out: out.clone(),
            base,
        };
        check_every_target(&fleet)?;
        run::run(fleet, &redactor).await?
    };
    let mut exit = summary.exit_class;
    for delivered in out.write(&summary, &aws, &redactor).await {
        let to = redactor.name(&delivered.to);
        match &delivered.error {
            None => eprintln!("{}", redacted_format!("fleet: wrote {}", to)),
            Some(why) => {
                let why = redactor.text(why);
                eprintln!(
                    "{}",
                    redacted_format!("fleet: could not write {}: {}", to, why)
                );
                if Exit::OutputFailed.severity() > exit.severity() {
                    exit = Exit::OutputFailed;
                }
            }
        }
    }
    Ok(exit)
}

/// Every target's parameters checked against the notebook before anything runs: a wrong
/// one is bad input naming the target.
fn check_every_target(fleet: &run::Fleet) -> anyhow::Result<()> {
    for target in &fleet.targets {
        runner::check_inputs(&run::options_for(&fleet.base, target, Some(&fleet.out)))
            .with_context(|| format!("target `{}`", target.name))?;
    }
    Ok(())
}

/// The fleet summary of the run summaries in `dir`, in the targets file's order.
fn collect(
    dir: &std::path::Path,
    base: &RunOptions,
    targets: &[targets::Target],
) -> anyhow::Result<FleetSummary> {
    let mut found = summary::read_summaries(dir).map_err(anyhow::Error::msg)?;
    let mut entries = Vec::new();
    let mut not_run = Vec::new();
    for target in targets {
        match found.iter().position(|e| e.name == target.name) {
            Some(i) => entries.push(found.swap_remove(i)),
            None => not_run.push(target.name.clone()),
        }
    }
    if let Some(stray) = found.first() {
        anyhow::bail!(
            "{}: a summary of `{}`, which the targets file does not name",
            dir.display(),
            stray.name
        );
    }
    let started = entries
        .iter()
        .map(|e| e.run.started)
        .min()
        .unwrap_or_else(Utc::now);
    let finished = entries
        .iter()
        .filter_map(|e| e.run.finished)
        .max()
        .unwrap_or_else(Utc::now);
    Ok(FleetSummary::of(
        &base.notebook,
        started,
        finished,
        None,
        entries,
        not_run,
        false,
    ))
}

fn placeholders(base: &RunOptions, started: chrono::DateTime<Utc>) -> Placeholders {
    Placeholders {
        run_id: format!(
            "{}-{}",
            started.format("%Y%m%dT%H%M%SZ"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        ),
        started,
        notebook: notebook_name(&base.notebook),
        target: None,
        parameters: Default::default(),
    }
}

fn notebook_name(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `NAME.fleet` in the current directory.
fn default_out(notebook: &std::path::Path) -> String {
    format!("{}.fleet", notebook_name(notebook))
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
