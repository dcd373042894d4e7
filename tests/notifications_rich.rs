//! Rich notifications (GRAPH-FACTS-2 §4): `validationTokens` checked against the login
//! authority's signing keys (here a mockito server playing the authority), resource data
//! HMAC-checked and decrypted with the certificate's key. Everything refused is answered
//! `202` (Microsoft: answer first, validate after) and never reaches the application.

#[path = "support/graph_publisher.rs"]
mod graph_publisher;

use graph_publisher::{
    authority, claims, encrypt, jwks, notification, once, openid_configuration, until, Signer,
    APP_ID, CLIENT_STATE, KEY_PEM, SUBSCRIPTION, TENANT,
};
use http::HeaderMap;
use mockito::ServerGuard;
use msgraph_outlook::notifications::{DecryptionKey, Incoming, Notification, Notifications};
use serde_json::{json, Value};

/// A message as Graph puts it in `data` (the `$select`ed properties, annotated).
fn message(id: &str) -> Value {
    json!({
        "@odata.type": "#Microsoft.Graph.Message",
        "@odata.id": format!("Users/622eaaff-0683-4862-9de4-f2ec83c2bd98/Messages/{id}"),
        "@odata.etag": "W/\"CQAAABYAAACQ2fKdhq8oSKEDSVrdi3lRAAGDUUXn\"",
        "id": id,
        "subject": "Quarterly numbers",
        "receivedDateTime@odata.type": "#DateTimeOffset",
        "receivedDateTime": "2026-12-07T09:00:00Z"
    })
}

