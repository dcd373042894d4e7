//! Checking the `validationTokens` of rich notifications (GRAPH-FACTS-2 §0.7, §4.3; "Set up
//! change notifications that include resource data", section "Validating the
//! authenticity of notifications",
//! <https://learn.microsoft.com/graph/change-notifications-with-resource-data>): every token
//! must be an RS256 JWT signed by a key of the login authority (fetched from its OpenID
//! configuration, cached, refetched when a token names an unknown key), unexpired, for one
//! of our app ids, from Graph's change-notification publisher, issued for the tenant of the
//! notifications it vouches for.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::body::read_limited;
use crate::models::ChangeNotificationCollection;
use crate::wall_clock::WallClock;

/// The app id Graph's change notifications are published with (`azp` in v2 tokens, `appid`
/// in v1 tokens; GRAPH-FACTS-2 §4.3).
pub(crate) const PUBLISHER_APP_ID: &str = "0bf30f3b-4a52-48df-9a82-234910c4a086";

/// Clock skew tolerated on `exp` and `nbf` (Microsoft.IdentityModel's default, 5 minutes).
const CLOCK_SKEW: Duration = Duration::minutes(5);
/// Signing keys are refetched after this long even when every `kid` is known; Microsoft
/// rotates them, and asks to cache them "for some time" (§4.3).
const KEYS_MAX_AGE: Duration = Duration::hours(12);
/// A token naming an unknown `kid` triggers at most one refetch per this interval, so
/// forged tokens cannot make the receiver hammer the authority.
const UNKNOWN_KID_REFETCH: Duration = Duration::minutes(5);
/// Bounds on what the authority's answers may weigh.
const DISCOVERY_MAX_BYTES: usize = 256 * 1024;

/// Why the tokens of a POST were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejected(pub(crate) String);

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn rejected(why: impl Into<String>) -> Rejected {
    Rejected(why.into())
}

/// What the checks need to know, fixed at build time.
pub(crate) struct TokenChecker {
    /// The login authority, without a trailing slash (`https://login.microsoftonline.com`).
    authority: String,
    app_ids: Vec<String>,
    /// Tenants accepted (lowercase); empty = the tenants the notifications name.
    tenant_ids: Vec<String>,
    http: reqwest::Client,
    clock: WallClock,
    keys: tokio::sync::Mutex<KeyCache>,
}

impl fmt::Debug for TokenChecker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenChecker")
            .field("authority", &self.authority)
            .field("app_ids", &self.app_ids)
            .field("tenant_ids", &self.tenant_ids)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, DecodingKey>,
    fetched_at: Option<DateTime<Utc>>,
    unknown_kid_fetch_at: Option<DateTime<Utc>>,
    /// When refreshing stale keys last failed (the stale ones are used meanwhile).
    failed_at: Option<DateTime<Utc>>,
}

/// Whether a fetch last tried at `last` may be tried again: at most once per
/// [`UNKNOWN_KID_REFETCH`], so neither forged tokens nor an unreachable authority make the
/// receiver hammer it.
fn may_retry(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last.map_or(true, |at| now - at >= UNKNOWN_KID_REFETCH)
}

/// The claims checked; the rest of the token is ignored.
#[derive(Deserialize)]
struct Claims {
    exp: i64,
    nbf: Option<i64>,
    iss: String,
    tid: Option<String>,
    azp: Option<String>,
    appid: Option<String>,
}

#[derive(Deserialize)]
struct OpenIdConfiguration {
    jwks_uri: String,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

impl TokenChecker {
    pub(crate) fn new(
        authority: String,
        app_ids: Vec<String>,
        tenant_ids: Vec<String>,
        http: reqwest::Client,
        clock: WallClock,
    ) -> TokenChecker {
        TokenChecker {
            authority,
            app_ids,
            tenant_ids: tenant_ids.iter().map(|t| t.to_ascii_lowercase()).collect(),
            http,
            clock,
            keys: tokio::sync::Mutex::new(KeyCache::default()),
        }
    }

