//! Attempts as the SDK's standard retry mode makes them: again after throttling, a
//! transient error code, a 500/502/503/504 or no answer at all, waiting a random part
//! ("full jitter") of an exponentially growing backoff; at most `attempts` (the
//! configuration's, `AWS_MAX_ATTEMPTS`; never more than [`MAX_ATTEMPTS`]), each attempt
//! under its own deadline and all of them under the operation's.

use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;

use super::Failure;

/// The most attempts a call makes, whatever the configuration says.
const MAX_ATTEMPTS: u32 = 10;

/// How many attempts a call makes, and its deadlines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Policy {
    pub attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// Connecting (TCP and TLS).
    pub connect: Duration,
    /// One attempt.
    pub attempt: Duration,
    /// All attempts and the waits between them.
    pub operation: Duration,
}

impl Default for Policy {
    /// The SDK's standard mode: 3 attempts, backoff from 1 s up to 20 s; the SDK's connect
    /// timeout (3.1 s), and deadlines where the SDK has none by default.
    fn default() -> Policy {
        Policy {
            attempts: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
            connect: Duration::from_millis(3100),
            attempt: Duration::from_secs(30),
            operation: Duration::from_secs(90),
        }
    }
}

impl Policy {
    /// The attempts and deadlines `config` sets (the engine's `aws.rs` sets them all).
    pub(crate) fn of(config: &SdkConfig) -> Policy {
        let mut policy = Policy::default();
        if let Some(retry) = config.retry_config() {
            policy.attempts = retry.max_attempts().clamp(1, MAX_ATTEMPTS);
            policy.initial_backoff = retry.initial_backoff();
            policy.max_backoff = retry.max_backoff();
        }
        if let Some(timeouts) = config.timeout_config() {
            policy.connect = timeouts.connect_timeout().unwrap_or(policy.connect);
            policy.attempt = timeouts
                .operation_attempt_timeout()
                .unwrap_or(policy.attempt);
            policy.operation = timeouts.operation_timeout().unwrap_or(policy.operation);
        }
        policy
    }

    /// One attempt, all of it (connecting too) within `deadline`.
    pub(crate) fn once(deadline: Duration) -> Policy {
        Policy {
            attempts: 1,
            connect: deadline,
            attempt: deadline,
            operation: deadline,
            ..Policy::default()
        }
    }

    /// The wait after failed attempt `number` (1-based), given `random` in [0, 1).
    fn backoff(&self, number: u32, random: f64) -> Duration {
        let exponential = 2u32
            .checked_pow(number.saturating_sub(1))
            .and_then(|factor| self.initial_backoff.checked_mul(factor))
            .map_or(self.max_backoff, |b| b.min(self.max_backoff));
        exponential.mul_f64(random.clamp(0.0, 1.0))
    }
}

/// Runs `attempt` as `policy` says; the first success, else the last failure.
pub(crate) async fn run<T, F, Fut>(policy: &Policy, mut attempt: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let started = Instant::now();
    let attempts = policy.attempts.clamp(1, MAX_ATTEMPTS);
    let mut number = 0;
    loop {
        number += 1;
        let limit = policy
            .attempt
            .min(policy.operation.saturating_sub(started.elapsed()));
        let failure = match tokio::time::timeout(limit, attempt()).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(failure)) => failure,
            Err(_) => Failure::Timeout(limit),
        };
        if number >= attempts || !failure.is_retryable() {
            return Err(failure);
        }
        let pause = policy.backoff(number, random_fraction());
        if started.elapsed() + pause >= policy.operation {
            return Err(failure);
        }
        tokio::time::sleep(pause).await;
    }
}

/// A random number in [0, 1): std's randomly keyed hasher over nothing (each
/// `RandomState` has fresh keys), enough for jitter.
fn random_fraction() -> f64 {
    let bits = RandomState::new().hash_one(()) >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_to_its_cap_and_jitter_scales_it() {
        let policy = Policy::default();
        assert_eq!(policy.backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(policy.backoff(2, 1.0), Duration::from_secs(2));
        assert_eq!(policy.backoff(3, 1.0), Duration::from_secs(4));
        assert_eq!(policy.backoff(6, 1.0), Duration::from_secs(20));
        assert_eq!(policy.backoff(40, 1.0), Duration::from_secs(20));
        assert_eq!(policy.backoff(3, 0.5), Duration::from_secs(2));
        assert_eq!(policy.backoff(3, 0.0), Duration::ZERO);
        let draws: Vec<f64> = (0..100).map(|_| random_fraction()).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        assert!(
            draws.iter().any(|d| (d - draws[0]).abs() > 1e-9),
            "jitter varies"
        );
    }

    #[test]
    fn the_configurations_attempts_and_deadlines_are_taken_and_bounded() {
        use aws_config::retry::RetryConfig;
        use aws_config::timeout::TimeoutConfig;
        let config = SdkConfig::builder()
            .retry_config(RetryConfig::standard().with_max_attempts(1_000))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(7))
                    .build(),
            )
            .build();
        let policy = Policy::of(&config);
        assert_eq!(policy.attempts, MAX_ATTEMPTS);
        assert_eq!(
            (policy.connect, policy.attempt, policy.operation),
            (
                Duration::from_secs(5),
                Duration::from_secs(7),
                Duration::from_secs(90)
            )
        );
        let config = SdkConfig::builder()
            .retry_config(RetryConfig::disabled())
            .build();
        assert_eq!(Policy::of(&config).attempts, 1);
    }
}
