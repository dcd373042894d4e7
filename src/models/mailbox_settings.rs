//! `mailboxSettings`: a mailbox's time zone, automatic replies, working hours, and how
//! meeting messages reach its delegates (GRAPH-FACTS §6.3).

use chrono::DateTime;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use super::{DateTimeTimeZone, WorkingHours};
use crate::error::InvalidRequest;

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

/// `automaticRepliesSetting`: the out-of-office replies (GRAPH-FACTS-2 §7.4; resource
/// `automaticRepliesSetting`, <https://learn.microsoft.com/graph/api/resources/automaticrepliessetting>).
/// EWS's `SetUserOofSettings`. Start from [`always`](Self::always),
/// [`scheduled`](Self::scheduled) or [`disabled`](Self::disabled) and add the replies; set it
/// with [`Mailbox::set_automatic_replies`](crate::api::Mailbox::set_automatic_replies).
///
/// ```
/// use chrono::TimeZone;
/// use chrono_tz::Europe::Berlin;
/// use msgraph_outlook::models::{AutomaticRepliesSetting, ExternalAudienceScope};
/// let away = AutomaticRepliesSetting::scheduled_between(
///     Berlin.with_ymd_and_hms(2026, 12, 21, 8, 0, 0).unwrap(),
///     Berlin.with_ymd_and_hms(2026, 12, 28, 8, 0, 0).unwrap(),
/// )
/// .internal_reply_message("<p>Back on 28 December.</p>")
/// .external_reply_message("<p>Back on 28 December.</p>")
/// .external_audience(ExternalAudienceScope::ContactsOnly);
/// assert_eq!(
///     serde_json::to_value(&away).unwrap(),
///     serde_json::json!({
///         "status": "scheduled",
///         "externalAudience": "contactsOnly",
///         "scheduledStartDateTime": {"dateTime": "2026-12-21T08:00:00", "timeZone": "W. Europe Standard Time"},
///         "scheduledEndDateTime": {"dateTime": "2026-12-28T08:00:00", "timeZone": "W. Europe Standard Time"},
///         "internalReplyMessage": "<p>Back on 28 December.</p>",
///         "externalReplyMessage": "<p>Back on 28 December.</p>"
///     })
/// );
/// ```
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

impl AutomaticRepliesSetting {
    fn with_status(status: AutomaticRepliesStatus) -> Self {
        AutomaticRepliesSetting {
            status: Some(status),
            ..Default::default()
        }
    }

    /// Replies off (`disabled`).
    pub fn disabled() -> Self {
        Self::with_status(AutomaticRepliesStatus::Disabled)
    }

    /// Replies on until turned off (`alwaysEnabled`).
    pub fn always() -> Self {
        Self::with_status(AutomaticRepliesStatus::AlwaysEnabled)
    }

    /// Replies on from `start` to `end` (`scheduled`), each a time in a zone as Graph writes
    /// it. The end must come after the start; Graph takes only a future window (docs, "Update
    /// mailboxSettings"), which is left to Graph to judge.
    pub fn scheduled(start: DateTimeTimeZone, end: DateTimeTimeZone) -> Self {
        AutomaticRepliesSetting {
            scheduled_start_date_time: Some(start),
            scheduled_end_date_time: Some(end),
            ..Self::with_status(AutomaticRepliesStatus::Scheduled)
        }
    }

    /// [`scheduled`](Self::scheduled) from two instants, written as wall-clock times in their
    /// zone (e.g. the mailbox's own [`time_zone`](MailboxSettings::time_zone)).
    pub fn scheduled_between(start: DateTime<Tz>, end: DateTime<Tz>) -> Self {
        Self::scheduled(DateTimeTimeZone::zoned(start), DateTimeTimeZone::zoned(end))
    }

    /// The reply to senders inside the organization (HTML or text).
    pub fn internal_reply_message(mut self, message: impl Into<String>) -> Self {
        self.internal_reply_message = Some(message.into());
        self
    }

    /// The reply to senders outside the organization (HTML or text); who gets it is
    /// [`external_audience`](Self::external_audience).
    pub fn external_reply_message(mut self, message: impl Into<String>) -> Self {
        self.external_reply_message = Some(message.into());
        self
    }

    /// Which outside senders get the external reply.
    pub fn external_audience(mut self, scope: ExternalAudienceScope) -> Self {
        self.external_audience = Some(scope);
        self
    }

    /// Refuses what Graph would refuse or misread: a `scheduled` status without both
    /// times, times that do not parse or name no known zone, an end not after the start,
    /// and values this crate does not know (`Other`), which are for reading only.
    pub(crate) fn check(&self) -> Result<(), InvalidRequest> {
        let invalid = |reason: String| InvalidRequest::InvalidValue { reason };
        if let Some(AutomaticRepliesStatus::Other(value)) = &self.status {
            return Err(invalid(format!(
                "automaticRepliesSetting.status {value:?} is not one Graph documents"
            )));
        }
        if let Some(ExternalAudienceScope::Other(value)) = &self.external_audience {
            return Err(invalid(format!(
                "automaticRepliesSetting.externalAudience {value:?} is not one Graph documents"
            )));
        }
        let instant = |time: &Option<DateTimeTimeZone>, name: &str| {
            time.as_ref()
                .map(|t| {
                    t.to_utc()
                        .map_err(|e| invalid(format!("automaticRepliesSetting.{name}: {e}")))
                })
                .transpose()
        };
        let start = instant(&self.scheduled_start_date_time, "scheduledStartDateTime")?;
        let end = instant(&self.scheduled_end_date_time, "scheduledEndDateTime")?;
        if self.status == Some(AutomaticRepliesStatus::Scheduled)
            && (start.is_none() || end.is_none())
        {
            return Err(invalid(
                "scheduled automatic replies need both scheduledStartDateTime and \
                 scheduledEndDateTime"
                    .into(),
            ));
        }
        if let (Some(start), Some(end)) = (start, end) {
            if end <= start {
                return Err(invalid(format!(
                    "automatic replies end ({end}) before they start ({start})"
                )));
            }
        }
        Ok(())
    }
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

impl LocaleInfo {
    /// A locale to set, e.g. `en-US` (Graph fills in the display name).
    pub fn new(locale: impl Into<String>) -> Self {
        LocaleInfo {
            locale: Some(locale.into()),
            display_name: None,
        }
    }
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

    /// Working days and hours (see [`WorkingHours::new`]).
    pub fn working_hours(mut self, hours: WorkingHours) -> Self {
        self.working_hours = Some(hours);
        self
    }

    /// The mailbox's language and country, e.g. `en-GB`.
    pub fn language(mut self, locale: impl Into<String>) -> Self {
        self.language = Some(LocaleInfo::new(locale));
        self
    }

    /// The date format, one of the short date formats Outlook offers (e.g. `dd/MM/yyyy`).
    pub fn date_format(mut self, format: impl Into<String>) -> Self {
        self.date_format = Some(format.into());
        self
    }

    /// The time format, one of the short time formats Outlook offers (e.g. `HH:mm`).
    pub fn time_format(mut self, format: impl Into<String>) -> Self {
        self.time_format = Some(format.into());
        self
    }

    /// Refuses settings Graph would refuse (see [`AutomaticRepliesSetting`]; working hours
    /// that end before they start are `ErrorInvalidTimeSettings` at Graph).
    pub(crate) fn check(&self) -> Result<(), InvalidRequest> {
        if let Some(replies) = &self.automatic_replies_setting {
            replies.check()?;
        }
        if let Some(hours) = &self.working_hours {
            hours.check()?;
        }
        Ok(())
    }
}