    /// Checks every token of `collection`; `Ok` only if there is at least one, all are
    /// valid, and together they cover the tenant of every notification.
    pub(crate) async fn check(
        &self,
        collection: &ChangeNotificationCollection,
    ) -> Result<(), Rejected> {
        let tokens = collection
            .validation_tokens
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| rejected("rich notification without validationTokens"))?;
        let named: HashSet<String> = collection
            .value
            .iter()
            .filter_map(|n| n.tenant_id.as_deref())
            .map(str::to_ascii_lowercase)
            .collect();
        let allowed = if self.tenant_ids.is_empty() {
            &named
        } else {
            if let Some(t) = named.iter().find(|t| !self.tenant_ids.contains(t)) {
                return Err(rejected(format!("tenant {t} is not an accepted tenant")));
            }
            &self.tenant_ids.iter().cloned().collect()
        };
        let mut covered = HashSet::new();
        for token in tokens {
            covered.insert(self.check_one(token, allowed).await?);
        }
        match named.iter().find(|t| !covered.contains(*t)) {
            Some(t) => Err(rejected(format!("no validation token for tenant {t}"))),
            None => Ok(()),
        }
    }

    /// Checks one token; returns the tenant it was issued for.
    async fn check_one(&self, token: &str, allowed: &HashSet<String>) -> Result<String, Rejected> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| rejected(format!("validation token is not a JWT: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(rejected(format!(
                "validation token algorithm {:?}, expected RS256",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| rejected("validation token without kid"))?;
        let key = self.key(&kid).await?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&self.app_ids);
        // exp/nbf are checked below against the injectable clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims = ["exp", "aud", "iss"]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| rejected(format!("validation token refused: {e}")))?
            .claims;

