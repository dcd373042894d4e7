//! End-to-end workflows over real HTTP against an in-process `msgraph-outlook-sandbox`.
//!
//! These check what a user would see (Inbox, Sent Items, attachments) and the exact request
//! on the wire; the client's unit tests cover the pieces in isolation.

use std::time::Duration;

use base64::Engine as _;
use msgraph_outlook::auth::{ClientCredentials, ClientSecret, StaticToken, TokenProvider};
use msgraph_outlook::models::{FileAttachment, Message};
use msgraph_outlook::{Cloud, Error, GraphClient};
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

#[path = "support/openapi.rs"]
mod openapi;

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";
const MEGAN: &str = "megan@contoso.com";

async fn sandbox() -> Sandbox {
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    for user in [ADELE, ALEX, MEGAN] {
        sandbox.add_user(user);
    }
    sandbox
}

fn credentials(sandbox: &Sandbox, secret: &str) -> ClientCredentials {
    let cloud = Cloud::from_base_url(&sandbox.base_url(), &sandbox.authority_url()).unwrap();
    ClientCredentials::new(
        &cloud,
        &sandbox.tenant_id(),
        &sandbox.client_id(),
        ClientSecret::new(secret),
    )
    .unwrap()
}

fn client(sandbox: &Sandbox, tokens: impl TokenProvider + 'static) -> GraphClient {
    GraphClient::builder()
        .base_url(sandbox.base_url())
        .token_provider(tokens)
        .build()
        .unwrap()
}

/// A client signed in as the sandbox's app (client credentials).
fn app_client(sandbox: &Sandbox) -> GraphClient {
    client(sandbox, credentials(sandbox, &sandbox.client_secret()))
}

fn addresses(message: &Value, key: &str) -> Vec<String> {
    message[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} missing in {message}"))
        .iter()
        .map(|r| r["emailAddress"]["address"].as_str().unwrap().to_string())
        .collect()
}

/// Every body the client sent to Graph is a documented Graph request (openapi-fragments/).
fn assert_sent_bodies_conform(sandbox: &Sandbox) {
    let sent: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/v1.0/"))
        .collect();
    assert!(!sent.is_empty(), "nothing was sent to Graph");
    for request in sent {
        let content_type = request
            .headers
            .iter()
            .find(|(name, _)| name == "content-type")
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        openapi::assert_request_conforms(
            &request.method,
            &request.path["/v1.0".len()..],
            content_type,
            &request.body,
        );
    }
}

/// The only message of a folder.
fn single(sandbox: &Sandbox, user: &str, folder: &str) -> Value {
    let mut messages = sandbox.messages(user, folder);
    assert_eq!(messages.len(), 1, "{user} {folder}: {messages:#?}");
    messages.remove(0)
}

/// A message's attachments as its owner reads them (listed messages omit them).
async fn attachments(sandbox: &Sandbox, user: &str, message: &Value) -> Vec<Value> {
    let mut url = url::Url::parse(&sandbox.base_url()).unwrap();
    url.path_segments_mut().unwrap().extend([
        "me",
        "messages",
        message["id"].as_str().unwrap(),
        "attachments",
    ]);
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(sandbox.delegated_token(user))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    body["value"].as_array().unwrap().clone()
}

fn decode(base64: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(base64.as_str().unwrap())
        .unwrap()
}

fn soccer_message() -> Message {
    Message::new()
        .subject("Company Soccer Team")
        .text_body("Are you interested in joining?")
        .to(ALEX)
        .cc(MEGAN)
        .attach(FileAttachment::new(
            "roster.txt",
            "text/plain",
            b"Goal: Adele\nWing: Alex\n".to_vec(),
        ))
}

fn graph_error(
    result: msgraph_outlook::Result<msgraph_outlook::Accepted>,
) -> msgraph_outlook::GraphError {
    match result {
        Err(e) => e
            .graph_error()
            .cloned()
            .unwrap_or_else(|| panic!("expected a Graph error, got {e:?}")),
        Ok(accepted) => panic!("expected a Graph error, got {accepted:?}"),
    }
}

