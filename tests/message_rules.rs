//! `Mailbox::message_rules` (`…/mailFolders/inbox/messageRules`): the exact requests on
//! the wire (mockito, checked against openapi-fragments/), typed rules with predicates and
//! actions Graph may add kept, local refusals with nothing sent, and, in the sandbox, the
//! whole life of a rule and a rule that files mail as it arrives.

mod common;

#[path = "support/sandbox_clients.rs"]
mod clients;

use common::{client, expect_bare, expect_json_answered, expect_no_request, server};
use msgraph_outlook::models::{
    Importance, Message, MessageActionFlag, MessageRule, MessageRuleActions, MessageRulePatch,
    MessageRulePredicates, Recipient, Sensitivity, SizeRange,
};
use msgraph_outlook::{Error, InvalidRequest};
use serde_json::{json, Value};

const RULE: &str = "AQAAAJ5dZqA=";
const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";
const MEGAN: &str = "megan@contoso.com";

/// The "Create rule" doc example's rule, as this crate builds it.
fn from_partner() -> MessageRule {
    MessageRule::new("From partner", 2)
        .when(MessageRulePredicates::new().sender_contains(["adele"]))
        .then(
            MessageRuleActions::new()
                .forward_to([Recipient::named(
                    "Alex Wilbur",
                    "AlexW@contoso.onmicrosoft.com",
                )])
                .stop_processing_rules(),
        )
}

/// The doc example's 201 answer (words echoed upper-cased, server-set flags added).
fn from_partner_answer() -> Value {
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Me/mailFolders('inbox')/messageRules/$entity",
        "id": RULE,
        "displayName": "From partner",
        "sequence": 2,
        "isEnabled": true,
        "hasError": false,
        "isReadOnly": false,
        "conditions": {"senderContains": ["ADELE"]},
        "actions": {
            "stopProcessingRules": true,
            "forwardTo": [{"emailAddress": {"name": "Alex Wilbur", "address": "AlexW@contoso.onmicrosoft.com"}}]
        }
    })
}

#[tokio::test]
async fn create_sends_the_documented_body_and_reads_the_stored_rule() {
    let mut server = server().await;
    let mock = expect_json_answered(&mut server, "POST", "/me/mailFolders/inbox/messageRules", json!({
            "displayName": "From partner",
            "sequence": 2,
            "isEnabled": true,
            "conditions": {"senderContains": ["adele"]},
            "actions": {
                "forwardTo": [{"emailAddress": {"name": "Alex Wilbur", "address": "AlexW@contoso.onmicrosoft.com"}}],
                "stopProcessingRules": true
            }
        }), 201, from_partner_answer())
    .await;
    let rule = client(&server)
        .me()
        .message_rules()
        .create(from_partner())
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(rule.id.as_deref(), Some(RULE));
    assert_eq!(rule.has_error, Some(false));
    assert_eq!(rule.is_read_only, Some(false));
    assert_eq!(
        rule.conditions.as_ref().unwrap().sender_contains,
        Some(vec!["ADELE".to_string()])
    );
    let actions = rule.actions.as_ref().unwrap();
    assert_eq!(actions.stop_processing_rules, Some(true));
    assert_eq!(
        actions.forward_to,
        Some(vec![Recipient::named(
            "Alex Wilbur",
            "AlexW@contoso.onmicrosoft.com"
        )])
    );
}

