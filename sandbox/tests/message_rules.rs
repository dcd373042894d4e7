//! Inbox rules, `…/mailFolders/inbox/messageRules` (GRAPH-FACTS-2 §7.2): CRUD with
//! exact bodies, validation, permissions, and rules evaluated on delivery (sendMail from
//! another user, then reading where the message landed).

mod common;

use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";
const MEGAN: &str = "megan@contoso.com";

fn rules_url(sb: &Sandbox, tail: &str) -> String {
    format!("{}/me/mailFolders/inbox/messageRules{tail}", sb.base_url())
}

/// Creates a rule in `owner`'s Inbox; returns the 201 body.
async fn create_rule(sb: &Sandbox, client: &reqwest::Client, owner: &str, rule: Value) -> Value {
    let token = sb.delegated_token(owner);
    let (status, body) =
        status_json(post_json(client, &rules_url(sb, ""), &token, &rule).await).await;
    assert_eq!(status, 201, "{body}");
    body
}

/// `from` sends `message` (Graph `message` JSON) with sendMail.
async fn send(sb: &Sandbox, client: &reqwest::Client, from: &str, message: Value) {
    let token = sb.delegated_token(from);
    let resp = post_json(
        client,
        &format!("{}/me/sendMail", sb.base_url()),
        &token,
        &json!({ "message": message }),
    )
    .await;
    assert_eq!(resp.status(), 202);
}

fn mail(subject: &str, body: &str, to: &[&str]) -> Value {
    let to: Vec<Value> = to
        .iter()
        .map(|a| json!({"emailAddress": {"address": a}}))
        .collect();
    json!({
        "subject": subject,
        "body": {"contentType": "text", "content": body},
        "toRecipients": to,
    })
}

