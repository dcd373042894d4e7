//! `Mailbox::get_mail_tips` (`POST …/getMailTips`): the exact request on the wire
//! (mockito, checked against openapi-fragments/), the typed answer, local refusals, and
//! a round trip through the sandbox.

mod common;

#[path = "support/sandbox_clients.rs"]
mod clients;

use common::{client, expect_json, expect_no_request, server};
use msgraph_outlook::models::{
    DateTimeTimeZone, EmailAddress, MailTips, MailTipsError, MailTipsOption, MailTipsOptions,
    RecipientScopeType,
};
use msgraph_outlook::{Error, InvalidRequest};
use msgraph_outlook_sandbox::Sandbox;
use serde_json::json;

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
