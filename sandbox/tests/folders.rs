//! Mail folders and message housekeeping (GRAPH-FACTS-2 §7.1): create at the root and
//! under a parent, the top-level list (the root's children only, hidden ones with
//! `includeHiddenFolders=true`, paged), child folders, rename, move, copy (subtree and
//! messages), delete (to Deleted Items), permanent delete of folders and messages,
//! counts that follow the mail, the folder hierarchy delta, errors and permissions.

mod common;

use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const ALEX: &str = "alex@contoso.com";

/// One Graph call: (status, JSON body or `Value::Null` when there is none).
async fn call(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client
        .request(method.parse().unwrap(), url)
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON body")
    };
    (status, value)
}

/// Alex's token (every delegated permission) and the Graph base URL.
fn alex(sb: &Sandbox) -> (String, String) {
    (sb.delegated_token(ALEX), sb.base_url())
}

/// [`call`] as Alex on `{base URL}{path}`.
async fn as_alex(
    sb: &Sandbox,
    client: &reqwest::Client,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (token, base) = alex(sb);
    call(client, method, &format!("{base}{path}"), &token, body).await
}

/// `POST {path}` with `{"displayName": name}`; asserts 201 and returns the folder.
async fn create(sb: &Sandbox, client: &reqwest::Client, path: &str, name: &str) -> Value {
    let (status, body) =
        as_alex(sb, client, "POST", path, Some(json!({"displayName": name}))).await;
    assert_eq!(status, 201, "{body}");
    body
}

/// Alex's folder called `name` as `Sandbox::folders` reports it.
fn folder(sb: &Sandbox, name: &str) -> Value {
    sb.folders(ALEX)
        .into_iter()
        .find(|f| f["displayName"] == name)
        .unwrap_or_else(|| panic!("no folder {name}"))
}

