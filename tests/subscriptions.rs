//! `client.subscriptions()`: the exact requests on the wire (mockito, bodies checked against
//! openapi-fragments/), the expiration cap read from Graph's refusal, the typed failures of
//! GRAPH-FACTS-2 §1.6, paging of the list, and what is refused before sending.

mod common;

#[path = "support/sandbox_clients.rs"]
mod clients;
#[path = "support/raw_server.rs"]
mod raw_server;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use common::{
    client, client_with, expect_json, expect_no_request, graph_error, server, REQUEST_ID, TOKEN,
};
use mockito::{Matcher, ServerGuard};
use msgraph_outlook::api::{
    EncryptionCertificate, SubscriptionFailure, SubscriptionResource, Subscriptions,
    MAX_CLIENT_STATE_CHARS,
};
use msgraph_outlook::models::{ChangeType, MailboxRef, Subscription, TlsVersion, WellKnownFolder};
use msgraph_outlook::{Error, InvalidRequest};
use msgraph_outlook_sandbox::Sandbox;
use raw_server::{RawRequest, RawServer, Reply};
use serde_json::{json, Value};

const ADELE: &str = "622eaaff-0683-4862-9de4-f2ec83c2bd98";
const ID: &str = "5522bd62-7c96-4530-85b0-00b916f6151a";
const HOOK: &str = "https://hooks.contoso.com/graph/notify?tenant=contoso";
const INBOX: &str = "users/622eaaff-0683-4862-9de4-f2ec83c2bd98/mailFolders('inbox')/messages";

/// The tests' "now": expirations are computed from it.
fn now() -> DateTime<Utc> {
    "2026-12-07T09:00:00Z".parse().unwrap()
}

fn subscriptions(server: &ServerGuard) -> Subscriptions {
    client(server).subscriptions().with_clock(now)
}

fn inbox() -> SubscriptionResource {
    SubscriptionResource::folder_messages(&MailboxRef::User(ADELE.into()), WellKnownFolder::Inbox)
}

/// A subscription as Graph answers it (the Outlook overview's example shape).
fn answer(
    resource: &str,
    change_type: &str,
    expiration: &str,
    client_state: Option<&str>,
) -> Value {
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
        "id": ID,
        "resource": resource,
        "applicationId": "507c3b9a-67b8-463d-88a2-15a8cefb2111",
        "changeType": change_type,
        "clientState": client_state,
        "notificationUrl": HOOK,
        "lifecycleNotificationUrl": null,
        "expirationDateTime": expiration,
        "creatorId": "a4c7bd34-4f3b-46b7-a25d-b63c1e2a2842",
        "includeResourceData": null,
        "latestSupportedTlsVersion": "v1_2",
        "encryptionCertificate": null,
        "encryptionCertificateId": null,
        "notificationUrlAppId": null
    })
}

fn error_body(code: &str, message: &str) -> String {
    graph_error(code, message).to_string()
}

/// Graph's refusal of an expiration beyond its maximum (GRAPH-FACTS-2 §1.3).
fn too_far(max_minutes: u32) -> String {
    error_body(
        "ExtensionError",
        &format!("Subscription expiration can only be {max_minutes} minutes in the future."),
    )
}

/// `POST /subscriptions` of the Inbox for `created`, expiring at `expiration`; add the answer.
fn post_inbox(server: &mut ServerGuard, expiration: &str) -> mockito::Mock {
    expect_json(
        server,
        "POST",
        "/subscriptions",
        json!({"changeType": "created", "notificationUrl": HOOK, "resource": INBOX,
               "expirationDateTime": expiration}),
    )
}

/// A `POST /subscriptions` of the Inbox expiring at `expiration`, refused with Graph's maximum.
async fn inbox_refused(
    server: &mut ServerGuard,
    expiration: &str,
    max_minutes: u32,
) -> mockito::Mock {
    post_inbox(server, expiration)
        .with_status(400)
        .with_body(too_far(max_minutes))
        .create_async()
        .await
}

/// `PATCH {path}` of the expiration alone; add the answer.
fn patch_expiration(server: &mut ServerGuard, path: &str, expiration: &str) -> mockito::Mock {
    expect_json(
        server,
        "PATCH",
        path,
        json!({"expirationDateTime": expiration}),
    )
}

/// A `PATCH` of the expiration to `expiration` that Graph accepts as asked.
async fn patch_accepted(server: &mut ServerGuard, path: &str, expiration: &str) -> mockito::Mock {
    patch_expiration(server, path, expiration)
        .with_status(200)
        .with_body(answer(INBOX, "created", expiration, None).to_string())
        .create_async()
        .await
}

