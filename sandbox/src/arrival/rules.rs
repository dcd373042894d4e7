//! Inbox rules evaluated on delivery (GRAPH-FACTS-2 §7.2): the enabled rules of the
//! mailbox in `sequence` order; a rule acts when all its `conditions` match (no
//! conditions: every message) and none of its `exceptions` does; `stopProcessingRules`
//! ends the run. Later rules see the message as earlier ones left it (moved, marked
//! read, categorised).
//!
//! Predicates, all compared case-insensitively ("messageRulePredicates resource type",
//! <https://learn.microsoft.com/graph/api/resources/messagerulepredicates>): the
//! `…Contains` ones match when any of their strings is a substring (`senderContains`: of
//! `from`'s address or name; `recipientContains`: of a To / Cc address or name;
//! `bodyContains`: of the body as stored, HTML included; `headerContains`: of a
//! `name: value` line of `internetMessageHeaders`); `fromAddresses` / `sentToAddresses`
//! (To or Cc) match an address exactly; `sentToMe` (in To), `sentCcMe` (in Cc),
//! `sentToOrCcMe`, `sentOnlyToMe` (the mailbox is the only To / Cc recipient),
//! `notSentToMe` (not in To or Cc), `hasAttachments`, `importance`, `categories` (any
//! of them on the message), `withinSizeRange` (kilobytes, bounds included, size = body,
//! subject and attachment bytes: the sandbox's approximation of Exchange's item size),
//! `isAutomaticReply` (an `Auto-Submitted` header `auto-replied` (RFC 3834) or
//! `auto-generated`, which Exchange Online's automatic replies carry, see
//! `auto_reply`),
//! `isMeetingRequest` / `isMeetingResponse` (`meetingMessageType`). A Boolean predicate
//! set to `false` is no condition. The other predicates (`isApprovalRequest`,
//! `isAutomaticForward`, `isEncrypted`, `isNonDeliveryReport`,
//! `isPermissionControlled`, `isReadReceipt`, `isSigned`, `isVoicemail`, `sensitivity`,
//! `messageActionFlag`) describe messages the sandbox never delivers: they never match.
//!
//! Actions, in this order: `markAsRead`, `markImportance`, `assignCategories` change
//! the message; `forwardTo`, `forwardAsAttachmentTo`, `redirectTo` send it on
//! ([`forward`]); `copyToFolder` copies it; then one of `permanentDelete` (gone),
//! `delete` (to Deleted Items), `moveToFolder` (in that precedence). A rule whose
//! folder no longer exists skips that action and gets `hasError: true`
//! [unconfirmed].

use serde_json::{json, Map, Value};

use super::forward::{self, Send};
use crate::mailbox_ops::{relocate, remove, touch_message};
use crate::store::organize::{in_sequence, MessageRule};
use crate::store::{Store, User};
use crate::wire::graph_time;

/// Runs the mailbox's inbox rules on the message just delivered; returns where the
/// message is afterwards (`None`: permanently deleted).
pub(super) fn apply(store: &mut Store, user_idx: usize, message_idx: usize) -> Option<usize> {
    let rules: Vec<MessageRule> = in_sequence(&store.users[user_idx].rules)
        .into_iter()
        .filter(|r| r.is_enabled)
        .cloned()
        .collect();
    let mut idx = message_idx;
    for rule in rules {
        let user = &store.users[user_idx];
        let msg = &user.messages[idx].json;
        let applies = rule
            .conditions
            .as_ref()
            .map_or(true, |c| all_match(user, msg, c))
            && !rule
                .exceptions
                .as_ref()
                .is_some_and(|e| any_matches(user, msg, e));
        if !applies {
            continue;
        }
        idx = run_actions(store, user_idx, idx, &rule)?;
        if rule.actions.get("stopProcessingRules") == Some(&Value::Bool(true)) {
            break;
        }
    }
    Some(idx)
}

/// Every predicate set matches (`None` results, unset predicates, are ignored).
fn all_match(user: &User, msg: &Map<String, Value>, predicates: &Map<String, Value>) -> bool {
    predicates
        .iter()
        .all(|(name, value)| predicate(user, msg, name, value) != Some(false))
}

/// At least one predicate set matches.
fn any_matches(user: &User, msg: &Map<String, Value>, predicates: &Map<String, Value>) -> bool {
    predicates
        .iter()
        .any(|(name, value)| predicate(user, msg, name, value) == Some(true))
}

