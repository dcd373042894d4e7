//! Secrets and tokens never show in Debug, Display or errors.

mod common;

use common::*;
use msgraph_outlook::auth::{AccessToken, ClientCredentials, ClientSecret, StaticToken};
use msgraph_outlook::models::Message;
use msgraph_outlook::{Cloud, GraphClient};

const SECRET: &str = "Xq8~super.secret-value_123";

#[test]
fn debug_of_providers_tokens_and_clients_hides_secrets() {
    let credentials = ClientCredentials::new(
        &Cloud::Global,
        "contoso.onmicrosoft.com",
        "client-id",
        ClientSecret::new(SECRET),
    )
    .unwrap();
    let client = GraphClient::builder()
        .token_provider(credentials)
        .build()
        .unwrap();
    let builder = GraphClient::builder().token_provider(StaticToken::new(TOKEN));
    let shown = [
        format!("{:?}", ClientSecret::new(SECRET)),
        format!("{:?}", AccessToken::new(TOKEN)),
        format!("{:?}", StaticToken::delegated(TOKEN)),
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{builder:?}"),
        format!("{:?}", client.me()),
    ];
    for text in shown {
        assert!(
            !text.contains(SECRET) && !text.contains(TOKEN),
            "leaked: {text}"
        );
    }
    // The non-secret parts are still there to debug with.
    assert!(format!("{client:?}").contains("contoso.onmicrosoft.com"));
}

#[tokio::test]
async fn errors_do_not_contain_the_token() {
    let mut server = server().await;
    // A server that echoes the Authorization header back in its error must not make us leak it…
    let _mock = server
        .mock("POST", "/v1.0/me/sendMail")
        .with_status(400)
        .with_body(r#"{"error":{"code":"BadRequest","message":"bad"}}"#)
        .create_async()
        .await;
    let err = client(&server)
        .me()
        .send_mail(Message::new().to("a@contoso.com"))
        .await
        .unwrap_err();
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(TOKEN), "{text}");
    }
}