#[tokio::test]
async fn create_posts_the_documented_body_with_the_longest_documented_expiration() {
    let mut server = server().await;
    // Default: 10,080 minutes minus the 5-minute margin, to the second.
    let mock = expect_json(
        &mut server,
        "POST",
        "/subscriptions",
        json!({
            "changeType": "created",
            "notificationUrl": HOOK,
            "resource": INBOX,
            "expirationDateTime": "2026-12-14T08:55:00Z",
        }),
    )
    .with_status(201)
    .with_header("content-type", "application/json")
    .with_body(answer(INBOX, "created", "2026-12-14T08:55:00Z", None).to_string())
    .create_async()
    .await;
    let created = subscriptions(&server)
        .create(inbox(), HOOK)
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(created.id.as_deref(), Some(ID));
    assert_eq!(created.resource.as_deref(), Some(INBOX));
    assert_eq!(created.change_types(), vec![ChangeType::Created]);
    assert_eq!(
        created.expiration_date_time,
        Some("2026-12-14T08:55:00Z".parse().unwrap())
    );
    assert_eq!(
        created.latest_supported_tls_version.as_deref(),
        Some("v1_2")
    );
}

#[tokio::test]
async fn create_sends_every_option_and_an_earlier_expiration_as_given() {
    let mut server = server().await;
    let resource = SubscriptionResource::events(&MailboxRef::Me).filter("isOnlineMeeting eq true");
    let mock = expect_json(
        &mut server,
        "POST",
        "/subscriptions",
        json!({
            "changeType": "created,updated,deleted",
            "notificationUrl": HOOK,
            "lifecycleNotificationUrl": "https://hooks.contoso.com/graph/lifecycle",
            "resource": "me/events?$filter=isOnlineMeeting eq true",
            "expirationDateTime": "2026-12-09T09:00:00Z",
            "clientState": "s3cr3t-client-state",
            "latestSupportedTlsVersion": "v1_3",
        }),
    )
    .with_status(201)
    .with_body(
        answer(
            "me/events",
            "created,updated,deleted",
            "2026-12-09T09:00:00Z",
            Some("s3cr3t-client-state"),
        )
        .to_string(),
    )
    .create_async()
    .await;
    let created = subscriptions(&server)
        .create(resource, HOOK)
        .change_types([
            ChangeType::Created,
            ChangeType::Updated,
            ChangeType::Deleted,
            ChangeType::Created,
        ])
        .lifecycle_notification_url("https://hooks.contoso.com/graph/lifecycle")
        .client_state("s3cr3t-client-state")
        // Sub-second parts are dropped: Graph is sent whole seconds.
        .expiration(now() + Duration::days(2) + Duration::milliseconds(750))
        .latest_supported_tls_version(TlsVersion::V1_3)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(
        created.change_types(),
        vec![
            ChangeType::Created,
            ChangeType::Updated,
            ChangeType::Deleted
        ]
    );
    // The secret never shows in Debug output, neither on the request nor on the answer.
    assert!(!format!("{created:?}").contains("s3cr3t"), "{created:?}");
    assert!(format!("{created:?}").contains("<redacted>"));
    let builder = subscriptions(&server)
        .create(inbox(), HOOK)
        .client_state("s3cr3t-client-state");
    assert!(!format!("{builder:?}").contains("s3cr3t"), "{builder:?}");
}

#[tokio::test]
async fn rich_notifications_send_the_certificate_as_base64_der_and_cap_at_1440_minutes() {
    let mut server = server().await;
    let pem = include_str!("fixtures/notifications/cert.pem");
    let certificate = EncryptionCertificate::from_pem("key-2026-12", pem).unwrap();
    // The fixture's base64 lines, joined: the DER without armour.
    let der_base64: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let mock = expect_json(
        &mut server,
        "POST",
        "/subscriptions",
        json!({
            "changeType": "created",
            "notificationUrl": HOOK,
            "resource": "users/622eaaff-0683-4862-9de4-f2ec83c2bd98/messages?$select=subject,from,receivedDateTime",
            // Asked for 3 days: capped at 1,440 minutes minus the margin.
            "expirationDateTime": "2026-12-08T08:55:00Z",
            "includeResourceData": true,
            "encryptionCertificate": der_base64,
            "encryptionCertificateId": "key-2026-12",
        }),
    )
    .with_status(201)
    .with_body(answer("users/x/messages", "created", "2026-12-08T08:55:00Z", None).to_string())
    .create_async()
    .await;
    let resource = SubscriptionResource::messages(&MailboxRef::User(ADELE.into())).select([
        "subject",
        "from",
        "receivedDateTime",
    ]);
    subscriptions(&server)
        .create(resource, HOOK)
        .include_resource_data(&certificate)
        .expiration(now() + Duration::days(3))
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn graphs_stated_maximum_is_obeyed_with_one_more_request() {
    let mut server = server().await;
    let refused = inbox_refused(&mut server, "2026-12-14T08:55:00Z", 4230).await;
    // 4,230 minutes minus the margin from now: 2026-12-10T07:25:00Z.
    let accepted = post_inbox(&mut server, "2026-12-10T07:25:00Z")
        .with_status(201)
        .with_body(answer(INBOX, "created", "2026-12-10T07:25:00Z", None).to_string())
        .create_async()
        .await;
    let created = subscriptions(&server).create(inbox(), HOOK).await.unwrap();
    refused.assert_async().await;
    accepted.assert_async().await;
    assert_eq!(
        created.expiration_date_time,
        Some("2026-12-10T07:25:00Z".parse().unwrap())
    );
}

#[tokio::test]
async fn the_stated_maximum_is_retried_once_only() {
    let mut server = server().await;
    let first = inbox_refused(&mut server, "2026-12-14T08:55:00Z", 4230).await;
    let second = inbox_refused(&mut server, "2026-12-10T07:25:00Z", 60).await;
    let err = subscriptions(&server)
        .create(inbox(), HOOK)
        .await
        .unwrap_err();
    first.assert_async().await;
    second.assert_async().await;
    // A third request would have met no mock (mockito's 501): the error is the second refusal.
    assert_eq!(
        err.subscription_failure(),
        Some(SubscriptionFailure::ExpirationTooFar { max_minutes: 60 })
    );
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.graph_code(), Some("ExtensionError"));
    assert_eq!(err.request_id(), Some(REQUEST_ID));
}

