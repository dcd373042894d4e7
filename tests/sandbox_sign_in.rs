//! Every sign-in flow end to end against the sandbox's identity endpoints, each followed by
//! a Graph call with the token it produced: device code, authorization code with PKCE,
//! refresh from a token file, certificate credentials, managed identity.

#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;

use std::sync::Arc;

use msgraph_outlook::auth::{
    delegated_scopes, AuthorizationCode, AuthorizeOptions, ClientCertificate, ClientCredentials,
    DeviceCode, FileTokenStore, ManagedIdentity, RefreshToken, TokenProvider,
};
use msgraph_outlook::models::Message;
use msgraph_outlook::{Error, GraphClient};
use msgraph_outlook_sandbox::Sandbox;
use sandbox_clients::cloud;

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";

async fn sandbox() -> Sandbox {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user(ADELE);
    sandbox.add_user(ALEX);
    sandbox
}

fn client(sandbox: &Sandbox, tokens: impl TokenProvider + 'static) -> GraphClient {
    GraphClient::builder()
        .cloud(cloud(sandbox))
        .token_provider(tokens)
        .build()
        .unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/auth/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Sends one message from `mailbox` to Alex and checks it arrived.
async fn sends(sandbox: &Sandbox, mailbox: msgraph_outlook::api::Mailbox, subject: &str) {
    mailbox
        .send_mail(Message::new().subject(subject).to(ALEX))
        .await
        .unwrap();
    assert!(sandbox
        .messages(ALEX, "inbox")
        .iter()
        .any(|m| m["subject"] == subject));
}

#[tokio::test]
async fn device_code_signs_adele_in_and_a_token_file_signs_her_in_again() {
    let sandbox = sandbox().await;
    // This checks the exchange, not the timing (auth_delegated.rs does that on a paused
    // clock); the client still waits its minimum of 1 s before the second poll.
    sandbox.set_device_code_interval(1);
    sandbox.auto_approve_device_codes(ADELE, 1);
    let dir = std::env::temp_dir().join(format!("msgraph-outlook-test-{}", uuid::Uuid::new_v4()));
    let store = Arc::new(FileTokenStore::new(dir.join("tokens.json")));
    let scopes = delegated_scopes(&cloud(&sandbox), ["Mail.Send"], true);
    let prompts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = prompts.clone();
    let device = DeviceCode::new(
        &cloud(&sandbox),
        &sandbox.tenant_id(),
        &sandbox.client_id(),
        scopes.clone(),
    )
    .unwrap()
    .with_store(store.clone())
    .on_prompt(move |p| seen.lock().unwrap().push(p.user_code.clone()));
    sends(&sandbox, client(&sandbox, device).me(), "device code").await;
    assert_eq!(prompts.lock().unwrap().len(), 1);

    // A restart: the refresh token in the file signs in without a prompt.
    let again = RefreshToken::from_store(
        &cloud(&sandbox),
        &sandbox.tenant_id(),
        &sandbox.client_id(),
        scopes,
        store,
    )
    .unwrap();
    sends(
        &sandbox,
        client(&sandbox, again).me(),
        "from the token file",
    )
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn authorization_code_with_pkce_signs_in_through_a_redirect() {
    let sandbox = sandbox().await;
    let redirect = "http://localhost:8400/callback";
    sandbox.add_redirect_uri(redirect);
    let app = AuthorizationCode::new(
        &cloud(&sandbox),
        &sandbox.tenant_id(),
        &sandbox.client_id(),
        redirect,
        delegated_scopes(&cloud(&sandbox), ["Mail.Send"], true),
    )
    .unwrap();
    let (url, pending) = app
        .authorize_url(&AuthorizeOptions::new().login_hint(ADELE))
        .unwrap();
    // The browser's part: the sandbox signs the hinted user in and redirects back.
    let answer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    let location = answer.headers()["location"].to_str().unwrap();
    let location = url::Url::parse(location).unwrap();
    assert!(location.as_str().starts_with(redirect));
    let signed_in = app.redeem_redirect(pending, &location).await.unwrap();
    sends(&sandbox, client(&sandbox, signed_in).me(), "auth code").await;
}

#[tokio::test]
async fn a_certificate_gets_an_app_token_and_an_unregistered_one_is_refused() {
    let sandbox = sandbox().await;
    let certificate =
        ClientCertificate::from_pem(&fixture("cert.pem"), &fixture("key.pem")).unwrap();
    let credentials = || {
        ClientCredentials::with_certificate(
            &cloud(&sandbox),
            &sandbox.tenant_id(),
            &sandbox.client_id(),
            certificate.clone(),
        )
        .unwrap()
    };
    let err = client(&sandbox, credentials())
        .user(ADELE)
        .send_mail(Message::new().subject("x").to(ALEX))
        .await
        .unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(auth.error, "invalid_client");

    sandbox.register_certificate(
        &fixture("public-key-pkcs1.der"),
        certificate.thumbprint_sha256(),
    );
    sends(
        &sandbox,
        client(&sandbox, credentials()).user(ADELE),
        "certificate",
    )
    .await;
}

#[tokio::test]
async fn a_managed_identity_token_reaches_every_mailbox() {
    let sandbox = sandbox().await;
    let identity = ManagedIdentity::from_env_vars(|_| None)
        .unwrap()
        .imds_endpoint(&sandbox.imds_endpoint())
        .unwrap();
    sends(
        &sandbox,
        client(&sandbox, identity).user(ADELE),
        "managed identity",
    )
    .await;
}
