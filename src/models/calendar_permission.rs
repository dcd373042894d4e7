//! `calendarPermission`: who a calendar is shared with or delegated to, and with which role
//! (GRAPH-FACTS §6.2).

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use super::{null_as_default, EmailAddress};

wire_enum! {
    /// `calendarRoleType`: what a sharee or delegate may do with a calendar.
    ///
    /// ```
    /// use msgraph_outlook::models::CalendarRole;
    /// assert_eq!(CalendarRole::from("write"), CalendarRole::Write);
    /// // A value Graph adds later is kept as sent:
    /// let future: CalendarRole = serde_json::from_str("\"coOwner\"").unwrap();
    /// assert_eq!(future, CalendarRole::Other("coOwner".into()));
    /// assert_eq!(serde_json::to_string(&future).unwrap(), "\"coOwner\"");
    /// ```
    pub enum CalendarRole {
        /// No access (beyond what the organization gets).
        None = "none",
        /// Free/busy only.
        FreeBusyRead = "freeBusyRead",
        /// Free/busy, subject and location.
        LimitedRead = "limitedRead",
        /// Every detail of non-private events.
        Read = "read",
        /// Read, create, change and delete events.
        Write = "write",
        /// A delegate: write, plus meeting requests and responses, without private events.
        DelegateWithoutPrivateEventAccess = "delegateWithoutPrivateEventAccess",
        /// A delegate who also sees and edits private events.
        DelegateWithPrivateEventAccess = "delegateWithPrivateEventAccess",
        /// Rights set outside these roles (in Outlook or EWS); reported by Graph.
        Custom = "custom",
    }
}

/// An EWS delegate permission level on the Calendar folder (`DelegateFolderPermissionLevel`
/// in the EWS Managed API, `PermissionLevel` in EWS), for [`EwsDelegateUser`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EwsPermissionLevel {
    /// `None`: the default for every folder.
    None,
    /// `Reviewer`: reads items.
    Reviewer,
    /// `Author`: reads and creates items; changes and deletes only the items it created.
    Author,
    /// `Editor`: everything an Author does, and changes and deletes the owner's items.
    Editor,
    /// `Custom`: a set of rights of the owner's choosing.
    Custom,
}

/// An EWS delegate's rights on the Calendar folder, as EWS's `DelegateUser` names them, for
/// [`CalendarRole::from_ews_delegate`]. Both switches default to off.
///
/// ```
/// use msgraph_outlook::models::{EwsDelegateUser, EwsPermissionLevel};
/// let delegate = EwsDelegateUser::new(EwsPermissionLevel::Editor)
///     .receive_copies_of_meeting_messages(true)
///     .view_private_items(false);
/// assert!(delegate.receives_copies_of_meeting_messages());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EwsDelegateUser {
    level: EwsPermissionLevel,
    receive_copies_of_meeting_messages: bool,
    view_private_items: bool,
}

impl EwsDelegateUser {
    /// A delegate with this `CalendarFolderPermissionLevel`.
    pub fn new(level: EwsPermissionLevel) -> Self {
        EwsDelegateUser {
            level,
            receive_copies_of_meeting_messages: false,
            view_private_items: false,
        }
    }

    /// `ReceiveCopiesOfMeetingMessages`: the delegate also gets the owner's meeting
    /// requests and responses (with `MeetingRequestsDeliveryScope` other than `NoForward`).
    pub fn receive_copies_of_meeting_messages(mut self, yes: bool) -> Self {
        self.receive_copies_of_meeting_messages = yes;
        self
    }

    /// `ViewPrivateItems`: the delegate sees the owner's private items.
    pub fn view_private_items(mut self, yes: bool) -> Self {
        self.view_private_items = yes;
        self
    }

    /// The Calendar folder permission level.
    pub fn level(&self) -> EwsPermissionLevel {
        self.level
    }

