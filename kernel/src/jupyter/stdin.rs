//! The stdin channel: asking the client for input on behalf of a running cell.

use std::sync::{Arc, Mutex};

use jupyter_protocol::{InputRequest, JupyterMessage, JupyterMessageContent};
use tokio::sync::oneshot;
use zeromq::{RouterRecvHalf, RouterSendHalf, SocketRecv, SocketSend};

use crate::jupyter::wire::Signer;

/// Sends `input_request`s and routes `input_reply`s back to the waiting cell.
#[derive(Clone)]
pub(crate) struct Stdin {
    send: Arc<tokio::sync::Mutex<RouterSendHalf>>,
    pending: Arc<Mutex<Option<oneshot::Sender<String>>>>,
    signer: Signer,
}

impl std::fmt::Debug for Stdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stdin")
    }
}

/// Why no answer came back.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InputError {
    #[error("the input request was cancelled (interrupt or shutdown)")]
    Cancelled,
    #[error("could not send the input request: {0}")]
    Send(String),
}

impl Stdin {
    /// Takes the two halves of the stdin ROUTER socket and starts the reply reader.
    pub(crate) fn start(send: RouterSendHalf, mut recv: RouterRecvHalf, signer: Signer) -> Stdin {
        let stdin = Stdin {
            send: Arc::new(tokio::sync::Mutex::new(send)),
            pending: Arc::new(Mutex::new(None)),
            signer: signer.clone(),
        };
        let pending = stdin.pending.clone();
        tokio::spawn(async move {
            while let Ok(raw) = recv.recv().await {
                match signer.decode(raw) {
                    Ok(message) => match message.content {
                        JupyterMessageContent::InputReply(reply) => {
                            let waiting = pending.lock().unwrap_or_else(|p| p.into_inner()).take();
                            match waiting {
                                Some(tx) => {
                                    let _ = tx.send(reply.value);
                                }
                                None => eprintln!("playbook: input_reply with no request waiting"),
                            }
                        }
                        other => eprintln!(
                            "playbook: ignoring {} on the stdin channel",
                            other.message_type()
                        ),
                    },
                    Err(error) => eprintln!("playbook: dropped a stdin message: {error}"),
                }
            }
        });
        stdin
    }

    /// Asks the client that sent `parent` for a line of input and waits for it.
    pub(crate) async fn ask(
        &self,
        parent: &JupyterMessage,
        prompt: &str,
        password: bool,
    ) -> Result<String, InputError> {
        let (tx, rx) = oneshot::channel();
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        let request = JupyterMessage::new(
            InputRequest {
                prompt: prompt.to_owned(),
                password,
            },
            Some(parent),
        );
        let frames = self.signer.encode(&request);
        self.send
            .lock()
            .await
            .send(frames)
            .await
            .map_err(|e| InputError::Send(e.to_string()))?;
        rx.await.map_err(|_| InputError::Cancelled)
    }

    /// Cancels a pending request (on interrupt).
    pub(crate) fn cancel(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}
