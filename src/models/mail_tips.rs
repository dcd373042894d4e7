//! MailTips: what Exchange knows about recipients before a message is sent (automatic
//! replies, a full mailbox, the largest message they accept, …), from
//! `POST …/getMailTips` (GRAPH-FACTS-2 §7.5; resource `mailTips`,
//! <https://learn.microsoft.com/graph/api/resources/mailtips>).

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use super::{DateTimeTimeZone, EmailAddress, GenericError, LocaleInfo, Recipient};

wire_enum! {
    /// One flag of `mailTipsType`: a kind of MailTip to ask for.
    pub enum MailTipsOption {
        /// `automaticReplies`: the recipient's automatic reply, if it is on.
        AutomaticReplies = "automaticReplies",
        /// `mailboxFullStatus`: whether the recipient's mailbox is full.
        MailboxFullStatus = "mailboxFullStatus",
        /// `customMailTip`: a MailTip the admin set on the recipient.
        CustomMailTip = "customMailTip",
        /// `externalMemberCount`: external members of a distribution list.
        ExternalMemberCount = "externalMemberCount",
        /// `totalMemberCount`: members of a distribution list.
        TotalMemberCount = "totalMemberCount",
        /// `maxMessageSize`: the largest message the recipient accepts, in bytes.
        MaxMessageSize = "maxMessageSize",
        /// `deliveryRestriction`: whether the recipient restricts who may send to it.
        DeliveryRestriction = "deliveryRestriction",
        /// `moderationStatus`: whether messages to the recipient need approval.
        ModerationStatus = "moderationStatus",
        /// `recipientScope`: inside or outside the organization.
        RecipientScope = "recipientScope",
        /// `recipientSuggestions`: recipients often addressed together with this one.
        RecipientSuggestions = "recipientSuggestions",
    }
}

wire_enum! {
    /// One flag of `recipientScopeType`.
    pub enum RecipientScopeType {
        /// `none`.
        None = "none",
        /// `internal`: in the sender's organization.
        Internal = "internal",
        /// `external`: outside it.
        External = "external",
        /// `externalPartner`: an organization the admin set as partner.
        ExternalPartner = "externalPartner",
        /// `externalNonPartner`: any other outside organization.
        ExternalNonPartner = "externalNonPartner",
    }
}

/// A set of flags of an OData flags enum, which Graph writes as one comma-separated
/// string (`"automaticReplies, mailboxFullStatus"`). Unknown flags are kept.
macro_rules! flags {
    ($(#[$meta:meta])* pub struct $name:ident($flag:ident);) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name(Vec<$flag>);

        impl $name {
            /// No flag.
            pub fn new() -> Self {
                Self::default()
            }

            /// With `flag` added (once).
            pub fn with(mut self, flag: $flag) -> Self {
                if !self.0.contains(&flag) {
                    self.0.push(flag);
                }
                self
            }

            /// The flags, in the order given.
            pub fn flags(&self) -> &[$flag] {
                &self.0
            }

            /// Whether `flag` is set.
            pub fn contains(&self, flag: &$flag) -> bool {
                self.0.contains(flag)
            }

            /// Whether no flag is set.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }

            /// Reads Graph's comma-separated form; unknown flags are kept as
            /// `Other`.
            pub fn parse(text: &str) -> Self {
                text.split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map($flag::from)
                    .collect()
            }
        }

        impl FromIterator<$flag> for $name {
            fn from_iter<I: IntoIterator<Item = $flag>>(iter: I) -> Self {
                iter.into_iter().fold(Self::new(), Self::with)
            }
        }

        impl From<$flag> for $name {
            fn from(flag: $flag) -> Self {
                Self::new().with(flag)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let names: Vec<&str> = self.0.iter().map($flag::as_str).collect();
                f.write_str(&names.join(", "))
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::parse(&text))
            }
        }
    };
}

flags! {
    /// Which MailTips to get (`MailTipsOptions` of `getMailTips`, flags of `mailTipsType`).
    ///
    /// ```
    /// use msgraph_outlook::models::{MailTipsOption, MailTipsOptions};
    /// let options = MailTipsOptions::from(MailTipsOption::MaxMessageSize)
    ///     .with(MailTipsOption::AutomaticReplies);
    /// assert_eq!(options.to_string(), "maxMessageSize, automaticReplies");
    /// ```
    pub struct MailTipsOptions(MailTipsOption);
}

