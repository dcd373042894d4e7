//! Client credentials on the wire, the token cache, and 401 handling.

#[path = "support/auth_graph.rs"]
mod auth_graph;
mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_graph::{graph_send_mail, message};
use common::*;
use mockito::{Matcher, Mock, ServerGuard};
use msgraph_outlook::auth::{
    AccessToken, BoxFuture, ClientCredentials, ClientSecret, TokenProvider,
};
use msgraph_outlook::{Cloud, Error, GraphClient};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
const SECRET: &str = "JqQX2PNo9bpM0uEihUPzyrh";

fn credentials(server: &ServerGuard) -> ClientCredentials {
    let cloud = Cloud::from_base_url(&base_url(server), &server.url()).unwrap();
    ClientCredentials::new(&cloud, TENANT, CLIENT_ID, ClientSecret::new(SECRET)).unwrap()
}

fn app_client(server: &ServerGuard, provider: impl TokenProvider + 'static) -> GraphClient {
    GraphClient::builder()
        .base_url(base_url(server))
        .token_provider(provider)
        .build()
        .unwrap()
}

/// A token endpoint that mints `token-1`, `token-2`, … with the given lifetime (not yet created).
fn token_endpoint(server: &mut ServerGuard, expires_in: u64) -> Mock {
    let minted = AtomicUsize::new(0);
    server
        .mock("POST", format!("/{TENANT}/oauth2/v2.0/token").as_str())
        .with_status(200)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body_from_request(move |_| {
            let n = minted.fetch_add(1, Ordering::SeqCst) + 1;
            format!(
                r#"{{"token_type":"Bearer","expires_in":{expires_in},"ext_expires_in":{expires_in},"access_token":"token-{n}"}}"#
            )
            .into_bytes()
        })
}

#[tokio::test]
async fn client_credentials_form_fields_are_exact() {
    let mut server = server().await;
    let scope = format!("{}/.default", server.url());
    let expected: BTreeMap<String, String> = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("scope", scope.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let token = server
        .mock("POST", format!("/{TENANT}/oauth2/v2.0/token").as_str())
        .match_header("content-type", "application/x-www-form-urlencoded")
        .match_header("authorization", Matcher::Missing)
        .match_request(move |request| {
            let form: BTreeMap<String, String> =
                url::form_urlencoded::parse(request.body().unwrap())
                    .into_owned()
                    .collect();
            form == expected
        })
        .with_status(200)
        .with_body(r#"{"token_type":"Bearer","expires_in":3599,"access_token":"token-1"}"#)
        .expect(1)
        .create_async()
        .await;
    let graph = graph_send_mail(&mut server, "token-1", 202, 1).await;

    app_client(&server, credentials(&server))
        .user("adele@contoso.com")
        .send_mail(message())
        .await
        .expect("202");
    token.assert_async().await;
    graph.assert_async().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_sends_make_one_token_request() {
    let mut server = server().await;
    let token = token_endpoint(&mut server, 3599)
        .expect(1)
        .create_async()
        .await;
    let graph = graph_send_mail(&mut server, "token-1", 202, 50).await;
    let client = app_client(&server, credentials(&server));

    let sends: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.user("adele@contoso.com").send_mail(message()).await })
        })
        .collect();
    for send in sends {
        send.await.unwrap().expect("202");
    }
    token.assert_async().await;
    graph.assert_async().await;
}

#[tokio::test]
async fn an_expiring_token_is_renewed_before_it_expires() {
    let mut server = server().await;
    let token = token_endpoint(&mut server, 3599)
        .expect(2)
        .create_async()
        .await;
    let first = graph_send_mail(&mut server, "token-1", 202, 2).await;
    let second = graph_send_mail(&mut server, "token-2", 202, 1).await;
    let clock = Arc::new(ManualClock::new());
    let client = app_client(&server, credentials(&server).with_clock(clock.clone()));
    let adele = client.user("adele@contoso.com");

    adele.send_mail(message()).await.unwrap();
    // Refreshed 5 minutes before expiry: at 3299 s the cached token is still used…
    clock.advance(Duration::from_secs(3298));
    adele.send_mail(message()).await.unwrap();
    // …and from 3299 s on a new one is fetched.
    clock.advance(Duration::from_secs(2));
    adele.send_mail(message()).await.unwrap();

    token.assert_async().await;
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_retries_once() {
    let mut server = server().await;
    let token = token_endpoint(&mut server, 3599)
        .expect(2)
        .create_async()
        .await;
    let rejected = graph_send_mail(&mut server, "token-1", 401, 1).await;
    let accepted = graph_send_mail(&mut server, "token-2", 202, 1).await;

    app_client(&server, credentials(&server))
        .user("adele@contoso.com")
        .send_mail(message())
        .await
        .expect("202 after one refresh");
    token.assert_async().await;
    rejected.assert_async().await;
    accepted.assert_async().await;
}

#[tokio::test]
async fn a_second_401_is_returned() {
    let mut server = server().await;
    let token = token_endpoint(&mut server, 3599)
        .expect(2)
        .create_async()
        .await;
    let first = graph_send_mail(&mut server, "token-1", 401, 1).await;
    let second = graph_send_mail(&mut server, "token-2", 401, 1).await;

    let err = app_client(&server, credentials(&server))
        .user("adele@contoso.com")
        .send_mail(message())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.graph_code(), Some("InvalidAuthenticationToken"));
    token.assert_async().await;
    first.assert_async().await;
    second.assert_async().await;
}

