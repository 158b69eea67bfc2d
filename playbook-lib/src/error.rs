//! The error type of the cell-side library.

use std::path::PathBuf;

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
    Host {
        kind: crate::protocol::ErrorKind,
        message: String,
    },
    /// The client of this notebook does not accept input (`allow_stdin` is false).
    #[error(
        "this client does not accept input (allow_stdin is false), so `{prompt}` cannot be \
         asked; pass the answer as a parameter instead"
    )]
    InputNotAllowed { prompt: String },
    /// An argument the library cannot use (a window, a statistic, a query), with what to
    /// write instead.
    #[error("{0}")]
    InvalidInput(String),
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
