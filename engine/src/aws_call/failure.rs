//! What can go wrong with a signed call, whether a retry may fix it (as the SDK's
//! standard mode judges), and the engine error it becomes: through the same
//! classification as the SDK's errors (`aws_error::classify`), so an S3, SNS or
//! Service Quotas failure has the exit class it had through the SDK.

use std::time::Duration;

use crate::aws_error::classify;
use crate::error::EngineError;
use crate::http::HttpError;

/// Error codes the SDK retries as throttling (`aws-runtime`'s `THROTTLING_ERRORS`).
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes the SDK retries as transient.
const TRANSIENT: &[&str] = &["RequestTimeout", "RequestTimeoutException"];

/// Statuses the SDK retries whatever the code.
const TRANSIENT_STATUS: &[u16] = &[500, 502, 503, 504];

/// Why a call failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The service answered with an error: its code and message where the body has them.
    Service {
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    /// No credentials to sign with (the provider's error).
    Credentials(String),
    /// No region is configured.
    NoRegion,
    /// The configuration cannot make a request (an endpoint that is no URL).
    Config(String),
    /// No answer: DNS, connecting, TLS, a connection closed early, an answer too large.
    Transport(String),
    /// An attempt (or connecting) ran past its deadline.
    Timeout(Duration),
}

impl From<HttpError> for Failure {
    fn from(error: HttpError) -> Failure {
        match error {
            HttpError::Timeout(after) => Failure::Timeout(after),
            HttpError::BadUrl(_) => Failure::Config(error.to_string()),
            HttpError::Io(_) | HttpError::TooLarge(_) => Failure::Transport(error.to_string()),
        }
    }
}

impl Failure {
    /// Whether another attempt may succeed.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Failure::Service { status, code, .. } => {
                TRANSIENT_STATUS.contains(status)
                    || code
                        .as_deref()
                        .is_some_and(|c| THROTTLING.contains(&c) || TRANSIENT.contains(&c))
            }
            Failure::Transport(_) | Failure::Timeout(_) => true,
            Failure::Credentials(_) | Failure::NoRegion | Failure::Config(_) => false,
        }
    }

    /// The engine error of this failure of `api` (whose quota is `limit`).
    pub(crate) fn into_engine_error(self, api: &'static str, limit: &'static str) -> EngineError {
        match self {
            Failure::Service {
                status,
                code: Some(code),
                message,
            } => {
                let context = format!("HTTP {status}: {code}");
                classify(api, limit, Some(code), message, &context)
            }
            Failure::Service { status, .. } => {
                let context = format!("service error: HTTP {status} without an AWS error code");
                classify(api, limit, None, None, &context)
            }
            Failure::Credentials(why) => {
                let context = format!("the credentials provider failed: {why}");
                classify(api, limit, None, None, &context)
            }
            Failure::NoRegion => EngineError::Credentials(format!(
                "{api}: no AWS region: set AWS_REGION (e.g. AWS_REGION=us-east-1) or a region \
                 in your AWS profile (AWS_PROFILE)"
            )),
            Failure::Config(why) => EngineError::InvalidInput(format!("{api}: {why}")),
            Failure::Transport(why) => {
                classify(api, limit, None, None, &format!("dispatch failure: {why}"))
            }
            Failure::Timeout(after) => {
                let context = format!("the attempt timed out after {} s", after.as_secs_f64());
                classify(api, limit, None, None, &context)
            }
        }
    }
}

/// An error and its sources, `: `-separated (what the SDK's `DisplayErrorContext` shows).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use playbook::protocol::ErrorKind;

    fn service(status: u16, code: &str) -> Failure {
        Failure::Service {
            status,
            code: (!code.is_empty()).then(|| code.to_owned()),
            message: Some("why".into()),
        }
    }

    #[test]
    fn what_a_retry_may_fix_is_what_the_sdk_retries() {
        assert!(service(400, "ThrottlingException").is_retryable());
        assert!(service(503, "SlowDown").is_retryable());
        assert!(service(400, "RequestTimeout").is_retryable());
        assert!(service(502, "").is_retryable());
        assert!(Failure::Transport("connection refused".into()).is_retryable());
        assert!(Failure::Timeout(Duration::from_secs(1)).is_retryable());
        assert!(!service(403, "SignatureDoesNotMatch").is_retryable());
        assert!(!service(404, "NoSuchBucket").is_retryable());
        assert!(!service(501, "NotImplemented").is_retryable());
        assert!(!Failure::Credentials("none".into()).is_retryable());
        assert!(!Failure::NoRegion.is_retryable());
    }

    #[test]
    fn each_failure_has_the_exit_class_the_sdks_error_had() {
        let kind = |f: Failure| f.into_engine_error("PutObject", "3,500 PUT/s").kind();
        assert_eq!(
            kind(service(403, "SignatureDoesNotMatch")),
            ErrorKind::Credentials
        );
        assert_eq!(
            kind(service(403, "InvalidAccessKeyId")),
            ErrorKind::Credentials
        );
        assert_eq!(kind(service(400, "ExpiredToken")), ErrorKind::Credentials);
        assert_eq!(kind(service(403, "AccessDenied")), ErrorKind::AccessDenied);
        assert_eq!(
            kind(service(403, "AuthorizationError")),
            ErrorKind::AccessDenied
        );
        assert_eq!(kind(service(404, "NoSuchBucket")), ErrorKind::NotFound);
        assert_eq!(kind(service(400, "Throttling")), ErrorKind::Throttled);
        assert_eq!(kind(service(503, "SlowDown")), ErrorKind::Service);
        assert_eq!(
            kind(service(503, "ServiceUnavailable")),
            ErrorKind::Unavailable
        );
        assert_eq!(kind(service(500, "InternalError")), ErrorKind::Unavailable);
        assert_eq!(kind(service(503, "")), ErrorKind::Unavailable);
        assert_eq!(
            kind(Failure::Transport("refused".into())),
            ErrorKind::Unavailable
        );
        assert_eq!(
            kind(Failure::Timeout(Duration::from_secs(3))),
            ErrorKind::Timeout
        );
        assert_eq!(
            kind(Failure::Credentials("no profile".into())),
            ErrorKind::Credentials
        );
        assert_eq!(kind(Failure::NoRegion), ErrorKind::Credentials);
        assert_eq!(kind(Failure::Config("bad".into())), ErrorKind::InvalidInput);
    }

    #[test]
    fn service_errors_keep_their_code_and_message() {
        let error = Failure::Service {
            status: 403,
            code: Some("SignatureDoesNotMatch".into()),
            message: Some("The request signature we calculated does not match".into()),
        }
        .into_engine_error("PutObject", "");
        assert_eq!(
            error.to_string(),
            "PutObject failed: SignatureDoesNotMatch: The request signature we calculated does \
             not match"
        );
        let error = Failure::Credentials("the profile `x` is not in ~/.aws/config".into())
            .into_engine_error("Publish", "");
        assert!(error.to_string().contains("the profile `x`"), "{error}");
    }
}
