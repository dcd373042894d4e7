//! Mail folders and message housekeeping on the wire (issue 19 items 1 and 2; GRAPH-FACTS-2
//! §7.1): exact method, path, query and body of every call against mockito, bodies checked
//! against openapi-fragments/, `$batch` bodies of the bulk variants, and refusals that send
//! nothing.

#[path = "support/batch_mock.rs"]
mod batch_mock;
mod common;

use batch_mock::{expect_batch, no_content, with_body};
use common::*;
use futures_util::TryStreamExt;
use mockito::Matcher;
use msgraph_outlook::models::{
    DateTimeTimeZone, FollowupFlag, Importance, MailFolder, MessagePatch, WellKnownFolder,
};
use msgraph_outlook::{Error, InvalidRequest};
use serde_json::{json, Value};

/// A mailFolder as Graph returns it.
fn folder(id: &str, name: &str, parent: &str, children: i32) -> Value {
    json!({
        "id": id,
        "displayName": name,
        "parentFolderId": parent,
        "childFolderCount": children,
        "unreadItemCount": 1,
        "totalItemCount": 3,
        "isHidden": false
    })
}

fn names(folders: &[MailFolder]) -> Vec<&str> {
    folders
        .iter()
        .map(|f| f.display_name.as_deref().unwrap())
        .collect()
}

