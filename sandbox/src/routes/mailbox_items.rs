//! Finding and stamping the items of a mailbox, shared by the message, attachment,
//! upload and event routes: messages of a folder, a message by id, a new change key
//! after a change, and attachments as Graph returns them.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::calendar::render;
use crate::calendar::zone::Zone;
use crate::graph_error::GraphError;
use crate::message::{resolve_attachment, Expand};
use crate::message_view::has_id;
use crate::store::{ItemKind, Store, User};
use crate::wire::graph_time;

/// The id of `folder` (well-known name or id) of the mailbox; `None` for no folder, `404
/// ErrorItemNotFound` for an unknown one.
fn folder_id(user: &User, folder: Option<&str>) -> Result<Option<String>, GraphError> {
    folder
        .map(|f| {
            user.folder(f)
                .map(|f| f.id.clone())
                .ok_or_else(GraphError::item_not_found)
        })
        .transpose()
}

/// Messages of the mailbox (optionally one folder), newest first.
pub(crate) fn messages_in<'a>(
    user: &'a User,
    folder: Option<&str>,
) -> Result<Vec<&'a Map<String, Value>>, GraphError> {
    let folder_id = folder_id(user, folder)?;
    let mut msgs: Vec<_> = user
        .messages
        .iter()
        .filter(|m| folder_id.as_ref().map_or(true, |f| &m.folder_id == f))
        .collect();
    msgs.sort_by_key(|m| std::cmp::Reverse(m.seq));
    Ok(msgs.into_iter().map(|m| &m.json).collect())
}

/// Index (in `user.messages`) of message `id`, optionally only within `folder`.
pub(crate) fn message_index(
    store: &Store,
    user_idx: usize,
    folder: Option<&str>,
    id: &str,
) -> Result<usize, GraphError> {
    let user = &store.users[user_idx];
    let folder_id = folder_id(user, folder)?;
    user.messages
        .iter()
        .position(|m| has_id(&m.json, id) && folder_id.as_ref().map_or(true, |f| &m.folder_id == f))
        .ok_or_else(GraphError::item_not_found)
}

pub(crate) use crate::mailbox_ops::remove as remove_message;
pub(crate) use crate::mailbox_ops::touch_message;

/// New change key and modification time after a change to a stored item of `kind`.
pub(crate) fn touch_item(kind: ItemKind, json: &mut Map<String, Value>, now: DateTime<Utc>) {
    match kind {
        ItemKind::Message => touch_message(json, &graph_time(now)),
        ItemKind::Event => crate::calendar::touch(json, now),
    }
}

/// An attachment as Graph returns it. `item` of an itemAttachment only with
/// `$expand=microsoft.graph.itemattachment/item` (`with_item`).
pub(crate) fn attachment_out(store: &Store, a: &Value, with_item: bool) -> Value {
    let mut v = resolve_attachment(store, a);
    if !with_item {
        if let Value::Object(o) = &mut v {
            o.remove("item");
        }
    }
    v
}

/// An event as Graph returns it: times in `zone`, default properties or `@odata.etag`,
/// `id` and the `$select`ed ones, and its attachments and extended properties when
/// expanded.
pub(crate) fn event_output(
    store: &Store,
    ev: &Map<String, Value>,
    zone: &Zone,
    select: Option<&[String]>,
    expand: &Expand,
) -> Value {
    let mut v = render::output(ev, zone, select);
    if let Value::Object(out) = &mut v {
        if expand.attachments {
            let list = ev
                .get("attachments")
                .and_then(Value::as_array)
                .map(|l| l.iter().map(|a| attachment_out(store, a, false)).collect())
                .unwrap_or_default();
            out.insert("attachments".into(), Value::Array(list));
        }
        expand.props.render(ev, out);
    }
    v
}
