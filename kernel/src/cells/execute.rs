//! Executing one cell (`execute_request`), for the kernel's executor and the headless
//! runner alike.
//!
//! Per request: `busy`, `execute_input`, the cell's streams and displays while it runs,
//! `execute_result` or `error`, the reply, `idle`. A panic, an error returned through `?`
//! (reported by the cell guard over the host channel), a compile error, a crash of the
//! evaluation process and an interrupt all give status `error`. After an error with
//! `stop_on_error`, the server's executor answers the requests already queued `aborted`.

use std::collections::HashMap;
use std::sync::Arc;

use jupyter_protocol::{
    DisplayData, ErrorOutput, ExecuteInput, ExecuteReply, ExecuteRequest, ExecuteResult,
    ExecutionCount, ExecutionState, ExpressionResult, JupyterMessage, Media, MediaType, ReplyError,
    ReplyStatus, Transient,
};
use serde_json::Value;

use super::build_display::BuildDisplay;
use super::host::CellReport;
use super::rust_engine::Evaluated;
use super::state::Kernel;
use crate::queries::interpolate::Scope;

/// The outcome of one cell, as the client will see it.
#[derive(Debug)]
enum Outcome {
    Ok(HashMap<String, String>),
    Error(ReplyError),
}

/// Executes one request: publishes `busy` and the cell's outputs, and returns the reply
/// and whether the cell failed. The caller sends the reply, then publishes `idle`.
pub(crate) async fn execute_one(
    kernel: &Arc<Kernel>,
    message: &JupyterMessage,
    request: &ExecuteRequest,
) -> (ExecuteReply, bool) {
    let iopub = &kernel.iopub;
    iopub.status(ExecutionState::Busy, Some(message));
    let count = if request.store_history && !request.silent {
        kernel.next_execution_count()
    } else {
        kernel.execution_count()
    };
    if !request.silent {
        iopub.publish(
            ExecuteInput {
                code: request.code.clone(),
                execution_count: ExecutionCount::new(count),
            },
            Some(message),
        );
    }

    let queries_before = kernel.host.session.queries().len();
    let checks_before = kernel.host.session.checks().len();
    let mut outcome = run_cell(kernel, message, request, &request.code).await;
    if let Err(failure) = flush_metrics(kernel).await
        && matches!(outcome, Outcome::Ok(_))
    {
        // The cell asked for its measurements to be published: not doing so is its error.
        outcome = failure;
    }

    let mut reply = ExecuteReply {
        execution_count: ExecutionCount::new(count),
        user_expressions: Some(HashMap::new()),
        ..ExecuteReply::default()
    };
    let failed = match &outcome {
        Outcome::Ok(data) => {
            if !request.silent && !data.is_empty() {
                let mut result = ExecuteResult::new(ExecutionCount::new(count), to_media(data));
                // The spec's `transient` is an object; never send null.
                result.transient = Some(Transient::default());
                iopub.publish(result, Some(message));
            }
            if let Some(expressions) = &request.user_expressions
                && !expressions.is_empty()
            {
                reply.user_expressions =
                    Some(user_expressions(kernel, message, request, expressions).await);
            }
            false
        }
        Outcome::Error(error) => {
            if !request.silent {
                iopub.publish(
                    ErrorOutput {
                        ename: error.ename.clone(),
                        evalue: error.evalue.clone(),
                        traceback: error.traceback.clone(),
                    },
                    Some(message),
                );
            }
            reply.status = ReplyStatus::Error;
            reply.error = Some(Box::new(error.clone()));
            offer_undos(kernel, message, request).await;
            true
        }
    };
    if !request.silent {
        publish_after_result(kernel, message, &outcome, checks_before, queries_before);
    }
    if request.store_history {
        remember(kernel, count, &request.code, &outcome);
    }
    (reply, failed)
}

/// Keeps the cell and its plain-text result in the history (`history_request`).
fn remember(kernel: &Kernel, count: usize, code: &str, outcome: &Outcome) {
    let output = match outcome {
        Outcome::Ok(data) => data.get("text/plain").cloned().unwrap_or_default(),
        Outcome::Error(_) => String::new(),
    };
    kernel.history().record(count, code, &output);
}

