//! Automatic replies sent by the sandbox on delivery (GRAPH-FACTS-2 §7.4): within the
//! scheduled window only (the sandbox clock), once per sender per period, internal or
//! external message by audience, never to an automatic reply; and the `PATCH
//! …/mailboxSettings` check that a scheduled window lies in the future.

mod common;

use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";
const MEGAN: &str = "megan@contoso.com";
const PARTNER: &str = "pat@fabrikam.com";

async fn sandbox() -> (Sandbox, reqwest::Client) {
    let (sb, client) = setup().await;
    sb.add_user(MEGAN);
    sb.add_user(PARTNER);
    // fabrikam.com has sandbox mailboxes but is outside the organization.
    sb.set_verified_domains(&["contoso.com"]);
    sb.set_clock("2026-12-01T09:00:00Z".parse().unwrap());
    (sb, client)
}

async fn send(sb: &Sandbox, client: &reqwest::Client, from: &str, to: &str, subject: &str) {
    send_with_headers(sb, client, from, to, subject, json!([])).await;
}

async fn send_with_headers(
    sb: &Sandbox,
    client: &reqwest::Client,
    from: &str,
    to: &str,
    subject: &str,
    headers: Value,
) {
    let mut message = json!({
        "subject": subject,
        "body": {"contentType": "Text", "content": "Hello"},
        "toRecipients": [{"emailAddress": {"address": to}}],
    });
    if headers.as_array().is_some_and(|h| !h.is_empty()) {
        message["internetMessageHeaders"] = headers;
    }
    let resp = post_json(
        client,
        &format!("{}/me/sendMail", sb.base_url()),
        &sb.delegated_token(from),
        &json!({"message": message}),
    )
    .await;
    assert_eq!(resp.status(), 202);
}

/// Automatic replies in `who`'s Inbox, newest first: (from, subject, body).
fn replies(sb: &Sandbox, who: &str) -> Vec<(Value, Value, Value)> {
    sb.messages(who, "inbox")
        .into_iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("Automatic reply: "))
        })
        .map(|m| (m["from"].clone(), m["subject"].clone(), m["body"].clone()))
        .collect()
}

fn mailbox(name: &str, address: &str) -> Value {
    json!({"emailAddress": {"name": name, "address": address}})
}

#[tokio::test]
async fn scheduled_replies_go_once_per_sender_inside_the_window_only() {
    let (sb, client) = sandbox().await;
    apply_automatic_replies(
        &sb,
        &client,
        ALEX,
        json!({
            "status": "scheduled",
            "externalAudience": "all",
            "scheduledStartDateTime": {"dateTime": "2026-12-20T18:00:00", "timeZone": "UTC"},
            "scheduledEndDateTime": {"dateTime": "2026-12-28T18:00:00", "timeZone": "UTC"},
            "internalReplyMessage": "<p>Out until 28 Dec.</p>",
            "externalReplyMessage": "<p>Away.</p>",
        }),
    )
    .await;

    // Before the window: delivered, no reply.
    send(&sb, &client, ADELE, ALEX, "Before").await;
    assert_eq!(sb.messages(ALEX, "inbox").len(), 1);
    assert!(replies(&sb, ADELE).is_empty());

    // Inside: one reply per sender, however many messages they send.
    sb.set_clock("2026-12-20T18:00:00Z".parse().unwrap());
    send(&sb, &client, ADELE, ALEX, "Budget").await;
    send(&sb, &client, ADELE, ALEX, "Budget again").await;
    send(&sb, &client, MEGAN, ALEX, "Lunch").await;
    assert_eq!(sb.messages(ALEX, "inbox").len(), 4);
    let to_adele = replies(&sb, ADELE);
    assert_eq!(
        to_adele,
        vec![(
            mailbox("Alex", ALEX),
            json!("Automatic reply: Budget"),
            json!({"contentType": "html", "content": "<p>Out until 28 Dec.</p>"}),
        )]
    );
    assert_eq!(replies(&sb, MEGAN).len(), 1);
    // Not saved in Alex's Sent Items.
    assert!(sb.messages(ALEX, "sentitems").is_empty());

    // The reply as Graph shows it, with the headers of an automatic message.
    let token = sb.delegated_token(ADELE);
    let id = sb.messages(ADELE, "inbox")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, reply) = get_json(
        &client,
        &format!(
            "{}/me/messages/{id}?$select=subject,toRecipients,internetMessageHeaders",
            sb.base_url()
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["toRecipients"], json!([mailbox("Adele", ADELE)]));
    assert_eq!(
        reply["internetMessageHeaders"],
        json!([
            {"name": "Auto-Submitted", "value": "auto-generated"},
            {"name": "X-Auto-Response-Suppress", "value": "All"},
            {"name": "X-MS-Exchange-Inbox-Rules-Loop", "value": ALEX},
        ])
    );

    // At the end of the window (exclusive) and after it: none.
    sb.set_clock("2026-12-28T18:00:00Z".parse().unwrap());
    send(&sb, &client, "pat@fabrikam.com", ALEX, "Late").await;
    assert!(replies(&sb, PARTNER).is_empty());
    assert_eq!(replies(&sb, ADELE).len(), 1);
}