fn lower(v: &Value) -> String {
    v.as_str().unwrap_or("").to_lowercase()
}

/// The strings of a string-collection predicate, lower-cased.
fn needles(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|l| l.iter().map(lower).collect())
        .unwrap_or_default()
}

/// Whether any needle is a substring of any of `haystacks` (lower-cased).
fn contains_any(haystacks: &[String], value: &Value) -> bool {
    let needles = needles(value);
    needles
        .iter()
        .any(|n| haystacks.iter().any(|h| h.contains(n.as_str())))
}

/// The lower-cased addresses of a recipient list.
fn addresses(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .map(|r| lower(&r["emailAddress"]["address"]))
                .collect()
        })
        .unwrap_or_default()
}

/// The lower-cased addresses and names of a recipient list.
fn addresses_and_names(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .flat_map(|r| {
                    [
                        lower(&r["emailAddress"]["address"]),
                        lower(&r["emailAddress"]["name"]),
                    ]
                })
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The message's approximate size in kilobytes (see the module docs).
fn size_kb(msg: &Map<String, Value>) -> i64 {
    let body = msg["body"]["content"].as_str().map_or(0, str::len);
    let subject = msg
        .get("subject")
        .and_then(Value::as_str)
        .map_or(0, str::len);
    let attachments: u64 = msg
        .get("attachments")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(|a| a["size"].as_u64()).sum())
        .unwrap_or(0);
    let bytes = (body + subject) as u64 + attachments;
    i64::try_from(bytes / 1024).unwrap_or(i64::MAX)
}

