//! Mail folders and message housekeeping against the sandbox (issue 19 items 1 and 2), state
//! read back: folders created, listed, moved, copied and deleted, counts as mail is filed,
//! a walk over a nested tree with a hidden folder, bulk moves over `$batch`.

#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;

use std::collections::{HashMap, HashSet};

use msgraph_outlook::api::Mailbox;
use msgraph_outlook::models::{MailFolder, Message, MessagePatch, WellKnownFolder};
use msgraph_outlook::Error;
use msgraph_outlook_sandbox::Sandbox;
use sandbox_clients::{delegated, sandbox_with_clock_set};
use serde_json::Value;

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";

/// Adele sends Alex `count` messages ("Mail 1", …); they land in his Inbox.
async fn deliver(sandbox: &Sandbox, count: usize) {
    let adele = delegated(sandbox, ADELE).me();
    for n in 1..=count {
        adele
            .send_mail(Message::new().subject(format!("Mail {n}")).to(ALEX))
            .await
            .unwrap();
    }
}

/// The sandbox's own view of a folder of Alex's: (total, unread, child folders).
fn counts(sandbox: &Sandbox, id: &str) -> (u64, u64, u64) {
    let folder = sandbox
        .folders(ALEX)
        .into_iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no folder {id}"));
    let n = |name: &str| folder[name].as_u64().unwrap();
    (
        n("totalItemCount"),
        n("unreadItemCount"),
        n("childFolderCount"),
    )
}

async fn inbox_ids(me: &Mailbox) -> Vec<String> {
    me.list_messages()
        .in_folder(WellKnownFolder::Inbox)
        .select(["id"])
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id.unwrap())
        .collect()
}

fn names(folders: &[MailFolder]) -> Vec<&str> {
    folders
        .iter()
        .map(|f| f.display_name.as_deref().unwrap())
        .collect()
}

