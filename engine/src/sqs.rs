//! Amazon SQS as a queue worker uses it: ReceiveMessage (long-polled, one message at a
//! time), ChangeMessageVisibility (the heartbeat of a message being worked on, or a short
//! backoff before it comes back) and DeleteMessage (once the work is done). Signed calls
//! over the engine's HTTP client (`crate::aws_call`) in SQS's AWS JSON 1.0 protocol
//! (`X-Amz-Target: AmazonSQS.ReceiveMessage`, `application/x-amz-json-1.0`), the wire
//! shapes typed here; errors keep SQS's code and message ([`EngineError::Service`]).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::SdkConfig;
use serde::{Deserialize, Serialize};

use crate::aws_call::{self, Client, Policy};
use crate::error::EngineError;

/// The longest long poll SQS allows.
pub const MAX_WAIT: Duration = Duration::from_secs(20);
/// The longest visibility timeout SQS allows (12 hours).
pub const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 3600);
/// How long past its long poll a ReceiveMessage may take to answer.
const ANSWER_GRACE: Duration = Duration::from_secs(10);
/// SQS's documented request quota, for a throttling message.
const LIMIT: &str = "nearly unlimited API calls per second per queue";

/// One SQS queue, addressed by its URL.
#[derive(Debug, Clone)]
pub struct Queue {
    client: Client,
    url: String,
}