flags! {
    /// `recipientScope` of a MailTip (flags of `recipientScopeType`).
    pub struct RecipientScope(RecipientScopeType);
}

impl MailTipsOptions {
    /// Every MailTip Graph knows.
    pub fn all() -> Self {
        use MailTipsOption as O;
        [
            O::AutomaticReplies,
            O::MailboxFullStatus,
            O::CustomMailTip,
            O::ExternalMemberCount,
            O::TotalMemberCount,
            O::MaxMessageSize,
            O::DeliveryRestriction,
            O::ModerationStatus,
            O::RecipientScope,
            O::RecipientSuggestions,
        ]
        .into_iter()
        .collect()
    }
}

/// `mailTips`: the MailTips of one recipient. Only those asked for are there; `error`
/// instead when Exchange could not get them (e.g. an unknown recipient).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MailTips {
    /// The recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<EmailAddress>,
    /// Its automatic reply (`message` empty when it is off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatic_replies: Option<AutomaticRepliesMailTips>,
    /// Whether its mailbox is full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_full: Option<bool>,
    /// A MailTip the admin set on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_mail_tip: Option<String>,
    /// Whether it accepts mail only from some senders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_restricted: Option<bool>,
    /// Whether messages to it need a moderator's approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_moderated: Option<bool>,
    /// External members, for a distribution list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_member_count: Option<i32>,
    /// Members, for a distribution list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_member_count: Option<i32>,
    /// The largest message, in bytes, configured for its organization or mailbox
    /// (`Int32`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_message_size: Option<i32>,
    /// Inside or outside the organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_scope: Option<RecipientScope>,
    /// Recipients often addressed together with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_suggestions: Option<Vec<Recipient>>,
    /// Why its MailTips could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<MailTipsError>,
}

impl MailTips {
    /// The recipient's address.
    pub fn address(&self) -> Option<&str> {
        self.email_address.as_ref()?.address.as_deref()
    }

    /// The recipient's automatic reply when it is on: Graph answers `{"message": ""}` for a
    /// recipient without one (docs, "user: getMailTips"), which gives `None` here.
    pub fn automatic_reply(&self) -> Option<&AutomaticRepliesMailTips> {
        self.automatic_replies
            .as_ref()
            .filter(|r| r.message.as_deref().is_some_and(|m| !m.trim().is_empty()))
    }

    /// Whether the recipient's mailbox is full (false when not asked or not known).
    pub fn is_mailbox_full(&self) -> bool {
        self.mailbox_full == Some(true)
    }
}

/// `automaticRepliesMailTips`: a recipient's automatic reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AutomaticRepliesMailTips {
    /// The reply (often HTML); empty when automatic replies are off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The reply's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_language: Option<LocaleInfo>,
    /// Start of the scheduled replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_start_time: Option<DateTimeTimeZone>,
    /// End of the scheduled replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_end_time: Option<DateTimeTimeZone>,
}

/// `mailTipsError`: why the MailTips of a recipient could not be read. The same `code` and
/// `message` as Graph's `genericError`, so one type serves both.
pub type MailTipsError = GenericError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_and_keep_unknown_values() {
        let scope: RecipientScope = serde_json::from_str("\"external, externalPartner\"").unwrap();
        assert_eq!(
            scope.flags(),
            [
                RecipientScopeType::External,
                RecipientScopeType::ExternalPartner
            ]
        );
        let options = MailTipsOptions::parse("maxMessageSize,futureTip , maxMessageSize");
        assert_eq!(
            options.flags(),
            [
                MailTipsOption::MaxMessageSize,
                MailTipsOption::Other("futureTip".into())
            ]
        );
        assert_eq!(
            serde_json::to_value(&options).unwrap(),
            serde_json::json!("maxMessageSize, futureTip")
        );
        assert_eq!(MailTipsOptions::all().flags().len(), 10);
    }
}
