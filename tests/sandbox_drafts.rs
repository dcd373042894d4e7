//! Draft workflows end to end against the sandbox: what the users see in Drafts, Outbox,
//! Inbox and Sent Items.

use std::time::Duration;

use chrono::SubsecRound;

use msgraph_outlook::auth::StaticToken;
use msgraph_outlook::models::{Message, MessagePatch};
use msgraph_outlook::GraphClient;
use msgraph_outlook_sandbox::Sandbox;

#[path = "support/openapi.rs"]
mod openapi;

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";

async fn sandbox_and_adele() -> (Sandbox, GraphClient) {
    let sandbox = Sandbox::start().await.unwrap();
    for user in [ADELE, ALEX] {
        sandbox.add_user(user);
    }
    let adele = GraphClient::builder()
        .base_url(sandbox.base_url())
        .token_provider(StaticToken::delegated(sandbox.delegated_token(ADELE)))
        .build()
        .unwrap();
    (sandbox, adele)
}

fn subjects(sandbox: &Sandbox, user: &str, folder: &str) -> Vec<String> {
    sandbox
        .messages(user, folder)
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Every JSON body sent is a documented Graph request.
fn assert_sent_bodies_conform(sandbox: &Sandbox) {
    for request in sandbox.requests() {
        let json = request
            .headers
            .iter()
            .any(|(n, v)| n == "content-type" && v.starts_with("application/json"));
        if json && request.path.starts_with("/v1.0/") {
            openapi::assert_request_conforms(
                &request.method,
                &request.path["/v1.0".len()..],
                "application/json",
                &request.body,
            );
        }
    }
}

#[tokio::test]
async fn draft_bind_update_send() {
    let (sandbox, adele) = sandbox_and_adele().await;
    let me = adele.me();
    let draft = me
        .create_draft(
            Message::new()
                .subject("Company Soccer Team")
                .text_body("Interested?")
                .to(ALEX),
        )
        .await
        .unwrap();
    assert_eq!(draft.is_draft, Some(true));
    assert_eq!(subjects(&sandbox, ADELE, "drafts"), ["Company Soccer Team"]);

    let id = draft.id.unwrap();
    let bound = me
        .message(&id)
        .get()
        .select(["subject", "toRecipients"])
        .await
        .unwrap();
    assert_eq!(bound.subject.as_deref(), Some("Company Soccer Team"));
    assert_eq!(bound.body, None, "only the selected properties come back");

    me.message(&id)
        .update(MessagePatch::new().subject("Soccer: join us"))
        .await
        .unwrap();
    me.message(&id).send().await.unwrap();

    assert_eq!(subjects(&sandbox, ALEX, "inbox"), ["Soccer: join us"]);
    assert_eq!(subjects(&sandbox, ADELE, "sentitems"), ["Soccer: join us"]);
    assert!(subjects(&sandbox, ADELE, "drafts").is_empty());
    assert_sent_bodies_conform(&sandbox);
}

#[tokio::test]
async fn a_deferred_message_waits_in_the_outbox_until_its_time() {
    let (sandbox, adele) = sandbox_and_adele().await;
    let me = adele.me();
    // The time travels to the second.
    let when = (sandbox.now() + chrono::Duration::hours(1)).trunc_subsecs(0);
    let draft = me
        .create_draft(Message::new().subject("Later").to(ALEX).send_at(when))
        .await
        .unwrap();
    let id = draft.id.unwrap();
    let read_back = me
        .message(&id)
        .get()
        .with_scheduled_send_time()
        .await
        .unwrap();
    assert_eq!(read_back.scheduled_send_time(), Some(when));

    me.message(&id).send().await.unwrap();
    assert_eq!(subjects(&sandbox, ADELE, "outbox"), ["Later"]);
    assert!(subjects(&sandbox, ALEX, "inbox").is_empty());

    sandbox.advance_clock(Duration::from_secs(2 * 3600));
    assert_eq!(subjects(&sandbox, ALEX, "inbox"), ["Later"]);
    assert!(subjects(&sandbox, ADELE, "outbox").is_empty());
    assert_sent_bodies_conform(&sandbox);
}

#[tokio::test]
async fn deleting_a_scheduled_message_before_its_time_cancels_it() {
    let (sandbox, adele) = sandbox_and_adele().await;
    let me = adele.me();
    let when = sandbox.now() + chrono::Duration::hours(1);
    let draft = me
        .create_draft(Message::new().subject("Cancel me").to(ALEX).send_at(when))
        .await
        .unwrap();
    let id = draft.id.unwrap();
    me.message(&id).send().await.unwrap();
    let queued = sandbox.messages(ADELE, "outbox");
    let queued_id = queued[0]["id"].as_str().unwrap().to_string();
    me.message(queued_id).delete().await.unwrap();

    sandbox.advance_clock(Duration::from_secs(2 * 3600));
    assert!(subjects(&sandbox, ALEX, "inbox").is_empty(), "cancelled");
}

#[tokio::test]
async fn a_past_send_time_sends_at_once_and_mime_reads_back() {
    let (sandbox, adele) = sandbox_and_adele().await;
    let me = adele.me();
    let past = sandbox.now() - chrono::Duration::minutes(5);
    me.send_mail(Message::new().subject("Now").to(ALEX).send_at(past))
        .await
        .unwrap();
    assert_eq!(subjects(&sandbox, ALEX, "inbox"), ["Now"]);

    let sent = sandbox.messages(ADELE, "sentitems");
    let mime = me
        .message(sent[0]["id"].as_str().unwrap())
        .mime()
        .await
        .unwrap();
    let mime = String::from_utf8_lossy(&mime);
    assert!(mime.contains("Subject: Now"), "{mime}");
}
