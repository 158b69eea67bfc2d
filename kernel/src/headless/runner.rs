//! `playbook run`: executes a notebook headlessly, in-process, with the same engine,
//! host channel and execution code as the kernel (no ZeroMQ, no Python, no Jupyter).
//!
//! A run is three phases: [`Run::prepare`] reads the notebook, checks and injects the
//! parameters and writes the record's first state; [`Run::run_cells`] runs each code cell
//! in order (stopping at a failure unless `--allow-errors`, or at a signal or a timeout);
//! [`Run::finish`] adds the checks, queries and outcome to the record. The executed
//! notebook is written after every cell (atomically), so an interrupt or a crash leaves a
//! valid notebook with everything done so far. Exit codes: `crate::exit`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use jupyter_protocol::{ExecuteReply, ExecuteRequest, JupyterMessage, JupyterMessageContent};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc::UnboundedReceiver;

use super::notebook::{Notebook, NotebookError, Outputs};
use super::parameters;
use super::progress::Progress;
use super::record::{self, CellRecord, CellStatus, Failure, Parameters, RunRecord, RunStatus};
use crate::cells::{Kernel, execute_one, remove_build_dirs};
use crate::exit::Exit;
use crate::jupyter::iopub::IoPub;
use crate::redact::Redactor;
use playbook::record::QueryRecord;

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

/// Where the executed notebook goes by default: `NAME.executed.ipynb` next to the input.
pub(crate) fn default_output(notebook: &Path) -> PathBuf {
    let stem = notebook
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    notebook.with_file_name(format!("{stem}.executed.ipynb"))
}

/// How one cell ended.
enum CellEnd {
    Ok,
    Failed {
        ename: String,
        evalue: String,
        /// The run's exit class when the cell failed because its data source did.
        source: Option<Exit>,
    },
    Interrupted(&'static str),
}

impl CellEnd {
    fn status(&self) -> CellStatus {
        match self {
            CellEnd::Ok => CellStatus::Ok,
            CellEnd::Failed { .. } => CellStatus::Failed,
            CellEnd::Interrupted(_) => CellStatus::Interrupted,
        }
    }
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

    /// Runs every code cell in order, until one fails (unless `--allow-errors`) or the
    /// run is stopped.
    async fn run_cells(
        &mut self,
        kernel: &Arc<Kernel>,
        signals: &mut Signals,
        iopub: &mut UnboundedReceiver<JupyterMessage>,
    ) -> anyhow::Result<()> {
        let code_cells: Vec<usize> = (0..self.notebook.len())
            .filter(|&i| self.notebook.is_code(i))
            .collect();
        for (position, &index) in code_cells.iter().enumerate() {
            let step = self
                .notebook
                .step_name(index)
                .unwrap_or_else(|| format!("cell {}", index + 1));
            self.progress.step(position, &step);
            if self.notebook.source(index).trim().is_empty() {
                continue;
            }
            let (end, count, elapsed) = self.run_cell(kernel, signals, iopub, index).await;
            self.progress.learn(kernel.host.session.known_secrets());
            let status = end.status().as_str();
            if !self.progress.is_bar() {
                self.progress
                    .line(&format!("      {status} in {elapsed:.2?}"));
            } else if end.status() != CellStatus::Ok {
                self.progress.line(&format!(
                    "[{}/{}] {step}: {status}",
                    position + 1,
                    code_cells.len()
                ));
            }
            if self.after_cell(index, count, end) {
                break;
            }
            self.write()?;
        }
        self.progress.finish();
        Ok(())
    }

    /// Runs cell `index` and records its outputs and how it ended; returns how it ended,
    /// its execution count and how long it took.
    async fn run_cell(
        &mut self,
        kernel: &Arc<Kernel>,
        signals: &mut Signals,
        iopub: &mut UnboundedReceiver<JupyterMessage>,
        index: usize,
    ) -> (CellEnd, usize, Duration) {
        let started = Utc::now();
        let queries_before = kernel.host.session.queries().len();
        let clock = Instant::now();
        let request = ExecuteRequest {
            code: self.notebook.source(index),
            silent: false,
            store_history: true,
            user_expressions: None,
            allow_stdin: false,
            stop_on_error: true,
        };
        let message = JupyterMessage::new(request.clone(), None);
        let (reply, failed, stopped_by) = execute_bounded(
            kernel,
            &message,
            &request,
            signals,
            self.options.cell_timeout,
        )
        .await;
        let (mut outputs, omitted) =
            collect_outputs(iopub, &message, self.options.max_output_bytes);
        self.progress.learn(kernel.host.session.known_secrets());
        let redactor = self.progress.redactor();
        let masked: usize = outputs.iter_mut().map(|o| redactor.redact_value(o)).sum();
        if masked > 0 {
            self.progress.line(&format!(
                "      masked {masked} secret(s) in this cell's output"
            ));
        }
        let queries = kernel.host.session.queries().split_off(queries_before);
        let end = self.cell_end(&reply, failed, stopped_by, &queries);
        if matches!(stopped_by, Some(Stop::Timeout)) {
            // The kernel saw an interrupt; the record says what it was: the timeout.
            name_timeout(&mut outputs, &self.timeout_message());
        }
        let count = reply.execution_count.0;
        self.notebook
            .set_result(index, outputs, (count > 0).then_some(count));
        let cell = CellRecord {
            start_time: started,
            end_time: Utc::now(),
            duration: clock.elapsed().as_secs_f64(),
            status: end.status(),
            masked_secrets: masked,
            omitted_output_bytes: omitted,
            queries,
            extra: Default::default(),
        };
        self.notebook
            .set_cell_metadata(index, record::KEY, record::to_value(&cell));
        (end, count, clock.elapsed())
    }