#[tokio::test]
async fn create_list_children_file_mail_move_copy_and_delete() {
    let sandbox = sandbox_with_clock_set(&[ADELE, ALEX]).await;
    let me = delegated(&sandbox, ALEX).me();

    let projects = me.create_mail_folder("Projects").await.unwrap();
    let projects_id = projects.id.clone().unwrap();
    let root = me
        .mail_folder(WellKnownFolder::MsgFolderRoot)
        .get()
        .await
        .unwrap();
    assert_eq!(projects.parent_folder_id, root.id);
    let invoices = me
        .mail_folder(&projects_id)
        .create_child_folder("Invoices")
        .await
        .unwrap();
    let invoices_id = invoices.id.clone().unwrap();
    let hidden = me
        .mail_folder(&projects_id)
        .create_child_folder("Sync state")
        .hidden(true)
        .await
        .unwrap();
    assert_eq!(hidden.is_hidden, Some(true));

    let children = me.mail_folder(&projects_id).child_folders();
    assert_eq!(names(&children.collect().await.unwrap()), ["Invoices"]);
    let all = me
        .mail_folder(&projects_id)
        .child_folders()
        .include_hidden_folders()
        .collect()
        .await
        .unwrap();
    assert_eq!(names(&all), ["Invoices", "Sync state"]);
    // The top level has Projects, not its children.
    let top = me.mail_folders().collect().await.unwrap();
    assert!(names(&top).contains(&"Projects"));
    assert!(!names(&top).contains(&"Invoices"));
    // A second folder of the same name under one parent: ErrorFolderExists.
    let twice = me
        .mail_folder(&projects_id)
        .create_child_folder("Invoices")
        .await
        .unwrap_err();
    assert_eq!(twice.graph_code(), Some("ErrorFolderExists"), "{twice:?}");

    // File two of three messages; read one.
    deliver(&sandbox, 3).await;
    let ids = inbox_ids(&me).await;
    assert_eq!(ids.len(), 3);
    for id in &ids[..2] {
        me.message(id).move_to(&invoices_id).await.unwrap();
    }
    let filed = me
        .list_messages()
        .in_folder(&invoices_id)
        .collect()
        .await
        .unwrap();
    me.message_from(&filed[0]).mark_read().await.unwrap();
    assert_eq!(counts(&sandbox, &invoices_id), (2, 1, 0));
    let inbox = me.mail_folder(WellKnownFolder::Inbox).get().await.unwrap();
    assert_eq!(
        (inbox.total_item_count, inbox.unread_item_count),
        (Some(1), Some(1))
    );

    // Rename, then move under Archive: Projects keeps only the hidden child.
    me.mail_folder(&invoices_id)
        .rename("Invoices 2026")
        .await
        .unwrap();
    let moved = me
        .mail_folder(&invoices_id)
        .move_to(WellKnownFolder::Archive)
        .await
        .unwrap();
    let archive = me
        .mail_folder(WellKnownFolder::Archive)
        .get()
        .await
        .unwrap();
    assert_eq!(moved.parent_folder_id, archive.id);
    assert_eq!(moved.display_name.as_deref(), Some("Invoices 2026"));
    let moved_id = moved.id.unwrap();
    assert_eq!(counts(&sandbox, &projects_id), (0, 0, 1));
    assert_eq!(counts(&sandbox, &moved_id), (2, 1, 0));

    // A copy, with its mail, under Projects.
    let copy = me
        .mail_folder(&moved_id)
        .copy_to(&projects_id)
        .await
        .unwrap();
    let copy_id = copy.id.unwrap();
    assert_ne!(copy_id, moved_id);
    assert_eq!(counts(&sandbox, &copy_id), (2, 1, 0));
    assert_eq!(counts(&sandbox, &projects_id).2, 2);

    // Delete goes to Deleted Items; permanent delete removes it.
    me.mail_folder(&moved_id).delete().await.unwrap();
    let deleted = me
        .mail_folder(WellKnownFolder::DeletedItems)
        .child_folders()
        .collect()
        .await
        .unwrap();
    assert_eq!(names(&deleted), ["Invoices 2026"]);
    me.mail_folder(&copy_id).permanent_delete().await.unwrap();
    let gone = me.mail_folder(&copy_id).get().await.unwrap_err();
    assert!(matches!(gone, Error::NotFound(_)), "{gone:?}");
    assert!(!sandbox
        .folders(ALEX)
        .iter()
        .any(|f| f["id"] == copy_id.as_str()));
}

/// Root level: Projects {A {A1}, B}, Vault (hidden) {V1}. Each walk gives what the sandbox
/// holds (every folder, or every folder not hidden nor under a hidden one), parents before
/// children, level by level.
#[tokio::test]
async fn walking_a_nested_tree_with_a_hidden_folder() {
    let sandbox = sandbox_with_clock_set(&[ALEX]).await;
    let me = delegated(&sandbox, ALEX).me();
    let create = |parent: Option<String>, name: &'static str, hidden: bool| {
        let me = me.clone();
        async move {
            let call = match parent {
                Some(parent) => me.mail_folder(parent).create_child_folder(name),
                None => me.create_mail_folder(name),
            };
            call.hidden(hidden).await.unwrap().id.unwrap()
        }
    };
    let projects = create(None, "Projects", false).await;
    let a = create(Some(projects.clone()), "A", false).await;
    create(Some(a), "A1", false).await;
    create(Some(projects), "B", false).await;
    let vault = create(None, "Vault", true).await;
    create(Some(vault), "V1", false).await;

    // The sandbox's tree: id → (name, parent, hidden).
    let held: HashMap<String, Value> = sandbox
        .folders(ALEX)
        .into_iter()
        .map(|f| (f["id"].as_str().unwrap().to_string(), f))
        .collect();
    // Up the parents to the root (not held), one step per level.
    let ancestry = |id: &str| -> Vec<&Value> {
        let mut chain = Vec::new();
        let mut next = held.get(id);
        while let Some(folder) = next {
            chain.push(folder);
            next = held.get(folder["parentFolderId"].as_str().unwrap());
        }
        chain
    };
    let hidden_or_under = |id: &str| ancestry(id).iter().any(|f| f["isHidden"] == true);
    let depth = |id: &str| ancestry(id).len();

    for include_hidden in [false, true] {
        let mut walk = me.walk_mail_folders().top(3);
        if include_hidden {
            walk = walk.include_hidden_folders();
        }
        let walked = walk.collect().await.unwrap();
        let ids: Vec<&str> = walked.iter().map(|f| f.id.as_deref().unwrap()).collect();
        let expected: HashSet<&str> = held
            .keys()
            .map(String::as_str)
            .filter(|id| include_hidden || !hidden_or_under(id))
            .collect();
        assert_eq!(ids.iter().copied().collect::<HashSet<_>>(), expected);
        assert_eq!(ids.len(), expected.len(), "no folder twice");
        let depths: Vec<usize> = ids.iter().map(|id| depth(id)).collect();
        assert!(
            depths.windows(2).all(|d| d[0] <= d[1]),
            "breadth-first: {depths:?}"
        );
        let walked_names = names(&walked);
        assert!(walked_names.contains(&"A1"));
        assert_eq!(walked_names.contains(&"Vault"), include_hidden);
        assert_eq!(walked_names.contains(&"V1"), include_hidden);
    }
}

