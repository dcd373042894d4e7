//! Changes to stored messages that routes and delivery-time processing (inbox rules)
//! share: stamping a change, moving or copying a message to another folder, removing
//! one for good. Change notifications and delta see the results the same way whoever
//! made them (they compare `id → changeKey` snapshots, see `crate::subscriptions::detect`).

use serde_json::{json, Map, Value};

use crate::message_view::{new_immutable_id, IMMUTABLE_ID_KEY};
use crate::store::{opaque_id, random_b64, Store};
use crate::wire::graph_time;

/// New `changeKey` / `@odata.etag` / `lastModifiedDateTime` after a change.
pub(crate) fn touch_message(msg: &mut Map<String, Value>, now: &str) {
    let change_key = random_b64(20);
    msg.insert("@odata.etag".into(), json!(format!("W/\"{change_key}\"")));
    msg.insert("changeKey".into(), json!(change_key));
    msg.insert("lastModifiedDateTime".into(), json!(now));
}

/// Moves (`is_move`) or copies message `idx` of mailbox `user_idx` into the folder
/// `dest_id` (a folder id): always a new REST id; a move keeps the immutable id, a copy
/// is a new item with a new one (https://learn.microsoft.com/graph/outlook-immutable-id).
/// A moved message is removed from where it was (and a deferred send of it from the
/// Outbox is cancelled). Returns the index of the new message (the last one).
pub(crate) fn relocate(
    store: &mut Store,
    user_idx: usize,
    idx: usize,
    dest_id: &str,
    is_move: bool,
) -> usize {
    let now = graph_time(store.now());
    let mut copy = store.users[user_idx].messages[idx].clone();
    copy.json
        .insert("id".into(), json!(opaque_id("AAMkA", 110)));
    copy.json.insert("parentFolderId".into(), json!(dest_id));
    if !is_move {
        copy.json.insert("createdDateTime".into(), json!(now));
        copy.json
            .insert(IMMUTABLE_ID_KEY.into(), json!(new_immutable_id()));
    }
    touch_message(&mut copy.json, &now);
    copy.folder_id = dest_id.to_string();
    copy.seq = store.next_seq();
    if is_move {
        remove(store, user_idx, idx);
    }
    let messages = &mut store.users[user_idx].messages;
    messages.push(copy);
    messages.len() - 1
}

/// Removes message `idx` of mailbox `user_idx` for good; a deferred send of it (an
/// Outbox message) is cancelled.
pub(crate) fn remove(store: &mut Store, user_idx: usize, idx: usize) {
    let removed = store.users[user_idx].messages.remove(idx);
    // Pending sends know the Outbox copy by REST id.
    let rest_id = removed.json.get("id").and_then(Value::as_str).unwrap_or("");
    store.pending.retain(|p| p.outbox_id != rest_id);
}