/// After a cell's result: the verdicts of checks it stated that the result does not show,
/// and what the engine noticed about the answers of the queries it ran.
fn publish_after_result(
    kernel: &Kernel,
    message: &JupyterMessage,
    outcome: &Outcome,
    checks_before: usize,
    queries_before: usize,
) {
    let shown = match outcome {
        Outcome::Ok(data) => data.get("text/plain").map_or("", String::as_str),
        Outcome::Error(_) => "",
    };
    let checks = kernel.host.session.checks();
    let new = checks.get(checks_before..).unwrap_or_default();
    if let Some(display) = super::verdicts::unshown(new, shown) {
        kernel.iopub.publish(display, Some(message));
    }
    publish_notes(kernel, message, queries_before);
}

/// A step failed: the person at the notebook is offered the undos of the actions done,
/// when the client takes input (headless runs offer them in `run`, by their flags).
async fn offer_undos(kernel: &Kernel, message: &JupyterMessage, request: &ExecuteRequest) {
    if request.allow_stdin && kernel.host.actions.has_undos() {
        let asker = super::Asker {
            parent: Some(message.clone()),
            allow_stdin: true,
        };
        kernel.host.offer_undos(&asker).await;
    }
}

/// Whether a cell that failed with `ename` was refused for its input rather than failing
/// as it ran: a query cell naming a parameter the run does not have.
pub(crate) fn refused_input(ename: &str) -> bool {
    ename == crate::queries::interpolate::ENAME
}

/// Runs a query cell on a blocking thread, its progress shown in place; a hint for the
/// person at the keyboard (what a name was bound to) is its own output.
async fn run_magic(
    kernel: &Arc<Kernel>,
    message: &JupyterMessage,
    magic: crate::queries::magics::Magic,
) -> Outcome {
    let session = kernel.host.session.clone();
    let progress = crate::queries::cells::Progress::new(kernel.iopub.clone(), message.clone());
    session.set_progress(Some(progress.sink()));
    let outcome =
        tokio::task::spawn_blocking(move || crate::queries::cells::run(&session, magic)).await;
    kernel.host.session.set_progress(None);
    progress.finish(matches!(outcome, Ok(Ok(_))));
    match outcome {
        Ok(Ok(answer)) => {
            if let Some(hint) = &answer.hint {
                kernel
                    .iopub
                    .publish(super::hints::display(hint), Some(message));
            }
            Outcome::Ok(crate::queries::cells::to_data(&answer.bundle))
        }
        Ok(Err((ename, evalue))) => error(&ename, &evalue),
        Err(join_error) => error("KernelError", &format!("the query failed: {join_error}")),
    }
}

/// Runs `code` for `message` and interprets what evcxr and the host channel reported.
async fn run_cell(
    kernel: &Arc<Kernel>,
    message: &JupyterMessage,
    request: &ExecuteRequest,
    code: &str,
) -> Outcome {
    if code.trim().is_empty() {
        return Outcome::Ok(HashMap::new());
    }
    let scope = Scope::new(kernel.host.session.context().parameters);
    if let Some(magic) = crate::queries::magics::parse(code, &scope) {
        return match magic {
            Ok(magic) => run_magic(kernel, message, magic).await,
            Err(refused) => error(refused.ename(), &refused.to_string()),
        };
    }
    // A library build the cell waits for (the engine's start, or its own first build)
    // shows itself after a second.
    let build = BuildDisplay::watch(
        kernel.iopub.clone(),
        message.clone(),
        kernel.engine.build_dir().to_owned(),
    );
    if let Err(why) = kernel.engine.ready().await {
        build.finish().await;
        return error(
            "EngineFailed",
            &format!("the Rust engine could not start: {why}"),
        );
    }
    let (bindings, bound_names) = kernel.host.session.binding_prelude(code);
    let token = kernel.begin_cell(message, request.allow_stdin);
    let engine = kernel.engine.clone();
    let stdin = kernel.host.stdin.clone();
    let parent = message.clone();
    let allow_stdin = request.allow_stdin;
    let runtime = tokio::runtime::Handle::current();
    let code = code.to_owned();
    let evaluated = tokio::task::spawn_blocking(move || {
        let reader = |prompt: &str, password: bool| -> String {
            match &stdin {
                Some(stdin) if allow_stdin => runtime
                    .block_on(stdin.ask(&parent, prompt, password))
                    .unwrap_or_default(),
                _ => {
                    eprintln!("playbook: input requested but this client does not accept input");
                    String::new()
                }
            }
        };
        engine.eval_with_input(&code, token, &bindings, &reader)
    })
    .await;
    build.finish().await;
    let report = kernel.end_cell();
    judge(kernel, evaluated, report, &bound_names)
}

