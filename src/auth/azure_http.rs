//! An `azure_core` HTTP client on this crate's reqwest (feature `azure`): `azure_identity`
//! credentials that make HTTP requests (managed identity, client secret, workload identity)
//! run on it instead of azure_core's own reqwest 0.13, so a binary keeps one HTTP stack.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, HeaderValue, Headers};
use azure_core::http::request::{Body, Request};
use azure_core::http::{AsyncRawResponse, HttpClient, Transport};

use super::token_response::identity_client;
use crate::error::Result;

/// Identity endpoints answer within seconds; a stuck one must not hold a request forever.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Token answers are a few kilobytes: a larger body is refused, not buffered.
const MAX_BODY: usize = 1024 * 1024;

/// An `azure_core` [`HttpClient`] that sends on this crate's reqwest client, without
/// following redirects (a redirected token request would hand a secret to another host).
///
/// Give it to an `azure_identity` credential that makes HTTP requests, through
/// `ClientOptions::transport`, so that `azure_identity` needs no HTTP client of its own
/// (add it with `default-features = false`):
///
/// ```no_run
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use azure_core::http::ClientOptions;
/// use azure_identity::{ManagedIdentityCredential, ManagedIdentityCredentialOptions};
/// use msgraph_outlook::auth::{AzureCredential, AzureHttpClient, TokenKind};
///
/// let credential = ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
///     client_options: ClientOptions {
///         transport: Some(AzureHttpClient::transport()?),
///         ..Default::default()
///     },
///     ..Default::default()
/// }))?;
/// let provider = AzureCredential::new(credential).with_kind(TokenKind::Application);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AzureHttpClient {
    client: reqwest::Client,
}

impl fmt::Debug for AzureHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureHttpClient").finish_non_exhaustive()
    }
}

impl AzureHttpClient {
    /// A client with a 30-second limit per request.
    pub fn new() -> Result<Self> {
        Ok(AzureHttpClient {
            client: identity_client(|builder| builder.timeout(TIMEOUT))?,
        })
    }

    /// A new client as an `azure_core` [`Transport`], for `ClientOptions::transport`.
    pub fn transport() -> Result<Transport> {
        Ok(Transport::new(Arc::new(AzureHttpClient::new()?)))
    }
}

fn error(kind: ErrorKind, message: String) -> azure_core::Error {
    azure_core::Error::with_message(kind, message)
}

#[async_trait::async_trait]
impl HttpClient for AzureHttpClient {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes())
            .map_err(|e| error(ErrorKind::Other, format!("HTTP method: {e}")))?;
        let mut builder = self.client.request(method, request.url().clone());
        for (name, value) in request.headers().iter() {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder = match request.body() {
            Body::Bytes(bytes) => builder.body(bytes.clone()),
            // Credentials send forms and JSON; a streamed upload would need reqwest's
            // `stream` feature for nothing else.
            Body::SeekableStream(_) => {
                return Err(error(
                    ErrorKind::Other,
                    "AzureHttpClient sends byte bodies only, not streams".into(),
                ))
            }
        };
        // Without the URL: an identity endpoint's query may name the identity.
        let mut response = builder.send().await.map_err(|e| {
            let kind = if e.is_connect() {
                ErrorKind::Connection
            } else {
                ErrorKind::Io
            };
            error(kind, e.without_url().to_string())
        })?;
        let status = response.status().as_u16();
        let headers: HashMap<HeaderName, HeaderValue> = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                let value = value.to_str().ok()?;
                Some((
                    HeaderName::from(name.as_str().to_owned()),
                    HeaderValue::from(value.to_owned()),
                ))
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| error(ErrorKind::Io, e.without_url().to_string()))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(error(
                    ErrorKind::Io,
                    format!("the answer is larger than {MAX_BODY} bytes"),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(AsyncRawResponse::from_bytes(
            status.into(),
            Headers::from(headers),
            body,
        ))
    }
}
