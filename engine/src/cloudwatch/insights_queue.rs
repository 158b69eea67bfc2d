//! The queue in front of Logs Insights: a slot under the account and region's concurrency
//! gate (shared by every source of the process, see `quotas.rs`), with the queue position
//! shown while waiting ("queued (2 ahead)"), and StartQuery retried while the account's
//! own quota is full (`LimitExceededException`: other clients' queries), so a quota error
//! reaches the user only after waiting could not help.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::SemaphorePermit;

use super::Shared;
use crate::error::EngineError;

/// How long StartQuery is retried while the account's quota is full (within the query's
/// own deadline).
const QUOTA_PATIENCE: Duration = Duration::from_secs(120);

/// A slot under the gate, and how long the query waited for it (`None`: no wait).
pub(super) struct Slot<'a> {
    _permit: SemaphorePermit<'a>,
    pub(super) waited: Option<(usize, Duration)>,
}

/// Waits for a slot until `deadline`, reporting the queue position.
pub(super) async fn slot(shared: &Shared, deadline: Instant) -> Result<Slot<'_>, EngineError> {
    let origin = super::insights_quota::ensure_sized(shared).await;
    let gate = &shared.quotas.insights_gate;
    if let Ok(permit) = gate.try_acquire() {
        return Ok(Slot {
            _permit: permit,
            waited: None,
        });
    }
    let waiting = &shared.quotas.insights_waiting;
    let ahead = waiting.fetch_add(1, Ordering::SeqCst) + 1;
    let _leave = Leave(waiting);
    shared.report(&format!(
        "Logs Insights: queued ({ahead} ahead): {} queries run at once in this account and \
         region ({origin})",
        shared.quotas.insights_limit.load(Ordering::SeqCst)
    ));
    let started = Instant::now();
    let timeout = deadline.saturating_duration_since(started);
    let permit = tokio::time::timeout(timeout, gate.acquire())
        .await
        .map_err(|_| EngineError::Timeout {
            what: format!("waiting for a free Logs Insights slot ({ahead} ahead)"),
            seconds: timeout.as_secs(),
            hint: ": too many queries are running; raise PLAYBOOK_INSIGHTS_CONCURRENCY if \
                   your quota allows"
                .into(),
        })?
        .map_err(|_| EngineError::Cancelled("Logs Insights".into()))?;
    Ok(Slot {
        _permit: permit,
        waited: Some((ahead, started.elapsed())),
    })
}

/// Leaves the count of waiting queries, also when the wait is cancelled.
struct Leave<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether `error` says the account's concurrent-query quota is full.
pub(super) fn quota_full(error: &EngineError) -> bool {
    matches!(error, EngineError::Throttled { code, .. } if code == "LimitExceededException")
}

/// How long to wait before StartQuery's next try after the quota was full `tries` times,
/// or `None` when waiting more would pass `deadline` or the patience.
pub(super) fn next_try(tries: u32, since: Instant, deadline: Instant) -> Option<Duration> {
    let pause = Duration::from_secs(1u64 << tries.min(3)); // 1, 2, 4, 8 s
    let now = Instant::now();
    (now + pause < deadline && now + pause < since + QUOTA_PATIENCE).then_some(pause)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_query_is_retried_with_backoff_within_the_deadline() {
        let now = Instant::now();
        let far = now + Duration::from_secs(3600);
        assert_eq!(next_try(0, now, far), Some(Duration::from_secs(1)));
        assert_eq!(next_try(2, now, far), Some(Duration::from_secs(4)));
        assert_eq!(next_try(9, now, far), Some(Duration::from_secs(8)));
        assert_eq!(next_try(0, now, now + Duration::from_millis(500)), None);
        let long_ago = now - QUOTA_PATIENCE;
        assert_eq!(next_try(0, long_ago, far), None, "patience has a bound");
    }

    #[test]
    fn only_limit_exceeded_means_the_quota_is_full() {
        let throttled = |code: &str| EngineError::Throttled {
            api: "StartQuery",
            code: code.into(),
            message: String::new(),
            limit: "",
        };
        assert!(quota_full(&throttled("LimitExceededException")));
        assert!(!quota_full(&throttled("ThrottlingException")));
    }
}
