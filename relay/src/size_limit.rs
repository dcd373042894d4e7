//! How large a message may be: asked by the SMTP server at `MAIL FROM … SIZE=` and at the
//! end of `DATA`, answered by delivery (the sending mailbox's maximum message size from
//! MailTips) so that mail that could never leave is refused with `552` up front.

use crate::envelope::Envelope;
use std::future::Future;
use std::pin::Pin;

/// The largest message the relay accepts for an envelope, in bytes.
pub trait MessageSizeLimit: Send + Sync + std::fmt::Debug + 'static {
    /// The limit for messages with this envelope (its `mail_from`, `smtp_user` and
    /// `mailbox` are known; `rcpt_to` may still be empty).
    fn max_message_size<'a>(
        &'a self,
        envelope: &'a Envelope,
    ) -> Pin<Box<dyn Future<Output = u64> + Send + 'a>>;
}

/// The same limit for everyone.
#[derive(Debug, Clone, Copy)]
pub struct FixedSizeLimit(pub u64);

impl MessageSizeLimit for FixedSizeLimit {
    fn max_message_size<'a>(
        &'a self,
        _envelope: &'a Envelope,
    ) -> Pin<Box<dyn Future<Output = u64> + Send + 'a>> {
        Box::pin(std::future::ready(self.0))
    }
}