#[tokio::test]
async fn a_stated_maximum_later_than_the_request_is_not_retried() {
    // Graph refuses for another reason but quotes a maximum beyond what was asked: retrying
    // with it could not help.
    let mut server = server().await;
    let only = inbox_refused(&mut server, "2026-12-07T10:00:00Z", 4230).await;
    let err = subscriptions(&server)
        .create(inbox(), HOOK)
        .expiration(now() + Duration::hours(1))
        .await
        .unwrap_err();
    only.assert_async().await;
    assert_eq!(
        err.subscription_failure(),
        Some(SubscriptionFailure::ExpirationTooFar { max_minutes: 4230 })
    );
}

#[tokio::test]
async fn renew_patches_the_expiration_and_obeys_graphs_maximum_too() {
    let mut server = server().await;
    let path = format!("/subscriptions/{ID}");
    let plain = patch_accepted(&mut server, &path, "2026-12-09T09:00:00Z").await;
    let renewed = subscriptions(&server)
        .renew(ID, now() + Duration::days(2))
        .await
        .unwrap();
    plain.assert_async().await;
    assert_eq!(
        renewed.expiration_date_time,
        Some("2026-12-09T09:00:00Z".parse().unwrap())
    );

    // A month is capped at the documented maximum; a rich subscription's refusal states
    // 1,440 minutes, and the renewal is sent once more with that.
    let capped = patch_expiration(&mut server, &path, "2026-12-14T08:55:00Z")
        .with_status(400)
        .with_body(too_far(1440))
        .create_async()
        .await;
    let rich = patch_accepted(&mut server, &path, "2026-12-08T08:55:00Z").await;
    let renewed = subscriptions(&server)
        .renew(ID, now() + Duration::days(30))
        .await
        .unwrap();
    capped.assert_async().await;
    rich.assert_async().await;
    assert_eq!(
        renewed.expiration_date_time,
        Some("2026-12-08T08:55:00Z".parse().unwrap())
    );
}

/// A bodiless request ([`common::expect_bare`]) answered `status`, with `body` as JSON if any.
async fn expect_bare_answered(
    server: &mut ServerGuard,
    method: &str,
    path: &str,
    status: usize,
    body: Option<Value>,
) -> mockito::Mock {
    let mut mock = common::expect_bare(server, method, path).with_status(status);
    if method == "POST" {
        // Graph answers 411 to a POST without a length.
        mock = mock.match_header("content-length", "0");
    }
    if let Some(body) = body {
        mock = mock
            .with_header("content-type", "application/json")
            .with_body(body.to_string());
    }
    mock.create_async().await
}

#[tokio::test]
async fn get_delete_and_reauthorize_are_the_documented_calls() {
    let mut server = server().await;
    let path = format!("/subscriptions/{ID}");
    let get = expect_bare_answered(
        &mut server,
        "GET",
        &path,
        200,
        Some(answer(INBOX, "created", "2026-12-09T09:00:00Z", Some("s"))),
    )
    .await;
    let reauthorize = expect_bare_answered(
        &mut server,
        "POST",
        &format!("{path}/reauthorize"),
        204,
        None,
    )
    .await;
    let delete = expect_bare_answered(&mut server, "DELETE", &path, 204, None).await;

    let subscriptions = subscriptions(&server);
    let got = subscriptions.get(ID).await.unwrap();
    assert_eq!(got.id.as_deref(), Some(ID));
    assert_eq!(got.client_state.as_deref(), Some("s"));
    subscriptions.reauthorize(ID).await.unwrap();
    subscriptions.delete(ID).await.unwrap();
    get.assert_async().await;
    reauthorize.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn a_removed_subscription_is_not_found() {
    let mut server = server().await;
    let mock = server
        .mock("PATCH", format!("/v1.0/subscriptions/{ID}").as_str())
        .with_status(404)
        .with_body(error_body("ResourceNotFound", "The object was not found."))
        .expect(1)
        .create_async()
        .await;
    let err = subscriptions(&server)
        .renew(ID, now() + Duration::days(1))
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.subscription_failure(), None);
}

