//! The host channel: the Unix socket over which cells (in the evaluation process) ask the
//! kernel for what needs the kernel — rich output, input, cell-failure reports — and the
//! engine for everything else.
//!
//! The socket lives in a private (0700) directory next to the cell build directory; its
//! path reaches the evaluation process through `PLAYBOOK_HOST_SOCKET`. Each cell's copy of
//! the library opens its own connection, so connections are served concurrently.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jupyter_protocol::{ClearOutput, DisplayData, Media, Transient, UpdateDisplayData};
use playbook::protocol::{Answer, ErrorKind, Reply, Request};
use playbook_engine::Session;
use serde_json::{Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::jupyter::iopub::{CurrentParent, IoPub};
use crate::jupyter::stdin::Stdin;

/// What the host has heard about the cell that is running now.
#[derive(Debug, Default, Clone)]
pub(crate) struct CellReport {
    /// The token of the running cell's guard (0: none running).
    pub(crate) token: u64,
    /// Whether the running request allows stdin.
    pub(crate) allow_stdin: bool,
    /// A panic's message and location.
    pub(crate) panic: Option<(String, Option<String>)>,
    /// The cell's guard was dropped during the cell: `?` returned early, or a panic.
    pub(crate) ended_early: bool,
}

/// Everything the host channel needs, shared with the executor.
#[derive(Clone, Debug)]
pub(crate) struct Host {
    pub(crate) iopub: IoPub,
    pub(crate) parent: CurrentParent,
    pub(crate) report: Arc<Mutex<CellReport>>,
    /// The stdin channel; `None` for headless runs, where nobody can answer.
    pub(crate) stdin: Option<Stdin>,
    pub(crate) session: Arc<Session>,
    /// The actions cells asked for: their policy, results and undos.
    pub(crate) actions: Arc<crate::actions::Actions>,
}

impl Host {
    fn report(&self) -> std::sync::MutexGuard<'_, CellReport> {
        self.report.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The request of the running cell, if any.
    pub(super) fn current_parent(&self) -> Option<jupyter_protocol::JupyterMessage> {
        self.parent()
    }

    /// Whether the running request allows stdin.
    pub(super) fn allows_stdin(&self) -> bool {
        self.report().allow_stdin
    }

    fn parent(&self) -> Option<jupyter_protocol::JupyterMessage> {
        self.parent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Answers one request.
    pub(crate) async fn handle(&self, request: Request) -> Reply {
        match request {
            Request::Display {
                data,
                metadata,
                display_id,
                update,
            } => self.display(data, metadata, display_id, update),
            Request::ClearOutput { wait } => {
                self.iopub
                    .publish(ClearOutput { wait }, self.parent().as_ref());
                Reply::done()
            }
            Request::Input { prompt, password } => self.input(&prompt, password).await,
            Request::Action { action } => self.action(action).await,
            Request::CellGuardDropped { cell } => {
                let mut report = self.report();
                if cell != 0 && cell == report.token {
                    report.ended_early = true;
                }
                Reply::done()
            }
            Request::Panic { message, location } => {
                self.report().panic = Some((message, location));
                Reply::done()
            }
            other => {
                // Queries read files or wait on AWS: never on a tokio worker.
                let session = self.session.clone();
                tokio::task::spawn_blocking(move || session.handle(&other))
                    .await
                    .unwrap_or_else(|e| Some(Reply::error(ErrorKind::Internal, e.to_string())))
                    .unwrap_or_else(|| {
                        Reply::error(ErrorKind::Unsupported, "not answered by this host")
                    })
            }
        }
    }

    /// Shows a MIME bundle under the cell, or replaces the one shown under `display_id`.
    fn display(
        &self,
        data: Map<String, Value>,
        metadata: Map<String, Value>,
        display_id: Option<String>,
        update: bool,
    ) -> Reply {
        let media: Media = match serde_json::from_value(Value::Object(data)) {
            Ok(media) => media,
            Err(e) => {
                return Reply::error(ErrorKind::BadRequest, format!("not a MIME bundle: {e}"));
            }
        };
        let parent = self.parent();
        match (update, display_id) {
            (true, Some(id)) => {
                let mut content = UpdateDisplayData::new(media, &id);
                content.metadata = metadata;
                self.iopub.publish(content, parent.as_ref());
            }
            (true, None) => {
                return Reply::error(ErrorKind::BadRequest, "an update needs a display_id");
            }
            (false, display_id) => {
                let mut content = DisplayData::new(media);
                content.metadata = metadata;
                content.transient = display_id.map(|id| Transient {
                    display_id: Some(id),
                });
                self.iopub.publish(content, parent.as_ref());
            }
        }
        Reply::done()
    }

    /// Asks the person at the notebook for a line, if this client takes input.
    async fn input(&self, prompt: &str, password: bool) -> Reply {
        let allowed = self.report().allow_stdin;
        match (self.parent(), &self.stdin) {
            (Some(parent), Some(stdin)) if allowed => {
                match stdin.ask(&parent, prompt, password).await {
                    Ok(value) => Reply::ok(Answer::Text(value)),
                    Err(e) => Reply::error(ErrorKind::InputFailed, e.to_string()),
                }
            }
            _ => Reply::error(
                ErrorKind::InputNotAllowed,
                "this client does not accept input (allow_stdin is false)",
            ),
        }
    }
}

/// Creates the socket's private directory (`socket_dir`: a short one when `dir` is too
/// long for a socket path) and binds the listener.
pub(crate) fn bind(dir: &Path) -> anyhow::Result<(UnixListener, PathBuf)> {
    let path = super::socket_dir::create(dir)?.join(super::socket_dir::SOCKET_NAME);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    Ok((listener, path))
}

/// Serves connections until the listener fails.
pub(crate) async fn serve(listener: UnixListener, host: Host) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let host = host.clone();
                tokio::spawn(async move { serve_connection(stream, host).await });
            }
            Err(error) => {
                eprintln!("playbook: host channel stopped accepting: {error}");
                return;
            }
        }
    }
}

async fn serve_connection(stream: UnixStream, host: Host) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let reply = match serde_json::from_str::<Request>(&line) {
            Ok(request) => host.handle(request).await,
            Err(e) => Reply::error(ErrorKind::BadRequest, format!("not a host request: {e}")),
        };
        let mut text = serde_json::to_string(&reply).unwrap_or_else(|_| "{}".into());
        text.push('\n');
        if write.write_all(text.as_bytes()).await.is_err() {
            return;
        }
    }
}
