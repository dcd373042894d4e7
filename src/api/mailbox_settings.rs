//! `mailboxSettings`: read and change a mailbox's settings, among them who receives meeting
//! messages when it has calendar delegates (GRAPH-FACTS §6.3), and its automatic replies
//! (GRAPH-FACTS-2 §7.4; EWS's `GetUserOofSettings` / `SetUserOofSettings`).

use super::Mailbox;
use crate::client::Request;
use crate::error::{InvalidRequest, Result};
use crate::models::{AutomaticRepliesSetting, MailboxSettings};

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
        settings.check()?;
        let request = Request::patch(
            "updateMailboxSettings",
            self.target.path(&["mailboxSettings"]),
        )
        .json(&settings)?
        .idempotent();
        self.client.send(request).await?.json()
    }

    /// Reads the automatic replies (`GET …/mailboxSettings/automaticRepliesSetting`, as in
    /// "Get user mailbox settings", example 2,
    /// <https://learn.microsoft.com/graph/api/user-get-mailboxsettings>;
    /// `MailboxSettings.Read`). Graph may answer the scheduled times in another zone or
    /// normalised: compare them as instants
    /// ([`DateTimeTimeZone::to_utc`](crate::models::DateTimeTimeZone::to_utc)).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let replies = client.user("adele@contoso.com").automatic_replies().await?;
    /// println!("{:?} until {:?}", replies.status, replies.scheduled_end_date_time);
    /// # Ok(()) }
    /// ```
    pub async fn automatic_replies(&self) -> Result<AutomaticRepliesSetting> {
        let request = Request::get(
            "getMailboxSettings",
            self.target
                .path(&["mailboxSettings", "automaticRepliesSetting"]),
        );
        self.client.send(request).await?.json()
    }

    /// Sets the automatic replies (`PATCH …/mailboxSettings` with only
    /// `automaticRepliesSetting`; `MailboxSettings.ReadWrite`; "Update mailboxSettings",
    /// <https://learn.microsoft.com/graph/api/user-update-mailboxsettings>). Returns what Graph
    /// answers. Refused before sending: `scheduled` without both times, an end not after
    /// the start, a time or zone that does not parse.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use chrono::{Duration, Utc};
    /// use msgraph_outlook::models::{AutomaticRepliesSetting, ExternalAudienceScope};
    /// let now = Utc::now().with_timezone(&chrono_tz::UTC);
    /// client
    ///     .me()
    ///     .set_automatic_replies(
    ///         AutomaticRepliesSetting::scheduled_between(now + Duration::days(7), now + Duration::days(14))
    ///             .internal_reply_message("Away next week.")
    ///             .external_reply_message("Away next week.")
    ///             .external_audience(ExternalAudienceScope::All),
    ///     )
    ///     .await?;
    /// client.me().set_automatic_replies(AutomaticRepliesSetting::disabled()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_automatic_replies(
        &self,
        setting: AutomaticRepliesSetting,
    ) -> Result<MailboxSettings> {
        self.update_mailbox_settings(MailboxSettings::new().automatic_replies_setting(setting))
            .await
    }
}