#[tokio::test]
async fn list_follows_next_links_and_find_matches_resource_and_change_types() {
    let mut server = server().await;
    let listed = |id: &str, resource: &str, change_type: &str| {
        let mut value = answer(resource, change_type, "2026-12-09T09:00:00Z", None);
        value.as_object_mut().unwrap().remove("@odata.context");
        value["id"] = json!(id);
        value
    };
    let next = format!("{}/v1.0/subscriptions?$skiptoken=page2", server.url());
    let page1 = server
        .mock("GET", "/v1.0/subscriptions")
        .match_query(Matcher::Missing)
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(200)
        .with_body(
            json!({
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions",
                "@odata.nextLink": next,
                "value": [listed("a", "me/events", "created"), listed("b", INBOX, "created,updated")]
            })
            .to_string(),
        )
        .expect(2)
        .create_async()
        .await;
    let page2 = server
        .mock("GET", "/v1.0/subscriptions")
        .match_query(Matcher::UrlEncoded("$skiptoken".into(), "page2".into()))
        .with_status(200)
        .with_body(json!({"value": [listed("c", &INBOX.to_uppercase(), "created")]}).to_string())
        .expect(2)
        .create_async()
        .await;

    let subscriptions = subscriptions(&server);
    let all = subscriptions.list().await.unwrap();
    let ids: Vec<_> = all.iter().map(|s| s.id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert!(all.iter().all(|s| s.client_state.is_none()));

    // "b" watches the inbox for created *and* updated: not the same subscription; "c" is,
    // though Graph echoed its resource in other casing.
    let found = subscriptions
        .find(&inbox(), &[ChangeType::Created])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id.as_deref(), Some("c"));
    page1.assert_async().await;
    page2.assert_async().await;
}

#[tokio::test]
async fn each_documented_refusal_is_typed_and_keeps_graphs_details() {
    use SubscriptionFailure::*;
    let cases: [(usize, &str, &str, Option<SubscriptionFailure>); 9] = [
        (400, "InvalidRequest", "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.", Some(ValidationFailed)),
        (400, "ValidationError", "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.", Some(ValidationFailed)),
        (400, "InvalidRequest", "Subscription validation request timed out.", Some(ValidationTimedOut)),
        (400, "InvalidRequest", "Subscription validation request failed. Response must exactly match validationToken query parameter.", Some(ValidationMismatch)),
        (400, "InvalidRequest", "Could not process subscription creation payload. Are all property names spelled and camelCased properly? Also are the dateTimeOffest properties in a valid internet date-time format?", Some(InvalidPayload)),
        (403, "ExtensionError", "Operation: Create; Exception: [Status Code: Forbidden; Reason: Access is denied. Check credentials and try again.]", Some(AccessDenied)),
        // Not the mailbox-access refusal of other calls: subscriptions want a read scope.
        (403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", Some(AccessDenied)),
        (409, "Conflict", "Subscription Id 5522bd62-7c96-4530-85b0-00b916f6151a already exists for the requested combination", Some(Duplicate)),
        (503, "ServiceUnavailable", "Mailbox info is stale.", Some(MailboxInfoStale)),
    ];
    for (status, code, message, expected) in cases {
        let mut server = server().await;
        // A 503 is retried like any 503 (5 attempts by default) before it is reported.
        let attempts = if status == 503 { 5 } else { 1 };
        let mock = server
            .mock("POST", "/v1.0/subscriptions")
            .with_status(status)
            .with_header("request-id", REQUEST_ID)
            .with_body(error_body(code, message))
            .expect(attempts)
            .create_async()
            .await;
        let err = client_with(&server, |b| b)
            .subscriptions()
            .with_clock(now)
            .create(inbox(), HOOK)
            .send()
            .await
            .unwrap_err();
        mock.assert_async().await;
        assert_eq!(err.subscription_failure(), expected, "{status} {message}");
        assert!(matches!(err, Error::Graph(_)), "{err:?}");
        assert_eq!(err.status(), Some(status as u16));
        assert_eq!(err.graph_code(), Some(code));
        assert_eq!(err.graph_error().unwrap().message, message);
        assert_eq!(err.request_id(), Some(REQUEST_ID));
        assert!(err.client_request_id().is_some());
    }
}

#[tokio::test]
async fn what_graph_would_refuse_is_refused_before_sending() {
    let mut server = server().await;
    let nothing = expect_no_request(&mut server).await;
    let subscriptions = subscriptions(&server);
    let too_long = "x".repeat(MAX_CLIENT_STATE_CHARS + 1);
    let attempts = [
        subscriptions.create(inbox(), "http://hooks.contoso.com/notify?key=hidden"),
        subscriptions.create(inbox(), "ftp://hooks.contoso.com/notify"),
        subscriptions.create(inbox(), "/relative/notify"),
        subscriptions
            .create(inbox(), HOOK)
            .lifecycle_notification_url("http://hooks.contoso.com/lifecycle?key=hidden"),
        subscriptions
            .create(inbox(), HOOK)
            .client_state(too_long.clone()),
        subscriptions.create(inbox(), HOOK).change_types([]),
        subscriptions.create(
            SubscriptionResource::messages(&MailboxRef::Me).select(["subject", "body"]),
            HOOK,
        ),
        subscriptions.create(
            SubscriptionResource::messages(&MailboxRef::Me).select(["uniqueBody"]),
            HOOK,
        ),
        subscriptions.create(
            SubscriptionResource::events(&MailboxRef::User(String::new())),
            HOOK,
        ),
    ];
    for attempt in attempts {
        let err = attempt.send().await.unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                err,
                Error::InvalidRequest(InvalidRequest::InvalidValue { .. })
            ),
            "{err:?}"
        );
        // Neither a URL's query (it may hold a key) nor the client state is quoted.
        assert!(
            !text.contains("hidden") && !text.contains(&too_long),
            "{text}"
        );
    }
    // Ids that are empty never reach the wire either.
    for err in [
        subscriptions.get("").await.unwrap_err(),
        subscriptions.delete("").await.unwrap_err(),
        subscriptions.reauthorize("").await.unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    }
    nothing.assert_async().await;
}

