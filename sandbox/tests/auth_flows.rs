//! Identity-platform flows over real HTTP: device code, authorization code + PKCE,
//! refresh tokens, client assertions, managed identity (IMDS and App Service).

mod common;

use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "http://localhost:8400/callback";
/// `x5t#S256` of `tests/fixtures/auth/cert.pem`.
const THUMBPRINT: &str = "ftl9fvvJyb6cYAVL-r3SZmOVQyuNuItkTRKGFF1BDTE";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/auth/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

/// DER bytes of the first PEM block of a fixture.
fn pem_der(name: &str) -> Vec<u8> {
    let text = String::from_utf8(fixture(name)).unwrap();
    let b64: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    STANDARD.decode(b64).unwrap()
}

async fn post_form(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    status_json(client.post(url).form(form).send().await.unwrap()).await
}

/// Asserts an Entra error body exactly: `{error, error_description "AADSTS{code}: {text}
/// …ids…", error_codes, timestamp, trace_id, correlation_id, error_uri}`.
fn assert_entra(sb: &Sandbox, body: &Value, error: &str, code: u64, text: &str) {
    let trace = body["trace_id"].as_str().expect("trace_id");
    let corr = body["correlation_id"].as_str().expect("correlation_id");
    let ts = body["timestamp"].as_str().expect("timestamp");
    assert_eq!(
        body,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}"),
            "error_codes": [code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("{}/error?code={code}", sb.authority_url()),
        })
    );
}

/// Asserts an Entra error whose text starts with `prefix` (texts with times in them).
fn assert_entra_prefix(body: &Value, error: &str, code: u64, prefix: &str) {
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], json!([code]), "{body}");
    let desc = body["error_description"].as_str().unwrap();
    assert!(
        desc.starts_with(&format!("AADSTS{code}: {prefix}")),
        "{desc}"
    );
}

const PENDING: &str = "OAuth 2.0 device flow error. Authorization is pending. Continue polling.";