#[tokio::test]
async fn every_predicate_and_action_has_graphs_spelling() {
    let mut server = server().await;
    let conditions = json!({
        "bodyContains": ["b"], "bodyOrSubjectContains": ["bs"], "categories": ["Red category"],
        "fromAddresses": [{"emailAddress": {"address": MEGAN}}], "hasAttachments": true,
        "headerContains": ["X-Tag"], "importance": "high", "isApprovalRequest": true,
        "isAutomaticForward": true, "isAutomaticReply": true, "isEncrypted": true,
        "isMeetingRequest": true, "isMeetingResponse": true, "isNonDeliveryReport": true,
        "isPermissionControlled": true, "isReadReceipt": true, "isSigned": true,
        "isVoicemail": true, "messageActionFlag": "followUp", "notSentToMe": true,
        "recipientContains": ["team"], "senderContains": ["meg"], "sensitivity": "private",
        "sentCcMe": true, "sentOnlyToMe": true,
        "sentToAddresses": [{"emailAddress": {"address": ADELE}}], "sentToMe": true,
        "sentToOrCcMe": true, "subjectContains": ["invoice"],
        "withinSizeRange": {"minimumSize": 10, "maximumSize": 2048}
    });
    let actions = json!({
        "assignCategories": ["Invoices"], "copyToFolder": "AAMkCopy", "delete": true,
        "forwardAsAttachmentTo": [{"emailAddress": {"address": ALEX}}],
        "forwardTo": [{"emailAddress": {"address": ALEX}}], "markAsRead": true,
        "markImportance": "low", "moveToFolder": "AAMkMove", "permanentDelete": true,
        "redirectTo": [{"emailAddress": {"address": MEGAN}}], "stopProcessingRules": true
    });
    let body = json!({
        "displayName": "Everything", "sequence": 0, "isEnabled": false,
        "conditions": conditions, "exceptions": {"isAutomaticReply": true}, "actions": actions
    });
    let mut answer = body.clone();
    answer["id"] = json!(RULE);
    let mock = expect_json_answered(
        &mut server,
        "POST",
        "/users/adele@contoso.com/mailFolders/inbox/messageRules",
        body,
        201,
        answer,
    )
    .await;
    let when = MessageRulePredicates::new()
        .body_contains(["b"])
        .body_or_subject_contains(["bs"])
        .categories(["Red category"])
        .from_addresses([MEGAN])
        .has_attachments()
        .header_contains(["X-Tag"])
        .importance(Importance::High)
        .is_approval_request()
        .is_automatic_forward()
        .is_automatic_reply()
        .is_encrypted()
        .is_meeting_request()
        .is_meeting_response()
        .is_non_delivery_report()
        .is_permission_controlled()
        .is_read_receipt()
        .is_signed()
        .is_voicemail()
        .message_action_flag(MessageActionFlag::FollowUp)
        .not_sent_to_me()
        .recipient_contains(["team"])
        .sender_contains(["meg"])
        .sensitivity(Sensitivity::Private)
        .sent_cc_me()
        .sent_only_to_me()
        .sent_to_addresses([ADELE])
        .sent_to_me()
        .sent_to_or_cc_me()
        .subject_contains(["invoice"])
        .within_size_range(SizeRange::kilobytes(10, 2048));
    let then = MessageRuleActions::new()
        .assign_categories(["Invoices"])
        .copy_to_folder("AAMkCopy")
        .delete()
        .forward_as_attachment_to([ALEX])
        .forward_to([ALEX])
        .mark_as_read()
        .mark_importance(Importance::Low)
        .move_to_folder("AAMkMove")
        .permanent_delete()
        .redirect_to([MEGAN])
        .stop_processing_rules();
    let rule = MessageRule::new("Everything", 0)
        .enabled(false)
        .when(when.clone())
        .except(MessageRulePredicates::new().is_automatic_reply())
        .then(then.clone());
    let stored = client(&server)
        .user(ADELE)
        .message_rules()
        .create(rule)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(stored.conditions, Some(when));
    assert_eq!(stored.actions, Some(then));
}