    /// How a cell ended, from its reply and what stopped it.
    fn cell_end(
        &self,
        reply: &ExecuteReply,
        failed: bool,
        stopped_by: Option<Stop>,
        queries: &[QueryRecord],
    ) -> CellEnd {
        match (stopped_by, failed) {
            (Some(Stop::Timeout), _) => CellEnd::Failed {
                ename: TIMEOUT.into(),
                evalue: self.timeout_message(),
                source: None,
            },
            (Some(Stop::Signal(signal)), _) => CellEnd::Interrupted(signal),
            (None, true) => {
                let error = reply.error.as_deref();
                CellEnd::Failed {
                    ename: error.map_or("Error".into(), |e| e.ename.clone()),
                    evalue: error.map_or(String::new(), |e| e.evalue.clone()),
                    // The last query of the cell that failed says whether the source did.
                    source: queries
                        .iter()
                        .rev()
                        .find_map(|q| q.error_kind)
                        .and_then(Exit::of_source),
                }
            }
            (None, false) => CellEnd::Ok,
        }
    }

    fn timeout_message(&self) -> String {
        format!(
            "the cell ran longer than --cell-timeout {} s and was stopped",
            self.options.cell_timeout.map_or(0, |t| t.as_secs())
        )
    }

    /// Records a failure or an interrupt; `true` when the run must stop.
    fn after_cell(&mut self, index: usize, count: usize, end: CellEnd) -> bool {
        match end {
            CellEnd::Ok => false,
            CellEnd::Failed {
                ename,
                evalue,
                source,
            } => {
                self.progress.line(&format!("      {ename}: {evalue}"));
                self.record.failures.push(Failure {
                    cell: index + 1,
                    ename: ename.clone(),
                    evalue: evalue.clone(),
                });
                let class = source.unwrap_or(Exit::CellFailed);
                if class.severity() > self.exit.severity() {
                    self.exit = class;
                }
                if self.options.allow_errors {
                    return false;
                }
                mark_failure(&mut self.notebook, index, count, &ename, &evalue);
                true
            }
            CellEnd::Interrupted(signal) => {
                let evalue = format!("stopped by {signal}");
                mark_failure(&mut self.notebook, index, count, "Interrupted", &evalue);
                self.exit = Exit::Interrupted;
                true
            }
        }
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

/// The error name of a cell stopped by `--cell-timeout`, in its output and the record alike.
const TIMEOUT: &str = "CellTimeout";

/// What stopped a cell before it ended by itself.
#[derive(Debug, Clone, Copy)]
enum Stop {
    Signal(&'static str),
    Timeout,
}

/// Executes one cell, stopping it at a signal or at its deadline: the engine is
/// interrupted and given 10 s to answer (a cell still waiting for the engine to start has
/// nothing to kill).
async fn execute_bounded(
    kernel: &Arc<Kernel>,
    message: &JupyterMessage,
    request: &ExecuteRequest,
    signals: &mut Signals,
    timeout: Option<Duration>,
) -> (ExecuteReply, bool, Option<Stop>) {
    let execution = execute_one(kernel, message, request);
    tokio::pin!(execution);
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let stop = tokio::select! {
        (reply, failed) = &mut execution => return (reply, failed, None),
        signal = signals.recv() => Stop::Signal(signal),
        () = sleep_until(deadline), if deadline.is_some() => Stop::Timeout,
    };
    kernel.interrupt();
    match tokio::time::timeout(Duration::from_secs(10), &mut execution).await {
        Ok((reply, failed)) => (reply, failed, Some(stop)),
        Err(_) => (ExecuteReply::default(), true, Some(stop)),
    }
}

/// The given parameters, plus `source=…` from `--source` when the notebook declares a
/// `source` parameter and `-p source=…` is not given.
fn given_with_source(
    notebook: &Notebook,
    options: &RunOptions,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut given = options.parameters.clone();
    if let Some(source) = &options.source {
        playbook::source::Source::from_spec(source)?;
        let declares_source = notebook
            .find_tagged("parameters")
            .map(|i| parameters::declarations(&notebook.source(i)))
            .is_some_and(|d| d.iter().any(|p| p.name == "source"));
        if declares_source && !given.iter().any(|(n, _)| n == "source") {
            given.push(("source".to_owned(), source.clone()));
        }
    }
    Ok(given)
}

/// Checks the given parameters against the `parameters` cell and injects them in a cell
/// tagged `injected-parameters` right after it (first, when there is none), replacing
/// the one an earlier run injected; returns every parameter in effect, defaults included.
fn inject_parameters(
    notebook: &mut Notebook,
    given: &[(String, String)],
) -> anyhow::Result<BTreeMap<String, serde_json::Value>> {
    notebook.remove_tagged("injected-parameters");
    let cell = notebook.find_tagged("parameters");
    let declared = cell
        .map(|i| parameters::declarations(&notebook.source(i)))
        .unwrap_or_default();
    let resolved = parameters::resolve(&declared, given)?;
    if !resolved.is_empty() {
        let at = cell.map_or(0, |i| i + 1);
        notebook.insert_code(
            at,
            &parameters::injected_source(&resolved),
            &["injected-parameters"],
        );
    }
    Ok(parameters::in_effect(&declared, &resolved))
}

/// `path` made absolute against the current directory (it need not exist yet).
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_absolute() {
        return Ok(path.to_owned());
    }
    Ok(std::env::current_dir()
        .context("reading the current directory")?
        .join(path))
}

/// Who ran the playbook: `USER` (or `LOGNAME`), else the account name of this process's
/// user id (cron and containers often leave both unset), else the id itself.
fn current_user() -> String {
    for name in ["USER", "LOGNAME"] {
        if let Ok(user) = std::env::var(name)
            && !user.is_empty()
        {
            return user;
        }
    }
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next().map(str::to_owned))
        })
        .unwrap_or_default();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    account_of(&passwd, &uid).unwrap_or_else(|| format!("uid {uid}"))
}

