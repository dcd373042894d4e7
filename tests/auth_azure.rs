//! `AzureCredential` (feature `azure`): an Azure SDK `TokenCredential` as the client's token
//! provider, with a fake credential that records what it is asked and Graph on mockito.

#[path = "support/auth_graph.rs"]
mod auth_graph;
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_graph::{graph_send_mail, message};
use azure_core::credentials::{AccessToken as AzureToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::time::OffsetDateTime;
use common::*;
use futures_util::future::join_all;
use mockito::{Matcher, ServerGuard};
use msgraph_outlook::auth::{AzureCredential, AzureHttpClient, TokenKind, TokenProvider};
use msgraph_outlook::{Cloud, Error, GraphClient};

/// Hands out `token-1`, `token-2`, … each valid for `lifetime` from now, and records the
/// scopes of every call; fails instead while `failing` is set.
#[derive(Debug)]
struct FakeCredential {
    lifetime: Duration,
    calls: AtomicUsize,
    scopes: Mutex<Vec<Vec<String>>>,
    failing: Mutex<Option<String>>,
}

impl FakeCredential {
    fn new(lifetime: Duration) -> Arc<Self> {
        Arc::new(FakeCredential {
            lifetime,
            calls: AtomicUsize::new(0),
            scopes: Mutex::new(Vec::new()),
            failing: Mutex::new(None),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn scopes(&self) -> Vec<Vec<String>> {
        self.scopes.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AzureToken> {
        assert!(options.is_none(), "no per-call options are passed");
        self.scopes
            .lock()
            .unwrap()
            .push(scopes.iter().map(|s| s.to_string()).collect());
        // Let concurrent callers pile up behind this call.
        tokio::task::yield_now().await;
        if let Some(message) = self.failing.lock().unwrap().clone() {
            return Err(azure_core::Error::with_message(
                ErrorKind::Credential,
                message,
            ));
        }
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(AzureToken::new(
            format!("token-{n}"),
            OffsetDateTime::now_utc() + self.lifetime,
        ))
    }
}

fn graph_client(server: &ServerGuard, provider: AzureCredential) -> GraphClient {
    GraphClient::builder()
        .base_url(base_url(server))
        .token_provider(provider)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_credential_token_is_sent_as_the_bearer_and_the_graph_scope_asked_for() {
    let mut server = server().await;
    let graph = graph_send_mail(&mut server, "token-1", 202, 1).await;
    let credential = FakeCredential::new(Duration::from_secs(3600));
    let client = graph_client(&server, AzureCredential::new(credential.clone()));

    client
        .user("adele@contoso.com")
        .send_mail(message())
        .await
        .expect("202");

    graph.assert_async().await;
    assert_eq!(
        credential.scopes(),
        vec![vec!["https://graph.microsoft.com/.default".to_string()]]
    );
}

#[tokio::test]
async fn the_scope_follows_the_cloud_or_the_scopes_given() {
    let credential = FakeCredential::new(Duration::from_secs(3600));
    let us_gov = AzureCredential::new(credential.clone()).cloud(&Cloud::UsGovL4);
    assert_eq!(us_gov.scopes(), ["https://graph.microsoft.us/.default"]);
    assert_eq!(us_gov.access_token().await.unwrap().secret(), "token-1");

    let delegated = AzureCredential::new(credential.clone()).with_scopes([
        "https://graph.microsoft.com/Mail.ReadWrite",
        "https://graph.microsoft.com/MailboxSettings.ReadWrite",
    ]);
    assert_eq!(delegated.access_token().await.unwrap().secret(), "token-2");

    assert_eq!(
        credential.scopes(),
        vec![
            vec!["https://graph.microsoft.us/.default".to_string()],
            vec![
                "https://graph.microsoft.com/Mail.ReadWrite".to_string(),
                "https://graph.microsoft.com/MailboxSettings.ReadWrite".to_string(),
            ],
        ]
    );
}

#[tokio::test]
async fn the_token_is_cached_until_five_minutes_before_expires_on() {
    // Half a second over the hour, so the whole seconds left are 3600 when it is read.
    let credential = FakeCredential::new(Duration::from_millis(3_600_500));
    let clock = Arc::new(ManualClock::new());
    let provider = AzureCredential::new(credential.clone()).with_clock(clock.clone());

    assert_eq!(provider.access_token().await.unwrap().secret(), "token-1");
    clock.advance(Duration::from_secs(3299));
    assert_eq!(provider.access_token().await.unwrap().secret(), "token-1");
    assert_eq!(credential.calls(), 1);
    clock.advance(Duration::from_secs(2));
    assert_eq!(provider.access_token().await.unwrap().secret(), "token-2");
    assert_eq!(credential.calls(), 2);
}

#[tokio::test]
async fn an_expired_token_is_used_once_and_not_cached() {
    // An `expires_on` in the past: nothing to cache.
    let credential = FakeCredential::new(Duration::ZERO);
    let provider = AzureCredential::new(credential.clone());
    assert_eq!(provider.access_token().await.unwrap().secret(), "token-1");
    assert_eq!(provider.access_token().await.unwrap().secret(), "token-2");
    assert_eq!(credential.calls(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_requests_make_one_get_token_call() {
    let credential = FakeCredential::new(Duration::from_secs(3600));
    let provider = Arc::new(AzureCredential::new(credential.clone()));
    let tasks = (0..50).map(|_| {
        let provider = Arc::clone(&provider);
        tokio::spawn(async move { provider.access_token().await })
    });
    for token in join_all(tasks).await {
        assert_eq!(token.unwrap().unwrap().secret(), "token-1");
    }
    assert_eq!(credential.scopes().len(), 1);
}

#[tokio::test]
async fn a_401_asks_the_credential_again_and_retries_once() {
    let mut server = server().await;
    let rejected = graph_send_mail(&mut server, "token-1", 401, 1).await;
    let accepted = graph_send_mail(&mut server, "token-2", 202, 1).await;
    let credential = FakeCredential::new(Duration::from_secs(3600));

    graph_client(&server, AzureCredential::new(credential.clone()))
        .user("adele@contoso.com")
        .send_mail(message())
        .await
        .expect("202 after one new token");

    rejected.assert_async().await;
    accepted.assert_async().await;
    assert_eq!(credential.calls(), 2);
}

#[tokio::test]
async fn a_credential_error_is_an_auth_error_and_nothing_reaches_graph() {
    let mut server = server().await;
    let nothing = expect_no_request(&mut server).await;
    let credential = FakeCredential::new(Duration::from_secs(3600));
    *credential.failing.lock().unwrap() = Some("Azure CLI not found on path".into());

    let err = graph_client(&server, AzureCredential::new(credential.clone()))
        .user("adele@contoso.com")
        .send_mail(message())
        .await
        .unwrap_err();

    let Error::Auth(auth) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(auth.error, "credential_unavailable");
    assert_eq!(
        auth.description.as_deref(),
        Some("Azure CLI not found on path")
    );
    assert_eq!(auth.status, None);
    nothing.assert_async().await;
}

#[tokio::test]
async fn kind_is_declared_and_debug_shows_no_token() {
    let credential = FakeCredential::new(Duration::from_secs(3600));
    let provider = AzureCredential::new(credential.clone());
    assert_eq!(provider.kind(), TokenKind::Unknown);
    let provider = provider.with_kind(TokenKind::Delegated);
    assert_eq!(provider.kind(), TokenKind::Delegated);
    // With a token in the cache: it is there, and Debug does not show it.
    assert_eq!(provider.access_token().await.unwrap().secret(), "token-1");
    let debug = format!("{provider:?}");
    assert!(debug.contains("has_token: true"), "{debug}");
    assert!(!debug.contains("token-1"), "{debug}");
    assert!(
        debug.starts_with(
            "AzureCredential { scopes: [\"https://graph.microsoft.com/.default\"], kind: Delegated"
        ),
        "{debug}"
    );
    assert!(!debug.contains("FakeCredential"), "{debug}");
}

// ---------------------------------------------------------------------------------------
// AzureHttpClient: azure_identity's HTTP-based credentials on this crate's reqwest

#[tokio::test]
async fn azure_http_client_sends_the_request_as_given_and_returns_the_answer() {
    use azure_core::http::{HttpClient, Method, Request, Url};

    let mut server = server().await;
    let mock = server
        .mock("POST", "/tenant-1/oauth2/v2.0/token")
        .match_query(Matcher::UrlEncoded("api-version".into(), "1".into()))
        .match_header("content-type", "application/x-www-form-urlencoded")
        .match_header("x-ms-client-request-id", "c2d1")
        .match_body(
            "grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        )
        .with_status(400)
        .with_header("x-ms-request-id", "r-9")
        .with_body(r#"{"error":"invalid_client"}"#)
        .expect(1)
        .create_async()
        .await;
    let url = Url::parse(&format!(
        "{}/tenant-1/oauth2/v2.0/token?api-version=1",
        server.url()
    ))
    .unwrap();
    let mut request = Request::new(url, Method::Post);
    request.insert_header("content-type", "application/x-www-form-urlencoded");
    request.insert_header("x-ms-client-request-id", "c2d1");
    request.set_body(
        "grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
    );

    let response = AzureHttpClient::new()
        .unwrap()
        .execute_request(&request)
        .await
        .unwrap();

    mock.assert_async().await;
    let (status, headers, body) = response.deconstruct();
    assert_eq!(u16::from(status), 400);
    assert_eq!(
        headers.get_optional_str(&"x-ms-request-id".into()),
        Some("r-9")
    );
    assert_eq!(
        body.collect().await.unwrap().as_ref(),
        br#"{"error":"invalid_client"}"#
    );
}

#[tokio::test]
async fn azure_http_client_does_not_follow_redirects() {
    use azure_core::http::{HttpClient, Method, Request, Url};

    let mut server = server().await;
    let redirect = server
        .mock("GET", "/token")
        .with_status(307)
        .with_header("location", "/elsewhere")
        .expect(1)
        .create_async()
        .await;
    let elsewhere = server
        .mock("GET", "/elsewhere")
        .expect(0)
        .create_async()
        .await;
    let request = Request::new(
        Url::parse(&format!("{}/token", server.url())).unwrap(),
        Method::Get,
    );
    let response = AzureHttpClient::new()
        .unwrap()
        .execute_request(&request)
        .await
        .unwrap();
    assert_eq!(u16::from(response.status()), 307);
    redirect.assert_async().await;
    elsewhere.assert_async().await;
}

#[tokio::test]
async fn azure_identity_managed_identity_runs_on_azure_http_client_and_its_token_reaches_graph() {
    use azure_core::http::ClientOptions;
    use azure_identity::{ManagedIdentityCredential, ManagedIdentityCredentialOptions};

    const IDENTITY_HEADER: &str = "8d2b1f7e-identity-header";
    let mut server = server().await;
    let expires_on = OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let identity = server
        .mock("GET", "/msi/token")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("api-version".into(), "2019-08-01".into()),
            Matcher::UrlEncoded("resource".into(), "https://graph.microsoft.com".into()),
        ]))
        .match_header("x-identity-header", IDENTITY_HEADER)
        .with_body(format!(
            r#"{{"access_token":"mi-token","expires_on":"{expires_on}","token_type":"Bearer","resource":"https://graph.microsoft.com"}}"#
        ))
        .expect(1)
        .create_async()
        .await;
    let graph = graph_send_mail(&mut server, "mi-token", 202, 1).await;
    // App Service's variables: the only test of this binary that reads the environment.
    std::env::set_var("IDENTITY_ENDPOINT", format!("{}/msi/token", server.url()));
    std::env::set_var("IDENTITY_HEADER", IDENTITY_HEADER);
    let credential = ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
        client_options: ClientOptions {
            transport: Some(AzureHttpClient::transport().unwrap()),
            ..Default::default()
        },
        ..Default::default()
    }))
    .unwrap();
    let client = graph_client(
        &server,
        AzureCredential::new(credential).with_kind(TokenKind::Application),
    );
    // The identity header is read from the environment when the token is asked for.
    let sent = client.user("adele@contoso.com").send_mail(message()).await;
    std::env::remove_var("IDENTITY_ENDPOINT");
    std::env::remove_var("IDENTITY_HEADER");
    sent.expect("202");

    identity.assert_async().await;
    graph.assert_async().await;
}
