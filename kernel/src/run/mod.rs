//! `playbook run`: executes a notebook headlessly, in-process, with the same engine,
//! host channel and execution code as the kernel (no ZeroMQ, no Python, no Jupyter).
//!
//! A run is three phases: [`Run::prepare`] reads the notebook, checks and injects the
//! parameters and writes the record's first state (`inputs.rs`); `Run::run_cells` runs
//! each code cell in order (`cells.rs`), stopping at a failure unless `--allow-errors`,
//! or at a signal or a timeout; [`Run::finish`] adds the checks, queries and outcome to
//! the record. The executed notebook is written after every cell (atomically), so an
//! interrupt or a crash leaves a valid notebook with everything done so far. Exit codes:
//! `crate::exit`.

mod actions;
mod cells;
mod deliver;
mod ending;
mod inputs;
pub(crate) mod outputs;
pub(crate) mod parameters;
pub(crate) mod progress;
pub(crate) mod yaml;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::cells::{Kernel, library_build, remove_build_dirs};
use crate::exit::Exit;
use crate::jupyter::iopub::IoPub;
use crate::record::destination::{Destination, Placeholders, notebook_name};
use crate::record::notebook::{Notebook, NotebookError};
use crate::record::run_record::{self as record, Parameters, RunRecord, RunStatus};
use crate::record::summary::{RunSummary, StepTime};
use crate::redact::Redactor;
pub(crate) use inputs::{anchored_source, default_output, hostname};
use inputs::{current_user, given_with_source, inject_parameters};
use playbook::source::AwsTarget;
use progress::{Progress, View};

/// What to run and how.
#[derive(Debug, Clone)]
pub(crate) struct RunOptions {
    pub(crate) notebook: PathBuf,
    /// `-o`: a path or `s3://…`, placeholders allowed (default: NAME.executed.ipynb).
    pub(crate) output: Option<String>,
    pub(crate) allow_errors: bool,
    pub(crate) cell_timeout: Option<Duration>,
    /// What the record keeps of each cell's output (0: everything).
    pub(crate) max_output_bytes: usize,
    /// `NAME=VALUE` pairs (from `-p` and `-f`), checked against the `parameters` cell.
    pub(crate) parameters: Vec<(String, String)>,
    /// The source for the run (`--source`): the session's source, and the notebook's
    /// `source` parameter when it declares one and `-p source=…` is not given.
    pub(crate) source: Option<String>,
    /// The account, region and role of the run's AWS calls (queries and deliveries).
    pub(crate) aws: AwsTarget,
    /// The run's name among others (`--target-name`; a fleet target).
    pub(crate) target_name: Option<String>,
    pub(crate) deliveries: crate::deliver::Deliveries,
    /// How progress is shown (a fleet target's differs).
    pub(crate) view: View,
    /// What started the run when no person did (`playbook respond`): into the record.
    pub(crate) cause: Option<crate::record::cause::Cause>,
    /// What the run may do about the notebook's actions (`--approve`, `--dry-run`, …).
    pub(crate) actions: crate::actions::ActionFlags,
}

/// How a run ended: its exit class and its summary (what `--summary` writes).
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) exit: Exit,
    pub(crate) summary: RunSummary,
}

/// SIGINT and SIGTERM, which stop a run (or a fleet) cleanly. Every watcher gets them: a
/// fleet and each of its running targets.
pub(crate) struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    pub(crate) fn new() -> anyhow::Result<Signals> {
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt()).context("watching SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("watching SIGTERM")?,
        })
    }

    /// Waits for either signal; its name.
    pub(crate) async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}

/// One run in progress.
struct Run {
    options: RunOptions,
    notebook: Notebook,
    /// Where the record is written after every cell.
    output: PathBuf,
    /// Where the record goes at the end: `output`, or S3.
    record_to: Destination,
    report_to: Option<Destination>,
    summary_to: Option<SummaryTo>,
    /// The injected parameters cell and what is evaluated for it (see
    /// `parameters::evaluated_source`).
    evaluated: Option<(usize, String)>,
    /// Every parameter in effect with its real value, for the session (the record's
    /// copy has secret parameters masked).
    in_effect: std::collections::BTreeMap<String, serde_json::Value>,
    /// How long each step took.
    steps: Vec<StepTime>,
    record: RunRecord,
    clock: Instant,
    exit: Exit,
    /// Progress on stderr; its redactor masks every line and the record.
    progress: Progress,
    /// The notebook run is itself a run record (a report): its actions are refused.
    is_record: bool,
}

