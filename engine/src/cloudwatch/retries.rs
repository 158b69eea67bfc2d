//! Counting the calls the SDK and `aws_call/` retried (throttling, a transient error), so
//! a query's record — and a run's summary — says when the service pushed back, even when
//! the call succeeded in the end. An SDK interceptor sees every attempt of the SDK's
//! clients, and `aws_call::Client` counts its own (`counter`); the second and later
//! attempts of a call are retries.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_cloudwatch::config::ConfigBag;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// The retried attempts of every call of the clients it is installed in.
#[derive(Debug, Clone, Default)]
pub struct Retries(Arc<AtomicU64>);

impl Retries {
    /// How many attempts so far were retries.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// The count itself, for `aws_call::Client::with_retry_count`.
    pub(crate) fn counter(&self) -> Arc<AtomicU64> {
        self.0.clone()
    }
}

impl Intercept for Retries {
    fn name(&self) -> &'static str {
        "playbook::Retries"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg
            .load::<RequestAttempts>()
            .is_some_and(|a| a.attempts() > 1)
        {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}
