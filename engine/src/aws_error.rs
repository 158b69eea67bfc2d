//! AWS errors as [`EngineError`]s that keep the service's error code and message, say
//! which API failed, and tell people what to do about credentials and throttling. One
//! classification for both ways the engine calls AWS: the SDK's errors
//! (`cloudwatch::errors::from_sdk`) and the engine's own signed calls (`aws_call/`).

use crate::error::EngineError;

/// Error codes the services use for throttling.
const THROTTLING: [&str; 5] = [
    "Throttling",
    "ThrottlingException",
    "LimitExceededException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];

/// Error codes that mean the credentials are expired.
const EXPIRED: [&str; 4] = [
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
];

/// The engine error for an AWS error of `api` (whose quota is `limit`): its code and
/// message when the service sent them, else what the failure's `context` says.
pub fn classify(
    api: &'static str,
    limit: &'static str,
    code: Option<String>,
    message: Option<String>,
    context: &str,
) -> EngineError {
    let lower = context.to_ascii_lowercase();
    match code {
        Some(code) if THROTTLING.contains(&code.as_str()) => EngineError::Throttled {
            api,
            code,
            message: message.unwrap_or_default(),
            limit,
        },
        Some(code) if EXPIRED.contains(&code.as_str()) => EngineError::Credentials(format!(
            "{api}: the AWS credentials are expired or invalid ({code}: {}). Refresh them \
             (`aws sso login --profile NAME` for SSO profiles, or new temporary keys) and run the cell again",
            message.unwrap_or_default()
        )),
        Some(code) if code == "AccessDeniedException" || code == "AccessDenied" => {
            EngineError::Service {
                api,
                code,
                message: format!(
                    "{} (the credentials in use lack permission for {api})",
                    message.unwrap_or_default()
                ),
            }
        }
        Some(code) => EngineError::Service {
            api,
            code,
            message: message.unwrap_or_else(|| context.to_owned()),
        },
        None if lower.contains("credential") => EngineError::Credentials(format!(
            "{api}: no usable AWS credentials ({context}). Set AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (run `aws sso login` for SSO profiles), or run \
             where an instance/container role is available"
        )),
        None if lower.contains("timeout") || lower.contains("timed out") => EngineError::Timeout {
            what: api.to_owned(),
            seconds: 60,
            hint: format!(": the endpoint did not answer ({context})"),
        },
        None => EngineError::Service {
            api,
            code: "RequestFailed".into(),
            message: context.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use playbook::protocol::ErrorKind;

    #[test]
    fn throttling_names_the_api_and_its_limit() {
        let err = classify(
            "GetMetricData",
            "50 TPS",
            Some("Throttling".into()),
            Some("Rate exceeded".into()),
            "",
        );
        assert_eq!(err.kind(), ErrorKind::Throttled);
        let text = err.to_string();
        assert!(
            text.contains("GetMetricData is throttled (Throttling: Rate exceeded)"),
            "{text}"
        );
        assert!(text.contains("its limit is 50 TPS"), "{text}");
    }

    #[test]
    fn expired_and_missing_credentials_say_what_to_do() {
        let err = classify(
            "StartQuery",
            "",
            Some("ExpiredTokenException".into()),
            Some("expired".into()),
            "",
        );
        assert_eq!(err.kind(), ErrorKind::Credentials);
        assert!(err.to_string().contains("aws sso login"));
        let err = classify(
            "GetMetricData",
            "",
            None,
            None,
            "dispatch failure: no credentials in the chain",
        );
        assert_eq!(err.kind(), ErrorKind::Credentials);
        assert!(err.to_string().contains("AWS_ACCESS_KEY_ID"));
    }

    #[test]
    fn service_errors_keep_code_and_message() {
        let err = classify(
            "StartQuery",
            "",
            Some("MalformedQueryException".into()),
            Some("unexpected symbol at line 1".into()),
            "",
        );
        assert_eq!(
            err.to_string(),
            "StartQuery failed: MalformedQueryException: unexpected symbol at line 1"
        );
    }
}