/// Removes a run's build directories when the run ends, however it ends.
struct BuildDirs(PathBuf);

impl Drop for BuildDirs {
    fn drop(&mut self) {
        remove_build_dirs(&self.0);
    }
}

/// Runs the notebook; returns the process exit code. An error is bad input, except one
/// writing the record: [`is_output_failure`] tells them apart.
pub(crate) async fn run(options: RunOptions, build_dir: PathBuf) -> anyhow::Result<ExitCode> {
    Ok(run_one(options, build_dir).await?.exit.into())
}

/// Runs the notebook in a kernel of its own (building in `build_dir`, removed at the end);
/// how it ended. An error is bad input, except one writing the record.
pub(crate) async fn run_one(options: RunOptions, build_dir: PathBuf) -> anyhow::Result<Outcome> {
    let build_dirs = BuildDirs(build_dir);
    let mut run = match Run::prepare(options.clone()) {
        Ok(run) => run,
        Err(error) => {
            // Orchestrators read the summary: it says why the run never started.
            deliver::refused(&options, &error).await;
            return Err(error);
        }
    };
    let (iopub_tx, mut iopub_rx) = tokio::sync::mpsc::unbounded_channel();
    let kernel = Kernel::start(IoPub::new(iopub_tx), &build_dirs.0, None)?;
    kernel.host.actions.set_policy(run.action_policy());
    // The real values (the record holds secret ones masked).
    for (name, value) in &run.in_effect {
        kernel.host.session.set_parameter(name, value.clone());
    }
    kernel
        .host
        .session
        .set_aws_defaults(run.options.aws.clone());
    if let Some(source) = run.options.source.clone()
        && let Err(error) = kernel.host.session.set_source(&source, "--source")
    {
        // A source that cannot open (no region, no credentials) is the source's failure
        // class, with a record and a summary; a malformed spec is bad input.
        let Some(exit) = Exit::of_source(error.kind()) else {
            return Err(anyhow::anyhow!("--source {source}: {error}"));
        };
        run.stop_before_start(exit, &format!("--source {source}: {error}"))?;
        return Ok(run.deliver().await);
    }
    let mut signals = Signals::new()?;
    // Start-up is not any cell's time (or timeout): wait for the engine first.
    let startup = Instant::now();
    let ready = kernel.engine.ready();
    tokio::pin!(ready);
    let mut told = false;
    loop {
        tokio::select! {
            ready = &mut ready => {
                match ready {
                    Err(why) => run.progress.line(&format!("the Rust engine could not start: {why}")),
                    Ok(()) => run.progress.line(&format!("engine ready in {:.1?}", startup.elapsed())),
                }
                break;
            }
            _ = signals.recv() => {
                run.stop_before_start(Exit::Interrupted, "interrupted before the first cell")?;
                return Ok(run.deliver().await);
            }
            () = tokio::time::sleep(Duration::from_secs(1)), if !told => {
                told = true;
                // A first run or a stale cache: say why the start takes a while.
                if let Some(building) = library_build::in_progress(kernel.engine.build_dir()) {
                    run.progress.line(&format!(
                        "{}…",
                        building.reason.progress_line(building.since.elapsed())
                    ));
                }
            }
        }
    }
    run.charge_library_builds(&kernel, None);
    run.run_cells(&kernel, &mut signals, &mut iopub_rx).await?;
    run.finish(&kernel)?;
    Ok(run.deliver().await)
}

/// Checks what a run of `options` would refuse before running anything (the notebook,
/// the parameters against its `parameters` cell): bad input.
pub(crate) fn check_inputs(options: &RunOptions) -> anyhow::Result<()> {
    let mut notebook = Notebook::read(&options.notebook)?;
    let given = given_with_source(&notebook, options)?;
    inject_parameters(&mut notebook, &given)?;
    Ok(())
}

/// Whether `error` stopped the run because the record could not be written (a full disk,
/// a read-only directory): its own exit class, not bad input.
pub(crate) fn is_output_failure(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<NotebookError>()
        .is_some_and(|e| matches!(e, NotebookError::Write { .. }))
}

