//! The engine's error type: what went wrong running a query, with the service's error
//! code and message kept, and the kind the host channel reports to cells.

use std::path::PathBuf;

use playbook::protocol::ErrorKind;

/// What can go wrong when the engine runs a query.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// An argument the engine cannot use, with what to write instead.
    #[error("{0}")]
    InvalidInput(String),
    /// No source is chosen and none can be guessed.
    #[error(
        "no data source: set PLAYBOOK_SOURCE=cloudwatch (with AWS_REGION and credentials) or \
         PLAYBOOK_SOURCE=local:DIR, pass --source, or run `%source …` in the notebook"
    )]
    NoSource,
    /// Something named by the query does not exist in the source.
    #[error("{what} not found in {source_name}{hint}")]
    NotFound {
        what: String,
        source_name: String,
        hint: String,
    },
    /// The source cannot do this (e.g. metric math on local files).
    #[error("{source_name} cannot {what}{hint}")]
    Unsupported {
        source_name: String,
        what: String,
        hint: String,
    },
    /// A file of a local source cannot be read or parsed.
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    /// A query language error (Logs Insights), pointing at the column.
    #[error("{0}")]
    Query(String),
    /// The service refused or failed the call.
    #[error("{api} failed: {code}: {message}")]
    Service {
        api: &'static str,
        code: String,
        message: String,
    },
    /// The service kept throttling after the retries.
    #[error(
        "{api} is throttled ({code}: {message}) even after retries; its limit is {limit}. \
         Wait a minute, narrow the query, or ask for fewer series at once"
    )]
    Throttled {
        api: &'static str,
        code: String,
        message: String,
        limit: &'static str,
    },
    /// Region or credentials are missing or expired.
    #[error("{0}")]
    Credentials(String),
    /// The query ran past its deadline.
    #[error("{what} did not finish within {seconds} s{hint}")]
    Timeout {
        what: String,
        seconds: u64,
        hint: String,
    },
    /// The caller cancelled the query.
    #[error("{0} was cancelled")]
    Cancelled(String),
}

impl EngineError {
    /// The kind the host channel reports (`Reply::Error::kind`) and callers match on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::InvalidInput(_) => ErrorKind::InvalidInput,
            EngineError::NoSource => ErrorKind::NoSource,
            EngineError::NotFound { .. } => ErrorKind::NotFound,
            EngineError::Unsupported { .. } => ErrorKind::Unsupported,
            EngineError::File { .. } => ErrorKind::File,
            EngineError::Query(_) => ErrorKind::QuerySyntax,
            EngineError::Service { code, .. } => service_kind(code),
            EngineError::Throttled { .. } => ErrorKind::Throttled,
            EngineError::Credentials(_) => ErrorKind::Credentials,
            EngineError::Timeout { .. } => ErrorKind::Timeout,
            EngineError::Cancelled(_) => ErrorKind::Cancelled,
        }
    }
}

/// What a service's error code says about retrying: access denied and missing resources
/// need a change; server-side failures and requests that never reached the service
/// (`RequestFailed`: a refused connection, DNS) may pass on a retry.
fn service_kind(code: &str) -> ErrorKind {
    match code {
        "AccessDeniedException"
        | "AccessDenied"
        | "UnauthorizedOperation"
        | "AuthorizationError" => ErrorKind::AccessDenied,
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "InvalidAccessKeyId"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidToken"
        | "MissingAuthenticationToken" => ErrorKind::Credentials,
        "ResourceNotFoundException"
        | "ResourceNotFound"
        | "NoSuchBucket"
        | "NoSuchKey"
        | "NotFound"
        | "NotFoundException" => ErrorKind::NotFound,
        "ServiceUnavailable"
        | "ServiceUnavailableException"
        | "InternalFailure"
        | "InternalServerError"
        | "InternalError"
        | "InternalServiceFault"
        | "RequestFailed"
        | "RequestTimeout" => ErrorKind::Unavailable,
        _ => ErrorKind::Service,
    }
}

impl From<playbook::model::error::Error> for EngineError {
    fn from(error: playbook::model::error::Error) -> EngineError {
        EngineError::InvalidInput(error.to_string())
    }
}
