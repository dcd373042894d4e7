//! `Mailbox::get_mail_tips` (`POST …/getMailTips`): the exact request on the wire
//! (mockito, checked against openapi-fragments/), the typed answer, local refusals, and
//! a round trip through the sandbox.

mod common;

#[path = "support/sandbox_clients.rs"]
mod clients;

use common::{client, expect_json, expect_json_post, expect_no_request, server};
use msgraph_outlook::api::MAX_MAIL_TIPS_ADDRESSES;
use msgraph_outlook::models::{
    DateTimeTimeZone, EmailAddress, MailTips, MailTipsError, MailTipsOption, MailTipsOptions,
    Message, RecipientScopeType,
};
use msgraph_outlook::{Error, InvalidRequest, RecipientRefusal};
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

/// The answer of the docs' example, with a second recipient's error and a scope added.
fn answer() -> serde_json::Value {
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.mailTips)",
        "value": [
            {
                "emailAddress": {"name": "", "address": "danas@contoso.onmicrosoft.com"},
                "automaticReplies": {
                    "message": "<div>Hi, I am on vacation right now.</div>",
                    "messageLanguage": {"locale": "en-US", "displayName": "English (United States)"},
                    "scheduledStartTime": {"dateTime": "2018-08-07T02:00:00.0000000", "timeZone": "UTC"},
                    "scheduledEndTime": {"dateTime": "2018-08-09T02:00:00.0000000", "timeZone": "UTC"}
                },
                "mailboxFull": false,
                "maxMessageSize": 36700160,
                "recipientScope": "external, externalPartner"
            },
            {
                "emailAddress": {"name": "", "address": "fannyd@contoso.onmicrosoft.com"},
                "error": {"code": "ErrorRecipientNotFound", "message": "The recipient could not be found."}
            }
        ]
    })
}

#[tokio::test]
async fn posts_pascal_case_parameters_and_reads_the_typed_answer() {
    let mut server = server().await;
    let mock = expect_json(
        &mut server,
        "POST",
        "/users/adele@contoso.com/getMailTips",
        json!({
            "EmailAddresses": ["danas@contoso.onmicrosoft.com", "fannyd@contoso.onmicrosoft.com"],
            "MailTipsOptions": "automaticReplies, mailboxFullStatus, maxMessageSize, recipientScope",
        }),
    )
    .with_status(200)
    .with_header("content-type", "application/json")
    .with_body(answer().to_string())
    .create_async()
    .await;
    let options: MailTipsOptions = [
        MailTipsOption::AutomaticReplies,
        MailTipsOption::MailboxFullStatus,
        MailTipsOption::MaxMessageSize,
        MailTipsOption::RecipientScope,
    ]
    .into_iter()
    .collect();
    let tips = client(&server)
        .user("adele@contoso.com")
        .get_mail_tips(
            [
                "danas@contoso.onmicrosoft.com",
                "fannyd@contoso.onmicrosoft.com",
            ],
            options,
        )
        .await
        .unwrap();
    mock.assert_async().await;

    assert_eq!(tips.len(), 2);
    let dana = &tips[0];
    assert_eq!(
        dana.email_address
            .as_ref()
            .and_then(|e| e.address.as_deref()),
        Some("danas@contoso.onmicrosoft.com")
    );
    assert_eq!(dana.max_message_size, Some(36_700_160));
    assert_eq!(dana.mailbox_full, Some(false));
    let replies = dana.automatic_replies.as_ref().unwrap();
    assert_eq!(
        replies.message.as_deref(),
        Some("<div>Hi, I am on vacation right now.</div>")
    );
    assert_eq!(
        replies.scheduled_end_time,
        Some(DateTimeTimeZone::new("2018-08-09T02:00:00.0000000", "UTC"))
    );
    assert_eq!(
        replies
            .message_language
            .as_ref()
            .and_then(|l| l.locale.as_deref()),
        Some("en-US")
    );
    let scope = dana.recipient_scope.as_ref().unwrap();
    assert_eq!(
        scope.flags(),
        [
            RecipientScopeType::External,
            RecipientScopeType::ExternalPartner
        ]
    );
    assert!(dana.error.is_none());
    let fanny = &tips[1];
    assert_eq!(fanny.max_message_size, None);
    let error: &MailTipsError = fanny.error.as_ref().unwrap();
    assert_eq!(error.code.as_deref(), Some("ErrorRecipientNotFound"));

    // The typed answer serializes back to what Graph sent (without the context).
    let back: Vec<serde_json::Value> = tips
        .iter()
        .map(|t| serde_json::to_value(t).unwrap())
        .collect();
    assert_eq!(json!(back), answer()["value"]);
}

