//! `mailboxSettings`: read and change a mailbox's settings, among them who receives meeting
//! messages when it has calendar delegates (GRAPH-FACTS §6.3).

use super::Mailbox;
use crate::client::Request;
use crate::error::{InvalidRequest, Result};
use crate::models::MailboxSettings;

impl Mailbox {
    /// Reads the mailbox settings (`GET …/mailboxSettings`; `MailboxSettings.Read`).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let settings = client.user("owner@contoso.com").mailbox_settings().await?;
    /// println!("{:?}", settings.delegate_meeting_message_delivery_options);
    /// # Ok(()) }
    /// ```
    pub async fn mailbox_settings(&self) -> Result<MailboxSettings> {
        let request = Request::get("getMailboxSettings", self.target.path(&["mailboxSettings"]));
        self.client.send(request).await?.json()
    }

    /// Changes the settings that are set in `settings` (`PATCH …/mailboxSettings`;
    /// `MailboxSettings.ReadWrite`); the others stay as they are. Returns what Graph
    /// answers (the changed settings).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::{DelegateMeetingMessageDeliveryOptions, MailboxSettings};
    /// client
    ///     .me()
    ///     .update_mailbox_settings(MailboxSettings::new().delegate_meeting_message_delivery_options(
    ///         DelegateMeetingMessageDeliveryOptions::SendToDelegateAndInformationToPrincipal,
    ///     ))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_mailbox_settings(
        &self,
        settings: MailboxSettings,
    ) -> Result<MailboxSettings> {
        if settings == MailboxSettings::default() {
            return Err(InvalidRequest::InvalidValue {
                reason: "no mailbox setting to change".into(),
            }
            .into());
        }
        let request = Request::patch(
            "updateMailboxSettings",
            self.target.path(&["mailboxSettings"]),
        )
        .json(&settings)?
        .idempotent();
        self.client.send(request).await?.json()
    }
}