/// A GET with exactly `query` (all of it, nothing else), answered with `body`.
async fn expect_get(
    server: &mut mockito::ServerGuard,
    path: &str,
    query: &[(&str, &str)],
    body: Value,
) -> mockito::Mock {
    let query = match query {
        [] => Matcher::Missing,
        pairs => Matcher::AllOf(
            pairs
                .iter()
                .map(|(k, v)| Matcher::UrlEncoded(k.to_string(), v.to_string()))
                .collect(),
        ),
    };
    server
        .mock("GET", format!("/v1.0{path}").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_query(query)
        .with_header("content-type", "application/json")
        .with_body(body.to_string())
        .expect(1)
        .create_async()
        .await
}

#[tokio::test]
async fn top_level_folders_with_hidden_ones_page_by_page() {
    let mut server = server().await;
    let next = format!(
        "{}/me/mailFolders?includeHiddenFolders=true&$top=2&$skip=2",
        base_url(&server)
    );
    let first = expect_get(
        &mut server,
        "/me/mailFolders",
        &[("includeHiddenFolders", "true"), ("$top", "2")],
        json!({"value": [folder("f-1", "Inbox", "root", 0), folder("f-2", "Archive", "root", 0)],
               "@odata.nextLink": next}),
    )
    .await;
    let second = expect_get(
        &mut server,
        "/me/mailFolders",
        &[
            ("includeHiddenFolders", "true"),
            ("$top", "2"),
            ("$skip", "2"),
        ],
        json!({"value": [{"id": "f-3", "displayName": "Sync", "isHidden": true}]}),
    )
    .await;
    let folders = client(&server)
        .me()
        .mail_folders()
        .include_hidden_folders()
        .top(2)
        .collect()
        .await
        .unwrap();
    assert_eq!(names(&folders), ["Inbox", "Archive", "Sync"]);
    assert_eq!(folders[0].total_item_count, Some(3));
    assert_eq!(folders[2].is_hidden, Some(true));
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn child_folders_and_get_address_the_folder_in_the_mailbox_given() {
    let mut server = server().await;
    let children = expect_get(
        &mut server,
        "/users/adele@contoso.com/mailFolders/inbox/childFolders",
        &[],
        json!({"value": [folder("f-9", "Invoices", "inbox-id", 0)]}),
    )
    .await;
    let get = expect_get(
        &mut server,
        "/users/adele@contoso.com/mailFolders/f-9",
        &[("$select", "displayName,totalItemCount")],
        json!({"displayName": "Invoices", "totalItemCount": 7}),
    )
    .await;
    let adele = client(&server).user("adele@contoso.com");
    let page = adele
        .mail_folder(WellKnownFolder::Inbox)
        .child_folders()
        .await
        .unwrap();
    assert_eq!(names(&page.value), ["Invoices"]);
    let invoices = adele
        .mail_folder("f-9")
        .get()
        .select(["displayName", "totalItemCount"])
        .await
        .unwrap();
    assert_eq!(invoices.total_item_count, Some(7));
    children.assert_async().await;
    get.assert_async().await;
}

#[tokio::test]
async fn create_rename_move_copy_delete_and_permanently_delete_a_folder() {
    let mut server = server().await;
    let created = expect_json_answered(
        &mut server,
        "POST",
        "/me/mailFolders",
        json!({"displayName": "Projects"}),
        201,
        folder("f-1", "Projects", "root", 0),
    )
    .await;
    let child = expect_json_answered(
        &mut server,
        "POST",
        "/me/mailFolders/f-1/childFolders",
        json!({"displayName": "Sync state", "isHidden": true}),
        201,
        json!({"id": "f-2", "displayName": "Sync state", "isHidden": true}),
    )
    .await;
    let renamed = expect_json_answered(
        &mut server,
        "PATCH",
        "/me/mailFolders/f-1",
        json!({"displayName": "Projects 2026"}),
        200,
        folder("f-1", "Projects 2026", "root", 1),
    )
    .await;
    let moved = expect_json_answered(
        &mut server,
        "POST",
        "/me/mailFolders/f-1/move",
        json!({"destinationId": "archive"}),
        200,
        folder("f-1b", "Projects 2026", "archive-id", 1),
    )
    .await;
    let copied = expect_json_answered(
        &mut server,
        "POST",
        "/me/mailFolders/f-1b/copy",
        json!({"destinationId": "f-7"}),
        200,
        folder("f-c", "Projects 2026", "f-7", 1),
    )
    .await;
    let deleted = expect_bare(&mut server, "DELETE", "/me/mailFolders/f-c")
        .with_status(204)
        .create_async()
        .await;
    let purged = expect_bare(&mut server, "POST", "/me/mailFolders/f-1b/permanentDelete")
        .with_status(204)
        .match_header("content-length", "0")
        .create_async()
        .await;

    let me = client(&server).me();
    let projects = me.create_mail_folder("Projects").await.unwrap();
    assert_eq!(projects.id.as_deref(), Some("f-1"));
    let hidden = me
        .mail_folder("f-1")
        .create_child_folder("Sync state")
        .hidden(true)
        .await
        .unwrap();
    assert_eq!(hidden.is_hidden, Some(true));
    let projects = me.mail_folder("f-1").rename("Projects 2026").await.unwrap();
    assert_eq!(projects.display_name.as_deref(), Some("Projects 2026"));
    let projects = me
        .mail_folder("f-1")
        .move_to(WellKnownFolder::Archive)
        .await
        .unwrap();
    assert_eq!(
        (projects.id.as_deref(), projects.parent_folder_id.as_deref()),
        (Some("f-1b"), Some("archive-id"))
    );
    let copy = me.mail_folder("f-1b").copy_to("f-7").await.unwrap();
    assert_eq!(copy.id.as_deref(), Some("f-c"));
    me.mail_folder("f-c").delete().await.unwrap();
    me.mail_folder("f-1b").permanent_delete().await.unwrap();
    for mock in [created, child, renamed, moved, copied, deleted, purged] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn bad_folder_input_is_refused_before_anything_is_sent() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    let refused = |e: Error| {
        matches!(
            e,
            Error::InvalidRequest(InvalidRequest::InvalidValue { .. })
        )
    };
    assert!(refused(me.create_mail_folder("").await.unwrap_err()));
    assert!(refused(me.create_mail_folder("  ").await.unwrap_err()));
    let inbox = me.mail_folder(WellKnownFolder::Inbox);
    assert!(refused(inbox.create_child_folder("").await.unwrap_err()));
    assert!(refused(inbox.rename(" ").await.unwrap_err()));
    assert!(refused(inbox.move_to("").await.unwrap_err()));
    assert!(refused(inbox.copy_to(" ").await.unwrap_err()));
    let nameless = me.mail_folder("");
    assert!(refused(nameless.get().await.unwrap_err()));
    assert!(refused(nameless.delete().await.unwrap_err()));
    assert!(refused(nameless.permanent_delete().await.unwrap_err()));
    assert!(refused(
        nameless.create_child_folder("X").await.unwrap_err()
    ));
    assert!(refused(nameless.child_folders().await.unwrap_err()));
    none.assert_async().await;
}

/// Tree: root → Inbox(2 children: Invoices(1: 2026), Travel(0)), Archive(0), Sync (hidden, 1:
/// Cache). Pages of 2: the top level comes in two pages.
#[tokio::test]
async fn walking_the_tree_goes_breadth_first_and_lists_only_folders_with_children() {
    let mut server = server().await;
    let q = [("includeHiddenFolders", "true"), ("$top", "2")];
    let next = format!(
        "{}/me/mailFolders?includeHiddenFolders=true&$top=2&$skiptoken=p2",
        base_url(&server)
    );
    let top = expect_get(
        &mut server,
        "/me/mailFolders",
        &q,
        json!({"value": [folder("inbox", "Inbox", "root", 2), folder("archive", "Archive", "root", 0)],
               "@odata.nextLink": next}),
    )
    .await;
    let top2 = expect_get(
        &mut server,
        "/me/mailFolders",
        &[q[0], q[1], ("$skiptoken", "p2")],
        json!({"value": [{"id": "sync", "displayName": "Sync", "parentFolderId": "root",
                          "childFolderCount": 1, "isHidden": true}]}),
    )
    .await;
    let inbox = expect_get(
        &mut server,
        "/me/mailFolders/inbox/childFolders",
        &q,
        json!({"value": [folder("invoices", "Invoices", "inbox", 1), folder("travel", "Travel", "inbox", 0)]}),
    )
    .await;
    let sync = expect_get(
        &mut server,
        "/me/mailFolders/sync/childFolders",
        &q,
        json!({"value": [folder("cache", "Cache", "sync", 0)]}),
    )
    .await;
    let invoices = expect_get(
        &mut server,
        "/me/mailFolders/invoices/childFolders",
        &q,
        json!({"value": [folder("y2026", "2026", "invoices", 0)]}),
    )
    .await;
    // Folders without children are never listed: an unexpected request fails here.
    let none = expect_no_request(&mut server).await;

    let walk = client(&server)
        .me()
        .walk_mail_folders()
        .include_hidden_folders()
        .top(2)
        .stream();
    let folders: Vec<MailFolder> = walk.try_collect().await.unwrap();
    assert_eq!(
        names(&folders),
        ["Inbox", "Archive", "Sync", "Invoices", "Travel", "Cache", "2026"]
    );
    for mock in [top, top2, inbox, sync, invoices] {
        mock.assert_async().await;
    }
    none.assert_async().await;
}

#[tokio::test]
async fn a_walk_without_hidden_folders_sends_no_parameter_and_ends_on_an_error() {
    let mut server = server().await;
    let top = expect_get(
        &mut server,
        "/users/alex@contoso.com/mailFolders",
        &[],
        json!({"value": [folder("inbox", "Inbox", "root", 1)]}),
    )
    .await;
    let failing = server
        .mock(
            "GET",
            "/v1.0/users/alex@contoso.com/mailFolders/inbox/childFolders",
        )
        .match_query(Matcher::Missing)
        .with_status(404)
        .with_header("content-type", "application/json")
        .with_body(
            graph_error(
                "ErrorItemNotFound",
                "The specified object was not found in the store.",
            )
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let mut walk = std::pin::pin!(client(&server)
        .user("alex@contoso.com")
        .walk_mail_folders()
        .stream());
    let first = walk.try_next().await.unwrap().unwrap();
    assert_eq!(first.display_name.as_deref(), Some("Inbox"));
    let error = walk.try_next().await.unwrap_err();
    assert_eq!(error.status(), Some(404));
    assert!(walk.try_next().await.unwrap().is_none());
    top.assert_async().await;
    failing.assert_async().await;
}

#[tokio::test]
async fn message_delete_permanent_delete_and_one_property_updates() {
    let mut server = server().await;
    let deleted = expect_bare(&mut server, "DELETE", "/me/messages/m-1")
        .with_status(204)
        .create_async()
        .await;
    let purged = expect_bare(
        &mut server,
        "POST",
        "/users/adele@contoso.com/messages/m-2/permanentDelete",
    )
    .with_status(204)
    .match_header("content-length", "0")
    .create_async()
    .await;
    let patches = [
        json!({"isRead": true}),
        json!({"isRead": false}),
        json!({"flag": {
            "flagStatus": "flagged",
            "startDateTime": {"dateTime": "2026-12-07T09:00:00", "timeZone": "W. Europe Standard Time"},
            "dueDateTime": {"dateTime": "2026-12-09T17:00:00", "timeZone": "W. Europe Standard Time"}
        }}),
        json!({"categories": ["Red category", "Project X"]}),
        json!({"importance": "high"}),
    ];
    let mut mocks = Vec::new();
    for patch in &patches {
        mocks.push(
            expect_json_answered(
                &mut server,
                "PATCH",
                "/me/messages/m-3",
                patch.clone(),
                200,
                graph_message("m-3", "Hi"),
            )
            .await,
        );
    }
    let client = client(&server);
    client.me().message("m-1").delete().await.unwrap();
    client
        .user("adele@contoso.com")
        .message("m-2")
        .permanent_delete()
        .await
        .unwrap();
    let message = client.me().message("m-3");
    message.mark_read().await.unwrap();
    message.mark_unread().await.unwrap();
    let zone = "W. Europe Standard Time";
    message
        .flag(
            FollowupFlag::flagged()
                .start(DateTimeTimeZone::new("2026-12-07T09:00:00", zone))
                .due(DateTimeTimeZone::new("2026-12-09T17:00:00", zone)),
        )
        .await
        .unwrap();
    message
        .set_categories(["Red category", "Project X"])
        .await
        .unwrap();
    message.set_importance(Importance::High).await.unwrap();
    deleted.assert_async().await;
    purged.assert_async().await;
    for mock in mocks {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn bad_message_input_is_refused_before_anything_is_sent() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    let due_only = FollowupFlag::flagged().due(DateTimeTimeZone::new("2026-12-09T17:00:00", "UTC"));
    let error = me.message("m-1").flag(due_only.clone()).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidRequest(InvalidRequest::FlagDueWithoutStart)
        ),
        "{error:?}"
    );
    let nameless = me.message("");
    for error in [
        nameless.delete().await.unwrap_err(),
        nameless.permanent_delete().await.unwrap_err(),
        nameless
            .move_to(WellKnownFolder::Archive)
            .await
            .unwrap_err(),
        nameless
            .copy_to(WellKnownFolder::Archive)
            .await
            .unwrap_err(),
        me.message("m-1").copy_to("").await.unwrap_err(),
    ] {
        assert!(
            matches!(
                error,
                Error::InvalidRequest(InvalidRequest::InvalidValue { .. })
            ),
            "{error:?}"
        );
    }
    // Bulk: an empty destination or an empty patch fails the whole call.
    let whole = [
        me.move_messages(["m-1", "m-2"], "").await.unwrap_err(),
        me.copy_messages(["m-1"], " ").await.unwrap_err(),
        me.update_messages(["m-1"], MessagePatch::new())
            .await
            .unwrap_err(),
        me.update_messages(["m-1"], MessagePatch::new().flag(due_only))
            .await
            .unwrap_err(),
    ];
    for error in whole {
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    }
    none.assert_async().await;
}

fn move_request(id: usize, message: &str, destination: &str) -> Value {
    json!({
        "id": id.to_string(),
        "method": "POST",
        "url": format!("/me/messages/{message}/move"),
        "headers": {"Content-Type": "application/json"},
        "body": {"destinationId": destination}
    })
}

/// 25 moves: 20 in the first `$batch`, 5 in the second; results in input order, one
/// failure where Graph answered 404.
#[tokio::test]
async fn moving_25_messages_takes_two_batches_and_answers_in_input_order() {
    let mut server = server().await;
    let ids: Vec<String> = (1..=25).map(|n| format!("m-{n}")).collect();
    let answer = |n: usize| -> Value {
        match n {
            7 => with_body(
                "7",
                404,
                graph_error(
                    "ErrorItemNotFound",
                    "The specified object was not found in the store.",
                ),
            ),
            // Graph answers in any order: the ids say which is which.
            _ => with_body(
                &n.to_string(),
                201,
                graph_message(&format!("moved-{n}"), "Hi"),
            ),
        }
    };
    let first = expect_batch(
        &mut server,
        (1..=20)
            .map(|n| move_request(n, &ids[n - 1], "archive"))
            .collect(),
        (1..=20).rev().map(answer).collect(),
    )
    .await;
    let second = expect_batch(
        &mut server,
        (21..=25)
            .map(|n| move_request(n, &ids[n - 1], "archive"))
            .collect(),
        (21..=25).map(answer).collect(),
    )
    .await;
    let results = client(&server)
        .me()
        .move_messages(&ids, WellKnownFolder::Archive)
        .await
        .unwrap();
    assert_eq!(results.len(), 25);
    for (n, result) in (1..=25).zip(&results) {
        assert_eq!(result.id, format!("m-{n}"));
        match (&result.result, n) {
            (Err(error), 7) => assert_eq!(error.status(), Some(404)),
            (Ok(message), _) => assert_eq!(message.id, Some(format!("moved-{n}"))),
            (other, _) => panic!("m-{n}: {other:?}"),
        }
    }
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn bulk_copy_delete_permanent_delete_and_update_each_send_one_batch() {
    let mut server = server().await;
    let copy = expect_batch(
        &mut server,
        vec![json!({
            "id": "1", "method": "POST", "url": "/users/adele@contoso.com/messages/a/copy",
            "headers": {"Content-Type": "application/json"}, "body": {"destinationId": "f-9"}
        })],
        vec![with_body("1", 201, graph_message("a-copy", "Hi"))],
    )
    .await;
    let delete = expect_batch(
        &mut server,
        vec![
            json!({"id": "1", "method": "DELETE", "url": "/users/adele@contoso.com/messages/a"}),
            json!({"id": "2", "method": "DELETE", "url": "/users/adele@contoso.com/messages/b"}),
        ],
        vec![no_content("1"), no_content("2")],
    )
    .await;
    let purge = expect_batch(
        &mut server,
        vec![json!({
            "id": "1", "method": "POST", "url": "/users/adele@contoso.com/messages/c/permanentDelete",
            "headers": {"Content-Type": "application/json"}, "body": {}
        })],
        vec![no_content("1")],
    )
    .await;
    let update = expect_batch(
        &mut server,
        ["d", "e"]
            .iter()
            .enumerate()
            .map(|(n, id)| {
                json!({
                    "id": (n + 1).to_string(), "method": "PATCH",
                    "url": format!("/users/adele@contoso.com/messages/{id}"),
                    "headers": {"Content-Type": "application/json"},
                    "body": {"isRead": true, "categories": ["Invoices"]}
                })
            })
            .collect(),
        vec![
            with_body("1", 200, graph_message("d", "Hi")),
            with_body("2", 200, graph_message("e", "Hi")),
        ],
    )
    .await;
    let adele = client(&server).user("adele@contoso.com");
    let copies = adele.copy_messages(["a"], "f-9").await.unwrap();
    assert_eq!(
        copies[0].result.as_ref().unwrap().id.as_deref(),
        Some("a-copy")
    );
    let deleted = adele
        .delete_messages(vec!["a".to_string(), "b".to_string()])
        .await
        .unwrap();
    assert_eq!(
        deleted
            .iter()
            .map(|r| (r.id.as_str(), r.result.is_ok()))
            .collect::<Vec<_>>(),
        [("a", true), ("b", true)]
    );
    let purged = adele.permanent_delete_messages(["c"]).await.unwrap();
    assert!(purged[0].result.is_ok());
    let patch = MessagePatch::new().is_read(true).categories(["Invoices"]);
    let updated = adele.update_messages(["d", "e"], patch).await.unwrap();
    assert_eq!(
        updated
            .iter()
            .map(|r| r.result.as_ref().unwrap().id.clone().unwrap())
            .collect::<Vec<_>>(),
        ["d", "e"]
    );
    for mock in [copy, delete, purge, update] {
        mock.assert_async().await;
    }
}

/// An empty id among others is refused alone; the others go.
#[tokio::test]
async fn an_empty_id_in_a_bulk_call_fails_alone() {
    let mut server = server().await;
    let batch = expect_batch(
        &mut server,
        vec![json!({"id": "2", "method": "DELETE", "url": "/me/messages/m-2"})],
        vec![no_content("2")],
    )
    .await;
    let results = client(&server)
        .me()
        .delete_messages(["", "m-2"])
        .await
        .unwrap();
    assert!(matches!(
        results[0].result,
        Err(Error::InvalidRequest(InvalidRequest::InvalidValue { .. }))
    ));
    assert!(results[1].result.is_ok());
    batch.assert_async().await;
}

/// The builders go in a caller's own batch too, beside other calls.
#[tokio::test]
async fn folder_and_message_builders_go_in_a_batch() {
    let mut server = server().await;
    let mock = expect_batch(
        &mut server,
        vec![
            json!({"id": "1", "method": "POST", "url": "/me/mailFolders/inbox/childFolders",
                   "headers": {"Content-Type": "application/json"}, "body": {"displayName": "Invoices"}}),
            json!({"id": "2", "method": "POST", "url": "/me/messages/m-1/move",
                   "headers": {"Content-Type": "application/json"}, "body": {"destinationId": "deleteditems"}}),
            json!({"id": "3", "method": "DELETE", "url": "/me/mailFolders/f-old"}),
        ],
        vec![
            with_body("1", 201, folder("f-new", "Invoices", "inbox", 0)),
            with_body("2", 201, graph_message("m-1b", "Hi")),
            no_content("3"),
        ],
    )
    .await;
    let client = client(&server);
    let me = client.me();
    let mut batch = client.batch();
    let created = batch.add(
        me.mail_folder(WellKnownFolder::Inbox)
            .create_child_folder("Invoices"),
    );
    let moved = batch.add(me.message("m-1").move_to(WellKnownFolder::DeletedItems));
    let deleted = batch.add(me.mail_folder("f-old").delete());
    let mut results = batch.send().await.unwrap();
    assert_eq!(results.take(created).unwrap().id.as_deref(), Some("f-new"));
    assert_eq!(results.take(moved).unwrap().id.as_deref(), Some("m-1b"));
    results.take(deleted).unwrap();
    mock.assert_async().await;
}
