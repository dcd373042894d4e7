//! MailTips: `POST …/getMailTips` (GRAPH-FACTS-2 §7.5; "user: getMailTips",
//! <https://learn.microsoft.com/graph/api/user-getmailtips>), EWS's `GetMailTips`.

use serde::Serialize;

use super::chunked::post_in_chunks;
use super::query::strings;
use super::Mailbox;
use crate::error::{InvalidRequest, Result};
use crate::models::{check_address, MailTips, MailTipsOptions};

/// Addresses per `getMailTips` call. Graph documents no maximum; 100 is a third-party
/// report (GRAPH-FACTS-2 §7.5) \[unconfirmed\]. Longer lists go in several calls.
pub const MAX_MAIL_TIPS_ADDRESSES: usize = 100;

impl Mailbox {
    /// The MailTips of `addresses` as this mailbox sees them (`POST …/getMailTips`):
    /// one [`MailTips`] per address, in the order asked, with the MailTips named in
    /// `options` (and `error` for a recipient Exchange does not know). Needs `Mail.Read`
    /// (delegated or application). More than [`MAX_MAIL_TIPS_ADDRESSES`] addresses are
    /// asked in several calls, one after the other, and the answers put together in order.
    /// EWS's `GetMailTips`.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::{MailTipsOption, MailTipsOptions};
    /// let tips = client
    ///     .user("adele@contoso.com")
    ///     .get_mail_tips(
    ///         ["adele@contoso.com", "alex@contoso.com"],
    ///         MailTipsOptions::from(MailTipsOption::MaxMessageSize)
    ///             .with(MailTipsOption::AutomaticReplies),
    ///     )
    ///     .await?;
    /// for tip in tips {
    ///     println!("{:?} accepts up to {:?} bytes", tip.email_address, tip.max_message_size);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_mail_tips<I, S>(
        &self,
        addresses: I,
        options: impl Into<MailTipsOptions>,
    ) -> GetMailTips
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        GetMailTips {
            mailbox: self.clone(),
            body: MailTipsBody {
                email_addresses: strings(addresses),
                mail_tips_options: options.into(),
            },
        }
    }
}

/// The parameters, PascalCase as the CSDL and the docs' example spell them.
#[derive(Debug, Serialize)]
struct MailTipsBody {
    #[serde(rename = "EmailAddresses")]
    email_addresses: Vec<String>,
    #[serde(rename = "MailTipsOptions")]
    mail_tips_options: MailTipsOptions,
}

/// Reads MailTips; from [`Mailbox::get_mail_tips`]. Await it for one [`MailTips`] per
/// address. A read, so retried like one.
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct GetMailTips {
    mailbox: Mailbox,
    body: MailTipsBody,
}

impl GetMailTips {
    fn check(&self) -> std::result::Result<(), InvalidRequest> {
        if self.body.email_addresses.is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: "getMailTips needs at least one address".into(),
            });
        }
        if self.body.mail_tips_options.is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: "getMailTips needs at least one MailTipsOptions flag".into(),
            });
        }
        self.body
            .email_addresses
            .iter()
            .try_for_each(|a| check_address(a))
    }

    /// Sends it: one call per [`MAX_MAIL_TIPS_ADDRESSES`] addresses, in order. Every
    /// address is checked before the first call; a failed call ends the whole read.
    pub async fn send(self) -> Result<Vec<MailTips>> {
        self.check()?;
        let options = &self.body.mail_tips_options;
        post_in_chunks(
            &self.mailbox,
            "getMailTips",
            &self.body.email_addresses,
            MAX_MAIL_TIPS_ADDRESSES,
            |request, chunk| {
                request.json(&MailTipsBody {
                    email_addresses: chunk.to_vec(),
                    mail_tips_options: options.clone(),
                })
            },
            |_, tips| tips,
        )
        .await
    }
}

await_sends!(GetMailTips => Vec<MailTips>);