/// EWS `EmailMessage.SendAndSaveCopy()` (CreateItem, MessageDisposition=SendAndSaveCopy)
/// becomes one sendMail that keeps the copy in Sent Items.
#[tokio::test]
async fn send_and_save_copy_delivers_to_inboxes_and_keeps_a_copy() {
    let sandbox = sandbox().await;
    let accepted = app_client(&sandbox)
        .user(ADELE)
        .send_mail(soccer_message())
        .await
        .unwrap();
    assert!(accepted.request_id.is_some());

    for recipient in [ALEX, MEGAN] {
        let received = single(&sandbox, recipient, "inbox");
        assert_eq!(received["subject"], "Company Soccer Team");
        assert_eq!(
            received["body"]["content"],
            "Are you interested in joining?"
        );
        assert!(received["body"]["contentType"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("text"));
        assert_eq!(received["from"]["emailAddress"]["address"], ADELE);
        assert_eq!(addresses(&received, "toRecipients"), [ALEX]);
        assert_eq!(addresses(&received, "ccRecipients"), [MEGAN]);
        assert_eq!(received["hasAttachments"], true);
        let files = attachments(&sandbox, recipient, &received).await;
        assert_eq!(files.len(), 1);
        assert_eq!(files[0]["name"], "roster.txt");
        assert_eq!(files[0]["contentType"], "text/plain");
        assert_eq!(
            decode(&files[0]["contentBytes"]),
            b"Goal: Adele\nWing: Alex\n"
        );
    }

    // The sandbox answers with messages as Graph documents them.
    for message in sandbox
        .messages(ALEX, "inbox")
        .iter()
        .chain(&sandbox.messages(ADELE, "sentitems"))
    {
        if let Err(violations) =
            openapi::fragments().validate_response_schema("microsoft.graph.message", message)
        {
            panic!("{violations:#?}");
        }
    }
    let copy = single(&sandbox, ADELE, "sentitems");
    assert_eq!(copy["subject"], "Company Soccer Team");
    assert_eq!(addresses(&copy, "toRecipients"), [ALEX]);
    assert!(sandbox.messages(ADELE, "inbox").is_empty());
    assert_sent_bodies_conform(&sandbox);
}

#[tokio::test]
async fn save_to_sent_items_false_keeps_no_copy() {
    let sandbox = sandbox().await;
    app_client(&sandbox)
        .user(ADELE)
        .send_mail(soccer_message())
        .save_to_sent_items(false)
        .await
        .unwrap();
    assert_eq!(
        single(&sandbox, ALEX, "inbox")["subject"],
        "Company Soccer Team"
    );
    assert!(sandbox.messages(ADELE, "sentitems").is_empty());
    assert_sent_bodies_conform(&sandbox);
}

#[tokio::test]
async fn me_with_a_delegated_token_sends() {
    let sandbox = sandbox().await;
    let adele = client(
        &sandbox,
        StaticToken::delegated(sandbox.delegated_token(ADELE)),
    );
    adele
        .me()
        .send_mail(Message::new().subject("Lunch?").text_body("Noon?").to(ALEX))
        .await
        .unwrap();
    let received = single(&sandbox, ALEX, "inbox");
    assert_eq!(received["subject"], "Lunch?");
    assert_eq!(received["from"]["emailAddress"]["address"], ADELE);
    assert_eq!(single(&sandbox, ADELE, "sentitems")["subject"], "Lunch?");
    let sent = sandbox.requests();
    assert!(sent.iter().any(|r| r.path == "/v1.0/me/sendMail"));
    assert_sent_bodies_conform(&sandbox);
}

#[tokio::test]
async fn documented_mime_message_arrives_with_its_attachment() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user("AdeleV@contoso.com");
    sandbox.add_user("AlexW@contoso.com");
    // Example 4 of the `user: sendMail` page, decoded (base64 of LF-terminated MIME).
    let mime = std::fs::read("tests/fixtures/seed-example4.eml").unwrap();

    app_client(&sandbox)
        .user("AdeleV@contoso.com")
        .send_mime(mime)
        .await
        .unwrap();

    let received = single(&sandbox, "AlexW@contoso.com", "inbox");
    assert_eq!(received["subject"], "Test Message");
    assert_eq!(received["from"]["emailAddress"]["name"], "Adele Vance");
    let from = received["from"]["emailAddress"]["address"]
        .as_str()
        .unwrap();
    assert!(from.eq_ignore_ascii_case("AdeleV@contoso.com"), "{from}");
    let to = addresses(&received, "toRecipients");
    assert_eq!(to.len(), 1);
    assert!(to[0].eq_ignore_ascii_case("AlexW@contoso.com"), "{to:?}");
    let files = attachments(&sandbox, "AlexW@contoso.com", &received).await;
    assert_eq!(files.len(), 1, "{files:#?}");
    assert_eq!(files[0]["name"], "test.txt");
    let text = String::from_utf8(decode(&files[0]["contentBytes"])).unwrap();
    assert!(text.starts_with("this is the attachment text"), "{text:?}");
    // Graph keeps a Sent Items copy of every MIME send.
    assert_eq!(
        single(&sandbox, "AdeleV@contoso.com", "sentitems")["subject"],
        "Test Message"
    );
    assert_sent_bodies_conform(&sandbox);
}

