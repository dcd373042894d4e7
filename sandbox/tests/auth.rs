//! Token endpoint and bearer-token checks.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

fn token_url(sb: &msgraph_outlook_sandbox::Sandbox, tenant: &str) -> String {
    format!("{}/{tenant}/oauth2/v2.0/token", sb.authority_url())
}

#[tokio::test]
async fn client_credentials_success_and_counting() {
    let (sb, client) = setup().await;
    assert_eq!(sb.token_requests(), 0);
    let resp = client
        .post(token_url(&sb, &sb.tenant_id()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id()),
            ("client_secret", &sb.client_secret()),
            ("scope", &format!("{}/.default", sb.authority_url())),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store, no-cache");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(sb.token_requests(), 1);

    // HTTP Basic client authentication and a domain as tenant.
    let resp = client
        .post(token_url(&sb, "contoso.com"))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(sb.token_requests(), 2);

    // The app token works on /users/{id} …
    let (status, _) = get_json(
        &client,
        &format!("{}/users/alex@contoso.com/messages", sb.base_url()),
        token,
    )
    .await;
    assert_eq!(status, 200);
    // … and /me with an app token is refused.
    let (status, err) = get_json(&client, &format!("{}/me/messages", sb.base_url()), token).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "BadRequest",
        "/me request is only valid with delegated authentication flow.",
    );
}

async fn token_error(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = client.post(url).form(form).send().await.unwrap();
    status_json(resp).await
}

fn assert_entra_error(body: &Value, error: &str, code: u64) {
    assert_eq!(body["error"], error, "body: {body}");
    assert_eq!(body["error_codes"], json!([code]));
    let desc = body["error_description"].as_str().unwrap();
    assert!(desc.starts_with(&format!("AADSTS{code}: ")), "{desc}");
    assert!(desc.contains("\r\nTrace ID: "));
    assert!(desc.contains("\r\nCorrelation ID: "));
    assert!(desc.contains("\r\nTimestamp: "));
    for key in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[key].is_string(), "{key} missing in {body}");
    }
}

#[tokio::test]
async fn token_endpoint_errors() {
    let (sb, client) = setup().await;
    let url = token_url(&sb, &sb.tenant_id());
    let id = sb.client_id();
    let secret = sb.client_secret();
    let scope = "https://graph.microsoft.com/.default";

    let (status, body) = token_error(
        &client,
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", "wrong"),
            ("scope", scope),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_entra_error(&body, "invalid_client", 7000215);

    let (status, body) = token_error(
        &client,
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "00000000-1111-2222-3333-444444444444"),
            ("client_secret", &secret),
            ("scope", scope),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_entra_error(&body, "unauthorized_client", 700016);

    let (status, body) = token_error(
        &client,
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "Mail.Send"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_entra_error(&body, "invalid_scope", 70011);

    let (status, body) = token_error(
        &client,
        &url,
        &[
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", scope),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_entra_error(&body, "invalid_request", 900144);

    let (status, body) = token_error(
        &client,
        &url,
        &[
            ("grant_type", "password"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", scope),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unsupported_grant_type");

    let (status, body) = token_error(
        &client,
        &token_url(&sb, "fabrikam.onmicrosoft.com"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", scope),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_entra_error(&body, "invalid_request", 90002);

    assert_eq!(sb.token_requests(), 6);
}

#[tokio::test]
async fn missing_foreign_and_expired_tokens_get_401() {
    let (sb, client) = setup().await;
    let url = format!("{}/me/messages", sb.base_url());

    let resp = client.get(&url).send().await.unwrap();
    assert!(resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer realm=\"\""));
    let (status, err) = status_json(resp).await;
    assert_eq!(status, 401);
    assert_graph_error(&err, "InvalidAuthenticationToken", "Access token is empty.");

    let (status, err) = get_json(&client, &url, "not-a-sandbox-token").await;
    assert_eq!(status, 401);
    assert_eq!(err["error"]["code"], "InvalidAuthenticationToken");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("IDX14100: JWT is not well formed"));

    let expired = sb.delegated_token_expiring_in("adele@contoso.com", Duration::ZERO);
    let (status, err) = get_json(&client, &url, &expired).await;
    assert_eq!(status, 401);
    assert_graph_error(
        &err,
        "InvalidAuthenticationToken",
        "Lifetime validation failed, the token is expired.",
    );
}

#[tokio::test]
async fn mailbox_addressing_errors() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");

    let (status, err) = get_json(
        &client,
        &format!("{}/users/nobody@contoso.com/messages", sb.base_url()),
        &adele,
    )
    .await;
    assert_eq!(status, 404);
    assert_graph_error(
        &err,
        "ErrorInvalidUser",
        "The requested user 'nobody@contoso.com' is invalid.",
    );

    let (status, err) = get_json(
        &client,
        &format!("{}/users/alex@contoso.com/messages", sb.base_url()),
        &adele,
    )
    .await;
    assert_eq!(status, 403);
    assert_graph_error(
        &err,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    );

    let (status, err) = get_json(&client, &format!("{}/me/bogus", sb.base_url()), &adele).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "BadRequest",
        "Resource not found for the segment 'bogus'.",
    );

    let (status, err) = get_json(
        &client,
        &format!("{}/me/messages/AAMkAnope=", sb.base_url()),
        &adele,
    )
    .await;
    assert_eq!(status, 404);
    assert_graph_error(
        &err,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    );
}