#[tokio::test]
async fn http_is_accepted_for_this_machine_and_immutable_ids_reach_the_create() {
    let mut server = server().await;
    let mock = server
        .mock("POST", "/v1.0/subscriptions")
        // The client-wide preference travels with POST /subscriptions (GRAPH-FACTS §7).
        .match_header("prefer", r#"IdType="ImmutableId""#)
        .match_body(Matcher::Json(json!({
            "changeType": "created",
            "notificationUrl": "http://127.0.0.1:8080/notify",
            "resource": "me/messages",
            "expirationDateTime": "2026-12-14T08:55:00Z",
        })))
        .with_status(201)
        .with_body(answer("me/messages", "created", "2026-12-14T08:55:00Z", None).to_string())
        .expect(1)
        .create_async()
        .await;
    client_with(&server, |b| b.immutable_ids())
        .subscriptions()
        .with_clock(now)
        .create(
            SubscriptionResource::messages(&MailboxRef::Me),
            "http://127.0.0.1:8080/notify",
        )
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
}

#[test]
fn a_subscription_round_trips_and_keeps_its_client_state_out_of_debug() {
    let value = answer(
        INBOX,
        "created,deleted",
        "2026-12-09T09:00:00Z",
        Some("very-secret"),
    );
    let subscription: Subscription = serde_json::from_value(value).unwrap();
    assert_eq!(subscription.client_state.as_deref(), Some("very-secret"));
    assert!(!format!("{subscription:?}").contains("very-secret"));
    let back = serde_json::to_value(&subscription).unwrap();
    assert_eq!(back["clientState"], "very-secret");
    assert_eq!(back["changeType"], "created,deleted");
    assert_eq!(back["expirationDateTime"], "2026-12-09T09:00:00Z");
}

// ------------------------------------------------------------------------------------------
// Against the sandbox: the real validation handshake to a webhook on 127.0.0.1, and every
// call with its state read back.
// ------------------------------------------------------------------------------------------

/// The sandbox's clock for expirations (it may run apart from the system's).
fn on_sandbox_clock(sandbox: &Sandbox, client: &msgraph_outlook::GraphClient) -> Subscriptions {
    let offset = sandbox.now() - Utc::now();
    client
        .subscriptions()
        .with_clock(move || Utc::now() + offset)
}

/// The decoded `validationToken` of a request, if it is a validation request.
fn validation_token(request: &RawRequest) -> Option<String> {
    let (_, query) = request.target.split_once('?')?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "validationToken")
        .map(|(_, token)| token.into_owned())
}

/// How a webhook answers a validation request, given the decoded token.
type Validation = fn(String) -> Reply;

/// A webhook that answers validation requests with `answer(token)` and notifications 202.
async fn webhook(answer: Validation) -> RawServer {
    RawServer::start(move |request: RawRequest| {
        let reply = match validation_token(&request) {
            Some(token) => answer(token),
            None => Reply::status(202),
        };
        std::future::ready(reply)
    })
    .await
}

/// As Graph asks: 200, `text/plain`, the decoded token.
fn echo(token: String) -> Reply {
    Reply::Status(
        200,
        vec![("content-type".into(), "text/plain".into())],
        token.into_bytes(),
    )
}

