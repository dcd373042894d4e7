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
const DENIED: &str = "Access is denied. Check credentials and try again.";

fn rules_url(sb: &Sandbox, tail: &str) -> String {
    format!("{}/me/mailFolders/inbox/messageRules{tail}", sb.base_url())
}

async fn delete(client: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    client
        .delete(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent")
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