#[tokio::test]
async fn me_path_and_every_option() {
    let mut server = server().await;
    let mock = expect_json(
        &mut server,
        "POST",
        "/me/getMailTips",
        json!({
            "EmailAddresses": ["alex@contoso.com"],
            "MailTipsOptions": "automaticReplies, mailboxFullStatus, customMailTip, externalMemberCount, totalMemberCount, maxMessageSize, deliveryRestriction, moderationStatus, recipientScope, recipientSuggestions",
        }),
    )
    .with_status(200)
    .with_body(r#"{"value": [{"emailAddress": {"address": "alex@contoso.com"}, "totalMemberCount": 1, "futureTip": true}]}"#)
    .create_async()
    .await;
    let tips = client(&server)
        .me()
        .get_mail_tips(["alex@contoso.com"], MailTipsOptions::all())
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(tips[0].total_member_count, Some(1));
}

#[tokio::test]
async fn refuses_locally_what_graph_would_refuse() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    let no_address = me
        .get_mail_tips(Vec::<String>::new(), MailTipsOption::MaxMessageSize)
        .await;
    assert!(matches!(
        no_address,
        Err(Error::InvalidRequest(InvalidRequest::InvalidValue { .. }))
    ));
    let no_option = me
        .get_mail_tips(["alex@contoso.com"], MailTipsOptions::new())
        .await;
    assert!(matches!(
        no_option,
        Err(Error::InvalidRequest(InvalidRequest::InvalidValue { .. }))
    ));
    let bad = me
        .get_mail_tips(["alex"], MailTipsOption::MaxMessageSize)
        .await;
    assert!(matches!(
        bad,
        Err(Error::InvalidRequest(InvalidRequest::InvalidAddress { address })) if address == "alex"
    ));
    none.assert_async().await;
}

#[tokio::test]
async fn sandbox_round_trip_reports_each_mailboxs_maximum_size() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user("adele@contoso.com");
    sandbox.add_user("alex@contoso.com");
    sandbox.set_max_message_size("alex@contoso.com", 150 * 1024 * 1024);
    let app = clients::app(&sandbox);
    let tips = app
        .user("adele@contoso.com")
        .get_mail_tips(
            [
                "adele@contoso.com",
                "alex@contoso.com",
                "nobody@contoso.com",
            ],
            MailTipsOptions::from(MailTipsOption::MaxMessageSize)
                .with(MailTipsOption::RecipientScope),
        )
        .await
        .unwrap();
    let sizes: Vec<Option<i32>> = tips.iter().map(|t| t.max_message_size).collect();
    assert_eq!(sizes, [Some(36_700_160), Some(157_286_400), None]);
    assert_eq!(
        tips[0].recipient_scope.as_ref().unwrap().flags(),
        [RecipientScopeType::Internal]
    );
    assert_eq!(
        tips[0].email_address,
        Some(
            serde_json::from_value::<EmailAddress>(
                json!({"name": "", "address": "adele@contoso.com"})
            )
            .unwrap()
        )
    );
    let expected_error: MailTips = serde_json::from_value(json!({
        "emailAddress": {"name": "", "address": "nobody@contoso.com"},
        "error": {"code": "ErrorRecipientNotFound", "message": "The recipient could not be found."}
    }))
    .unwrap();
    assert_eq!(tips[2], expected_error);
    // The request the client sent is the documented one.
    let sent = sandbox.graph_requests();
    let last = sent.last().unwrap();
    assert_eq!(last.path, "/v1.0/users/adele@contoso.com/getMailTips");
}

