//! `playbook run`: executes a notebook headlessly, in-process, with the same engine,
//! host channel and execution code as the kernel (no ZeroMQ, no Python, no Jupyter).
//!
//! The executed notebook is written after every cell (atomically), so an interrupt or a
//! crash leaves a valid notebook with everything done so far. Exit codes: 0 every cell
//! ran and no check failed, 1 a cell failed, 2 a check failed, 3 bad input,
//! 130 interrupted.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{SecondsFormat, Utc};
use jupyter_protocol::{ExecuteRequest, JupyterMessage, JupyterMessageContent};
use serde_json::{Value, json};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::execute::execute_one;
use crate::iopub::IoPub;
use crate::kernel::{Kernel, remove_build_dirs};
use crate::notebook::{Notebook, Outputs};
use crate::progress::Progress;
use crate::{parameters, redact};

/// Exit code: a cell failed.
pub const EXIT_CELL_FAILED: u8 = 1;
/// Exit code: every cell ran, but a check failed.
pub const EXIT_CHECK_FAILED: u8 = 2;
/// Exit code: interrupted (SIGINT/SIGTERM).
pub const EXIT_INTERRUPTED: u8 = 130;

/// What to run and how.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub notebook: PathBuf,
    pub output: Option<PathBuf>,
    pub allow_errors: bool,
    pub cell_timeout: Option<Duration>,
    /// `NAME=VALUE` pairs (from `-p` and `-f`), checked against the `parameters` cell.
    pub parameters: Vec<(String, String)>,
    /// The source for the run (`--source`): the session's source, and the notebook's
    /// `source` parameter when it declares one and `-p source=…` is not given.
    pub source: Option<String>,
}

