//! Webhook POSTs (Slack and Teams incoming webhooks take a JSON body with `text`): a 2xx
//! answer is a delivery, anything else an error with the status, retried like the AWS
//! deliveries when a retry may help (5xx, no answer).

use std::time::Duration;

use super::retried;
use crate::error::EngineError;

/// How long one attempt may wait for an answer.
const ATTEMPT: Duration = Duration::from_secs(10);

/// POSTs `body` (JSON) to `url`; the status of the answer that delivered it.
pub async fn post_json(url: &str, body: &[u8]) -> Result<u16, EngineError> {
    retried("webhook", || async {
        match crate::http::post_json(url, body.to_vec(), ATTEMPT.min(super::deadline())).await {
            Ok(status) if (200..300).contains(&status) => Ok(status),
            Ok(status) if status >= 500 || status == 429 => Err(EngineError::Service {
                api: "webhook",
                code: "ServiceUnavailable".into(),
                message: format!("the webhook answered {status}"),
            }),
            Ok(status) => Err(EngineError::Service {
                api: "webhook",
                code: format!("HTTP{status}"),
                message: format!("the webhook refused the message ({status})"),
            }),
            Err(crate::http::HttpError::Timeout(after)) => Err(EngineError::Timeout {
                what: "the webhook".into(),
                seconds: after.as_secs(),
                hint: ": it did not answer".into(),
            }),
            Err(error) => Err(EngineError::Service {
                api: "webhook",
                code: "RequestFailed".into(),
                message: error.to_string(),
            }),
        }
    })
    .await
}
