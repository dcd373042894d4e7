//! Delegated sign-in on the wire: authorization code with PKCE, device code, refresh token
//! rotation, token stores, single-flight and redaction.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{base_url, server, ManualClock};
use futures_util::future::join_all;
use mockito::{Matcher, Mock, ServerGuard};
use msgraph_outlook::auth::{
    delegated_scopes, pkce_challenge, AccessToken, AuthorizationCode, AuthorizeOptions,
    ClientSecret, DeviceCode, DeviceCodePrompt, FileTokenStore, MemoryTokenStore, PendingSignIn,
    Prompt, RefreshToken, RefreshTokenSecret, StoredTokens, TokenFn, TokenKey, TokenKind,
    TokenProvider, TokenStore,
};
use msgraph_outlook::models::Message;
use msgraph_outlook::{Cloud, Error, GraphClient};
use tokio::time::Instant;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const CLIENT_SECRET: &str = "Qk8Q~client-SECRET-value";
const REDIRECT_URI: &str = "http://localhost:8400/callback";
const RT1: &str = "0.AXEA-refresh-ONE-secret";
const RT2: &str = "0.AXEA-refresh-TWO-secret";
const AT1: &str = "eyJ0eXAi.access-ONE-secret";
const AT2: &str = "eyJ0eXAi.access-TWO-secret";
const DEVICE_CODE: &str = "DAQABAAEAAAD--device-code-SECRET";
const USER_CODE: &str = "GCFT7WDKX";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

// ---------------------------------------------------------------------------------------
// Helpers

/// A cloud whose Graph and authority are the mock server.
fn cloud(server: &ServerGuard) -> Cloud {
    Cloud::from_base_url(&base_url(server), &server.url()).unwrap()
}

fn scopes(server: &ServerGuard) -> Vec<String> {
    delegated_scopes(&cloud(server), ["Mail.Send", "Calendars.ReadWrite"], true)
}

fn scope_field(server: &ServerGuard) -> String {
    scopes(server).join(" ")
}

fn token_path() -> String {
    format!("/{TENANT}/oauth2/v2.0/token")
}

fn devicecode_path() -> String {
    format!("/{TENANT}/oauth2/v2.0/devicecode")
}

/// Requires the body to be exactly the form `fields`: each one present
/// (`Matcher::UrlEncoded`), and nothing else.
fn with_form(mock: Mock, fields: &[(&str, &str)]) -> Mock {
    let expected: BTreeSet<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let count = fields.len();
    mock.match_header("content-type", "application/x-www-form-urlencoded")
        .match_body(Matcher::AllOf(
            fields
                .iter()
                .map(|(k, v)| Matcher::UrlEncoded(k.to_string(), v.to_string()))
                .collect(),
        ))
        .match_request(move |request| {
            let got: Vec<(String, String)> = url::form_urlencoded::parse(request.body().unwrap())
                .into_owned()
                .collect();
            got.len() == count && got.into_iter().collect::<BTreeSet<_>>() == expected
        })
}

fn token_body(access_token: &str, refresh_token: Option<&str>) -> String {
    let mut body = serde_json::json!({
        "token_type": "Bearer",
        "scope": "https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/Calendars.ReadWrite",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access_token,
    });
    if let Some(rt) = refresh_token {
        body["refresh_token"] = rt.into();
    }
    body.to_string()
}

fn oauth_error(error: &str, aadsts: u32, text: &str) -> String {
    serde_json::json!({
        "error": error,
        "error_description": format!(
            "AADSTS{aadsts}: {text}\r\nTrace ID: 0e9f8d5c-1a2b-4c3d-9e8f-7a6b5c4d3e2f\r\nCorrelation ID: 5d3a0c2e-4b1f-4e6a-8d7c-9b0a1f2e3d4c\r\nTimestamp: 2026-03-02 10:15:02Z"
        ),
        "error_codes": [aadsts],
        "timestamp": "2026-03-02 10:15:02Z",
        "trace_id": "0e9f8d5c-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
        "correlation_id": "5d3a0c2e-4b1f-4e6a-8d7c-9b0a1f2e3d4c",
    })
    .to_string()
}

