//! Publishing on iopub, and forwarding the evaluation process's stdout/stderr to it.
//!
//! Only the iopub task owns the PUB socket; everyone else holds an [`IoPub`] handle and
//! sends typed messages through a channel, so publishing never blocks and never needs a
//! lock across `.await`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, select};
use jupyter_protocol::{
    ExecutionState, JupyterMessage, JupyterMessageContent, Status, StreamContent,
};
use tokio::sync::mpsc::UnboundedSender;

/// A cheap, cloneable handle to the iopub socket.
#[derive(Clone, Debug)]
pub(crate) struct IoPub {
    tx: UnboundedSender<JupyterMessage>,
}

impl IoPub {
    pub(crate) fn new(tx: UnboundedSender<JupyterMessage>) -> IoPub {
        IoPub { tx }
    }

    /// Publishes `content` as a child of `parent` (or with no parent).
    pub(crate) fn publish(
        &self,
        content: impl Into<JupyterMessageContent>,
        parent: Option<&JupyterMessage>,
    ) {
        let mut message = JupyterMessage::new(content.into(), parent);
        message.header.username = "playbook".into();
        // iopub messages carry a topic, not the request's routing identities.
        message.zmq_identities.clear();
        // The iopub task only stops at shutdown; nothing is lost that anyone would read.
        let _ = self.tx.send(message);
    }

    /// Publishes `status: state`.
    pub(crate) fn status(&self, state: ExecutionState, parent: Option<&JupyterMessage>) {
        self.publish(
            Status {
                execution_state: state,
            },
            parent,
        );
    }
}

/// Appends a line read from the evaluation process: with its newline, or as it was when
/// the cell ended without one (evcxr marks those, see `vendor/evcxr/PATCHES.md`).
fn push_line(text: &mut String, line: &str) {
    match line.strip_suffix(evcxr::PARTIAL_LINE_SUFFIX) {
        Some(partial) => text.push_str(partial),
        None => {
            text.push_str(line);
            text.push('\n');
        }
    }
}

/// The request whose outputs are being produced now (shared with the host channel).
pub(crate) type CurrentParent = Arc<Mutex<Option<JupyterMessage>>>;

/// Forwards the evaluation process's output lines to iopub as `stream` messages, batching
/// lines that arrive together. [`OutputForwarder::flush`] returns once everything
/// received so far has been published, so a cell's output always precedes its reply.
#[derive(Clone, Debug)]
pub(crate) struct OutputForwarder {
    flush_tx: Sender<Sender<()>>,
}

const BATCH_LINES: usize = 256;
/// How long stderr must stay quiet before a flush is considered complete; stderr comes
/// through a separate pipe, not ordered with the end of the cell.
const STDERR_SETTLE: Duration = Duration::from_millis(5);

impl OutputForwarder {
    pub(crate) fn start(
        stdout: Receiver<String>,
        stderr: Receiver<String>,
        iopub: IoPub,
        parent: CurrentParent,
    ) -> OutputForwarder {
        let (flush_tx, flush_rx) = crossbeam_channel::unbounded::<Sender<()>>();
        let forward =
            move |first: String, rx: &Receiver<String>, stream: fn(&str) -> StreamContent| {
                let mut text = String::new();
                for line in std::iter::once(first).chain(rx.try_iter().take(BATCH_LINES)) {
                    push_line(&mut text, &line);
                }
                let parent = parent.lock().unwrap_or_else(|p| p.into_inner()).clone();
                iopub.publish(stream(&text), parent.as_ref());
            };
        let spawned = std::thread::Builder::new()
            .name("output-forwarder".into())
            .spawn(move || {
                loop {
                    select! {
                        recv(stdout) -> line => match line {
                            Ok(line) => forward(line, &stdout, StreamContent::stdout),
                            Err(_) => break,
                        },
                        recv(stderr) -> line => match line {
                            Ok(line) => forward(line, &stderr, StreamContent::stderr),
                            Err(_) => break,
                        },
                        recv(flush_rx) -> ack => {
                            let Ok(ack) = ack else { break };
                            while let Ok(line) = stdout.try_recv() {
                                forward(line, &stdout, StreamContent::stdout);
                            }
                            while let Ok(line) = stderr.recv_timeout(STDERR_SETTLE) {
                                forward(line, &stderr, StreamContent::stderr);
                            }
                            let _ = ack.send(());
                        },
                    }
                }
            });
        if let Err(error) = spawned {
            eprintln!("playbook: cannot start the output forwarder: {error}");
        }
        OutputForwarder { flush_tx }
    }

    /// Waits (blocking) until every line received so far is published.
    pub(crate) fn flush(&self) {
        let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
        if self.flush_tx.send(ack_tx).is_ok() {
            let _ = ack_rx.recv_timeout(Duration::from_secs(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::push_line;

    #[test]
    fn output_without_a_newline_keeps_its_end() {
        let mut text = String::new();
        push_line(&mut text, "a");
        push_line(&mut text, &format!("b{}", evcxr::PARTIAL_LINE_SUFFIX));
        assert_eq!(text, "a\nb");
    }
}
