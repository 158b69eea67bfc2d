//! The AWS configuration for a target (region, profile, role): the standard chain
//! (environment, profiles with SSO and `credential_process`, instance and container
//! roles, `AWS_ENDPOINT_URL`), narrowed by what the target names, with STS AssumeRole on
//! top when it names a role (credentials refreshed before they expire, for long runs).
//! The CloudWatch source and the deliveries of a run (S3, SNS, PutMetricData) all start
//! from here, so they read and write in the same account and region.
//!
//! The SDK's HTTPS client is given explicitly, with rustls over ring: the SDK's default
//! one brings aws-lc-rs, whose C library (`aws-lc-sys`) is one of the longest units of a
//! cold build.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use playbook::model::source::AwsTarget;

use crate::error::EngineError;

/// The session name a role is assumed with when the target gives none.
const DEFAULT_SESSION_NAME: &str = "playbook";

/// Loads the SDK configuration for `target` (runs on the caller's tokio runtime).
pub async fn sdk_config(target: &AwsTarget) -> Result<aws_config::SdkConfig, EngineError> {
    let attempts = std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(90))
                .build(),
        );
    if let Some(region) = &target.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    if let Some(profile) = &target.profile {
        loader = loader.profile_name(profile);
    }
    let base = loader.load().await;
    let Some(role) = &target.role_arn else {
        return Ok(base);
    };
    let mut assume = aws_config::sts::AssumeRoleProvider::builder(role)
        .session_name(
            target
                .session_name
                .as_deref()
                .unwrap_or(DEFAULT_SESSION_NAME),
        )
        .configure(&base);
    if let Some(external_id) = &target.external_id {
        assume = assume.external_id(external_id);
    }
    let provider = assume.build().await;
    Ok(base
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build())
}

/// A new SDK HTTPS client (hyper, rustls with ring, the system's roots), as the SDK's
/// default would be made for each configuration: its connection pool belongs to the
/// runtime of the clients that use it, so configurations of different runtimes do not
/// share one.
pub fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// `config`, with [`https_client`] when it names no HTTP client (configurations built
/// by hand, in tests).
pub fn with_https_client(config: aws_config::SdkConfig) -> aws_config::SdkConfig {
    if config.http_client().is_some() {
        return config;
    }
    config.into_builder().http_client(https_client()).build()
}
