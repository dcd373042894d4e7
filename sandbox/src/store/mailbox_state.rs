//! Per-mailbox state that Graph has no resource for but that MailTips and delivery
//! read: the mailbox being full, the custom MailTip an administrator set, and the
//! senders the current automatic-reply period has already answered.

/// Kept in [`super::Store::mailbox_state`], by user id; a mailbox without an entry has
/// the defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct MailboxState {
    /// `Sandbox::set_mailbox_full`: the mailbox is over its quota (MailTip
    /// `mailboxFull`; delivery to it is refused with a non-delivery report).
    pub full: bool,
    /// `Sandbox::set_custom_mail_tip` (MailTip `customMailTip`; empty = none).
    pub custom_mail_tip: String,
    /// Lower-cased addresses already sent an automatic reply in the current OOF period
    /// (Exchange keeps this "OOF history" per rule and clears it when the automatic
    /// replies are changed; [MS-OXORULE] "Processing Out of Office Rules").
    pub oof_replied: Vec<String>,
}

impl super::Store {
    /// The state of mailbox `user_idx` (defaults when none was set).
    pub(crate) fn mailbox_state(&self, user_idx: usize) -> MailboxState {
        self.mailbox_state
            .get(&self.users[user_idx].id)
            .cloned()
            .unwrap_or_default()
    }

    /// The state of mailbox `user_idx`, for changing it.
    pub(crate) fn mailbox_state_mut(&mut self, user_idx: usize) -> &mut MailboxState {
        let id = self.users[user_idx].id.clone();
        self.mailbox_state.entry(id).or_default()
    }
}
