//! App-only tokens for an Azure managed identity, from the local identity endpoint of the
//! host: the Instance Metadata Service (VMs, scale sets, AKS nodes…) or the App Service /
//! Azure Functions token service.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderValue;
use serde::{Deserialize, Deserializer};
use url::Url;

use super::client_credentials::EntraErrorBody;
use super::token_response::identity_client;
use super::{AccessToken, Clock, TokenCache, TokenKind};
use crate::cloud::Cloud;
use crate::error::{excerpt, AuthError, Error, Result, TransportError};

/// The IMDS token endpoint (link-local; reachable from inside an Azure VM only).
const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";
const IMDS_API_VERSION: &str = "2018-02-01";
const APP_SERVICE_API_VERSION: &str = "2019-08-01";
/// Set by App Service and Azure Functions for apps with a managed identity.
const IDENTITY_ENDPOINT: &str = "IDENTITY_ENDPOINT";
const IDENTITY_HEADER: &str = "IDENTITY_HEADER";

/// App-only access as the managed identity of the Azure resource the program runs on.
///
/// The token comes from the host's identity endpoint, chosen from the environment:
/// - App Service / Azure Functions when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set:
///   `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=…[&client_id=…]` with the
///   header `X-IDENTITY-HEADER: {IDENTITY_HEADER}`;
/// - otherwise the Instance Metadata Service (IMDS):
///   `GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=…[&client_id=…]`
///   with the header `Metadata: true`.
///
/// `resource` is the cloud's Graph root (`https://graph.microsoft.com` by default; see
/// [`cloud`](Self::cloud)). Tokens are cached until five minutes before they expire, and
/// concurrent requests share one token request. The `IDENTITY_HEADER` value never appears in
/// `Debug` output, logs or errors.
///
/// Grant the managed identity Graph *application* permissions (e.g. `Mail.Send`) through an
/// app role assignment; there is no consent screen for managed identities.
///
/// ```
/// use msgraph_outlook::auth::{ManagedIdentity, TokenKind, TokenProvider};
/// use msgraph_outlook::Cloud;
///
/// // An environment without App Service variables: IMDS (nothing is contacted here).
/// let identity = ManagedIdentity::from_env_vars(|_| None)
///     .unwrap()
///     .with_client_id("00000000-0000-0000-0000-000000000002")
///     .cloud(&Cloud::China);
/// assert_eq!(identity.endpoint(), "http://169.254.169.254/metadata/identity/oauth2/token");
/// assert_eq!(identity.resource(), "https://microsoftgraph.chinacloudapi.cn");
/// assert_eq!(identity.kind(), TokenKind::Application);
/// ```
pub struct ManagedIdentity {
    client_id: Option<String>,
    resource: String,
    source: Source,
    http: reqwest::Client,
    cache: TokenCache,
}

/// Which identity endpoint, and how to call it.
enum Source {
    Imds { endpoint: Url },
    AppService { endpoint: Url, header: HeaderValue },
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Imds { endpoint } => f
                .debug_struct("Imds")
                .field("endpoint", &endpoint.as_str())
                .finish(),
            Source::AppService { endpoint, .. } => f
                .debug_struct("AppService")
                .field("endpoint", &endpoint.as_str())
                .field("identity_header", &"<redacted>")
                .finish(),
        }
    }
}

impl fmt::Debug for ManagedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedIdentity")
            .field("client_id", &self.client_id)
            .field("resource", &self.resource)
            .field("source", &self.source)
            .field("cache", &self.cache)
            .finish()
    }
}