#[tokio::test]
async fn rejected_tokens_are_401_graph_errors_with_request_ids() {
    let sandbox = sandbox().await;
    let message = || Message::new().subject("Hi").to(ALEX);

    // The sandbox keeps no header of a request whose token it refused; its request
    // log file still shows the client-request-id that went over the wire.
    let log = std::env::temp_dir().join(format!("sandbox-log-{}.jsonl", std::process::id()));
    sandbox.log_requests_to(&log).unwrap();
    let bad = client(&sandbox, StaticToken::new("not-a-token"));
    let e = graph_error(bad.user(ADELE).send_mail(message()).await);
    assert_eq!(e.status, 401);
    assert_eq!(e.code.as_deref(), Some("InvalidAuthenticationToken"));
    assert!(e.request_id.as_deref().is_some_and(|id| !id.is_empty()));
    // The client-request-id in the error is the one that went over the wire.
    let lines = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    let last: Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    assert_eq!(last["status"], 401);
    assert_eq!(
        last["clientRequestId"].as_str(),
        e.client_request_id.as_deref()
    );
    assert_eq!(last["requestId"].as_str(), e.request_id.as_deref());

    let expired = client(
        &sandbox,
        StaticToken::delegated(sandbox.delegated_token_expiring_in(ADELE, Duration::ZERO)),
    );
    let e = graph_error(expired.me().send_mail(message()).await);
    assert_eq!(e.status, 401);
    assert!(e.request_id.is_some());
    assert!(sandbox.messages(ALEX, "inbox").is_empty());
}

#[tokio::test]
async fn wrong_client_secret_is_an_auth_error_and_reaches_no_graph_endpoint() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, credentials(&sandbox, "not-the-secret"));
    let result = client
        .user(ADELE)
        .send_mail(Message::new().subject("Hi").to(ALEX))
        .await;
    match result {
        Err(Error::Auth(e)) => {
            assert_eq!(e.error, "invalid_client");
            assert_eq!(e.status, Some(401));
            assert!(e.has_aadsts(7000215), "{e:?}");
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert_eq!(sandbox.token_requests(), 1);
    let graph_requests = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v1.0"))
        .count();
    assert_eq!(graph_requests, 0);
}

#[tokio::test]
async fn unknown_mailbox_is_a_404_graph_error() {
    let sandbox = sandbox().await;
    let result = app_client(&sandbox)
        .user("nobody@contoso.com")
        .send_mail(Message::new().subject("Hi").to(ALEX))
        .await;
    assert!(matches!(result, Err(Error::NotFound(_))), "{result:?}");
    let e = graph_error(result);
    assert_eq!(e.status, 404);
    assert_eq!(e.code.as_deref(), Some("ErrorInvalidUser"));
    assert!(e.request_id.is_some());
}

#[tokio::test]
async fn send_mail_request_on_the_wire_is_exactly_the_documented_one() {
    let sandbox = sandbox().await;
    app_client(&sandbox)
        .user(ADELE)
        .send_mail(
            Message::new()
                .subject("Meet for lunch?")
                .text_body("The new cafeteria is open.")
                .to(ALEX)
                .cc(MEGAN)
                .attach(FileAttachment::new(
                    "attachment.txt",
                    "text/plain",
                    b"Hello World!".to_vec(),
                )),
        )
        .save_to_sent_items(false)
        .await
        .unwrap();

    let sends: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v1.0"))
        .collect();
    assert_eq!(sends.len(), 1, "{sends:#?}");
    let request = &sends[0];
    assert_eq!(request.method, "POST");
    // `@` is allowed in a path segment (RFC 3986 pchar), so the client leaves it as is.
    assert_eq!(request.path, "/v1.0/users/adele@contoso.com/sendMail");
    assert_eq!(request.query, None);
    let header = |name: &str| {
        let values: Vec<&str> = request
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(values.len(), 1, "{name}: {values:?}");
        values[0].to_string()
    };
    let authorization = header("authorization");
    assert!(
        authorization.starts_with("Bearer ") && authorization.len() > "Bearer ".len(),
        "authorization header is not a bearer token"
    );
    uuid::Uuid::parse_str(&header("client-request-id")).expect("client-request-id is a GUID");
    assert_eq!(header("accept"), "application/json");
    assert_eq!(header("content-type"), "application/json");

    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({
            "message": {
                "subject": "Meet for lunch?",
                "body": {"contentType": "text", "content": "The new cafeteria is open."},
                "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
                "ccRecipients": [{"emailAddress": {"address": "megan@contoso.com"}}],
                "attachments": [{
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "name": "attachment.txt",
                    "contentType": "text/plain",
                    "contentBytes": "SGVsbG8gV29ybGQh"
                }]
            },
            "saveToSentItems": false
        })
    );
    assert_sent_bodies_conform(&sandbox);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_share_one_token_request() {
    let sandbox = sandbox().await;
    let client = app_client(&sandbox);
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..20 {
        let adele = client.user(ADELE);
        sends.spawn(async move {
            adele
                .send_mail(Message::new().subject(format!("Report {i}")).to(ALEX))
                .await
        });
    }
    while let Some(result) = sends.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(sandbox.token_requests(), 1);
    assert_eq!(sandbox.messages(ALEX, "inbox").len(), 20);
}
