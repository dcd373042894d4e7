//! Well-known folders as a type (issue 16 item 7): `WellKnownFolder` wherever a folder is
//! taken, folder ids still accepted; on the wire (mockito) and against the sandbox.

mod common;

use common::*;
use mockito::Matcher;
use msgraph_outlook::auth::StaticToken;
use msgraph_outlook::models::{FolderRef, MailItem, Message, WellKnownFolder};
use msgraph_outlook::GraphClient;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::json;

/// Graph's list of well-known folder names (mailFolder resource, "Well-known folder names").
#[test]
fn every_well_known_folder_has_graphs_name() {
    use WellKnownFolder::*;
    let expected = [
        (Archive, "archive"),
        (Clutter, "clutter"),
        (Conflicts, "conflicts"),
        (ConversationHistory, "conversationhistory"),
        (DeletedItems, "deleteditems"),
        (Drafts, "drafts"),
        (Inbox, "inbox"),
        (JunkEmail, "junkemail"),
        (LocalFailures, "localfailures"),
        (MsgFolderRoot, "msgfolderroot"),
        (Outbox, "outbox"),
        (RecoverableItemsDeletions, "recoverableitemsdeletions"),
        (Scheduled, "scheduled"),
        (SearchFolders, "searchfolders"),
        (SentItems, "sentitems"),
        (ServerFailures, "serverfailures"),
        (SyncIssues, "syncissues"),
    ];
    for (folder, name) in expected {
        assert_eq!(folder.as_str(), name);
        assert_eq!(FolderRef::from(folder).to_string(), name);
    }
    assert_eq!(
        FolderRef::from("AAMkAGI2TAAA="),
        FolderRef::Id("AAMkAGI2TAAA=".into())
    );
}

async fn expect_get(server: &mut mockito::ServerGuard, path: &str) -> mockito::Mock {
    server
        .mock("GET", format!("/v1.0{path}").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_query(Matcher::Missing)
        .with_body(json!({"value": [graph_message("m-1", "Hi")]}).to_string())
        .expect(1)
        .create_async()
        .await
}

#[tokio::test]
async fn listing_syncing_and_mail_items_take_a_well_known_folder() {
    let mut server = server().await;
    let me = client(&server).me();

    let sent = expect_get(&mut server, "/me/mailFolders/sentitems/messages").await;
    let page = me
        .list_messages()
        .in_folder(WellKnownFolder::SentItems)
        .send()
        .await
        .unwrap();
    assert_eq!(page.value[0].id.as_deref(), Some("m-1"));
    sent.assert_async().await;

    let junk = expect_get(&mut server, "/me/mailFolders/junkemail/messages").await;
    let items = me
        .mail_items(WellKnownFolder::JunkEmail)
        .send()
        .await
        .unwrap();
    assert!(matches!(&items.value[0], MailItem::Message(m) if m.id.as_deref() == Some("m-1")));
    junk.assert_async().await;

    let delta = server
        .mock("GET", "/v1.0/me/mailFolders/deleteditems/messages/delta")
        .match_query(Matcher::Missing)
        .with_body(
            json!({
                "value": [],
                "@odata.deltaLink": format!("{}/me/mailFolders/deleteditems/messages/delta?$deltatoken=t1", base_url(&server))
            })
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let sync = me
        .sync_messages(WellKnownFolder::DeletedItems)
        .send()
        .await
        .unwrap();
    assert!(sync.delta_link.unwrap().ends_with("$deltatoken=t1"));
    delta.assert_async().await;

    // A folder id is taken as before.
    let by_id = expect_get(&mut server, "/me/mailFolders/AQMkADFolder/messages").await;
    me.list_messages()
        .in_folder("AQMkADFolder")
        .send()
        .await
        .unwrap();
    by_id.assert_async().await;
}

#[tokio::test]
async fn move_copy_and_drafts_take_a_well_known_folder() {
    let mut server = server().await;
    let moved = expect_json(
        &mut server,
        "POST",
        "/me/messages/m-1/move",
        json!({"destinationId": "junkemail"}),
    )
    .with_status(201)
    .with_body(graph_message("m-2", "Hi").to_string())
    .create_async()
    .await;
    let copied = expect_json(
        &mut server,
        "POST",
        "/me/messages/m-1/copy",
        json!({"destinationId": "archive"}),
    )
    .with_status(201)
    .with_body(graph_message("m-3", "Hi").to_string())
    .create_async()
    .await;
    let draft = expect_json(
        &mut server,
        "POST",
        "/me/mailFolders/outbox/messages",
        json!({"subject": "Hi", "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]}),
    )
    .with_status(201)
    .with_body(graph_message("m-4", "Hi").to_string())
    .create_async()
    .await;
    let me = client(&server).me();
    let message = me.message("m-1");
    let moved_to = message.move_to(WellKnownFolder::JunkEmail).await.unwrap();
    let copy = message.copy_to(WellKnownFolder::Archive).await.unwrap();
    let created = me
        .create_draft(Message::new().subject("Hi").to("alex@contoso.com"))
        .in_folder(WellKnownFolder::Outbox)
        .await
        .unwrap();
    assert_eq!(
        [moved_to.id, copy.id, created.id],
        [Some("m-2".into()), Some("m-3".into()), Some("m-4".into())]
    );
    moved.assert_async().await;
    copied.assert_async().await;
    draft.assert_async().await;
}

#[tokio::test]
async fn sandbox_a_message_moved_to_archive_is_listed_there_and_not_in_the_inbox() {
    let sandbox = Sandbox::start().await.unwrap();
    let (adele, alex) = ("adele@contoso.com", "alex@contoso.com");
    for user in [adele, alex] {
        sandbox.add_user(user);
    }
    let as_user = |user: &str| {
        GraphClient::builder()
            .base_url(sandbox.base_url())
            .token_provider(StaticToken::delegated(sandbox.delegated_token(user)))
            .build()
            .unwrap()
    };
    as_user(adele)
        .me()
        .send_mail(Message::new().subject("Filed").to(alex))
        .await
        .unwrap();
    let alex_mailbox = as_user(alex).me();
    let subjects = |messages: Vec<Message>| -> Vec<Option<String>> {
        messages.into_iter().map(|m| m.subject).collect()
    };
    let inbox = alex_mailbox
        .list_messages()
        .in_folder(WellKnownFolder::Inbox)
        .collect()
        .await
        .unwrap();
    assert_eq!(subjects(inbox.clone()), [Some("Filed".to_string())]);
    alex_mailbox
        .message_from(&inbox[0])
        .move_to(WellKnownFolder::Archive)
        .await
        .unwrap();
    let list = |folder: WellKnownFolder| alex_mailbox.list_messages().in_folder(folder).collect();
    assert_eq!(subjects(list(WellKnownFolder::Inbox).await.unwrap()), []);
    assert_eq!(
        subjects(list(WellKnownFolder::Archive).await.unwrap()),
        [Some("Filed".to_string())]
    );
    let sent = as_user(adele)
        .me()
        .list_messages()
        .in_folder(WellKnownFolder::SentItems)
        .collect()
        .await
        .unwrap();
    assert_eq!(subjects(sent), [Some("Filed".to_string())]);
}