impl Run {
    /// Reads the notebook, injects the parameters and writes the record's first state.
    fn prepare(options: RunOptions) -> anyhow::Result<Run> {
        let mut notebook = Notebook::read(&options.notebook)?;
        let is_record = record::read::<RunRecord>(notebook.metadata(record::KEY)).is_some();
        notebook.clear_outputs();
        let given = given_with_source(&notebook, &options)?;
        let injected = inject_parameters(&mut notebook, &given)?;
        let in_effect = injected.in_effect;
        let run_id = uuid::Uuid::new_v4().to_string();
        let started = Utc::now();
        let with = Placeholders {
            run_id: run_id.clone(),
            started,
            notebook: notebook_name(&options.notebook),
            target: options.target_name.clone(),
            parameters: in_effect.clone(),
        };
        let to = destinations(&options, &with)?;
        // Cells run where the notebook is, as in Jupyter (relative paths such as
        // `local:data/checkout` mean the same in both).
        if let Some(dir) = options
            .notebook
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::env::set_current_dir(dir)
                .with_context(|| format!("entering the notebook's directory {}", dir.display()))?;
        }
        let record = RunRecord {
            run_id,
            started,
            finished: None,
            duration: None,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            notebook: options.notebook.display().to_string(),
            target: options.target_name.clone(),
            status: RunStatus::Running,
            exit_class: None,
            parameters: Parameters::masked(options.parameters.iter().cloned(), &in_effect),
            user: current_user(),
            host: hostname(),
            source: None,
            window: None,
            region: None,
            account: None,
            role: None,
            endpoint: None,
            checks: Vec::new(),
            queries: Vec::new(),
            failures: Vec::new(),
            cause: options.cause.clone(),
            actions: Vec::new(),
            library_builds: Vec::new(),
            extra: Default::default(),
        };
        let code_cells = (0..notebook.len()).filter(|&i| notebook.is_code(i)).count();
        let view = options.view.clone();
        let redactor = run_redactor(&options, &in_effect);
        let mut run = Run {
            options,
            notebook,
            output: to.output,
            record_to: to.record,
            report_to: to.report,
            summary_to: to.summary,
            evaluated: injected.evaluated,
            steps: Vec::new(),
            record,
            clock: Instant::now(),
            exit: Exit::Ok,
            progress: Progress::new(code_cells, redactor, view),
            in_effect,
            is_record,
        };
        run.write()?;
        Ok(run)
    }

    /// Ends the run before its first cell (`exit` says why) and writes the record.
    fn stop_before_start(&mut self, exit: Exit, why: &str) -> anyhow::Result<()> {
        self.record.status = if exit == Exit::Interrupted {
            RunStatus::Interrupted
        } else {
            RunStatus::Failed
        };
        self.record.finished = Some(Utc::now());
        self.record.duration = Some(self.clock.elapsed().as_secs_f64());
        self.exit = exit;
        self.record.exit_class = Some(exit);
        self.write()?;
        self.progress
            .line(&format!("{why}: wrote {}", self.output.display()));
        Ok(())
    }

    /// Records the builds of the cell library that ended since the last call, each a
    /// line of its own (`step`: the step that waited for them), and says so; what they
    /// took, which the step's time leaves out.
    fn charge_library_builds(&mut self, kernel: &Kernel, step: Option<&str>) -> Duration {
        let mut took = Duration::ZERO;
        for built in library_build::take_built(kernel.engine.build_dir()) {
            took += built.took;
            let build = record::LibraryBuild {
                reason: built.reason.words().to_owned(),
                seconds: built.took.as_secs_f64(),
                during_step: step.map(str::to_owned),
            };
            self.progress.line(&build.line());
            self.record.library_builds.push(build);
        }
        took
    }

    /// Writes the executed notebook with the record as it stands.
    fn write(&mut self) -> anyhow::Result<()> {
        self.notebook
            .set_metadata(record::KEY, record::to_value(&self.record));
        self.notebook
            .write(&self.output, self.progress.redactor())?;
        Ok(())
    }

    /// Completes the record (checks, source, window, queries, outcome) and writes it.
    fn finish(&mut self, kernel: &Kernel) -> anyhow::Result<()> {
        let session = &kernel.host.session;
        let checks = session.checks();
        for check in &checks {
            self.progress.line(&ending::check_line(check));
        }
        self.record.checks = checks;
        self.record.actions = kernel.host.actions.log();
        self.unused_approvals(kernel);
        if self.exit == Exit::Ok && self.record.failed_checks().next().is_some() {
            self.exit = Exit::CheckFailed;
        }
        let context = session.context();
        self.record.source = context.source;
        self.record.window = context.window;
        self.record.queries = session.queries();
        if let Some(aws) = self.record.queries.iter().find(|q| q.region.is_some()) {
            self.record.region = aws.region.clone();
            self.record.account = aws.account.clone();
            self.record.role = aws.role.clone();
            self.record.endpoint = aws.endpoint.clone();
        }
        self.record.finished = Some(Utc::now());
        self.record.duration = Some(self.clock.elapsed().as_secs_f64());
        self.record.status = match self.exit {
            Exit::Ok => RunStatus::Ok,
            Exit::CheckFailed => RunStatus::CheckFailed,
            Exit::Interrupted => RunStatus::Interrupted,
            _ => RunStatus::Failed,
        };
        self.record.exit_class = Some(self.exit);
        self.write()?;
        self.progress.line(&format!(
            "wrote {} after {:.1?}",
            self.output.display(),
            self.clock.elapsed()
        ));
        Ok(())
    }

    /// The playbook's name: the notebook's file name without `.ipynb`.
    fn playbook_name(&self) -> String {
        notebook_name(&self.options.notebook)
    }

    /// The summary of the run as it stands.
    fn summary(&self) -> RunSummary {
        RunSummary::of(
            &self.record,
            self.exit,
            self.options.target_name.clone(),
            self.steps.clone(),
        )
    }
}

