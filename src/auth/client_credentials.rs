//! App-only tokens (OAuth 2.0 client credentials grant) with a client secret, a certificate
//! or a federated assertion.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenResponse,
};
use oauth2::{
    AuthType, EndpointNotSet, EndpointSet, RequestTokenError, Scope, StandardRevocableToken,
    TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use super::token_response::identity_client;
use super::{
    federated, AccessToken, ClientCertificate, ClientSecret, Clock, TokenCache, TokenKind,
};
use crate::cloud::Cloud;
use crate::error::{excerpt, AuthError, Error, Result, TransportError};

/// The oauth2 client for the one endpoint this flow uses.
type TokenClient = oauth2::Client<
    EntraErrorBody,
    BasicTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// `client_assertion_type` of a JWT client assertion (certificate or federated credential).
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// App-only access: `POST {authority}/{tenant}/oauth2/v2.0/token` with
/// `grant_type=client_credentials` and the cloud's `.default` scope (GRAPH-FACTS §12.2).
///
/// The app proves who it is with one of:
/// - a client secret ([`ClientCredentials::new`]): form field `client_secret`;
/// - a certificate ([`ClientCredentials::with_certificate`]): a JWT signed with its private
///   key, made anew for each token request;
/// - a federated assertion read from a file on each token request
///   ([`ClientCredentials::with_federated_token_file`],
///   [`ClientCredentials::from_workload_identity_env`]), e.g. a Kubernetes service account
///   token under workload identity federation.
///
/// The last two send `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
/// and `client_assertion` instead of `client_secret`.
///
/// Tokens are cached until five minutes before they expire; concurrent requests share one
/// token request. Secrets, private keys and assertions never appear in `Debug` output, logs
/// or errors.
///
/// ```
/// use msgraph_outlook::auth::{ClientCredentials, ClientSecret};
/// use msgraph_outlook::Cloud;
///
/// let credentials = ClientCredentials::new(
///     &Cloud::Global,
///     "contoso.onmicrosoft.com",
///     "00000000-0000-0000-0000-000000000001",
///     ClientSecret::new("my~secret"),
/// )
/// .unwrap();
/// assert_eq!(
///     credentials.token_url(),
///     "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
/// );
/// assert_eq!(credentials.scope(), "https://graph.microsoft.com/.default");
/// assert!(!format!("{credentials:?}").contains("my~secret"));
/// ```
pub struct ClientCredentials {
    oauth: TokenClient,
    credential: Credential,
    token_url: String,
    scope: String,
    tenant: String,
    http: reqwest::Client,
    cache: TokenCache,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("tenant", &self.tenant)
            .field("client_id", &self.oauth.client_id().as_str())
            .field("credential", &self.credential)
            .field("token_url", &self.token_url)
            .field("scope", &self.scope)
            .field("cache", &self.cache)
            .finish()
    }
}

/// How the app proves who it is.
pub(super) enum Credential {
    /// The client secret, held by the oauth2 client.
    Secret,
    /// A certificate: a signed assertion per token request.
    Certificate(ClientCertificate),
    /// A federated assertion, read from this file per token request.
    FederatedTokenFile(PathBuf),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Secret => f.write_str("ClientSecret(<redacted>)"),
            Credential::Certificate(certificate) => {
                f.debug_tuple("Certificate").field(certificate).finish()
            }
            Credential::FederatedTokenFile(path) => {
                f.debug_tuple("FederatedTokenFile").field(path).finish()
            }
        }
    }
}

impl ClientCredentials {
    /// Credentials for `tenant` (GUID or domain) in `cloud`, with a client secret.
    pub fn new(
        cloud: &Cloud,
        tenant: &str,
        client_id: &str,
        client_secret: ClientSecret,
    ) -> Result<Self> {
        Self::build(
            cloud,
            tenant,
            client_id,
            Some(client_secret),
            Credential::Secret,
        )
    }