impl ManagedIdentity {
    /// The resource's system-assigned identity; the endpoint is chosen from the process
    /// environment (see [`from_env_vars`](Self::from_env_vars)).
    ///
    /// ```no_run
    /// # async fn run() -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::auth::ManagedIdentity;
    /// use msgraph_outlook::GraphClient;
    ///
    /// let client = GraphClient::builder()
    ///     .token_provider(ManagedIdentity::system_assigned()?)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn system_assigned() -> Result<Self> {
        Self::from_env_vars(|name| std::env::var(name).ok())
    }

    /// The user-assigned identity with this client id; the endpoint is chosen from the
    /// process environment (see [`from_env_vars`](Self::from_env_vars)).
    ///
    /// ```no_run
    /// # async fn run() -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::auth::ManagedIdentity;
    /// use msgraph_outlook::{Cloud, GraphClient};
    ///
    /// let identity = ManagedIdentity::user_assigned("5e29463d-71da-4fe0-8e69-999b57db23b0")?
    ///     .cloud(&Cloud::UsGovL4);
    /// let client = GraphClient::builder()
    ///     .cloud(Cloud::UsGovL4)
    ///     .token_provider(identity)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn user_assigned(client_id: impl Into<String>) -> Result<Self> {
        Ok(Self::system_assigned()?.with_client_id(client_id))
    }

    /// The system-assigned identity, with the endpoint chosen from the variables `var`
    /// returns instead of the process environment: App Service when `IDENTITY_ENDPOINT` and
    /// `IDENTITY_HEADER` are both set, else IMDS.
    ///
    /// ```
    /// use msgraph_outlook::auth::ManagedIdentity;
    ///
    /// let identity = ManagedIdentity::from_env_vars(|name| match name {
    ///     "IDENTITY_ENDPOINT" => Some("http://127.0.0.1:41741/msi/token".to_string()),
    ///     "IDENTITY_HEADER" => Some("853b9a84-5bfa-4b22-a3f3-0b9a43d9ad8a".to_string()),
    ///     _ => None,
    /// })
    /// .unwrap();
    /// assert_eq!(identity.endpoint(), "http://127.0.0.1:41741/msi/token");
    /// assert!(!format!("{identity:?}").contains("853b9a84"));
    /// ```
    pub fn from_env_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let value = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let identity = ManagedIdentity {
            client_id: None,
            resource: Cloud::Global.graph_root().to_string(),
            source: Source::Imds {
                endpoint: Url::parse(IMDS_ENDPOINT).expect("a valid URL"),
            },
            http: identity_http_client()?,
            cache: TokenCache::default(),
        };
        match (value(IDENTITY_ENDPOINT), value(IDENTITY_HEADER)) {
            (Some(endpoint), Some(header)) => identity
                .app_service_endpoint(endpoint.trim(), header.trim())
                .map_err(|e| Error::Config(format!("{IDENTITY_ENDPOINT}: {e}"))),
            _ => Ok(identity),
        }
    }

    /// Asks for the user-assigned identity with this client id instead of the
    /// system-assigned one (query parameter `client_id`).
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Asks for tokens for `cloud`'s Graph: `resource` becomes its Graph root
    /// (`https://graph.microsoft.us`, `https://microsoftgraph.chinacloudapi.cn`, …).
    pub fn cloud(mut self, cloud: &Cloud) -> Self {
        self.resource = cloud.graph_root().to_string();
        self
    }

    /// Asks for tokens for `resource` (an App ID URI) instead of the cloud's Graph root, e.g.
    /// when Graph is reached through a proxy but tokens are for the real Graph.
    ///
    /// ```
    /// use msgraph_outlook::auth::ManagedIdentity;
    ///
    /// let identity = ManagedIdentity::from_env_vars(|_| None)
    ///     .unwrap()
    ///     .with_resource("https://graph.microsoft.com/");
    /// assert_eq!(identity.resource(), "https://graph.microsoft.com/");
    /// ```
    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = resource.into();
        self
    }

    /// Uses the IMDS protocol at `url` (the full token URL) instead of
    /// `http://169.254.169.254/metadata/identity/oauth2/token`.
    ///
    /// ```
    /// use msgraph_outlook::auth::ManagedIdentity;
    ///
    /// let identity = ManagedIdentity::from_env_vars(|_| None)
    ///     .unwrap()
    ///     .imds_endpoint("http://127.0.0.1:8080/metadata/identity/oauth2/token")
    ///     .unwrap();
    /// assert_eq!(identity.endpoint(), "http://127.0.0.1:8080/metadata/identity/oauth2/token");
    /// assert!(ManagedIdentity::from_env_vars(|_| None).unwrap().imds_endpoint("not a URL").is_err());
    /// ```
    pub fn imds_endpoint(mut self, url: &str) -> Result<Self> {
        self.source = Source::Imds {
            endpoint: endpoint_url(url)?,
        };
        Ok(self)
    }

    /// Uses the App Service protocol at `url` with `identity_header` as the
    /// `X-IDENTITY-HEADER` value (what `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` hold).
    ///
    /// ```
    /// use msgraph_outlook::auth::ManagedIdentity;
    ///
    /// let identity = ManagedIdentity::from_env_vars(|_| None)
    ///     .unwrap()
    ///     .app_service_endpoint("http://127.0.0.1:8081/msi/token", "header-secret")
    ///     .unwrap();
    /// assert_eq!(identity.endpoint(), "http://127.0.0.1:8081/msi/token");
    /// assert!(!format!("{identity:?}").contains("header-secret"));
    /// ```
    pub fn app_service_endpoint(
        mut self,
        url: &str,
        identity_header: impl Into<String>,
    ) -> Result<Self> {
        let endpoint = endpoint_url(url)?;
        let mut header = HeaderValue::try_from(identity_header.into())
            .map_err(|_| Error::Config("the identity header is not a valid header value".into()))?;
        header.set_sensitive(true);
        self.source = Source::AppService { endpoint, header };
        Ok(self)
    }

    /// Uses `clock` for token expiry (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.cache = TokenCache::with_clock(clock);
        self
    }

    /// The identity endpoint this provider asks.
    pub fn endpoint(&self) -> &str {
        match &self.source {
            Source::Imds { endpoint } | Source::AppService { endpoint, .. } => endpoint.as_str(),
        }
    }

    /// The `resource` it asks a token for.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    async fn fetch(&self) -> Result<(AccessToken, Option<Duration>)> {
        let (endpoint, api_version) = match &self.source {
            Source::Imds { endpoint } => (endpoint, IMDS_API_VERSION),
            Source::AppService { endpoint, .. } => (endpoint, APP_SERVICE_API_VERSION),
        };
        let mut url = endpoint.clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("api-version", api_version);
            query.append_pair("resource", &self.resource);
            if let Some(client_id) = &self.client_id {
                query.append_pair("client_id", client_id);
            }
        }
        let request = match &self.source {
            Source::Imds { .. } => self.http.get(url).header("Metadata", "true"),
            Source::AppService { header, .. } => self
                .http
                .get(url)
                .header("X-IDENTITY-HEADER", header.clone()),
        };
        tracing::debug!(endpoint = %endpoint, resource = %self.resource, "requesting a managed identity token");
        let response = request
            .send()
            .await
            .map_err(|e| Error::Transport(TransportError::from_reqwest(e)))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::Transport(TransportError::from_reqwest(e)))?;
        if !status.is_success() {
            let mut error = identity_error(status.as_u16(), &body);
            if let Source::AppService { header, .. } = &self.source {
                // An endpoint that echoes the request back must not make the error carry it.
                if let Ok(secret) = header.to_str() {
                    redact(&mut error, secret);
                }
            }
            return Err(Error::Auth(Box::new(error)));
        }
        let token: IdentityToken = serde_json::from_slice(&body).map_err(|e| {
            Error::Auth(Box::new(AuthError {
                status: Some(status.as_u16()),
                error: "unparseable_response".into(),
                description: Some(format!(
                    "the identity endpoint's answer is not a token response ({e})"
                )),
                ..AuthError::default()
            }))
        })?;
        let lifetime = token.lifetime(SystemTime::now());
        Ok((AccessToken::new(token.access_token), lifetime))
    }
}

