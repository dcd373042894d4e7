//! Configuring a [`GraphClient`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::limits::{MailboxLimiter, DEFAULT_MAILBOX_CONCURRENCY};
use super::retry::{RetryPolicy, Sleeper, TokioSleeper};
use super::{GraphClient, Inner};
use crate::auth::TokenProvider;
use crate::cloud::{checked_root, Cloud};
use crate::error::{Error, Result};

/// Default per-request timeout: sendMail with a few MB of attachments must fit in it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds a [`GraphClient`]; see [`GraphClient::builder`].
///
/// ```
/// use std::time::Duration;
/// use msgraph_outlook::auth::StaticToken;
/// use msgraph_outlook::{Cloud, GraphClient};
///
/// let client = GraphClient::builder()
///     .cloud(Cloud::China)
///     .token_provider(StaticToken::delegated("token"))
///     .timeout(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "https://microsoftgraph.chinacloudapi.cn/v1.0");
///
/// // A token provider is required.
/// assert!(GraphClient::builder().build().is_err());
/// ```
#[derive(Default)]
pub struct GraphClientBuilder {
    cloud: Cloud,
    base_url: Option<String>,
    tokens: Option<Arc<dyn TokenProvider>>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    preferences: Vec<String>,
    retry: RetryPolicy,
    sleeper: Option<Arc<dyn Sleeper>>,
    mailbox_concurrency: Option<Option<usize>>,
}

impl fmt::Debug for GraphClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClientBuilder")
            .field("cloud", &self.cloud)
            .field("base_url", &self.base_url)
            .field("token_provider", &self.tokens)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl GraphClientBuilder {
    /// The national cloud (default [`Cloud::Global`]); sets the Graph base URL.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// A Graph base URL ending in `/v1.0` (a proxy, a test server); overrides the cloud's.
    /// It must be https unless the host is loopback.
    pub fn base_url(mut self, graph_base_url: impl Into<String>) -> Self {
        self.base_url = Some(graph_base_url.into());
        self
    }

    /// Where bearer tokens come from (required).
    pub fn token_provider(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.tokens = Some(Arc::new(provider));
        self
    }

    /// Like [`token_provider`](Self::token_provider), for a provider you share.
    pub fn shared_token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.tokens = Some(provider);
        self
    }

    /// Total time allowed for one HTTP request (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time allowed to connect (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The `User-Agent` header (default `msgraph-outlook/{version}`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Sends `Prefer: IdType="ImmutableId"` on every request, so message and event ids
    /// survive moves between folders (GRAPH-FACTS §7; "Obtain immutable identifiers for
    /// Outlook resources", <https://learn.microsoft.com/graph/outlook-immutable-id>).
    ///
    /// The recommended default for a program that stores ids (a database of message or
    /// event ids, a sync state): without it, Graph's ids change whenever an item moves to
    /// another folder (a user filing mail, a rule, a delete to Deleted Items). Ids stored
    /// from EWS or from an earlier run without this setting are converted once with
    /// [`Mailbox::translate_exchange_ids`](crate::api::Mailbox::translate_exchange_ids) to
    /// [`RestImmutableEntryId`](crate::models::ExchangeIdFormat::RestImmutableEntryId).
    ///
    /// ```no_run
    /// # fn run(token: &str) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::auth::StaticToken;
    /// use msgraph_outlook::GraphClient;
    /// let client = GraphClient::builder()
    ///     .token_provider(StaticToken::new(token))
    ///     .immutable_ids()
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn immutable_ids(self) -> Self {
        self.prefer(r#"IdType="ImmutableId""#)
    }

    /// Sends `Prefer: outlook.timezone="{zone}"` on every request: Graph then returns event
    /// and schedule times of *reads* in that zone. It does not apply to the answers of a
    /// create or an update (POST, PATCH), which come back in UTC: use
    /// [`DateTimeTimeZone::to_utc`](crate::models::DateTimeTimeZone::to_utc) or
    /// [`to_zoned`](crate::models::DateTimeTimeZone::to_zoned) rather than the zone name.
    /// A Windows name (`"Pacific Standard Time"`) or an IANA name (`"America/Los_Angeles"`,
    /// sent as its Windows name); a read's own `.time_zone(…)` wins over this one.
    pub fn time_zone(self, zone: impl AsRef<str>) -> Self {
        self.prefer(crate::api::time_zone_preference(zone.as_ref()))
    }

    /// Adds a raw preference to every request. All preferences of a request travel in one
    /// comma-separated `Prefer` header, because Graph heeds only one `Prefer` header.
    pub fn prefer(mut self, preference: impl Into<String>) -> Self {
        self.preferences.push(preference.into());
        self
    }

    /// How failed requests are retried (default [`RetryPolicy::default`]). Whatever the
    /// policy, a request Graph may have acted on (a sendMail after a 504 or a dropped
    /// connection) is never repeated: see [`Error::OutcomeUnknown`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// What waits between retries (default tokio's timer); tests record delays with it.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// Most requests in flight per mailbox (default [`DEFAULT_MAILBOX_CONCURRENCY`], Graph's
    /// limit of 4 per app and mailbox); `None` removes the limit. More requests to the same
    /// mailbox wait in line; other mailboxes are not held up.
    ///
    /// One mailbox counts once however it is written: user ids and UPNs compare
    /// case-insensitively, and `/me` is the same mailbox as the signed-in user's UPN or
    /// object id when the token is a JWT that names them (its `oid`, `upn` and
    /// `preferred_username` claims, read without verifying: the crate never trusts them for
    /// anything else).
    pub fn mailbox_concurrency(mut self, limit: Option<usize>) -> Self {
        self.mailbox_concurrency = Some(limit);
        self
    }

    /// Builds the client; fails on a missing token provider or an unusable URL.
    pub fn build(self) -> Result<GraphClient> {
        let tokens = self.tokens.ok_or_else(|| {
            Error::Config(
                "a token provider is required (GraphClient::builder().token_provider(..))".into(),
            )
        })?;
        let base = match self.base_url {
            Some(url) => checked_root(&url, "Graph base URL")?,
            None => self.cloud.graph_base_url(),
        };
        // A trailing slash makes Url::join and path_segments_mut behave the same everywhere.
        let base_url = Url::parse(&format!("{base}/"))
            .map_err(|e| Error::Config(format!("Graph base URL {base:?}: {e}")))?;
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| concat!("msgraph-outlook/", env!("CARGO_PKG_VERSION")).to_string());
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            // Graph does not redirect API calls; following one would carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                tokens,
                preferences: self.preferences,
                retry: self.retry,
                sleeper: self.sleeper.unwrap_or_else(|| Arc::new(TokioSleeper)),
                limiter: Arc::new(MailboxLimiter::new(
                    self.mailbox_concurrency
                        .unwrap_or(Some(DEFAULT_MAILBOX_CONCURRENCY)),
                )),
            }),
        })
    }
}
