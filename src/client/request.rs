//! The one request pipeline: URL, headers, body, token, 401 refresh, error mapping.

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::Method;
use url::Url;

use super::response::{graph_error, read_body, Response, ERROR_BODY_LIMIT, SUCCESS_BODY_LIMIT};
use super::GraphClient;
use crate::error::{Error, InvalidRequest, Result, TransportError};

/// Graph's limit on a whole REST request body (GRAPH-FACTS §0.4): 4 MB.
pub(crate) const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// What a request carries.
#[derive(Debug)]
pub(crate) enum Body {
    /// No body; POSTs then send `Content-Length: 0` (Graph answers 411 without it).
    Empty,
    /// A serialized JSON document.
    Json(Vec<u8>),
    /// Base64 MIME, sent as `text/plain` (GRAPH-FACTS §1.2).
    Mime(Vec<u8>),
}

/// One Graph call, described by an endpoint in `api/` and sent by [`GraphClient::send`].
#[derive(Debug)]
pub(crate) struct Request {
    /// Graph's name for the operation (`sendMail`), for logs.
    pub operation: &'static str,
    pub method: Method,
    /// Path segments after the base URL, unencoded; each is percent-encoded as one segment.
    pub path: Vec<String>,
    pub query: Vec<(String, String)>,
    /// Preferences of this request, merged with the client's into one `Prefer` header.
    pub prefer: Vec<String>,
    pub body: Body,
}

impl Request {
    /// A POST to `path` with no body yet.
    pub fn post(operation: &'static str, path: Vec<String>) -> Self {
        Request {
            operation,
            method: Method::POST,
            path,
            query: Vec::new(),
            prefer: Vec::new(),
            body: Body::Empty,
        }
    }

    /// Sets a JSON body.
    pub fn json<T: serde::Serialize>(mut self, value: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            Error::InvalidRequest(InvalidRequest::InvalidValue {
                reason: format!("cannot serialize the request body: {e}"),
            })
        })?;
        self.body = Body::Json(bytes);
        Ok(self)
    }

    /// Sets a base64 MIME body.
    pub fn mime(mut self, base64: Vec<u8>) -> Self {
        self.body = Body::Mime(base64);
        self
    }

    fn body_len(&self) -> usize {
        match &self.body {
            Body::Empty => 0,
            Body::Json(b) | Body::Mime(b) => b.len(),
        }
    }
}

impl GraphClient {
    /// Sends `request` and returns the success response, or the error Graph answered.
    ///
    /// Every request gets a bearer token, a fresh `client-request-id`, `Accept:
    /// application/json` and one merged `Prefer` header. A 401 drops the cached token and
    /// retries once with a fresh one: Graph did not act on a request it could not
    /// authenticate, so even a sendMail is safe to repeat.
    pub(crate) async fn send(&self, request: Request) -> Result<Response> {
        if request.body_len() > MAX_REQUEST_BYTES {
            return Err(InvalidRequest::RequestTooLarge {
                size: request.body_len(),
                limit: MAX_REQUEST_BYTES,
            }
            .into());
        }
        let url = self.url_for(&request)?;
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let prefer = self.prefer_header(&request.prefer);
        let mut refreshed = false;
        loop {
            let token = self.inner.tokens.access_token().await?;
            let mut bearer =
                HeaderValue::try_from(format!("Bearer {}", token.secret())).map_err(|_| {
                    Error::Config("the access token has characters not allowed in a header".into())
                })?;
            bearer.set_sensitive(true);
            let mut builder = self
                .inner
                .http
                .request(request.method.clone(), url.clone())
                .header(AUTHORIZATION, bearer)
                .header(ACCEPT, "application/json")
                .header("client-request-id", &client_request_id);
            if let Some(prefer) = &prefer {
                builder = builder.header("Prefer", prefer);
            }
            builder = match &request.body {
                Body::Empty
                    if request.method == Method::GET || request.method == Method::DELETE =>
                {
                    builder
                }
                Body::Empty => builder.header(CONTENT_LENGTH, "0"),
                Body::Json(bytes) => builder
                    .header(CONTENT_TYPE, "application/json")
                    .body(bytes.clone()),
                Body::Mime(bytes) => builder
                    .header(CONTENT_TYPE, "text/plain")
                    .body(bytes.clone()),
            };
            let response = builder
                .send()
                .await
                .map_err(|e| Error::Transport(TransportError::from_reqwest(e)))?;
            let status = response.status();
            tracing::debug!(
                operation = request.operation,
                method = %request.method,
                status = status.as_u16(),
                client_request_id = %client_request_id,
                request_id = response.headers().get("request-id").and_then(|v| v.to_str().ok()).unwrap_or(""),
                "graph response"
            );
            if status == reqwest::StatusCode::UNAUTHORIZED && !refreshed {
                self.inner.tokens.invalidate(&token);
                refreshed = true;
                continue;
            }
            let headers = response.headers().clone();
            if status.is_success() {
                let body = read_body(response, SUCCESS_BODY_LIMIT).await?;
                return Ok(Response {
                    status: status.as_u16(),
                    headers,
                    body,
                    client_request_id,
                });
            }
            let body = read_body(response, ERROR_BODY_LIMIT).await?;
            return Err(graph_error(
                status.as_u16(),
                &headers,
                &body,
                &client_request_id,
            ));
        }
    }