    /// Credentials for `tenant` (GUID or domain) in `cloud`, with a certificate registered on
    /// the app: each token request carries a new assertion signed with its private key.
    ///
    /// ```
    /// use msgraph_outlook::auth::{ClientCertificate, ClientCredentials};
    /// use msgraph_outlook::Cloud;
    ///
    /// let certificate = ClientCertificate::from_pem(
    ///     include_bytes!("../../tests/fixtures/auth/cert.pem"),
    ///     include_bytes!("../../tests/fixtures/auth/key.pem"),
    /// )
    /// .unwrap();
    /// let credentials = ClientCredentials::with_certificate(
    ///     &Cloud::UsGovL4,
    ///     "contoso.onmicrosoft.us",
    ///     "00000000-0000-0000-0000-000000000001",
    ///     certificate,
    /// )
    /// .unwrap();
    /// assert_eq!(
    ///     credentials.token_url(),
    ///     "https://login.microsoftonline.us/contoso.onmicrosoft.us/oauth2/v2.0/token"
    /// );
    /// assert_eq!(credentials.scope(), "https://graph.microsoft.us/.default");
    /// assert!(format!("{credentials:?}").contains("ftl9fvvJyb6cYAVL-r3SZmOVQyuNuItkTRKGFF1BDTE"));
    /// ```
    pub fn with_certificate(
        cloud: &Cloud,
        tenant: &str,
        client_id: &str,
        certificate: ClientCertificate,
    ) -> Result<Self> {
        Self::build(
            cloud,
            tenant,
            client_id,
            None,
            Credential::Certificate(certificate),
        )
    }

    pub(super) fn build(
        cloud: &Cloud,
        tenant: &str,
        client_id: &str,
        client_secret: Option<ClientSecret>,
        credential: Credential,
    ) -> Result<Self> {
        let tenant = tenant.trim();
        if tenant.is_empty() || tenant.contains(['/', '?', '#', '%', ' ']) {
            return Err(Error::Config(format!(
                "tenant {tenant:?} must be a tenant id or domain"
            )));
        }
        if client_id.trim().is_empty() {
            return Err(Error::Config("client id is empty".into()));
        }
        let token_url = cloud.token_url(tenant);
        let oauth = oauth2::Client::new(oauth2::ClientId::new(client_id.trim().to_string()))
            // Entra documents client_id and client_secret as form fields.
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(
                TokenUrl::new(token_url.clone())
                    .map_err(|e| Error::Config(format!("token URL {token_url:?}: {e}")))?,
            );
        let oauth = match client_secret {
            Some(secret) => {
                oauth.set_client_secret(oauth2::ClientSecret::new(secret.secret().to_string()))
            }
            None => oauth,
        };
        Ok(ClientCredentials {
            oauth,
            credential,
            token_url,
            scope: cloud.default_scope(),
            tenant: tenant.to_string(),
            http: token_http_client()?,
            cache: TokenCache::default(),
        })
    }

