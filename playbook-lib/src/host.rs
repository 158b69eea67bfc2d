//! The cell-side client of the host channel.
//!
//! The kernel starts the evaluation process with [`HOST_SOCKET_ENV`] pointing at a Unix
//! socket it listens on. The first request opens one connection for the process; requests
//! are serialised through it (one line of JSON out, one line back). Without the variable,
//! a build with the `engine` feature answers in-process; any other build reports
//! [`Error::NoHost`].

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::protocol::{HOST_SOCKET_ENV, Reply, Request};

struct Connection {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

static CONNECTION: Mutex<Option<Connection>> = Mutex::new(None);

fn lock() -> MutexGuard<'static, Option<Connection>> {
    // A panic while a request was in flight must not make every later request fail.
    CONNECTION
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn connect() -> Result<Option<Connection>> {
    let Some(path) = std::env::var_os(HOST_SOCKET_ENV).map(PathBuf::from) else {
        return Ok(None);
    };
    let writer = UnixStream::connect(&path).map_err(|source| Error::HostUnreachable {
        path: path.clone(),
        source,
    })?;
    let reader = BufReader::new(
        writer
            .try_clone()
            .map_err(|source| Error::HostUnreachable { path, source })?,
    );
    Ok(Some(Connection { reader, writer }))
}

fn exchange(conn: &mut Connection, request: &Request) -> Result<Reply> {
    let mut line = serde_json::to_string(request).map_err(|e| Error::Channel(e.to_string()))?;
    line.push('\n');
    conn.writer
        .write_all(line.as_bytes())
        .map_err(|e| Error::Channel(format!("sending a request: {e}")))?;
    let mut answer = String::new();
    let read = conn
        .reader
        .read_line(&mut answer)
        .map_err(|e| Error::Channel(format!("reading a reply: {e}")))?;
    if read == 0 {
        return Err(Error::Channel("the host closed the channel".into()));
    }
    serde_json::from_str(&answer).map_err(|e| Error::Channel(format!("malformed reply: {e}")))
}

/// Whether this process has a host to talk to (a kernel or `playbook run`).
pub fn has_host() -> bool {
    std::env::var_os(HOST_SOCKET_ENV).is_some()
}

/// Sends `request` to the host and returns its reply.
pub fn request(request: &Request) -> Result<Reply> {
    let mut guard = lock();
    if guard.is_none() {
        *guard = connect()?;
    }
    match guard.as_mut() {
        Some(conn) => {
            let result = exchange(conn, request);
            if matches!(result, Err(Error::Channel(_))) {
                // Reconnect on the next request rather than reusing a broken stream.
                *guard = None;
            }
            result
        }
        None => in_process(request),
    }
}

/// Sends a request already written as one line of JSON and waits for the host's reply
/// line, without serde (see `runtime`). With `wait` false it gives up rather than wait
/// for the connection (the panic hook may run while this thread holds it). `false` when
/// the host could not be told.
pub(crate) fn notify(line: &str, wait: bool) -> bool {
    let mut guard = match CONNECTION.try_lock() {
        Ok(guard) => guard,
        Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) if wait => lock(),
        Err(std::sync::TryLockError::WouldBlock) => return false,
    };
    if guard.is_none() {
        *guard = connect().ok().flatten();
    }
    let Some(conn) = guard.as_mut() else {
        return false;
    };
    let mut answer = String::new();
    let told = conn
        .writer
        .write_all(format!("{line}\n").as_bytes())
        .is_ok()
        && matches!(conn.reader.read_line(&mut answer), Ok(read) if read > 0);
    if !told {
        *guard = None;
    }
    told
}

/// Sends `request` and decodes a successful reply's value as `T`.
pub fn call<T: DeserializeOwned>(req: &Request) -> Result<T> {
    match request(req)? {
        Reply::Ok { value } => serde_json::from_value(value)
            .map_err(|e| Error::Channel(format!("unexpected reply to {req:?}: {e}"))),
        Reply::Error { kind, message } => Err(Error::Host { kind, message }),
    }
}

#[cfg(feature = "engine")]
fn in_process(request: &Request) -> Result<Reply> {
    Ok(crate::engine::in_process().handle_standalone(request))
}

#[cfg(not(feature = "engine"))]
fn in_process(_request: &Request) -> Result<Reply> {
    Err(Error::NoHost {
        variable: HOST_SOCKET_ENV,
    })
}
