//! Turning AWS SDK errors into [`EngineError`]s: the SDK's code, message and context,
//! classified by `aws_error::classify` as the engine's own signed calls are.

use aws_sdk_cloudwatch::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::aws_error::classify;
use crate::error::EngineError;

/// Converts an SDK error of `api` (whose quota is `limit`) into an engine error.
pub fn from_sdk<E, R>(api: &'static str, limit: &'static str, error: SdkError<E, R>) -> EngineError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let code = error.code().map(str::to_owned);
    let message = error.message().map(str::to_owned);
    let context = DisplayErrorContext(&error).to_string();
    classify(api, limit, code, message, &context)
}
