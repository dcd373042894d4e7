//! The change-notification bodies Graph POSTs to a notificationUrl, checked against
//! openapi-fragments/schemas/changeNotification.yaml: the documented examples
//! (GRAPH-FACTS-2 §2.1, §3, §4.2) pass, a rich notification built from what the
//! sandbox produces (`encryptedContent`, `validationTokens`) passes, and malformed
//! bodies fail with a JSON path.

#[path = "support/openapi.rs"]
mod openapi;

use msgraph_outlook_sandbox::Sandbox;
use openapi::fragments;
use serde_json::{json, Value};

const COLLECTION: &str = "microsoft.graph.changeNotificationCollection";
const CERT_PEM: &str = include_str!("fixtures/notifications/cert.pem");

fn check(body: &Value) -> Result<(), Vec<String>> {
    fragments().validate_response_schema(COLLECTION, body)
}

/// Asserts `body` fails with a violation at `path_prefix` containing `needle`.
fn assert_fails(body: &Value, path_prefix: &str, needle: &str) {
    let errors = check(body).expect_err(&format!("expected a violation: {body:#}"));
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(path_prefix) && e.contains(needle)),
        "no violation at {path_prefix} containing {needle:?}: {errors:#?}"
    );
}

/// GRAPH-FACTS-2 §2.1: a change notification without resource data.
fn basic() -> Value {
    json!({ "value": [ {
        "id": "lsgTZMr9KwAAA",
        "subscriptionId": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
        "subscriptionExpirationDateTime": "2026-12-14T09:00:00.0000000Z",
        "clientState": "b9c1",
        "changeType": "created",
        "resource": "Users/622eaaff-0683-4862-9de4-f2ec83c2bd98/Messages/AAMkAGUwNjQ4ZjIxAAA=",
        "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
        "resourceData": {
            "@odata.type": "#Microsoft.Graph.Message",
            "@odata.id": "Users/622eaaff-0683-4862-9de4-f2ec83c2bd98/Messages/AAMkAGUwNjQ4ZjIxAAA=",
            "@odata.etag": "W/\"CQAAABYAAACQ2fKdhq8oSKEDSVrdi3lRAAGDUUXn\"",
            "id": "AAMkAGUwNjQ4ZjIxAAA="
        } } ] })
}

#[test]
fn documented_examples_conform() {
    assert_eq!(check(&basic()), Ok(()));
    // §3: a lifecycle notification has no changeType or resource.
    assert_eq!(
        check(&json!({ "value": [ {
            "subscriptionId": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
            "subscriptionExpirationDateTime": "2026-12-14T09:00:00.0000000Z",
            "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
            "clientState": "secret",
            "lifecycleEvent": "reauthorizationRequired" } ] })),
        Ok(())
    );
    // §4.2: a rich notification (the docs' placeholders replaced by base64).
    assert_eq!(
        check(&json!({ "value": [ {
            "subscriptionId": "dfd11b2f-8222-4189-9545-4205c95d6235",
            "subscriptionExpirationDateTime": "2026-12-08T09:00:00.0000000Z",
            "changeType": "created",
            "resource": "Users('722effaf-0433-4272-9ac4-d5ec11c3cd77')/messages('AAMkAGUwNjQ4ZjIxLTQ3Y2Y8AAA=')",
            "clientState": "secretClientValue",
            "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
            "resourceData": {
                "@odata.type": "#microsoft.graph.message",
                "@odata.id": "Users('722effaf-0433-4272-9ac4-d5ec11c3cd77')/messages('AAMkAGUwNjQ4ZjIxLTQ3Y2Y8AAA=')",
                "@odata.etag": "W/\"CQAAABYAAACQ2fKdhq8oSKEDSVrdi3lRAAGDUR8n\"",
                "id": "AAMkAGUwNjQ4ZjIxLTQ3Y2Y8AAA="
            },
            "encryptedContent": {
                "data": "c2VjcmV0", "dataKey": "a2V5", "dataSignature": "c2ln",
                "encryptionCertificateId": "testCertificateId",
                "encryptionCertificateThumbprint": "07293748CC064953A3052FB978C735FB89E61C3D"
            } } ],
          "validationTokens": ["eyJ0eXAiOiJKV1QiLCJhbGciOiJSU..."] })),
        Ok(())
    );
}

#[tokio::test]
async fn a_rich_notification_from_sandbox_parts_conforms() {
    let sb = Sandbox::start().await.unwrap();
    let certificate: String = CERT_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let resource = json!({
        "receivedDateTime@odata.type": "#DateTimeOffset",
        "receivedDateTime": "2026-12-07T09:00:00Z",
        "subject": "Hello"
    });
    let mut body = basic();
    body["value"][0]["encryptedContent"] = sb
        .encrypted_content(&certificate, "cert-1", &resource)
        .unwrap();
    body["value"][0]["tenantId"] = json!(sb.tenant_id());
    body["validationTokens"] = json!([sb.validation_token(&sb.client_id())]);
    assert_eq!(check(&body), Ok(()));
}

#[test]
fn malformed_bodies_fail_with_a_path() {
    let mut wrong_change = basic();
    wrong_change["value"][0]["changeType"] = json!("create");
    assert_fails(&wrong_change, "$.value[0].changeType", "create");

    let mut no_subscription = basic();
    no_subscription["value"][0]
        .as_object_mut()
        .unwrap()
        .remove("subscriptionId");
    assert_fails(&no_subscription, "$.value[0]", "subscriptionId");

    let mut neither = basic();
    let n = neither["value"][0].as_object_mut().unwrap();
    n.remove("changeType");
    n.remove("resource");
    assert_fails(&neither, "$.value[0]", "lifecycleEvent");

    let mut unknown_lifecycle = basic();
    unknown_lifecycle["value"][0]["lifecycleEvent"] = json!("expired");
    assert_fails(&unknown_lifecycle, "$.value[0].lifecycleEvent", "expired");

    let mut half_encrypted = basic();
    half_encrypted["value"][0]["encryptedContent"] = json!({
        "data": "c2VjcmV0", "dataKey": "a2V5",
        "encryptionCertificateId": "c", "encryptionCertificateThumbprint": "07293748CC064953A3052FB978C735FB89E61C3D"
    });
    assert_fails(
        &half_encrypted,
        "$.value[0].encryptedContent",
        "dataSignature",
    );

    let mut not_base64 = basic();
    not_base64["value"][0]["encryptedContent"] = json!({
        "data": "not base64!", "dataKey": "a2V5", "dataSignature": "c2ln",
        "encryptionCertificateId": "c", "encryptionCertificateThumbprint": "07293748CC064953A3052FB978C735FB89E61C3D"
    });
    assert_fails(&not_base64, "$.value[0].encryptedContent.data", "");

    let mut extra = basic();
    extra["value"][0]["resourceData"]["subject"] = json!("leaked");
    assert_fails(
        &extra,
        "$.value[0].resourceData.subject",
        "unknown property",
    );

    assert_fails(&json!({"value": []}), "$.value", "minItems");
}
