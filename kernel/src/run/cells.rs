//! Running the cells of a run: each in order, bounded by signals and `--cell-timeout`,
//! its outputs collected (capped, masked) and recorded, failures marked the way papermill
//! marks them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use jupyter_protocol::{ExecuteReply, ExecuteRequest, JupyterMessage, JupyterMessageContent};
use playbook::protocol::ErrorKind;
use playbook::record::QueryRecord;
use tokio::sync::mpsc::UnboundedReceiver;

use super::{Run, Signals};
use crate::cells::{Kernel, execute_one};
use crate::exit::Exit;
use crate::record::notebook::Notebook;
use crate::record::run_record::{self as record, CellRecord, CellStatus, Failure};
use crate::record::summary::StepTime;
use crate::run::outputs::Outputs;

/// How one cell ended.
pub(super) enum CellEnd {
    Ok,
    Failed {
        ename: String,
        evalue: String,
        /// The run's exit class when the cell failed because its data source did (or its
        /// input was bad: a query cell naming a parameter the run lacks).
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

impl Run {
    /// Runs every code cell in order, until one fails (unless `--allow-errors`) or the
    /// run is stopped.
    pub(super) async fn run_cells(
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
            let actions_before = kernel.host.actions.log().len();
            let (end, count, elapsed) = self.run_cell(kernel, signals, iopub, index).await;
            self.after_actions(kernel, actions_before);
            let failed = matches!(end, CellEnd::Failed { .. });
            self.progress.learn(kernel.host.session.known_secrets());
            let status = end.status();
            self.steps.push(StepTime {
                step: step.clone(),
                status,
                seconds: elapsed.as_secs_f64(),
            });
            if !self.progress.is_bar() {
                self.progress
                    .line(&format!("      {} in {elapsed:.2?}", status.as_str()));
            } else if end.status() != CellStatus::Ok {
                self.progress.line(&format!(
                    "[{}/{}] {step}: {}",
                    position + 1,
                    code_cells.len(),
                    status.as_str()
                ));
            }
            if self.after_cell(index, count, end) {
                if failed {
                    self.offer_undos(kernel).await;
                }
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
        let checks_before = kernel.host.session.checks().len();
        let actions_before = kernel.host.actions.log().len();
        kernel.host.session.take_source_failure();
        let clock = Instant::now();
        let code = match &self.evaluated {
            Some((at, code)) if *at == index => code.clone(),
            _ => self.notebook.source(index),
        };
        let request = ExecuteRequest {
            code,
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
        let source_failure = kernel.host.session.take_source_failure();
        let end = self.cell_end(&reply, failed, stopped_by, &queries, source_failure);
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
            checks: (kernel.host.session.checks().into_iter())
                .skip(checks_before)
                .map(|c| c.name)
                .collect(),
            actions: (kernel.host.actions.log().into_iter())
                .skip(actions_before)
                .map(|a| a.name)
                .collect(),
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
        source_failure: Option<ErrorKind>,
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
                let ename = error.map_or("Error".into(), |e| e.ename.clone());
                // A query cell naming a parameter the run does not have is bad input.
                let bad_input = crate::cells::refused_input(&ename);
                CellEnd::Failed {
                    ename,
                    evalue: error.map_or(String::new(), |e| e.evalue.clone()),
                    // The last query of the cell that failed (or a source it could not
                    // open) says whether the source did.
                    source: match bad_input {
                        true => Some(Exit::BadInput),
                        false => (queries.iter().rev())
                            .find_map(|q| q.error_kind)
                            .or(source_failure)
                            .and_then(Exit::of_source),
                    },
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
                let class = source.unwrap_or(Exit::CellFailed);
                if class.severity() > self.exit.severity() {
                    self.exit = class;
                }
                let stop = !self.options.allow_errors;
                // Numbered as the executed record shows it, after the banner and anchor.
                let position = if stop {
                    mark_failure(&mut self.notebook, index, count, &ename, &evalue)
                } else {
                    index
                };
                self.record.failures.push(Failure {
                    cell: position + 1,
                    ename,
                    evalue,
                });
                stop
            }
            CellEnd::Interrupted(signal) => {
                let evalue = format!("stopped by {signal}");
                mark_failure(&mut self.notebook, index, count, "Interrupted", &evalue);
                self.exit = Exit::Interrupted;
                true
            }
        }
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
            // Hints are for the person at the keyboard, not for the record.
            let hint = matches!(&published.content, JupyterMessageContent::DisplayData(d)
                if crate::cells::hints::is_hint_message(d));
            if !hint {
                outputs.push(&published.content);
            }
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
/// anchor just above the cell; the cell's index once both are in.
fn mark_failure(
    notebook: &mut Notebook,
    index: usize,
    count: usize,
    ename: &str,
    evalue: &str,
) -> usize {
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
    index + 2
}

#[cfg(test)]
mod tests {
    use super::*;

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
