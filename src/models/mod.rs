//! Graph resources as typed Rust values, with Graph's own names.
//!
//! Outgoing values are built with constructors and chained setters
//! (`Message::new().subject(..).to(..)`); incoming values are read through public fields.
//! Unknown properties and future enum values never fail parsing.

mod attachment;
mod calendar;
mod calendar_permission;
mod common;
mod event;
mod event_message;
mod event_patch;
mod exchange_ids;
pub(crate) mod extended_property;
mod folder;
mod location;
mod mail_folder;
mod mail_tips;
mod mailbox_settings;
mod message;
mod message_patch;
mod message_rule;
mod notification;
mod outlook_category;
mod patch;
mod recurrence;
mod schedule;
pub(crate) mod source;
mod subscription;
mod time;
mod wire_enum;

pub use attachment::{AttachedItem, Attachment, FileAttachment, ItemAttachment};
pub use common::{
    BodyType, DateTimeTimeZone, EmailAddress, GenericError, Importance, ItemBody, Recipient,
};
pub use extended_property::{
    ExtendedPropertyId, MapiPropertyType, MultiValueExtendedProperty, SingleValueExtendedProperty,
};
pub use message::{FollowupFlag, FollowupFlagStatus, InternetMessageHeader, Message};

pub use message_patch::{MessagePatch, MessageProperty};
pub use message_rule::{
    MessageActionFlag, MessageRule, MessageRuleActions, MessageRulePatch, MessageRulePredicates,
    SizeRange,
};
pub use notification::{
    ChangeNotification, ChangeNotificationCollection, EncryptedContent, LifecycleEvent,
    ResourceData,
};
pub use outlook_category::{CategoryColor, OutlookCategory};
pub use subscription::{ChangeType, Subscription, TlsVersion};

pub use calendar::Calendar;
pub use calendar_permission::{
    CalendarPermission, CalendarRole, EwsDelegateUser, EwsPermissionLevel,
};
pub use event::{
    Attendee, AttendeeType, Event, EventType, FreeBusyStatus, OnlineMeetingInfo,
    OnlineMeetingProviderType, ResponseStatus, ResponseType, Sensitivity,
};
pub use event_message::{
    EventMessage, EventMessageRequest, EventMessageResponse, MailItem, MeetingMessageType,
    MeetingRequestType,
};
pub use event_patch::{EventPatch, EventProperty};
pub use exchange_ids::{ConvertIdResult, ExchangeIdFormat};
pub use folder::{FolderRef, WellKnownFolder};
pub use location::{GeoCoordinates, Location, LocationType, PhysicalAddress};
pub use mail_folder::MailFolder;
pub use mail_tips::{
    AutomaticRepliesMailTips, MailTips, MailTipsError, MailTipsOption, MailTipsOptions,
    RecipientScope, RecipientScopeType,
};
pub use mailbox_settings::{
    AutomaticRepliesSetting, AutomaticRepliesStatus, DelegateMeetingMessageDeliveryOptions,
    ExternalAudienceScope, LocaleInfo, MailboxSettings, UserPurpose,
};
pub use recurrence::{
    DayOfWeek, PatternedRecurrence, RecurrencePattern, RecurrencePatternType, RecurrenceRange,
    RecurrenceRangeType, WeekIndex,
};
pub use schedule::{
    ActivityDomain, AttendeeAvailability, AttendeeBase, FreeBusyError, LocationConstraint,
    LocationConstraintItem, MeetingTimeSuggestion, MeetingTimeSuggestionsResult,
    ScheduleInformation, ScheduleItem, TimeConstraint, TimeZoneBase, WorkingHours,
};
pub use source::{ItemSource, MailboxRef, Sourced};
pub use time::{graph_zone_name, iana_zone, TimeError, TimeSlot};

pub(crate) use time::normalize_zone_name;

pub(crate) use common::check_address;
pub(crate) use event::check_slot;

/// Deserializes `null` as the type's default (Graph sends `null` for some empty collections).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