/// Plain-line progress reports each step's result; the bar shows only failures.
fn progress_lines_wanted(progress: &Progress) -> bool {
    !progress.is_bar()
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

/// Where the executed notebook goes by default: `NAME.executed.ipynb` next to the input.
pub fn default_output(notebook: &Path) -> PathBuf {
    let stem = notebook
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    notebook.with_file_name(format!("{stem}.executed.ipynb"))
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// How one cell ended.
enum CellEnd {
    Ok,
    Failed { ename: String, evalue: String },
    Interrupted(&'static str),
}

/// Runs the notebook; returns the process exit code.
pub async fn run(options: RunOptions, build_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let mut notebook = Notebook::read(&options.notebook)?;
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| default_output(&options.notebook));
    notebook.clear_outputs();
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
    let resolved = inject_parameters(&mut notebook, &given)?;
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
    let run_id = uuid::Uuid::new_v4().to_string();
    let started = now();
    let mut record = json!({
        "run_id": run_id,
        "started": started,
        "tool_version": env!("CARGO_PKG_VERSION"),
        "notebook": options.notebook.display().to_string(),
        "status": "running",
        "parameters": {
            "given": options.parameters.iter().map(|(n, v)| (n.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
            "resolved": resolved.iter().map(|r| (r.name.clone(), r.value.clone())).collect::<serde_json::Map<_, _>>(),
        },
        "user": std::env::var("USER").unwrap_or_default(),
        "host": hostname(),
    });
    notebook.set_metadata("playbook", record.clone());
    notebook.write_atomic(&output)?;

    let run_started = Instant::now();
    let (iopub_tx, mut iopub_rx) = tokio::sync::mpsc::unbounded_channel();
    let kernel = Kernel::start(IoPub::new(iopub_tx), &build_dir, None)?;
    for r in &resolved {
        kernel.host.session.set_parameter(&r.name, r.value.clone());
    }
    if let Some(source) = &options.source {
        kernel.host.session.set_source(source, "--source")?;
    }
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    // Start-up is not any cell's time (or timeout): wait for the engine first.
    let startup = Instant::now();
    tokio::select! {
        ready = kernel.engine.ready() => {
            if let Err(why) = ready {
                eprintln!("the Rust engine could not start: {why}");
            } else {
                eprintln!("engine ready in {:.1?}", startup.elapsed());
            }
        }
        _ = sigint.recv() => return interrupted_before_start(notebook, record, &output, &build_dir),
        _ = sigterm.recv() => return interrupted_before_start(notebook, record, &output, &build_dir),
    }

    let code_cells: Vec<usize> = (0..notebook.len())
        .filter(|&i| notebook.is_code(i))
        .collect();
    let total = code_cells.len();
    let mut failures = Vec::new();
    let mut exit = 0u8;
    let progress = Progress::new(total);
    for (position, &index) in code_cells.iter().enumerate() {
        let code = notebook.source(index);
        let step = notebook
            .step_name(index)
            .unwrap_or_else(|| format!("cell {}", index + 1));
        progress.step(position, &step);
        if code.trim().is_empty() {
            continue;
        }
        let cell_started = now();
        let queries_before = kernel.host.session.queries().len();
        let clock = Instant::now();
        let request = ExecuteRequest {
            code,
            silent: false,
            store_history: true,
            user_expressions: None,
            allow_stdin: false,
            stop_on_error: true,
        };
        let message = JupyterMessage::new(request.clone(), None);
        let execution = execute_one(&kernel, &message, &request);
        tokio::pin!(execution);
        let deadline = options
            .cell_timeout
            .map(|t| tokio::time::Instant::now() + t);
        let mut stopped_by: Option<&'static str> = None;
        let (reply, failed) = loop {
            tokio::select! {
                done = &mut execution => break done,
                _ = sigint.recv(), if stopped_by.is_none() => stopped_by = Some("SIGINT"),
                _ = sigterm.recv(), if stopped_by.is_none() => stopped_by = Some("SIGTERM"),
                _ = sleep_until(deadline), if stopped_by.is_none() && deadline.is_some() => stopped_by = Some("timeout"),
            }
            if stopped_by.is_some() {
                kernel.interrupt();
                // A cell still waiting for the engine to start has nothing to kill.
                match tokio::time::timeout(Duration::from_secs(10), &mut execution).await {
                    Ok(done) => break done,
                    Err(_) => break (Default::default(), true),
                }
            }
        };
        let mut outputs = collect_outputs(&mut iopub_rx, &message);
        let masked = redact::redact_outputs(&mut outputs);
        if masked > 0 {
            progress.line(&format!(
                "      masked {masked} secret(s) in this cell's output"
            ));
        }
        let count = reply.execution_count.0;
        let end = match (stopped_by, failed) {
            (Some("timeout"), _) => CellEnd::Failed {
                ename: "CellTimeout".into(),
                evalue: format!(
                    "the cell ran longer than --cell-timeout {} s and was stopped",
                    options.cell_timeout.map_or(0, |t| t.as_secs())
                ),
            },
            (Some(signal), _) => CellEnd::Interrupted(signal),
            (None, true) => {
                let error = reply.error.as_deref();
                CellEnd::Failed {
                    ename: error.map_or("Error".into(), |e| e.ename.clone()),
                    evalue: error.map_or(String::new(), |e| e.evalue.clone()),
                }
            }
            (None, false) => CellEnd::Ok,
        };
        let status = match &end {
            CellEnd::Ok => "ok",
            CellEnd::Failed { .. } => "failed",
            CellEnd::Interrupted(_) => "interrupted",
        };
        notebook.set_result(index, outputs, (count > 0).then_some(count));
        let mut cell_record = json!({
            "start_time": cell_started,
            "end_time": now(),
            "duration": clock.elapsed().as_secs_f64(),
            "status": status,
            "masked_secrets": masked,
        });
        let cell_queries: Vec<_> = kernel.host.session.queries().split_off(queries_before);
        if !cell_queries.is_empty() {
            cell_record["queries"] = json!(cell_queries);
        }
        notebook.set_cell_metadata(index, "playbook", cell_record);
        if progress_lines_wanted(&progress) {
            progress.line(&format!("      {status} in {:.2?}", clock.elapsed()));
        } else if status != "ok" {
            progress.line(&format!("[{}/{total}] {step}: {status}", position + 1));
        }
        match end {
            CellEnd::Ok => {}
            CellEnd::Failed { ename, evalue } => {
                progress.line(&format!("      {ename}: {evalue}"));
                failures.push(json!({"cell": index + 1, "ename": ename, "evalue": evalue}));
                exit = EXIT_CELL_FAILED;
                if !options.allow_errors {
                    mark_failure(&mut notebook, index, count, &ename, &evalue);
                    break;
                }
            }
            CellEnd::Interrupted(signal) => {
                mark_failure(
                    &mut notebook,
                    index,
                    count,
                    "Interrupted",
                    &format!("stopped by {signal}"),
                );
                exit = EXIT_INTERRUPTED;
                break;
            }
        }
        notebook.write_atomic(&output)?;
    }
    progress.finish();
    let checks = kernel.host.session.checks();
    let failed_checks = checks.iter().filter(|c| c["verdict"] == "fail").count();
    for check in &checks {
        eprintln!(
            "check {}: {}",
            check["verdict"].as_str().unwrap_or("?").to_uppercase(),
            check["name"].as_str().unwrap_or("?")
        );
    }
    if exit == 0 && failed_checks > 0 {
        exit = EXIT_CHECK_FAILED;
    }
    record["checks"] = Value::Array(checks);
    let context = kernel.host.session.context();
    record["source"] = json!(context.source);
    record["window"] = json!(context.window);
    let queries = kernel.host.session.queries();
    if let Some(aws) = queries.iter().find(|q| q.region.is_some()) {
        record["region"] = json!(aws.region);
        record["account"] = json!(aws.account);
        record["endpoint"] = json!(aws.endpoint);
    }
    record["queries"] = json!(queries);
    record["finished"] = json!(now());
    record["duration"] = json!(run_started.elapsed().as_secs_f64());
    record["status"] = json!(match exit {
        0 => "ok",
        EXIT_CHECK_FAILED => "check failed",
        EXIT_INTERRUPTED => "interrupted",
        _ => "failed",
    });
    record["failures"] = Value::Array(failures);
    notebook.set_metadata("playbook", record);
    notebook.write_atomic(&output)?;
    remove_build_dirs(&build_dir);
    eprintln!(
        "{} in {:.1?}: wrote {}",
        if exit == 0 { "done" } else { "stopped" },
        run_started.elapsed(),
        output.display()
    );
    Ok(ExitCode::from(exit))
}

/// Checks the given parameters against the `parameters` cell and injects them in a cell
/// tagged `injected-parameters` right after it (first, when there is none), replacing
/// the one an earlier run injected.
fn inject_parameters(
    notebook: &mut Notebook,
    given: &[(String, String)],
) -> anyhow::Result<Vec<parameters::Resolved>> {
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
    Ok(resolved)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

fn interrupted_before_start(
    mut notebook: Notebook,
    mut record: Value,
    output: &Path,
    build_dir: &Path,
) -> anyhow::Result<ExitCode> {
    record["finished"] = json!(now());
    record["status"] = json!("interrupted");
    notebook.set_metadata("playbook", record);
    notebook.write_atomic(output)?;
    remove_build_dirs(build_dir);
    eprintln!(
        "interrupted before the first cell: wrote {}",
        output.display()
    );
    Ok(ExitCode::from(EXIT_INTERRUPTED))
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The outputs `message` produced; all were published before `execute_one` returned.
fn collect_outputs(
    rx: &mut UnboundedReceiver<JupyterMessage>,
    message: &JupyterMessage,
) -> Vec<Value> {
    let mut outputs = Outputs::default();
    while let Ok(published) = rx.try_recv() {
        let ours = published
            .parent_header
            .as_ref()
            .is_some_and(|p| p.msg_id == message.header.msg_id);
        if ours && !matches!(published.content, JupyterMessageContent::Status(_)) {
            outputs.push(&published.content);
        }
    }
    outputs.into_vec()
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
            html_escape(evalue)
        ),
        &["playbook-error-banner"],
    );
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