/// What the evaluation came to, judged with what the cell reported meanwhile; the
/// bindings it was given are delivered when it succeeded.
fn judge(
    kernel: &Kernel,
    evaluated: Result<Evaluated, tokio::task::JoinError>,
    report: CellReport,
    bound_names: &[String],
) -> Outcome {
    match evaluated {
        Err(join_error) => error(
            "KernelError",
            &format!("the evaluation thread failed: {join_error}"),
        ),
        Ok(Evaluated::Failed {
            ename,
            evalue,
            traceback,
        }) => Outcome::Error(ReplyError {
            ename,
            evalue,
            traceback,
        }),
        Ok(Evaluated::Finished {
            data,
            returned_error,
        }) => {
            let outcome = judge_finished(data, report, returned_error);
            if matches!(outcome, Outcome::Ok(_)) {
                kernel.host.session.bindings_delivered(bound_names);
            }
            outcome
        }
    }
}

/// Shows the notes of the queries the cell ran (a query cell's or a Rust cell's): what
/// the engine adjusted or noticed, such as why an answer is empty (dimensions that do not
/// match, a window outside the data a local source holds), as `playbook query` prints them.
fn publish_notes(kernel: &Kernel, message: &JupyterMessage, queries_before: usize) {
    let queries = kernel.host.session.queries();
    let mut notes: Vec<&str> = Vec::new();
    for note in queries.iter().skip(queries_before).flat_map(|q| &q.notes) {
        if !notes.contains(&note.as_str()) {
            notes.push(note);
        }
    }
    if let Some(display) = notes_display(&notes) {
        kernel.iopub.publish(display, Some(message));
    }
}

/// The notes as one `display_data`, a line each (`note: …`).
fn notes_display(notes: &[&str]) -> Option<DisplayData> {
    if notes.is_empty() {
        return None;
    }
    let lines: Vec<String> = notes.iter().map(|n| format!("note: {n}")).collect();
    let html: String = lines
        .iter()
        .map(|l| format!("<p><small>{}</small></p>", playbook::html::escape(l)))
        .collect();
    Some(DisplayData::new(Media::new(vec![
        MediaType::Plain(lines.join("\n")),
        MediaType::Html(html),
    ])))
}

/// Publishes what the cell sent with `publish_metric` (one batch when the cell ends).
async fn flush_metrics(kernel: &Kernel) -> Result<(), Outcome> {
    let session = kernel.host.session.clone();
    match tokio::task::spawn_blocking(move || session.flush_metrics()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(error(
            "PublishFailed",
            &format!("publishing the cell's metrics: {e}"),
        )),
        Err(join_error) => Err(error(
            "KernelError",
            &format!("publishing failed: {join_error}"),
        )),
    }
}

/// A cell evcxr calls finished may still have panicked or returned an error through `?`
/// (`returned_error`: its text, which becomes the error's value, so the record, the
/// terminal, the summary and a notification all say what it was).
fn judge_finished(
    data: HashMap<String, String>,
    report: CellReport,
    returned_error: Option<String>,
) -> Outcome {
    if let Some((message, location)) = report.panic {
        let at = location.map(|l| format!(" at {l}")).unwrap_or_default();
        return error(
            "Panic",
            &format!("{message} (panicked{at}; variables defined in this cell were not kept)"),
        );
    }
    if report.ended_early || returned_error.is_some() {
        let message = returned_error
            .map(|e| e.trim_end().to_owned())
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| "an error was returned through `?`".into());
        return error(
            "CellError",
            &format!(
                "{message} (returned through `?`; variables defined in this cell were not kept)"
            ),
        );
    }
    Outcome::Ok(data)
}

