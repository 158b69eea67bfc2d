//! The kernel process: binds the five sockets of the connection file, starts the Rust
//! engine and the host channel in the background, and serves every channel until a
//! `shutdown_request`.
//!
//! Tasks: one receiver per ROUTER channel (shell, control, stdin), the iopub publisher,
//! the heartbeat echo, the host channel, and the executor that runs cells in order.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use bytes::Bytes;
use jupyter_protocol::{ConnectionInfo, ExecutionState, JupyterMessage, JupyterMessageContent};
use playbook::engine::Session;
use tokio::sync::mpsc::{self, UnboundedSender};
use zeromq::{
    PubSocket, RepSocket, RouterRecvHalf, RouterSendHalf, RouterSocket, Socket, SocketRecv,
    SocketSend,
};

use crate::execute::run_executor;
use crate::history::History;
use crate::host::{self, CellReport, Host};
use crate::iopub::IoPub;
use crate::rust_engine::{RustEngine, StartConfig};
use crate::shell::{After, answer};
use crate::stdin::Stdin;
use crate::wire::Signer;

/// Shared state of a running kernel.
#[derive(Debug)]
pub struct Kernel {
    pub iopub: IoPub,
    pub engine: RustEngine,
    pub host: Host,
    history: Mutex<History>,
    execution_count: AtomicUsize,
    next_token: AtomicU64,
    executing: AtomicBool,
}

impl Kernel {
    pub fn history(&self) -> MutexGuard<'_, History> {
        self.history.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn execution_count(&self) -> usize {
        self.execution_count.load(Ordering::SeqCst)
    }

    pub fn next_execution_count(&self) -> usize {
        self.execution_count.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Marks `message` as the running cell; returns the cell's guard token.
    pub fn begin_cell(&self, message: &JupyterMessage, allow_stdin: bool) -> u64 {
        let token = self.next_token.fetch_add(1, Ordering::SeqCst);
        *self.host.parent.lock().unwrap_or_else(|p| p.into_inner()) = Some(message.clone());
        *self.host.report.lock().unwrap_or_else(|p| p.into_inner()) = CellReport {
            token,
            allow_stdin,
            ..CellReport::default()
        };
        self.executing.store(true, Ordering::SeqCst);
        token
    }

    /// Ends the running cell and returns what the host heard about it.
    pub fn end_cell(&self) -> CellReport {
        self.executing.store(false, Ordering::SeqCst);
        *self.host.parent.lock().unwrap_or_else(|p| p.into_inner()) = None;
        std::mem::take(&mut *self.host.report.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Starts a kernel's shared state: the host channel (in a private directory next to
    /// `build_dir`) and the Rust engine in the background.
    pub fn start(
        iopub: IoPub,
        build_dir: &Path,
        stdin: Option<Stdin>,
    ) -> anyhow::Result<Arc<Kernel>> {
        let (listener, socket_path) = host::bind(&build_dir.with_extension("host"))?;
        let host = Host {
            iopub: iopub.clone(),
            parent: Arc::default(),
            report: Arc::default(),
            stdin,
            session: Arc::new(Session::from_env()),
        };
        tokio::spawn(host::serve(listener, host.clone()));
        let engine = RustEngine::start(StartConfig {
            build_dir: build_dir.to_owned(),
            host_socket: socket_path,
            iopub: iopub.clone(),
            parent: host.parent.clone(),
        });
        Ok(Arc::new(Kernel {
            iopub,
            engine,
            host,
            history: Mutex::default(),
            execution_count: AtomicUsize::new(0),
            next_token: AtomicU64::new(1),
            executing: AtomicBool::new(false),
        }))
    }

    /// Interrupts the running cell, if any (an idle kernel keeps its variables).
    pub fn interrupt(&self) {
        if let Some(stdin) = &self.host.stdin {
            stdin.cancel();
        }
        // A query cell waiting on a query: stop the query (StopQuery), keep the session.
        self.host.session.cancel();
        if self.executing.load(Ordering::SeqCst) {
            self.engine.interrupt();
        }
    }
}

/// Sends replies on one ROUTER channel.
#[derive(Clone)]
pub struct Replier {
    send: Arc<tokio::sync::Mutex<RouterSendHalf>>,
    signer: Signer,
}

impl Replier {
    /// Sends `content` as the reply to `parent`.
    pub async fn reply(&self, content: impl Into<JupyterMessageContent>, parent: &JupyterMessage) {
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
pub async fn run(info: ConnectionInfo, build_dir: PathBuf) -> anyhow::Result<()> {
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

/// Removes a kernel's build directory and the directories kept next to it.
pub fn remove_build_dirs(build_dir: &Path) {
    let _ = std::fs::remove_dir_all(build_dir.with_extension("host"));
    let _ = std::fs::remove_dir_all(build_dir.with_extension("config"));
    let _ = std::fs::remove_dir_all(build_dir);
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