/// `n` distinct addresses, `user0@contoso.com`, `user1@contoso.com`, ….
fn addresses(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user{i}@contoso.com")).collect()
}

/// The answer of one getMailTips call: each address with its position as its max size.
fn sizes_answer(addresses: &[String], first: usize) -> String {
    let value: Vec<Value> = addresses
        .iter()
        .enumerate()
        .map(|(i, a)| json!({"emailAddress": {"address": a}, "maxMessageSize": first + i}))
        .collect();
    json!({ "value": value }).to_string()
}

#[tokio::test]
async fn more_than_100_addresses_go_in_calls_of_100_answered_in_order() {
    assert_eq!(MAX_MAIL_TIPS_ADDRESSES, 100);
    let all = addresses(250);
    let mut server = server().await;
    let mut mocks = Vec::new();
    for (n, chunk) in all.chunks(100).enumerate() {
        mocks.push(
            expect_json(
                &mut server,
                "POST",
                "/me/getMailTips",
                json!({"EmailAddresses": chunk, "MailTipsOptions": "maxMessageSize"}),
            )
            .with_status(200)
            .with_body(sizes_answer(chunk, n * 100))
            .create_async()
            .await,
        );
    }
    let tips = client(&server)
        .me()
        .get_mail_tips(all.clone(), MailTipsOption::MaxMessageSize)
        .await
        .unwrap();
    for mock in &mocks {
        mock.assert_async().await;
    }
    assert_eq!(tips.len(), 250);
    let sizes: Vec<i32> = tips.iter().map(|t| t.max_message_size.unwrap()).collect();
    assert_eq!(sizes, (0..250).collect::<Vec<i32>>());
    let order: Vec<&str> = tips.iter().map(|t| t.address().unwrap()).collect();
    assert_eq!(order, all.iter().map(String::as_str).collect::<Vec<_>>());
}

#[tokio::test]
async fn exactly_100_addresses_are_one_call_and_a_bad_one_refuses_all() {
    let all = addresses(100);
    let mut server = server().await;
    let mock = expect_json(
        &mut server,
        "POST",
        "/me/getMailTips",
        json!({"EmailAddresses": all, "MailTipsOptions": "maxMessageSize"}),
    )
    .with_status(200)
    .with_body(sizes_answer(&all, 0))
    .create_async()
    .await;
    let tips = client(&server)
        .me()
        .get_mail_tips(all.clone(), MailTipsOption::MaxMessageSize)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(tips.len(), 100);

    // Address 150 of 200 is invalid: nothing is sent, not even the first 100.
    let mut server = common::server().await;
    let mut bad = addresses(200);
    bad[150] = "not-an-address".into();
    let none = expect_no_request(&mut server).await;
    let refused = client(&server)
        .me()
        .get_mail_tips(bad, MailTipsOption::MaxMessageSize)
        .await;
    assert!(matches!(
        refused,
        Err(Error::InvalidRequest(InvalidRequest::InvalidAddress { address })) if address == "not-an-address"
    ));
    none.assert_async().await;
}

/// The message of the check_mail_tips tests and the exact sendMail body it makes.
fn report() -> (Message, Value) {
    let message = Message::new()
        .subject("Quarterly report")
        .text_body("Attached.")
        .to("alex@contoso.com")
        .cc("megan@contoso.com")
        .bcc("ALEX@contoso.com");
    let body = json!({
        "message": {
            "subject": "Quarterly report",
            "body": {"contentType": "text", "content": "Attached."},
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
            "ccRecipients": [{"emailAddress": {"address": "megan@contoso.com"}}],
            "bccRecipients": [{"emailAddress": {"address": "ALEX@contoso.com"}}]
        }
    });
    (message, body)
}

/// The getMailTips a check_mail_tips send makes: each recipient once, in to/cc/bcc order.
fn expect_check(server: &mut mockito::ServerGuard, answer: Value) -> mockito::Mock {
    expect_json(
        server,
        "POST",
        "/me/getMailTips",
        json!({
            "EmailAddresses": ["alex@contoso.com", "megan@contoso.com"],
            "MailTipsOptions": "mailboxFullStatus, maxMessageSize",
        }),
    )
    .with_status(200)
    .with_body(answer.to_string())
}