cached_token_provider!(
    ManagedIdentity,
    |this| fetch: this.fetch(),
    kind: TokenKind::Application
);

/// A local identity endpoint: an absolute http(s) URL. IMDS and the App Service token service
/// speak plain http on link-local or loopback addresses, so http is allowed here.
fn endpoint_url(value: &str) -> Result<Url> {
    let url = Url::parse(value.trim())
        .map_err(|e| Error::Config(format!("identity endpoint {value:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || url.fragment().is_some()
    {
        return Err(Error::Config(format!(
            "identity endpoint {value:?} must be an http(s) URL"
        )));
    }
    Ok(url)
}

/// The identity endpoints are local: no proxy (IMDS is not meant to be used through one), no
/// redirects, short connect timeout.
fn identity_http_client() -> Result<reqwest::Client> {
    identity_client(|builder| {
        builder
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
    })
}

/// An error answer: `error` and `error_description` when the body has them, else the status
/// and an excerpt of the body.
fn identity_error(status: u16, body: &[u8]) -> AuthError {
    match serde_json::from_slice::<EntraErrorBody>(body) {
        Ok(body) => body.into_auth_error(Some(status)),
        Err(_) => AuthError {
            status: Some(status),
            error: "unexpected_response".into(),
            description: Some(format!(
                "the identity endpoint answered {status}: {}",
                excerpt(body)
            )),
            ..AuthError::default()
        },
    }
}

/// Replaces every occurrence of `secret` in the texts an endpoint sent.
fn redact(error: &mut AuthError, secret: &str) {
    if secret.is_empty() {
        return;
    }
    let texts = [
        Some(&mut error.error),
        error.description.as_mut(),
        error.trace_id.as_mut(),
        error.correlation_id.as_mut(),
        error.timestamp.as_mut(),
    ];
    for text in texts.into_iter().flatten() {
        if text.contains(secret) {
            *text = text.replace(secret, "<redacted>");
        }
    }
}

/// The identity endpoint's token answer. IMDS sends `expires_in` and `expires_on` as
/// strings; App Service sends `expires_on` only.
#[derive(Deserialize)]
struct IdentityToken {
    access_token: String,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "seconds")]
    expires_on: Option<u64>,
}

impl IdentityToken {
    /// The shorter of `expires_in` and `expires_on - now`, if either is known.
    fn lifetime(&self, now: SystemTime) -> Option<Duration> {
        let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
        let from_expires_on = self.expires_on.map(|on| on.saturating_sub(now));
        match (self.expires_in, from_expires_on) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
        .map(Duration::from_secs)
    }
}

/// Seconds given as a JSON number or a string of digits; anything else counts as absent.
fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(json: &str) -> IdentityToken {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn lifetimes_from_strings_numbers_or_expires_on() {
        let now = UNIX_EPOCH + Duration::from_secs(1_506_480_574);
        let imds = token(
            r#"{"access_token":"t","refresh_token":"","expires_in":"3599","expires_on":"1506484173",
                "not_before":"1506480273","resource":"https://graph.microsoft.com","token_type":"Bearer"}"#,
        );
        assert_eq!(imds.lifetime(now), Some(Duration::from_secs(3599)));
        let numbers = token(r#"{"access_token":"t","expires_in":3599}"#);
        assert_eq!(numbers.lifetime(now), Some(Duration::from_secs(3599)));
        let app_service = token(r#"{"access_token":"t","expires_on":"1506484074"}"#);
        assert_eq!(app_service.lifetime(now), Some(Duration::from_secs(3500)));
        // The 2017 protocol's date strings are not seconds: lifetime unknown, not an error.
        let dated = token(r#"{"access_token":"t","expires_on":"09/14/2017 00:00:00 PM +00:00"}"#);
        assert_eq!(dated.lifetime(now), None);
    }
}