fn header_lines(msg: &Map<String, Value>) -> Vec<String> {
    msg.get("internetMessageHeaders")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .map(|h| format!("{}: {}", lower(&h["name"]), lower(&h["value"])))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether predicate `name` = `value` holds for `msg` in `user`'s mailbox; `None` when
/// it sets no condition (a Boolean predicate set to `false`).
fn predicate(user: &User, msg: &Map<String, Value>, name: &str, value: &Value) -> Option<bool> {
    if value == &Value::Bool(false) {
        return None;
    }
    let me = user.address.to_lowercase();
    let to = addresses(msg.get("toRecipients"));
    let cc = addresses(msg.get("ccRecipients"));
    let subject = lower(msg.get("subject").unwrap_or(&Value::Null));
    let body = lower(&msg["body"]["content"]);
    let meeting = msg
        .get("meetingMessageType")
        .and_then(Value::as_str)
        .unwrap_or("");
    let matched = match name {
        "senderContains" => contains_any(
            &addresses_and_names(msg.get("from").map(|f| json!([f])).as_ref()),
            value,
        ),
        "subjectContains" => contains_any(&[subject], value),
        "bodyContains" => contains_any(&[body], value),
        "bodyOrSubjectContains" => contains_any(&[subject, body], value),
        "headerContains" => contains_any(&header_lines(msg), value),
        "recipientContains" => {
            let mut all = addresses_and_names(msg.get("toRecipients"));
            all.extend(addresses_and_names(msg.get("ccRecipients")));
            contains_any(&all, value)
        }
        "fromAddresses" => {
            let from = lower(&msg["from"]["emailAddress"]["address"]);
            addresses(Some(value)).contains(&from)
        }
        "sentToAddresses" => addresses(Some(value))
            .iter()
            .any(|a| to.contains(a) || cc.contains(a)),
        "sentToMe" => to.contains(&me),
        "sentCcMe" => cc.contains(&me),
        "sentToOrCcMe" => to.contains(&me) || cc.contains(&me),
        "sentOnlyToMe" => !to.is_empty() && to.iter().chain(cc.iter()).all(|a| *a == me),
        "notSentToMe" => !to.contains(&me) && !cc.contains(&me),
        "hasAttachments" => msg.get("hasAttachments") == Some(&Value::Bool(true)),
        "importance" => lower(msg.get("importance").unwrap_or(&Value::Null)) == lower(value),
        "categories" => {
            let on: Vec<String> = msg
                .get("categories")
                .and_then(Value::as_array)
                .map(|l| l.iter().map(lower).collect())
                .unwrap_or_default();
            needles(value).iter().any(|c| on.contains(c))
        }
        "withinSizeRange" => {
            let kb = size_kb(msg);
            let min = value["minimumSize"].as_i64().unwrap_or(0);
            let max = value["maximumSize"].as_i64().unwrap_or(i64::MAX);
            min <= kb && kb <= max
        }
        "isAutomaticReply" => header_lines(msg).iter().any(|l| {
            l.starts_with("auto-submitted: auto-replied")
                || l.starts_with("auto-submitted: auto-generated")
        }),
        "isMeetingRequest" => meeting == "meetingRequest",
        "isMeetingResponse" => matches!(
            meeting,
            "meetingAccepted" | "meetingTenativelyAccepted" | "meetingDeclined"
        ),
        // Messages the sandbox never delivers (signed, encrypted, voicemail, …).
        _ => false,
    };
    Some(matched)
}

/// The id of a folder of the mailbox named by an action (`None`: gone).
fn folder_of(user: &User, action: Option<&Value>) -> Option<Option<String>> {
    let given = action?.as_str()?;
    Some(user.folder(given).map(|f| f.id.clone()))
}

/// Marks the rule `id` as in error.
fn set_error(store: &mut Store, user_idx: usize, id: &str) {
    if let Some(r) = store.users[user_idx].rules.iter_mut().find(|r| r.id == id) {
        r.has_error = true;
    }
}

/// Runs the actions of `rule` on message `idx`; returns where it is afterwards.
fn run_actions(
    store: &mut Store,
    user_idx: usize,
    idx: usize,
    rule: &MessageRule,
) -> Option<usize> {
    let a = &rule.actions;
    let is = |name: &str| a.get(name) == Some(&Value::Bool(true));
    let now = graph_time(store.now());

    // Changes to the message itself.
    let msg = &mut store.users[user_idx].messages[idx].json;
    let mut changed = false;
    if is("markAsRead") {
        msg.insert("isRead".into(), json!(true));
        changed = true;
    }
    if let Some(importance) = a.get("markImportance") {
        msg.insert("importance".into(), importance.clone());
        changed = true;
    }
    if let Some(add) = a.get("assignCategories").and_then(Value::as_array) {
        let mut cats = msg
            .get("categories")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for c in add {
            if !cats.iter().any(|x| lower(x) == lower(c)) {
                cats.push(c.clone());
            }
        }
        msg.insert("categories".into(), Value::Array(cats));
        changed = true;
    }
    if changed {
        touch_message(msg, &now);
    }
    let id = msg
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();

    // Sending on, unless the message already went round through this mailbox.
    let owner = store.users[user_idx].address.clone();
    if forward::may_send(&store.users[user_idx].messages[idx].json, &owner) {
        for (name, how) in [
            ("forwardTo", Send::Forward),
            ("forwardAsAttachmentTo", Send::AsAttachment),
            ("redirectTo", Send::Redirect),
        ] {
            let to = a
                .get(name)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            // Deliveries only add messages, but find ours again to be independent of
            // what the recipients' rules do.
            let i = position(store, user_idx, &id)?;
            forward::send_on(store, user_idx, i, &to, how);
        }
    }
    let mut idx = position(store, user_idx, &id)?;

    if let Some(dest) = folder_of(&store.users[user_idx], a.get("copyToFolder")) {
        match dest {
            Some(dest) => {
                relocate(store, user_idx, idx, &dest, false);
            }
            None => set_error(store, user_idx, &rule.id),
        }
    }
    if is("permanentDelete") {
        remove(store, user_idx, idx);
        return None;
    }
    let dest = if is("delete") {
        store.users[user_idx]
            .folder("deleteditems")
            .map(|f| Some(f.id.clone()))
    } else {
        folder_of(&store.users[user_idx], a.get("moveToFolder"))
    };
    match dest {
        Some(Some(dest)) if dest != store.users[user_idx].messages[idx].folder_id => {
            idx = relocate(store, user_idx, idx, &dest, true);
        }
        Some(None) => set_error(store, user_idx, &rule.id),
        _ => {}
    }
    Some(idx)
}

/// Index of message `id` in the mailbox.
fn position(store: &Store, user_idx: usize, id: &str) -> Option<usize> {
    store.users[user_idx]
        .messages
        .iter()
        .position(|m| m.json.get("id").and_then(Value::as_str) == Some(id))
}