#[tokio::test]
async fn list_get_update_delete_on_the_wire() {
    let mut server = server().await;
    let base = "/me/mailFolders/inbox/messageRules";
    let mut stored = from_partner_answer();
    stored.as_object_mut().unwrap().remove("@odata.context");
    let list = expect_bare(&mut server, "GET", base)
        .with_body(json!({"value": [stored]}).to_string())
        .create_async()
        .await;
    let get = expect_bare(&mut server, "GET", &format!("{base}/{RULE}"))
        .with_body(stored.to_string())
        .create_async()
        .await;
    let mut disabled = stored.clone();
    disabled["isEnabled"] = json!(false);
    disabled["sequence"] = json!(5);
    let update = expect_json_answered(
        &mut server,
        "PATCH",
        &format!("{base}/{RULE}"),
        json!({"isEnabled": false, "sequence": 5}),
        200,
        disabled,
    )
    .await;
    let delete = expect_bare(&mut server, "DELETE", &format!("{base}/{RULE}"))
        .with_status(204)
        .create_async()
        .await;

    let rules = client(&server).me().message_rules();
    let all = rules.list().collect().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(serde_json::to_value(&all[0]).unwrap(), stored);
    assert_eq!(rules.get(RULE).await.unwrap(), all[0]);
    let updated = rules
        .update(RULE, MessageRulePatch::new().enabled(false).sequence(5))
        .await
        .unwrap();
    assert_eq!(
        (updated.is_enabled, updated.sequence),
        (Some(false), Some(5))
    );
    rules.delete(RULE).await.unwrap();
    for mock in [list, get, update, delete] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn predicates_actions_and_values_graph_may_add_survive_a_round_trip() {
    let mut server = server().await;
    let future = json!({
        "id": RULE,
        "displayName": "Future",
        "sequence": 1,
        "isEnabled": true,
        "hasError": false,
        "isReadOnly": true,
        "conditions": {"messageActionFlag": "escalate", "isFromBot": true, "senderContains": ["X"]},
        "exceptions": {"isOnHoliday": {"region": "NL"}},
        "actions": {"pinMessage": true, "markAsRead": true}
    });
    let mock = expect_bare(&mut server, "GET", "/me/mailFolders/inbox/messageRules")
        .with_body(json!({"value": [future]}).to_string())
        .create_async()
        .await;
    let page = client(&server).me().message_rules().list().await.unwrap();
    mock.assert_async().await;
    let rule = &page.value[0];
    let conditions = rule.conditions.as_ref().unwrap();
    assert_eq!(
        conditions.message_action_flag,
        Some(MessageActionFlag::Other("escalate".into()))
    );
    assert_eq!(conditions.other.get("isFromBot"), Some(&json!(true)));
    assert_eq!(
        rule.actions.as_ref().unwrap().other.get("pinMessage"),
        Some(&json!(true))
    );
    assert_eq!(serde_json::to_value(rule).unwrap(), future);
}

#[tokio::test]
async fn refuses_locally_what_graph_would_refuse() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let rules = client(&server).me().message_rules();
    let act = || MessageRuleActions::new().mark_as_read();
    let invalid = [
        MessageRule::new("", 1).then(act()),
        MessageRule::new("   ", 1).then(act()),
        MessageRule::new("Negative", -1).then(act()),
        MessageRule::new("No actions", 1),
        MessageRule::new("Empty actions", 1).then(MessageRuleActions::new()),
        MessageRule::new("Empty folder", 1).then(MessageRuleActions::new().move_to_folder(" ")),
        MessageRule::new("Empty word", 1)
            .when(MessageRulePredicates::new().subject_contains(["invoice", ""]))
            .then(act()),
        MessageRule::new("Inverted", 1)
            .when(MessageRulePredicates::new().within_size_range(SizeRange::kilobytes(10, 1)))
            .then(act()),
        MessageRule::new("Negative size", 1)
            .except(MessageRulePredicates::new().within_size_range(SizeRange::at_most(-1)))
            .then(act()),
    ];
    for rule in invalid {
        let name = rule.display_name.clone();
        let refused = rules.create(rule).await;
        assert!(
            matches!(
                refused,
                Err(Error::InvalidRequest(InvalidRequest::InvalidValue { .. }))
            ),
            "{name:?}: {refused:?}"
        );
    }
    let bad_address = rules
        .create(MessageRule::new("Bad", 1).then(MessageRuleActions::new().redirect_to(["alex"])))
        .await;
    assert!(matches!(
        bad_address,
        Err(Error::InvalidRequest(InvalidRequest::InvalidAddress { address })) if address == "alex"
    ));
    let patches = [
        MessageRulePatch::new(),
        MessageRulePatch::new().display_name(""),
        MessageRulePatch::new().sequence(-3),
        MessageRulePatch::new().actions(MessageRuleActions::new()),
        MessageRulePatch::new().conditions(MessageRulePredicates::new().sender_contains([" "])),
    ];
    for patch in patches {
        let refused = rules.update(RULE, patch.clone()).await;
        assert!(
            matches!(
                refused,
                Err(Error::InvalidRequest(InvalidRequest::InvalidValue { .. }))
            ),
            "{patch:?}: {refused:?}"
        );
    }
    assert!(rules.get("").await.is_err());
    assert!(rules.delete(" ").await.is_err());
    none.assert_async().await;
}

