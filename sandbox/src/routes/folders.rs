//! `mailFolder` as Graph returns it (GRAPH-FACTS-2 §7.1), for the folder list and get
//! (`mail.rs`) and the folder hierarchy delta (`folder_delta.rs`).

use serde_json::{json, Value};

use crate::store::User;

/// A folder of `user` in Graph's form, its counts from the messages it holds.
pub(crate) fn folder_json(user: &User, f: &crate::store::Folder) -> Value {
    let msgs: Vec<_> = user
        .messages
        .iter()
        .filter(|m| m.folder_id == f.id)
        .collect();
    let unread = msgs
        .iter()
        .filter(|m| m.json.get("isRead") == Some(&Value::Bool(false)))
        .count();
    json!({
        "id": f.id,
        "displayName": f.display_name,
        "parentFolderId": root_folder_id(user),
        "childFolderCount": 0,
        "unreadItemCount": unread,
        "totalItemCount": msgs.len(),
        "isHidden": false,
    })
}

/// Id of the (invisible) root folder: derived from the user id so it is stable.
fn root_folder_id(user: &User) -> String {
    use base64::Engine as _;
    format!(
        "AAMkA{}",
        base64::engine::general_purpose::URL_SAFE.encode(user.id.as_bytes())
    )
}
