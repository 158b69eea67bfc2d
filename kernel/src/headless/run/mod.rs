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

mod cells;
mod inputs;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::notebook::{Notebook, NotebookError};
use super::progress::Progress;
use super::record::{self, Parameters, RunRecord, RunStatus};
use crate::cells::{Kernel, remove_build_dirs};
use crate::exit::Exit;
use crate::jupyter::iopub::IoPub;
use crate::redact::Redactor;
pub(crate) use inputs::default_output;
use inputs::{absolute, current_user, given_with_source, hostname, inject_parameters};

/// What to run and how.
#[derive(Debug, Clone)]
pub(crate) struct RunOptions {
    pub(crate) notebook: PathBuf,
    pub(crate) output: Option<PathBuf>,
    pub(crate) allow_errors: bool,
    pub(crate) cell_timeout: Option<Duration>,
    /// What the record keeps of each cell's output (0: everything).
    pub(crate) max_output_bytes: usize,
    /// `NAME=VALUE` pairs (from `-p` and `-f`), checked against the `parameters` cell.
    pub(crate) parameters: Vec<(String, String)>,
    /// The source for the run (`--source`): the session's source, and the notebook's
    /// `source` parameter when it declares one and `-p source=…` is not given.
    pub(crate) source: Option<String>,
}

/// SIGINT and SIGTERM, which stop a run cleanly.
struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt()).context("watching SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("watching SIGTERM")?,
        })
    }

    /// Waits for either signal; its name.
    async fn recv(&mut self) -> &'static str {
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
    output: PathBuf,
    record: RunRecord,
    clock: Instant,
    exit: Exit,
    /// Progress on stderr; its redactor masks every line and the record.
    progress: Progress,
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
    let build_dirs = BuildDirs(build_dir);
    let mut run = Run::prepare(options)?;
    let (iopub_tx, mut iopub_rx) = tokio::sync::mpsc::unbounded_channel();
    let kernel = Kernel::start(IoPub::new(iopub_tx), &build_dirs.0, None)?;
    for (name, value) in &run.record.parameters.resolved {
        kernel.host.session.set_parameter(name, value.clone());
    }
    if let Some(source) = &run.options.source {
        kernel.host.session.set_source(source, "--source")?;
    }
    let mut signals = Signals::new()?;
    // Start-up is not any cell's time (or timeout): wait for the engine first.
    let startup = Instant::now();
    tokio::select! {
        ready = kernel.engine.ready() => match ready {
            Err(why) => run.progress.line(&format!("the Rust engine could not start: {why}")),
            Ok(()) => run.progress.line(&format!("engine ready in {:.1?}", startup.elapsed())),
        },
        _ = signals.recv() => {
            run.record.status = RunStatus::Interrupted;
            run.record.finished = Some(Utc::now());
            run.write()?;
            run.progress.line(&format!("interrupted before the first cell: wrote {}", run.output.display()));
            return Ok(Exit::Interrupted.into());
        }
    }
    run.run_cells(&kernel, &mut signals, &mut iopub_rx).await?;
    let exit = run.finish(&kernel)?;
    Ok(exit.into())
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
        let output = options
            .output
            .clone()
            .unwrap_or_else(|| default_output(&options.notebook));
        if output.is_dir() || output.as_os_str().to_string_lossy().ends_with('/') {
            let name = default_output(&options.notebook);
            let name = name.file_name().unwrap_or_default().to_string_lossy();
            anyhow::bail!(
                "-o {} is a directory: give the record's file name, e.g. -o {}",
                output.display(),
                output.join(name.as_ref()).display()
            );
        }
        notebook.clear_outputs();
        let given = given_with_source(&notebook, &options)?;
        let in_effect = inject_parameters(&mut notebook, &given)?;
        // Cells run where the notebook is, as in Jupyter (relative paths such as
        // `local:data/checkout` mean the same in both).
        let output = absolute(&output)?;
        if let Some(dir) = options
            .notebook
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::env::set_current_dir(dir)
                .with_context(|| format!("entering the notebook's directory {}", dir.display()))?;
        }
        let record = RunRecord {
            run_id: uuid::Uuid::new_v4().to_string(),
            started: Utc::now(),
            finished: None,
            duration: None,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            notebook: options.notebook.display().to_string(),
            status: RunStatus::Running,
            parameters: Parameters {
                given: options.parameters.iter().cloned().collect(),
                resolved: in_effect,
            },
            user: current_user(),
            host: hostname(),
            source: None,
            window: None,
            region: None,
            account: None,
            endpoint: None,
            checks: Vec::new(),
            queries: Vec::new(),
            failures: Vec::new(),
            extra: Default::default(),
        };
        let code_cells = (0..notebook.len()).filter(|&i| notebook.is_code(i)).count();
        let mut run = Run {
            options,
            notebook,
            output,
            record,
            clock: Instant::now(),
            exit: Exit::Ok,
            progress: Progress::new(code_cells, Redactor::from_env()),
        };
        run.write()?;
        Ok(run)
    }

    /// Writes the executed notebook with the record as it stands.
    fn write(&mut self) -> anyhow::Result<()> {
        self.notebook
            .set_metadata(record::KEY, record::to_value(&self.record));
        self.notebook
            .write_atomic(&self.output, self.progress.redactor())?;
        Ok(())
    }

    /// Completes the record (checks, source, window, queries, outcome) and writes it.
    fn finish(mut self, kernel: &Kernel) -> anyhow::Result<Exit> {
        let session = &kernel.host.session;
        let checks = session.checks();
        for check in &checks {
            self.progress
                .line(&format!("check {}: {}", check.verdict, check.name));
        }
        self.record.checks = checks;
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
        self.write()?;
        eprintln!(
            "{} in {:.1?}: wrote {}",
            if self.exit == Exit::Ok {
                "done"
            } else {
                "stopped"
            },
            self.clock.elapsed(),
            self.output.display()
        );
        Ok(self.exit)
    }
}