fn subjects(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|m| m["subject"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The rule's JSON without `@odata.context` and `id`.
fn without_context_and_id(v: &Value) -> Value {
    let mut v = v.clone();
    if let Value::Object(m) = &mut v {
        m.remove("@odata.context");
        m.remove("id");
    }
    v
}

#[tokio::test]
async fn create_as_in_the_docs_then_get_list_update_delete() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    let user_id = sb.add_user(ADELE);
    // The request of the "Create rule" example.
    let created = create_rule(
        &sb,
        &client,
        ADELE,
        json!({
            "displayName": "From partner",
            "sequence": 2,
            "isEnabled": true,
            "conditions": {"senderContains": ["adele"]},
            "actions": {
                "forwardTo": [{"emailAddress": {"name": "Alex Wilbur", "address": "AlexW@contoso.onmicrosoft.com"}}],
                "stopProcessingRules": true,
            },
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert!(
        id.starts_with("AQAAA") && id.ends_with('=') && id.len() == 12,
        "{id}"
    );
    let context = format!(
        "{}/v1.0/$metadata#users('{user_id}')/mailFolders('inbox')/messageRules",
        sb.authority_url()
    );
    let expected = json!({
        "@odata.context": format!("{context}/$entity"),
        "id": id,
        "displayName": "From partner",
        "sequence": 2,
        "isEnabled": true,
        "hasError": false,
        "isReadOnly": false,
        "conditions": {"senderContains": ["adele"]},
        "actions": {
            "stopProcessingRules": true,
            "forwardTo": [{"emailAddress": {"name": "Alex Wilbur", "address": "AlexW@contoso.onmicrosoft.com"}}],
        },
    });
    assert_eq!(created, expected);

    let rule_url = rules_url(&sb, &format!("/{}", id.replace('/', "%2F")));
    let (status, got) = get_json(&client, &rule_url, &token).await;
    assert_eq!(status, 200);
    assert_eq!(got, expected);

    // A second rule with a lower sequence is listed first.
    let first = create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "Read newsletters", "sequence": 1,
               "conditions": {"subjectContains": ["newsletter"]},
               "actions": {"markAsRead": true}}),
    )
    .await;
    assert_eq!(first["isEnabled"], true, "isEnabled defaults to true");
    let (status, list) = get_json(&client, &rules_url(&sb, ""), &token).await;
    assert_eq!(status, 200);
    assert_eq!(list["@odata.context"], context);
    let names: Vec<String> = values(&list)
        .iter()
        .map(|r| r["displayName"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(names, ["Read newsletters", "From partner"]);

    // PATCH changes only what it names; `conditions` is replaced as a whole.
    let (status, updated) = status_json(
        patch_json(
            &client,
            &rule_url,
            &token,
            &json!({"isEnabled": false, "conditions": {"fromAddresses": [{"emailAddress": {"address": "megan@contoso.com"}}]}}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        without_context_and_id(&updated),
        json!({
            "displayName": "From partner",
            "sequence": 2,
            "isEnabled": false,
            "hasError": false,
            "isReadOnly": false,
            "conditions": {"fromAddresses": [{"emailAddress": {"address": "megan@contoso.com"}}]},
            "actions": {
                "stopProcessingRules": true,
                "forwardTo": [{"emailAddress": {"name": "Alex Wilbur", "address": "AlexW@contoso.onmicrosoft.com"}}],
            },
        })
    );
    let (_, got) = get_json(&client, &rule_url, &token).await;
    assert_eq!(got, updated);

    let resp = delete(&client, &rule_url, &token).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(resp.text().await.unwrap(), "");
    let (status, body) = get_json(&client, &rule_url, &token).await;
    assert_eq!(status, 404);
    assert_graph_error(
        &body,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    );
    let (_, list) = get_json(&client, &rules_url(&sb, ""), &token).await;
    assert_eq!(values(&list).len(), 1);
}

#[tokio::test]
async fn the_inbox_is_addressed_by_name_in_any_case_or_by_id_and_only_the_inbox() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "R", "sequence": 1, "actions": {"markAsRead": true}}),
    )
    .await;
    let (_, inbox) = get_json(
        &client,
        &format!("{}/me/mailFolders/inbox", sb.base_url()),
        &token,
    )
    .await;
    let inbox_id = inbox["id"].as_str().unwrap();
    for folder in ["Inbox", "INBOX", inbox_id] {
        let (status, list) = get_json(
            &client,
            &format!("{}/me/mailFolders/{folder}/messageRules", sb.base_url()),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{folder}: {list}");
        assert_eq!(values(&list).len(), 1, "{folder}");
    }
    let (status, body) = get_json(
        &client,
        &format!("{}/me/mailFolders/sentitems/messageRules", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &body,
        "ErrorInvalidParameter",
        "Message rules are only supported on the Inbox folder.",
    );
    let (status, _) = get_json(
        &client,
        &format!("{}/me/mailFolders/AAMkAnope/messageRules", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_rules_are_refused_and_nothing_is_stored() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    let cases = [
        (
            json!({"sequence": 1, "actions": {"markAsRead": true}}),
            "ErrorInvalidParameter",
            "The property 'displayName' is required to create a message rule.",
        ),
        (
            json!({"displayName": "R", "actions": {"markAsRead": true}}),
            "ErrorInvalidParameter",
            "The property 'sequence' is required to create a message rule.",
        ),
        (
            json!({"displayName": "R", "sequence": 1}),
            "ErrorInvalidParameter",
            "The property 'actions' is required to create a message rule.",
        ),
        (
            json!({"displayName": "R", "sequence": 1, "actions": {"markAsRead": true}, "priority": 1}),
            "BadRequest",
            "The property 'priority' does not exist on type 'microsoft.graph.messageRule'. Make sure to only use property names that are defined by the type or mark the type as open type.",
        ),
        (
            json!({"displayName": "R", "sequence": 1, "conditions": {"fromContains": ["x"]}, "actions": {"markAsRead": true}}),
            "BadRequest",
            "The property 'fromContains' does not exist on type 'microsoft.graph.messageRulePredicates'. Make sure to only use property names that are defined by the type or mark the type as open type.",
        ),
        (
            json!({"displayName": "R", "sequence": 1, "actions": {"archive": true}}),
            "BadRequest",
            "The property 'archive' does not exist on type 'microsoft.graph.messageRuleActions'. Make sure to only use property names that are defined by the type or mark the type as open type.",
        ),
        (
            json!({"displayName": "R", "sequence": 1, "conditions": {"importance": "urgent"}, "actions": {"markAsRead": true}}),
            "RequestBodyRead",
            "Cannot convert the literal 'urgent' to the expected type 'microsoft.graph.importance'.",
        ),
        (
            json!({"displayName": "R", "sequence": 1, "actions": {"moveToFolder": "AAMkAnotAFolder"}}),
            "ErrorInvalidParameter",
            "The folder 'AAMkAnotAFolder' of the action 'moveToFolder' doesn't exist in the mailbox.",
        ),
        (
            json!({"displayName": "R", "sequence": 1, "conditions": {"subjectContains": "x"}, "actions": {"markAsRead": true}}),
            "RequestBodyRead",
            "The value of the property 'subjectContains' is not valid.",
        ),
        (
            json!({"displayName": "R", "sequence": 1, "conditions": {"withinSizeRange": {"minimumSize": 1, "max": 2}}, "actions": {"markAsRead": true}}),
            "BadRequest",
            "The property 'max' does not exist on type 'microsoft.graph.sizeRange'. Make sure to only use property names that are defined by the type or mark the type as open type.",
        ),
    ];
    for (body, code, message) in cases {
        let (status, answer) =
            status_json(post_json(&client, &rules_url(&sb, ""), &token, &body).await).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_graph_error(&answer, code, message);
    }
    let (_, list) = get_json(&client, &rules_url(&sb, ""), &token).await;
    assert_eq!(list["value"], json!([]));
}

#[tokio::test]
async fn predicates_and_actions_are_stored_in_graphs_spelling_with_folder_ids() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    let (_, archive) = get_json(
        &client,
        &format!("{}/me/mailFolders/archive", sb.base_url()),
        &token,
    )
    .await;
    let created = create_rule(
        &sb,
        &client,
        ADELE,
        json!({
            "DisplayName": "Big from Megan",
            "Sequence": 5,
            "conditions": {"FromAddresses": [{"emailAddress": {"address": "megan@contoso.com"}}],
                           "withinSizeRange": {"minimumSize": 10, "maximumSize": 2048},
                           "importance": "High", "hasAttachments": true, "isSigned": null},
            "exceptions": {"subjectContains": ["keep"]},
            "actions": {"moveToFolder": "archive", "markImportance": "low",
                        "assignCategories": ["Red category"], "redirectTo": [{"emailAddress": {"address": "alex@contoso.com"}}]},
        }),
    )
    .await;
    assert_eq!(
        without_context_and_id(&created),
        json!({
            "displayName": "Big from Megan",
            "sequence": 5,
            "isEnabled": true,
            "hasError": false,
            "isReadOnly": false,
            "conditions": {"fromAddresses": [{"emailAddress": {"address": "megan@contoso.com"}}],
                           "withinSizeRange": {"minimumSize": 10, "maximumSize": 2048},
                           "importance": "high", "hasAttachments": true},
            "exceptions": {"subjectContains": ["keep"]},
            "actions": {"moveToFolder": archive["id"], "markImportance": "low",
                        "assignCategories": ["Red category"], "redirectTo": [{"emailAddress": {"address": "alex@contoso.com"}}]},
        })
    );
}

#[tokio::test]
async fn reading_needs_mailbox_settings_read_and_writing_read_write() {
    let (sb, client) = setup().await;
    let rule = json!({"displayName": "R", "sequence": 1, "actions": {"markAsRead": true}});
    let created = create_rule(&sb, &client, ADELE, rule.clone()).await;
    let id = created["id"].as_str().unwrap().replace('/', "%2F");

    let reader = sb.delegated_token_with_scopes(ADELE, &["MailboxSettings.Read"]);
    let (status, list) = get_json(&client, &rules_url(&sb, ""), &reader).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(values(&list).len(), 1);
    let (status, body) =
        status_json(post_json(&client, &rules_url(&sb, ""), &reader, &rule).await).await;
    assert_eq!(status, 403);
    assert_graph_error(&body, "ErrorAccessDenied", DENIED);
    let (status, _) = status_json(
        patch_json(
            &client,
            &rules_url(&sb, &format!("/{id}")),
            &reader,
            &json!({"isEnabled": false}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    let resp = delete(&client, &rules_url(&sb, &format!("/{id}")), &reader).await;
    assert_eq!(resp.status(), 403);

    let mail = sb.delegated_token_with_scopes(ADELE, &["Mail.ReadWrite"]);
    let (status, body) = get_json(&client, &rules_url(&sb, ""), &mail).await;
    assert_eq!(status, 403);
    assert_graph_error(&body, "ErrorAccessDenied", DENIED);

    let token = sb.delegated_token(ADELE);
    let (_, list) = get_json(&client, &rules_url(&sb, ""), &token).await;
    assert_eq!(without_context_and_id(&values(&list)[0]), {
        let mut expected = without_context_and_id(&created);
        expected["isEnabled"] = json!(true);
        expected
    });
    assert_eq!(values(&list).len(), 1);
}

/// `address`'s messages of `folder` with `$select` (as that user).
async fn select(
    sb: &Sandbox,
    client: &reqwest::Client,
    address: &str,
    folder: &str,
    fields: &str,
) -> Vec<Value> {
    let token = sb.delegated_token(address);
    let (status, body) = get_json(
        client,
        &format!(
            "{}/me/mailFolders/{folder}/messages?$select={fields}",
            sb.base_url()
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    values(&body)
}

fn loop_header(msg: &Value) -> Vec<String> {
    msg["internetMessageHeaders"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter(|h| h["name"] == "X-MS-Exchange-Inbox-Rules-Loop")
                .map(|h| h["value"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_rule_moves_marks_read_categorises_and_forwards_on_delivery() {
    let (sb, client) = setup().await;
    sb.add_user(MEGAN);
    let token = sb.delegated_token(ADELE);
    let (_, archive) = get_json(
        &client,
        &format!("{}/me/mailFolders/archive", sb.base_url()),
        &token,
    )
    .await;
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({
            "displayName": "From Megan",
            "sequence": 1,
            "conditions": {"senderContains": ["MEGAN"]},
            "actions": {"moveToFolder": "archive", "markAsRead": true,
                        "assignCategories": ["Red category"],
                        "forwardTo": [{"emailAddress": {"address": ALEX}}]},
        }),
    )
    .await;
    send(
        &sb,
        &client,
        MEGAN,
        mail("Quarterly numbers", "See attached.", &[ADELE]),
    )
    .await;
    // A message from someone else is left alone.
    send(&sb, &client, ALEX, mail("Lunch?", "At noon", &[ADELE])).await;

    let inbox = sb.messages(ADELE, "inbox");
    assert_eq!(subjects(&inbox), ["Lunch?"]);
    assert_eq!(inbox[0]["isRead"], false);
    assert_eq!(inbox[0]["categories"], json!([]));
    let filed = sb.messages(ADELE, "archive");
    assert_eq!(subjects(&filed), ["Quarterly numbers"]);
    assert_eq!(filed[0]["isRead"], true);
    assert_eq!(filed[0]["categories"], json!(["Red category"]));
    assert_eq!(filed[0]["parentFolderId"], archive["id"]);
    assert_eq!(filed[0]["from"]["emailAddress"]["address"], MEGAN);
    // The moved message is the one Graph serves by its (new) id.
    let (status, got) = get_json(
        &client,
        &format!(
            "{}/me/messages/{}",
            sb.base_url(),
            filed[0]["id"].as_str().unwrap()
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["parentFolderId"], archive["id"]);

    // Alex got the forward, from Adele, marked by the loop header.
    let forwarded = select(
        &sb,
        &client,
        ALEX,
        "inbox",
        "subject,from,toRecipients,body,internetMessageHeaders",
    )
    .await;
    assert_eq!(subjects(&forwarded), ["FW: Quarterly numbers"]);
    assert_eq!(forwarded[0]["from"]["emailAddress"]["address"], ADELE);
    assert_eq!(
        forwarded[0]["toRecipients"],
        json!([{"emailAddress": {"name": "Alex", "address": ALEX}}])
    );
    assert_eq!(forwarded[0]["body"]["content"], "See attached.");
    assert_eq!(loop_header(&forwarded[0]), [ADELE]);
    // A rule's forward leaves nothing in Adele's Sent Items.
    assert!(sb.messages(ADELE, "sentitems").is_empty());
}

#[tokio::test]
async fn rules_run_in_sequence_order_until_stop_processing_rules() {
    let (sb, client) = setup().await;
    // Created first, but runs second.
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "Everything read", "sequence": 2, "actions": {"markAsRead": true}}),
    )
    .await;
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "Invoices", "sequence": 1,
               "conditions": {"subjectContains": ["invoice"]},
               "actions": {"assignCategories": ["Billing"], "markImportance": "high", "stopProcessingRules": true}}),
    )
    .await;
    send(&sb, &client, ALEX, mail("INVOICE 42", "Pay", &[ADELE])).await;
    send(&sb, &client, ALEX, mail("Hello", "Hi", &[ADELE])).await;
    let inbox = sb.messages(ADELE, "inbox");
    assert_eq!(subjects(&inbox), ["Hello", "INVOICE 42"]);
    let (hello, invoice) = (&inbox[0], &inbox[1]);
    assert_eq!(invoice["categories"], json!(["Billing"]));
    assert_eq!(invoice["importance"], "high");
    assert_eq!(invoice["isRead"], false, "the second rule never ran");
    assert_eq!(hello["categories"], json!([]));
    assert_eq!(hello["importance"], "normal");
    assert_eq!(hello["isRead"], true);
}

#[tokio::test]
async fn an_exception_excludes_the_message_and_a_disabled_rule_does_nothing() {
    let (sb, client) = setup().await;
    sb.add_user(MEGAN);
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "Clean up", "sequence": 1,
               "conditions": {"sentToMe": true},
               "exceptions": {"subjectContains": ["urgent"], "importance": "high"},
               "actions": {"delete": true}}),
    )
    .await;
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "Off", "sequence": 0, "isEnabled": false,
               "actions": {"permanentDelete": true}}),
    )
    .await;
    send(&sb, &client, ALEX, mail("Weekly digest", "news", &[ADELE])).await;
    send(
        &sb,
        &client,
        ALEX,
        mail("Urgent: server down", "now", &[ADELE]),
    )
    .await;
    let mut important = mail("Board meeting", "agenda", &[ADELE]);
    important["importance"] = json!("high");
    send(&sb, &client, ALEX, important).await;
    // Cc'd, not in To: `sentToMe` does not hold.
    let mut cc = mail("FYI", "cc", &[MEGAN]);
    cc["ccRecipients"] = json!([{"emailAddress": {"address": ADELE}}]);
    send(&sb, &client, ALEX, cc).await;

    assert_eq!(
        subjects(&sb.messages(ADELE, "inbox")),
        ["FYI", "Board meeting", "Urgent: server down"]
    );
    assert_eq!(
        subjects(&sb.messages(ADELE, "deleteditems")),
        ["Weekly digest"]
    );
}

#[tokio::test]
async fn two_mailboxes_forwarding_to_each_other_stop_after_one_round() {
    let (sb, client) = setup().await;
    sb.add_user(MEGAN);
    for (owner, to) in [(ADELE, ALEX), (ALEX, ADELE)] {
        create_rule(
            &sb,
            &client,
            owner,
            json!({"displayName": "Forward all", "sequence": 1,
                   "actions": {"forwardTo": [{"emailAddress": {"address": to}}]}}),
        )
        .await;
    }
    send(&sb, &client, MEGAN, mail("Ping", "ping", &[ADELE])).await;
    let adele = select(
        &sb,
        &client,
        ADELE,
        "inbox",
        "subject,internetMessageHeaders",
    )
    .await;
    assert_eq!(subjects(&adele), ["FW: FW: Ping", "Ping"]);
    assert_eq!(loop_header(&adele[0]), [ADELE, ALEX]);
    let alex = select(
        &sb,
        &client,
        ALEX,
        "inbox",
        "subject,internetMessageHeaders",
    )
    .await;
    assert_eq!(subjects(&alex), ["FW: Ping"]);
    assert_eq!(loop_header(&alex[0]), [ADELE]);
}

/// `address`'s Inbox `totalItemCount`.
async fn inbox_total(sb: &Sandbox, client: &reqwest::Client, address: &str) -> u64 {
    let token = sb.delegated_token(address);
    let url = format!("{}/me/mailFolders/inbox", sb.base_url());
    let (status, body) = get_json(client, &url, &token).await;
    assert_eq!(status, 200, "{body}");
    body["totalItemCount"].as_u64().expect("totalItemCount")
}

#[tokio::test]
async fn rules_fanning_out_send_at_most_32_copies_per_delivery_and_each_recipient_once() {
    const NESTOR: &str = "nestor@contoso.com";
    let (sb, client) = setup().await;
    sb.add_user(NESTOR);
    // Six rules a mailbox, each forwarding to the next mailbox (named twice): unbounded,
    // one message would give 6 + 36 + 216 forwards.
    for (owner, to) in [(ADELE, ALEX), (ALEX, MEGAN), (MEGAN, NESTOR)] {
        for n in 1..=6 {
            create_rule(
                &sb,
                &client,
                owner,
                json!({"displayName": format!("Forward {n}"), "sequence": n,
                       "actions": {"forwardTo": [{"emailAddress": {"address": to}},
                                                 {"emailAddress": {"address": to.to_uppercase()}}]}}),
            )
            .await;
        }
    }
    send(&sb, &client, NESTOR, mail("Fan", "out", &[ADELE])).await;
    assert_eq!(inbox_total(&sb, &client, ADELE).await, 1);
    let mut forwarded = 0;
    for who in [ALEX, MEGAN, NESTOR] {
        forwarded += inbox_total(&sb, &client, who).await;
    }
    assert_eq!(forwarded, 32);
    // The first forward reached Alex once although the rule names him twice.
    let alex = select(&sb, &client, ALEX, "inbox", "subject").await;
    assert!(!alex.is_empty() && subjects(&alex).iter().all(|s| s == "FW: Fan"));
    // A new delivery gets a budget of its own.
    send(&sb, &client, NESTOR, mail("Again", "out", &[ADELE])).await;
    let mut again = 0;
    for who in [ALEX, MEGAN, NESTOR] {
        again += inbox_total(&sb, &client, who).await;
    }
    assert_eq!(again, 64);
}

#[tokio::test]
async fn redirect_keeps_the_original_and_forward_as_attachment_wraps_it() {
    let (sb, client) = setup().await;
    sb.add_user(MEGAN);
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "Hand over", "sequence": 1,
               "conditions": {"fromAddresses": [{"emailAddress": {"address": "MEGAN@contoso.com"}}]},
               "actions": {"redirectTo": [{"emailAddress": {"address": ALEX}}],
                           "forwardAsAttachmentTo": [{"emailAddress": {"address": "boss@fabrikam.com"}}],
                           "permanentDelete": true}}),
    )
    .await;
    send(&sb, &client, MEGAN, mail("Contract", "Draft v2", &[ADELE])).await;
    assert!(sb.messages(ADELE, "inbox").is_empty());
    assert!(sb.messages(ADELE, "deleteditems").is_empty());

    let alex = sb.messages(ALEX, "inbox");
    assert_eq!(subjects(&alex), ["Contract"]);
    assert_eq!(alex[0]["from"]["emailAddress"]["address"], MEGAN);
    assert_eq!(
        alex[0]["toRecipients"],
        json!([{"emailAddress": {"name": "Adele", "address": ADELE}}])
    );
    assert_eq!(alex[0]["body"]["content"], "Draft v2");

    let outbound = sb.outbound();
    assert_eq!(outbound.len(), 1);
    let fw = &outbound[0];
    assert_eq!(fw["subject"], "FW: Contract");
    assert_eq!(fw["from"]["emailAddress"]["address"], ADELE);
    assert_eq!(fw["hasAttachments"], true);
    let att = &fw["attachments"][0];
    assert_eq!(att["@odata.type"], "#microsoft.graph.itemAttachment");
    assert_eq!(att["name"], "Contract");
    assert_eq!(att["item"]["subject"], "Contract");
    assert_eq!(att["item"]["from"]["emailAddress"]["address"], MEGAN);
}

