//! Inbox rules (`…/mailFolders/inbox/messageRules`; GRAPH-FACTS-2 §7.2; "messageRule
//! resource type", <https://learn.microsoft.com/graph/api/resources/messagerule>): what a
//! rule looks for (`messageRulePredicates`), and what it does (`messageRuleActions`).
//! EWS's `Rule`, `RulePredicates` and `RuleActions`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::patch::PatchFields;
use super::wire_enum::wire_enum;
use super::{check_address, Importance, Recipient, Sensitivity};
use crate::error::InvalidRequest;

wire_enum! {
    /// `messageActionFlag`: the follow-up action a message's sender asked for.
    pub enum MessageActionFlag {
        /// `any`.
        Any = "any",
        /// `call`.
        Call = "call",
        /// `doNotForward`.
        DoNotForward = "doNotForward",
        /// `followUp`.
        FollowUp = "followUp",
        /// `fyi`.
        Fyi = "fyi",
        /// `forward`.
        Forward = "forward",
        /// `noResponseNecessary`.
        NoResponseNecessary = "noResponseNecessary",
        /// `read`.
        Read = "read",
        /// `reply`.
        Reply = "reply",
        /// `replyToAll`.
        ReplyToAll = "replyToAll",
        /// `review`.
        Review = "review",
    }
}

/// `sizeRange`: message sizes a rule matches, in **kilobytes** (both bounds inclusive).
///
/// ```
/// use msgraph_outlook::models::SizeRange;
/// assert_eq!(
///     serde_json::to_value(SizeRange::kilobytes(100, 2048)).unwrap(),
///     serde_json::json!({"minimumSize": 100, "maximumSize": 2048})
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SizeRange {
    /// The smallest size, in kilobytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_size: Option<i32>,
    /// The largest size, in kilobytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_size: Option<i32>,
}

impl SizeRange {
    /// From `minimum` to `maximum` kilobytes.
    pub fn kilobytes(minimum: i32, maximum: i32) -> Self {
        SizeRange {
            minimum_size: Some(minimum),
            maximum_size: Some(maximum),
        }
    }

    /// At least `minimum` kilobytes.
    pub fn at_least(minimum: i32) -> Self {
        SizeRange {
            minimum_size: Some(minimum),
            maximum_size: None,
        }
    }

    /// At most `maximum` kilobytes.
    pub fn at_most(maximum: i32) -> Self {
        SizeRange {
            minimum_size: None,
            maximum_size: Some(maximum),
        }
    }

    fn check(&self) -> Result<(), InvalidRequest> {
        let negative = [self.minimum_size, self.maximum_size]
            .into_iter()
            .flatten()
            .any(|kb| kb < 0);
        let inverted =
            matches!((self.minimum_size, self.maximum_size), (Some(a), Some(b)) if a > b);
        if negative || inverted || self == &SizeRange::default() {
            return Err(invalid(format!(
                "withinSizeRange {self:?} is not a range of kilobytes"
            )));
        }
        Ok(())
    }
}

fn invalid(reason: String) -> InvalidRequest {
    InvalidRequest::InvalidValue { reason }
}

fn strings<I, S>(values: I) -> Option<Vec<String>>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Some(values.into_iter().map(Into::into).collect())
}

fn recipients<I, R>(values: I) -> Option<Vec<Recipient>>
where
    I: IntoIterator<Item = R>,
    R: Into<Recipient>,
{
    Some(values.into_iter().map(Into::into).collect())
}

fn check_recipients(list: &Option<Vec<Recipient>>) -> Result<(), InvalidRequest> {
    for recipient in list.iter().flatten() {
        check_address(recipient.email_address.address.as_deref().unwrap_or(""))?;
    }
    Ok(())
}

fn check_strings(name: &str, list: &Option<Vec<String>>) -> Result<(), InvalidRequest> {
    if list
        .as_ref()
        .is_some_and(|l| l.iter().any(|s| s.trim().is_empty()))
    {
        return Err(invalid(format!("{name} holds an empty string")));
    }
    Ok(())
}