/// The account name of `uid` in an `/etc/passwd` text.
fn account_of(passwd: &str, uid: &str) -> Option<String> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() > 2 && fields[2] == uid).then(|| fields[0].to_owned())
    })
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The outputs `message` produced (all were published before `execute_one` returned), at
/// most `max_bytes` of them, and how many bytes were left out.
fn collect_outputs(
    rx: &mut UnboundedReceiver<JupyterMessage>,
    message: &JupyterMessage,
    max_bytes: usize,
) -> (Vec<serde_json::Value>, usize) {
    let mut outputs = Outputs::with_cap(max_bytes);
    while let Ok(published) = rx.try_recv() {
        let ours = published
            .parent_header
            .as_ref()
            .is_some_and(|p| p.msg_id == message.header.msg_id);
        if ours && !matches!(published.content, JupyterMessageContent::Status(_)) {
            outputs.push(&published.content);
        }
    }
    let omitted = outputs.omitted_bytes();
    (outputs.into_vec(), omitted)
}

/// Names the error output of a cell stopped by `--cell-timeout` after the timeout (the
/// kernel reported an interrupt), or adds one when the cell had none.
fn name_timeout(outputs: &mut Vec<serde_json::Value>, message: &str) {
    let error = serde_json::json!({
        "output_type": "error",
        "ename": TIMEOUT,
        "evalue": message,
        "traceback": [format!("{TIMEOUT}: {message}")],
    });
    outputs.retain(|o| o["output_type"] != "error");
    outputs.push(error);
}

/// Marks the failing cell the way papermill does: a banner at the top linking to an
/// anchor just above the cell.
fn mark_failure(notebook: &mut Notebook, index: usize, count: usize, ename: &str, evalue: &str) {
    let label = if count > 0 {
        format!("In [{count}]")
    } else {
        format!("cell {}", index + 1)
    };
    notebook.insert_markdown(
        index,
        "<a id=\"playbook-error-cell\"></a>\n**Execution stopped here.**",
        &["playbook-error-anchor"],
    );
    notebook.insert_markdown(
        0,
        &format!(
            "<span style=\"color:red; font-size:1.5em;\">Execution stopped at \
             <a href=\"#playbook-error-cell\">{label}</a>: {ename}: {}</span>",
            playbook::html::escape(evalue)
        ),
        &["playbook-error-banner"],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_name_comes_from_passwd_when_user_is_unset() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nsre:x:1000:1000::/home/sre:/bin/sh\n";
        assert_eq!(account_of(passwd, "1000").as_deref(), Some("sre"));
        assert_eq!(account_of(passwd, "0").as_deref(), Some("root"));
        assert_eq!(account_of(passwd, "7"), None);
    }

    #[test]
    fn a_timed_out_cell_has_one_error_named_cell_timeout() {
        let mut outputs = vec![
            serde_json::json!({"output_type": "stream", "name": "stdout", "text": "working\n"}),
            serde_json::json!({"output_type": "error", "ename": "Interrupted", "evalue": "x", "traceback": []}),
        ];
        name_timeout(&mut outputs, "the cell ran longer than --cell-timeout 5 s");
        assert_eq!(outputs.len(), 2);
        assert_eq!(outputs[1]["ename"], TIMEOUT);
    }
}
