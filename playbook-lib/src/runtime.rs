//! How the kernel learns that a cell failed even when evcxr says "ok".
//!
//! evcxr catches a panic in cell code and an error returned through `?` at the top level
//! of a cell, prints it, and reports success. The kernel therefore starts every Rust cell
//! with `let _playbook_cell_guard = ::playbook::runtime::CellGuard::new(TOKEN);`:
//! - when the cell completes, the guard is stored with the cell's other variables and
//!   lives on (it is dropped during a later cell, with another token);
//! - when `?` returns early or a panic unwinds, the guard is dropped *during its own
//!   cell*, and tells the host so before the cell ends.
//!
//! The guard also installs a panic hook that reports the panic's message and location.
//! Every message is sent synchronously, so the host knows before evcxr answers.

use crate::host;
use crate::protocol::Request;

/// Reports to the host when a cell ends early (see the module docs).
#[derive(Debug)]
pub struct CellGuard {
    cell: u64,
}

impl CellGuard {
    /// Arms a guard for the cell with the kernel's token `cell` and installs the panic hook.
    pub fn new(cell: u64) -> CellGuard {
        install_panic_hook();
        CellGuard { cell }
    }
}

impl Drop for CellGuard {
    fn drop(&mut self) {
        let request = Request::CellGuardDropped { cell: self.cell };
        if std::thread::panicking() {
            let _ = host::try_request(&request);
        } else {
            let _ = host::request(&request);
        }
    }
}

/// Replaces the process's panic hook with one that reports to the host (which shows the
/// panic as the cell's error), or prints the usual message when the host cannot be told. Each cell's copy of this crate installs an identical hook, so hooks
/// never stack.
pub fn install_panic_hook() {
    if !host::has_host() {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_owned()
        };
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        let reported = host::try_request(&Request::Panic {
            message: message.clone(),
            location: location.clone(),
        });
        if reported.is_some() {
            // The kernel shows the panic as the cell's error; printing it too would
            // show it twice.
            return;
        }
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("<unnamed>");
        match location {
            Some(at) => eprintln!("thread '{name}' panicked at {at}:\n{message}"),
            None => eprintln!("thread '{name}' panicked:\n{message}"),
        }
    }));
}
