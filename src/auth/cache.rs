//! The token cache shared by every provider that fetches tokens.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::AccessToken;
use crate::error::{Error, Result};

/// Refresh at most this long before a token expires, so a token never expires mid-request.
const MAX_MARGIN: Duration = Duration::from_secs(300);

/// The time source of a [`TokenCache`]; inject one in tests to move time by hand.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

#[derive(Clone)]
struct Cached {
    token: AccessToken,
    refresh_at: Instant,
}

/// Caches one token until shortly before it expires; concurrent callers share one fetch,
/// and its failure: callers that waited for a fetch that failed get its error instead of
/// fetching again (a caller that comes later tries again).
///
/// The refresh margin is five minutes, or half the token's lifetime for short-lived tokens.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> msgraph_outlook::Result<()> {
/// use std::time::Duration;
/// use msgraph_outlook::auth::{AccessToken, TokenCache};
///
/// let cache = TokenCache::default();
/// let first = cache
///     .get_or_fetch(|| async { Ok((AccessToken::new("t1"), Some(Duration::from_secs(3599)))) })
///     .await?;
/// // Still fresh: the second fetch is not called.
/// let second = cache.get_or_fetch(|| async { unreachable!() }).await?;
/// assert_eq!(first.secret(), second.secret());
/// # Ok(()) }
/// ```
pub struct TokenCache {
    clock: Arc<dyn Clock>,
    current: Mutex<Option<Cached>>,
    // Held while fetching: callers that find no fresh token queue here, and all but the
    // first find the fetched token when they get the lock, or the error of the fetch they
    // waited for (so a failing token endpoint sees one request per burst, not one per
    // caller, each waiting out its own timeout).
    fetching: tokio::sync::Mutex<LastFetch>,
    /// Fetches finished so far: a caller notes it before queueing, to tell whether a fetch
    /// finished while it waited.
    fetches: AtomicU64,
}

/// How the last fetch ended.
#[derive(Default)]
struct LastFetch {
    failure: Option<Error>,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::with_clock(Arc::new(SystemClock))
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.current.lock().map(|c| c.is_some()).unwrap_or(false);
        f.debug_struct("TokenCache")
            .field("clock", &self.clock)
            .field("has_token", &cached)
            .finish()
    }
}

impl TokenCache {
    /// A cache reading time from `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        TokenCache {
            clock,
            current: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(LastFetch::default()),
            fetches: AtomicU64::new(0),
        }
    }

    /// The cached token if fresh, else the result of `fetch` (token and lifetime), which is
    /// then cached. A token without a lifetime is used once and not cached.
    pub async fn get_or_fetch<F, Fut>(&self, fetch: F) -> Result<AccessToken>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(AccessToken, Option<Duration>)>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let seen = self.fetches.load(SeqCst);
        let mut last = self.fetching.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        if let Some(failure) = last
            .failure
            .as_ref()
            .filter(|_| self.fetches.load(SeqCst) != seen)
        {
            // The fetch this caller waited for failed: its answer, not another request.
            return Err(failure.duplicate());
        }
        let fetched_at = self.clock.now();
        let fetched = fetch().await;
        self.fetches.fetch_add(1, SeqCst);
        let (token, lifetime) = match fetched {
            Ok(fetched) => {
                last.failure = None;
                fetched
            }
            Err(e) => {
                last.failure = Some(e.duplicate());
                return Err(e);
            }
        };
        if let Some(lifetime) = lifetime {
            let margin = MAX_MARGIN.min(lifetime / 2);
            *self.lock() = Some(Cached {
                token: token.clone(),
                refresh_at: fetched_at + (lifetime - margin),
            });
        }
        Ok(token)
    }

    /// The cached token if it is still fresh, without fetching one; a fetch in flight is
    /// waited for first, so a token being replaced right now is answered with its
    /// replacement.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> msgraph_outlook::Result<()> {
    /// use std::time::Duration;
    /// use msgraph_outlook::auth::{AccessToken, TokenCache};
    ///
    /// let cache = TokenCache::default();
    /// assert!(cache.cached().await.is_none()); // nothing fetched yet, and nothing fetched now
    /// cache
    ///     .get_or_fetch(|| async { Ok((AccessToken::new("t1"), Some(Duration::from_secs(3599)))) })
    ///     .await?;
    /// assert_eq!(cache.cached().await.unwrap().secret(), "t1");
    /// # Ok(()) }
    /// ```
    pub async fn cached(&self) -> Option<AccessToken> {
        let _settled = self.fetching.lock().await;
        self.fresh()
    }

    /// Forgets `token` if it is the cached one (a newer token is kept): when many requests
    /// are refused the same token, the first evicts it and the rest keep its replacement.
    pub fn invalidate(&self, token: &AccessToken) {
        let mut current = self.lock();
        if current.as_ref().is_some_and(|c| &c.token == token) {
            *current = None;
        }
    }

    /// The cached token if it is fresh (before its refresh time), without fetching or
    /// waiting: what [`TokenProvider::fresh_token`](super::TokenProvider::fresh_token)
    /// returns for a provider built on this cache. Unlike [`cached`](Self::cached) it does
    /// not wait for a fetch in flight: None while the token is being replaced.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> msgraph_outlook::Result<()> {
    /// use std::time::Duration;
    /// use msgraph_outlook::auth::{AccessToken, TokenCache};
    ///
    /// let cache = TokenCache::default();
    /// assert!(cache.fresh().is_none());
    /// cache
    ///     .get_or_fetch(|| async { Ok((AccessToken::new("t1"), Some(Duration::from_secs(3599)))) })
    ///     .await?;
    /// assert_eq!(cache.fresh().unwrap().secret(), "t1");
    /// cache.invalidate(&AccessToken::new("t1")); // Graph refused it
    /// assert!(cache.fresh().is_none());
    /// # Ok(()) }
    /// ```
    pub fn fresh(&self) -> Option<AccessToken> {
        let now = self.clock.now();
        self.lock()
            .as_ref()
            .filter(|c| now < c.refresh_at)
            .map(|c| c.token.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        // A panic while holding this lock cannot leave the Option half-written.
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}
