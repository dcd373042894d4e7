//! The sending actions of inbox rules (`forwardTo`, `forwardAsAttachmentTo`,
//! `redirectTo`), delivered through the sandbox's delivery machinery so sandbox
//! recipients receive them (and their own rules run), and outside recipients show up
//! in `Sandbox::outbound`.
//!
//! Loops: Exchange stamps messages its inbox rules send on with an
//! `X-MS-Exchange-Inbox-Rules-Loop` header naming the mailbox whose rule sent them, and
//! a mailbox's rules do not send on a message that already names that mailbox there
//! (observed in message headers; the exact stopping rule is [unconfirmed]). The sandbox
//! does the same, and also stops after [`MAX_HOPS`] rule hops, so two mailboxes that
//! forward to each other exchange one copy each and stop, and any chain is bounded.
//! The rule's other actions still run on such a message.
//!
//! Simplifications (documented in sandbox/README.md): a forward keeps the original
//! body without the quoted header block Outlook adds; a rule's forward leaves no copy
//! in Sent Items [unconfirmed].

use serde_json::{json, Map, Value};

use crate::message::{
    attachment_from_json, deliver, store_copy_with, without_internal, CopyKind, Draft, Envelope,
};
use crate::store::Store;

/// The header that carries the mailboxes whose rules sent a message on.
pub(super) const LOOP_HEADER: &str = "X-MS-Exchange-Inbox-Rules-Loop";

/// At most this many rule hops in a chain of forwards and redirects (the sandbox's
/// bound; Exchange's own limit is [unconfirmed]).
pub(super) const MAX_HOPS: usize = 3;

/// How a rule sends the message on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Send {
    /// `forwardTo`: a new message `FW: …` from the mailbox, same body.
    Forward,
    /// `forwardAsAttachmentTo`: a new message `FW: …` from the mailbox with the
    /// original as an item attachment.
    AsAttachment,
    /// `redirectTo`: the original, unchanged (same `from`, `toRecipients`, …),
    /// delivered to the redirect recipients only.
    Redirect,
}