        let now = (self.clock)();
        let at = |secs: i64| DateTime::<Utc>::from_timestamp(secs, 0);
        match at(claims.exp) {
            Some(exp) if exp + CLOCK_SKEW > now => {}
            _ => return Err(rejected("validation token expired")),
        }
        if let Some(nbf) = claims.nbf {
            match at(nbf) {
                Some(nbf) if nbf - CLOCK_SKEW <= now => {}
                _ => return Err(rejected("validation token not valid yet")),
            }
        }
        let publisher = claims.azp.as_deref().or(claims.appid.as_deref());
        if publisher != Some(PUBLISHER_APP_ID) {
            return Err(rejected(format!(
                "validation token azp/appid {publisher:?} is not Graph's change-notification publisher"
            )));
        }
        let tenant = allowed
            .iter()
            .find(|t| self.issuers(t).iter().any(|iss| iss.eq_ignore_ascii_case(&claims.iss)))
            .ok_or_else(|| {
                rejected(format!(
                    "validation token issuer {} is not the authority's for the notifications' tenant",
                    claims.iss
                ))
            })?;
        if claims
            .tid
            .as_deref()
            .is_some_and(|tid| !tid.eq_ignore_ascii_case(tenant))
        {
            return Err(rejected(
                "validation token tid differs from its issuer's tenant",
            ));
        }
        Ok(tenant.clone())
    }

    /// The issuers Microsoft's SDK accepts for `tenant` (v1 and v2 tokens; §4.3). The v1
    /// issuer of national clouds may differ from `sts.windows.net` [unconfirmed]; their v2
    /// tokens, which Graph sends today (§4.3), carry `{authority}/{tid}/v2.0`.
    fn issuers(&self, tenant: &str) -> [String; 2] {
        [
            format!("https://sts.windows.net/{tenant}/"),
            format!("{}/{tenant}/v2.0", self.authority),
        ]
    }

    /// The signing key `kid`, from the cache or fetched.
    async fn key(&self, kid: &str) -> Result<DecodingKey, Rejected> {
        // One fetch at a time: concurrent POSTs wait for it and share it.
        let mut cache = self.keys.lock().await;
        let now = (self.clock)();
        let stale = cache.fetched_at.map_or(true, |at| now - at >= KEYS_MAX_AGE);
        if stale && cache.keys.is_empty() {
            self.refresh(&mut cache, now).await?;
        } else if stale && may_retry(cache.failed_at, now) {
            // Keys we hold are kept when the authority cannot be reached (as
            // Microsoft.IdentityModel's ConfigurationManager keeps a last known good
            // configuration, `LastKnownGoodConfigurationCacheOptions`,
            // <https://learn.microsoft.com/dotnet/api/microsoft.identitymodel.protocols.configurationmanager-1>):
            // the notifications were already answered 202, and refusing them now would
            // lose them for good. Retried at most once per interval.
            if let Err(why) = self.refresh(&mut cache, now).await {
                cache.failed_at = Some(now);
                tracing::warn!(target: super::LOG_TARGET, reason = %why, "could not refresh the authority's signing keys: using the ones fetched before");
            }
        }
        if let Some(key) = cache.keys.get(kid) {
            return Ok(key.clone());
        }
        let may_refetch = !stale && may_retry(cache.unknown_kid_fetch_at, now);
        if may_refetch {
            cache.unknown_kid_fetch_at = Some(now);
            self.refresh(&mut cache, now).await?;
            if let Some(key) = cache.keys.get(kid) {
                return Ok(key.clone());
            }
        }
        Err(rejected(format!(
            "validation token signed with key {kid}, which the authority does not publish"
        )))
    }

    async fn refresh(&self, cache: &mut KeyCache, now: DateTime<Utc>) -> Result<(), Rejected> {
        let keys = self.fetch_keys().await?;
        cache.keys = keys;
        cache.fetched_at = Some(now);
        cache.failed_at = None;
        Ok(())
    }

    /// `{authority}/common/v2.0/.well-known/openid-configuration` → `jwks_uri` → the keys.
    async fn fetch_keys(&self) -> Result<HashMap<String, DecodingKey>, Rejected> {
        let config_url = format!(
            "{}/common/v2.0/.well-known/openid-configuration",
            self.authority
        );
        let config: OpenIdConfiguration = self.get_json(&config_url).await?;
        // The keys must come from the authority itself: a configuration that points
        // elsewhere is not followed.
        let same_origin = url::Url::parse(&config.jwks_uri)
            .ok()
            .zip(url::Url::parse(&self.authority).ok())
            .is_some_and(|(jwks, authority)| jwks.origin() == authority.origin());
        if !same_origin {
            return Err(rejected(format!(
                "jwks_uri {} is not on the authority {}",
                config.jwks_uri, self.authority
            )));
        }
        let jwks: Jwks = self.get_json(&config.jwks_uri).await?;
        let keys: HashMap<String, DecodingKey> = jwks
            .keys
            .into_iter()
            .filter(|k| k.kty == "RSA" && k.use_.as_deref().map_or(true, |u| u == "sig"))
            .filter_map(|k| {
                let key =
                    DecodingKey::from_rsa_components(k.n.as_deref()?, k.e.as_deref()?).ok()?;
                Some((k.kid?, key))
            })
            .collect();
        tracing::debug!(target: super::LOG_TARGET, keys = keys.len(), "fetched the authority's signing keys");
        Ok(keys)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, Rejected> {
        let failed = |e: String| rejected(format!("GET {url}: {e}"));
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        if !response.status().is_success() {
            return Err(failed(format!("status {}", response.status())));
        }
        let headers = response.headers().clone();
        let chunks = futures_util::stream::unfold(response, |mut response| async move {
            match response.chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), response)),
                Ok(None) => None,
                Err(e) => Some((Err(e), response)),
            }
        });
        let body = read_limited(&headers, chunks, DISCOVERY_MAX_BYTES)
            .await
            .map_err(|e| failed(format!("{e:?}")))?;
        serde_json::from_slice(&body).map_err(|e| failed(e.to_string()))
    }
}
