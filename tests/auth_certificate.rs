//! Certificate and federated credentials on the wire: the client assertion, its signature,
//! the token cache, and what never leaks.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use mockito::{Matcher, Mock, ServerGuard};
use msgraph_outlook::auth::{ClientCertificate, ClientCredentials, TokenKind, TokenProvider};
use msgraph_outlook::models::Message;
use msgraph_outlook::{Cloud, Error, GraphClient};
use serde_json::{json, Value};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
const CERT: &[u8] = include_bytes!("fixtures/auth/cert.pem");
const KEY: &[u8] = include_bytes!("fixtures/auth/key.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("fixtures/auth/public-key-pkcs1.der");
/// From tests/fixtures/auth/README.md.
const THUMBPRINT: &str = "ftl9fvvJyb6cYAVL-r3SZmOVQyuNuItkTRKGFF1BDTE";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

type Form = BTreeMap<String, String>;

fn certificate() -> ClientCertificate {
    ClientCertificate::from_pem(CERT, KEY).expect("the test certificate")
}

fn cloud(server: &ServerGuard) -> Cloud {
    Cloud::from_base_url(&base_url(server), &server.url()).unwrap()
}

fn token_url(server: &ServerGuard) -> String {
    format!("{}/{TENANT}/oauth2/v2.0/token", server.url())
}

fn with_certificate(server: &ServerGuard) -> ClientCredentials {
    ClientCredentials::with_certificate(&cloud(server), TENANT, CLIENT_ID, certificate()).unwrap()
}

/// A token endpoint that records each form it receives and mints `token-1`, `token-2`, …
/// (not yet created).
fn token_endpoint(server: &mut ServerGuard, forms: &Arc<Mutex<Vec<Form>>>) -> Mock {
    let forms = Arc::clone(forms);
    let minted = AtomicUsize::new(0);
    server
        .mock("POST", format!("/{TENANT}/oauth2/v2.0/token").as_str())
        .match_header("content-type", "application/x-www-form-urlencoded")
        .match_header("authorization", Matcher::Missing)
        .match_request(move |request| {
            let form = url::form_urlencoded::parse(request.body().unwrap())
                .into_owned()
                .collect();
            forms.lock().unwrap().push(form);
            true
        })
        .with_status(200)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body_from_request(move |_| {
            let n = minted.fetch_add(1, Ordering::SeqCst) + 1;
            format!(r#"{{"token_type":"Bearer","expires_in":3599,"access_token":"token-{n}"}}"#)
                .into_bytes()
        })
}

fn decode_json(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A file in the temp directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(content: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "msgraph-outlook-federated-{}",
            uuid::Uuid::new_v4()
        ));
        std::fs::write(&path, content).unwrap();
        TempFile(path)
    }

    fn write(&self, content: &str) {
        std::fs::write(&self.0, content).unwrap();
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn the_thumbprint_is_the_certificates_sha256() {
    assert_eq!(certificate().thumbprint_sha256(), THUMBPRINT);
}

#[tokio::test]
async fn certificate_token_request_sends_a_signed_assertion_and_no_secret() {
    let mut server = server().await;
    let forms = Arc::new(Mutex::new(Vec::new()));
    let token = token_endpoint(&mut server, &forms)
        .expect(1)
        .create_async()
        .await;
    let credentials = with_certificate(&server);
    assert_eq!(credentials.kind(), TokenKind::Application);

    let before = unix_now();
    let issued = credentials.access_token().await.expect("a token");
    let after = unix_now();
    assert_eq!(issued.secret(), "token-1");
    token.assert_async().await;

    let form = forms.lock().unwrap()[0].clone();
    let fields: BTreeSet<&str> = form.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        BTreeSet::from([
            "grant_type",
            "client_id",
            "scope",
            "client_assertion_type",
            "client_assertion"
        ])
    );
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["scope"], format!("{}/.default", server.url()));
    assert_eq!(form["client_assertion_type"], JWT_BEARER);

    let jwt = &form["client_assertion"];
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    // Header: exactly these bytes.
    assert_eq!(
        String::from_utf8(URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap(),
        format!(r#"{{"alg":"RS256","typ":"JWT","x5t#S256":"{THUMBPRINT}"}}"#)
    );
    assert_eq!(
        decode_json(parts[0]),
        json!({"alg": "RS256", "typ": "JWT", "x5t#S256": THUMBPRINT})
    );
    // Claims: exactly these.
    let claims = decode_json(parts[1]);
    let names: BTreeSet<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["aud", "iss", "sub", "jti", "nbf", "iat", "exp"])
    );
    assert_eq!(claims["aud"], token_url(&server));
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    let jti = claims["jti"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(jti).is_ok(), "jti {jti}");
    let (nbf, iat, exp) = (
        claims["nbf"].as_u64().unwrap(),
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert!(before <= nbf && nbf <= after, "nbf {nbf} not now");
    assert_eq!(iat, nbf);
    assert!(exp > nbf && exp - nbf <= 600, "exp {exp}, nbf {nbf}");
    // Signature: RS256 with the certificate's key.
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        PUBLIC_KEY,
    )
    .verify(
        format!("{}.{}", parts[0], parts[1]).as_bytes(),
        &URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
    )
    .expect("the signature verifies with the certificate's public key");
}