#[tokio::test]
async fn sandbox_rule_life_with_state_read_back() {
    let sandbox = clients::sandbox_with_clock_set(&[ADELE]).await;
    let rules = clients::delegated(&sandbox, ADELE).me().message_rules();
    assert!(rules.list().collect().await.unwrap().is_empty());

    let created = rules.create(from_partner()).await.unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(created.display_name.as_deref(), Some("From partner"));
    assert_eq!(created.sequence, Some(2));
    assert_eq!(created.is_enabled, Some(true));
    assert_eq!(created.has_error, Some(false));
    assert_eq!(created.is_read_only, Some(false));
    assert_eq!(rules.get(&id).await.unwrap(), created);

    let updated = rules
        .update(
            &id,
            MessageRulePatch::new()
                .enabled(false)
                .actions(MessageRuleActions::new().delete()),
        )
        .await
        .unwrap();
    assert_eq!(updated.is_enabled, Some(false));
    assert_eq!(updated.actions, Some(MessageRuleActions::new().delete()));
    // The rest is unchanged (a partial update).
    assert_eq!(updated.display_name, created.display_name);
    assert_eq!(updated.conditions, created.conditions);
    assert_eq!(rules.list().collect().await.unwrap(), [updated]);

    rules.delete(&id).await.unwrap();
    assert!(rules.get(&id).await.unwrap_err().is_not_found());
    assert!(rules.list().collect().await.unwrap().is_empty());

    // What only the server can know comes back as a typed Graph error, and nothing is stored.
    let missing_folder = rules
        .create(
            MessageRule::new("Nowhere", 1)
                .then(MessageRuleActions::new().move_to_folder("AAMkAnotAFolder")),
        )
        .await
        .unwrap_err();
    assert_eq!(missing_folder.status(), Some(400));
    assert_eq!(missing_folder.graph_code(), Some("ErrorInvalidParameter"));
    assert!(rules.list().collect().await.unwrap().is_empty());
}

#[tokio::test]
async fn sandbox_a_rule_files_invoices_from_a_sender_as_they_arrive() {
    let sandbox = clients::sandbox_with_clock_set(&[ADELE, ALEX, MEGAN]).await;
    let adele = clients::delegated(&sandbox, ADELE).me();
    let invoices = adele.create_mail_folder("Invoices").await.unwrap();
    let folder_id = invoices.id.clone().unwrap();
    adele
        .message_rules()
        .create(
            MessageRule::new("Invoices from Alex", 1)
                .when(
                    MessageRulePredicates::new()
                        .from_addresses([ALEX])
                        .subject_contains(["invoice"]),
                )
                .then(
                    MessageRuleActions::new()
                        .move_to_folder(&folder_id)
                        .mark_as_read()
                        .assign_categories(["Invoices"])
                        .stop_processing_rules(),
                ),
        )
        .await
        .unwrap();

    let send = |from: &str, subject: &str| {
        let client = clients::delegated(&sandbox, from);
        let subject = subject.to_string();
        async move {
            client
                .me()
                .send_mail(Message::new().subject(subject).text_body("Hi").to(ADELE))
                .await
                .unwrap();
        }
    };
    send(ALEX, "Invoice 2026-117").await;
    send(ALEX, "Lunch?").await;
    send(MEGAN, "Invoice from Megan").await;

    let in_folder = |folder: String| {
        let adele = adele.clone();
        async move {
            let mut messages = adele
                .list_messages()
                .in_folder(folder)
                .select(["subject", "isRead", "categories", "parentFolderId"])
                .send()
                .await
                .unwrap()
                .value;
            messages.sort_by(|a, b| a.subject.cmp(&b.subject));
            messages
        }
    };
    let filed = in_folder(folder_id.clone()).await;
    let subjects = |list: &[Message]| -> Vec<String> {
        list.iter().map(|m| m.subject.clone().unwrap()).collect()
    };
    assert_eq!(subjects(&filed), ["Invoice 2026-117"]);
    assert_eq!(filed[0].is_read, Some(true));
    assert_eq!(filed[0].categories, ["Invoices"]);
    assert_eq!(
        filed[0].parent_folder_id.as_deref(),
        Some(folder_id.as_str())
    );
    let inbox = in_folder("inbox".into()).await;
    assert_eq!(subjects(&inbox), ["Invoice from Megan", "Lunch?"]);
    assert!(inbox.iter().all(|m| m.is_read == Some(false)));
    assert!(inbox.iter().all(|m| m.categories.is_empty()));
}