/// 25 messages moved in one call: two `$batch` POSTs (20 + 5), then counts; then bulk delete,
/// permanent delete and update on what was filed.
#[tokio::test]
async fn bulk_moves_25_messages_in_two_batches_then_deletes_and_marks_read() {
    let sandbox = sandbox_with_clock_set(&[ADELE, ALEX]).await;
    let me = delegated(&sandbox, ALEX).me();
    deliver(&sandbox, 25).await;
    let ids = inbox_ids(&me).await;
    assert_eq!(ids.len(), 25);
    let bulk = me.create_mail_folder("Bulk").await.unwrap().id.unwrap();
    let before = sandbox.graph_requests().len();

    let moved = me.move_messages(&ids, &bulk).await.unwrap();
    let batches: Vec<u64> = sandbox.graph_requests()[before..]
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1.0/$batch")
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body["requests"].as_array().unwrap().len() as u64
        })
        .collect();
    assert_eq!(batches, [20, 5]);
    assert_eq!(
        moved.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ids.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let new_ids: Vec<String> = moved
        .into_iter()
        .map(|r| r.result.unwrap().id.unwrap())
        .collect();
    assert_eq!(counts(&sandbox, &bulk), (25, 25, 0));
    assert_eq!(inbox_ids(&me).await, Vec::<String>::new());

    // Five to Deleted Items (a move), five deleted, five deleted for good, ten marked read.
    let trashed = me
        .move_messages(&new_ids[..5], WellKnownFolder::DeletedItems)
        .await
        .unwrap();
    assert!(trashed.iter().all(|r| r.result.is_ok()));
    let deleted = me.delete_messages(&new_ids[5..10]).await.unwrap();
    assert!(deleted.iter().all(|r| r.result.is_ok()));
    let purged = me
        .permanent_delete_messages(&new_ids[10..15])
        .await
        .unwrap();
    assert!(purged.iter().all(|r| r.result.is_ok()));
    let read = me
        .update_messages(&new_ids[15..], MessagePatch::new().is_read(true))
        .await
        .unwrap();
    assert!(read
        .iter()
        .all(|r| r.result.as_ref().unwrap().is_read == Some(true)));
    assert_eq!(counts(&sandbox, &bulk), (10, 0, 0));
    let deleted_items = me
        .mail_folder(WellKnownFolder::DeletedItems)
        .get()
        .await
        .unwrap();
    assert_eq!(deleted_items.total_item_count, Some(5));
    for id in [&new_ids[5], &new_ids[10]] {
        let gone = me.message(id).get().await.unwrap_err();
        assert!(matches!(gone, Error::NotFound(_)), "{gone:?}");
    }
    // Deleting what is already gone fails for that id alone.
    let again = me
        .delete_messages([&new_ids[5], &new_ids[15]])
        .await
        .unwrap();
    assert!(
        matches!(again[0].result, Err(Error::NotFound(_))),
        "{:?}",
        again[0]
    );
    assert!(again[1].result.is_ok());
}
