//! A `sendMail` that reads the recipients' MailTips first (GRAPH-FACTS-2 §7.5) and refuses
//! locally what would only bounce: a full mailbox, a message larger than the recipient
//! accepts. EWS clients did the same with `GetMailTips` before `CreateItem`.

use super::SendMail;
use crate::client::Accepted;
use crate::error::{Error, RecipientRefusal, Result};
use crate::models::{MailTipsOption, MailTipsOptions};

/// A [`SendMail`] that checks MailTips first; from [`SendMail::check_mail_tips`]. Await it.
///
/// Before sending, one `getMailTips` (per 100 recipients) asks for `mailboxFullStatus`
/// and `maxMessageSize` of every to, cc and bcc recipient, as the sending mailbox sees
/// them. The send is refused with [`Error::RecipientRefused`], and nothing is sent, for the
/// first recipient (in to, cc, bcc order) whose mailbox is full or whose `maxMessageSize` is
/// smaller than the message.
///
/// The size compared is the `sendMail` JSON body as it would be sent (message, attachments
/// in base64, `saveToSentItems`), in bytes. Exchange measures the MIME message it makes
/// of it, which is of the same order (attachments are base64 in both) but not equal: a
/// message within a few percent of the limit may still be refused by Exchange, or pass
/// here and there [unconfirmed: Exchange's exact measure].
///
/// A recipient whose MailTips come back with an `error` (e.g. outside the organization,
/// unknown to Exchange) is not refused here, whatever `mailboxFull` or `maxMessageSize`
/// come with it: Exchange decides when it delivers. A failed MailTips read (e.g. a token
/// without `Mail.Read`) fails the whole call, and nothing is sent. The MailTips read is not
/// part of the send: not [`Batchable`](crate::Batchable).
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct CheckMailTips {
    send: SendMail,
}

impl CheckMailTips {
    pub(crate) fn new(send: SendMail) -> Self {
        CheckMailTips { send }
    }

    /// Checks the message, reads the MailTips, then sends it.
    pub async fn send(self) -> Result<Accepted> {
        let send = self.send;
        send.check()?;
        let size = send.body_size()?;
        let addresses = send.recipient_addresses();
        let options = MailTipsOptions::from(MailTipsOption::MailboxFullStatus)
            .with(MailTipsOption::MaxMessageSize);
        let tips = send
            .mailbox()
            .get_mail_tips(addresses.iter().cloned(), options)
            .send()
            .await?;
        for (asked, tip) in addresses.iter().zip(&tips) {
            // Not a reading of the recipient's mailbox, whatever else it holds.
            if tip.error.is_some() {
                continue;
            }
            let refuse = |reason| Error::RecipientRefused {
                recipient: tip.address().unwrap_or(asked).to_string(),
                reason,
            };
            if tip.is_mailbox_full() {
                return Err(refuse(RecipientRefusal::MailboxFull));
            }
            if let Some(max) = tip.max_message_size.and_then(|m| u64::try_from(m).ok()) {
                if size > max {
                    return Err(refuse(RecipientRefusal::MessageTooLarge { size, max }));
                }
            }
        }
        send.send().await
    }
}

await_sends!(CheckMailTips => Accepted);
