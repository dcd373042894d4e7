//! What happens between a send request and delivery, as in Exchange: a message larger
//! than the sender's maximum size is refused; one with a future deferred send time
//! (`SystemTime 0x3FEF`, GRAPH-FACTS §3) or paced by the sending limits
//! ([`crate::sending_limits`]) waits in the sender's Outbox and is delivered when the
//! sandbox clock reaches its time; one over the daily recipient limit is not delivered
//! and the sender gets a non-delivery report.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::graph_error::GraphError;
use crate::message::{deliver, store_copy, CopyKind, Draft, Envelope};
use crate::sending_limits::Release;
use crate::store::{PendingSend, Store};

/// `Err` when `draft` is larger than the maximum message size of mailbox `sender_idx`.
/// Graph documents no answer for it; `400 ErrorMessageSizeExceeded` is Exchange's code
/// for it as EWS clients see it, status and text \[unconfirmed\].
pub(crate) fn check_size(
    store: &Store,
    sender_idx: usize,
    draft: &Draft,
) -> Result<(), GraphError> {
    let max = store.limits.max_message_size(&store.users[sender_idx].id);
    if message_size(draft) > max {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorMessageSizeExceeded",
            "The message exceeds the maximum supported size.",
        ));
    }
    Ok(())
}

/// The size Exchange counts: the MIME text when the message came as MIME, else an
/// estimate of it (body, subject, headers, attachments base64-encoded as in MIME).
pub(crate) fn message_size(draft: &Draft) -> u64 {
    if let Some(raw) = &draft.raw_mime {
        return raw.len() as u64;
    }
    let base64 = |n: usize| n.div_ceil(3) * 4;
    let attachments: usize = draft
        .attachments
        .iter()
        .map(|a| match &a.item {
            Some(item) => item.to_string().len(),
            None => base64(a.bytes.len()) + a.name.len() + a.content_type.len(),
        })
        .sum();
    let headers: usize = draft.headers.iter().map(|h| h.to_string().len()).sum();
    (draft.body_content.len()
        + draft.subject.as_deref().map_or(0, str::len)
        + headers
        + attachments) as u64
}

/// Submits a message sent from mailbox `sender_idx` (`sendMail`, `send`, `reply`, …).
/// Deferred until later: held in the Outbox. Otherwise the sending limits decide:
/// delivered now, held in the Outbox until the rolling minute allows it, or (over the
/// daily recipient limit) saved to Sent Items without delivery plus a non-delivery
/// report.
pub(crate) fn submit(store: &mut Store, sender_idx: usize, draft: &Draft, save_to_sent: bool) {
    let now = store.now();
    if let Some(due) = draft.deferred_until().filter(|due| *due > now) {
        hold(store, sender_idx, draft, save_to_sent, due);
        return;
    }
    let user_id = store.users[sender_idx].id.clone();
    match store.limits.release(&user_id, now, recipient_count(draft)) {
        Release::Now => deliver(store, sender_idx, draft, save_to_sent),
        Release::At(due) => hold(store, sender_idx, draft, save_to_sent, due),
        Release::OverDailyRecipients => {
            if save_to_sent {
                let env = Envelope::new(store, sender_idx, draft, true);
                store_copy(store, sender_idx, "sentitems", draft, &env, SENT);
            }
            non_delivery_report(store, sender_idx, draft);
        }
    }
}

const SENT: CopyKind = CopyKind {
    is_read: true,
    show_bcc: true,
    is_draft: false,
};

/// Distinct recipients (to, cc, bcc), as the daily recipient limit counts them.
fn recipient_count(draft: &Draft) -> u64 {
    let mut seen: Vec<String> = Vec::new();
    for r in draft.to.iter().chain(&draft.cc).chain(&draft.bcc) {
        let a = r["emailAddress"]["address"]
            .as_str()
            .unwrap_or("")
            .to_ascii_lowercase();
        if !seen.contains(&a) {
            seen.push(a);
        }
    }
    seen.len() as u64
}