/// Setters that take a list of strings, one per field of the same name.
macro_rules! string_lists {
    ($($(#[$doc:meta])* $field:ident,)*) => {$(
        $(#[$doc])*
        pub fn $field<I, S>(mut self, values: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: Into<String>,
        {
            self.$field = strings(values);
            self
        }
    )*};
}

/// Setters that turn a Boolean condition on, one per field of the same name.
macro_rules! flags {
    ($($(#[$doc:meta])* $field:ident,)*) => {$(
        $(#[$doc])*
        pub fn $field(mut self) -> Self {
            self.$field = Some(true);
            self
        }
    )*};
}

/// `messageRulePredicates`: the conditions (or exceptions) of a rule. Every condition set
/// must hold; within a list, any entry matches (Outlook's "contains any of these words").
/// Text matches are case-insensitive substrings (Graph may echo them upper-cased).
/// Predicates this crate does not know are kept in [`other`](Self::other), so a rule read
/// and written back loses nothing.
///
/// ```
/// use msgraph_outlook::models::{Importance, MessageRulePredicates, SizeRange};
/// let when = MessageRulePredicates::new()
///     .sender_contains(["adele"])
///     .subject_contains(["invoice", "receipt"])
///     .has_attachments()
///     .importance(Importance::High)
///     .within_size_range(SizeRange::at_least(100));
/// assert_eq!(
///     serde_json::to_value(&when).unwrap(),
///     serde_json::json!({
///         "senderContains": ["adele"],
///         "subjectContains": ["invoice", "receipt"],
///         "hasAttachments": true,
///         "importance": "high",
///         "withinSizeRange": {"minimumSize": 100}
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageRulePredicates {
    /// Words in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<Vec<String>>,
    /// Words in the body or the subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_or_subject_contains: Option<Vec<String>>,
    /// Categories the message has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    /// Senders (exact addresses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_addresses: Option<Vec<Recipient>>,
    /// Whether the message has attachments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_attachments: Option<bool>,
    /// Words in the headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_contains: Option<Vec<String>>,
    /// The message's importance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importance: Option<Importance>,
    /// An approval request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_approval_request: Option<bool>,
    /// An automatic forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_automatic_forward: Option<bool>,
    /// An automatic reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_automatic_reply: Option<bool>,
    /// Encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_encrypted: Option<bool>,
    /// A meeting request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_meeting_request: Option<bool>,
    /// A meeting response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_meeting_response: Option<bool>,
    /// A non-delivery report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_non_delivery_report: Option<bool>,
    /// Permission-controlled (rights-managed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_permission_controlled: Option<bool>,
    /// A read receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_read_receipt: Option<bool>,
    /// S/MIME-signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_signed: Option<bool>,
    /// A voicemail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_voicemail: Option<bool>,
    /// The follow-up flag the sender set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_action_flag: Option<MessageActionFlag>,
    /// The mailbox owner is not a recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_sent_to_me: Option<bool>,
    /// Words in the recipients' names or addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_contains: Option<Vec<String>>,
    /// Words in the sender's name or address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_contains: Option<Vec<String>>,
    /// The message's sensitivity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
    /// The mailbox owner is on Cc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_cc_me: Option<bool>,
    /// The mailbox owner is the only recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_only_to_me: Option<bool>,
    /// Recipients (exact addresses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_to_addresses: Option<Vec<Recipient>>,
    /// The mailbox owner is on To.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_to_me: Option<bool>,
    /// The mailbox owner is on To or Cc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_to_or_cc_me: Option<bool>,
    /// Words in the subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_contains: Option<Vec<String>>,
    /// The message's size, in kilobytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_size_range: Option<SizeRange>,
    /// Predicates this crate does not know yet, kept as Graph sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl MessageRulePredicates {
    /// No condition yet.
    pub fn new() -> Self {
        Self::default()
    }

    string_lists! {
        /// Any of these words in the body (`bodyContains`).
        body_contains,
        /// Any of these words in the body or the subject (`bodyOrSubjectContains`).
        body_or_subject_contains,
        /// Any of these categories (`categories`).
        categories,
        /// Any of these words in the headers (`headerContains`).
        header_contains,
        /// Any of these words in a recipient's name or address (`recipientContains`).
        recipient_contains,
        /// Any of these words in the sender's name or address (`senderContains`).
        sender_contains,
        /// Any of these words in the subject (`subjectContains`).
        subject_contains,
    }

    flags! {
        /// Has attachments (`hasAttachments`).
        has_attachments,
        /// Is an approval request (`isApprovalRequest`).
        is_approval_request,
        /// Is an automatic forward (`isAutomaticForward`).
        is_automatic_forward,
        /// Is an automatic reply (`isAutomaticReply`).
        is_automatic_reply,
        /// Is encrypted (`isEncrypted`).
        is_encrypted,
        /// Is a meeting request (`isMeetingRequest`).
        is_meeting_request,
        /// Is a meeting response (`isMeetingResponse`).
        is_meeting_response,
        /// Is a non-delivery report (`isNonDeliveryReport`).
        is_non_delivery_report,
        /// Is permission-controlled (`isPermissionControlled`).
        is_permission_controlled,
        /// Is a read receipt (`isReadReceipt`).
        is_read_receipt,
        /// Is signed (`isSigned`).
        is_signed,
        /// Is a voicemail (`isVoicemail`).
        is_voicemail,
        /// The mailbox owner is not a recipient (`notSentToMe`).
        not_sent_to_me,
        /// The mailbox owner is on Cc (`sentCcMe`).
        sent_cc_me,
        /// The mailbox owner is the only recipient (`sentOnlyToMe`).
        sent_only_to_me,
        /// The mailbox owner is on To (`sentToMe`).
        sent_to_me,
        /// The mailbox owner is on To or Cc (`sentToOrCcMe`).
        sent_to_or_cc_me,
    }

    /// From any of these senders (`fromAddresses`).
    pub fn from_addresses<I, R>(mut self, senders: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<Recipient>,
    {
        self.from_addresses = recipients(senders);
        self
    }

    /// Sent to any of these recipients (`sentToAddresses`).
    pub fn sent_to_addresses<I, R>(mut self, to: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<Recipient>,
    {
        self.sent_to_addresses = recipients(to);
        self
    }

    /// Of this importance (`importance`).
    pub fn importance(mut self, importance: Importance) -> Self {
        self.importance = Some(importance);
        self
    }

    /// Of this sensitivity (`sensitivity`).
    pub fn sensitivity(mut self, sensitivity: Sensitivity) -> Self {
        self.sensitivity = Some(sensitivity);
        self
    }

    /// With this follow-up flag (`messageActionFlag`).
    pub fn message_action_flag(mut self, flag: MessageActionFlag) -> Self {
        self.message_action_flag = Some(flag);
        self
    }

    /// Of a size in this range, in kilobytes (`withinSizeRange`).
    pub fn within_size_range(mut self, range: SizeRange) -> Self {
        self.within_size_range = Some(range);
        self
    }

    /// What Graph would refuse, or a rule would not mean: empty words, addresses that are
    /// not `local@domain`, a size range that is not one, values Graph never defined.
    pub(crate) fn check(&self) -> Result<(), InvalidRequest> {
        for (name, list) in [
            ("bodyContains", &self.body_contains),
            ("bodyOrSubjectContains", &self.body_or_subject_contains),
            ("categories", &self.categories),
            ("headerContains", &self.header_contains),
            ("recipientContains", &self.recipient_contains),
            ("senderContains", &self.sender_contains),
            ("subjectContains", &self.subject_contains),
        ] {
            check_strings(name, list)?;
        }
        check_recipients(&self.from_addresses)?;
        check_recipients(&self.sent_to_addresses)?;
        if let Some(range) = &self.within_size_range {
            range.check()?;
        }
        // `Unknown` is what an unrecognised value was read as: it has no wire form.
        if self.importance == Some(Importance::Unknown)
            || self.sensitivity == Some(Sensitivity::Unknown)
        {
            return Err(invalid(
                "an unknown importance or sensitivity cannot be sent".into(),
            ));
        }
        Ok(())
    }
}

/// `messageRuleActions`: what a rule does with a matching message. Actions this crate does
/// not know are kept in [`other`](Self::other).
///
/// `redirectTo` is a list, as in the CSDL (the resource page shows one recipient;
/// GRAPH-FACTS-2 §7.2).
///
/// ```
/// use msgraph_outlook::models::MessageRuleActions;
/// let then = MessageRuleActions::new()
///     .move_to_folder("AAMkADk0MGFkODE3LWE4MmYtNDRhOS04OTBiLWIwNzQ2NzU3YmY0OQAuAAA=")
///     .mark_as_read()
///     .assign_categories(["Invoices"])
///     .redirect_to(["archive@contoso.com"])
///     .stop_processing_rules();
/// assert_eq!(
///     serde_json::to_value(&then).unwrap(),
///     serde_json::json!({
///         "assignCategories": ["Invoices"],
///         "markAsRead": true,
///         "moveToFolder": "AAMkADk0MGFkODE3LWE4MmYtNDRhOS04OTBiLWIwNzQ2NzU3YmY0OQAuAAA=",
///         "redirectTo": [{"emailAddress": {"address": "archive@contoso.com"}}],
///         "stopProcessingRules": true
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageRuleActions {
    /// Categories to add (by `displayName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_categories: Option<Vec<String>>,
    /// The id of a folder to copy the message to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_to_folder: Option<String>,
    /// Move the message to Deleted Items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete: Option<bool>,
    /// Forward it as an attachment to these recipients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_as_attachment_to: Option<Vec<Recipient>>,
    /// Forward it to these recipients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_to: Option<Vec<Recipient>>,
    /// Mark it read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_as_read: Option<bool>,
    /// Set its importance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_importance: Option<Importance>,
    /// The id of a folder to move the message to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_to_folder: Option<String>,
    /// Delete it permanently (not to Deleted Items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permanent_delete: Option<bool>,
    /// Redirect it to these recipients (the original sender stays the sender).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_to: Option<Vec<Recipient>>,
    /// Evaluate no later rule for this message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_processing_rules: Option<bool>,
    /// Actions this crate does not know yet, kept as Graph sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl MessageRuleActions {
    /// No action yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds these categories (`assignCategories`, by `displayName`; create them in the
    /// master list first so Outlook shows their colour).
    pub fn assign_categories<I, S>(mut self, categories: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.assign_categories = strings(categories);
        self
    }

    /// Copies the message to the folder with this id (`copyToFolder`).
    pub fn copy_to_folder(mut self, folder_id: impl Into<String>) -> Self {
        self.copy_to_folder = Some(folder_id.into());
        self
    }

    /// Moves the message to the folder with this id (`moveToFolder`).
    pub fn move_to_folder(mut self, folder_id: impl Into<String>) -> Self {
        self.move_to_folder = Some(folder_id.into());
        self
    }

    flags! {
        /// Moves the message to Deleted Items (`delete`).
        delete,
        /// Deletes the message permanently (`permanentDelete`).
        permanent_delete,
        /// Marks the message read (`markAsRead`).
        mark_as_read,
        /// Evaluates no later rule for the message (`stopProcessingRules`).
        stop_processing_rules,
    }

    /// Sets the message's importance (`markImportance`).
    pub fn mark_importance(mut self, importance: Importance) -> Self {
        self.mark_importance = Some(importance);
        self
    }

    /// Forwards the message to these recipients (`forwardTo`).
    pub fn forward_to<I, R>(mut self, to: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<Recipient>,
    {
        self.forward_to = recipients(to);
        self
    }

    /// Forwards the message as an attachment to these recipients (`forwardAsAttachmentTo`).
    pub fn forward_as_attachment_to<I, R>(mut self, to: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<Recipient>,
    {
        self.forward_as_attachment_to = recipients(to);
        self
    }

    /// Redirects the message to these recipients (`redirectTo`, a list).
    pub fn redirect_to<I, R>(mut self, to: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<Recipient>,
    {
        self.redirect_to = recipients(to);
        self
    }

    /// True when no action is set (a rule must do something).
    pub fn is_empty(&self) -> bool {
        self == &MessageRuleActions::default()
    }

    /// What Graph would refuse: no action, empty folder ids or categories, bad addresses.
    pub(crate) fn check(&self) -> Result<(), InvalidRequest> {
        if self.is_empty() {
            return Err(invalid("a message rule needs at least one action".into()));
        }
        let empty_folder = [&self.copy_to_folder, &self.move_to_folder]
            .into_iter()
            .any(|f| f.as_ref().is_some_and(|id| id.trim().is_empty()));
        if empty_folder {
            return Err(invalid("a rule's folder id is empty".into()));
        }
        check_strings("assignCategories", &self.assign_categories)?;
        for list in [
            &self.forward_to,
            &self.forward_as_attachment_to,
            &self.redirect_to,
        ] {
            check_recipients(list)?;
        }
        if self.mark_importance == Some(Importance::Unknown) {
            return Err(invalid("an unknown importance cannot be sent".into()));
        }
        Ok(())
    }
}

/// `messageRule`: an Inbox rule. Build one with [`MessageRule::new`], then say when it
/// applies ([`when`](Self::when)), when not ([`except`](Self::except)) and what it does
/// ([`then`](Self::then)); rules run in `sequence` order.
///
/// ```
/// use msgraph_outlook::models::{MessageRule, MessageRuleActions, MessageRulePredicates};
/// let rule = MessageRule::new("From partner", 2)
///     .when(MessageRulePredicates::new().sender_contains(["adele"]))
///     .except(MessageRulePredicates::new().is_automatic_reply())
///     .then(
///         MessageRuleActions::new()
///             .forward_to(["AlexW@contoso.onmicrosoft.com"])
///             .stop_processing_rules(),
///     );
/// assert_eq!(
///     serde_json::to_value(&rule).unwrap(),
///     serde_json::json!({
///         "displayName": "From partner",
///         "sequence": 2,
///         "isEnabled": true,
///         "conditions": {"senderContains": ["adele"]},
///         "exceptions": {"isAutomaticReply": true},
///         "actions": {
///             "forwardTo": [{"emailAddress": {"address": "AlexW@contoso.onmicrosoft.com"}}],
///             "stopProcessingRules": true
///         }
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageRule {
    /// The rule's id, set by Exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name (required on create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Its place among the rules: lower runs first (required on create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i32>,
    /// Whether it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    /// When it applies (every condition set must hold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<MessageRulePredicates>,
    /// When it does not apply (any exception set stops it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exceptions: Option<MessageRulePredicates>,
    /// What it does (required on create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<MessageRuleActions>,
    /// Whether Exchange found it in error (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_error: Option<bool>,
    /// Whether only another client (e.g. Outlook desktop) may change or delete it
    /// (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_read_only: Option<bool>,
}

impl MessageRule {
    /// An enabled rule named `display_name`, in place `sequence`; add
    /// [`then`](Self::then) (a rule without actions is refused before sending).
    pub fn new(display_name: impl Into<String>, sequence: i32) -> Self {
        MessageRule {
            display_name: Some(display_name.into()),
            sequence: Some(sequence),
            is_enabled: Some(true),
            ..MessageRule::default()
        }
    }

    /// Applies when these conditions hold (`conditions`).
    pub fn when(mut self, conditions: MessageRulePredicates) -> Self {
        self.conditions = Some(conditions);
        self
    }

    /// Does not apply when these hold (`exceptions`).
    pub fn except(mut self, exceptions: MessageRulePredicates) -> Self {
        self.exceptions = Some(exceptions);
        self
    }

    /// Does this (`actions`).
    pub fn then(mut self, actions: MessageRuleActions) -> Self {
        self.actions = Some(actions);
        self
    }

    /// Created disabled or enabled (`isEnabled`; [`new`](Self::new) enables it).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.is_enabled = Some(enabled);
        self
    }

    /// What Graph would refuse on create: no or an empty `displayName`, no or a negative
    /// `sequence`, no action, and the checks of the predicates and actions.
    pub(crate) fn check_create(&self) -> Result<(), InvalidRequest> {
        check_display_name(self.display_name.as_deref())?;
        check_sequence(self.sequence)?;
        match &self.actions {
            Some(actions) => actions.check()?,
            None => return Err(invalid("a message rule needs at least one action".into())),
        }
        for predicates in [&self.conditions, &self.exceptions].into_iter().flatten() {
            predicates.check()?;
        }
        Ok(())
    }
}

fn check_display_name(name: Option<&str>) -> Result<(), InvalidRequest> {
    match name {
        Some(name) if !name.trim().is_empty() => Ok(()),
        _ => Err(invalid("a message rule needs a displayName".into())),
    }
}

fn check_sequence(sequence: Option<i32>) -> Result<(), InvalidRequest> {
    match sequence {
        Some(n) if n >= 0 => Ok(()),
        Some(n) => Err(invalid(format!(
            "a rule's sequence cannot be negative ({n})"
        ))),
        None => Err(invalid("a message rule needs a sequence".into())),
    }
}

/// The changes of a rule update (`PATCH`): only what is set here is sent.
///
/// ```
/// use msgraph_outlook::models::{MessageRuleActions, MessageRulePatch};
/// let patch = MessageRulePatch::new()
///     .enabled(false)
///     .sequence(5)
///     .actions(MessageRuleActions::new().delete());
/// assert_eq!(
///     serde_json::to_value(&patch).unwrap(),
///     serde_json::json!({"isEnabled": false, "sequence": 5, "actions": {"delete": true}})
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct MessageRulePatch {
    fields: PatchFields,
}

impl MessageRulePatch {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn set(mut self, name: &str, value: impl Serialize) -> Self {
        self.fields.set(name, value);
        self
    }

    /// Renames the rule.
    pub fn display_name(self, name: impl Into<String>) -> Self {
        self.set("displayName", name.into())
    }

    /// Moves the rule to place `sequence`.
    pub fn sequence(self, sequence: i32) -> Self {
        self.set("sequence", sequence)
    }

    /// Turns the rule on or off.
    pub fn enabled(self, enabled: bool) -> Self {
        self.set("isEnabled", enabled)
    }

    /// Replaces the conditions.
    pub fn conditions(self, conditions: MessageRulePredicates) -> Self {
        self.set("conditions", conditions)
    }

    /// Replaces the exceptions.
    pub fn exceptions(self, exceptions: MessageRulePredicates) -> Self {
        self.set("exceptions", exceptions)
    }

    /// Replaces the actions.
    pub fn actions(self, actions: MessageRuleActions) -> Self {
        self.set("actions", actions)
    }

    /// A value a typed setter wrote, read back (which cannot fail).
    fn read<T: serde::de::DeserializeOwned>(&self, name: &str) -> Option<T> {
        let value = self.fields.get(name)?.clone();
        Some(serde_json::from_value(value).expect("written by a typed setter"))
    }

    /// What Graph would refuse: an empty patch, an empty name, a negative sequence, no
    /// action, and the checks of the predicates and actions set.
    pub(crate) fn check(&self) -> Result<(), InvalidRequest> {
        if self.is_empty() {
            return Err(invalid("the patch changes nothing".into()));
        }
        if let Some(name) = self.fields.get("displayName") {
            check_display_name(name.as_str())?;
        }
        if let Some(sequence) = self.fields.get("sequence") {
            check_sequence(sequence.as_i64().and_then(|n| i32::try_from(n).ok()))?;
        }
        if let Some(actions) = self.read::<MessageRuleActions>("actions") {
            actions.check()?;
        }
        for name in ["conditions", "exceptions"] {
            if let Some(predicates) = self.read::<MessageRulePredicates>(name) {
                predicates.check()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_predicates_actions_and_values_survive_a_round_trip() {
        let read = json!({
            "id": "AQAAAJ5dZqA=",
            "displayName": "Future",
            "sequence": 1,
            "isEnabled": true,
            "hasError": false,
            "isReadOnly": false,
            "conditions": {"messageActionFlag": "escalate", "isFromRobot": true},
            "actions": {"moveToFolder": "AAMk", "pinMessage": {"until": "never"}}
        });
        let rule: MessageRule = serde_json::from_value(read.clone()).unwrap();
        let conditions = rule.conditions.as_ref().unwrap();
        assert_eq!(
            conditions.message_action_flag,
            Some(MessageActionFlag::Other("escalate".into()))
        );
        assert_eq!(conditions.other["isFromRobot"], json!(true));
        assert_eq!(
            rule.actions.as_ref().unwrap().other["pinMessage"],
            json!({"until": "never"})
        );
        assert_eq!(serde_json::to_value(&rule).unwrap(), read);
    }

    #[test]
    fn create_checks() {
        let act = MessageRuleActions::new().mark_as_read();
        assert!(MessageRule::new("ok", 0)
            .then(act.clone())
            .check_create()
            .is_ok());
        assert!(MessageRule::new(" ", 1)
            .then(act.clone())
            .check_create()
            .is_err());
        assert!(MessageRule::new("x", -1)
            .then(act.clone())
            .check_create()
            .is_err());
        assert!(MessageRule::new("x", 1).check_create().is_err());
        assert!(MessageRule::new("x", 1)
            .then(MessageRuleActions::new())
            .check_create()
            .is_err());
        let bad_range = MessageRulePredicates::new().within_size_range(SizeRange::kilobytes(5, 1));
        assert!(MessageRule::new("x", 1)
            .when(bad_range)
            .then(act)
            .check_create()
            .is_err());
    }
}
