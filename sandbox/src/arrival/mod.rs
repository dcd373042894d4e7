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
    // The depth must come down again even if a bug panics below: the server lives on
    // (the request's task ends), and a depth stuck above 0 would never refill the
    // budget of later deliveries.
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Read what the automatic reply needs first: a rule may move or delete the
        // message.
        let incoming = auto_reply::incoming(store, user_idx, message_idx);
        rules::apply(store, user_idx, message_idx);
        auto_reply::maybe_reply(store, user_idx, incoming);
    }));
    store.arrival.depth -= 1;
    if let Err(panic) = run {
        std::panic::resume_unwind(panic);
    }
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

#[cfg(test)]
mod tests {
    use serde_json::{json, Map};

    use super::*;
    use crate::store::organize::MessageRule;

    #[test]
    fn a_panic_during_arrival_leaves_the_cascade_at_depth_0() {
        let mut store = Store::default();
        store.add_user("adele@contoso.com");
        let mut actions = Map::new();
        actions.insert("markAsRead".into(), json!(true));
        store.users[0].rules.push(MessageRule {
            id: MessageRule::new_id(),
            display_name: "Read".into(),
            sequence: 1,
            is_enabled: true,
            has_error: false,
            conditions: None,
            exceptions: None,
            actions,
        });
        // No message 99: the rules panic on it.
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| arrived(&mut store, 0, 99)));
        assert!(outcome.is_err());
        assert_eq!(store.arrival.depth, 0);
        assert!(take_sends(&mut store, MAX_RULE_SENDS));
    }
}