#[tokio::test]
async fn sandbox_create_get_list_renew_reauthorize_delete() {
    let sandbox = Sandbox::start().await.unwrap();
    let adele = sandbox.add_user("adele@contoso.com");
    let client = clients::app(&sandbox);
    let subscriptions = on_sandbox_clock(&sandbox, &client);
    let hook = webhook(echo).await;
    let notify = format!("{}/notify?tenant=contoso", hook.url);
    let lifecycle = format!("{}/lifecycle", hook.url);
    let resource = SubscriptionResource::folder_messages(
        &MailboxRef::User(adele.clone()),
        WellKnownFolder::Inbox,
    );

    let earliest = subscriptions.latest_expiration(false);
    let created = subscriptions
        .create(resource.clone(), &notify)
        .change_types([ChangeType::Created, ChangeType::Updated])
        .lifecycle_notification_url(&lifecycle)
        .client_state("sandbox-secret")
        .send()
        .await
        .unwrap();
    let latest = subscriptions.latest_expiration(false);
    let id = created.id.clone().unwrap();
    assert_eq!(created.resource.as_deref(), Some(resource.as_str()));
    assert_eq!(
        created.change_types(),
        [ChangeType::Created, ChangeType::Updated]
    );
    assert_eq!(created.notification_url.as_deref(), Some(notify.as_str()));
    assert_eq!(
        created.lifecycle_notification_url.as_deref(),
        Some(lifecycle.as_str())
    );
    assert_eq!(created.client_state.as_deref(), Some("sandbox-secret"));
    let expiration = created.expiration_date_time.unwrap();
    assert!(
        earliest <= expiration && expiration <= latest,
        "{expiration}"
    );

    // Graph validated both URLs before it answered: a POST with the token to each, the
    // notification URL's own query kept.
    let handshakes: Vec<RawRequest> = hook
        .requests()
        .into_iter()
        .filter(|r| validation_token(r).is_some())
        .collect();
    assert_eq!(handshakes.len(), 2, "{handshakes:?}");
    assert!(handshakes.iter().all(|r| r.method == "POST"));
    assert!(handshakes
        .iter()
        .any(|r| r.target.starts_with("/notify?") && r.target.contains("tenant=contoso")));
    assert!(handshakes
        .iter()
        .any(|r| r.target.starts_with("/lifecycle?")));

    let got = subscriptions.get(&id).await.unwrap();
    assert_eq!(
        (got.id.as_deref(), got.expiration_date_time),
        (Some(id.as_str()), Some(expiration))
    );
    let listed = subscriptions.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_deref(), Some(id.as_str()));
    assert_eq!(
        listed[0].client_state, None,
        "Graph leaves clientState out of lists"
    );

    // The same resource and change types again: 409, and find() gives the existing one.
    let duplicate = subscriptions
        .create(resource.clone(), &notify)
        .change_types([ChangeType::Updated, ChangeType::Created])
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        duplicate.subscription_failure(),
        Some(SubscriptionFailure::Duplicate),
        "{duplicate:?}"
    );
    let found = subscriptions
        .find(&resource, &[ChangeType::Updated, ChangeType::Created])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id.as_deref(), Some(id.as_str()));

    let until = (sandbox.now() + Duration::days(2)).trunc_subsecs(0);
    let renewed = subscriptions.renew(&id, until).await.unwrap();
    assert_eq!(renewed.expiration_date_time, Some(until));
    assert_eq!(
        subscriptions.get(&id).await.unwrap().expiration_date_time,
        Some(until)
    );

    subscriptions.reauthorize(&id).await.unwrap();

    subscriptions.delete(&id).await.unwrap();
    assert!(subscriptions.get(&id).await.unwrap_err().is_not_found());
    assert!(subscriptions.list().await.unwrap().is_empty());
    assert!(subscriptions
        .renew(&id, until)
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn sandbox_refusals_of_the_handshake_are_typed() {
    let sandbox = Sandbox::start().await.unwrap();
    let adele = sandbox.add_user("adele@contoso.com");
    let subscriptions = on_sandbox_clock(&sandbox, &clients::app(&sandbox));
    let resource = SubscriptionResource::messages(&MailboxRef::User(adele));
    let cases: [(Validation, SubscriptionFailure); 3] = [
        (
            |_| Reply::status(500),
            SubscriptionFailure::ValidationFailed,
        ),
        // Still encoded, or anything else than the token: no match.
        (
            |token| echo(format!("{token}x")),
            SubscriptionFailure::ValidationMismatch,
        ),
        (
            |token| {
                Reply::Status(
                    200,
                    vec![("content-type".into(), "text/html".into())],
                    token.into_bytes(),
                )
            },
            SubscriptionFailure::ValidationMismatch,
        ),
    ];
    for (answer, expected) in cases {
        let hook = webhook(answer).await;
        let err = subscriptions
            .create(resource.clone(), format!("{}/notify", hook.url))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.subscription_failure(), Some(expected), "{err:?}");
        assert_eq!(err.status(), Some(400));
    }
    assert!(
        subscriptions.list().await.unwrap().is_empty(),
        "nothing was created"
    );
}

