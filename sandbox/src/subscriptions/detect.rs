//! Change detection: each subscription keeps a snapshot `id → changeKey` of the items
//! its resource covers; after every handled request and clock move the current items
//! are compared with it (as [`crate::delta`] compares rounds), so a change made
//! through any route – sendMail delivery, deferred delivery, drafts, move, copy,
//! PATCH, DELETE, event create / update / respond, meeting copies – raises
//! `created`, `updated` or `deleted`. An item entering the covered set (a new message,
//! one moved into the folder, one matching the `$filter` now) is `created`, one
//! leaving it `deleted`, one whose `changeKey` changed `updated` (GRAPH-FACTS-2 §1.1:
//! with `$filter=isRead eq false`, marking a message read raises `deleted`).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::resource::{Collection, Filter};
use super::{Subscription, Target};
use crate::calendar::zone::Zone;
use crate::message::{render, Expand};
use crate::rich::{annotate, Entity};
use crate::store::User;

/// A change of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Created,
    Updated,
    Deleted,
}

impl Change {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::Deleted => "deleted",
        }
    }
}

/// One detected change, with what the notification needs.
#[derive(Debug)]
pub(crate) struct Detected {
    pub change: Change,
    pub id: String,
    pub change_key: String,
    /// The item's `$select`ed properties, for rich notifications (`created` and
    /// `updated` only).
    pub data: Option<Value>,
}

/// One item of the covered set.
struct Item<'a> {
    id: &'a str,
    change_key: &'a str,
    json: &'a Map<String, Value>,
}

/// The items of `user` that `target` covers, in creation order.
fn covered<'a>(user: &'a User, target: &Target) -> Vec<Item<'a>> {
    let text = |m: &'a Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).unwrap_or("");
    match &target.collection {
        Collection::Messages { folder } => {
            let mut msgs: Vec<_> = user
                .messages
                .iter()
                .filter(|m| folder.as_ref().map_or(true, |f| &m.folder_id == f))
                .filter(|m| match target.filter {
                    Some(Filter::IsRead(r)) => {
                        m.json.get("isRead").and_then(Value::as_bool) == Some(r)
                    }
                    None => true,
                })
                .collect();
            msgs.sort_by_key(|m| m.seq);
            msgs.into_iter()
                .map(|m| Item {
                    id: text(&m.json, "id"),
                    change_key: text(&m.json, "changeKey"),
                    json: &m.json,
                })
                .collect()
        }
        Collection::Events => user
            .events_of(&crate::calendar::CalRef::Any)
            .into_iter()
            .map(|e| Item {
                id: text(&e.json, "id"),
                change_key: text(&e.json, "changeKey"),
                json: &e.json,
            })
            .collect(),
    }
}

/// The snapshot of what `target` covers now.
pub(crate) fn snapshot(user: &User, target: &Target) -> HashMap<String, String> {
    covered(user, target)
        .into_iter()
        .map(|i| (i.id.to_string(), i.change_key.to_string()))
        .collect()
}

/// Compares `sub`'s snapshot with `user`'s items, updates the snapshot and returns the
/// changes (all kinds; the caller filters by `changeType`).
pub(crate) fn diff(sub: &mut Subscription, user: &User) -> Vec<Detected> {
    let items = covered(user, &sub.target);
    let rich = sub.is_rich();
    let mut out = Vec::new();
    let mut now = HashMap::with_capacity(items.len());
    for it in &items {
        let change = match sub.snapshot.get(it.id) {
            None => Some(Change::Created),
            Some(ck) if ck != it.change_key => Some(Change::Updated),
            Some(_) => None,
        };
        if let Some(change) = change {
            out.push(Detected {
                change,
                id: it.id.to_string(),
                change_key: it.change_key.to_string(),
                data: rich.then(|| selected(it.json, &sub.target)),
            });
        }
        now.insert(it.id.to_string(), it.change_key.to_string());
    }
    let mut gone: Vec<(&String, &String)> = sub
        .snapshot
        .iter()
        .filter(|(id, _)| !now.contains_key(*id))
        .collect();
    gone.sort();
    for (id, ck) in gone {
        out.push(Detected {
            change: Change::Deleted,
            id: id.clone(),
            change_key: ck.clone(),
            data: None,
        });
    }
    sub.snapshot = now;
    out
}

/// The resource data of a rich notification: the `$select`ed properties as a `GET`
/// with that `$select` returns them (events in UTC), with Graph's type annotations
/// (GRAPH-FACTS-2 §4.2).
fn selected(json: &Map<String, Value>, target: &Target) -> Value {
    let select = target.select.as_deref();
    match target.collection {
        Collection::Messages { .. } => {
            annotate(Entity::Message, &render(json, select, &Expand::default()))
        }
        Collection::Events => annotate(
            Entity::Event,
            &crate::calendar::render::output(json, &Zone::utc(), select),
        ),
    }
}