async fn device_code(sb: &Sandbox, client: &reqwest::Client, scope: &str) -> Value {
    let (status, body) = post_form(
        client,
        &sb.devicecode_url(),
        &[("client_id", &sb.client_id()), ("scope", scope)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn poll(sb: &Sandbox, client: &reqwest::Client, device_code: &str) -> (u16, Value) {
    post_form(
        client,
        &sb.token_url(),
        &[
            ("grant_type", DEVICE_GRANT),
            ("client_id", &sb.client_id()),
            ("device_code", device_code),
        ],
    )
    .await
}

#[tokio::test]
async fn device_code_pending_then_approved_token_reaches_graph() {
    let (sb, client) = setup().await;
    let resp = client
        .post(sb.devicecode_url())
        .form(&[
            ("client_id", sb.client_id().as_str()),
            ("scope", "Mail.ReadWrite Mail.Send offline_access"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["cache-control"], "no-store, no-cache");
    let (status, dc) = status_json(resp).await;
    assert_eq!(status, 200);
    let user_code = dc["user_code"].as_str().unwrap().to_string();
    let device = dc["device_code"].as_str().unwrap().to_string();
    assert_eq!(user_code.len(), 9);
    assert!(user_code
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    let uri = format!("{}/devicelogin", sb.authority_url());
    assert_eq!(
        dc,
        json!({
            "user_code": user_code,
            "device_code": device,
            "verification_uri": uri,
            "expires_in": 900,
            "interval": 5,
            "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
        })
    );
    assert_eq!(sb.pending_user_codes(), vec![user_code.clone()]);

    let (status, body) = poll(&sb, &client, &device).await;
    assert_eq!(status, 400);
    assert_entra(&sb, &body, "authorization_pending", 70016, PENDING);

    // Lower-case and a dash are tolerated, like people type codes.
    let typed = format!("{}-{}", &user_code[..4], &user_code[4..]).to_lowercase();
    assert!(sb.approve_device_code(&typed, "alex@contoso.com"));
    assert!(sb.pending_user_codes().is_empty());
    let (status, token) = poll(&sb, &client, &device).await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(
        token,
        json!({
            "token_type": "Bearer",
            "scope": "Mail.ReadWrite Mail.Send",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token["access_token"],
            "refresh_token": token["refresh_token"],
        })
    );
    assert!(token["refresh_token"].as_str().unwrap().len() > 20);

    // The delegated token acts as Alex.
    let access = token["access_token"].as_str().unwrap();
    let (status, _) = get_json(&client, &format!("{}/me/messages", sb.base_url()), access).await;
    assert_eq!(status, 200);
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        access,
        &json!({"message": {"subject": "hi", "toRecipients": [{"emailAddress": {"address": "adele@contoso.com"}}]}}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(sb.messages("alex@contoso.com", "sentitems").len(), 1);

    // The device code is used up.
    let (status, body) = poll(&sb, &client, &device).await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_grant",
        90120,
        "The request was already authorized or declined.",
    );
    assert!(!sb.approve_device_code(&user_code, "alex@contoso.com"));
}

#[tokio::test]
async fn device_code_auto_approved_after_polls() {
    let (sb, client) = setup().await;
    sb.set_device_code_interval(1);
    sb.auto_approve_device_codes("megan@contoso.com", 2);
    let dc = device_code(&sb, &client, "Mail.Send").await;
    assert_eq!(dc["interval"], 1);
    let device = dc["device_code"].as_str().unwrap();
    for _ in 0..2 {
        let (status, body) = poll(&sb, &client, device).await;
        assert_eq!(status, 400);
        assert_entra(&sb, &body, "authorization_pending", 70016, PENDING);
    }
    let (status, token) = poll(&sb, &client, device).await;
    assert_eq!(status, 200);
    // No offline_access: no refresh token.
    assert_eq!(
        token,
        json!({
            "token_type": "Bearer",
            "scope": "Mail.Send",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token["access_token"],
        })
    );
    let access = token["access_token"].as_str().unwrap();
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        access,
        &json!({"message": {"subject": "auto", "toRecipients": [{"emailAddress": {"address": "adele@contoso.com"}}]}}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(sb.messages("megan@contoso.com", "sentitems").len(), 1);

    // after_polls = 0: the first poll gets the token.
    sb.auto_approve_device_codes("megan@contoso.com", 0);
    let dc = device_code(&sb, &client, "Mail.Send").await;
    let (status, _) = poll(&sb, &client, dc["device_code"].as_str().unwrap()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn device_code_declined() {
    let (sb, client) = setup().await;
    let dc = device_code(&sb, &client, "Mail.Read").await;
    let device = dc["device_code"].as_str().unwrap();
    assert!(sb.decline_device_code(dc["user_code"].as_str().unwrap()));
    for _ in 0..2 {
        let (status, body) = poll(&sb, &client, device).await;
        assert_eq!(status, 400);
        assert_entra(
            &sb,
            &body,
            "authorization_declined",
            65004,
            "User declined to consent to access the app.",
        );
    }
    assert!(!sb.decline_device_code(dc["user_code"].as_str().unwrap()));
}

#[tokio::test]
async fn device_code_bad_code_and_request_errors() {
    let (sb, client) = setup().await;
    let (status, body) = poll(&sb, &client, "not-a-device-code").await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "bad_verification_code",
        70018,
        "Invalid verification code due to User typing in wrong user code for device code flow. Authorization isn't approved.",
    );
    assert!(!sb.approve_device_code("ABCDEFGHJ", "alex@contoso.com"));

    let (status, body) = post_form(
        &client,
        &sb.devicecode_url(),
        &[("client_id", &sb.client_id())],
    )
    .await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'scope'.",
    );
    let (status, body) = post_form(
        &client,
        &format!("{}/consumers/oauth2/v2.0/devicecode", sb.authority_url()),
        &[("client_id", &sb.client_id()), ("scope", "Mail.Read")],
    )
    .await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_request",
        9002332,
        &format!("Application '{}'(msgraph-outlook-sandbox) is configured for use by Microsoft Entra users only. Please do not use the /consumers endpoint to serve this request.", sb.client_id()),
    );
    // `organizations` and `common` work for user sign-ins.
    for tenant in ["organizations", "common"] {
        let (status, _) = post_form(
            &client,
            &format!("{}/{tenant}/oauth2/v2.0/devicecode", sb.authority_url()),
            &[("client_id", &sb.client_id()), ("scope", "Mail.Read")],
        )
        .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn device_code_expires_by_the_sandbox_clock() {
    let (sb, client) = setup().await;
    let dc = device_code(&sb, &client, "Mail.Read").await;
    let user_code = dc["user_code"].as_str().unwrap();
    sb.advance_clock(Duration::from_secs(901));
    assert!(sb.pending_user_codes().is_empty());
    assert!(!sb.approve_device_code(user_code, "alex@contoso.com"));
    let (status, body) = poll(&sb, &client, dc["device_code"].as_str().unwrap()).await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "expired_token",
        70019,
        "Verification code expired. Have the user retry the sign-in.",
    );
}

#[tokio::test]
async fn device_code_slow_down_when_enabled() {
    let (sb, client) = setup().await;
    sb.set_device_code_slow_down(true);
    let dc = device_code(&sb, &client, "Mail.Read").await;
    let device = dc["device_code"].as_str().unwrap();
    let (_, body) = poll(&sb, &client, device).await;
    assert_eq!(body["error"], "authorization_pending");
    let (status, body) = poll(&sb, &client, device).await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "slow_down",
        70016,
        "OAuth 2.0 device flow error. Polling too fast: wait at least the interval (now increased by 5 seconds) between requests.",
    );
    // The interval is now 10 seconds: 6 seconds later is still too fast (→ 15 s).
    sb.advance_clock(Duration::from_secs(6));
    let (_, body) = poll(&sb, &client, device).await;
    assert_eq!(body["error"], "slow_down");
    sb.advance_clock(Duration::from_secs(16));
    let (_, body) = poll(&sb, &client, device).await;
    assert_eq!(body["error"], "authorization_pending");
}

#[tokio::test]
async fn devicelogin_page_approves_and_declines() {
    let (sb, client) = setup().await;
    let page = client
        .get(format!("{}/devicelogin", sb.authority_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("name=\"user_code\""));

    let dc = device_code(&sb, &client, "Mail.Read").await;
    let resp = client
        .post(format!("{}/devicelogin", sb.authority_url()))
        .form(&[
            ("user_code", dc["user_code"].as_str().unwrap()),
            ("login", "adele@contoso.com"),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (status, _) = poll(&sb, &client, dc["device_code"].as_str().unwrap()).await;
    assert_eq!(status, 200);

    let dc = device_code(&sb, &client, "Mail.Read").await;
    let resp = client
        .post(format!("{}/devicelogin", sb.authority_url()))
        .form(&[
            ("user_code", dc["user_code"].as_str().unwrap()),
            ("action", "decline"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, body) = poll(&sb, &client, dc["device_code"].as_str().unwrap()).await;
    assert_eq!(body["error"], "authorization_declined");

    let resp = client
        .post(format!("{}/devicelogin", sb.authority_url()))
        .form(&[("user_code", "WRONGCODE"), ("login", "adele@contoso.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET /authorize` and the query pairs of the `Location` it redirects to.
async fn authorize(sb: &Sandbox, params: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
    let resp = no_redirects()
        .get(sb.authorize_url())
        .query(params)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302, "{:?}", resp.text().await);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let url = reqwest::Url::parse(&location).unwrap();
    let pairs = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    (location, pairs)
}

fn pkce_params<'a>(sb_client_id: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![
        ("client_id", sb_client_id),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "offline_access Mail.ReadWrite Mail.Send"),
        ("state", "st 1/2"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        match p.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = v,
            None => p.push((k, v)),
        }
    }
    p
}

/// Runs the authorize leg for `user` (login_hint) and returns the code.
async fn code_for(sb: &Sandbox, user: &str) -> String {
    let id = sb.client_id();
    let (_, pairs) = authorize(sb, &pkce_params(&id, &[("login_hint", user)])).await;
    pairs
        .iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.clone())
        .expect("code")
}

async fn redeem(
    sb: &Sandbox,
    client: &reqwest::Client,
    code: &str,
    verifier: &str,
    redirect: &str,
) -> (u16, Value) {
    post_form(
        client,
        &sb.token_url(),
        &[
            ("client_id", &sb.client_id()),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ],
    )
    .await
}

#[tokio::test]
async fn pkce_rfc7636_vector_success() {
    let (sb, client) = setup().await;
    let id = sb.client_id();
    let (location, pairs) = authorize(
        &sb,
        &pkce_params(&id, &[("login_hint", "adele@contoso.com")]),
    )
    .await;
    let code = &pairs[0].1;
    assert_eq!(
        pairs,
        vec![
            ("code".to_string(), code.clone()),
            ("state".to_string(), "st 1/2".to_string())
        ]
    );
    assert_eq!(location, format!("{REDIRECT}?code={code}&state=st%201%2F2"));

    let (status, token) = redeem(&sb, &client, code, VERIFIER, REDIRECT).await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(
        token,
        json!({
            "token_type": "Bearer",
            "scope": "Mail.ReadWrite Mail.Send",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token["access_token"],
            "refresh_token": token["refresh_token"],
        })
    );
    let (status, _) = get_json(
        &client,
        &format!("{}/me/messages", sb.base_url()),
        token["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn pkce_wrong_verifier_is_invalid_grant() {
    let (sb, client) = setup().await;
    let code = code_for(&sb, "adele@contoso.com").await;
    let (status, body) = redeem(
        &sb,
        &client,
        &code,
        "wrongwrongwrongwrongwrongwrongwrongwrongwrong",
        REDIRECT,
    )
    .await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_grant",
        501481,
        "The Code_Verifier doesn't match the code_challenge supplied in the authorization request.",
    );
    // A missing verifier fails the same way.
    let (status, body) = post_form(
        &client,
        &sb.token_url(),
        &[
            ("client_id", &sb.client_id()),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error_codes"], json!([501481]));
    // A failed attempt does not use the code up.
    let (status, _) = redeem(&sb, &client, &code, VERIFIER, REDIRECT).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn authorization_code_reuse_is_invalid_grant() {
    let (sb, client) = setup().await;
    let code = code_for(&sb, "adele@contoso.com").await;
    let (status, _) = redeem(&sb, &client, &code, VERIFIER, REDIRECT).await;
    assert_eq!(status, 200);
    let (status, body) = redeem(&sb, &client, &code, VERIFIER, REDIRECT).await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    );
    let (status, body) = redeem(&sb, &client, "not-a-code", VERIFIER, REDIRECT).await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    );
    // Codes expire after 10 minutes (sandbox clock).
    let code = code_for(&sb, "adele@contoso.com").await;
    sb.advance_clock(Duration::from_secs(601));
    let (status, body) = redeem(&sb, &client, &code, VERIFIER, REDIRECT).await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_grant",
        70008,
        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    );
}

#[tokio::test]
async fn authorization_code_redirect_uri_mismatch() {
    let (sb, client) = setup().await;
    let code = code_for(&sb, "adele@contoso.com").await;
    let (status, body) = redeem(&sb, &client, &code, VERIFIER, "http://localhost:8400/other").await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_grant",
        70000,
        "The provided value for the 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code.",
    );
    let (status, body) = post_form(
        &client,
        &sb.token_url(),
        &[
            ("client_id", &sb.client_id()),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'redirect_uri'.",
    );
}

#[tokio::test]
async fn authorize_sessions_errors_and_confidential_clients() {
    let (sb, client) = setup().await;
    let id = sb.client_id();

    // No user signed in and no login_hint.
    let (_, pairs) = authorize(&sb, &pkce_params(&id, &[])).await;
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["error", "error_description", "state"]);
    assert_eq!(pairs[0].1, "login_required");
    assert!(pairs[1].1.starts_with(
        "AADSTS50058: A silent sign-in request was sent but no user is signed in.\r\nTrace ID: "
    ));

    // A session signs the user in, also silently.
    sb.sign_in_as("alex@contoso.com");
    let (_, pairs) = authorize(&sb, &pkce_params(&id, &[("prompt", "none")])).await;
    assert_eq!(pairs[0].0, "code");
    let (status, token) = redeem(&sb, &client, &pairs[0].1, VERIFIER, REDIRECT).await;
    assert_eq!(status, 200);
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        token["access_token"].as_str().unwrap(),
        &json!({"message": {"subject": "s", "toRecipients": [{"emailAddress": {"address": "adele@contoso.com"}}]}}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(sb.messages("alex@contoso.com", "sentitems").len(), 1);
    // prompt=none for another user than the session's → login_required.
    let (_, pairs) = authorize(
        &sb,
        &pkce_params(
            &id,
            &[("prompt", "none"), ("login_hint", "adele@contoso.com")],
        ),
    )
    .await;
    assert_eq!(pairs[0].1, "login_required");
    sb.sign_out();

    // Fragment response mode, plain challenge (method omitted = plain).
    let verifier = "plain-verifier-plain-verifier-plain-verifier-0123";
    let (location, _) = authorize(
        &sb,
        &[
            ("client_id", id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:5000/cb"),
            ("scope", "Mail.Read"),
            ("response_mode", "fragment"),
            ("code_challenge", verifier),
            ("login_hint", "adele@contoso.com"),
        ],
    )
    .await;
    let code = location
        .strip_prefix("http://127.0.0.1:5000/cb#code=")
        .expect("fragment");
    assert!(!code.contains('&'), "no state was sent: {location}");
    // Confidential client: with the secret; a wrong one is refused.
    let form = |secret: &str| {
        vec![
            ("client_id", sb.client_id()),
            ("client_secret", secret.to_string()),
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", "http://127.0.0.1:5000/cb".to_string()),
            ("code_verifier", verifier.to_string()),
        ]
    };
    let (status, body) = status_json(
        client
            .post(sb.token_url())
            .form(&form("wrong"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"], json!([7000215]));
    let (status, token) = status_json(
        client
            .post(sb.token_url())
            .form(&form(&sb.client_secret()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["scope"], "Mail.Read");
    assert!(token.get("refresh_token").is_none());

    // Unregistered redirect URI: an error page, no redirect.
    let resp = no_redirects()
        .get(sb.authorize_url())
        .query(&[
            ("client_id", id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "https://evil.example/cb"),
            ("scope", "Mail.Read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let page = resp.text().await.unwrap();
    assert!(page.contains(&format!("AADSTS50011: The redirect URI &#39;https://evil.example/cb&#39; specified in the request does not match the redirect URIs configured for the application &#39;{id}&#39;.")), "{page}");
    // … unless it was registered.
    sb.add_redirect_uri("https://app.example/cb");
    let (location, _) = authorize(
        &sb,
        &[
            ("client_id", id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "https://app.example/cb"),
            ("scope", "Mail.Read"),
            ("login_hint", "adele@contoso.com"),
        ],
    )
    .await;
    assert!(location.starts_with("https://app.example/cb?code="));

    // Bad challenge size and unsupported response_type come back as redirects.
    let (_, pairs) = authorize(
        &sb,
        &pkce_params(
            &id,
            &[
                ("login_hint", "adele@contoso.com"),
                ("code_challenge", "short"),
            ],
        ),
    )
    .await;
    assert_eq!(pairs[0].1, "invalid_request");
    assert!(pairs[1]
        .1
        .starts_with("AADSTS501491: Invalid size of Code_Challenge parameter.\r\n"));
    let (_, pairs) = authorize(
        &sb,
        &pkce_params(
            &id,
            &[
                ("login_hint", "adele@contoso.com"),
                ("response_type", "token"),
            ],
        ),
    )
    .await;
    assert_eq!(pairs[0].1, "unsupported_response_type");
}

async fn refresh(sb: &Sandbox, client: &reqwest::Client, token: &str) -> (u16, Value) {
    post_form(
        client,
        &sb.token_url(),
        &[
            ("client_id", &sb.client_id()),
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
        ],
    )
    .await
}

async fn refresh_token_for(sb: &Sandbox, client: &reqwest::Client, user: &str) -> String {
    let code = code_for(sb, user).await;
    let (_, token) = redeem(sb, client, &code, VERIFIER, REDIRECT).await;
    token["refresh_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn refresh_tokens_rotate_and_old_ones_stay_valid_by_default() {
    let (sb, client) = setup().await;
    let first = refresh_token_for(&sb, &client, "adele@contoso.com").await;
    let (status, body) = refresh(&sb, &client, &first).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "token_type": "Bearer",
            "scope": "Mail.ReadWrite Mail.Send",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": body["access_token"],
            "refresh_token": body["refresh_token"],
        })
    );
    let second = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    let (status, _) = get_json(
        &client,
        &format!("{}/me/messages", sb.base_url()),
        body["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    // Documented: refresh tokens aren't revoked when used.
    let (status, _) = refresh(&sb, &client, &first).await;
    assert_eq!(status, 200);
    // A scope subset at refresh time.
    let (status, body) = post_form(
        &client,
        &sb.token_url(),
        &[
            ("client_id", &sb.client_id()),
            ("grant_type", "refresh_token"),
            ("refresh_token", &second),
            ("scope", "Mail.Send"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["scope"], "Mail.Send");

    let (status, body) = refresh(&sb, &client, "garbage").await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    );
}

#[tokio::test]
async fn strict_rotation_invalidates_redeemed_refresh_tokens() {
    let (sb, client) = setup().await;
    sb.set_refresh_token_rotation_strict(true);
    let first = refresh_token_for(&sb, &client, "adele@contoso.com").await;
    let (status, body) = refresh(&sb, &client, &first).await;
    assert_eq!(status, 200);
    let second = body["refresh_token"].as_str().unwrap().to_string();
    let (status, body) = refresh(&sb, &client, &first).await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_grant",
        70000,
        "Authentication failed. The refresh token isn't valid. It was already redeemed for a new refresh token.",
    );
    let (status, _) = refresh(&sb, &client, &second).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn revoked_refresh_tokens_need_a_fresh_sign_in() {
    let (sb, client) = setup().await;
    let adele = refresh_token_for(&sb, &client, "adele@contoso.com").await;
    let alex = refresh_token_for(&sb, &client, "alex@contoso.com").await;
    assert_eq!(sb.revoke_refresh_tokens("adele@contoso.com"), 1);
    let (status, body) = refresh(&sb, &client, &adele).await;
    assert_eq!(status, 400);
    assert_entra_prefix(
        &body,
        "invalid_grant",
        50173,
        "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '",
    );
    assert!(body["error_description"].as_str().unwrap().contains(
        "' and the TokensValidFrom date (before which tokens are not valid) for this user is '"
    ));
    // Other users are not affected; a new sign-in gives working tokens again.
    let (status, _) = refresh(&sb, &client, &alex).await;
    assert_eq!(status, 200);
    let fresh = refresh_token_for(&sb, &client, "adele@contoso.com").await;
    let (status, _) = refresh(&sb, &client, &fresh).await;
    assert_eq!(status, 200);
    assert_eq!(sb.revoke_refresh_tokens("nobody@contoso.com"), 0);
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// A client assertion signed with the fixture key (`alg` RS256 or PS256).
fn sign_jwt(header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64(header), b64(claims));
    let key = ring::signature::RsaKeyPair::from_pkcs8(&pem_der("key.pem")).unwrap();
    let encoding: &dyn ring::signature::RsaEncoding = match header["alg"].as_str() {
        Some("PS256") => &ring::signature::RSA_PSS_SHA256,
        _ => &ring::signature::RSA_PKCS1_SHA256,
    };
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        encoding,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn good_claims(sb: &Sandbox) -> Value {
    let now = now_secs();
    json!({
        "aud": sb.token_url(),
        "iss": sb.client_id(),
        "sub": sb.client_id(),
        "jti": uuid_like(),
        "nbf": now,
        "iat": now,
        "exp": now + 600,
    })
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("jti-{}-{}", now_secs(), N.fetch_add(1, Ordering::Relaxed))
}

fn header(alg: &str) -> Value {
    json!({"alg": alg, "typ": "JWT", "x5t#S256": THUMBPRINT})
}

async fn with_assertion(sb: &Sandbox, client: &reqwest::Client, assertion: &str) -> (u16, Value) {
    post_form(
        client,
        &sb.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id()),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
        ],
    )
    .await
}

fn register_fixture_cert(sb: &Sandbox) {
    sb.register_certificate(&fixture("public-key-pkcs1.der"), THUMBPRINT);
}

#[tokio::test]
async fn client_assertion_rs256_and_ps256_get_app_tokens() {
    let (sb, client) = setup().await;
    // The README's thumbprint is the certificate's.
    let thumb = URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        &pem_der("cert.pem"),
    ));
    assert_eq!(thumb, THUMBPRINT);
    register_fixture_cert(&sb);
    for alg in ["RS256", "PS256"] {
        let jwt = sign_jwt(&header(alg), &good_claims(&sb));
        let (status, body) = with_assertion(&sb, &client, &jwt).await;
        assert_eq!(status, 200, "{alg}: {body}");
        assert_eq!(
            body,
            json!({
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": body["access_token"],
            })
        );
        let (status, _) = get_json(
            &client,
            &format!("{}/users/alex@contoso.com/messages", sb.base_url()),
            body["access_token"].as_str().unwrap(),
        )
        .await;
        assert_eq!(status, 200);
    }
    // The tenant's domain as `aud` tenant works too when the request uses it.
    let mut claims = good_claims(&sb);
    claims["aud"] = json!(format!(
        "{}/contoso.com/oauth2/v2.0/token",
        sb.authority_url()
    ));
    let (status, _) = post_form(
        &client,
        &format!("{}/contoso.com/oauth2/v2.0/token", sb.authority_url()),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id()),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &sign_jwt(&header("RS256"), &claims)),
        ],
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn client_assertion_failures_are_invalid_client() {
    let (sb, client) = setup().await;
    register_fixture_cert(&sb);

    // Bad signature: a valid assertion with its signature of another assertion.
    let good = sign_jwt(&header("RS256"), &good_claims(&sb));
    let other = sign_jwt(&header("RS256"), &good_claims(&sb));
    let forged = format!(
        "{}.{}",
        good.rsplit_once('.').unwrap().0,
        other.rsplit_once('.').unwrap().1
    );
    let (status, body) = with_assertion(&sb, &client, &forged).await;
    assert_eq!(status, 401);
    assert_entra(
        &sb,
        &body,
        "invalid_client",
        700027,
        "Client assertion failed signature validation.",
    );

    // Wrong audience.
    let mut claims = good_claims(&sb);
    claims["aud"] = json!("https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token");
    let (status, body) = with_assertion(&sb, &client, &sign_jwt(&header("RS256"), &claims)).await;
    assert_eq!(status, 401);
    assert_entra(
        &sb,
        &body,
        "invalid_client",
        700023,
        "Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
    );

    // Expired.
    let mut claims = good_claims(&sb);
    claims["nbf"] = json!(now_secs() - 1200);
    claims["exp"] = json!(now_secs() - 600);
    let (status, body) = with_assertion(&sb, &client, &sign_jwt(&header("RS256"), &claims)).await;
    assert_eq!(status, 401);
    assert_entra_prefix(
        &body,
        "invalid_client",
        700024,
        "Client assertion is not within its valid time range. Current time: ",
    );
    // Not yet valid.
    let mut claims = good_claims(&sb);
    claims["nbf"] = json!(now_secs() + 300);
    claims["exp"] = json!(now_secs() + 600);
    let (_, body) = with_assertion(&sb, &client, &sign_jwt(&header("RS256"), &claims)).await;
    assert_eq!(body["error_codes"], json!([700024]));

    // Unknown thumbprint.
    let hdr = json!({"alg": "RS256", "typ": "JWT", "x5t#S256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"});
    let (status, body) = with_assertion(&sb, &client, &sign_jwt(&hdr, &good_claims(&sb))).await;
    assert_eq!(status, 401);
    let id = sb.client_id();
    assert_entra(
        &sb,
        &body,
        "invalid_client",
        700027,
        &format!("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{id}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/{id}']"),
    );

    // Issuer not the client, subject not the issuer.
    let mut claims = good_claims(&sb);
    claims["iss"] = json!("00000000-1111-2222-3333-444444444444");
    let (_, body) = with_assertion(&sb, &client, &sign_jwt(&header("RS256"), &claims)).await;
    assert_eq!(body["error_codes"], json!([700021]));
    let mut claims = good_claims(&sb);
    claims["sub"] = json!("someone-else");
    let (_, body) = with_assertion(&sb, &client, &sign_jwt(&header("RS256"), &claims)).await;
    assert_entra(
        &sb,
        &body,
        "invalid_client",
        50048,
        "Subject mismatches Issuer claim in the client assertion.",
    );

    // Replayed jti.
    let (status, _) = with_assertion(&sb, &client, &good).await;
    assert_eq!(status, 200);
    let (status, body) = with_assertion(&sb, &client, &good).await;
    assert_eq!(status, 401);
    assert_eq!(body["error_codes"], json!([50013]));

    // Malformed, and without the assertion type.
    let (status, body) = with_assertion(&sb, &client, "not-a-jwt").await;
    assert_eq!(status, 401);
    assert_eq!(body["error_codes"], json!([50027]));
    let (status, body) = post_form(
        &client,
        &sb.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id()),
            ("scope", "https://graph.microsoft.com/.default"),
            (
                "client_assertion",
                &sign_jwt(&header("RS256"), &good_claims(&sb)),
            ),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'client_assertion_type'.",
    );

    // Optional lifetime limit.
    sb.set_client_assertion_max_lifetime(Some(Duration::from_secs(600)));
    let mut claims = good_claims(&sb);
    claims["exp"] = json!(now_secs() + 3600);
    let (_, body) = with_assertion(&sb, &client, &sign_jwt(&header("RS256"), &claims)).await;
    assert_eq!(body["error_codes"], json!([700024]));
}

#[tokio::test]
async fn federated_assertion_is_accepted() {
    let (sb, client) = setup().await;
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2s4cyJ9.c2lnbmF0dXJl";
    let (status, body) = with_assertion(&sb, &client, token).await;
    assert_eq!(status, 401, "{body}");
    sb.register_federated_assertion(token);
    for _ in 0..2 {
        let (status, body) = with_assertion(&sb, &client, token).await;
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test]
async fn imds_managed_identity() {
    let (sb, client) = setup().await;
    let resp = client
        .get(sb.imds_endpoint())
        .query(&[
            ("api-version", "2018-02-01"),
            ("resource", "https://graph.microsoft.com"),
        ])
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 200, "{body}");
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    let not_before: i64 = body["not_before"].as_str().unwrap().parse().unwrap();
    assert!((expires_on - now_secs() - 3599).abs() <= 5);
    assert_eq!(expires_on - not_before, 3899);
    assert_eq!(
        body,
        json!({
            "access_token": body["access_token"],
            "refresh_token": "",
            "client_id": sb.managed_identity_client_id(),
            "expires_in": "3599",
            "expires_on": body["expires_on"],
            "ext_expires_in": "3599",
            "not_before": body["not_before"],
            "resource": "https://graph.microsoft.com",
            "token_type": "Bearer",
        })
    );
    let (status, _) = get_json(
        &client,
        &format!("{}/users/adele@contoso.com/messages", sb.base_url()),
        body["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200);

    // The sandbox's own Graph resource and a user-assigned identity.
    sb.add_user_assigned_identity("11111111-2222-3333-4444-555555555555");
    let resource = format!("{}/", sb.authority_url());
    let resp = client
        .get(sb.imds_endpoint())
        .query(&[
            ("api-version", "2018-02-01"),
            ("resource", resource.as_str()),
            ("client_id", "11111111-2222-3333-4444-555555555555"),
        ])
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(body["client_id"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(body["resource"], resource);

    // Missing Metadata header.
    let resp = client
        .get(sb.imds_endpoint())
        .query(&[
            ("api-version", "2018-02-01"),
            ("resource", "https://graph.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "bad_request_102", "error_description": "Required metadata header not specified"})
    );
    // Another resource.
    let resp = client
        .get(sb.imds_endpoint())
        .query(&[
            ("api-version", "2018-02-01"),
            ("resource", "https://management.azure.com/"),
        ])
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "error": "invalid_resource",
            "error_description": format!("AADSTS50001: The application named https://management.azure.com/ was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", sb.tenant_id()),
        })
    );
    // Unknown identity.
    let resp = client
        .get(sb.imds_endpoint())
        .query(&[
            ("api-version", "2018-02-01"),
            ("resource", "https://graph.microsoft.com"),
            ("client_id", "99999999-2222-3333-4444-555555555555"),
        ])
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_request", "error_description": "Identity not found"})
    );
}

#[tokio::test]
async fn app_service_managed_identity() {
    let (sb, client) = setup().await;
    assert_eq!(
        sb.app_service_identity_endpoint(),
        format!("{}/msi/token", sb.authority_url())
    );
    let resp = client
        .get(sb.app_service_identity_endpoint())
        .query(&[
            ("api-version", "2019-08-01"),
            ("resource", "https://graph.microsoft.com"),
        ])
        .header("X-IDENTITY-HEADER", sb.identity_header())
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "access_token": body["access_token"],
            "expires_on": body["expires_on"],
            "not_before": body["not_before"],
            "resource": "https://graph.microsoft.com",
            "token_type": "Bearer",
            "client_id": sb.managed_identity_client_id(),
        })
    );
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    assert!((expires_on - now_secs() - 3599).abs() <= 5);
    let (status, _) = get_json(
        &client,
        &format!("{}/users/alex@contoso.com/messages", sb.base_url()),
        body["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200);

    for header in [None, Some("wrong")] {
        let mut req = client.get(sb.app_service_identity_endpoint()).query(&[
            ("api-version", "2019-08-01"),
            ("resource", "https://graph.microsoft.com"),
        ]);
        if let Some(h) = header {
            req = req.header("X-IDENTITY-HEADER", h);
        }
        let (status, body) = status_json(req.send().await.unwrap()).await;
        assert_eq!(status, 401);
        assert_eq!(
            body,
            json!({
                "error": "unauthorized_client",
                "error_description": "The X-IDENTITY-HEADER request header is missing or does not match IDENTITY_HEADER.",
            })
        );
    }
}

#[tokio::test]
async fn client_credentials_on_common_is_refused() {
    let (sb, client) = setup().await;
    let (status, body) = post_form(
        &client,
        &format!("{}/common/oauth2/v2.0/token", sb.authority_url()),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id()),
            ("client_secret", &sb.client_secret()),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_entra(
        &sb,
        &body,
        "invalid_request",
        9001023,
        "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
    );
}
