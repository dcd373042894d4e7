//! What happens when a message arrives in a mailbox's Inbox, as Exchange's transport and
//! mailbox assistants do it: the inbox rules run (`rules`), then the automatic reply goes
//! out to the sender when it is on (`auto_reply`). Called by `crate::message::deliver_with`
//! for every copy it stores in an Inbox.

mod auto_reply;
mod forward;
mod rules;

use crate::store::Store;

/// The message at `message_idx` of `store.users[user_idx].messages` has just been
/// delivered to that mailbox's Inbox.
/// The automatic reply goes out whatever the rules did with the message (moved,
/// deleted) [unconfirmed: Exchange's order of OOF and inbox rules].
pub(crate) fn arrived(store: &mut Store, user_idx: usize, message_idx: usize) {
    // A delivery the rules or automatic replies of this cascade made arrives nested.
    if store.arrival.depth == 0 {
        store.arrival.sends_left = MAX_RULE_SENDS;
    }
    store.arrival.depth += 1;
    // Read what the automatic reply needs first: a rule may move or delete the message.
    let incoming = auto_reply::incoming(store, user_idx, message_idx);
    rules::apply(store, user_idx, message_idx);
    auto_reply::maybe_reply(store, user_idx, incoming);
    store.arrival.depth -= 1;
}

/// At most this many copies (one per recipient) the inbox rules of all mailboxes send
/// on (`forwardTo`, `forwardAsAttachmentTo`, `redirectTo`) in answer to one delivery,
/// however their forwards chain ([`forward::MAX_HOPS`]) or fan out (many rules, many
/// recipients): a rule send that no longer fits is skipped. The sandbox's bound, so the
/// work of one delivery stays bounded; Exchange's own limits are [unconfirmed].
pub(crate) const MAX_RULE_SENDS: usize = 32;

/// The arrival cascade in progress: how deeply deliveries are nested (a rule's forward
/// arrives while the original's arrival runs) and what is left of [`MAX_RULE_SENDS`].
#[derive(Debug, Default)]
pub(crate) struct Cascade {
    depth: usize,
    sends_left: usize,
}

/// Takes `copies` rule sends from the cascade's budget; `false` (nothing taken) when
/// fewer are left.
fn take_sends(store: &mut Store, copies: usize) -> bool {
    let left = &mut store.arrival.sends_left;
    if copies > *left {
        return false;
    }
    *left -= copies;
    true
}
