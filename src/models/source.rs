//! Whose mailbox a request addresses, and where an item was read (implicit access).
//!
//! EWS distinguishes *explicit* access (naming the owner's mailbox, e.g.
//! `new FolderId(WellKnownFolderName.Calendar, "owner@contoso.com")`) from *implicit* access
//! (later calls with the ids it returned, without naming the mailbox again). Graph ids do not
//! carry their mailbox in a usable way: an id read from `/users/{owner}` is only found under
//! `/users/{owner}`. So every [`Event`](super::Event) and [`Message`](super::Message) this
//! crate returns remembers its [`ItemSource`], and handles made from it go back there.

use serde_json::Value;

/// Whose mailbox a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MailboxRef {
    /// The signed-in user (`/me`), for delegated tokens.
    Me,
    /// A user by object id or user principal name (`/users/{id}`).
    User(String),
}

impl MailboxRef {
    /// Path segments of `rest` under this mailbox (unencoded; the client encodes each).
    pub(crate) fn path(&self, rest: &[&str]) -> Vec<String> {
        // One allocation for the list, sized up front.
        let mut path = Vec::with_capacity(2 + rest.len());
        match self {
            MailboxRef::Me => path.push("me".to_string()),
            MailboxRef::User(id) => path.extend(["users".to_string(), id.clone()]),
        }
        path.extend(rest.iter().map(|s| s.to_string()));
        path
    }
}

/// Where an item was read: the mailbox, and the calendar when it was read through
/// `…/calendars/{id}/…` (a calendar shared with or delegated to the signed-in user is only
/// reachable that way under `/me`). Set by the client on every event and message it returns;
/// not part of Graph's JSON.
///
/// ```
/// use msgraph_outlook::models::{Event, ItemSource, MailboxRef};
/// let event = Event::default();
/// assert_eq!(event.source, None); // built locally, not read from a mailbox
/// let source = ItemSource::new(MailboxRef::User("owner@contoso.com".into()));
/// assert_eq!(source.calendar, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ItemSource {
    /// The mailbox the item was read from.
    pub mailbox: MailboxRef,
    /// The calendar id of the path it was read through, if any.
    pub calendar: Option<String>,
}

impl ItemSource {
    /// An item of `mailbox`, read outside any particular calendar.
    pub fn new(mailbox: MailboxRef) -> Self {
        ItemSource {
            mailbox,
            calendar: None,
        }
    }

    /// An item read through calendar `id` of `mailbox`.
    pub fn in_calendar(mailbox: MailboxRef, id: impl Into<String>) -> Self {
        ItemSource {
            mailbox,
            calendar: Some(id.into()),
        }
    }

    /// The source of what a Graph path (segments after `/v1.0`, percent-decoded) returns.
    pub(crate) fn of_path<S: AsRef<str>>(segments: &[S]) -> Option<ItemSource> {
        let segment = |i: usize| segments.get(i).map(|s| s.as_ref());
        let (mailbox, rest) = match segment(0)? {
            me if me.eq_ignore_ascii_case("me") => (MailboxRef::Me, 1),
            users if users.eq_ignore_ascii_case("users") => (
                MailboxRef::User(segment(1).filter(|s| !s.is_empty())?.to_string()),
                2,
            ),
            _ => return None,
        };
        let calendar = match (segment(rest), segment(rest + 1)) {
            (Some(calendars), Some(id)) if calendars.eq_ignore_ascii_case("calendars") => {
                Some(id.to_string())
            }
            _ => None,
        };
        Some(ItemSource { mailbox, calendar })
    }
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A value that can remember the [`ItemSource`] it was read from: events and messages do,
/// pages forward it to their items, other values ignore it. Implemented by this crate only.
pub trait Sourced: sealed::Sealed {
    /// Records where the value was read.
    #[doc(hidden)]
    fn set_source(&mut self, source: &ItemSource) {
        let _ = source;
    }
}

macro_rules! not_sourced {
    ($($t:ty),* $(,)?) => {
        $(impl sealed::Sealed for $t {}
          impl Sourced for $t {})*
    };
}

not_sourced!(
    Value,
    super::Calendar,
    super::Attachment,
    super::CalendarPermission,
    super::OutlookCategory,
    super::MessageRule,
);

impl sealed::Sealed for super::Event {}
impl Sourced for super::Event {
    fn set_source(&mut self, source: &ItemSource) {
        self.source = Some(source.clone());
    }
}

impl sealed::Sealed for super::Message {}
impl Sourced for super::Message {
    fn set_source(&mut self, source: &ItemSource) {
        // A message is found anywhere in its mailbox: the calendar part does not apply.
        self.source = Some(ItemSource::new(source.mailbox.clone()));
    }
}

impl sealed::Sealed for super::EventMessage {}
impl Sourced for super::EventMessage {
    fn set_source(&mut self, source: &ItemSource) {
        self.message.set_source(source);
        if let Some(event) = &mut self.event {
            event.set_source(&ItemSource::new(source.mailbox.clone()));
        }
    }
}

impl sealed::Sealed for super::MailItem {}
impl Sourced for super::MailItem {
    fn set_source(&mut self, source: &ItemSource) {
        match self {
            super::MailItem::EventMessageRequest(m) => m.event_message.set_source(source),
            super::MailItem::EventMessageResponse(m) => m.event_message.set_source(source),
            super::MailItem::EventMessage(m) => m.set_source(source),
            super::MailItem::Message(m) => m.set_source(source),
        }
    }
}

impl<T: Sourced> sealed::Sealed for crate::Page<T> {}
impl<T: Sourced> Sourced for crate::Page<T> {
    fn set_source(&mut self, source: &ItemSource) {
        for item in &mut self.value {
            item.set_source(source);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_of_a_path_is_its_mailbox_and_calendar() {
        let of = |p: &str| ItemSource::of_path(&p.split('/').collect::<Vec<_>>());
        assert_eq!(of("me/events"), Some(ItemSource::new(MailboxRef::Me)));
        assert_eq!(
            of("users/owner@contoso.com/calendars/AAMk=/events"),
            Some(ItemSource::in_calendar(
                MailboxRef::User("owner@contoso.com".into()),
                "AAMk="
            ))
        );
        assert_eq!(
            of("Users/o/calendarView"),
            Some(ItemSource::new(MailboxRef::User("o".into())))
        );
        assert_eq!(of("users"), None);
        assert_eq!(of("$batch"), None);
    }
}