#[tokio::test]
async fn size_attachments_and_recipient_predicates() {
    let (sb, client) = setup().await;
    sb.add_user(MEGAN);
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "Big with files", "sequence": 1,
               "conditions": {"hasAttachments": true, "withinSizeRange": {"minimumSize": 2, "maximumSize": 10}},
               "actions": {"assignCategories": ["Big"]}}),
    )
    .await;
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "Only me", "sequence": 2,
               "conditions": {"sentOnlyToMe": true, "recipientContains": ["adele"]},
               "actions": {"assignCategories": ["Personal"]}}),
    )
    .await;
    let with_file = |subject: &str, kb: usize| {
        let mut m = mail(subject, "file", &[ADELE, MEGAN]);
        m["attachments"] = json!([{
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "a.bin",
            "contentType": "application/octet-stream",
            "contentBytes": base64_of(kb * 1024),
        }]);
        m
    };
    send(&sb, &client, ALEX, with_file("Five KB", 5)).await;
    send(&sb, &client, ALEX, with_file("Twenty KB", 20)).await;
    send(&sb, &client, ALEX, mail("Just you", "hi", &[ADELE])).await;
    let inbox = sb.messages(ADELE, "inbox");
    assert_eq!(subjects(&inbox), ["Just you", "Twenty KB", "Five KB"]);
    assert_eq!(inbox[0]["categories"], json!(["Personal"]));
    assert_eq!(inbox[1]["categories"], json!([]));
    assert_eq!(inbox[2]["categories"], json!(["Big"]));
}

