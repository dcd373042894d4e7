//! `mailboxSettings`: a mailbox's time zone, automatic replies, working hours, and how
//! meeting messages reach its delegates (GRAPH-FACTS §6.3).

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use super::{DateTimeTimeZone, WorkingHours};

wire_enum! {
    /// `delegateMeetingMessageDeliveryOptions`: who receives meeting requests and responses
    /// of a mailbox that has calendar delegates. Mailbox-wide: it applies to every delegate.
    pub enum DelegateMeetingMessageDeliveryOptions {
        /// Only the delegates (Graph's default).
        SendToDelegateOnly = "sendToDelegateOnly",
        /// The delegates, and the owner an informational copy (no response buttons).
        SendToDelegateAndInformationToPrincipal = "sendToDelegateAndInformationToPrincipal",
        /// The delegates and the owner.
        SendToDelegateAndPrincipal = "sendToDelegateAndPrincipal",
    }
}

wire_enum! {
    /// `userPurpose`: what kind of mailbox it is (read-only).
    pub enum UserPurpose {
        /// A person's mailbox.
        User = "user",
        /// A linked mailbox.
        Linked = "linked",
        /// A shared mailbox.
        Shared = "shared",
        /// A room.
        Room = "room",
        /// Equipment.
        Equipment = "equipment",
        /// Anything else.
        Others = "others",
    }
}

wire_enum! {
    /// `automaticRepliesStatus`.
    pub enum AutomaticRepliesStatus {
        /// Off.
        Disabled = "disabled",
        /// On until turned off.
        AlwaysEnabled = "alwaysEnabled",
        /// On between the scheduled times.
        Scheduled = "scheduled",
    }
}

wire_enum! {
    /// `externalAudienceScope`: which outside senders get the external reply.
    pub enum ExternalAudienceScope {
        /// Nobody outside.
        None = "none",
        /// Outside senders in the mailbox's contacts.
        ContactsOnly = "contactsOnly",
        /// Every outside sender.
        All = "all",
    }
}

/// `automaticRepliesSetting`: the out-of-office replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AutomaticRepliesSetting {
    /// On, off or scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AutomaticRepliesStatus>,
    /// Which outside senders get [`external_reply_message`](Self::external_reply_message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_audience: Option<ExternalAudienceScope>,
    /// Start, when scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_start_date_time: Option<DateTimeTimeZone>,
    /// End, when scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_end_date_time: Option<DateTimeTimeZone>,
    /// Reply to senders inside the organization (HTML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_reply_message: Option<String>,
    /// Reply to senders outside (HTML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reply_message: Option<String>,
}

/// `localeInfo`: a language and country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LocaleInfo {
    /// E.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// E.g. `English (United States)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `mailboxSettings`. Read with
/// [`Mailbox::mailbox_settings`](crate::api::Mailbox::mailbox_settings); to change some,
/// build one with only those set and pass it to
/// [`Mailbox::update_mailbox_settings`](crate::api::Mailbox::update_mailbox_settings) (unset
/// properties are not sent, so they stay as they are).
///
/// ```
/// use msgraph_outlook::models::{DelegateMeetingMessageDeliveryOptions, MailboxSettings};
/// let change = MailboxSettings::new().delegate_meeting_message_delivery_options(
///     DelegateMeetingMessageDeliveryOptions::SendToDelegateAndPrincipal,
/// );
/// assert_eq!(
///     serde_json::to_value(&change).unwrap(),
///     serde_json::json!({"delegateMeetingMessageDeliveryOptions": "sendToDelegateAndPrincipal"})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MailboxSettings {
    /// Id of the folder automatic archiving moves items to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_folder: Option<String>,
    /// Out-of-office replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatic_replies_setting: Option<AutomaticRepliesSetting>,
    /// Date format, e.g. `MM/dd/yyyy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_format: Option<String>,
    /// Who receives meeting messages when the mailbox has calendar delegates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_meeting_message_delivery_options: Option<DelegateMeetingMessageDeliveryOptions>,
    /// Language and country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<LocaleInfo>,
    /// Time format, e.g. `hh:mm tt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_format: Option<String>,
    /// The mailbox's time zone (a Windows or IANA name, as set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Working days and hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    /// What kind of mailbox it is (read-only: never sent).
    #[serde(default, skip_serializing)]
    pub user_purpose: Option<UserPurpose>,
}

impl MailboxSettings {
    /// No setting: add the ones to change.
    pub fn new() -> Self {
        MailboxSettings::default()
    }

    /// Who receives meeting messages when the mailbox has calendar delegates.
    pub fn delegate_meeting_message_delivery_options(
        mut self,
        options: DelegateMeetingMessageDeliveryOptions,
    ) -> Self {
        self.delegate_meeting_message_delivery_options = Some(options);
        self
    }

    /// The mailbox's time zone.
    pub fn time_zone(mut self, zone: impl Into<String>) -> Self {
        self.time_zone = Some(zone.into());
        self
    }

    /// Out-of-office replies.
    pub fn automatic_replies_setting(mut self, setting: AutomaticRepliesSetting) -> Self {
        self.automatic_replies_setting = Some(setting);
        self
    }
}
