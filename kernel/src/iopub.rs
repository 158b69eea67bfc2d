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
pub struct IoPub {
    tx: UnboundedSender<JupyterMessage>,
}

impl IoPub {
    pub fn new(tx: UnboundedSender<JupyterMessage>) -> IoPub {
        IoPub { tx }
    }

    /// Publishes `content` as a child of `parent` (or with no parent).
    pub fn publish(
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
    pub fn status(&self, state: ExecutionState, parent: Option<&JupyterMessage>) {
        self.publish(
            Status {
                execution_state: state,
            },
            parent,
        );
    }
}

/// The request whose outputs are being produced now (shared with the host channel).
pub type CurrentParent = Arc<Mutex<Option<JupyterMessage>>>;

/// Forwards the evaluation process's output lines to iopub as `stream` messages, batching
/// lines that arrive together. [`OutputForwarder::flush`] returns once everything
/// received so far has been published, so a cell's output always precedes its reply.
#[derive(Clone, Debug)]
pub struct OutputForwarder {
    flush_tx: Sender<Sender<()>>,
}

const BATCH_LINES: usize = 256;
/// How long stderr must stay quiet before a flush is considered complete; stderr comes
/// through a separate pipe, not ordered with the end of the cell.
const STDERR_SETTLE: Duration = Duration::from_millis(5);

impl OutputForwarder {
    pub fn start(
        stdout: Receiver<String>,
        stderr: Receiver<String>,
        iopub: IoPub,
        parent: CurrentParent,
    ) -> OutputForwarder {
        let (flush_tx, flush_rx) = crossbeam_channel::unbounded::<Sender<()>>();
        let forward =
            move |first: String, rx: &Receiver<String>, stream: fn(&str) -> StreamContent| {
                let mut text = first;
                text.push('\n');
                for line in rx.try_iter().take(BATCH_LINES) {
                    text.push_str(&line);
                    text.push('\n');
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
    pub fn flush(&self) {
        let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
        if self.flush_tx.send(ack_tx).is_ok() {
            let _ = ack_rx.recv_timeout(Duration::from_secs(5));
        }
    }
}