    /// Requests `scope` instead of the cloud's `.default` scope (e.g. when Graph is reached
    /// through a proxy with its own base URL but tokens are for the real Graph).
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// Uses `clock` for token expiry (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.cache = TokenCache::with_clock(clock);
        self
    }

    /// The token endpoint this provider posts to.
    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// The scope it requests.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    async fn fetch(&self) -> Result<(AccessToken, Option<Duration>)> {
        tracing::debug!(token_url = %self.token_url, "requesting an app-only token");
        // oauth2 drops the HTTP status of an unparseable answer; keep it for the error.
        let status = Arc::new(Mutex::new(None));
        let http = |request: oauth2::HttpRequest| {
            let client = self.http.clone();
            let status = Arc::clone(&status);
            async move {
                let request = reqwest::Request::try_from(request).map_err(Transport::from)?;
                let response = client.execute(request).await.map_err(Transport::from)?;
                *status.lock().unwrap_or_else(|e| e.into_inner()) = Some(response.status());
                let mut builder = http::Response::builder().status(response.status());
                for (name, value) in response.headers() {
                    builder = builder.header(name, value);
                }
                let body = response.bytes().await.map_err(Transport::from)?;
                builder
                    .body(body.to_vec())
                    .map_err(|e| Transport(TransportError::other(e.to_string())))
            }
        };
        let assertion = match &self.credential {
            Credential::Secret => None,
            Credential::Certificate(certificate) => Some(
                certificate.client_assertion(self.oauth.client_id().as_str(), &self.token_url)?,
            ),
            Credential::FederatedTokenFile(path) => Some(federated::read_assertion(path).await?),
        };
        let mut request = self
            .oauth
            .exchange_client_credentials()
            .add_scope(Scope::new(self.scope.clone()));
        if let Some(assertion) = assertion {
            request = request
                .add_extra_param("client_assertion_type", JWT_BEARER)
                .add_extra_param("client_assertion", assertion);
        }
        let result = request.request_async(&http).await;
        let status = status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map(|s| s.as_u16());
        match result {
            Ok(response) => Ok((
                AccessToken::new(response.access_token().secret().clone()),
                response.expires_in(),
            )),
            Err(e) => Err(token_error(e, status)),
        }
    }
}

cached_token_provider!(
    ClientCredentials,
    |this| fetch: this.fetch(),
    kind: TokenKind::Application
);

/// The token endpoint's client (see [`identity_client`]).
fn token_http_client() -> Result<reqwest::Client> {
    identity_client(|builder| builder.timeout(Duration::from_secs(30)))
}

/// A transport failure while talking to the token endpoint (an `Error` for oauth2's sake).
#[derive(Debug)]
struct Transport(TransportError);

impl From<reqwest::Error> for Transport {
    fn from(e: reqwest::Error) -> Self {
        Transport(TransportError::from_reqwest(e))
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Transport {}

fn token_error(e: RequestTokenError<Transport, EntraErrorBody>, status: Option<u16>) -> Error {
    match e {
        RequestTokenError::ServerResponse(body) => {
            Error::Auth(Box::new(body.into_auth_error(status)))
        }
        RequestTokenError::Request(Transport(transport)) => Error::Transport(transport),
        RequestTokenError::Parse(path_error, body) => Error::Auth(Box::new(AuthError {
            status,
            error: "unparseable_response".into(),
            description: Some(format!(
                "the token endpoint's answer is not a token response ({path_error}): {}",
                excerpt(&body)
            )),
            ..AuthError::default()
        })),
        RequestTokenError::Other(message) => Error::Auth(Box::new(AuthError {
            status,
            error: "unexpected_response".into(),
            description: Some(message),
            ..AuthError::default()
        })),
    }
}

/// The token endpoint's error body (GRAPH-FACTS §12.5); managed identity endpoints answer
/// errors with its `error` and `error_description`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct EntraErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u32>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    trace_id: Option<String>,
    #[serde(default)]
    correlation_id: Option<String>,
}

impl EntraErrorBody {
    pub(super) fn into_auth_error(self, status: Option<u16>) -> AuthError {
        let mut aadsts_codes = self.error_codes;
        if aadsts_codes.is_empty() {
            // "AADSTS7000215: Invalid client secret provided. …"
            if let Some(code) = self
                .error_description
                .as_deref()
                .and_then(|d| d.strip_prefix("AADSTS"))
                .and_then(|d| d.split(':').next())
                .and_then(|n| n.parse().ok())
            {
                aadsts_codes.push(code);
            }
        }
        AuthError {
            status,
            error: self.error,
            description: self.error_description,
            aadsts_codes,
            trace_id: self.trace_id,
            correlation_id: self.correlation_id,
            timestamp: self.timestamp,
        }
    }
}

impl fmt::Display for EntraErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)
    }
}

impl oauth2::ErrorResponse for EntraErrorBody {}