/// The refresh request of `refresh_token`, answered with `body` (not yet created).
fn refresh_mock(
    server: &mut ServerGuard,
    refresh_token: &str,
    status: usize,
    body: String,
) -> Mock {
    let scope = scope_field(server);
    let mock = server.mock("POST", token_path().as_str());
    with_form(
        mock,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", refresh_token),
            ("scope", &scope),
        ],
    )
    .with_status(status)
    .with_header("content-type", "application/json; charset=utf-8")
    .with_body(body)
}

fn refresh_provider(server: &ServerGuard, refresh_token: &str) -> RefreshToken {
    RefreshToken::new(
        &cloud(server),
        TENANT,
        CLIENT_ID,
        scopes(server),
        RefreshTokenSecret::new(refresh_token),
    )
    .unwrap()
}

fn key(server: &ServerGuard) -> TokenKey {
    TokenKey::new(&server.url(), TENANT, CLIENT_ID, scopes(server))
}

fn auth_error(err: &Error) -> &msgraph_outlook::AuthError {
    err.auth_error()
        .unwrap_or_else(|| panic!("not an auth error: {err:?}"))
}

/// A fresh directory under the system temp dir.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "msgraph-auth-delegated-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Elapsed paused-clock time, as seen from the mock server's thread: the mock callbacks
/// enter the test's runtime to read its clock.
#[derive(Clone)]
struct PausedTimes {
    handle: tokio::runtime::Handle,
    start: Instant,
    seen: Arc<Mutex<Vec<Duration>>>,
}

impl PausedTimes {
    fn start() -> Self {
        PausedTimes {
            handle: tokio::runtime::Handle::current(),
            start: Instant::now(),
            seen: Arc::default(),
        }
    }

    fn record(&self) {
        let _runtime = self.handle.enter();
        self.seen.lock().unwrap().push(self.start.elapsed());
    }

    fn seen(&self) -> Vec<Duration> {
        self.seen.lock().unwrap().clone()
    }
}

fn secs(values: &[u64]) -> Vec<Duration> {
    values.iter().map(|s| Duration::from_secs(*s)).collect()
}

