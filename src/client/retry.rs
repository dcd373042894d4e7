//! When and how long to wait before trying a request again (GRAPH-FACTS §8.2); the rule
//! itself is documented on [`RetryPolicy`].

use std::fmt;
use std::time::Duration;

use crate::auth::BoxFuture;

/// How often and how patiently failed requests are retried.
///
/// What is retried depends on whether Graph may already have acted on the request:
///
/// | Failure | Idempotent request (GET, DELETE, PUT; later: an event create with a `transactionId`) | Other requests (sendMail, send, reply, forward, accept, create…) |
/// |---|---|---|
/// | 429, 503 | retried | retried: Graph did not act on it |
/// | connection refused / not established | retried | retried: nothing was sent |
/// | 504, timeout, connection dropped after sending | retried | **not retried**: [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) |
/// | 401 | one retry with a fresh token, and a retry with the newest token when another request already replaced the refused one | the same: Graph did not act on it |
/// | any other status | returned | returned |
///
/// A 401 storm (Graph starts refusing a token that many requests share) costs one token
/// request: the first refusal evicts the token, every refused request retries with the one
/// token fetched next, and the token endpoint sees at most one request per distinct token
/// Graph refused, plus the first (the bound holds for providers built on
/// [`TokenCache`](crate::auth::TokenCache)).
///
/// Per operation: `sendMail` (JSON and MIME) is not idempotent; listing messages and
/// following next links are GETs, idempotent.
///
/// Defaults: 5 attempts in all, backoff from 1 s doubling up to 30 s (with jitter), and at
/// most 2 minutes of waiting in total per request. A `Retry-After` from Graph replaces the
/// backoff delay; when it would exceed the remaining total wait, the error is returned.
///
/// ```
/// use std::time::Duration;
/// use msgraph_outlook::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(10)
///     .max_total_wait(Duration::from_secs(600));
/// let never = RetryPolicy::never();
/// assert_eq!(never.attempts(), 1);
/// assert_eq!(patient.attempts(), 10);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries (the 401 token refresh still happens).
    pub fn never() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// First backoff delay, doubled on each retry.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Longest backoff delay (a `Retry-After` from Graph may be longer).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Most time spent waiting between attempts of one request.
    pub fn max_total_wait(mut self, wait: Duration) -> Self {
        self.max_total_wait = wait;
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry number `retry` (1 for the first retry): Graph's `Retry-After`
    /// when given, else exponential backoff with jitter (half fixed, half random, so
    /// clients throttled together do not come back together).
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait;
        }
        let exponent = retry.saturating_sub(1).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let half = ceiling / 2;
        half + half.mul_f64(random_unit())
    }

    /// Whether another attempt is allowed after `attempts` attempts and `waited` of waiting,
    /// if it needs `delay` more.
    pub(crate) fn allows(&self, attempts: u32, waited: Duration, delay: Duration) -> bool {
        attempts < self.max_attempts && waited + delay <= self.max_total_wait
    }
}

/// A uniformly distributed number in [0, 1), from the OS's randomness.
fn random_unit() -> f64 {
    // 53 random bits make an f64 in [0, 1); uuid's v4 generator is already a dependency.
    (uuid::Uuid::new_v4().as_u128() >> 75) as f64 / (1u64 << 53) as f64
}

/// Waits between attempts. The default uses tokio's timer; tests inject one that records
/// the delays instead of sleeping.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Sleeps with `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            let first = policy.delay(1, None);
            assert!(
                first >= Duration::from_millis(500) && first <= Duration::from_secs(1),
                "{first:?}"
            );
            let third = policy.delay(3, None);
            assert!(
                third >= Duration::from_secs(2) && third <= Duration::from_secs(4),
                "{third:?}"
            );
            let late = policy.delay(30, None);
            assert!(
                late >= Duration::from_secs(15) && late <= Duration::from_secs(30),
                "{late:?}"
            );
        }
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }

    #[test]
    fn attempts_and_total_wait_bound_the_retries() {
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .max_total_wait(Duration::from_secs(10));
        assert!(policy.allows(1, Duration::ZERO, Duration::from_secs(10)));
        assert!(!policy.allows(1, Duration::from_secs(1), Duration::from_secs(10)));
        assert!(!policy.allows(3, Duration::ZERO, Duration::ZERO));
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
    }
}