fn error(ename: &str, evalue: &str) -> Outcome {
    Outcome::Error(ReplyError {
        ename: ename.into(),
        evalue: evalue.into(),
        traceback: vec![format!("{ename}: {evalue}")],
    })
}

fn to_media(data: &HashMap<String, String>) -> Media {
    let object: serde_json::Map<String, Value> = data
        .iter()
        .map(|(mime, content)| {
            let value = if mime.ends_with("json") {
                serde_json::from_str(content).unwrap_or_else(|_| Value::String(content.clone()))
            } else {
                Value::String(content.clone())
            };
            (mime.clone(), value)
        })
        .collect();
    serde_json::from_value(Value::Object(object)).unwrap_or_default()
}

async fn user_expressions(
    kernel: &Arc<Kernel>,
    message: &JupyterMessage,
    request: &ExecuteRequest,
    expressions: &HashMap<String, String>,
) -> HashMap<String, ExpressionResult> {
    let mut results = HashMap::new();
    for (name, expression) in expressions {
        let result = match run_cell(kernel, message, request, expression).await {
            Outcome::Ok(data) => ExpressionResult::Ok {
                data: to_media(&data),
                metadata: Default::default(),
            },
            Outcome::Error(e) => ExpressionResult::Error {
                ename: e.ename,
                evalue: e.evalue,
                traceback: e.traceback,
            },
        };
        results.insert(name.clone(), result);
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_reported_by_the_host_is_an_error() {
        let report = CellReport {
            token: 3,
            panic: Some(("boom".into(), Some("src/lib.rs:1:2".into()))),
            ended_early: true,
            ..CellReport::default()
        };
        match judge_finished(HashMap::new(), report, None) {
            Outcome::Error(e) => {
                assert_eq!(e.ename, "Panic");
                assert!(e.evalue.starts_with("boom (panicked at src/lib.rs:1:2"));
            }
            Outcome::Ok(_) => panic!("a panic must not be ok"),
        }
    }

    #[test]
    fn an_early_return_is_an_error() {
        let report = CellReport {
            ended_early: true,
            ..CellReport::default()
        };
        assert!(matches!(
            judge_finished(HashMap::new(), report, None),
            Outcome::Error(ReplyError { ref ename, .. }) if ename == "CellError"
        ));
    }

    #[test]
    fn an_error_returned_through_question_mark_keeps_its_own_text() {
        let report = CellReport {
            ended_early: true,
            ..CellReport::default()
        };
        let text = "NotFound: log group /app/x not found\n".to_owned();
        match judge_finished(HashMap::new(), report, Some(text)) {
            Outcome::Error(e) => {
                assert_eq!(e.ename, "CellError");
                assert!(
                    e.evalue
                        .starts_with("NotFound: log group /app/x not found (returned through `?`"),
                    "{}",
                    e.evalue
                );
                assert!(!e.evalue.contains("stderr above"));
            }
            Outcome::Ok(_) => panic!("an early return must not be ok"),
        }
    }

    #[test]
    fn query_notes_are_shown_a_line_each_and_escaped() {
        assert!(notes_display(&[]).is_none());
        let display = notes_display(&[
            "no Orders Latency with dimensions [] in local:d (dimensions must match exactly)",
            "<b>odd</b>",
        ])
        .expect("notes are shown");
        let media = serde_json::to_value(&display.data).unwrap();
        assert_eq!(
            media["text/plain"],
            "note: no Orders Latency with dimensions [] in local:d (dimensions must match \
             exactly)\nnote: <b>odd</b>"
        );
        assert!(
            media["text/html"]
                .as_str()
                .unwrap()
                .contains("note: &lt;b&gt;odd&lt;/b&gt;")
        );
    }

    #[test]
    fn json_mime_types_are_sent_as_json() {
        let mut data = HashMap::new();
        data.insert("application/json".to_string(), r#"{"a":1}"#.to_string());
        data.insert("text/plain".to_string(), "x".to_string());
        let media = serde_json::to_value(to_media(&data)).unwrap();
        assert_eq!(media["application/json"]["a"], 1);
        assert_eq!(media["text/plain"], "x");
    }
}