/// A provider that counts, to see the pipeline's calls without a token endpoint.
#[derive(Debug, Default)]
struct Counting {
    issued: AtomicUsize,
    invalidated: Mutex<Vec<String>>,
}

impl TokenProvider for Counting {
    fn access_token(&self) -> BoxFuture<'_, msgraph_outlook::Result<AccessToken>> {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move { Ok(AccessToken::new(format!("token-{n}"))) })
    }

    fn invalidate(&self, token: &AccessToken) {
        self.invalidated
            .lock()
            .unwrap()
            .push(token.secret().to_string());
    }
}

#[tokio::test]
async fn the_rejected_token_is_the_one_invalidated() {
    let mut server = server().await;
    let _rejected = graph_send_mail(&mut server, "token-1", 401, 1).await;
    let _accepted = graph_send_mail(&mut server, "token-2", 202, 1).await;
    let provider = Arc::new(Counting::default());
    let client = GraphClient::builder()
        .base_url(base_url(&server))
        .shared_token_provider(provider.clone())
        .build()
        .unwrap();
    client
        .user("adele@contoso.com")
        .send_mail(message())
        .await
        .unwrap();
    assert_eq!(
        *provider.invalidated.lock().unwrap(),
        vec!["token-1".to_string()]
    );
}

#[tokio::test]
async fn token_endpoint_errors_become_typed_auth_errors_and_nothing_reaches_graph() {
    let mut server = server().await;
    // Entra's body for a wrong secret (GRAPH-FACTS §12.5).
    let token = server
        .mock("POST", format!("/{TENANT}/oauth2/v2.0/token").as_str())
        .with_status(401)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body(
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.\r\nTrace ID: 0b1c\r\nCorrelation ID: 7e1f\r\nTimestamp: 2026-11-22 10:15:02Z","error_codes":[7000215],"timestamp":"2026-11-22 10:15:02Z","trace_id":"0b1c","correlation_id":"7e1f","error_uri":"https://login.microsoftonline.com/error?code=7000215"}"#,
        )
        .expect(1)
        .create_async()
        .await;
    let graph = server
        .mock("POST", Matcher::Regex("^/v1.0/".into()))
        .expect(0)
        .create_async()
        .await;

    let err = app_client(&server, credentials(&server))
        .user("adele@contoso.com")
        .send_mail(message())
        .await
        .unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(auth.status, Some(401));
    assert_eq!(auth.error, "invalid_client");
    assert_eq!(auth.aadsts_codes, vec![7000215]);
    assert!(auth.has_aadsts(7000215));
    assert_eq!(auth.trace_id.as_deref(), Some("0b1c"));
    assert_eq!(auth.correlation_id.as_deref(), Some("7e1f"));
    let shown = err.to_string();
    assert!(
        shown.contains("invalid_client") && shown.contains("AADSTS7000215"),
        "{shown}"
    );
    assert!(!shown.contains(SECRET));
    token.assert_async().await;
    graph.assert_async().await;
}

#[tokio::test]
async fn a_token_endpoint_answer_that_is_not_json_keeps_its_status() {
    let mut server = server().await;
    let _token = server
        .mock("POST", format!("/{TENANT}/oauth2/v2.0/token").as_str())
        .with_status(502)
        .with_body("<html>Bad Gateway</html>")
        .create_async()
        .await;
    let err = app_client(&server, credentials(&server))
        .user("adele@contoso.com")
        .send_mail(message())
        .await
        .unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(auth.status, Some(502));
    assert!(
        auth.description
            .as_deref()
            .unwrap_or_default()
            .contains("Bad Gateway"),
        "{auth:?}"
    );
}