/// The values of the loop header on a stored message (lower-cased addresses).
fn loop_marks(msg: &Map<String, Value>) -> Vec<String> {
    msg.get("internetMessageHeaders")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter(|h| {
                    h["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(LOOP_HEADER))
                })
                .filter_map(|h| h["value"].as_str())
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the rules of mailbox `owner` (address) may still send `msg` on.
pub(super) fn may_send(msg: &Map<String, Value>, owner: &str) -> bool {
    let marks = loop_marks(msg);
    marks.len() < MAX_HOPS && !marks.contains(&owner.to_ascii_lowercase())
}

/// The headers of a message sent on by `owner`'s rule: the loop marks so far plus
/// `owner` (a redirect keeps the original's other headers as well).
fn headers(msg: &Map<String, Value>, owner: &str, keep_all: bool) -> Vec<Value> {
    let mut out: Vec<Value> = msg
        .get("internetMessageHeaders")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter(|h| {
                    keep_all
                        || h["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(LOOP_HEADER))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    out.push(json!({"name": LOOP_HEADER, "value": owner}));
    out
}

fn text<'a>(msg: &'a Map<String, Value>, name: &str) -> &'a str {
    msg.get(name).and_then(Value::as_str).unwrap_or("")
}

fn list(msg: &Map<String, Value>, name: &str) -> Vec<Value> {
    msg.get(name)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `to` with each address once (the first spelling kept), as delivery treats
/// recipients.
fn distinct(to: &[Value]) -> Vec<Value> {
    let mut seen: Vec<String> = Vec::new();
    to.iter()
        .filter(|r| {
            let address = r["emailAddress"]["address"]
                .as_str()
                .unwrap_or("")
                .to_ascii_lowercase();
            let new = !seen.contains(&address);
            seen.push(address);
            new
        })
        .cloned()
        .collect()
}

/// Sends message `idx` of mailbox `user_idx` on to `to` (normalised recipients) as
/// `how` says, each recipient once, when the cascade's budget
/// ([`super::MAX_RULE_SENDS`]) still holds a copy for each.
pub(super) fn send_on(store: &mut Store, user_idx: usize, idx: usize, to: &[Value], how: Send) {
    let to = &distinct(to)[..];
    if to.is_empty() || !super::take_sends(store, to.len()) {
        return;
    }
    let orig = store.users[user_idx].messages[idx].json.clone();
    let owner = store.users[user_idx].address.clone();
    let subject = text(&orig, "subject").to_string();
    let body = orig.get("body").cloned().unwrap_or(Value::Null);
    let mut draft = Draft {
        subject: Some(format!("FW: {subject}")),
        body_type: body["contentType"].as_str().unwrap_or("text").to_string(),
        body_content: body["content"].as_str().unwrap_or("").to_string(),
        importance: text(&orig, "importance").to_string(),
        to: to.to_vec(),
        headers: headers(&orig, &owner, how == Send::Redirect),
        ..Draft::default()
    };
    match how {
        Send::Forward => deliver(store, user_idx, &draft, false),
        Send::AsAttachment => {
            let mut item = without_internal(&orig);
            item.insert("@odata.type".into(), json!("#microsoft.graph.message"));
            let attachment = json!({
                "@odata.type": "#microsoft.graph.itemAttachment",
                "name": subject,
                "item": Value::Object(item),
            });
            // The item always has the shape `attachment_from_json` accepts.
            if let Ok(a) = attachment_from_json(&attachment) {
                draft.attachments.push(a);
            }
            draft.body_type = "text".into();
            draft.body_content = String::new();
            deliver(store, user_idx, &draft, false);
        }
        Send::Redirect => {
            draft.subject = Some(subject);
            draft.to = list(&orig, "toRecipients");
            draft.cc = list(&orig, "ccRecipients");
            draft.from = orig.get("from").filter(|f| f.is_object()).cloned();
            redirect(store, user_idx, &draft, to);
        }
    }
}

/// Delivers `draft` (the original as it was) to `targets` only: each sandbox mailbox
/// gets it in its Inbox (and its rules run); outside addresses get it in
/// `store.outbound`.
fn redirect(store: &mut Store, user_idx: usize, draft: &Draft, targets: &[Value]) {
    let env = Envelope::new(store, user_idx, draft, true);
    let inbox = CopyKind {
        is_read: false,
        show_bcc: false,
        is_draft: false,
    };
    let mut external = false;
    for t in targets {
        let address = t["emailAddress"]["address"].as_str().unwrap_or("");
        match store.mailbox_by_address(address) {
            Some(target) => {
                store_copy_with(store, target, "inbox", draft, &env, inbox, &Map::new());
                let last = store.users[target].messages.len() - 1;
                super::arrived(store, target, last);
            }
            None => external = true,
        }
    }
    if external {
        // The message as it left, built in a store holding the mailbox's folders only.
        let mut tmp = Store::default();
        tmp.users.push(store.users[user_idx].without_items());
        let mut view = store_copy_with(&mut tmp, 0, "sentitems", draft, &env, inbox, &Map::new());
        view.insert("toRecipients".into(), Value::Array(targets.to_vec()));
        store.outbound.push(Value::Object(without_internal(&view)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_marks(marks: &[&str]) -> Map<String, Value> {
        let headers: Vec<Value> = marks
            .iter()
            .map(|m| json!({"name": "x-ms-exchange-inbox-rules-loop", "value": m}))
            .chain([json!({"name": "X-Other", "value": "adele@contoso.com"})])
            .collect();
        let mut m = Map::new();
        m.insert("internetMessageHeaders".into(), Value::Array(headers));
        m
    }

    #[test]
    fn a_mailbox_sends_a_message_on_once_and_chains_stop_after_max_hops() {
        assert!(may_send(&Map::new(), "adele@contoso.com"));
        assert!(may_send(
            &with_marks(&["alex@contoso.com"]),
            "adele@contoso.com"
        ));
        assert!(!may_send(
            &with_marks(&["Adele@Contoso.com"]),
            "adele@contoso.com"
        ));
        let three = with_marks(&["a@contoso.com", "b@contoso.com", "c@contoso.com"]);
        assert_eq!(MAX_HOPS, 3);
        assert!(!may_send(&three, "adele@contoso.com"));
    }

    #[test]
    fn forwards_carry_only_the_loop_marks_and_redirects_all_headers() {
        let msg = with_marks(&["alex@contoso.com"]);
        assert_eq!(
            headers(&msg, "adele@contoso.com", false),
            vec![
                json!({"name": "x-ms-exchange-inbox-rules-loop", "value": "alex@contoso.com"}),
                json!({"name": LOOP_HEADER, "value": "adele@contoso.com"}),
            ]
        );
        assert_eq!(headers(&msg, "adele@contoso.com", true).len(), 3);
    }

    #[test]
    fn recipients_are_sent_to_once_whatever_the_case() {
        let r = |a: &str| json!({"emailAddress": {"address": a}});
        assert_eq!(
            distinct(&[
                r("Alex@contoso.com"),
                r("megan@contoso.com"),
                r("alex@CONTOSO.com")
            ]),
            vec![r("Alex@contoso.com"), r("megan@contoso.com")]
        );
    }
}
