//! The error type of the cell-side library.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What can go wrong when a cell talks to its host or uses the library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The cell is not running inside a Playbook kernel (or `playbook run`), so there is
    /// no host to ask.
    #[error(
        "no playbook host: {variable} is not set. Run this code in the Playbook (Rust) kernel \
         or with `playbook run`; a plain Rust program links the `playbook-engine` crate and \
         calls its `Session` instead"
    )]
    NoHost { variable: &'static str },
    /// The host socket exists in the environment but cannot be reached.
    #[error("cannot reach the playbook host at {path}: {source}")]
    HostUnreachable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The host closed the channel or sent something that is not a reply.
    #[error("the playbook host channel failed: {0}")]
    Channel(String),
    /// The host understood the request and refused or failed it.
    #[error("{message}")]
    Host { kind: ErrorKind, message: String },
    /// The client of this notebook does not accept input (`allow_stdin` is false).
    #[error(
        "this client does not accept input (allow_stdin is false), so `{prompt}` cannot be \
         asked; pass the answer as a parameter instead"
    )]
    InputNotAllowed { prompt: String },
    /// An action ran and failed (its exit status, a timeout, an interrupt): the step did
    /// not happen, so the runbook stops here.
    #[error("the action `{name}` {status}: {detail}")]
    ActionFailed {
        name: String,
        status: String,
        detail: String,
    },
    /// A required action did not run (not approved, a dry run, actions off).
    #[error("the required action `{name}` did not run: {why}")]
    ActionNotRun { name: String, why: String },
    /// An argument the library cannot use (a window, a statistic, a query), with what to
    /// write instead.
    #[error("{0}")]
    InvalidInput(String),
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a request failed: one kind both processes match on, with the message for people
/// next to it in the protocol's `Reply::Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument that cannot be used, with what to write instead.
    InvalidInput,
    /// No data source is chosen and none can be guessed.
    NoSource,
    /// Something the query names does not exist in the source.
    NotFound,
    /// The source (or this host) cannot do this.
    Unsupported,
    /// A file of a local source cannot be read or parsed.
    File,
    /// A query language error (Logs Insights), pointing at the column.
    QuerySyntax,
    /// The service refused or failed the call (its code and message are in the text).
    Service,
    /// The service was unavailable or unreachable (a retry may help).
    Unavailable,
    /// The service kept throttling after the retries.
    Throttled,
    /// Region or credentials are missing, invalid or expired.
    Credentials,
    /// The credentials are valid but not allowed to do this.
    AccessDenied,
    /// The query ran past its deadline.
    Timeout,
    /// The query was cancelled (an interrupt).
    Cancelled,
    /// The request itself was malformed.
    BadRequest,
    /// The client does not accept input (`allow_stdin` is false).
    InputNotAllowed,
    /// Reading the input failed.
    InputFailed,
    /// No query cell bound the name asked for.
    NotBound,
    /// The engine failed unexpectedly while answering.
    Internal,
}

impl ErrorKind {
    /// Whether a later retry of the same request may succeed (throttling, a deadline, an
    /// unavailable service), as opposed to failures that need a change first.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::Throttled | ErrorKind::Timeout | ErrorKind::Unavailable
        )
    }
}
