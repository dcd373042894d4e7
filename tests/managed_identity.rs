//! Managed identity on the wire (IMDS and App Service), against mock endpoints on 127.0.0.1.
//! The real environment is never read and 169.254.169.254 is never contacted.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use mockito::{Matcher, Mock, ServerGuard};
use msgraph_outlook::auth::{ManagedIdentity, TokenKind, TokenProvider};
use msgraph_outlook::models::Message;
use msgraph_outlook::{Cloud, Error, GraphClient};

const IMDS_PATH: &str = "/metadata/identity/oauth2/token";
const APP_SERVICE_PATH: &str = "/msi/token";
const IDENTITY_HEADER: &str = "853b9a84-5bfa-4b22-a3f3-0b9a43d9ad8a";
const USER_ASSIGNED: &str = "5e29463d-71da-4fe0-8e69-999b57db23b0";

/// IMDS at the mock server; the environment has no App Service variables.
fn imds(server: &ServerGuard) -> ManagedIdentity {
    ManagedIdentity::from_env_vars(|_| None)
        .unwrap()
        .imds_endpoint(&format!("{}{IMDS_PATH}", server.url()))
        .unwrap()
}

/// App Service, chosen from an environment that names the mock server.
fn app_service(server: &ServerGuard) -> ManagedIdentity {
    let endpoint = format!("{}{APP_SERVICE_PATH}", server.url());
    ManagedIdentity::from_env_vars(|name| match name {
        "IDENTITY_ENDPOINT" => Some(endpoint.clone()),
        "IDENTITY_HEADER" => Some(IDENTITY_HEADER.to_string()),
        _ => None,
    })
    .unwrap()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The IMDS answer as documented: every number a string.
fn imds_answer(token: &str, resource: &str) -> String {
    let now = unix_now();
    format!(
        r#"{{"access_token":"{token}","refresh_token":"","expires_in":"3599","expires_on":"{}","not_before":"{now}","resource":"{resource}","token_type":"Bearer"}}"#,
        now + 3599
    )
}

/// A GET to `path` whose query is exactly `query` (order aside).
fn get_with_query(server: &mut ServerGuard, path: &str, query: &[(&str, &str)]) -> Mock {
    let expected: BTreeMap<String, String> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    server
        .mock("GET", path)
        .match_query(Matcher::Any)
        .match_request(move |request| {
            let query = request
                .path_and_query()
                .split_once('?')
                .map(|(_, q)| q)
                .unwrap_or_default();
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            let unique: BTreeMap<String, String> = pairs.iter().cloned().collect();
            pairs.len() == unique.len() && unique == expected
        })
}

#[tokio::test]
async fn imds_request_has_the_documented_query_and_metadata_header_in_every_cloud() {
    for (cloud, resource) in [
        (Cloud::Global, "https://graph.microsoft.com"),
        (Cloud::UsGovL4, "https://graph.microsoft.us"),
        (Cloud::UsGovL5Dod, "https://dod-graph.microsoft.us"),
        (Cloud::China, "https://microsoftgraph.chinacloudapi.cn"),
    ] {
        let mut server = server().await;
        let mock = get_with_query(
            &mut server,
            IMDS_PATH,
            &[("api-version", "2018-02-01"), ("resource", resource)],
        )
        .match_header("metadata", "true")
        .match_header("x-identity-header", Matcher::Missing)
        .with_header("content-type", "application/json")
        .with_body(imds_answer("token-1", resource))
        .expect(1)
        .create_async()
        .await;
        let identity = imds(&server).cloud(&cloud);
        assert_eq!(identity.resource(), resource);
        assert_eq!(identity.kind(), TokenKind::Application);
        let token = identity.access_token().await.expect("a token");
        assert_eq!(token.secret(), "token-1");
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn imds_user_assigned_identity_is_asked_by_client_id() {
    let mut server = server().await;
    let mock = get_with_query(
        &mut server,
        IMDS_PATH,
        &[
            ("api-version", "2018-02-01"),
            ("resource", "https://graph.microsoft.us"),
            ("client_id", USER_ASSIGNED),
        ],
    )
    .match_header("metadata", "true")
    .with_body(imds_answer("token-1", "https://graph.microsoft.us"))
    .expect(1)
    .create_async()
    .await;
    let identity = imds(&server)
        .with_client_id(USER_ASSIGNED)
        .cloud(&Cloud::UsGovL4);
    identity.access_token().await.expect("a token");
    mock.assert_async().await;
}

#[tokio::test]
async fn app_service_request_has_its_api_version_resource_and_identity_header() {
    for client_id in [None, Some(USER_ASSIGNED)] {
        let mut server = server().await;
        let mut query = vec![
            ("api-version", "2019-08-01"),
            ("resource", "https://graph.microsoft.com"),
        ];
        query.extend(client_id.map(|id| ("client_id", id)));
        // The documented answer: expires_on only, as a string.
        let answer = format!(
            r#"{{"access_token":"token-1","expires_on":"{}","resource":"https://graph.microsoft.com","token_type":"Bearer","client_id":"{USER_ASSIGNED}"}}"#,
            unix_now() + 3600
        );
        let mock = get_with_query(&mut server, APP_SERVICE_PATH, &query)
            .match_header("x-identity-header", IDENTITY_HEADER)
            .match_header("metadata", Matcher::Missing)
            .with_body(answer)
            .expect(1)
            .create_async()
            .await;
        let mut identity = app_service(&server);
        if let Some(id) = client_id {
            identity = identity.with_client_id(id);
        }
        assert_eq!(
            identity.endpoint(),
            format!("{}{APP_SERVICE_PATH}", server.url())
        );
        identity.access_token().await.expect("a token");
        // expires_on gives the lifetime: the token is cached.
        identity.access_token().await.expect("the cached token");
        mock.assert_async().await;
    }
}

#[test]
fn without_both_app_service_variables_imds_is_used() {
    for vars in [
        [("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token")],
        [("IDENTITY_HEADER", IDENTITY_HEADER)],
        [("MSI_ENDPOINT", "http://127.0.0.1:1/msi/token")],
    ] {
        let identity = ManagedIdentity::from_env_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
        .unwrap();
        // The default address is only named, never contacted.
        assert_eq!(
            identity.endpoint(),
            "http://169.254.169.254/metadata/identity/oauth2/token"
        );
    }
}

#[test]
fn bad_endpoints_are_configuration_errors() {
    let bad_env = ManagedIdentity::from_env_vars(|name| match name {
        "IDENTITY_ENDPOINT" => Some("not a url".to_string()),
        "IDENTITY_HEADER" => Some(IDENTITY_HEADER.to_string()),
        _ => None,
    })
    .unwrap_err();
    assert!(matches!(bad_env, Error::Config(_)), "{bad_env:?}");
    assert!(bad_env.to_string().contains("IDENTITY_ENDPOINT"));
    assert!(!bad_env.to_string().contains(IDENTITY_HEADER));
    let identity = || ManagedIdentity::from_env_vars(|_| None).unwrap();
    assert!(identity().imds_endpoint("ftp://127.0.0.1/token").is_err());
    let bad_header = identity()
        .app_service_endpoint("http://127.0.0.1:1/msi/token", "line\nbreak")
        .unwrap_err();
    assert!(!bad_header.to_string().contains("line"));
}

#[tokio::test]
async fn expires_in_as_a_string_is_parsed_and_the_token_renewed_before_it_expires() {
    let mut server = server().await;
    let minted = AtomicUsize::new(0);
    let mock = server
        .mock("GET", IMDS_PATH)
        .match_query(Matcher::Any)
        .with_body_from_request(move |_| {
            let n = minted.fetch_add(1, Ordering::SeqCst) + 1;
            format!(r#"{{"access_token":"token-{n}","expires_in":"3599","token_type":"Bearer"}}"#)
                .into_bytes()
        })
        .expect(2)
        .create_async()
        .await;
    let clock = Arc::new(ManualClock::new());
    let identity = imds(&server).with_clock(clock.clone());

    assert_eq!(identity.access_token().await.unwrap().secret(), "token-1");
    // Refreshed 5 minutes before expiry: at 3298 s the cached token is still used…
    clock.advance(Duration::from_secs(3298));
    assert_eq!(identity.access_token().await.unwrap().secret(), "token-1");
    // …and from 3299 s on a new one is fetched.
    clock.advance(Duration::from_secs(2));
    assert_eq!(identity.access_token().await.unwrap().secret(), "token-2");
    mock.assert_async().await;
}

#[tokio::test]
async fn expires_in_as_a_number_is_parsed_too() {
    let mut server = server().await;
    let mock = server
        .mock("GET", IMDS_PATH)
        .match_query(Matcher::Any)
        .with_body(r#"{"access_token":"token-1","expires_in":3599,"expires_on":4102444800}"#)
        .expect(1)
        .create_async()
        .await;
    let identity = imds(&server);
    identity.access_token().await.unwrap();
    identity.access_token().await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn identity_endpoint_errors_become_auth_errors() {
    let mut server = server().await;
    // The IMDS error answers of the how-to page.
    let _invalid_resource = server
        .mock("GET", IMDS_PATH)
        .match_query(Matcher::UrlEncoded("resource".into(), "https://graph.microsoft.com".into()))
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(
            r#"{"error":"invalid_resource","error_description":"AADSTS50001: The application named https://graph.microsoft.com was not found in the tenant named 72f988bf-86f1-41af-91ab-2d7cd011db47."}"#,
        )
        .create_async()
        .await;
    let _unknown = server
        .mock("GET", IMDS_PATH)
        .match_query(Matcher::UrlEncoded(
            "resource".into(),
            "https://graph.microsoft.us".into(),
        ))
        .with_status(500)
        .with_body("Failed to retrieve token from the Active directory.")
        .create_async()
        .await;

    let err = imds(&server).access_token().await.unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(auth.status, Some(400));
    assert_eq!(auth.error, "invalid_resource");
    assert!(auth.has_aadsts(50001));
    assert!(err.to_string().contains("AADSTS50001"), "{err}");

    let err = imds(&server)
        .cloud(&Cloud::UsGovL4)
        .access_token()
        .await
        .unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(auth.status, Some(500));
    assert!(
        auth.description
            .as_deref()
            .unwrap_or_default()
            .contains("Failed to retrieve token"),
        "{auth:?}"
    );
}

#[tokio::test]
async fn a_success_without_a_token_is_an_auth_error() {
    let mut server = server().await;
    let _mock = server
        .mock("GET", IMDS_PATH)
        .match_query(Matcher::Any)
        .with_body(r#"{"expires_in":"3599"}"#)
        .create_async()
        .await;
    let err = imds(&server).access_token().await.unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(auth.status, Some(200));
    assert_eq!(auth.error, "unparseable_response");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_make_one_request() {
    let mut server = server().await;
    let mock = server
        .mock("GET", APP_SERVICE_PATH)
        .match_query(Matcher::Any)
        .match_header("x-identity-header", IDENTITY_HEADER)
        .with_body(format!(
            r#"{{"access_token":"token-1","expires_on":"{}"}}"#,
            unix_now() + 3600
        ))
        .expect(1)
        .create_async()
        .await;
    let identity = Arc::new(app_service(&server));
    let callers: Vec<_> = (0..50)
        .map(|_| {
            let identity = Arc::clone(&identity);
            tokio::spawn(async move { identity.access_token().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap().secret(), "token-1");
    }
    mock.assert_async().await;
}

#[tokio::test]
async fn the_identity_header_is_not_in_debug_or_errors() {
    let mut server = server().await;
    // An endpoint that echoes the request's header back in its error.
    let _echo = server
        .mock("GET", APP_SERVICE_PATH)
        .match_query(Matcher::Any)
        .with_status(401)
        .with_body(format!(
            r#"{{"error":"unauthorized_client","error_description":"header {IDENTITY_HEADER} refused"}}"#
        ))
        .create_async()
        .await;
    let identity = app_service(&server);
    let echoed = identity.access_token().await.unwrap_err();
    let Error::Auth(auth) = &echoed else {
        panic!("{echoed:?}")
    };
    assert_eq!(auth.error, "unauthorized_client");

    // Nothing listens on this port: a transport error.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let unreachable = ManagedIdentity::from_env_vars(|_| None)
        .unwrap()
        .app_service_endpoint(
            &format!("http://127.0.0.1:{closed}{APP_SERVICE_PATH}"),
            IDENTITY_HEADER,
        )
        .unwrap();
    let transport = unreachable.access_token().await.unwrap_err();
    assert!(matches!(transport, Error::Transport(_)), "{transport:?}");

    for text in [
        format!("{identity:?}"),
        format!("{identity:#?}"),
        format!("{unreachable:?}"),
        echoed.to_string(),
        format!("{echoed:?}"),
        transport.to_string(),
        format!("{transport:?}"),
    ] {
        assert!(!text.contains(IDENTITY_HEADER), "leaked: {text}");
    }
}

#[tokio::test]
async fn a_managed_identity_token_reaches_graph() {
    let mut server = server().await;
    let identity_endpoint = server
        .mock("GET", IMDS_PATH)
        .match_query(Matcher::Any)
        .with_body(imds_answer("token-1", "https://graph.microsoft.com"))
        .expect(1)
        .create_async()
        .await;
    let graph = server
        .mock("POST", "/v1.0/users/adele@contoso.com/sendMail")
        .match_header("authorization", "Bearer token-1")
        .with_status(202)
        .expect(2)
        .create_async()
        .await;
    let client = GraphClient::builder()
        .base_url(base_url(&server))
        .token_provider(imds(&server))
        .build()
        .unwrap();
    for _ in 0..2 {
        client
            .user("adele@contoso.com")
            .send_mail(Message::new().subject("Hi").to("alex@contoso.com"))
            .await
            .expect("202");
    }
    identity_endpoint.assert_async().await;
    graph.assert_async().await;
}