    /// Whether the delegate receives copies of meeting messages.
    pub fn receives_copies_of_meeting_messages(&self) -> bool {
        self.receive_copies_of_meeting_messages
    }

    /// Whether the delegate views private items.
    pub fn views_private_items(&self) -> bool {
        self.view_private_items
    }
}

impl From<EwsPermissionLevel> for EwsDelegateUser {
    fn from(level: EwsPermissionLevel) -> Self {
        EwsDelegateUser::new(level)
    }
}

impl CalendarRole {
    /// The Graph role closest to an EWS delegate's rights on the Calendar folder, or `None`
    /// where Graph has no equivalent.
    ///
    /// Receiving copies of meeting messages: Graph ties that to the delegate roles, which
    /// imply write access, and sets the delivery for the whole mailbox
    /// (`mailboxSettings.delegateMeetingMessageDeliveryOptions`). Viewing private items:
    /// Graph grants it only with `delegateWithPrivateEventAccess`.
    ///
    /// | EWS level | Graph role |
    /// |---|---|
    /// | None | `none` |
    /// | Reviewer | `read` (a reviewer cannot be a Graph delegate: delegate roles write) |
    /// | Author | no equivalent: Graph has no "create, and change only your own" role; choose `read` (less) or `write` (more) |
    /// | Editor | `write`; `delegateWithoutPrivateEventAccess` if it receives copies of meeting messages; `delegateWithPrivateEventAccess` if it also views private items |
    /// | Custom | no equivalent: Graph reports `custom` for such rights but has no way to set them |
    ///
    /// ```
    /// use msgraph_outlook::models::{CalendarRole, EwsDelegateUser, EwsPermissionLevel};
    /// let editor = EwsDelegateUser::new(EwsPermissionLevel::Editor)
    ///     .receive_copies_of_meeting_messages(true);
    /// assert_eq!(
    ///     CalendarRole::from_ews_delegate(editor),
    ///     Some(CalendarRole::DelegateWithoutPrivateEventAccess)
    /// );
    /// assert_eq!(CalendarRole::from_ews_delegate(EwsPermissionLevel::Reviewer), Some(CalendarRole::Read));
    /// assert_eq!(CalendarRole::from_ews_delegate(EwsPermissionLevel::Author), None);
    /// ```
    pub fn from_ews_delegate(delegate: impl Into<EwsDelegateUser>) -> Option<CalendarRole> {
        let delegate = delegate.into();
        match delegate.level {
            EwsPermissionLevel::None => Some(CalendarRole::None),
            EwsPermissionLevel::Reviewer => Some(CalendarRole::Read),
            EwsPermissionLevel::Editor if delegate.view_private_items => {
                Some(CalendarRole::DelegateWithPrivateEventAccess)
            }
            EwsPermissionLevel::Editor if delegate.receive_copies_of_meeting_messages => {
                Some(CalendarRole::DelegateWithoutPrivateEventAccess)
            }
            EwsPermissionLevel::Editor => Some(CalendarRole::Write),
            EwsPermissionLevel::Author | EwsPermissionLevel::Custom => None,
        }
    }

    /// [`from_ews_delegate`](Self::from_ews_delegate) with two positional booleans, easy to
    /// swap: `from_ews(level, receives_meeting_messages, view_private_items)`.
    #[deprecated(
        since = "0.1.0",
        note = "use CalendarRole::from_ews_delegate(EwsDelegateUser::new(level).receive_copies_of_meeting_messages(..).view_private_items(..))"
    )]
    pub fn from_ews(
        level: EwsPermissionLevel,
        receives_meeting_messages: bool,
        view_private_items: bool,
    ) -> Option<CalendarRole> {
        CalendarRole::from_ews_delegate(
            EwsDelegateUser::new(level)
                .receive_copies_of_meeting_messages(receives_meeting_messages)
                .view_private_items(view_private_items),
        )
    }

    /// Whether this role lets its holder change events (write or a delegate role).
    pub fn can_write(&self) -> bool {
        matches!(
            self,
            CalendarRole::Write
                | CalendarRole::DelegateWithoutPrivateEventAccess
                | CalendarRole::DelegateWithPrivateEventAccess
        )
    }
}

