//! SNS Publish (a subject of at most 100 characters, as the API requires).

use aws_config::SdkConfig;

use crate::error::EngineError;

/// Publishes `message` with `subject` to `topic_arn`; the message id.
pub async fn publish(
    config: &SdkConfig,
    topic_arn: &str,
    subject: &str,
    message: &str,
) -> Result<String, EngineError> {
    let subject: String = subject
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    aws_sdk_sns::Client::new(config)
        .publish()
        .topic_arn(topic_arn)
        .subject(subject)
        .message(message)
        .send()
        .await
        .map(|out| out.message_id().unwrap_or_default().to_owned())
        .map_err(|e| crate::cloudwatch::errors::from_sdk("Publish", "SNS Publish quota", e))
}