/// The `/devicecode` request, answered with a code valid `expires_in` s, polled every `interval` s.
async fn devicecode_mock(server: &mut ServerGuard, expires_in: u64, interval: u64) -> Mock {
    let scope = scope_field(server);
    let message = format!(
        "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {USER_CODE} to authenticate."
    );
    let mock = server.mock("POST", devicecode_path().as_str());
    with_form(mock, &[("client_id", CLIENT_ID), ("scope", &scope)])
        .with_status(200)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body(
            serde_json::json!({
                "user_code": USER_CODE,
                "device_code": DEVICE_CODE,
                "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": expires_in,
                "interval": interval,
                "message": message,
            })
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await
}

/// A device code poll answered with `status` and `body`, expected `hits` times; the time of
/// each poll goes to `times`.
async fn poll_mock(
    server: &mut ServerGuard,
    status: usize,
    body: String,
    hits: usize,
    times: &PausedTimes,
) -> Mock {
    let times = times.clone();
    let mock = server.mock("POST", token_path().as_str());
    with_form(
        mock,
        &[
            ("grant_type", DEVICE_GRANT),
            ("client_id", CLIENT_ID),
            ("device_code", DEVICE_CODE),
        ],
    )
    .with_status(status)
    .with_header("content-type", "application/json; charset=utf-8")
    .with_body_from_request(move |_| {
        times.record();
        body.clone().into_bytes()
    })
    .expect(hits)
    .create_async()
    .await
}

fn pending_body() -> String {
    oauth_error(
        "authorization_pending",
        70016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    )
}

/// A device code provider on the mock server recording its prompts. No request timeout: on
/// tokio's paused clock a pending timeout timer would be fired while waiting for the server.
fn device_provider(
    server: &ServerGuard,
    prompts: &Arc<Mutex<Vec<DeviceCodePrompt>>>,
) -> DeviceCode {
    let prompts = Arc::clone(prompts);
    DeviceCode::new(&cloud(server), TENANT, CLIENT_ID, scopes(server))
        .unwrap()
        .request_timeout(None)
        .on_prompt(move |prompt| prompts.lock().unwrap().push(prompt.clone()))
}

// ---------------------------------------------------------------------------------------
// Authorization code with PKCE

#[test]
fn pkce_challenge_matches_rfc_7636_appendix_b() {
    assert_eq!(
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

fn auth_code_flow(cloud: &Cloud) -> AuthorizationCode {
    AuthorizationCode::new(
        cloud,
        TENANT,
        CLIENT_ID,
        REDIRECT_URI,
        delegated_scopes(cloud, ["Mail.Send"], true),
    )
    .unwrap()
}

#[test]
fn authorize_url_has_exactly_the_documented_parameters() {
    let flow = auth_code_flow(&Cloud::UsGovL4);
    let (url, pending) = flow.authorize_url(&AuthorizeOptions::new()).unwrap();
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.host_str(), Some("login.microsoftonline.us"));
    assert_eq!(url.path(), format!("/{TENANT}/oauth2/v2.0/authorize"));
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let verifier = pending.code_verifier();
    assert_eq!(
        pairs,
        [
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT_URI),
            ("response_mode", "query"),
            (
                "scope",
                "https://graph.microsoft.us/Mail.Send offline_access"
            ),
            ("state", pending.state()),
            ("code_challenge", &pkce_challenge(verifier)),
            ("code_challenge_method", "S256"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    // RFC 7636 §4.1: 43 to 128 unreserved characters.
    assert!((43..=128).contains(&verifier.len()), "{}", verifier.len());
    assert!(verifier
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)));
    assert!(pending.state().len() >= 22);

    // Fresh randomness on every sign-in.
    let (_, again) = flow.authorize_url(&AuthorizeOptions::new()).unwrap();
    assert_ne!(again.state(), pending.state());
    assert_ne!(again.code_verifier(), pending.code_verifier());

    // prompt and login_hint only when asked.
    let options = AuthorizeOptions::new()
        .prompt(Prompt::SelectAccount)
        .login_hint("adele@contoso.com");
    let (url, _) = flow.authorize_url(&options).unwrap();
    let extra: Vec<(String, String)> = url.query_pairs().into_owned().skip(8).collect();
    assert_eq!(
        extra,
        [
            ("prompt", "select_account"),
            ("login_hint", "adele@contoso.com")
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
}

#[tokio::test]
async fn a_state_mismatch_is_refused_and_sends_nothing() {
    let mut server = server().await;
    let nothing = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let flow = auth_code_flow(&cloud(&server));
    let (_, pending) = flow.authorize_url(&AuthorizeOptions::new()).unwrap();

    let err = flow
        .redeem(pending.clone(), "0.code", "forged-state")
        .await
        .unwrap_err();
    assert!(auth_error(&err).is_state_mismatch(), "{err:?}");
    assert!(err.to_string().contains("nothing was sent"), "{err}");

    let redirect = url::Url::parse(&format!("{REDIRECT_URI}?code=0.code&state=other")).unwrap();
    let err = flow.redeem_redirect(pending, &redirect).await.unwrap_err();
    assert!(auth_error(&err).is_state_mismatch(), "{err:?}");
    nothing.assert_async().await;
}

async fn redeem_with(confidential: bool) {
    let mut server = server().await;
    let cloud = cloud(&server);
    let scopes = delegated_scopes(&cloud, ["Mail.Send"], true);
    let store = Arc::new(MemoryTokenStore::new());
    let mut flow = AuthorizationCode::new(&cloud, TENANT, CLIENT_ID, REDIRECT_URI, scopes.clone())
        .unwrap()
        .with_store(store.clone());
    if confidential {
        flow = flow.client_secret(ClientSecret::new(CLIENT_SECRET));
    }
    let (_, pending) = flow.authorize_url(&AuthorizeOptions::new()).unwrap();
    let scope = scopes.join(" ");
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", "0.AXEA-authorization-code"),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", pending.code_verifier()),
        ("client_id", CLIENT_ID),
        ("scope", scope.as_str()),
    ];
    if confidential {
        fields.push(("client_secret", CLIENT_SECRET));
    }
    let mock = server.mock("POST", token_path().as_str());
    let token = with_form(mock, &fields)
        .with_status(200)
        .with_body(token_body(AT1, Some(RT1)))
        .expect(1)
        .create_async()
        .await;

    let state = pending.state().to_string();
    let provider = flow
        .redeem(pending, "0.AXEA-authorization-code", &state)
        .await
        .unwrap();
    // The access token from the redemption is cached: no second request.
    assert_eq!(provider.access_token().await.unwrap().secret(), AT1);
    assert_eq!(provider.kind(), TokenKind::Delegated);
    assert_eq!(provider.current_refresh_token().unwrap().secret(), RT1);
    let key = TokenKey::new(&server.url(), TENANT, CLIENT_ID, scopes);
    assert_eq!(
        store.load(&key).unwrap().unwrap().refresh_token.secret(),
        RT1
    );
    token.assert_async().await;
}

#[tokio::test]
async fn redeem_sends_exactly_the_form_fields_of_a_public_client() {
    redeem_with(false).await;
}

#[tokio::test]
async fn redeem_sends_the_client_secret_of_a_confidential_client() {
    redeem_with(true).await;
}

#[tokio::test]
async fn a_declined_consent_on_the_redirect_is_typed() {
    let server = server().await;
    let flow = auth_code_flow(&cloud(&server));
    let (_, pending) = flow.authorize_url(&AuthorizeOptions::new()).unwrap();
    let redirect = url::Url::parse(&format!(
        "{REDIRECT_URI}?error=access_denied&error_description=the+user+canceled&state={}",
        pending.state()
    ))
    .unwrap();
    let err = flow.redeem_redirect(pending, &redirect).await.unwrap_err();
    assert!(auth_error(&err).is_authorization_declined(), "{err:?}");
    assert!(err.to_string().contains("declined"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Device code

#[tokio::test(start_paused = true)]
async fn device_code_polls_until_signed_in_and_slows_down_when_told() {
    let mut server = server().await;
    let times = PausedTimes::start();
    let devicecode = devicecode_mock(&mut server, 900, 5).await;
    let pending = poll_mock(&mut server, 400, pending_body(), 2, &times).await;
    let slow_down = poll_mock(
        &mut server,
        400,
        oauth_error("slow_down", 70016, "Polling too fast."),
        1,
        &times,
    )
    .await;
    let success = poll_mock(&mut server, 200, token_body(AT1, Some(RT1)), 1, &times).await;
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let store = Arc::new(MemoryTokenStore::new());
    let provider = device_provider(&server, &prompts).with_store(store.clone());

    let token = provider.access_token().await.unwrap();

    assert_eq!(token.secret(), AT1);
    // interval (5 s) before each poll; 5 s more after slow_down.
    assert_eq!(times.seen(), secs(&[5, 10, 15, 25]));
    let prompts = prompts.lock().unwrap().clone();
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0].user_code, USER_CODE);
    assert_eq!(
        prompts[0].verification_uri,
        "https://microsoft.com/devicelogin"
    );
    assert_eq!(prompts[0].expires_in, Duration::from_secs(900));
    assert!(
        prompts[0].message.contains(USER_CODE),
        "{}",
        prompts[0].message
    );
    assert_eq!(
        store
            .load(&key(&server))
            .unwrap()
            .unwrap()
            .refresh_token
            .secret(),
        RT1
    );
    for mock in [devicecode, pending, slow_down, success] {
        mock.assert_async().await;
    }
}

#[tokio::test(start_paused = true)]
async fn device_code_terminal_errors_are_typed_and_stop_polling() {
    type Check = fn(&msgraph_outlook::AuthError) -> bool;
    let cases: [(&str, u32, Check, &str); 3] = [
        (
            "authorization_declined",
            70000,
            |e| e.is_authorization_declined(),
            "declined",
        ),
        (
            "bad_verification_code",
            70018,
            |e| e.is_bad_verification_code(),
            "bad_verification_code",
        ),
        ("expired_token", 70019, |e| e.is_expired_token(), "expired"),
    ];
    for (error, aadsts, check, shown) in cases {
        let mut server = server().await;
        let times = PausedTimes::start();
        let devicecode = devicecode_mock(&mut server, 900, 5).await;
        let pending = poll_mock(&mut server, 400, pending_body(), 1, &times).await;
        let terminal = poll_mock(
            &mut server,
            400,
            oauth_error(error, aadsts, "The sign-in did not complete."),
            1,
            &times,
        )
        .await;
        let prompts = Arc::new(Mutex::new(Vec::new()));
        let provider = device_provider(&server, &prompts);

        let err = provider.access_token().await.unwrap_err();

        let auth = auth_error(&err);
        assert_eq!(auth.error, error);
        assert!(check(auth), "{error}: {auth:?}");
        assert!(auth.has_aadsts(aadsts));
        assert!(!auth.is_sign_in_required());
        let text = format!("{err} {err:?}");
        assert!(text.contains(shown), "{text}");
        assert!(!text.contains(DEVICE_CODE), "{text}");
        assert_eq!(times.seen(), secs(&[5, 10]), "{error}");
        for mock in [devicecode, pending, terminal] {
            mock.assert_async().await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn device_code_wait_is_bounded_by_expires_in() {
    let mut server = server().await;
    let times = PausedTimes::start();
    let devicecode = devicecode_mock(&mut server, 12, 5).await;
    let pending = poll_mock(&mut server, 400, pending_body(), 2, &times).await;
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let provider = device_provider(&server, &prompts);
    let start = Instant::now();

    let err = provider.access_token().await.unwrap_err();

    assert!(auth_error(&err).is_expired_token(), "{err:?}");
    assert_eq!(start.elapsed(), Duration::from_secs(12));
    assert_eq!(times.seen(), secs(&[5, 10]));
    devicecode.assert_async().await;
    pending.assert_async().await;
}

#[tokio::test(start_paused = true)]
async fn a_stored_refresh_token_skips_the_prompt() {
    let mut server = server().await;
    let no_devicecode = server
        .mock("POST", devicecode_path().as_str())
        .expect(0)
        .create_async()
        .await;
    let refresh = refresh_mock(&mut server, RT1, 200, token_body(AT1, Some(RT2)))
        .expect(1)
        .create_async()
        .await;
    let store = Arc::new(MemoryTokenStore::new());
    store
        .save(
            &key(&server),
            &StoredTokens::new(RefreshTokenSecret::new(RT1)),
        )
        .unwrap();
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let provider = device_provider(&server, &prompts).with_store(store.clone());

    assert_eq!(provider.access_token().await.unwrap().secret(), AT1);

    assert!(prompts.lock().unwrap().is_empty());
    // Rotated: the new refresh token replaces the stored one.
    assert_eq!(
        store
            .load(&key(&server))
            .unwrap()
            .unwrap()
            .refresh_token
            .secret(),
        RT2
    );
    no_devicecode.assert_async().await;
    refresh.assert_async().await;
}

#[tokio::test(start_paused = true)]
async fn a_dead_stored_refresh_token_leads_to_a_new_sign_in() {
    let mut server = server().await;
    let times = PausedTimes::start();
    let refresh = refresh_mock(
        &mut server,
        RT1,
        400,
        oauth_error(
            "invalid_grant",
            700082,
            "The refresh token has expired due to inactivity.",
        ),
    )
    .expect(1)
    .create_async()
    .await;
    let devicecode = devicecode_mock(&mut server, 900, 5).await;
    let success = poll_mock(&mut server, 200, token_body(AT1, Some(RT2)), 1, &times).await;
    let store = Arc::new(MemoryTokenStore::new());
    store
        .save(
            &key(&server),
            &StoredTokens::new(RefreshTokenSecret::new(RT1)),
        )
        .unwrap();
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let provider = device_provider(&server, &prompts).with_store(store.clone());

    assert_eq!(provider.access_token().await.unwrap().secret(), AT1);

    assert_eq!(prompts.lock().unwrap().len(), 1);
    assert_eq!(
        store
            .load(&key(&server))
            .unwrap()
            .unwrap()
            .refresh_token
            .secret(),
        RT2
    );
    for mock in [refresh, devicecode, success] {
        mock.assert_async().await;
    }
}

// ---------------------------------------------------------------------------------------
// Refresh token

#[tokio::test]
async fn refresh_sends_exact_fields_and_rotation_replaces_the_stored_token() {
    let mut server = server().await;
    let first = refresh_mock(&mut server, RT1, 200, token_body(AT1, Some(RT2)))
        .expect(1)
        .create_async()
        .await;
    // After rotation, the next refresh must use the new token.
    let second = refresh_mock(&mut server, RT2, 200, token_body(AT2, None))
        .expect(1)
        .create_async()
        .await;
    let store = Arc::new(MemoryTokenStore::new());
    let clock = Arc::new(ManualClock::new());
    let provider = refresh_provider(&server, RT1)
        .with_store(store.clone())
        .with_clock(clock.clone());

    assert_eq!(provider.access_token().await.unwrap().secret(), AT1);
    assert_eq!(
        store
            .load(&key(&server))
            .unwrap()
            .unwrap()
            .refresh_token
            .secret(),
        RT2
    );
    assert_eq!(provider.current_refresh_token().unwrap().secret(), RT2);

    clock.advance(Duration::from_secs(3599));
    assert_eq!(provider.access_token().await.unwrap().secret(), AT2);
    // No new refresh token in the answer: the current one stays.
    assert_eq!(
        store
            .load(&key(&server))
            .unwrap()
            .unwrap()
            .refresh_token
            .secret(),
        RT2
    );
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn a_confidential_client_sends_its_secret_when_refreshing() {
    let mut server = server().await;
    let scope = scope_field(&server);
    let mock = server.mock("POST", token_path().as_str());
    let token = with_form(
        mock,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", RT1),
            ("scope", &scope),
            ("client_secret", CLIENT_SECRET),
        ],
    )
    .with_status(200)
    .with_body(token_body(AT1, None))
    .expect(1)
    .create_async()
    .await;
    let provider = refresh_provider(&server, RT1).client_secret(ClientSecret::new(CLIENT_SECRET));

    assert_eq!(provider.access_token().await.unwrap().secret(), AT1);
    token.assert_async().await;
}

#[tokio::test]
async fn rotation_is_written_to_the_file_store() {
    let mut server = server().await;
    let refresh = refresh_mock(&mut server, RT1, 200, token_body(AT1, Some(RT2)))
        .expect(1)
        .create_async()
        .await;
    let dir = temp_dir("rotation");
    let path = dir.join("tokens.json");
    FileTokenStore::new(&path)
        .save(
            &key(&server),
            &StoredTokens::new(RefreshTokenSecret::new(RT1)),
        )
        .unwrap();
    let provider = RefreshToken::from_store(
        &cloud(&server),
        TENANT,
        CLIENT_ID,
        scopes(&server),
        Arc::new(FileTokenStore::new(&path)),
    )
    .unwrap();

    assert_eq!(provider.access_token().await.unwrap().secret(), AT1);

    // A new store (a new process) reads the rotated token.
    let reread = FileTokenStore::new(&path)
        .load(&key(&server))
        .unwrap()
        .unwrap();
    assert_eq!(reread.refresh_token.secret(), RT2);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(RT1), "the old token is gone");
    refresh.assert_async().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn invalid_grant_and_interaction_required_mean_sign_in_required() {
    for (error, aadsts) in [("invalid_grant", 70008), ("interaction_required", 50076)] {
        let mut server = server().await;
        let refresh = refresh_mock(
            &mut server,
            RT1,
            400,
            oauth_error(error, aadsts, "The refresh token has expired."),
        )
        .expect(1)
        .create_async()
        .await;
        let provider = refresh_provider(&server, RT1);

        let err = provider.access_token().await.unwrap_err();

        assert!(err.is_sign_in_required(), "{err:?}");
        let auth = auth_error(&err);
        assert_eq!((auth.error.as_str(), auth.status), (error, Some(400)));
        assert!(auth.has_aadsts(aadsts));
        let text = format!("{err} {err:?}");
        assert!(err.to_string().contains("sign-in required"), "{err}");
        assert!(!text.contains(RT1), "{text}");
        refresh.assert_async().await;
    }
}

#[tokio::test]
async fn nothing_stored_means_sign_in_required_and_sends_nothing() {
    let mut server = server().await;
    let nothing = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let provider = RefreshToken::from_store(
        &cloud(&server),
        TENANT,
        CLIENT_ID,
        scopes(&server),
        Arc::new(MemoryTokenStore::new()),
    )
    .unwrap();

    let err = provider.access_token().await.unwrap_err();

    assert!(err.is_sign_in_required(), "{err:?}");
    assert!(err.to_string().starts_with("sign-in required"), "{err}");
    nothing.assert_async().await;
}

#[tokio::test]
async fn a_delegated_provider_serves_me_requests() {
    let mut server = server().await;
    let _token = refresh_mock(&mut server, RT1, 200, token_body(AT1, None))
        .expect(1)
        .create_async()
        .await;
    let graph = server
        .mock("POST", "/v1.0/me/sendMail")
        .match_header("authorization", format!("Bearer {AT1}").as_str())
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    let client = GraphClient::builder()
        .base_url(base_url(&server))
        .token_provider(refresh_provider(&server, RT1))
        .build()
        .unwrap();

    client
        .me()
        .send_mail(Message::new().subject("Hi").to("alex@contoso.com"))
        .await
        .unwrap();
    graph.assert_async().await;
}

// ---------------------------------------------------------------------------------------
// File store

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_file_store_creates_its_file_with_mode_0600_and_leaves_no_temp_files() {
    let dir = temp_dir("mode");
    let path = dir.join("nested").join("tokens.json");
    let store = FileTokenStore::new(&path);
    let key = TokenKey::new(
        "https://login.microsoftonline.com",
        TENANT,
        CLIENT_ID,
        ["offline_access"],
    );
    let other = TokenKey::new(
        "https://login.microsoftonline.us",
        TENANT,
        CLIENT_ID,
        ["offline_access"],
    );

    store
        .save(&key, &StoredTokens::new(RefreshTokenSecret::new(RT1)))
        .unwrap();
    store
        .save(&other, &StoredTokens::new(RefreshTokenSecret::new(RT2)))
        .unwrap();
    store
        .save(&key, &StoredTokens::new(RefreshTokenSecret::new(RT2)))
        .unwrap();

    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()) & 0o077, 0);
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["tokens.json"]);
    assert_eq!(
        store.load(&key).unwrap().unwrap().refresh_token.secret(),
        RT2
    );
    assert_eq!(
        store.load(&other).unwrap().unwrap().refresh_token.secret(),
        RT2
    );
    store.remove(&other).unwrap();
    assert!(store.load(&other).unwrap().is_none());
    assert!(store.load(&key).unwrap().is_some());
    assert!(!format!("{store:?}").contains("refresh-"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn the_file_store_refuses_a_file_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("refuse");
    let path = dir.join("tokens.json");
    let store = FileTokenStore::new(&path);
    let key = TokenKey::new(
        "https://login.microsoftonline.com",
        TENANT,
        CLIENT_ID,
        ["offline_access"],
    );
    store
        .save(&key, &StoredTokens::new(RefreshTokenSecret::new(RT1)))
        .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    let err = store.load(&key).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("0644"), "{err}");
    assert!(!err.to_string().contains(RT1));
    // Saving does not quietly take over the file either.
    assert!(store
        .save(&key, &StoredTokens::new(RefreshTokenSecret::new(RT2)))
        .is_err());
    assert!(std::fs::read_to_string(&path).unwrap().contains(RT1));
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------------------
// One token request for many callers

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_make_one_refresh_request() {
    let mut server = server().await;
    let refresh = refresh_mock(&mut server, RT1, 200, token_body(AT1, Some(RT2)))
        .expect(1)
        .create_async()
        .await;
    let provider = Arc::new(refresh_provider(&server, RT1));

    let calls = (0..50).map(|_| {
        let provider = Arc::clone(&provider);
        tokio::spawn(async move { provider.access_token().await })
    });
    for token in join_all(calls).await {
        assert_eq!(token.unwrap().unwrap().secret(), AT1);
    }
    refresh.assert_async().await;
}

#[tokio::test(start_paused = true)]
async fn fifty_concurrent_callers_share_one_device_code_sign_in_then_one_refresh() {
    let mut server = server().await;
    let times = PausedTimes::start();
    let devicecode = devicecode_mock(&mut server, 900, 5).await;
    let success = poll_mock(&mut server, 200, token_body(AT1, Some(RT2)), 1, &times).await;
    let refresh = refresh_mock(&mut server, RT2, 200, token_body(AT2, None))
        .expect(1)
        .create_async()
        .await;
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let clock = Arc::new(ManualClock::new());
    let provider = Arc::new(device_provider(&server, &prompts).with_clock(clock.clone()));

    let calls = |provider: &Arc<DeviceCode>| {
        join_all((0..50).map(|_| {
            let provider = Arc::clone(provider);
            tokio::spawn(async move { provider.access_token().await })
        }))
    };
    for token in calls(&provider).await {
        assert_eq!(token.unwrap().unwrap().secret(), AT1);
    }
    assert_eq!(prompts.lock().unwrap().len(), 1);

    // After sign-in: the access token expires, 50 callers, one silent refresh.
    clock.advance(Duration::from_secs(3599));
    for token in calls(&provider).await {
        assert_eq!(token.unwrap().unwrap().secret(), AT2);
    }
    assert_eq!(prompts.lock().unwrap().len(), 1);
    for mock in [devicecode, success, refresh] {
        mock.assert_async().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_make_one_token_fn_call() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let provider = Arc::new(TokenFn::new(TokenKind::Delegated, move || {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            // Stay in flight a while, so the other callers pile up behind this call.
            tokio::task::yield_now().await;
            Ok((AccessToken::new(AT1), Some(Duration::from_secs(3599))))
        }
    }));

    let tasks = (0..50).map(|_| {
        let provider = Arc::clone(&provider);
        tokio::spawn(async move { provider.access_token().await })
    });
    for token in join_all(tasks).await {
        assert_eq!(token.unwrap().unwrap().secret(), AT1);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(provider.kind(), TokenKind::Delegated);
}

#[tokio::test]
async fn a_token_fn_error_is_returned_and_the_next_call_tries_again() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let provider = TokenFn::new(TokenKind::Application, move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err(Error::Auth(Box::new(
                    msgraph_outlook::AuthError::new("credential_unavailable")
                        .with_description("no managed identity endpoint"),
                )))
            } else {
                Ok((AccessToken::new(AT2), None))
            }
        }
    });
    let err = provider.access_token().await.unwrap_err();
    assert_eq!(auth_error(&err).error, "credential_unavailable");
    assert_eq!(provider.access_token().await.unwrap().secret(), AT2);
    assert_eq!(provider.kind(), TokenKind::Application);
}

// ---------------------------------------------------------------------------------------
// Secrets stay secret

#[tokio::test(start_paused = true)]
async fn secrets_are_absent_from_debug_and_errors() {
    let mut server = server().await;
    let times = PausedTimes::start();
    let _devicecode = devicecode_mock(&mut server, 900, 5).await;
    let _success = poll_mock(&mut server, 200, token_body(AT1, Some(RT1)), 1, &times).await;
    let _refresh = refresh_mock(
        &mut server,
        RT1,
        401,
        oauth_error("invalid_client", 7000215, "Invalid client secret provided."),
    )
    .create_async()
    .await;
    let secrets = [RT1, RT2, AT1, AT2, CLIENT_SECRET, DEVICE_CODE];
    let assert_clean = |text: String| {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    };

    // Device code, after sign-in: holds an access and a refresh token.
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let device = device_provider(&server, &prompts);
    device.access_token().await.unwrap();
    assert_clean(format!("{device:?} {:?}", prompts.lock().unwrap()));

    // Refresh token with a client secret, and its error.
    let refresh = refresh_provider(&server, RT1)
        .client_secret(ClientSecret::new(CLIENT_SECRET))
        .request_timeout(None);
    assert_clean(format!("{refresh:?}"));
    // The confidential request carries client_secret, so it matches no mock: mockito answers 501.
    let err = refresh.access_token().await.unwrap_err();
    assert_clean(format!("{err} {err:?}"));
    let public = refresh_provider(&server, RT1).request_timeout(None);
    let err = public.access_token().await.unwrap_err();
    assert_eq!(auth_error(&err).error, "invalid_client");
    assert_clean(format!("{err} {err:?} {public:?}"));

    // Authorization code flow with a secret, and a pending sign-in.
    let flow = auth_code_flow(&cloud(&server)).client_secret(ClientSecret::new(CLIENT_SECRET));
    let (_, pending) = flow.authorize_url(&AuthorizeOptions::new()).unwrap();
    let verifier = pending.code_verifier().to_string();
    let text = format!("{flow:?} {pending:?}");
    assert_clean(text.clone());
    assert!(!text.contains(&verifier), "{text}");
    let restored = PendingSignIn::from_parts(pending.state(), &verifier);
    assert!(!format!("{restored:?}").contains(&verifier));

    // Stores, keys and stored tokens.
    let store = MemoryTokenStore::new();
    let stored = StoredTokens::new(RefreshTokenSecret::new(RT2));
    store.save(&key(&server), &stored).unwrap();
    assert_clean(format!("{store:?} {stored:?} {:?}", key(&server)));

    // TokenFn with a cached token.
    let token_fn = TokenFn::new(TokenKind::Delegated, || async {
        Ok((AccessToken::new(AT2), Some(Duration::from_secs(3599))))
    });
    token_fn.access_token().await.unwrap();
    assert_clean(format!("{token_fn:?}"));
}
