//! Exchange Online's per-mailbox sending limits (opt-in, `Sandbox::set_sending_limits`):
//! messages per rolling minute paced through the Outbox, recipients per rolling day
//! answered with a `550 5.1.90` non-delivery report; other mailboxes unaffected. All on
//! the sandbox clock.

mod common;

use std::time::Duration;

use common::*;
use msgraph_outlook_sandbox::{Sandbox, SendingLimits};
use serde_json::{json, Value};

fn message(subject: &str, to: &[&str]) -> Value {
    let to: Vec<Value> = to
        .iter()
        .map(|a| json!({"emailAddress": {"address": a}}))
        .collect();
    json!({"message": {"subject": subject, "body": {"contentType": "text", "content": "x"}, "toRecipients": to}})
}

async fn send(sb: &Sandbox, from: &str, subject: &str, to: &[&str]) {
    let token = sb.delegated_token(from);
    let resp = post_json(
        &reqwest::Client::new(),
        &format!("{}/me/sendMail", sb.base_url()),
        &token,
        &message(subject, to),
    )
    .await;
    assert_eq!(resp.status(), 202, "{subject}");
}

fn count(sb: &Sandbox, address: &str, folder: &str) -> usize {
    sb.messages(address, folder).len()
}

#[tokio::test]
async fn beyond_the_rate_sends_wait_in_the_outbox_and_go_out_at_that_rate() {
    let (sb, _) = setup().await;
    sb.add_user("megan@contoso.com");
    sb.set_sending_limits(SendingLimits {
        messages_per_minute: Some(30),
        recipients_per_day: None,
    });
    for i in 0..70 {
        send(
            &sb,
            "adele@contoso.com",
            &format!("m{i}"),
            &["alex@contoso.com"],
        )
        .await;
    }
    // Another mailbox sends at the same time and is not held back.
    for i in 0..5 {
        send(
            &sb,
            "megan@contoso.com",
            &format!("megan{i}"),
            &["alex@contoso.com"],
        )
        .await;
    }
    assert_eq!(count(&sb, "adele@contoso.com", "outbox"), 40);
    assert_eq!(count(&sb, "adele@contoso.com", "sentitems"), 30);
    assert_eq!(count(&sb, "megan@contoso.com", "outbox"), 0);
    assert_eq!(count(&sb, "megan@contoso.com", "sentitems"), 5);
    assert_eq!(count(&sb, "alex@contoso.com", "inbox"), 35);
    // The Outbox copy is a sent message waiting, not a draft.
    let held = sb.messages("adele@contoso.com", "outbox");
    assert_eq!(held[0]["isDraft"], false);

    // Half a minute later nothing more has gone.
    sb.advance_clock(Duration::from_secs(30));
    assert_eq!(count(&sb, "adele@contoso.com", "outbox"), 40);
    // One minute after the first sends: the next 30, in the order they were sent.
    sb.advance_clock(Duration::from_secs(31));
    assert_eq!(count(&sb, "adele@contoso.com", "outbox"), 10);
    assert_eq!(count(&sb, "alex@contoso.com", "inbox"), 65);
    let sent = sb.messages("adele@contoso.com", "sentitems");
    assert_eq!(sent[0]["subject"], "m59");
    assert_eq!(sent[29]["subject"], "m30");
    sb.advance_clock(Duration::from_secs(60));
    assert_eq!(count(&sb, "adele@contoso.com", "outbox"), 0);
    assert_eq!(count(&sb, "adele@contoso.com", "sentitems"), 70);
    assert_eq!(count(&sb, "alex@contoso.com", "inbox"), 75);
    assert_eq!(sb.max_outbox_len("adele@contoso.com"), 40);
    assert_eq!(sb.max_outbox_len("megan@contoso.com"), 0);
    assert_eq!(sb.max_outbox_len("nobody@contoso.com"), 0);
}

#[tokio::test]
async fn a_sent_draft_is_paced_too_and_keeps_its_internet_message_id() {
    let (sb, client) = setup().await;
    sb.set_sending_limits(SendingLimits {
        messages_per_minute: Some(1),
        recipients_per_day: None,
    });
    let token = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    for i in 0..2 {
        let mut body = message(&format!("draft{i}"), &["alex@contoso.com"])["message"].clone();
        body["internetMessageId"] = json!(format!("<draft{i}@relay.contoso.com>"));
        let (status, draft) =
            status_json(post_json(&client, &format!("{base}/me/messages"), &token, &body).await)
                .await;
        assert_eq!(status, 201);
        let resp = client
            .post(format!(
                "{base}/me/messages/{}/send",
                draft["id"].as_str().unwrap()
            ))
            .bearer_auth(&token)
            .header("content-length", "0")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
    }
    let held = sb.messages("adele@contoso.com", "outbox");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["internetMessageId"], "<draft1@relay.contoso.com>");
    sb.advance_clock(Duration::from_secs(61));
    let sent = sb.messages("adele@contoso.com", "sentitems");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["internetMessageId"], "<draft1@relay.contoso.com>");
    assert_eq!(count(&sb, "alex@contoso.com", "inbox"), 2);
}

#[tokio::test]
async fn over_the_daily_recipient_limit_the_sender_gets_a_non_delivery_report() {
    let (sb, _) = setup().await;
    sb.add_user("megan@contoso.com");
    sb.set_sending_limits(SendingLimits {
        messages_per_minute: None,
        recipients_per_day: Some(4),
    });
    let three = [
        "alex@contoso.com",
        "megan@contoso.com",
        "someone@fabrikam.com",
    ];
    send(&sb, "adele@contoso.com", "first", &three).await;
    send(&sb, "adele@contoso.com", "second", &three).await;
    // One recipient is still within the day's four.
    send(&sb, "adele@contoso.com", "third", &["alex@contoso.com"]).await;

    let inbox: Vec<Value> = sb.messages("alex@contoso.com", "inbox");
    let subjects: Vec<&str> = inbox
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["third", "first"]);
    assert_eq!(count(&sb, "megan@contoso.com", "inbox"), 1);
    assert_eq!(sb.outbound().len(), 1);
    // Submitted, so in Sent Items; the report tells the sender it did not go.
    assert_eq!(count(&sb, "adele@contoso.com", "sentitems"), 3);
    let ndrs = sb.messages("adele@contoso.com", "inbox");
    assert_eq!(ndrs.len(), 1);
    assert_eq!(ndrs[0]["subject"], "Undeliverable: second");
    assert_eq!(ndrs[0]["isRead"], false);
    assert_eq!(ndrs[0]["from"]["emailAddress"]["name"], "Microsoft Outlook");
    assert_eq!(
        ndrs[0]["from"]["emailAddress"]["address"],
        "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com"
    );
    let body = ndrs[0]["body"]["content"].as_str().unwrap();
    assert!(
        body.contains("550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients"),
        "{body}"
    );
    assert!(
        body.contains("alex@contoso.com, megan@contoso.com, someone@fabrikam.com"),
        "{body}"
    );

    // Other mailboxes count on their own.
    send(&sb, "megan@contoso.com", "from megan", &three[..1]).await;
    assert_eq!(count(&sb, "alex@contoso.com", "inbox"), 3);
    // The window rolls: a day later Adele may send again.
    sb.advance_clock(Duration::from_secs(24 * 3600));
    send(&sb, "adele@contoso.com", "next day", &three).await;
    assert_eq!(count(&sb, "alex@contoso.com", "inbox"), 4);
    assert_eq!(count(&sb, "adele@contoso.com", "inbox"), 1);
}
