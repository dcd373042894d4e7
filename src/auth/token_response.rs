//! The token endpoint's answers, shared by the delegated flows: one form POST, a token
//! answer or an Entra error body (GRAPH-FACTS §12.4, §12.5).

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::client_credentials::EntraErrorBody;
use super::token_store::RefreshTokenSecret;
use super::AccessToken;
use crate::error::{excerpt, AuthError, Error, Result, TransportError};

/// How long one token-endpoint request may take unless a provider is told otherwise.
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Checks a tenant (GUID, domain, `organizations`, `common`, `consumers`): it becomes a
/// path segment of the authority URL.
pub(crate) fn checked_tenant(tenant: &str) -> Result<String> {
    let tenant = tenant.trim();
    if tenant.is_empty() || tenant.contains(['/', '?', '#', '%', ' ', '\\']) {
        return Err(Error::Config(format!(
            "tenant {tenant:?} must be a tenant id or domain"
        )));
    }
    Ok(tenant.to_string())
}

/// Checks a client id (application id).
pub(crate) fn checked_client_id(client_id: &str) -> Result<String> {
    let client_id = client_id.trim();
    if client_id.is_empty() {
        return Err(Error::Config("client id is empty".into()));
    }
    Ok(client_id.to_string())
}

/// The HTTP side of the token endpoint: our own reqwest client, without redirects (a
/// redirected token request would hand a refresh token or secret to another host) and without
/// pooled connections (token requests are rare, and an idle pool keeps a timer running).
pub(crate) struct TokenHttp {
    timeout: Option<Duration>,
    client: OnceLock<reqwest::Client>,
}

impl fmt::Debug for TokenHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenHttp")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for TokenHttp {
    fn default() -> Self {
        TokenHttp::with_timeout(Some(DEFAULT_REQUEST_TIMEOUT))
    }
}

/// The one way this crate builds an HTTP client for identity endpoints (token endpoint,
/// managed identity): never following redirects (a redirected token request would hand a
/// secret, assertion or refresh token to another host), on the same reqwest stack as Graph
/// requests; `configure` adds what the endpoint needs (timeouts, no proxy).
pub(crate) fn identity_client(
    configure: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
) -> Result<reqwest::Client> {
    configure(reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()))
        .build()
        .map_err(|e| Error::Config(format!("cannot build the identity HTTP client: {e}")))
}

impl TokenHttp {
    /// A client whose requests give up after `timeout` (never, with `None`).
    pub(crate) fn with_timeout(timeout: Option<Duration>) -> Self {
        TokenHttp {
            timeout,
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> Result<&reqwest::Client> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = identity_client(|builder| {
            let builder = builder.pool_max_idle_per_host(0);
            match self.timeout {
                Some(timeout) => builder.timeout(timeout),
                None => builder,
            }
        })?;
        Ok(self.client.get_or_init(|| client))
    }

    /// POSTs `fields` form-encoded to `url` and parses a success answer as `T`; an error
    /// answer becomes [`Error::Auth`].
    pub(crate) async fn post_form<T: for<'de> Deserialize<'de>>(
        &self,
        url: &str,
        fields: &[(&str, &str)],
    ) -> Result<T> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let response = self
            .client()?
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| Error::Transport(TransportError::from_reqwest(e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Error::Transport(TransportError::from_reqwest(e)))?;
        if status.is_success() {
            parse_success(status.as_u16(), &bytes)
        } else {
            Err(error_answer(status.as_u16(), &bytes))
        }
    }
}

/// Parses a success answer. A failure names the JSON path only: the body may hold tokens, so
/// neither it nor serde's message (which can quote values) is kept.
fn parse_success<T: for<'de> Deserialize<'de>>(status: u16, body: &[u8]) -> Result<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let reason = match e.inner().classify() {
            serde_json::error::Category::Data => {
                format!("a field is missing or mistyped at `{path}`")
            }
            _ => "the body is not JSON".to_string(),
        };
        Error::Auth(Box::new(AuthError {
            status: Some(status),
            error: "unparseable_response".into(),
            description: Some(format!(
                "the token endpoint's answer is not what the identity platform documents: {reason}"
            )),
            ..AuthError::default()
        }))
    })
}

/// Turns an error answer into [`Error::Auth`]: an Entra error body (GRAPH-FACTS §12.5), or
/// an excerpt of whatever else came back.
pub(crate) fn error_answer(status: u16, body: &[u8]) -> Error {
    let error = match serde_json::from_slice::<EntraErrorBody>(body) {
        Ok(body) => body.into_auth_error(Some(status)),
        Err(_) => AuthError {
            status: Some(status),
            error: "unexpected_response".into(),
            description: Some(format!(
                "the token endpoint answered {status} without an OAuth error body: {}",
                excerpt(body)
            )),
            ..AuthError::default()
        },
    };
    Error::Auth(Box::new(error))
}

/// A successful token answer (GRAPH-FACTS §12.4). Not `Debug`: it holds tokens.
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    access_token: String,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<String>,
}

impl TokenAnswer {
    /// The access token.
    pub(crate) fn access_token(&self) -> AccessToken {
        AccessToken::new(self.access_token.clone())
    }

    /// The access token's lifetime, when sent.
    pub(crate) fn lifetime(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }

    /// The refresh token, when sent (only when `offline_access` was asked for).
    pub(crate) fn refresh_token(&self) -> Option<RefreshTokenSecret> {
        self.refresh_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(RefreshTokenSecret::new)
    }
}

/// Seconds as a JSON number or a string of digits (the v1 endpoint sent strings).
pub(crate) fn lenient_seconds<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Number(u64),
        Text(String),
    }
    match Option::<Seconds>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Seconds::Number(n)) => Ok(Some(n)),
        Some(Seconds::Text(text)) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("expected a number of seconds")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unparseable_success_answer_does_not_quote_the_body() {
        let body = br#"{"access_token":"at-secret","expires_in":{"oops":"rt-secret"}}"#;
        let Err(err) = parse_success::<TokenAnswer>(200, body) else {
            panic!("parsed")
        };
        let text = format!("{err} {err:?}");
        assert!(text.contains("expires_in"), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn expires_in_may_be_a_string() {
        let answer: TokenAnswer =
            serde_json::from_str(r#"{"access_token":"a","expires_in":"3599"}"#).unwrap();
        assert_eq!(answer.lifetime(), Some(Duration::from_secs(3599)));
        assert!(answer.refresh_token().is_none());
    }

    #[test]
    fn the_aadsts_code_is_read_from_the_description_when_no_codes_are_sent() {
        let Error::Auth(e) = error_answer(
            400,
            br#"{"error":"invalid_grant","error_description":"AADSTS70008: expired."}"#,
        ) else {
            panic!("not an auth error")
        };
        assert!(e.has_aadsts(70008));
        assert!(e.is_sign_in_required());
    }

    #[test]
    fn tenants_are_path_segments() {
        assert!(checked_tenant("contoso.onmicrosoft.com").is_ok());
        assert!(checked_tenant("a/b").is_err());
        assert!(checked_tenant(" ").is_err());
        assert!(checked_client_id("").is_err());
    }
}
