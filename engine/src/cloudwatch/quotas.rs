//! The client-side quotas of one AWS account and region: a rate limiter per API and a gate
//! on concurrent Logs Insights queries. They are the account's, not a session's: every
//! CloudWatch source of the process that asks the same account and region (the targets
//! of a fleet run, two cells naming the same region) shares one set, so many sources
//! together stay under the service's quotas instead of throttling each other.
//!
//! The account is known only after STS answers, so sources are grouped by what decides
//! it: the endpoint, the region and the role (or profile) they use.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use tokio::sync::Semaphore;

use super::limiter::RateLimiter;

/// How many Logs Insights queries a process runs at once per account and region when
/// neither `PLAYBOOK_INSIGHTS_CONCURRENCY` nor the account's quota in Service Quotas says
/// (the service's documents give 30 to 100 per account and region, shared with every
/// other client).
pub const DEFAULT_INSIGHTS_CONCURRENCY: usize = 30;
/// The variable that sets the concurrency (and skips reading the quota).
pub const CONCURRENCY_VARIABLE: &str = "PLAYBOOK_INSIGHTS_CONCURRENCY";

/// One account and region's quotas.
#[derive(Debug)]
pub struct Quotas {
    pub get_metric_data: RateLimiter,
    pub logs_calls: RateLimiter,
    pub insights_gate: Semaphore,
    /// The gate's size.
    pub insights_limit: AtomicUsize,
    /// Whether `PLAYBOOK_INSIGHTS_CONCURRENCY` set the size.
    pub configured: bool,
    /// Where the size came from, once known (`insights_quota.rs` sizes the gate before
    /// the first query).
    pub insights_origin: tokio::sync::OnceCell<String>,
    /// Queries waiting for a slot (the queue position shown to the next one).
    pub insights_waiting: AtomicUsize,
}

impl Quotas {
    fn new() -> Quotas {
        let configured = std::env::var(CONCURRENCY_VARIABLE)
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0);
        let mut quotas = Quotas::for_tests(configured.unwrap_or(DEFAULT_INSIGHTS_CONCURRENCY));
        quotas.configured = configured.is_some();
        quotas
    }

    /// Quotas with a gate of `concurrency`, not yet sized from Service Quotas.
    pub(crate) fn for_tests(concurrency: usize) -> Quotas {
        Quotas {
            get_metric_data: RateLimiter::new(),
            logs_calls: RateLimiter::new(),
            insights_gate: Semaphore::new(concurrency),
            insights_limit: AtomicUsize::new(concurrency),
            configured: false,
            insights_origin: tokio::sync::OnceCell::new(),
            insights_waiting: AtomicUsize::new(0),
        }
    }

    /// The quotas of `key` (endpoint, region and role or profile), shared with every live
    /// source of the process that has the same key.
    pub fn shared(key: &str) -> Arc<Quotas> {
        static LIVE: OnceLock<Mutex<HashMap<String, Weak<Quotas>>>> = OnceLock::new();
        let mut live = LIVE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(quotas) = live.get(key).and_then(Weak::upgrade) {
            return quotas;
        }
        live.retain(|_, q| q.strong_count() > 0);
        let quotas = Arc::new(Quotas::new());
        live.insert(key.to_owned(), Arc::downgrade(&quotas));
        quotas
    }
}

/// The key of a source's quotas.
pub fn key(endpoint: Option<&str>, region: &str, principal: Option<&str>) -> String {
    format!(
        "{}|{region}|{}",
        endpoint.unwrap_or("aws"),
        principal.unwrap_or("default")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_of_one_account_and_region_share_their_quotas() {
        let a = Quotas::shared(&key(None, "eu-west-1", Some("arn:aws:iam::1:role/r")));
        let b = Quotas::shared(&key(None, "eu-west-1", Some("arn:aws:iam::1:role/r")));
        let c = Quotas::shared(&key(None, "us-east-1", Some("arn:aws:iam::1:role/r")));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        let held = a.insights_gate.try_acquire().unwrap();
        assert_eq!(
            b.insights_gate.available_permits(),
            DEFAULT_INSIGHTS_CONCURRENCY - 1
        );
        drop(held);
    }
}