#[tokio::test]
async fn sandbox_a_webhook_that_does_not_answer_in_time_is_validation_timed_out() {
    let sandbox = Sandbox::start().await.unwrap();
    let adele = sandbox.add_user("adele@contoso.com");
    // Graph waits 10 s; the sandbox is told to wait 300 ms so the test stays short.
    sandbox.set_validation_timeout(std::time::Duration::from_millis(300));
    let silent = RawServer::start(|_request: RawRequest| std::future::pending::<Reply>()).await;
    let err = on_sandbox_clock(&sandbox, &clients::app(&sandbox))
        .create(
            SubscriptionResource::events(&MailboxRef::User(adele)),
            format!("{}/notify", silent.url),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.subscription_failure(),
        Some(SubscriptionFailure::ValidationTimedOut),
        "{err:?}"
    );
    assert!(sandbox.subscriptions().is_empty());
}

#[tokio::test]
async fn sandbox_a_lower_ceiling_is_read_from_the_refusal_on_create_and_renew() {
    let sandbox = Sandbox::start().await.unwrap();
    let adele = sandbox.add_user("adele@contoso.com");
    // What live Graph has answered in place of its documented 10,080 minutes.
    sandbox.set_subscription_max_minutes(4230);
    let subscriptions = on_sandbox_clock(&sandbox, &clients::app(&sandbox));
    let hook = webhook(echo).await;
    let resource = SubscriptionResource::messages(&MailboxRef::User(adele));

    let before = (sandbox.now() + Duration::minutes(4230 - 5)).trunc_subsecs(0);
    let created = subscriptions
        .create(resource, format!("{}/notify", hook.url))
        .send()
        .await
        .unwrap();
    let after = (sandbox.now() + Duration::minutes(4230 - 5)).trunc_subsecs(0);
    let expiration = created.expiration_date_time.unwrap();
    assert!(before <= expiration && expiration <= after, "{expiration}");

    // Renewing for a week meets the same ceiling, and is sent again with it.
    let id = created.id.unwrap();
    sandbox.set_subscription_max_minutes(1000);
    let before = (sandbox.now() + Duration::minutes(1000 - 5)).trunc_subsecs(0);
    let renewed = subscriptions
        .renew(&id, sandbox.now() + Duration::days(7))
        .await
        .unwrap();
    let after = (sandbox.now() + Duration::minutes(1000 - 5)).trunc_subsecs(0);
    let expiration = renewed.expiration_date_time.unwrap();
    assert!(before <= expiration && expiration <= after, "{expiration}");
    let stored = &sandbox.subscriptions()[0];
    assert_eq!(
        stored["expirationDateTime"]
            .as_str()
            .map(|t| t.parse::<DateTime<Utc>>().unwrap()),
        Some(expiration)
    );
}

#[tokio::test]
async fn sandbox_permissions_decide_and_a_refusal_is_access_denied() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user("adele@contoso.com");
    let alex = sandbox.add_user("alex@contoso.com");
    let hook = webhook(echo).await;
    let url = format!("{}/notify", hook.url);
    let signed_in = |scopes: &[&str]| {
        let token = sandbox.delegated_token_with_scopes("adele@contoso.com", scopes);
        let client = msgraph_outlook::GraphClient::builder()
            .cloud(clients::cloud(&sandbox))
            .token_provider(msgraph_outlook::auth::StaticToken::delegated(token))
            .build()
            .unwrap();
        on_sandbox_clock(&sandbox, &client)
    };
    let mine = SubscriptionResource::messages(&MailboxRef::Me);

    // No mail permission at all; then a .Shared scope on someone else's mailbox, which
    // subscriptions do not support.
    let refusals = [
        signed_in(&["Calendars.Read"])
            .create(mine.clone(), &url)
            .send()
            .await,
        signed_in(&["Mail.Read", "Mail.Read.Shared"])
            .create(
                SubscriptionResource::messages(&MailboxRef::User(alex)),
                &url,
            )
            .send()
            .await,
    ];
    for refused in refusals {
        let err = refused.unwrap_err();
        assert_eq!(err.status(), Some(403), "{err:?}");
        assert_eq!(
            err.subscription_failure(),
            Some(SubscriptionFailure::AccessDenied)
        );
        assert!(
            !err.is_access_denied(),
            "not the mailbox-access advice: {err}"
        );
    }
    assert!(sandbox.subscriptions().is_empty());

    // The read scope is enough for the signed-in user's own mailbox.
    let created = signed_in(&["Mail.ReadBasic"])
        .create(mine, &url)
        .send()
        .await
        .unwrap();
    assert_eq!(created.resource.as_deref(), Some("me/messages"));
    assert_eq!(sandbox.subscriptions().len(), 1);
}