/// Keeps the message in the sender's Outbox (`isDraft: false`) until `due`.
fn hold(
    store: &mut Store,
    sender_idx: usize,
    draft: &Draft,
    save_to_sent: bool,
    due: chrono::DateTime<chrono::Utc>,
) {
    let env = Envelope::new(store, sender_idx, draft, true);
    let held = store_copy(store, sender_idx, "outbox", draft, &env, SENT);
    let outbox_id = held["id"].as_str().unwrap_or_default().to_string();
    let user = &store.users[sender_idx];
    let user_id = user.id.clone();
    let outbox_len = match user.folder("outbox") {
        Some(f) => user.messages.iter().filter(|m| m.folder_id == f.id).count(),
        None => 0,
    };
    store.limits.note_outbox_len(&user_id, outbox_len);
    store.pending.push(PendingSend {
        user_id,
        outbox_id,
        draft: draft.clone(),
        save_to_sent,
        due,
    });
}

/// Delivers every held message whose time has come (by the sandbox clock), in due
/// order. A held message whose Outbox copy is gone was cancelled.
pub(crate) fn run_due(store: &mut Store) {
    let now = store.now();
    let mut due: Vec<PendingSend> = Vec::new();
    store.pending.retain(|p| {
        if p.due <= now {
            due.push(p.clone());
            false
        } else {
            true
        }
    });
    due.sort_by_key(|p| p.due);
    for p in due {
        let Some(idx) = store.user_index_by_id(&p.user_id) else {
            continue;
        };
        let msgs = &mut store.users[idx].messages;
        let Some(pos) = msgs
            .iter()
            .position(|m| m.json.get("id").and_then(Value::as_str) == Some(&p.outbox_id))
        else {
            continue;
        };
        msgs.remove(pos);
        deliver(store, idx, &p.draft, p.save_to_sent);
    }
}

/// Local part of the address Exchange's non-delivery reports come from (Exchange's
/// system mailbox `MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@{domain}`, as
/// commonly seen in Exchange Online NDRs \[unconfirmed\]).
pub(crate) const NDR_SENDER_LOCAL_PART: &str = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e";

/// The non-delivery report Exchange Online sends when a mailbox reached its daily
/// recipient limit: status text `550 5.1.90 …` as quoted in OfficeDocs-Exchange#2729
/// (GRAPH-FACTS-2 §6.4).
fn non_delivery_report(store: &mut Store, sender_idx: usize, original: &Draft) {
    let recipients: Vec<&str> = original
        .to
        .iter()
        .chain(&original.cc)
        .chain(&original.bcc)
        .filter_map(|r| r["emailAddress"]["address"].as_str())
        .collect();
    let status = "550 5.1.90 Your message can't be sent because you've reached your daily \
                  limit for message recipients. For more information, contact your email admin.";
    report(store, sender_idx, original, &recipients, status);
}

/// The non-delivery report for recipients whose mailbox is full
/// (`Sandbox::set_mailbox_full`): status `554 5.2.2 mailbox full` (RFC 3463's
/// "mailbox full" code; Exchange's exact text \[unconfirmed\]).
pub(crate) fn mailbox_full_report(
    store: &mut Store,
    sender_idx: usize,
    original: &Draft,
    recipients: &[&str],
) {
    report(
        store,
        sender_idx,
        original,
        recipients,
        "554 5.2.2 mailbox full",
    );
}

/// A non-delivery report into the sender's Inbox: from Exchange's system mailbox; the
/// subject prefix and the layout of the body are as commonly seen in Exchange Online
/// NDRs \[unconfirmed\].
fn report(
    store: &mut Store,
    sender_idx: usize,
    original: &Draft,
    recipients: &[&str],
    status: &str,
) {
    let sender = &store.users[sender_idx];
    let domain = sender.address.rsplit_once('@').map_or("", |(_, d)| d);
    let subject = original.subject.clone().unwrap_or_default();
    let ndr = Draft {
        subject: Some(format!("Undeliverable: {subject}")),
        body_type: "text".into(),
        body_content: format!(
            "Your message to {} couldn't be delivered.\r\n\r\n\
             Remote Server returned '{status}'\r\n\r\nOriginal message subject: {subject}\r\n",
            recipients.join(", ")
        ),
        importance: "normal".into(),
        from: Some(json!({"emailAddress": {
            "name": "Microsoft Outlook",
            "address": format!("{NDR_SENDER_LOCAL_PART}@{domain}"),
        }})),
        to: vec![sender.recipient()],
        ..Draft::default()
    };
    let env = Envelope::new(store, sender_idx, &ndr, true);
    let inbox = CopyKind {
        is_read: false,
        show_bcc: false,
        is_draft: false,
    };
    store_copy(store, sender_idx, "inbox", &ndr, &env, inbox);
}