/// The id of a folder (by well-known name or id), read back over HTTP.
async fn id_of(sb: &Sandbox, client: &reqwest::Client, folder: &str) -> String {
    let (status, body) = as_alex(
        sb,
        client,
        "GET",
        &format!("/me/mailFolders/{folder}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// `mailFolder` JSON as Graph returns it.
fn folder_json(
    id: &Value,
    name: &str,
    parent: &str,
    children: u64,
    total: u64,
    unread: u64,
) -> Value {
    json!({
        "id": id,
        "displayName": name,
        "parentFolderId": parent,
        "childFolderCount": children,
        "unreadItemCount": unread,
        "totalItemCount": total,
        "isHidden": false,
    })
}

/// `body` without its `@odata.context`.
fn without_context(mut body: Value) -> Value {
    body.as_object_mut().unwrap().remove("@odata.context");
    body
}

/// Display names of a folder list.
fn names(body: &Value) -> Vec<String> {
    values(body)
        .iter()
        .map(|f| f["displayName"].as_str().unwrap().to_string())
        .collect()
}

const WELL_KNOWN: [&str; 7] = [
    "Inbox",
    "Drafts",
    "Sent Items",
    "Outbox",
    "Deleted Items",
    "Archive",
    "Junk Email",
];

/// adele sends `subject` to alex; returns the id of alex's Inbox copy.
async fn deliver(sb: &Sandbox, client: &reqwest::Client, subject: &str) -> String {
    let resp = post_json(
        client,
        &format!("{}/me/sendMail", sb.base_url()),
        &sb.delegated_token("adele@contoso.com"),
        &simple_mail(subject),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    sb.messages(ALEX, "inbox")
        .into_iter()
        .find(|m| m["subject"] == subject)
        .expect("delivered")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// (totalItemCount, unreadItemCount) of a folder read back over HTTP.
async fn counts(sb: &Sandbox, client: &reqwest::Client, folder: &str) -> (u64, u64) {
    let (_, f) = as_alex(
        sb,
        client,
        "GET",
        &format!("/me/mailFolders/{folder}"),
        None,
    )
    .await;
    (
        f["totalItemCount"].as_u64().unwrap(),
        f["unreadItemCount"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn create_at_the_root_answers_201_and_the_list_shows_only_the_roots_children() {
    let (sb, client) = setup().await;
    let root = id_of(&sb, &client, "msgfolderroot").await;
    let (status, created) = as_alex(
        &sb,
        &client,
        "POST",
        "/me/mailFolders",
        Some(json!({"displayName": "Projects", "isHidden": false})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let user_id = sb.add_user(ALEX);
    let mut expected = folder_json(&created["id"], "Projects", &root, 0, 0, 0);
    expected["@odata.context"] = json!(format!(
        "{}/v1.0/$metadata#users('{user_id}')/mailFolders/$entity",
        sb.authority_url()
    ));
    assert_eq!(created, expected);

    // A child of Projects is not on the top-level list; Projects counts it.
    let child = create(
        &sb,
        &client,
        &format!(
            "/me/mailFolders/{}/childFolders",
            created["id"].as_str().unwrap()
        ),
        "2026",
    )
    .await;
    assert_eq!(
        without_context(child.clone()),
        folder_json(
            &child["id"],
            "2026",
            created["id"].as_str().unwrap(),
            0,
            0,
            0
        )
    );
    let (status, list) = as_alex(&sb, &client, "GET", "/me/mailFolders", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["@odata.context"],
        format!(
            "{}/v1.0/$metadata#users('{user_id}')/mailFolders",
            sb.authority_url()
        )
    );
    let mut expected_names: Vec<&str> = WELL_KNOWN.to_vec();
    expected_names.push("Projects");
    assert_eq!(names(&list), expected_names);
    assert!(list.get("@odata.nextLink").is_none());
    assert_eq!(
        values(&list)[7],
        folder_json(&created["id"], "Projects", &root, 1, 0, 0)
    );

    // The root itself: addressable by its well-known name, never listed.
    let (_, got) = as_alex(&sb, &client, "GET", "/me/mailFolders/MsgFolderRoot", None).await;
    assert_eq!(got["displayName"], "Top of Information Store");
    assert_eq!(got["childFolderCount"], 8);
    assert_eq!(got["id"], root.as_str());
}

#[tokio::test]
async fn hidden_folders_are_listed_only_with_include_hidden_folders() {
    let (sb, client) = setup().await;
    let (token, base) = alex(&sb);
    let root = id_of(&sb, &client, "msgfolderroot").await;
    let (status, hidden) = as_alex(
        &sb,
        &client,
        "POST",
        "/me/mailFolders",
        Some(json!({"displayName": "Sync state", "isHidden": true})),
    )
    .await;
    assert_eq!(status, 201, "{hidden}");
    let mut expected = folder_json(&hidden["id"], "Sync state", &root, 0, 0, 0);
    expected["isHidden"] = json!(true);
    assert_eq!(without_context(hidden.clone()), expected);

    let (_, list) = as_alex(&sb, &client, "GET", "/me/mailFolders", None).await;
    assert_eq!(names(&list), WELL_KNOWN);
    let (_, list) = as_alex(
        &sb,
        &client,
        "GET",
        "/me/mailFolders?includeHiddenFolders=true",
        None,
    )
    .await;
    assert_eq!(values(&list).len(), 8);
    assert_eq!(values(&list)[7], expected);

    // Also for child folders.
    let (status, _) = as_alex(
        &sb,
        &client,
        "POST",
        "/me/mailFolders/inbox/childFolders",
        Some(json!({"displayName": "Hidden child", "isHidden": true})),
    )
    .await;
    assert_eq!(status, 201);
    let url = format!("{base}/me/mailFolders/inbox/childFolders");
    let (_, list) = call(&client, "GET", &url, &token, None).await;
    assert_eq!(values(&list), Vec::<Value>::new());
    let (_, list) = call(
        &client,
        "GET",
        &format!("{url}?includeHiddenFolders=TRUE"),
        &token,
        None,
    )
    .await;
    assert_eq!(names(&list), ["Hidden child"]);

    // A value other than true / false is refused.
    let (status, err) = as_alex(
        &sb,
        &client,
        "GET",
        "/me/mailFolders?includeHiddenFolders=yes",
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "BadRequest",
        "Invalid value 'yes' for the query parameter 'includeHiddenFolders': expected true or false.",
    );
}

#[tokio::test]
async fn lists_are_paged_by_ten_with_next_links_that_keep_the_options() {
    let (sb, client) = setup().await;
    let (token, base) = alex(&sb);
    for i in 1..=5 {
        create(&sb, &client, "/me/mailFolders", &format!("F{i}")).await;
    }
    let (status, first) = as_alex(&sb, &client, "GET", "/me/mailFolders", None).await;
    assert_eq!(status, 200);
    let mut all_names: Vec<String> = WELL_KNOWN.iter().map(|s| s.to_string()).collect();
    all_names.extend((1..=5).map(|i| format!("F{i}")));
    assert_eq!(names(&first), all_names[..10]);
    assert_eq!(
        first["@odata.nextLink"],
        format!("{base}/me/mailFolders?%24skip=10")
    );
    let (_, second) = call(
        &client,
        "GET",
        first["@odata.nextLink"].as_str().unwrap(),
        &token,
        None,
    )
    .await;
    assert_eq!(names(&second), all_names[10..]);
    assert!(second.get("@odata.nextLink").is_none());

    // $top and includeHiddenFolders are carried by the link.
    let (_, page) = as_alex(
        &sb,
        &client,
        "GET",
        "/me/mailFolders?$top=4&includeHiddenFolders=true",
        None,
    )
    .await;
    assert_eq!(names(&page), all_names[..4]);
    assert_eq!(
        page["@odata.nextLink"],
        format!("{base}/me/mailFolders?includeHiddenFolders=true&%24top=4&%24skip=4")
    );

    // Child folders page the same way.
    for i in 1..=11 {
        create(
            &sb,
            &client,
            "/me/mailFolders/archive/childFolders",
            &format!("Year {i}"),
        )
        .await;
    }
    let url = format!("{base}/me/mailFolders/archive/childFolders");
    let (_, page) = call(&client, "GET", &url, &token, None).await;
    assert_eq!(values(&page).len(), 10);
    assert_eq!(page["@odata.nextLink"], format!("{url}?%24skip=10"));
    let (_, page) = call(&client, "GET", &format!("{url}?%24skip=10"), &token, None).await;
    assert_eq!(names(&page), ["Year 11"]);
}

#[tokio::test]
async fn child_folders_under_an_id_or_a_well_known_name() {
    let (sb, client) = setup().await;
    let (token, base) = alex(&sb);
    let inbox = id_of(&sb, &client, "inbox").await;
    let receipts = create(
        &sb,
        &client,
        "/me/mailFolders/Inbox/childFolders",
        "Receipts",
    )
    .await;
    assert_eq!(
        without_context(receipts.clone()),
        folder_json(&receipts["id"], "Receipts", &inbox, 0, 0, 0)
    );
    let rid = receipts["id"].as_str().unwrap();
    let taxes = create(
        &sb,
        &client,
        &format!("/me/mailFolders/{inbox}/childFolders/{rid}/childFolders"),
        "Taxes",
    )
    .await;

    let user_id = sb.add_user(ALEX);
    let (status, list) = as_alex(
        &sb,
        &client,
        "GET",
        "/me/mailFolders/Inbox/childFolders",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        list,
        json!({
            "@odata.context": format!(
                "{}/v1.0/$metadata#users('{user_id}')/mailFolders('Inbox')/childFolders",
                sb.authority_url()
            ),
            "value": [folder_json(&receipts["id"], "Receipts", &inbox, 1, 0, 0)],
        })
    );
    // A nested folder read through its parent's path.
    let (status, got) = call(
        &client,
        "GET",
        &format!(
            "{base}/me/mailFolders/inbox/childFolders/{rid}/childFolders/{}",
            taxes["id"].as_str().unwrap()
        ),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        without_context(got),
        folder_json(&taxes["id"], "Taxes", rid, 0, 0, 0)
    );
    assert_eq!(folder(&sb, "Inbox")["childFolderCount"], 1);

    // Through /users/{id} with an application token.
    let app = app_token(&sb, &client).await;
    let (status, made) = call(
        &client,
        "POST",
        &format!("{base}/users/{ALEX}/mailFolders/{rid}/childFolders"),
        &app,
        Some(json!({"displayName": "Insurance"})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        without_context(made.clone()),
        folder_json(&made["id"], "Insurance", rid, 0, 0, 0)
    );
    assert_eq!(folder(&sb, "Receipts")["childFolderCount"], 2);
}

#[tokio::test]
async fn a_second_folder_of_the_same_name_under_one_parent_is_refused() {
    let (sb, client) = setup().await;
    let (token, base) = alex(&sb);
    create(&sb, &client, "/me/mailFolders", "Projects").await;
    for name in ["Projects", "projects", " PROJECTS "] {
        let (status, err) = as_alex(
            &sb,
            &client,
            "POST",
            "/me/mailFolders",
            Some(json!({"displayName": name})),
        )
        .await;
        assert_eq!(status, 400, "{name}: {err}");
        assert_graph_error(
            &err,
            "ErrorFolderExists",
            "A folder with the specified name already exists.",
        );
    }
    // The same name under another parent is fine.
    create(
        &sb,
        &client,
        "/me/mailFolders/inbox/childFolders",
        "Projects",
    )
    .await;
    // Renaming onto a sibling's name is refused too; onto its own name is not.
    let other = create(&sb, &client, "/me/mailFolders", "Other").await;
    let url = format!("{base}/me/mailFolders/{}", other["id"].as_str().unwrap());
    let (status, err) = call(
        &client,
        "PATCH",
        &url,
        &token,
        Some(json!({"displayName": "projects"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "ErrorFolderExists");
    let (status, _) = call(
        &client,
        "PATCH",
        &url,
        &token,
        Some(json!({"displayName": "OTHER"})),
    )
    .await;
    assert_eq!(status, 200);
    let top: Vec<Value> = sb
        .folders(ALEX)
        .into_iter()
        .filter(|f| {
            f["displayName"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("projects")
        })
        .collect();
    assert_eq!(top.len(), 2);
    assert_eq!(folder(&sb, "OTHER")["id"], other["id"]);

    // A missing or empty displayName is refused before anything is stored.
    for body in [
        json!({}),
        json!({"displayName": " "}),
        json!({"displayName": 5}),
    ] {
        let (status, err) =
            as_alex(&sb, &client, "POST", "/me/mailFolders", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}");
        assert_graph_error(
            &err,
            "ErrorInvalidParameter",
            "The value of the property 'displayName' is empty.",
        );
    }
    assert_eq!(sb.folders(ALEX).len(), 10);
}

#[tokio::test]
async fn rename_changes_only_the_display_name() {
    let (sb, client) = setup().await;
    let (token, base) = alex(&sb);
    let root = id_of(&sb, &client, "msgfolderroot").await;
    let f = create(&sb, &client, "/me/mailFolders", "Clients").await;
    let url = format!("{base}/me/mailFolders/{}", f["id"].as_str().unwrap());
    let (status, renamed) = call(
        &client,
        "PATCH",
        &url,
        &token,
        Some(json!({"displayName": "Customers"})),
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["@odata.context"], f["@odata.context"]);
    assert_eq!(
        without_context(renamed),
        folder_json(&f["id"], "Customers", &root, 0, 0, 0)
    );
    let (_, got) = call(&client, "GET", &url, &token, None).await;
    assert_eq!(got["displayName"], "Customers");

    // isHidden is set at creation only; other properties are refused.
    let (status, err) = call(
        &client,
        "PATCH",
        &url,
        &token,
        Some(json!({"isHidden": true})),
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ErrorInvalidParameter",
        "The property 'isHidden' of a mailFolder cannot be updated: displayName is its only writable property.",
    );
    assert_eq!(
        folder(&sb, "Customers"),
        folder_json(&f["id"], "Customers", &root, 0, 0, 0)
    );
}

#[tokio::test]
async fn unknown_folders_answer_404() {
    let (sb, client) = setup().await;
    let known = create(&sb, &client, "/me/mailFolders", "Known").await;
    let known = known["id"].as_str().unwrap();
    for (method, path, body) in [
        ("GET", "/me/mailFolders/AAMkAnope".to_string(), None),
        (
            "GET",
            "/me/mailFolders/AAMkAnope/childFolders".to_string(),
            None,
        ),
        (
            "POST",
            "/me/mailFolders/AAMkAnope/childFolders".to_string(),
            Some(json!({"displayName": "x"})),
        ),
        (
            "PATCH",
            "/me/mailFolders/AAMkAnope".to_string(),
            Some(json!({"displayName": "x"})),
        ),
        ("DELETE", "/me/mailFolders/AAMkAnope".to_string(), None),
        (
            "POST",
            "/me/mailFolders/AAMkAnope/permanentDelete".to_string(),
            None,
        ),
        (
            "POST",
            "/me/mailFolders/AAMkAnope/move".to_string(),
            Some(json!({"destinationId": "inbox"})),
        ),
        (
            "POST",
            format!("/me/mailFolders/{known}/copy"),
            Some(json!({"destinationId": "AAMkAnope"})),
        ),
        (
            "POST",
            "/me/messages/AAMkAnope/permanentDelete".to_string(),
            None,
        ),
    ] {
        let (status, err) = as_alex(&sb, &client, method, &path, body).await;
        assert_eq!(status, 404, "{method} {path}: {err}");
        assert_graph_error(
            &err,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        );
    }
    assert_eq!(sb.folders(ALEX).len(), 8);
}

#[tokio::test]
async fn counts_follow_delivery_reading_moves_and_deletes() {
    let (sb, client) = setup().await;
    let (token, base) = alex(&sb);
    let first = deliver(&sb, &client, "first").await;
    let second = deliver(&sb, &client, "second").await;
    assert_eq!(counts(&sb, &client, "inbox").await, (2, 2));

    let resp = patch_json(
        &client,
        &format!("{base}/me/messages/{first}"),
        &token,
        &json!({"isRead": true}),
        None,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(counts(&sb, &client, "inbox").await, (2, 1));

    let keep = create(&sb, &client, "/me/mailFolders", "Keep").await;
    let keep_id = keep["id"].as_str().unwrap();
    let (status, moved) = as_alex(
        &sb,
        &client,
        "POST",
        &format!("/me/messages/{first}/move"),
        Some(json!({"destinationId": keep_id})),
    )
    .await;
    assert_eq!(status, 201, "{moved}");
    assert_eq!(counts(&sb, &client, "inbox").await, (1, 1));
    assert_eq!(counts(&sb, &client, keep_id).await, (1, 0));

    // DELETE: the message leaves the Inbox and is not in Deleted Items.
    let (status, body) = as_alex(
        &sb,
        &client,
        "DELETE",
        &format!("/me/messages/{second}"),
        None,
    )
    .await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(counts(&sb, &client, "inbox").await, (0, 0));
    assert_eq!(counts(&sb, &client, "deleteditems").await, (0, 0));

    // permanentDelete: gone, through the folder path too.
    let moved_id = moved["id"].as_str().unwrap();
    let (status, body) = as_alex(
        &sb,
        &client,
        "POST",
        &format!("/me/mailFolders/{keep_id}/messages/{moved_id}/permanentDelete"),
        None,
    )
    .await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(counts(&sb, &client, keep_id).await, (0, 0));
    let (status, _) = as_alex(
        &sb,
        &client,
        "GET",
        &format!("/me/messages/{moved_id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(sb.messages(ALEX, keep_id), Vec::<Value>::new());
}

/// Creates `A` at the root with a child `B` holding one delivered message; returns
/// (A's id, B's id, the message's id).
async fn tree_with_mail(sb: &Sandbox, client: &reqwest::Client) -> (String, String, String) {
    let (token, base) = alex(sb);
    let a = create(sb, client, "/me/mailFolders", "A").await;
    let a = a["id"].as_str().unwrap().to_string();
    let b = create(
        sb,
        client,
        &format!("/me/mailFolders/{a}/childFolders"),
        "B",
    )
    .await;
    let b = b["id"].as_str().unwrap().to_string();
    let id = deliver(sb, client, "filed").await;
    let (status, moved) = call(
        client,
        "POST",
        &format!("{base}/me/messages/{id}/move"),
        &token,
        Some(json!({"destinationId": b})),
    )
    .await;
    assert_eq!(status, 201);
    (a, b, moved["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn move_keeps_the_id_and_copy_copies_the_subtree_and_its_mail_with_new_ids() {
    let (sb, client) = setup().await;
    let (a, b, msg) = tree_with_mail(&sb, &client).await;
    let archive = id_of(&sb, &client, "archive").await;
    let inbox = id_of(&sb, &client, "inbox").await;

    // Copy (PascalCase parameter, as the CSDL spells it): 200 and a new folder.
    let (status, copy) = as_alex(
        &sb,
        &client,
        "POST",
        &format!("/me/mailFolders/{a}/copy"),
        Some(json!({"DestinationId": "archive"})),
    )
    .await;
    assert_eq!(status, 200, "{copy}");
    assert_ne!(copy["id"], a.as_str());
    assert_eq!(
        without_context(copy.clone()),
        folder_json(&copy["id"], "A", &archive, 1, 0, 0)
    );
    let copy_id = copy["id"].as_str().unwrap();
    let (_, children) = as_alex(
        &sb,
        &client,
        "GET",
        &format!("/me/mailFolders/{copy_id}/childFolders"),
        None,
    )
    .await;
    let b_copy = &values(&children)[0];
    assert_ne!(b_copy["id"], b.as_str());
    assert_eq!(b_copy, &folder_json(&b_copy["id"], "B", copy_id, 0, 1, 1));
    let copied = sb.messages(ALEX, b_copy["id"].as_str().unwrap());
    assert_eq!(copied.len(), 1);
    assert_eq!(copied[0]["subject"], "filed");
    assert_ne!(copied[0]["id"], msg.as_str());
    assert_eq!(copied[0]["parentFolderId"], b_copy["id"]);
    // The original is untouched.
    assert_eq!(sb.messages(ALEX, &b)[0]["id"], msg.as_str());
    assert_eq!(folder(&sb, "Archive")["childFolderCount"], 1);

    // Move: 200, same id, new parent; off the top-level list, under the Inbox.
    let (status, moved) = as_alex(
        &sb,
        &client,
        "POST",
        &format!("/me/mailFolders/{a}/move"),
        Some(json!({"destinationId": "inbox"})),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        without_context(moved),
        folder_json(&json!(a), "A", &inbox, 1, 0, 0)
    );
    let (_, top) = as_alex(&sb, &client, "GET", "/me/mailFolders", None).await;
    assert_eq!(names(&top), WELL_KNOWN);
    let (_, under_inbox) = as_alex(
        &sb,
        &client,
        "GET",
        "/me/mailFolders/inbox/childFolders",
        None,
    )
    .await;
    assert_eq!(names(&under_inbox), ["A"]);
    // Its mail moved with it, ids unchanged.
    assert_eq!(sb.messages(ALEX, &b)[0]["id"], msg.as_str());
}

#[tokio::test]
async fn moves_that_cannot_be_done_are_refused_and_change_nothing() {
    let (sb, client) = setup().await;
    let (a, b, _) = tree_with_mail(&sb, &client).await;
    create(&sb, &client, "/me/mailFolders/inbox/childFolders", "A").await;
    let before = sb.folders(ALEX);

    let cases = [
        (
            a.clone(),
            b.clone(),
            400,
            "ErrorMoveCopyFailed",
            "A folder cannot be moved or copied into itself or one of its subfolders.",
        ),
        (
            a.clone(),
            a.clone(),
            400,
            "ErrorMoveCopyFailed",
            "A folder cannot be moved or copied into itself or one of its subfolders.",
        ),
        (
            a.clone(),
            "inbox".to_string(),
            400,
            "ErrorFolderExists",
            "A folder with the specified name already exists.",
        ),
        (
            "inbox".to_string(),
            a.clone(),
            400,
            "ErrorMoveDistinguishedFolder",
            "Distinguished folders cannot be moved.",
        ),
    ];
    for (src, dest, status, code, text) in cases {
        let (got, err) = as_alex(
            &sb,
            &client,
            "POST",
            &format!("/me/mailFolders/{src}/move"),
            Some(json!({"destinationId": dest})),
        )
        .await;
        assert_eq!(got, status, "{src} → {dest}: {err}");
        assert_graph_error(&err, code, text);
    }
    let (status, err) = as_alex(
        &sb,
        &client,
        "POST",
        &format!("/me/mailFolders/{a}/copy"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ErrorInvalidParameter",
        "The value of the parameter 'DestinationId' is empty.",
    );
    assert_eq!(sb.folders(ALEX), before);
}

#[tokio::test]
async fn delete_moves_the_subtree_to_deleted_items_and_a_second_delete_removes_it() {
    let (sb, client) = setup().await;
    let (a, b, msg) = tree_with_mail(&sb, &client).await;
    let deleted = id_of(&sb, &client, "deleteditems").await;

    let (status, body) = as_alex(
        &sb,
        &client,
        "DELETE",
        &format!("/me/mailFolders/{a}"),
        None,
    )
    .await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(
        folder(&sb, "A"),
        folder_json(&json!(a), "A", &deleted, 1, 0, 0)
    );
    assert_eq!(folder(&sb, "B"), folder_json(&json!(b), "B", &a, 0, 1, 1));
    let (_, top) = as_alex(&sb, &client, "GET", "/me/mailFolders", None).await;
    assert_eq!(names(&top), WELL_KNOWN);
    assert_eq!(folder(&sb, "Deleted Items")["childFolderCount"], 1);
    let (status, _) = as_alex(&sb, &client, "GET", &format!("/me/messages/{msg}"), None).await;
    assert_eq!(status, 200);

    // Deleted again from Deleted Items: gone with its subfolder and mail.
    let (status, _) = as_alex(
        &sb,
        &client,
        "DELETE",
        &format!("/me/mailFolders/{a}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(sb.folders(ALEX).len(), 7);
    for path in [
        format!("mailFolders/{a}"),
        format!("mailFolders/{b}"),
        format!("messages/{msg}"),
    ] {
        let (status, _) = as_alex(&sb, &client, "GET", &format!("/me/{path}"), None).await;
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(folder(&sb, "Deleted Items")["childFolderCount"], 0);
}

#[tokio::test]
async fn permanent_delete_removes_the_subtree_and_its_mail_at_once() {
    let (sb, client) = setup().await;
    let (a, b, msg) = tree_with_mail(&sb, &client).await;
    let (status, body) = as_alex(
        &sb,
        &client,
        "POST",
        &format!("/me/mailFolders/{a}/permanentDelete"),
        None,
    )
    .await;
    assert_eq!((status, body), (204, Value::Null));
    let names: Vec<Value> = sb
        .folders(ALEX)
        .iter()
        .map(|f| f["displayName"].clone())
        .collect();
    assert_eq!(names, json!(WELL_KNOWN).as_array().unwrap().clone());
    for path in [format!("mailFolders/{b}"), format!("messages/{msg}")] {
        let (status, _) = as_alex(&sb, &client, "GET", &format!("/me/{path}"), None).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn well_known_folders_cannot_be_deleted() {
    let (sb, client) = setup().await;
    deliver(&sb, &client, "stays").await;
    for (method, path) in [
        ("DELETE", "/me/mailFolders/inbox"),
        ("DELETE", "/me/mailFolders/msgfolderroot"),
        ("POST", "/me/mailFolders/deleteditems/permanentDelete"),
    ] {
        let (status, err) = as_alex(&sb, &client, method, path, None).await;
        assert_eq!(status, 400, "{method} {path}: {err}");
        assert_graph_error(
            &err,
            "ErrorDeleteDistinguishedFolder",
            "Distinguished folders cannot be deleted.",
        );
    }
    assert_eq!(sb.folders(ALEX).len(), 7);
    assert_eq!(counts(&sb, &client, "inbox").await, (1, 1));
}

#[tokio::test]
async fn mail_read_basic_lists_folders_but_cannot_change_them() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let basic = sb.delegated_token_with_scopes(ALEX, &["Mail.ReadBasic"]);
    let (status, list) = call(
        &client,
        "GET",
        &format!("{base}/me/mailFolders"),
        &basic,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(names(&list), WELL_KNOWN);
    let (status, _) = call(
        &client,
        "GET",
        &format!("{base}/me/mailFolders/inbox/childFolders"),
        &basic,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let archive = id_of(&sb, &client, "archive").await;
    for (method, path, body) in [
        (
            "POST",
            "/me/mailFolders".to_string(),
            Some(json!({"displayName": "X"})),
        ),
        (
            "POST",
            "/me/mailFolders/inbox/childFolders".to_string(),
            Some(json!({"displayName": "X"})),
        ),
        (
            "PATCH",
            format!("/me/mailFolders/{archive}"),
            Some(json!({"displayName": "X"})),
        ),
        (
            "POST",
            format!("/me/mailFolders/{archive}/copy"),
            Some(json!({"destinationId": "inbox"})),
        ),
    ] {
        let (status, err) = call(&client, method, &format!("{base}{path}"), &basic, body).await;
        assert_eq!(status, 403, "{method} {path}: {err}");
        assert_graph_error(&err, "ErrorAccessDenied", DENIED);
    }
    assert_eq!(sb.folders(ALEX).len(), 7);
    assert_eq!(folder(&sb, "Archive")["displayName"], "Archive");
}

/// One folder-delta round from `url`: (the changes, the next delta link).
async fn delta_round(client: &reqwest::Client, url: &str, token: &str) -> (Vec<Value>, String) {
    let (status, body) =
        status_json(get_prefer(client, url, token, "odata.maxpagesize=100").await).await;
    assert_eq!(status, 200, "{body}");
    let link = body["@odata.deltaLink"]
        .as_str()
        .expect("delta link")
        .to_string();
    (values(&body), link)
}

#[tokio::test]
async fn folder_delta_reports_created_renamed_moved_and_deleted_folders() {
    let (sb, client) = setup().await;
    let (token, base) = alex(&sb);
    let (all, delta) = delta_round(&client, &format!("{base}/me/mailFolders/delta"), &token).await;
    assert_eq!(all, sb.folders(ALEX));

    let x = create(&sb, &client, "/me/mailFolders", "X").await;
    let x_id = x["id"].as_str().unwrap();
    let (changes, delta) = delta_round(&client, &delta, &token).await;
    assert_eq!(changes, [folder(&sb, "X")]);

    let (status, _) = as_alex(
        &sb,
        &client,
        "PATCH",
        &format!("/me/mailFolders/{x_id}"),
        Some(json!({"displayName": "Y"})),
    )
    .await;
    assert_eq!(status, 200);
    let (changes, delta) = delta_round(&client, &delta, &token).await;
    assert_eq!(changes, [folder(&sb, "Y")]);

    // Moved under the Inbox: the Inbox (one more child) and Y (new parent).
    let (status, _) = as_alex(
        &sb,
        &client,
        "POST",
        &format!("/me/mailFolders/{x_id}/move"),
        Some(json!({"destinationId": "inbox"})),
    )
    .await;
    assert_eq!(status, 200);
    let (changes, delta) = delta_round(&client, &delta, &token).await;
    assert_eq!(changes, [folder(&sb, "Inbox"), folder(&sb, "Y")]);
    assert_eq!(changes[1]["parentFolderId"], folder(&sb, "Inbox")["id"]);

    let (status, _) = as_alex(
        &sb,
        &client,
        "POST",
        &format!("/me/mailFolders/{x_id}/permanentDelete"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (changes, _) = delta_round(&client, &delta, &token).await;
    assert_eq!(
        changes,
        [
            folder(&sb, "Inbox"),
            json!({"@odata.type": "#microsoft.graph.mailFolder", "id": x_id, "@removed": {"reason": "deleted"}}),
        ]
    );
}

#[tokio::test]
async fn messages_are_permanently_deleted_and_folders_created_inside_a_batch() {
    let (sb, client) = setup().await;
    let (token, base) = alex(&sb);
    let first = deliver(&sb, &client, "one").await;
    let second = deliver(&sb, &client, "two").await;
    let resp = post_json(
        &client,
        &format!("{base}/$batch"),
        &token,
        &json!({"requests": [
            // A write request in a batch needs a body and its Content-Type, even for an
            // action that takes none (Graph: "Write request id : … does not contain
            // Content-Type header or body.").
            {"id": "1", "method": "POST", "url": format!("/me/messages/{first}/permanentDelete"), "headers": {"Content-Type": "application/json"}, "body": {}},
            {"id": "2", "method": "POST", "url": format!("/me/mailFolders/inbox/messages/{second}/permanentDelete"), "headers": {"Content-Type": "application/json"}, "body": {}},
            {"id": "3", "method": "POST", "url": "/me/mailFolders", "headers": {"Content-Type": "application/json"}, "body": {"displayName": "Batched"}},
        ]}),
    )
    .await;
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 200, "{body}");
    let mut statuses: Vec<(String, u64)> = values(&json!({"value": body["responses"]}))
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("1".to_string(), 204),
            ("2".to_string(), 204),
            ("3".to_string(), 201)
        ]
    );
    assert_eq!(sb.messages(ALEX, "inbox"), Vec::<Value>::new());
    assert_eq!(
        folder(&sb, "Batched")["parentFolderId"],
        id_of(&sb, &client, "msgfolderroot").await.as_str()
    );
}