/// Sends `message` with check_mail_tips against a getMailTips answered `answer`, and returns
/// the error: the check was made once and no sendMail went.
async fn refused_after_check(
    server: &mut mockito::ServerGuard,
    message: Message,
    answer: Value,
) -> Error {
    let check = expect_check(server, answer).create_async().await;
    let send = server
        .mock("POST", "/v1.0/me/sendMail")
        .expect(0)
        .create_async()
        .await;
    let refused = client(server)
        .me()
        .send_mail(message)
        .check_mail_tips()
        .await
        .unwrap_err();
    check.assert_async().await;
    send.assert_async().await;
    refused
}

fn tip(address: &str, full: bool, max: i64) -> Value {
    json!({"emailAddress": {"address": address}, "mailboxFull": full, "maxMessageSize": max})
}

#[tokio::test]
async fn check_mail_tips_refuses_a_full_mailbox_and_sends_nothing() {
    let mut server = server().await;
    let (message, _) = report();
    let refused = refused_after_check(
        &mut server,
        message,
        json!({"value": [tip("alex@contoso.com", false, 36_700_160), tip("megan@contoso.com", true, 36_700_160)]}),
    )
    .await;
    match &refused {
        Error::RecipientRefused { recipient, reason } => {
            assert_eq!(recipient, "megan@contoso.com");
            assert_eq!(reason, &RecipientRefusal::MailboxFull);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        refused.to_string(),
        "not sent: MailTips of megan@contoso.com say its mailbox is full (nothing was sent)"
    );
}

#[tokio::test]
async fn check_mail_tips_refuses_a_message_larger_than_a_recipient_accepts() {
    let (message, body) = report();
    // What is measured: the sendMail JSON body as sent.
    let size = body.to_string().len();
    let mut server = server().await;
    let refused = refused_after_check(
        &mut server,
        message,
        json!({"value": [tip("alex@contoso.com", false, size as i64 - 1), tip("megan@contoso.com", false, 36_700_160)]}),
    )
    .await;
    match refused {
        Error::RecipientRefused {
            recipient,
            reason:
                RecipientRefusal::MessageTooLarge {
                    size: measured,
                    max,
                },
        } => {
            assert_eq!(recipient, "alex@contoso.com");
            assert_eq!(measured, size as u64);
            assert_eq!(max, size as u64 - 1);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn check_mail_tips_sends_when_every_recipient_accepts() {
    let (message, body) = report();
    let size = body.to_string().len() as i64;
    let mut server = server().await;
    // A maximum equal to the size is accepted; an unknown recipient's error is left to
    // Exchange.
    let check = expect_check(
        &mut server,
        json!({"value": [
            tip("alex@contoso.com", false, size),
            {"emailAddress": {"address": "megan@contoso.com"},
             "error": {"code": "ErrorRecipientNotFound", "message": "The recipient could not be found."}}
        ]}),
    )
    .create_async()
    .await;
    let send = expect_json_post(&mut server, "/me/sendMail", body).await;
    let accepted = client(&server)
        .me()
        .send_mail(message)
        .check_mail_tips()
        .await
        .unwrap();
    check.assert_async().await;
    send.assert_async().await;
    assert_eq!(accepted.request_id.as_deref(), Some(common::REQUEST_ID));
}

#[tokio::test]
async fn check_mail_tips_leaves_a_recipient_with_an_error_to_exchange_whatever_else_it_says() {
    let (message, body) = report();
    let mut server = server().await;
    // A tip with an `error` is not a reading of the recipient's mailbox: the full status
    // and the 0 maximum beside it refuse nothing.
    let check = expect_check(
        &mut server,
        json!({"value": [
            tip("alex@contoso.com", false, 36_700_160),
            {"emailAddress": {"address": "megan@contoso.com"}, "mailboxFull": true, "maxMessageSize": 0,
             "error": {"code": "ErrorRecipientNotFound", "message": "The recipient could not be found."}}
        ]}),
    )
    .create_async()
    .await;
    let send = expect_json_post(&mut server, "/me/sendMail", body).await;
    client(&server)
        .me()
        .send_mail(message)
        .check_mail_tips()
        .await
        .unwrap();
    check.assert_async().await;
    send.assert_async().await;
}

#[tokio::test]
async fn check_mail_tips_refuses_an_invalid_message_before_any_request() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let refused = client(&server)
        .me()
        .send_mail(Message::new().subject("nobody"))
        .check_mail_tips()
        .await;
    assert!(matches!(
        refused,
        Err(Error::InvalidRequest(InvalidRequest::NoRecipients))
    ));
    none.assert_async().await;
}

#[tokio::test]
async fn sandbox_check_mail_tips_against_each_mailboxs_maximum_size() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user("adele@contoso.com");
    sandbox.add_user("alex@contoso.com");
    let app = clients::app(&sandbox);
    let adele = app.user("adele@contoso.com");
    let message = || {
        Message::new()
            .subject("Plans")
            .text_body("x".repeat(2_000))
            .to("alex@contoso.com")
    };
    sandbox.set_max_message_size("alex@contoso.com", 1_000);
    let refused = adele.send_mail(message()).check_mail_tips().await;
    assert!(
        matches!(
            &refused,
            Err(Error::RecipientRefused { recipient, reason: RecipientRefusal::MessageTooLarge { max: 1_000, .. } })
                if recipient == "alex@contoso.com"
        ),
        "{refused:?}"
    );
    let paths: Vec<String> = sandbox
        .graph_requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(paths, ["POST /v1.0/users/adele@contoso.com/getMailTips"]);
    assert!(sandbox.messages("alex@contoso.com", "inbox").is_empty());

    sandbox.set_max_message_size("alex@contoso.com", 36_700_160);
    adele.send_mail(message()).check_mail_tips().await.unwrap();
    let inbox = sandbox.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["subject"], "Plans");

    // A full mailbox refuses, whatever the size.
    sandbox.set_mailbox_full("alex@contoso.com", true);
    let full = adele.send_mail(message()).check_mail_tips().await;
    assert!(
        matches!(
            &full,
            Err(Error::RecipientRefused { recipient, reason: RecipientRefusal::MailboxFull })
                if recipient == "alex@contoso.com"
        ),
        "{full:?}"
    );
    assert_eq!(sandbox.messages("alex@contoso.com", "inbox").len(), 1);
    let sends = sandbox
        .graph_requests()
        .iter()
        .filter(|r| r.path.ends_with("/sendMail"))
        .count();
    assert_eq!(sends, 1);
}

#[tokio::test]
async fn sandbox_mail_tips_reflect_mailbox_state() {
    let sandbox = Sandbox::start().await.unwrap();
    for user in ["adele@contoso.com", "alex@contoso.com", "megan@contoso.com"] {
        sandbox.add_user(user);
    }
    sandbox.set_mailbox_full("alex@contoso.com", true);
    sandbox.set_custom_mail_tip("megan@contoso.com", "Megan is on leave; write to Adele.");
    let tips = clients::app(&sandbox)
        .user("adele@contoso.com")
        .get_mail_tips(
            ["alex@contoso.com", "megan@contoso.com"],
            MailTipsOptions::from(MailTipsOption::MailboxFullStatus)
                .with(MailTipsOption::CustomMailTip)
                .with(MailTipsOption::AutomaticReplies),
        )
        .await
        .unwrap();
    let full: Vec<bool> = tips.iter().map(|t| t.is_mailbox_full()).collect();
    assert_eq!(full, [true, false]);
    assert_eq!(tips[0].custom_mail_tip.as_deref(), Some(""));
    assert_eq!(
        tips[1].custom_mail_tip.as_deref(),
        Some("Megan is on leave; write to Adele.")
    );
    // Nobody has automatic replies on: Graph's `{"message": ""}` reads as none.
    assert!(tips.iter().all(|t| t.automatic_reply().is_none()));
    assert_eq!(tips[1].address(), Some("megan@contoso.com"));
}
