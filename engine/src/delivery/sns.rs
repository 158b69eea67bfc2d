//! SNS Publish as a signed query-protocol call (`crate::aws_call`): a subject of at most
//! 100 characters, as the API requires; the message id from the answer.

use crate::aws_call::{Client, SNS, xml_text};
use crate::error::EngineError;

/// Publishes `message` with `subject` to `topic_arn`; the message id.
pub(super) async fn publish(
    sns: &Client,
    topic_arn: &str,
    subject: &str,
    message: &str,
) -> Result<String, EngineError> {
    let subject: String = subject
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let request = SNS.query_request(
        "Publish",
        &[
            ("TopicArn", topic_arn),
            ("Subject", &subject),
            ("Message", message),
        ],
    );
    let answer = sns.call("Publish", "SNS Publish quota", &request).await?;
    let path = ["PublishResponse", "PublishResult", "MessageId"];
    Ok(xml_text(&answer, &path).unwrap_or_default())
}