/// Base64 of `n` zero bytes.
fn base64_of(n: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(vec![0u8; n])
}

/// Follows a delta round to its end; returns (items, deltaLink).
async fn delta_round(client: &reqwest::Client, url: &str, token: &str) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut next = url.to_string();
    loop {
        let (status, body) = get_json(client, &next, token).await;
        assert_eq!(status, 200, "{body}");
        items.extend(values(&body));
        if let Some(link) = body["@odata.nextLink"].as_str() {
            next = link.to_string();
        } else {
            let delta = body["@odata.deltaLink"].as_str().expect("deltaLink");
            return (items, delta.to_string());
        }
    }
}

#[tokio::test]
async fn delta_sees_a_message_a_rule_moved_only_where_it_landed() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "File", "sequence": 1, "actions": {"moveToFolder": "archive"}}),
    )
    .await;
    let delta = |folder: &str| format!("{}/me/mailFolders/{folder}/messages/delta", sb.base_url());
    let (items, inbox_link) = delta_round(&client, &delta("inbox"), &token).await;
    assert!(items.is_empty());
    let (items, archive_link) = delta_round(&client, &delta("archive"), &token).await;
    assert!(items.is_empty());

    send(&sb, &client, ALEX, mail("Filed", "x", &[ADELE])).await;

    let (items, _) = delta_round(&client, &inbox_link, &token).await;
    assert_eq!(items, Vec::<Value>::new());
    let (items, _) = delta_round(&client, &archive_link, &token).await;
    assert_eq!(subjects(&items), ["Filed"]);
    assert_eq!(items[0]["id"], sb.messages(ADELE, "archive")[0]["id"]);
}