/// A message received: its body and what working on it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    /// What ChangeMessageVisibility and DeleteMessage name this receipt by.
    pub receipt: String,
    pub body: String,
    /// How many times SQS has handed the message out, this time included.
    pub receive_count: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ReceiveMessageInput<'a> {
    queue_url: &'a str,
    max_number_of_messages: u32,
    wait_time_seconds: u64,
    visibility_timeout: u64,
    message_system_attribute_names: [&'static str; 1],
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReceiveMessageOutput {
    #[serde(default)]
    messages: Vec<WireMessage>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireMessage {
    message_id: String,
    receipt_handle: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ChangeMessageVisibilityInput<'a> {
    queue_url: &'a str,
    receipt_handle: &'a str,
    visibility_timeout: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteMessageInput<'a> {
    queue_url: &'a str,
    receipt_handle: &'a str,
}

impl Queue {
    /// The queue at `url` with `config`'s credentials; its region is the URL's
    /// (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`), else the configuration's.
    pub fn new(config: &SdkConfig, url: &str) -> Result<Queue, EngineError> {
        crate::http::Url::parse(url).map_err(|e| {
            EngineError::InvalidInput(format!("--queue: {e}: give the queue's URL"))
        })?;
        let config = crate::aws::with_https_client(config.clone());
        let config = match region_of(url) {
            Some(region) => config
                .into_builder()
                .region(aws_config::Region::new(region))
                .build(),
            None => config,
        };
        Ok(Queue {
            client: Client::new(&config, &aws_call::SQS),
            url: url.to_owned(),
        })
    }

    /// The queue's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits up to `wait` (at most [`MAX_WAIT`]) for one message, which then stays
    /// invisible to other receivers for `visibility`; `None` when none came.
    pub async fn receive(
        &self,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Option<Message>, EngineError> {
        let wait = wait.min(MAX_WAIT);
        let input = ReceiveMessageInput {
            queue_url: &self.url,
            max_number_of_messages: 1,
            wait_time_seconds: wait.as_secs(),
            visibility_timeout: seconds(visibility),
            message_system_attribute_names: ["ApproximateReceiveCount"],
        };
        let request = aws_call::SQS.json_request("ReceiveMessage", &input);
        let deadline = wait + ANSWER_GRACE;
        let client = self.client.clone().with_policy(Policy {
            attempt: deadline,
            operation: deadline * 2,
            ..Policy::default()
        });
        let body = client.call("ReceiveMessage", LIMIT, &request).await?;
        let output: ReceiveMessageOutput =
            serde_json::from_slice(&body).map_err(|e| EngineError::Service {
                api: "ReceiveMessage",
                code: "MalformedAnswer".into(),
                message: format!("the answer is not ReceiveMessage's: {e}"),
            })?;
        Ok(output.messages.into_iter().next().map(|m| Message {
            receive_count: (m.attributes.get("ApproximateReceiveCount"))
                .and_then(|c| c.parse().ok())
                .unwrap_or(1),
            id: m.message_id,
            receipt: m.receipt_handle,
            body: m.body,
        }))
    }

    /// Makes the message of `receipt` invisible for `visibility` from now (0: visible
    /// again at once).
    pub async fn set_visibility(
        &self,
        receipt: &str,
        visibility: Duration,
    ) -> Result<(), EngineError> {
        let input = ChangeMessageVisibilityInput {
            queue_url: &self.url,
            receipt_handle: receipt,
            visibility_timeout: seconds(visibility),
        };
        let request = aws_call::SQS.json_request("ChangeMessageVisibility", &input);
        (self
            .client
            .call("ChangeMessageVisibility", LIMIT, &request)
            .await)
            .map(drop)
    }

    /// Deletes the message of `receipt`: its work is done.
    pub async fn delete(&self, receipt: &str) -> Result<(), EngineError> {
        let input = DeleteMessageInput {
            queue_url: &self.url,
            receipt_handle: receipt,
        };
        let request = aws_call::SQS.json_request("DeleteMessage", &input);
        (self.client.call("DeleteMessage", LIMIT, &request).await).map(drop)
    }
}

/// Whole seconds, within what SQS accepts.
fn seconds(duration: Duration) -> u64 {
    duration.min(MAX_VISIBILITY).as_secs()
}

/// The region of an AWS queue URL (`https://sqs.eu-west-1.amazonaws.com/…`, or the
/// legacy `https://eu-west-1.queue.amazonaws.com/…`); none for other hosts.
fn region_of(url: &str) -> Option<String> {
    let host = crate::http::Url::parse(url).ok()?.host;
    let mut labels = host.split('.');
    let first = labels.next()?;
    let region = if first == "sqs" || first == "sqs-fips" {
        labels.next()?
    } else if labels.next() == Some("queue") {
        first
    } else {
        return None;
    };
    let plausible = region.contains('-')
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    plausible.then(|| region.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_call::tests::{answer, runtime, serve};
    use aws_credential_types::Credentials;
    use aws_credential_types::provider::SharedCredentialsProvider;

    fn queue_at(endpoint: &str) -> Queue {
        let config = SdkConfig::builder()
            .region(aws_config::Region::new("eu-west-1"))
            .endpoint_url(endpoint)
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                None,
                None,
                "test",
            )))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        Queue::new(&config, &format!("{endpoint}/123456789012/alarms")).unwrap()
    }

    #[test]
    fn the_region_is_the_queue_urls() {
        let of = |u: &str| region_of(u);
        assert_eq!(
            of("https://sqs.eu-west-1.amazonaws.com/1/q").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            of("https://sqs.cn-north-1.amazonaws.com.cn/1/q").as_deref(),
            Some("cn-north-1")
        );
        assert_eq!(
            of("https://us-east-2.queue.amazonaws.com/1/q").as_deref(),
            Some("us-east-2")
        );
        assert_eq!(of("http://127.0.0.1:5000/1/q"), None);
        assert_eq!(of("http://localhost:4566/000000000000/q"), None);
    }

    #[test]
    fn a_message_is_received_with_its_receive_count_and_json_shapes_are_sqs() {
        let rt = runtime();
        rt.block_on(async {
            let (url, heads) = serve(vec![answer(
                200,
                r#"{"Messages":[{"MessageId":"m-1","ReceiptHandle":"r-1","MD5OfBody":"x",
                   "Body":"{\"a\":1}","Attributes":{"ApproximateReceiveCount":"3"}}]}"#,
            )])
            .await;
            let queue = queue_at(&url);
            let got = queue
                .receive(Duration::from_secs(1), Duration::from_secs(60))
                .await
                .unwrap();
            assert_eq!(
                got,
                Some(Message {
                    id: "m-1".into(),
                    receipt: "r-1".into(),
                    body: r#"{"a":1}"#.into(),
                    receive_count: 3
                })
            );
            let head = heads.lock().unwrap()[0].to_ascii_lowercase();
            assert!(
                head.contains("x-amz-target: amazonsqs.receivemessage"),
                "{head}"
            );
            assert!(
                head.contains("content-type: application/x-amz-json-1.0"),
                "{head}"
            );
            assert!(head.contains("/sqs/aws4_request"), "signed for sqs: {head}");
        });
    }

    #[test]
    fn an_empty_poll_is_no_message_and_errors_keep_sqs_code_and_message() {
        let rt = runtime();
        rt.block_on(async {
            let (url, _) = serve(vec![
                answer(200, "{}"),
                answer(
                    400,
                    r#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist",
                       "message":"The specified queue does not exist."}"#,
                ),
                answer(200, "not json"),
            ])
            .await;
            let queue = queue_at(&url);
            let wait = Duration::from_secs(1);
            assert_eq!(queue.receive(wait, wait).await.unwrap(), None);
            let error = queue.delete("r-1").await.unwrap_err();
            assert_eq!(
                error.to_string(),
                "DeleteMessage failed: QueueDoesNotExist: The specified queue does not exist."
            );
            let error = queue.receive(wait, wait).await.unwrap_err();
            assert!(error.to_string().contains("MalformedAnswer"), "{error}");
        });
    }

    #[test]
    fn receive_answers_of_any_shape_never_panic() {
        const FRAGMENTS: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "\"Messages\"",
            "\"Body\"",
            "\"MessageId\"",
            "\"ReceiptHandle\"",
            "\"Attributes\"",
            "\"ApproximateReceiveCount\"",
            "null",
            "\"x\"",
            "1",
        ];
        for seed in 0..32 {
            let mut fuzz = playbook_testkit::Fuzz::new(seed);
            for len in playbook_testkit::lengths(4096) {
                let body = fuzz.tokens(FRAGMENTS, len);
                let parsed = std::panic::catch_unwind(|| {
                    serde_json::from_str::<ReceiveMessageOutput>(&body).map(drop)
                });
                assert!(parsed.is_ok(), "seed {seed}, len {len}: {body:.200}");
            }
        }
    }
}
