//! A client-side rate limiter (token bucket) shared by every call of a session, so many
//! concurrent cells and batches stay under an API's transactions-per-second quota.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Calls per second for one API, with a burst of one second's worth.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// A limiter starting full.
    pub fn new() -> RateLimiter {
        RateLimiter {
            state: Mutex::new(Bucket {
                tokens: 1.0,
                last: Instant::now(),
            }),
        }
    }

    /// Takes one token at `rate` per second; returns how long to wait before calling.
    /// (The caller sleeps outside the lock.)
    pub fn reserve(&self, rate: f64) -> Duration {
        let rate = rate.max(0.1);
        let mut bucket = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(bucket.last).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refill).min(rate);
        bucket.last = now;
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / rate)
        }
    }

    /// Waits for a token.
    pub async fn acquire(&self, rate: f64) {
        let wait = self.reserve(rate);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_beyond_the_burst_wait_their_share() {
        let limiter = RateLimiter::new();
        // The bucket starts with one token; later calls in the same instant queue up at
        // 1/rate apart.
        assert_eq!(limiter.reserve(10.0), Duration::ZERO);
        let second = limiter.reserve(10.0);
        let third = limiter.reserve(10.0);
        assert!(
            second > Duration::from_millis(80) && second <= Duration::from_millis(100),
            "{second:?}"
        );
        assert!(
            third > Duration::from_millis(180) && third <= Duration::from_millis(200),
            "{third:?}"
        );
    }
}