#[tokio::test]
async fn each_token_request_carries_a_new_assertion() {
    let mut server = server().await;
    let forms = Arc::new(Mutex::new(Vec::new()));
    let token = token_endpoint(&mut server, &forms)
        .expect(2)
        .create_async()
        .await;
    let credentials = with_certificate(&server);

    let first = credentials.access_token().await.unwrap();
    // Cached: no request.
    assert_eq!(credentials.access_token().await.unwrap(), first);
    credentials.invalidate(&first);
    assert_eq!(
        credentials.access_token().await.unwrap().secret(),
        "token-2"
    );
    token.assert_async().await;

    let forms = forms.lock().unwrap();
    let jti = |form: &Form| {
        let claims = form["client_assertion"]
            .split('.')
            .nth(1)
            .unwrap()
            .to_string();
        decode_json(&claims)["jti"].as_str().unwrap().to_string()
    };
    assert_ne!(forms[0]["client_assertion"], forms[1]["client_assertion"]);
    assert_ne!(jti(&forms[0]), jti(&forms[1]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_make_one_token_request() {
    let mut server = server().await;
    let forms = Arc::new(Mutex::new(Vec::new()));
    let token = token_endpoint(&mut server, &forms)
        .expect(1)
        .create_async()
        .await;
    let credentials = Arc::new(with_certificate(&server));

    let callers: Vec<_> = (0..50)
        .map(|_| {
            let credentials = Arc::clone(&credentials);
            tokio::spawn(async move { credentials.access_token().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap().secret(), "token-1");
    }
    token.assert_async().await;
}

#[tokio::test]
async fn a_certificate_token_reaches_graph() {
    let mut server = server().await;
    let forms = Arc::new(Mutex::new(Vec::new()));
    let token = token_endpoint(&mut server, &forms)
        .expect(1)
        .create_async()
        .await;
    let graph = server
        .mock("POST", "/v1.0/users/adele@contoso.com/sendMail")
        .match_header("authorization", "Bearer token-1")
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    let client = GraphClient::builder()
        .base_url(base_url(&server))
        .token_provider(with_certificate(&server))
        .build()
        .unwrap();
    client
        .user("adele@contoso.com")
        .send_mail(Message::new().subject("Hi").to("alex@contoso.com"))
        .await
        .expect("202");
    token.assert_async().await;
    graph.assert_async().await;
}

#[tokio::test]
async fn federated_token_file_is_the_assertion_and_is_read_again_for_each_request() {
    let mut server = server().await;
    let forms = Arc::new(Mutex::new(Vec::new()));
    let token = token_endpoint(&mut server, &forms)
        .expect(2)
        .create_async()
        .await;
    let file = TempFile::new("eyJhbGciOiJSUzI1NiJ9.first.sig\n");
    let credentials =
        ClientCredentials::with_federated_token_file(&cloud(&server), TENANT, CLIENT_ID, &file.0)
            .unwrap();
    assert_eq!(credentials.kind(), TokenKind::Application);

    let first = credentials.access_token().await.unwrap();
    // The platform rotates the file; the next token request sends the new content.
    file.write("eyJhbGciOiJSUzI1NiJ9.second.sig");
    credentials.invalidate(&first);
    credentials.access_token().await.unwrap();
    token.assert_async().await;

    let forms = forms.lock().unwrap();
    for (form, assertion) in forms.iter().zip([
        "eyJhbGciOiJSUzI1NiJ9.first.sig",
        "eyJhbGciOiJSUzI1NiJ9.second.sig",
    ]) {
        let expected: Form = [
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("scope", &format!("{}/.default", server.url())),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(form, &expected);
    }
}

#[tokio::test]
async fn workload_identity_variables_name_the_tenant_client_file_and_authority() {
    let mut server = server().await;
    let forms = Arc::new(Mutex::new(Vec::new()));
    let token = token_endpoint(&mut server, &forms)
        .expect(1)
        .create_async()
        .await;
    let file = TempFile::new("federated-assertion");
    let authority = format!("{}/", server.url());
    let path = file.0.to_string_lossy().into_owned();
    let vars = |name: &str| match name {
        "AZURE_CLIENT_ID" => Some(CLIENT_ID.to_string()),
        "AZURE_TENANT_ID" => Some(TENANT.to_string()),
        "AZURE_FEDERATED_TOKEN_FILE" => Some(path.clone()),
        "AZURE_AUTHORITY_HOST" => Some(authority.clone()),
        _ => None,
    };
    // Tokens for the global Graph, from the login host the webhook names.
    let credentials = ClientCredentials::from_workload_identity_vars(&Cloud::Global, vars).unwrap();
    assert_eq!(credentials.token_url(), token_url(&server));
    credentials.access_token().await.unwrap();
    token.assert_async().await;

    let form = forms.lock().unwrap()[0].clone();
    assert_eq!(form["scope"], "https://graph.microsoft.com/.default");
    assert_eq!(form["client_assertion"], "federated-assertion");
    assert!(!form.contains_key("client_secret"));
}

#[tokio::test]
async fn a_missing_federated_token_file_is_a_config_error_and_nothing_is_sent() {
    let mut server = server().await;
    let nothing = expect_no_request(&mut server).await;
    let missing =
        std::env::temp_dir().join(format!("msgraph-outlook-missing-{}", uuid::Uuid::new_v4()));
    let credentials =
        ClientCredentials::with_federated_token_file(&cloud(&server), TENANT, CLIENT_ID, &missing)
            .unwrap();
    let err = credentials.access_token().await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("federated token file"), "{err}");
    nothing.assert_async().await;
}

#[tokio::test]
async fn a_bad_pem_is_a_typed_error_and_nothing_is_sent() {
    let mut server = server().await;
    let nothing = expect_no_request(&mut server).await;
    let key = std::str::from_utf8(KEY).unwrap();
    let cut_key = &key[..key.len() / 2];
    for (certificate, private_key) in [
        (
            &b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"[..],
            KEY,
        ),
        (b"", KEY),
        (KEY, KEY),
        (CERT, b""),
        (CERT, cut_key.as_bytes()),
        (CERT, CERT),
    ] {
        let err = ClientCertificate::from_pem(certificate, private_key).unwrap_err();
        let Error::Config(message) = &err else {
            panic!("not a configuration error: {err:?}")
        };
        assert_no_key_material(message);
        assert_no_key_material(&format!("{err:?}"));
    }
    nothing.assert_async().await;
}

/// No line of the private key's base64 appears in `text`.
fn assert_no_key_material(text: &str) {
    let key = std::str::from_utf8(KEY).unwrap();
    for line in key.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!text.contains(line), "key material in: {text}");
        assert!(!text.contains(&line[..20]), "key material in: {text}");
    }
}

#[tokio::test]
async fn key_and_assertion_are_absent_from_debug_and_errors() {
    let mut server = server().await;
    let assertions = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&assertions);
    // Entra's answer when the assertion's key is not registered on the app.
    let token = server
        .mock("POST", format!("/{TENANT}/oauth2/v2.0/token").as_str())
        .match_request(move |request| {
            let form: Form = url::form_urlencoded::parse(request.body().unwrap())
                .into_owned()
                .collect();
            seen.lock()
                .unwrap()
                .push(form.get("client_assertion").cloned().unwrap_or_default());
            true
        })
        .with_status(401)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body(
            r#"{"error":"invalid_client","error_description":"AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.\r\nTrace ID: 0b1c\r\nCorrelation ID: 7e1f\r\nTimestamp: 2026-11-22 10:15:02Z","error_codes":[700027],"trace_id":"0b1c","correlation_id":"7e1f"}"#,
        )
        .expect(1)
        .create_async()
        .await;
    let credentials = with_certificate(&server);
    let client = GraphClient::builder()
        .base_url(base_url(&server))
        .token_provider(with_certificate(&server))
        .build()
        .unwrap();

    let err = credentials.access_token().await.unwrap_err();
    token.assert_async().await;
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(auth.status, Some(401));
    assert_eq!(auth.error, "invalid_client");
    assert!(auth.has_aadsts(700027));

    let assertion = assertions.lock().unwrap()[0].clone();
    assert!(assertion.len() > 100, "{assertion}");
    let signature = assertion.rsplit('.').next().unwrap().to_string();
    let shown = [
        err.to_string(),
        format!("{err:?}"),
        format!("{credentials:?}"),
        format!("{credentials:#?}"),
        format!("{:?}", certificate()),
        format!("{client:?}"),
    ];
    for text in &shown {
        assert!(
            !text.contains(&assertion) && !text.contains(&signature),
            "assertion in: {text}"
        );
        assert!(!text.contains("PRIVATE KEY"), "{text}");
        assert_no_key_material(text);
    }
    // What helps debugging is there: the thumbprint of the certificate in use.
    assert!(format!("{credentials:?}").contains(THUMBPRINT));
}
