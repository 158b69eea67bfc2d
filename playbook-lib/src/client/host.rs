//! The cell-side client of the host channel.
//!
//! The kernel starts the evaluation process with [`HOST_SOCKET_ENV`] pointing at a Unix
//! socket it listens on. The first request opens one connection for the process; requests
//! are serialised through it (one line of JSON out, one line back). Without the variable
//! there is no host and every request fails with [`Error::NoHost`]: a program that wants
//! the engine in-process links the `playbook-engine` crate and calls its `Session`.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::model::error::{Error, Result};
use crate::protocol::{Answer, FromAnswer, HOST_SOCKET_ENV, Reply, Request};

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

/// How long a cell waits for the host's reply: longer than any engine deadline (a Logs
/// Insights query may run 15 minutes, `PLAYBOOK_QUERY_TIMEOUT`), so it only fires when the
/// host is gone. Input and an action's approval wait for the person at the notebook (an
/// interrupt ends it); an action's own run is bounded by its timeout on the host.
fn reply_deadline(request: &Request) -> Option<Duration> {
    if matches!(request, Request::Input { .. } | Request::Action { .. }) {
        return None;
    }
    let query_timeout = std::env::var("PLAYBOOK_QUERY_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(900);
    Some(Duration::from_secs(query_timeout.saturating_add(300)))
}

fn exchange(conn: &mut Connection, request: &Request) -> Result<Reply> {
    conn.writer
        .set_read_timeout(reply_deadline(request))
        .map_err(|e| Error::Channel(format!("setting the reply deadline: {e}")))?;
    let mut line = serde_json::to_string(request).map_err(|e| Error::Channel(e.to_string()))?;
    line.push('\n');
    conn.writer
        .write_all(line.as_bytes())
        .map_err(|e| Error::Channel(format!("sending a request: {e}")))?;
    let mut answer = String::new();
    let read = conn
        .reader
        .read_line(&mut answer)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => Error::Channel(
                "the host did not answer within its deadline (is the kernel still running?)".into(),
            ),
            _ => Error::Channel(format!("reading a reply: {e}")),
        })?;
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
    let Some(conn) = guard.as_mut() else {
        return Err(Error::NoHost {
            variable: HOST_SOCKET_ENV,
        });
    };
    let result = exchange(conn, request);
    if matches!(result, Err(Error::Channel(_))) {
        // Reconnect on the next request rather than reusing a broken stream.
        *guard = None;
    }
    result
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

/// Sends `req` and takes the answer it expects (`T`) out of a successful reply.
pub fn call<T: FromAnswer>(req: &Request) -> Result<T> {
    let answer = answer(req)?;
    let name = answer.name();
    T::from_answer(answer).ok_or_else(|| {
        Error::Channel(format!(
            "unexpected answer `{name}` to the `{}` request",
            op_name(req)
        ))
    })
}

/// Sends `req` and returns the answer of a successful reply.
pub fn answer(req: &Request) -> Result<Answer> {
    match request(req)? {
        Reply::Ok { answer } => Ok(answer),
        Reply::Error { kind, message } => Err(Error::Host { kind, message }),
    }
}

/// The request's `op` tag, for messages.
fn op_name(req: &Request) -> String {
    serde_json::to_value(req)
        .ok()
        .and_then(|v| v.get("op").and_then(|op| op.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}
