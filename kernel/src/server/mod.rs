//! The kernel process as Jupyter sees it: binds the five sockets of the connection file,
//! starts the kernel's state (`crate::cells::Kernel`) and serves every channel until a
//! `shutdown_request`.
//!
//! Tasks: one receiver per ROUTER channel (shell, control; stdin lives in
//! `crate::jupyter::stdin`), the iopub publisher, the heartbeat echo, and the executor
//! that runs cells in order (`executor.rs`); every other request is answered by
//! `shell.rs`.

mod executor;
mod shell;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use jupyter_protocol::{ConnectionInfo, ExecutionState, JupyterMessage, JupyterMessageContent};
use tokio::sync::mpsc::{self, UnboundedSender};
use zeromq::{
    PubSocket, RepSocket, RouterRecvHalf, RouterSendHalf, RouterSocket, Socket, SocketRecv,
    SocketSend,
};

use crate::cells::{Kernel, remove_build_dirs};
use crate::jupyter::iopub::IoPub;
use crate::jupyter::stdin::Stdin;
use crate::jupyter::wire::Signer;
use executor::run_executor;
use shell::{After, answer};

/// Sends replies on one ROUTER channel.
#[derive(Clone)]
pub(crate) struct Replier {
    send: Arc<tokio::sync::Mutex<RouterSendHalf>>,
    signer: Signer,
}

impl Replier {
    /// Sends `content` as the reply to `parent`.
    pub(crate) async fn reply(
        &self,
        content: impl Into<JupyterMessageContent>,
        parent: &JupyterMessage,
    ) {
        let mut message = JupyterMessage::new(content.into(), Some(parent));
        message.header.username = "playbook".into();
        let frames = self.signer.encode(&message);
        if let Err(error) = self.send.lock().await.send(frames).await {
            eprintln!("playbook: could not send a reply: {error}");
        }
    }
}

async fn router(url: &str) -> anyhow::Result<(RouterSendHalf, RouterRecvHalf)> {
    let mut socket = RouterSocket::new();
    socket
        .bind(url)
        .await
        .with_context(|| format!("binding {url}"))?;
    Ok(socket.split())
}

/// Runs a kernel for the connection described by `info` until it is shut down.
pub(crate) async fn run(info: ConnectionInfo, build_dir: PathBuf) -> anyhow::Result<()> {
    let signer = Signer::new(&info.key);
    let (shell_tx, shell_rx) = router(&info.shell_url()).await?;
    let (control_tx, control_rx) = router(&info.control_url()).await?;
    let (stdin_tx, stdin_rx) = router(&info.stdin_url()).await?;
    let mut iopub_socket = PubSocket::new();
    iopub_socket
        .bind(&info.iopub_url())
        .await
        .with_context(|| format!("binding {}", info.iopub_url()))?;
    let mut heartbeat = RepSocket::new();
    heartbeat
        .bind(&info.hb_url())
        .await
        .with_context(|| format!("binding {}", info.hb_url()))?;

    let (iopub_tx, iopub_rx) = mpsc::unbounded_channel();
    tokio::spawn(publish(iopub_socket, iopub_rx, signer.clone()));
    tokio::spawn(async move {
        while let Ok(ping) = heartbeat.recv().await {
            if heartbeat.send(ping).await.is_err() {
                break;
            }
        }
    });
    let iopub = IoPub::new(iopub_tx);
    iopub.status(ExecutionState::Starting, None);
    let kernel = Kernel::start(
        iopub,
        &build_dir,
        Some(Stdin::start(stdin_tx, stdin_rx, signer.clone())),
    )?;

    let shell_replier = Replier {
        send: Arc::new(tokio::sync::Mutex::new(shell_tx)),
        signer: signer.clone(),
    };
    let control_replier = Replier {
        send: Arc::new(tokio::sync::Mutex::new(control_tx)),
        signer: signer.clone(),
    };
    let (exec_tx, exec_rx) = mpsc::unbounded_channel();
    tokio::spawn(run_executor(kernel.clone(), exec_rx, shell_replier.clone()));
    let (stop_tx, mut stop_rx) = mpsc::unbounded_channel::<()>();
    tokio::spawn(serve_channel(
        "shell",
        shell_rx,
        shell_replier,
        kernel.clone(),
        signer.clone(),
        Some(exec_tx),
        stop_tx.clone(),
    ));
    tokio::spawn(serve_channel(
        "control",
        control_rx,
        control_replier,
        kernel.clone(),
        signer,
        None,
        stop_tx,
    ));
    let interrupter = kernel.clone();
    tokio::spawn(async move {
        // Ctrl-C in the terminal that started the kernel interrupts the cell, like
        // an interrupt_request; it does not kill the kernel.
        while tokio::signal::ctrl_c().await.is_ok() {
            interrupter.interrupt();
        }
    });
    stop_rx.recv().await;
    // Give the shutdown reply and the last iopub messages a moment to leave.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    remove_build_dirs(&build_dir);
    Ok(())
}

async fn publish(
    mut socket: PubSocket,
    mut rx: mpsc::UnboundedReceiver<JupyterMessage>,
    signer: Signer,
) {
    while let Some(mut message) = rx.recv().await {
        let topic = format!("kernel.playbook.{}", message.message_type());
        message.zmq_identities = vec![Bytes::from(topic)];
        if let Err(error) = socket.send(signer.encode(&message)).await {
            eprintln!("playbook: iopub send failed: {error}");
        }
    }
}

/// Serves one ROUTER request channel (shell or control).
async fn serve_channel(
    name: &'static str,
    mut recv: RouterRecvHalf,
    replier: Replier,
    kernel: Arc<Kernel>,
    signer: Signer,
    executor: Option<UnboundedSender<JupyterMessage>>,
    stop: UnboundedSender<()>,
) {
    loop {
        let raw = match recv.recv().await {
            Ok(raw) => raw,
            Err(error) => {
                // Do not spin if the socket keeps failing.
                eprintln!("playbook: {name} channel receive failed: {error}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let message = match signer.decode(raw) {
            Ok(message) => message,
            Err(error) => {
                eprintln!("playbook: dropped a message on {name}: {error}");
                continue;
            }
        };
        if let (JupyterMessageContent::ExecuteRequest(_), Some(executor)) =
            (&message.content, &executor)
        {
            let _ = executor.send(message);
            continue;
        }
        kernel.iopub.status(ExecutionState::Busy, Some(&message));
        let (reply, after) = answer(&kernel, &message).await;
        if let Some(reply) = reply {
            replier.reply(reply, &message).await;
        }
        kernel.iopub.status(ExecutionState::Idle, Some(&message));
        if after == After::Shutdown {
            let _ = stop.send(());
        }
    }
}