/// `calendarPermission`: one sharee or delegate of a calendar. Build one with
/// [`CalendarPermission::new`] to share a calendar; read ones come from
/// [`CalendarPermissions`](crate::api::CalendarPermissions).
///
/// ```
/// use msgraph_outlook::models::{CalendarPermission, CalendarRole};
/// let grant = CalendarPermission::new("adele@contoso.com", CalendarRole::Write).name("Adele Vance");
/// assert_eq!(
///     serde_json::to_value(&grant).unwrap(),
///     serde_json::json!({
///         "emailAddress": {"address": "adele@contoso.com", "name": "Adele Vance"},
///         "role": "write"
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CalendarPermission {
    /// Id (e.g. `RGVmYXVsdA==` for "My Organization").
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Who: `address` is absent for "My Organization". Read-only once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<EmailAddress>,
    /// The role: the only property that can change after creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<CalendarRole>,
    /// The roles this permission may be changed to.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing)]
    pub allowed_roles: Vec<CalendarRole>,
    /// Whether the sharee is inside the organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_inside_organization: Option<bool>,
    /// Whether it can be removed ("My Organization" cannot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_removable: Option<bool>,
}

impl CalendarPermission {
    /// Shares the calendar with `address` with `role`.
    pub fn new(address: impl Into<String>, role: CalendarRole) -> Self {
        CalendarPermission {
            email_address: Some(EmailAddress {
                address: Some(address.into()),
                name: None,
            }),
            role: Some(role),
            ..CalendarPermission::default()
        }
    }

    /// The sharee's display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.email_address.get_or_insert_with(Default::default).name = Some(name.into());
        self
    }

    /// Whether the sharee is inside the organization (`isInsideOrganization`).
    pub fn inside_organization(mut self, inside: bool) -> Self {
        self.is_inside_organization = Some(inside);
        self
    }

    /// The sharee's address, if any.
    pub fn address(&self) -> Option<&str> {
        self.email_address.as_ref()?.address.as_deref()
    }
}

#[cfg(test)]
mod ews_tests {
    use super::*;

    #[test]
    fn every_ews_delegate_maps_as_the_table_says_and_as_the_deprecated_call_did() {
        use EwsPermissionLevel as L;
        let cases = [
            (L::None, false, false, Some(CalendarRole::None)),
            (L::None, true, true, Some(CalendarRole::None)),
            (L::Reviewer, true, true, Some(CalendarRole::Read)),
            (L::Author, true, false, None),
            (L::Custom, false, false, None),
            (L::Editor, false, false, Some(CalendarRole::Write)),
            (
                L::Editor,
                true,
                false,
                Some(CalendarRole::DelegateWithoutPrivateEventAccess),
            ),
            (
                L::Editor,
                false,
                true,
                Some(CalendarRole::DelegateWithPrivateEventAccess),
            ),
            (
                L::Editor,
                true,
                true,
                Some(CalendarRole::DelegateWithPrivateEventAccess),
            ),
        ];
        for (level, copies, private, expected) in cases {
            let delegate = EwsDelegateUser::new(level)
                .receive_copies_of_meeting_messages(copies)
                .view_private_items(private);
            assert_eq!(
                CalendarRole::from_ews_delegate(delegate),
                expected,
                "{delegate:?}"
            );
            #[allow(deprecated)]
            let old = CalendarRole::from_ews(level, copies, private);
            assert_eq!(old, expected);
        }
        // A bare level is a delegate with both switches off.
        assert_eq!(
            CalendarRole::from_ews_delegate(L::Editor),
            Some(CalendarRole::Write)
        );
    }
}
