//! [`NotificationsBuilder`]: the receiver's settings.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::decrypt::DecryptionKey;
use super::jwt::TokenChecker;
use super::receiver::Receiver;
use super::registry::Registry;
use super::{Counters, Incoming, Notifications};
use crate::cloud::checked_root;
use crate::error::{Error, Result};
use crate::wall_clock::{self, WallClock};
use crate::Cloud;

/// Notifications the channel holds before the receiver answers `503`.
pub const DEFAULT_CAPACITY: usize = 1024;
/// The default body limit: 1 MiB. Microsoft documents no maximum notification size
/// \[unconfirmed\]; Outlook rich notifications cannot carry message bodies (`$select` of
/// `body`/`uniqueBody` is refused, GRAPH-FACTS-2 §4.1), so a POST of even a few hundred
/// notifications stays well under it, while each POST in flight costs at most this much memory.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// How long a fetch of the authority's signing keys may take.
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Configures a [`Notifications`]; from [`Notifications::builder`].
///
/// ```
/// # fn run() -> msgraph_outlook::Result<()> {
/// use msgraph_outlook::notifications::{DecryptionKey, Notifications};
/// use msgraph_outlook::Cloud;
///
/// let pem = std::fs::read_to_string("tests/fixtures/notifications/key.pem").unwrap();
/// let (notifications, incoming) = Notifications::builder()
///     .app_id("11111111-2222-3333-4444-555555555555")
///     .tenant_id("84bd8158-6d4d-4958-8b9f-9d6445542f95")
///     .cloud(&Cloud::Global)
///     .decryption_key("my-certificate-2026", DecryptionKey::from_pkcs8_pem(&pem)?)
///     .capacity(256)
///     .build()?;
/// # let _ = (notifications, incoming);
/// # Ok(()) }
/// # run().unwrap();
/// ```
pub struct NotificationsBuilder {
    app_ids: Vec<String>,
    tenant_ids: Vec<String>,
    authority: Result<String>,
    keys: HashMap<String, DecryptionKey>,
    capacity: usize,
    max_body_bytes: usize,
    http: Option<reqwest::Client>,
    clock: Option<WallClock>,
}

impl Default for NotificationsBuilder {
    fn default() -> Self {
        NotificationsBuilder {
            app_ids: Vec::new(),
            tenant_ids: Vec::new(),
            authority: Ok(Cloud::Global.authority().to_string()),
            keys: HashMap::new(),
            capacity: DEFAULT_CAPACITY,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            http: None,
            clock: None,
        }
    }
}

impl fmt::Debug for NotificationsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotificationsBuilder")
            .field("app_ids", &self.app_ids)
            .field("tenant_ids", &self.tenant_ids)
            .field("authority", &self.authority.as_ref().ok())
            .field("certificate_ids", &self.keys.keys().collect::<Vec<_>>())
            .field("capacity", &self.capacity)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl NotificationsBuilder {
    /// An app id (client id) the `validationTokens` of rich notifications may be issued
    /// for (their `aud`). Call once per app when several apps share the notification URL.
    /// Without one, rich notifications are discarded.
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_ids.push(app_id.into());
        self
    }

    /// A tenant whose rich notifications are accepted; call once per tenant. Without any,
    /// a token must be issued for the tenant its notifications name (`tenantId`).
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_ids.push(tenant_id.into());
        self
    }

    /// The cloud whose login authority signs `validationTokens` (default: global). Not
    /// Graph's host: the keys come from the authority's OpenID configuration.
    pub fn cloud(mut self, cloud: &Cloud) -> Self {
        self.authority = Ok(cloud.authority().to_string());
        self
    }

    /// The login authority by URL (`https://login.microsoftonline.com`); its OpenID
    /// configuration is read at `{authority}/common/v2.0/.well-known/openid-configuration`.
    /// `http` is accepted for loopback hosts only.
    pub fn authority(mut self, authority: &str) -> Self {
        self.authority = checked_root(authority, "authority");
        self
    }

    /// The private key of the encryption certificate registered as
    /// `encryptionCertificateId` = `certificate_id`. Add the old and the new key while a
    /// certificate is being rotated.
    pub fn decryption_key(mut self, certificate_id: impl Into<String>, key: DecryptionKey) -> Self {
        self.keys.insert(certificate_id.into(), key);
        self
    }

    /// How many notifications wait for the application before POSTs are answered `503`
    /// (default [`DEFAULT_CAPACITY`]); at least 1. A POST is taken whole or not at all, so
    /// keep it above the largest batch Graph sends.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// The largest body accepted (default [`DEFAULT_MAX_BODY_BYTES`]); larger ones get `413`.
    pub fn max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.max_body_bytes = max_body_bytes;
        self
    }

    /// The HTTP client that fetches the authority's signing keys (default: one without
    /// redirects and with a 10 s timeout).
    pub fn http(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The wall clock `exp` and `nbf` are checked against (default: the system clock).
    pub fn clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Builds the receiver and the bounded channel its notifications arrive on.
    pub fn build(self) -> Result<(Notifications, Incoming)> {
        let authority = self.authority?;
        if self.capacity == 0 || self.max_body_bytes == 0 {
            return Err(Error::Config(
                "notifications: capacity and max_body_bytes must be at least 1".into(),
            ));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(DISCOVERY_TIMEOUT)
                .build()
                .map_err(|e| Error::Config(format!("notifications: HTTP client: {e}")))?,
        };
        let clock = self.clock.unwrap_or_else(wall_clock::system);
        let tokens = (!self.app_ids.is_empty())
            .then(|| TokenChecker::new(authority, self.app_ids, self.tenant_ids, http, clock));
        let (tx, rx) = tokio::sync::mpsc::channel(self.capacity);
        let receiver = Receiver {
            registry: Registry::default(),
            counters: Counters::default(),
            tx,
            max_body_bytes: self.max_body_bytes,
            keys: self.keys,
            tokens,
        };
        Ok((
            Notifications {
                inner: Arc::new(receiver),
            },
            Incoming { rx },
        ))
    }
}