/// The redactor of a run: the environment's secrets, the values of secret parameters and
/// the webhooks' URLs (a delivery error may quote them).
fn run_redactor(
    options: &RunOptions,
    in_effect: &std::collections::BTreeMap<String, serde_json::Value>,
) -> Redactor {
    let mut redactor = Redactor::from_env();
    let secret = |name: &str| parameters::is_secret(name);
    let given = (options.parameters.iter()).filter(|(name, _)| secret(name));
    redactor.learn(given.map(|(_, value)| value.clone()));
    let resolved = in_effect.iter().filter(|(name, _)| secret(name));
    redactor.learn(resolved.map(|(_, value)| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }));
    redactor.learn(options.deliveries.notify.iter().flat_map(|t| t.secrets()));
    redactor
}

/// Where a run's outputs go, placeholders expanded and local paths made absolute before
/// the run enters the notebook's directory.
struct Destinations {
    /// Where the record is written after every cell.
    output: PathBuf,
    /// Where the record goes at the end: `output`, or S3.
    record: Destination,
    report: Option<Destination>,
    summary: Option<SummaryTo>,
}

/// `--summary`: a file or an S3 object, or one line on stdout (`-`).
enum SummaryTo {
    Stdout,
    At(Destination),
}

/// Resolves every destination of the run, so a bad one fails before anything runs.
fn destinations(options: &RunOptions, with: &Placeholders) -> anyhow::Result<Destinations> {
    let default = default_output(&options.notebook).display().to_string();
    let template = options.output.clone().unwrap_or(default);
    let record = Destination::parse(&template, with)
        .map_err(|why| anyhow::anyhow!("-o {why}"))?
        .anchored()?;
    let report = match &options.deliveries.report {
        Some(t) => Some(
            Destination::parse(t, with)
                .map_err(|why| anyhow::anyhow!("--report {why}"))?
                .anchored()?,
        ),
        None => None,
    };
    let summary = match options.deliveries.summary.as_deref() {
        Some("-") => Some(SummaryTo::Stdout),
        Some(t) => Some(SummaryTo::At(
            Destination::parse(t, with)
                .map_err(|why| anyhow::anyhow!("--summary {why}"))?
                .anchored()?,
        )),
        None => None,
    };
    let output = match &record {
        Destination::Local(path) => {
            if path.is_dir() || template.ends_with('/') {
                let name = default_output(&options.notebook);
                let name = name.file_name().unwrap_or_default().to_string_lossy();
                anyhow::bail!(
                    "-o {} is a directory: give the record's file name, e.g. -o {}",
                    path.display(),
                    path.join(name.as_ref()).display()
                );
            }
            path.clone()
        }
        // The record is still written after every cell, here, and uploaded at the end.
        Destination::S3(uri) => {
            let name = uri.key.rsplit('/').next().unwrap_or("record.ipynb");
            let dir = crate::cells::cell_cache::cache_root()
                .join("runs")
                .join(&with.run_id);
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            dir.join(name)
        }
    };
    Ok(Destinations {
        output,
        record,
        report,
        summary,
    })
}
