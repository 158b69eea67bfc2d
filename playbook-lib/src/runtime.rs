//! How the kernel learns that a cell failed even when evcxr says "ok".
//!
//! evcxr catches a panic in cell code and an error returned through `?` at the top level
//! of a cell, prints it, and reports success. The kernel therefore starts every Rust cell
//! with `let _playbook_cell_guard: CellGuard = ::playbook::runtime::CellGuard::new(TOKEN);`:
//! - when the cell completes, the guard is stored with the cell's other variables and
//!   lives on (it is dropped during a later cell, with another token);
//! - when `?` returns early or a panic unwinds, the guard is dropped *during its own
//!   cell*, and tells the host so before the cell ends.
//!
//! The guard also installs a panic hook that reports the panic's message and location.
//! Every message is sent synchronously, so the host knows before evcxr answers.
//!
//! Every cell links this code, so it writes its two requests by hand instead of through
//! serde: that keeps serde's code out of each cell's shared object, a quarter of a warm
//! trivial cell's time (linking). The host parses them as ordinary
//! [`Request`](crate::protocol::Request)s (tested below).

use std::fmt::Write;

use crate::client::host;

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
        let line = format!("{{\"op\":\"cell_guard_dropped\",\"cell\":{}}}", self.cell);
        // While unwinding, never wait for the connection (this thread may hold it).
        host::notify(&line, !std::thread::panicking());
    }
}

/// Replaces the process's panic hook with one that reports to the host (which shows the
/// panic as the cell's error), or prints the usual message when the host cannot be told.
/// Each cell's copy of this crate installs an identical hook, so hooks never stack.
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
        if host::notify(&panic_line(&message, location.as_deref()), false) {
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

/// `Request::Panic` as one line of JSON.
fn panic_line(message: &str, location: Option<&str>) -> String {
    let location = location.map_or_else(|| "null".to_owned(), json_string);
    format!(
        "{{\"op\":\"panic\",\"message\":{},\"location\":{location}}}",
        json_string(message)
    )
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Request;

    #[test]
    fn hand_written_requests_parse_as_the_host_parses_them() {
        let nasty = "boom \"quoted\" \\ back\nline\r\t\u{1} é 日本 \u{7f}";
        let parsed: Request = serde_json::from_str(&panic_line(nasty, Some("src/lib.rs:3:5")))
            .expect("a valid panic request");
        assert_eq!(
            parsed,
            Request::Panic {
                message: nasty.into(),
                location: Some("src/lib.rs:3:5".into())
            }
        );
        let parsed: Request = serde_json::from_str(&panic_line("x", None)).unwrap();
        assert_eq!(
            parsed,
            Request::Panic {
                message: "x".into(),
                location: None
            }
        );
        let line = format!("{{\"op\":\"cell_guard_dropped\",\"cell\":{}}}", 42);
        let parsed: Request = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed, Request::CellGuardDropped { cell: 42 });
    }
}
