//! Automatic replies (out of office, "OOF") sent on delivery (GRAPH-FACTS-2 §7.4), as
//! Exchange's OOF rules do it ("Understanding and troubleshooting Out of Office (OOF)
//! replies", <https://learn.microsoft.com/troubleshoot/exchange/email-delivery/understand-troubleshoot-oof-replies>;
//! [MS-OXORULE] "Processing Out of Office Rules"):
//!
//! * only while the mailbox's automatic replies are on ([`crate::oof::is_on`]);
//! * senders inside the organization get `internalReplyMessage`; outside senders get
//!   `externalReplyMessage` when `externalAudience` is `all`. `contactsOnly` answers
//!   only senders in the mailbox's contacts ("Known Senders" rule): the sandbox has no
//!   contacts, so it answers no outside sender; `none` answers none;
//! * "only one reply is sent to each sender even if a recipient receives multiple
//!   messages from a sender": the senders answered are remembered (the OOF history)
//!   until the automatic replies are changed (a `PATCH` of `automaticRepliesSetting`,
//!   which is also how a new scheduled period starts);
//! * never to a message without a sender, to the mailbox itself, to a non-delivery
//!   report, to an automatic message (`Auto-Submitted` other than `no`, RFC 3834 §5),
//!   or to one that asks for no OOF (`X-Auto-Response-Suppress` `All` or `OOF`,
//!   [MS-OXCMAIL] 2.1.3.2.20).
//!
//! The reply is a new message from the mailbox to the sender, delivered by the
//! sandbox's delivery code (the sender's Inbox, or `outbound` for an outside address)
//! and not saved in Sent Items [unconfirmed]. Its subject is "Automatic reply: " and the
//! original subject, its body the reply message as HTML; it carries
//! `Auto-Submitted: auto-generated` (both as observed on Exchange Online automatic
//! replies: atlassianlabs/ac-koa-hipchat-mailroom issue 44 [obs]),
//! `X-Auto-Response-Suppress: All` [unconfirmed] and `X-MS-Exchange-Inbox-Rules-Loop`
//! with the mailbox's address (Exchange's loop counter for automatic replies,
//! <http://blogs.it.ox.ac.uk/nexus/543> [obs]).

use serde_json::{json, Map, Value};

use crate::message::{deliver, Draft};
use crate::outbox::NDR_SENDER_LOCAL_PART;
use crate::store::Store;

/// Subject prefix of an automatic reply (English mailbox) [obs, see the module docs].
pub(crate) const SUBJECT_PREFIX: &str = "Automatic reply: ";

/// What the automatic reply needs from a delivered message, read before the inbox
/// rules run (they may move or delete it).
#[derive(Debug)]
pub(super) struct Incoming {
    /// `sender` (else `from`) of the message: `(name, address)`.
    sender: Option<(String, String)>,
    subject: String,
    /// An automatic message, a non-delivery report or one suppressing OOF replies.
    no_reply: bool,
}

/// Reads the message at `message_idx` of mailbox `user_idx`.
pub(super) fn incoming(store: &Store, user_idx: usize, message_idx: usize) -> Incoming {
    let Some(m) = store.users[user_idx].messages.get(message_idx) else {
        return Incoming {
            sender: None,
            subject: String::new(),
            no_reply: true,
        };
    };
    let json = &m.json;
    let who = |k: &str| {
        let ea = json.get(k)?.get("emailAddress")?;
        let address = ea.get("address")?.as_str()?.trim().to_string();
        let name = ea.get("name").and_then(Value::as_str).unwrap_or("");
        (!address.is_empty()).then(|| (name.to_string(), address))
    };
    let sender = who("sender").or_else(|| who("from"));
    let is_ndr = sender.as_ref().is_some_and(|(_, a)| {
        let local = a.split('@').next().unwrap_or("");
        local.eq_ignore_ascii_case(NDR_SENDER_LOCAL_PART)
            || local.eq_ignore_ascii_case("postmaster")
            || local.eq_ignore_ascii_case("mailer-daemon")
    });
    Incoming {
        sender,
        subject: json
            .get("subject")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        no_reply: is_ndr || suppresses_replies(json),
    }
}

/// `Auto-Submitted` other than `no` (RFC 3834 §5: automatic messages get no automatic
/// response), or `X-Auto-Response-Suppress` naming `All` or `OOF`.
fn suppresses_replies(json: &Map<String, Value>) -> bool {
    let headers = json
        .get("internetMessageHeaders")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    headers.iter().any(|h| {
        let name = h["name"].as_str().unwrap_or("");
        let value = h["value"].as_str().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("Auto-Submitted") {
            return !value.eq_ignore_ascii_case("no");
        }
        name.eq_ignore_ascii_case("X-Auto-Response-Suppress")
            && value.split(',').any(|v| {
                v.trim().eq_ignore_ascii_case("All") || v.trim().eq_ignore_ascii_case("OOF")
            })
    })
}

/// Sends the automatic reply of mailbox `user_idx` to the sender of `msg`, when due.
pub(super) fn maybe_reply(store: &mut Store, user_idx: usize, msg: Incoming) {
    let user = &store.users[user_idx];
    if msg.no_reply || !crate::oof::is_on(&user.settings, store.now()) {
        return;
    }
    let Some((name, address)) = msg.sender else {
        return;
    };
    if address.eq_ignore_ascii_case(&user.address) {
        return;
    }
    let setting = &user.settings["automaticRepliesSetting"];
    let text = if store.is_inside_organization(&address) {
        setting["internalReplyMessage"].as_str()
    } else if setting["externalAudience"] == "all" {
        setting["externalReplyMessage"].as_str()
    } else {
        // `none`, or `contactsOnly` with no contacts in the sandbox.
        None
    };
    let Some(text) = text.map(str::to_string) else {
        return;
    };
    let own_address = user.address.clone();
    let key = address.to_ascii_lowercase();
    let state = store.mailbox_state_mut(user_idx);
    if state.oof_replied.contains(&key) {
        return;
    }
    state.oof_replied.push(key);
    let reply = Draft {
        subject: Some(format!("{SUBJECT_PREFIX}{}", msg.subject)),
        body_type: "html".into(),
        body_content: text,
        importance: "normal".into(),
        to: vec![json!({"emailAddress": {"name": name, "address": address}})],
        headers: vec![
            json!({"name": "Auto-Submitted", "value": "auto-generated"}),
            json!({"name": "X-Auto-Response-Suppress", "value": "All"}),
            json!({"name": "X-MS-Exchange-Inbox-Rules-Loop", "value": own_address}),
        ],
        ..Draft::default()
    };
    // The reply is the mailbox's own, even when a delegate's request delivered the
    // message.
    let acting = store.acting.take();
    deliver(store, user_idx, &reply, false);
    store.acting = acting;
}