#[tokio::test]
async fn a_rule_files_into_a_created_folder_and_is_in_error_once_the_folder_is_gone() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    let (status, folder) = status_json(
        post_json(
            &client,
            &format!("{}/me/mailFolders", sb.base_url()),
            &token,
            &json!({"displayName": "Receipts"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{folder}");
    let folder_id = folder["id"].as_str().unwrap().to_string();
    let rule = create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "Receipts", "sequence": 1,
               "conditions": {"bodyOrSubjectContains": ["receipt"]},
               "actions": {"moveToFolder": folder_id, "copyToFolder": "inbox"}}),
    )
    .await;
    assert_eq!(rule["actions"]["moveToFolder"], folder_id.as_str());
    send(
        &sb,
        &client,
        ALEX,
        mail("Your order", "Receipt #1 attached", &[ADELE]),
    )
    .await;
    assert_eq!(subjects(&sb.messages(ADELE, &folder_id)), ["Your order"]);
    // The copy stays in the Inbox.
    assert_eq!(subjects(&sb.messages(ADELE, "inbox")), ["Your order"]);
    let (_, got) = get_json(
        &client,
        &format!("{}/me/mailFolders/{folder_id}", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(got["totalItemCount"], 1);
    assert_eq!(got["unreadItemCount"], 1);

    let resp = post_json(
        &client,
        &format!(
            "{}/me/mailFolders/{folder_id}/permanentDelete",
            sb.base_url()
        ),
        &token,
        &json!({}),
    )
    .await;
    assert_eq!(resp.status(), 204);
    send(&sb, &client, ALEX, mail("Another receipt", "x", &[ADELE])).await;
    assert_eq!(
        subjects(&sb.messages(ADELE, "inbox")),
        ["Another receipt", "Another receipt", "Your order"],
        "the copy is made, the move is skipped"
    );
    let id = rule["id"].as_str().unwrap().replace('/', "%2F");
    let (_, got) = get_json(&client, &rules_url(&sb, &format!("/{id}")), &token).await;
    assert_eq!(got["hasError"], true);
}

#[tokio::test]
async fn is_automatic_reply_matches_the_out_of_office_answer() {
    let (sb, client) = setup().await;
    apply_automatic_replies(
        &sb,
        &client,
        ALEX,
        json!({"status": "alwaysEnabled", "internalReplyMessage": "Away"}),
    )
    .await;
    create_rule(
        &sb,
        &client,
        ADELE,
        json!({"displayName": "OOF to archive", "sequence": 1,
               "conditions": {"isAutomaticReply": true},
               "actions": {"moveToFolder": "archive"}}),
    )
    .await;
    send(&sb, &client, ADELE, mail("Status", "?", &[ALEX])).await;
    assert!(sb.messages(ADELE, "inbox").is_empty());
    assert_eq!(
        subjects(&sb.messages(ADELE, "archive")),
        ["Automatic reply: Status"]
    );
}