    fn url_for(&self, request: &Request) -> Result<Url> {
        let mut url = self.inner.base_url.clone();
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|_| Error::Config("the Graph base URL cannot hold a path".into()))?;
            segments.pop_if_empty();
            for segment in &request.path {
                // "" would collapse the path and "."/".." would walk up it.
                if segment.is_empty() || segment == "." || segment == ".." {
                    return Err(InvalidRequest::InvalidValue {
                        reason: format!("{segment:?} is not a usable id in a Graph path"),
                    }
                    .into());
                }
                segments.push(segment);
            }
        }
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        Ok(url)
    }

    /// Client-wide preferences, then the request's, without repeats, in one header value.
    fn prefer_header(&self, request_preferences: &[String]) -> Option<String> {
        let mut all: Vec<&str> = Vec::new();
        for preference in self.inner.preferences.iter().chain(request_preferences) {
            if !all.contains(&preference.as_str()) {
                all.push(preference);
            }
        }
        (!all.is_empty()).then(|| all.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use mockito::Matcher;

    use super::*;
    use crate::auth::StaticToken;

    async fn client(
        server: &mockito::ServerGuard,
        configure: impl FnOnce(crate::GraphClientBuilder) -> crate::GraphClientBuilder,
    ) -> GraphClient {
        let builder = GraphClient::builder()
            .base_url(format!("{}/v1.0", server.url()))
            .token_provider(StaticToken::delegated("t"));
        configure(builder).build().unwrap()
    }

    #[tokio::test]
    async fn a_post_without_body_sends_content_length_zero() {
        let mut server = mockito::Server::new_async().await;
        // Graph answers 411 Length Required to a bodiless POST without Content-Length.
        let mock = server
            .mock("POST", "/v1.0/me/messages/AAMk=/send")
            .match_header("content-length", "0")
            .match_header("content-type", Matcher::Missing)
            .match_body(Matcher::Exact(String::new()))
            .with_status(202)
            .expect(1)
            .create_async()
            .await;
        let client = client(&server, |b| b).await;
        let path = vec![
            "me".into(),
            "messages".into(),
            "AAMk=".into(),
            "send".into(),
        ];
        let response = client.send(Request::post("send", path)).await.unwrap();
        assert_eq!(response.status, 202);
        mock.assert_async().await;
    }

    #[tokio::test]
    async fn all_preferences_travel_in_one_prefer_header() {
        let mut server = mockito::Server::new_async().await;
        let mock = server
            .mock("POST", "/v1.0/me/sendMail")
            .match_request(|request| {
                // Exactly one Prefer header, client-wide preferences first, no repeats.
                request.header("prefer").len() == 1
                    && request.header("prefer")[0]
                        == r#"IdType="ImmutableId", outlook.timezone="Pacific Standard Time", outlook.body-content-type="text""#
            })
            .with_status(202)
            .expect(1)
            .create_async()
            .await;
        let client = client(&server, |b| {
            b.immutable_ids().time_zone("Pacific Standard Time")
        })
        .await;
        let mut request = Request::post("sendMail", vec!["me".into(), "sendMail".into()]);
        request.prefer = vec![
            r#"outlook.body-content-type="text""#.into(),
            r#"IdType="ImmutableId""#.into(),
        ];
        client.send(request).await.unwrap();
        mock.assert_async().await;
    }

    #[tokio::test]
    async fn no_prefer_header_without_preferences() {
        let mut server = mockito::Server::new_async().await;
        let mock = server
            .mock("POST", "/v1.0/me/sendMail")
            .match_header("prefer", Matcher::Missing)
            .with_status(202)
            .expect(1)
            .create_async()
            .await;
        let client = client(&server, |b| b).await;
        client
            .send(Request::post(
                "sendMail",
                vec!["me".into(), "sendMail".into()],
            ))
            .await
            .unwrap();
        mock.assert_async().await;
    }
}
