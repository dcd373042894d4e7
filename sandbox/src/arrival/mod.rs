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
    // Read what the automatic reply needs first: a rule may move or delete the message.
    let incoming = auto_reply::incoming(store, user_idx, message_idx);
    rules::apply(store, user_idx, message_idx);
    auto_reply::maybe_reply(store, user_idx, incoming);
}