#[tokio::test]
async fn outside_senders_get_the_external_message_by_audience() {
    let (sb, client) = sandbox().await;
    let setting = |audience: &str| {
        json!({
            "status": "alwaysEnabled",
            "externalAudience": audience,
            "internalReplyMessage": "Internal",
            "externalReplyMessage": "External",
        })
    };
    apply_automatic_replies(&sb, &client, ALEX, setting("none")).await;
    send(&sb, &client, PARTNER, ALEX, "Offer").await;
    send(&sb, &client, ADELE, ALEX, "Hi").await;
    assert!(replies(&sb, PARTNER).is_empty());
    assert_eq!(replies(&sb, ADELE)[0].2["content"], "Internal");

    // The sandbox has no contacts: `contactsOnly` answers no outside sender.
    apply_automatic_replies(&sb, &client, ALEX, setting("contactsOnly")).await;
    send(&sb, &client, PARTNER, ALEX, "Offer 2").await;
    assert!(replies(&sb, PARTNER).is_empty());

    apply_automatic_replies(&sb, &client, ALEX, setting("all")).await;
    send(&sb, &client, PARTNER, ALEX, "Offer 3").await;
    assert_eq!(
        replies(&sb, PARTNER),
        vec![(
            mailbox("Alex", ALEX),
            json!("Automatic reply: Offer 3"),
            json!({"contentType": "html", "content": "External"}),
        )]
    );
}

#[tokio::test]
async fn a_reply_to_an_outside_address_goes_outbound() {
    let (sb, client) = sandbox().await;
    apply_automatic_replies(
        &sb,
        &client,
        ALEX,
        json!({"status": "alwaysEnabled", "externalAudience": "all", "externalReplyMessage": "Away"}),
    )
    .await;
    // A message with an outside `from` (Adele sends as Lee, who has no mailbox):
    // the reply to that address leaves the sandbox.
    sb.add_user_without_mailbox("lee@fabrikam.com");
    sb.grant_send_as("lee@fabrikam.com", ADELE);
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &sb.delegated_token(ADELE),
        &json!({"message": {
            "subject": "From Lee",
            "from": {"emailAddress": {"address": "lee@fabrikam.com"}},
            "toRecipients": [{"emailAddress": {"address": ALEX}}],
        }}),
    )
    .await;
    assert_eq!(resp.status(), 202);
    let out = sb.outbound();
    let reply = out
        .iter()
        .find(|m| m["subject"] == "Automatic reply: From Lee")
        .expect("the reply left the sandbox");
    assert_eq!(
        reply["toRecipients"][0]["emailAddress"]["address"],
        "lee@fabrikam.com"
    );
    assert_eq!(reply["body"]["content"], "Away");
}