#[tokio::test]
async fn update_sends_only_what_changes_and_rotates_the_certificate() {
    let mut server = server().await;
    let path = format!("/subscriptions/{ID}");
    let certificate = EncryptionCertificate::from_pem(
        "key-2027-01",
        include_str!("fixtures/notifications/cert.pem"),
    )
    .unwrap();
    let mock = expect_json(
        &mut server,
        "PATCH",
        &path,
        json!({
            // A certificate in the same update: the rich maximum applies.
            "expirationDateTime": "2026-12-08T08:55:00Z",
            "notificationUrl": "https://hooks2.contoso.com/graph/notify",
            "encryptionCertificate": certificate.base64_der(),
            "encryptionCertificateId": "key-2027-01",
        }),
    )
    .with_status(200)
    .with_body(answer(INBOX, "created", "2026-12-08T08:55:00Z", None).to_string())
    .create_async()
    .await;
    let url_only = expect_json(
        &mut server,
        "PATCH",
        &path,
        json!({"notificationUrl": "https://hooks3.contoso.com/graph/notify"}),
    )
    .with_status(200)
    .with_body(answer(INBOX, "created", "2026-12-08T08:55:00Z", None).to_string())
    .create_async()
    .await;
    let subscriptions = subscriptions(&server);
    subscriptions
        .update(ID)
        .expiration(now() + Duration::days(7))
        .notification_url("https://hooks2.contoso.com/graph/notify")
        .encryption_certificate(&certificate)
        .await
        .unwrap();
    subscriptions
        .update(ID)
        .notification_url("https://hooks3.contoso.com/graph/notify")
        .await
        .unwrap();
    mock.assert_async().await;
    url_only.assert_async().await;

    // Nothing to change, or a plain-http URL elsewhere: refused, nothing sent.
    let mut quiet = common::server().await;
    let nothing = expect_no_request(&mut quiet).await;
    let subscriptions = self::subscriptions(&quiet);
    for err in [
        subscriptions.update(ID).send().await.unwrap_err(),
        subscriptions
            .update(ID)
            .notification_url("http://hooks.contoso.com/notify")
            .send()
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    }
    nothing.assert_async().await;
}

#[tokio::test]
async fn sandbox_update_moves_the_url_after_a_handshake_and_rotates_the_certificate() {
    let sandbox = Sandbox::start().await.unwrap();
    let adele = sandbox.add_user("adele@contoso.com");
    let subscriptions = on_sandbox_clock(&sandbox, &clients::app(&sandbox));
    let (first, second) = (webhook(echo).await, webhook(echo).await);
    let pem = include_str!("fixtures/notifications/cert.pem");
    let old_key = EncryptionCertificate::from_pem("key-2026-12", pem).unwrap();
    let new_key = EncryptionCertificate::from_pem("key-2027-01", pem).unwrap();
    let created = subscriptions
        .create(
            SubscriptionResource::messages(&MailboxRef::User(adele)).select(["subject"]),
            format!("{}/notify", first.url),
        )
        .include_resource_data(&old_key)
        .send()
        .await
        .unwrap();
    let id = created.id.unwrap();
    assert_eq!(created.include_resource_data, Some(true));
    assert_eq!(
        created.encryption_certificate_id.as_deref(),
        Some("key-2026-12")
    );

    let new_url = format!("{}/graph/notify", second.url);
    subscriptions
        .update(&id)
        .notification_url(&new_url)
        .encryption_certificate(&new_key)
        .send()
        .await
        .unwrap();
    // The new URL was validated before the change was made.
    assert!(second.requests().iter().any(|r| r.method == "POST"
        && r.target.starts_with("/graph/notify?")
        && validation_token(r).is_some()));
    let stored = subscriptions.get(&id).await.unwrap();
    assert_eq!(stored.notification_url.as_deref(), Some(new_url.as_str()));
    assert_eq!(
        stored.encryption_certificate_id.as_deref(),
        Some("key-2027-01")
    );
}

#[tokio::test]
async fn sandbox_accepts_a_upn_and_a_filter_in_the_resource() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user("adele@contoso.com");
    let subscriptions = on_sandbox_clock(&sandbox, &clients::app(&sandbox));
    let hook = webhook(echo).await;
    let resource = SubscriptionResource::folder_messages(
        &MailboxRef::User("adele@contoso.com".into()),
        WellKnownFolder::Inbox,
    )
    .filter("isRead eq false");
    assert_eq!(
        resource.as_str(),
        "users/adele@contoso.com/mailFolders('inbox')/messages?$filter=isRead eq false"
    );
    let created = subscriptions
        .create(resource.clone(), format!("{}/notify", hook.url))
        .change_types([ChangeType::Created, ChangeType::Deleted])
        .send()
        .await
        .unwrap();
    assert_eq!(created.resource.as_deref(), Some(resource.as_str()));
    assert_eq!(
        sandbox.subscriptions()[0]["resource"].as_str(),
        Some(resource.as_str())
    );
}
