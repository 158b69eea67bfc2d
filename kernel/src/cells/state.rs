//! The state one kernel shares between its tasks — the Rust engine, the host channel and
//! the engine session behind it, history and execution counts — and the cell lifecycle
//! over it (begin, end, interrupt). The ZeroMQ server (`crate::server`) and the headless
//! runner (`crate::run`) both drive cells through it.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use jupyter_protocol::JupyterMessage;
use playbook_engine::Session;

use super::host::{self, CellReport, Host};
use super::rust_engine::{RustEngine, StartConfig};
use crate::jupyter::history::History;
use crate::jupyter::iopub::IoPub;
use crate::jupyter::stdin::Stdin;

/// Shared state of a running kernel.
#[derive(Debug)]
pub(crate) struct Kernel {
    pub(crate) iopub: IoPub,
    pub(crate) engine: RustEngine,
    pub(crate) host: Host,
    history: Mutex<History>,
    execution_count: AtomicUsize,
    next_token: AtomicU64,
    executing: AtomicBool,
}

impl Kernel {
    pub(crate) fn history(&self) -> MutexGuard<'_, History> {
        self.history.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn execution_count(&self) -> usize {
        self.execution_count.load(Ordering::SeqCst)
    }

    pub(crate) fn next_execution_count(&self) -> usize {
        self.execution_count.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Marks `message` as the running cell; returns the cell's guard token.
    pub(crate) fn begin_cell(&self, message: &JupyterMessage, allow_stdin: bool) -> u64 {
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
    pub(crate) fn end_cell(&self) -> CellReport {
        self.executing.store(false, Ordering::SeqCst);
        *self.host.parent.lock().unwrap_or_else(|p| p.into_inner()) = None;
        std::mem::take(&mut *self.host.report.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Starts a kernel's shared state: the host channel (in a private directory next to
    /// `build_dir`) and the Rust engine in the background.
    pub(crate) fn start(
        iopub: IoPub,
        build_dir: &Path,
        stdin: Option<Stdin>,
    ) -> anyhow::Result<Arc<Kernel>> {
        // A kernel with a frontend's stdin has a person at the keyboard; a headless run has
        // none.
        let background_analysis = stdin.is_some();
        let (listener, socket_path) = host::bind(&build_dir.with_extension("host"))?;
        let host = Host {
            iopub: iopub.clone(),
            parent: Arc::default(),
            report: Arc::default(),
            stdin,
            session: Arc::new(Session::from_env()),
            actions: Arc::new(crate::actions::Actions::interactive()),
        };
        tokio::spawn(host::serve(listener, host.clone()));
        let engine = RustEngine::start(StartConfig {
            build_dir: build_dir.to_owned(),
            host_socket: socket_path,
            iopub: iopub.clone(),
            parent: host.parent.clone(),
            background_analysis,
            // A template that no longer fits this binary is rebuilt once (or waited for)
            // before the engine copies it.
            before_start: super::template::repair_if_stale,
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
    pub(crate) fn interrupt(&self) {
        if let Some(stdin) = &self.host.stdin {
            stdin.cancel();
        }
        // A query cell waiting on a query: stop the query (StopQuery), keep the session.
        self.host.session.cancel();
        // An action running: kill its process group.
        self.host.actions.cancel();
        if self.executing.load(Ordering::SeqCst) {
            self.engine.interrupt();
        }
    }
}