#[tokio::test]
async fn automatic_messages_get_no_automatic_reply() {
    let (sb, client) = sandbox().await;
    let on = json!({"status": "alwaysEnabled", "internalReplyMessage": "Away"});
    apply_automatic_replies(&sb, &client, ALEX, on.clone()).await;
    apply_automatic_replies(&sb, &client, ADELE, on).await;

    // Alex answers Adele; Adele's own automatic replies do not answer that reply.
    send(&sb, &client, ADELE, ALEX, "Ping").await;
    assert_eq!(replies(&sb, ADELE).len(), 1);
    assert!(replies(&sb, ALEX).is_empty());
    assert_eq!(sb.messages(ALEX, "inbox").len(), 1);

    // A sender that suppresses OOF replies gets none.
    send_with_headers(
        &sb,
        &client,
        MEGAN,
        ALEX,
        "Newsletter",
        json!([{"name": "X-Auto-Response-Suppress", "value": "DR, OOF"}]),
    )
    .await;
    assert!(replies(&sb, MEGAN).is_empty());

    // A message to oneself gets no reply.
    send(&sb, &client, ALEX, ALEX, "Note to self").await;
    assert!(replies(&sb, ALEX).is_empty());
}

#[tokio::test]
async fn changing_the_setting_starts_a_new_period() {
    let (sb, client) = sandbox().await;
    let on = |text: &str| json!({"status": "alwaysEnabled", "internalReplyMessage": text});
    apply_automatic_replies(&sb, &client, ALEX, on("First")).await;
    send(&sb, &client, ADELE, ALEX, "One").await;
    send(&sb, &client, ADELE, ALEX, "Two").await;
    assert_eq!(replies(&sb, ADELE).len(), 1);

    apply_automatic_replies(&sb, &client, ALEX, on("Second")).await;
    send(&sb, &client, ADELE, ALEX, "Three").await;
    let got = replies(&sb, ADELE);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1, "Automatic reply: Three");
    assert_eq!(got[0].2["content"], "Second");

    // Disabled: nothing.
    apply_automatic_replies(&sb, &client, ALEX, json!({"status": "disabled"})).await;
    send(&sb, &client, ADELE, ALEX, "Four").await;
    assert_eq!(replies(&sb, ADELE).len(), 2);
}

#[tokio::test]
async fn a_schedule_that_is_not_in_the_future_is_refused() {
    let (sb, client) = sandbox().await;
    let before = {
        let token = sb.delegated_token(ALEX);
        get_json(
            &client,
            &format!("{}/me/mailboxSettings", sb.base_url()),
            &token,
        )
        .await
        .1["automaticRepliesSetting"]
            .clone()
    };
    for (start, end) in [
        // Over before now (2026-12-01T09:00Z).
        ("2026-11-20T09:00:00", "2026-11-30T09:00:00"),
        // Ends before it starts.
        ("2026-12-20T09:00:00", "2026-12-19T09:00:00"),
    ] {
        let (status, body) = set_automatic_replies(
            &sb,
            &client,
            ALEX,
            json!({
                "status": "scheduled",
                "scheduledStartDateTime": {"dateTime": start, "timeZone": "UTC"},
                "scheduledEndDateTime": {"dateTime": end, "timeZone": "UTC"},
            }),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_graph_error(
            &body,
            "ErrorInvalidScheduledOofDuration",
            "The scheduled Out of Office duration must end after it starts and in the future.",
        );
    }
    let token = sb.delegated_token(ALEX);
    let (_, after) = get_json(
        &client,
        &format!("{}/me/mailboxSettings", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(after["automaticRepliesSetting"], before);

    // Started already but ending later: accepted, and on at once.
    apply_automatic_replies(
        &sb,
        &client,
        ALEX,
        json!({
            "status": "scheduled",
            "scheduledStartDateTime": {"dateTime": "2026-11-30T09:00:00", "timeZone": "UTC"},
            "scheduledEndDateTime": {"dateTime": "2026-12-02T09:00:00", "timeZone": "UTC"},
            "internalReplyMessage": "Back Wednesday",
        }),
    )
    .await;
    send(&sb, &client, ADELE, ALEX, "Now").await;
    assert_eq!(replies(&sb, ADELE)[0].2["content"], "Back Wednesday");
}
