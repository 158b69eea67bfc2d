//! The CloudWatch Logs client: each operation the engine calls as a typed input (in
//! `logs_wire.rs`) that knows its name, its quota (for a throttling message) and its
//! output, sent through `aws_call/` (SigV4, the SDK's standard-mode retries, errors
//! classified as the SDK's) instead of the generated `aws-sdk-cloudwatchlogs` crate. An
//! answer that is not the operation's output is a typed error, never a panic.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::logs_wire::{
    DescribeLogGroups, DescribeLogGroupsOutput, FilterLogEvents, FilterLogEventsOutput,
    GetLogEvents, GetLogEventsOutput, GetQueryResultsOutput, ListAnomalies, ListAnomaliesOutput,
    QueryId, StartQuery, StartQueryOutput, StopQueryOutput,
};
use crate::aws_call::{self, Client};
use crate::error::EngineError;

/// A Logs operation's input.
pub(crate) trait Operation: Serialize {
    /// The operation's name (the `X-Amz-Target` suffix, and the API errors name).
    const NAME: &'static str;
    /// Its quota, as a throttling error says it.
    const LIMIT: &'static str;
    type Output: DeserializeOwned;
}

macro_rules! operation {
    ($input:ty, $name:literal, $limit:literal, $output:ty) => {
        impl Operation for $input {
            const NAME: &'static str = $name;
            const LIMIT: &'static str = $limit;
            type Output = $output;
        }
    };
}

operation!(
    StartQuery<'_>,
    "StartQuery",
    "30 concurrent queries per account",
    StartQueryOutput
);
operation!(
    FilterLogEvents<'_>,
    "FilterLogEvents",
    "10 TPS",
    FilterLogEventsOutput
);
operation!(
    GetLogEvents<'_>,
    "GetLogEvents",
    "25 TPS",
    GetLogEventsOutput
);
operation!(
    DescribeLogGroups<'_>,
    "DescribeLogGroups",
    "10 TPS",
    DescribeLogGroupsOutput
);
operation!(
    ListAnomalies<'_>,
    "ListAnomalies",
    "10 TPS",
    ListAnomaliesOutput
);

/// GetQueryResults of a query.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct GetQueryResults<'a>(pub QueryId<'a>);
operation!(
    GetQueryResults<'_>,
    "GetQueryResults",
    "5 TPS",
    GetQueryResultsOutput
);

/// StopQuery of a query.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct StopQuery<'a>(pub QueryId<'a>);
operation!(StopQuery<'_>, "StopQuery", "", StopQueryOutput);

/// An answer that is not its operation's output.
#[derive(Debug, thiserror::Error)]
#[error("{operation} answered what is not its output: {source}")]
pub(crate) struct Malformed {
    operation: &'static str,
    #[source]
    source: serde_json::Error,
}

impl From<Malformed> for EngineError {
    /// What the SDK made of an answer it could not read: a failed request, whose retry
    /// may pass (a proxy's error page, a cut connection).
    fn from(error: Malformed) -> EngineError {
        EngineError::Service {
            api: error.operation,
            code: "RequestFailed".into(),
            message: error.to_string(),
        }
    }
}

/// The Logs client of one account and region.
#[derive(Debug, Clone)]
pub(crate) struct LogsApi {
    client: Client,
}

impl LogsApi {
    /// The client of `config` (credentials, region, endpoint, retries, timeouts); its
    /// retried attempts are added to `retried`.
    pub(crate) fn new(config: &aws_config::SdkConfig, retried: Arc<AtomicU64>) -> LogsApi {
        LogsApi {
            client: Client::new(config, &aws_call::LOGS).with_retry_count(retried),
        }
    }

    /// Sends `input`; its operation's output.
    pub(crate) async fn send<O: Operation>(&self, input: &O) -> Result<O::Output, EngineError> {
        let request = aws_call::LOGS.json_request(O::NAME, input);
        let body = self.client.call(O::NAME, O::LIMIT, &request).await?;
        Ok(parse::<O>(&body)?)
    }
}

/// `body` as `O`'s output (an empty body as `{}`, as the SDK reads it).
pub(crate) fn parse<O: Operation>(body: &[u8]) -> Result<O::Output, Malformed> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|source| Malformed {
        operation: O::NAME,
        source,
    })
}

#[cfg(test)]
mod tests;