fn rich_notification(id: &str) -> Value {
    let mut n = notification(id);
    n["encryptedContent"] = encrypt(&message(id));
    n
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn receiver(server: &ServerGuard) -> (Notifications, Incoming) {
    let (notifications, incoming) = Notifications::builder()
        .app_id("99999999-0000-0000-0000-000000000000")
        .app_id(APP_ID)
        .authority(&server.url())
        .decryption_key(
            graph_publisher::CERT_ID,
            DecryptionKey::from_pkcs8_pem(KEY_PEM).unwrap(),
        )
        .build()
        .unwrap();
    notifications.register(SUBSCRIPTION, CLIENT_STATE);
    (notifications, incoming)
}

async fn post(notifications: &Notifications, body: &Value) -> u16 {
    notifications
        .handle("POST", None, &HeaderMap::new(), once(body.to_string()))
        .await
        .status
}

/// Posts `body`, which must be refused: answered 202, counted as discarded, not delivered.
async fn refused(notifications: &Notifications, incoming: &mut Incoming, body: &Value) {
    let before = notifications.stats().discarded;
    assert_eq!(post(notifications, body).await, 202);
    until(|| notifications.stats().discarded > before).await;
    assert!(incoming.try_recv().is_none());
}

#[tokio::test]
async fn a_genuine_rich_notification_arrives_decrypted() {
    let mut server = mockito::Server::new_async().await;
    let signer = Signer::fixture("key-1");
    let (config, keys) = authority(&mut server, &[&signer], 1).await;
    let (notifications, mut incoming) = receiver(&server);

    let token = signer.token(&claims(&server.url(), now()));
    let body = json!({
        "value": [rich_notification("AAMkAG1="), rich_notification("AAMkAG2=")],
        "validationTokens": [token]
    });
    assert_eq!(post(&notifications, &body).await, 202);
    for id in ["AAMkAG1=", "AAMkAG2="] {
        match incoming.recv().await.unwrap() {
            Notification::Change(change) => {
                assert_eq!(change.resource, Some(message(id)));
                assert_eq!(change.notification.subscription_id, SUBSCRIPTION);
                let content = change.notification.encrypted_content.unwrap();
                assert_eq!(content.encryption_certificate_id, "testCertificateId");
            }
            other => panic!("expected a change, got {other:?}"),
        }
    }

    // The keys are cached: a second POST fetches nothing.
    let body = json!({"value": [rich_notification("AAMkAG3=")], "validationTokens": [token]});
    assert_eq!(post(&notifications, &body).await, 202);
    assert!(matches!(
        incoming.recv().await,
        Some(Notification::Change(_))
    ));
    config.assert_async().await;
    keys.assert_async().await;
    assert_eq!(notifications.stats().delivered, 3);
    assert_eq!(notifications.stats().discarded, 0);
}

#[tokio::test]
async fn tampered_data_fails_the_hmac_and_is_not_delivered() {
    let mut server = mockito::Server::new_async().await;
    let signer = Signer::fixture("key-1");
    let _mocks = authority(&mut server, &[&signer], 1).await;
    let (notifications, mut incoming) = receiver(&server);
    let token = signer.token(&claims(&server.url(), now()));

    // Ciphertext swapped for another item's (valid AES, wrong HMAC), and a flipped byte.
    let mut swapped = rich_notification("victim");
    swapped["encryptedContent"]["data"] =
        rich_notification("other")["encryptedContent"]["data"].clone();
    let mut flipped = rich_notification("victim");
    let data = flipped["encryptedContent"]["data"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bytes = base64_decode(&data);
    bytes[0] ^= 1;
    flipped["encryptedContent"]["data"] = json!(base64_encode(&bytes));
    let mut no_key = rich_notification("victim");
    no_key["encryptedContent"]["encryptionCertificateId"] = json!("unknown-certificate");

    for bad in [swapped, flipped, no_key] {
        let body = json!({"value": [bad], "validationTokens": [token]});
        refused(&notifications, &mut incoming, &body).await;
    }
    assert_eq!(notifications.stats().discarded, 3);
    assert_eq!(notifications.stats().delivered, 0);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[tokio::test]
async fn tokens_with_a_wrong_audience_signature_publisher_issuer_or_lifetime_are_refused() {
    let mut server = mockito::Server::new_async().await;
    let signer = Signer::fixture("key-1");
    let _mocks = authority(&mut server, &[&signer], 1).await;
    let (notifications, mut incoming) = receiver(&server);
    let authority = server.url();
    let good = claims(&authority, now());
    let with = |name: &str, value: Value| {
        let mut c = good.clone();
        c[name] = value;
        c
    };

    let forger = Signer::generate("key-1"); // same kid, another key: bad signature
    let bad_tokens = [
        (
            "wrong audience",
            signer.token(&with("aud", json!("22222222-3333-4444-5555-666666666666"))),
        ),
        ("wrong signature", forger.token(&good)),
        ("expired", signer.token(&with("exp", json!(now() - 3600)))),
        (
            "not yet valid",
            signer.token(&with("nbf", json!(now() + 3600))),
        ),
        (
            "wrong azp",
            signer.token(&with("azp", json!("33333333-3333-3333-3333-333333333333"))),
        ),
        (
            "other tenant's issuer",
            signer.token(&with(
                "iss",
                json!(format!(
                    "{authority}/00000000-0000-0000-0000-000000000001/v2.0"
                )),
            )),
        ),
        (
            "Graph's host as issuer",
            signer.token(&with(
                "iss",
                json!(format!("https://graph.microsoft.com/{TENANT}/v2.0")),
            )),
        ),
        ("not a JWT", "eyJhbGciOiJSUzI1NiJ9.e30".to_string()),
    ];
    for (case, token) in &bad_tokens {
        // One bad token among good ones spoils the whole POST.
        let good_token = signer.token(&good);
        let body = json!({
            "value": [rich_notification("AAMkAG1=")],
            "validationTokens": [good_token, token]
        });
        let before = notifications.stats().discarded;
        assert_eq!(post(&notifications, &body).await, 202, "{case}");
        until(|| notifications.stats().discarded > before).await;
        assert!(incoming.try_recv().is_none(), "{case} was delivered");
    }

    // v1 tokens (`appid`, issuer sts.windows.net) are accepted, as Microsoft's SDK does.
    let mut v1 = good.clone();
    v1.as_object_mut().unwrap().remove("azp");
    v1["appid"] = json!(graph_publisher::PUBLISHER);
    v1["iss"] = json!(format!("https://sts.windows.net/{TENANT}/"));
    v1["ver"] = json!("1.0");
    let body = json!({"value": [rich_notification("v1")], "validationTokens": [signer.token(&v1)]});
    assert_eq!(post(&notifications, &body).await, 202);
    assert!(matches!(
        incoming.recv().await,
        Some(Notification::Change(_))
    ));
}

#[tokio::test]
async fn rich_notifications_without_tokens_or_app_id_are_refused() {
    let mut server = mockito::Server::new_async().await;
    let signer = Signer::fixture("key-1");
    // Never fetched: nothing to check the tokens for, or no tokens to check.
    let (config, _) = authority(&mut server, &[&signer], 0).await;
    let (notifications, mut incoming) = receiver(&server);
    let body = json!({"value": [rich_notification("a")]});
    refused(&notifications, &mut incoming, &body).await;
    let body = json!({"value": [rich_notification("a")], "validationTokens": []});
    refused(&notifications, &mut incoming, &body).await;

    let (no_app, mut no_app_incoming) = Notifications::builder()
        .authority(&server.url())
        .decryption_key(
            "testCertificateId",
            DecryptionKey::from_pkcs8_pem(KEY_PEM).unwrap(),
        )
        .build()
        .unwrap();
    no_app.register(SUBSCRIPTION, CLIENT_STATE);
    let token = signer.token(&claims(&server.url(), now()));
    let body = json!({"value": [rich_notification("a")], "validationTokens": [token]});
    refused(&no_app, &mut no_app_incoming, &body).await;
    config.assert_async().await;
}

#[tokio::test]
async fn a_token_past_exp_on_the_receivers_clock_is_refused() {
    let mut server = mockito::Server::new_async().await;
    let signer = Signer::fixture("key-1");
    let _mocks = authority(&mut server, &[&signer], 1).await;
    // The receiver's clock runs two hours ahead: the token (valid 1 h) has expired.
    let (notifications, mut incoming) = Notifications::builder()
        .app_id(APP_ID)
        .authority(&server.url())
        .decryption_key(
            "testCertificateId",
            DecryptionKey::from_pkcs8_pem(KEY_PEM).unwrap(),
        )
        .clock(|| chrono::Utc::now() + chrono::Duration::hours(2))
        .build()
        .unwrap();
    notifications.register(SUBSCRIPTION, CLIENT_STATE);
    let token = signer.token(&claims(&server.url(), now()));
    let body = json!({"value": [rich_notification("a")], "validationTokens": [token]});
    refused(&notifications, &mut incoming, &body).await;
}

#[tokio::test]
async fn wrong_client_state_is_refused_even_with_valid_tokens() {
    let mut server = mockito::Server::new_async().await;
    let signer = Signer::fixture("key-1");
    let _mocks = authority(&mut server, &[&signer], 1).await;
    let (notifications, mut incoming) = receiver(&server);
    let mut forged = rich_notification("a");
    forged["clientState"] = json!("guessed");
    let token = signer.token(&claims(&server.url(), now()));
    let body = json!({"value": [forged, rich_notification("b")], "validationTokens": [token]});
    assert_eq!(post(&notifications, &body).await, 202);
    match incoming.recv().await.unwrap() {
        Notification::Change(change) => assert_eq!(change.resource, Some(message("b"))),
        other => panic!("{other:?}"),
    }
    until(|| notifications.stats().discarded == 1).await;
    assert!(incoming.try_recv().is_none());
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_keys_at_most_once_per_interval() {
    let mut server = mockito::Server::new_async().await;
    let old = Signer::fixture("key-1");
    let config = openid_configuration(&mut server, 2).await;
    let first_keys = jwks(&mut server, &[&old], 1).await;
    let (notifications, mut incoming) = receiver(&server);
    let body =
        |token: String| json!({"value": [rich_notification("a")], "validationTokens": [token]});

    assert_eq!(
        post(
            &notifications,
            &body(old.token(&claims(&server.url(), now())))
        )
        .await,
        202
    );
    assert!(matches!(
        incoming.recv().await,
        Some(Notification::Change(_))
    ));
    first_keys.assert_async().await;

    // The authority rotates to a new key: a token naming it makes the receiver refetch.
    first_keys.remove_async().await;
    let new = Signer::generate("key-2");
    let rotated = jwks(&mut server, &[&old, &new], 1).await;
    assert_eq!(
        post(
            &notifications,
            &body(new.token(&claims(&server.url(), now())))
        )
        .await,
        202
    );
    assert!(matches!(
        incoming.recv().await,
        Some(Notification::Change(_))
    ));
    rotated.assert_async().await;
    config.assert_async().await;

    // Tokens naming keys nobody publishes do not make it fetch again within the interval.
    let forger = Signer::generate("key-3");
    for _ in 0..3 {
        refused(
            &notifications,
            &mut incoming,
            &body(forger.token(&claims(&server.url(), now()))),
        )
        .await;
    }
    rotated.assert_async().await;
    config.assert_async().await;
}

#[tokio::test]
async fn a_full_channel_answers_rich_posts_503() {
    let mut server = mockito::Server::new_async().await;
    let signer = Signer::fixture("key-1");
    let _mocks = authority(&mut server, &[&signer], 1).await;
    let (notifications, mut incoming) = Notifications::builder()
        .app_id(APP_ID)
        .authority(&server.url())
        .decryption_key(
            "testCertificateId",
            DecryptionKey::from_pkcs8_pem(KEY_PEM).unwrap(),
        )
        .capacity(1)
        .build()
        .unwrap();
    notifications.register(SUBSCRIPTION, CLIENT_STATE);
    let token = signer.token(&claims(&server.url(), now()));
    let body = |id: &str| json!({"value": [rich_notification(id)], "validationTokens": [token]});
    assert_eq!(post(&notifications, &body("a")).await, 202);
    // The place is reserved at once, before the checks finish: the next POST is refused.
    let answer = notifications
        .handle("POST", None, &HeaderMap::new(), once(body("b").to_string()))
        .await;
    assert_eq!((answer.status, answer.retry_after), (503, Some(5)));
    match incoming.recv().await.unwrap() {
        Notification::Change(change) => assert_eq!(change.resource, Some(message("a"))),
        other => panic!("{other:?}"),
    }
    // Graph's redelivery gets through.
    assert_eq!(post(&notifications, &body("b")).await, 202);
    match incoming.recv().await.unwrap() {
        Notification::Change(change) => assert_eq!(change.resource, Some(message("b"))),
        other => panic!("{other:?}"),
    }
}

/// The sandbox as the identity platform: its OpenID configuration and JWKS, its tokens and
/// its encryption (A2's `rich` module), so the receiver is checked against a second,
/// independent implementation of Graph's side.
#[tokio::test]
async fn the_sandbox_identity_platform_vouches_for_its_rich_notifications() {
    use msgraph_outlook::Cloud;
    use msgraph_outlook_sandbox::Sandbox;

    let sandbox = Sandbox::start().await.unwrap();
    let cloud = Cloud::from_base_url(&sandbox.base_url(), &sandbox.authority_url()).unwrap();
    let (notifications, mut incoming) = Notifications::builder()
        .app_id(sandbox.client_id())
        .tenant_id(sandbox.tenant_id())
        .cloud(&cloud)
        .decryption_key(
            "sandbox-cert",
            DecryptionKey::from_pkcs8_pem(KEY_PEM).unwrap(),
        )
        .build()
        .unwrap();
    notifications.register(SUBSCRIPTION, CLIENT_STATE);
    let certificate: String = include_str!("fixtures/notifications/cert.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let body = |id: &str| {
        let mut n = notification(id);
        n["tenantId"] = json!(sandbox.tenant_id());
        n["encryptedContent"] = sandbox
            .encrypted_content(&certificate, "sandbox-cert", &message(id))
            .unwrap();
        json!({"value": [n], "validationTokens": [sandbox.validation_token(&sandbox.client_id())]})
    };

    assert_eq!(post(&notifications, &body("one")).await, 202);
    match incoming.recv().await.unwrap() {
        Notification::Change(change) => assert_eq!(change.resource, Some(message("one"))),
        other => panic!("{other:?}"),
    }

    // The sandbox rotates its key (the old one leaves the JWKS): refetched, still delivered.
    sandbox.rotate_signing_key();
    assert_eq!(post(&notifications, &body("two")).await, 202);
    match incoming.recv().await.unwrap() {
        Notification::Change(change) => assert_eq!(change.resource, Some(message("two"))),
        other => panic!("{other:?}"),
    }

    // A token for another app is refused.
    let mut foreign = body("three");
    foreign["validationTokens"] =
        json!([sandbox.validation_token("44444444-4444-4444-4444-444444444444")]);
    refused(&notifications, &mut incoming, &foreign).await;
    assert_eq!(notifications.stats().delivered, 2);
}

#[tokio::test]
async fn every_tenant_needs_a_token_and_accepted_tenants_are_enforced() {
    let mut server = mockito::Server::new_async().await;
    let signer = Signer::fixture("key-1");
    let _mocks = authority(&mut server, &[&signer], 1).await;
    let (notifications, mut incoming) = receiver(&server);
    let token = signer.token(&claims(&server.url(), now()));

    // A second notification from another tenant, which no token vouches for.
    let mut other = rich_notification("b");
    other["tenantId"] = json!("00000000-0000-0000-0000-00000000000b");
    let body = json!({"value": [rich_notification("a"), other], "validationTokens": [token]});
    refused(&notifications, &mut incoming, &body).await;
    assert_eq!(notifications.stats().discarded, 2);

    // With accepted tenants configured, a valid token for any other tenant is refused.
    let (limited, mut limited_incoming) = Notifications::builder()
        .app_id(APP_ID)
        .tenant_id("00000000-0000-0000-0000-00000000000b")
        .authority(&server.url())
        .decryption_key(
            "testCertificateId",
            DecryptionKey::from_pkcs8_pem(KEY_PEM).unwrap(),
        )
        .build()
        .unwrap();
    limited.register(SUBSCRIPTION, CLIENT_STATE);
    let body = json!({"value": [rich_notification("a")], "validationTokens": [token]});
    refused(&limited, &mut limited_incoming, &body).await;
}
