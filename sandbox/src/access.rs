//! The rights model between mailboxes (GRAPH-FACTS §6): calendar roles from
//! `calendarPermission`s, Exchange mailbox rights (Full Access, Send As, Send on
//! Behalf, see [`crate::store::Right`]), the ids under which a shared or delegated
//! calendar appears in the sharee's mailbox, and who the delegates of a mailbox are.

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;

pub(crate) use crate::store::calendar::Role;
use crate::store::calendar::{Calendar, Permission};
use crate::store::{Right, Store};

/// Every role with its wire name.
const ROLES: [(Role, &str); 8] = [
    (Role::None, "none"),
    (Role::FreeBusyRead, "freeBusyRead"),
    (Role::LimitedRead, "limitedRead"),
    (Role::Read, "read"),
    (Role::Write, "write"),
    (
        Role::DelegateWithoutPrivateEventAccess,
        "delegateWithoutPrivateEventAccess",
    ),
    (
        Role::DelegateWithPrivateEventAccess,
        "delegateWithPrivateEventAccess",
    ),
    (Role::Custom, "custom"),
];

impl Role {
    /// Parses a wire name (case-insensitive, like other Graph enum inputs).
    pub(crate) fn parse(name: &str) -> Option<Role> {
        ROLES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(r, _)| *r)
    }

    /// The wire name.
    pub(crate) fn as_str(self) -> &'static str {
        ROLES
            .iter()
            .find(|(r, _)| *r == self)
            .map_or("none", |(_, n)| n)
    }

    /// May read events (all details of non-private ones).
    pub(crate) fn can_read(self) -> bool {
        matches!(
            self,
            Role::Read
                | Role::Write
                | Role::DelegateWithoutPrivateEventAccess
                | Role::DelegateWithPrivateEventAccess
        )
    }

    /// May create, update and delete events and act on them.
    pub(crate) fn can_write(self) -> bool {
        matches!(
            self,
            Role::Write
                | Role::DelegateWithoutPrivateEventAccess
                | Role::DelegateWithPrivateEventAccess
        )
    }

    /// Sees the owner's private events.
    pub(crate) fn sees_private(self) -> bool {
        self == Role::DelegateWithPrivateEventAccess
    }

    /// A delegate role (receives meeting messages for the owner).
    pub(crate) fn is_delegate(self) -> bool {
        matches!(
            self,
            Role::DelegateWithoutPrivateEventAccess | Role::DelegateWithPrivateEventAccess
        )
    }
}

/// The role user `viewer_idx` has on calendar `cal` of mailbox `owner_idx`: Full
/// Access counts as `delegateWithPrivateEventAccess`; otherwise the viewer's own
/// `calendarPermission`, else the "My Organization" one (every sandbox user is inside
/// the organization).
pub(crate) fn role_on(store: &Store, owner_idx: usize, cal: &Calendar, viewer_idx: usize) -> Role {
    if owner_idx == viewer_idx {
        return Role::DelegateWithPrivateEventAccess;
    }
    if store.has_right(owner_idx, viewer_idx, Right::FullAccess) {
        return Role::DelegateWithPrivateEventAccess;
    }
    own_permission(store, cal, viewer_idx)
        .or_else(|| cal.permissions.iter().find(|p| p.address.is_none()))
        .map_or(Role::None, |p| p.role)
}

/// The role of `viewer_idx`'s own `calendarPermission` on `cal` (no Full Access, no
/// "My Organization"): what makes the calendar appear in the viewer's `/calendars`.
pub(crate) fn shared_role(store: &Store, cal: &Calendar, viewer_idx: usize) -> Option<Role> {
    own_permission(store, cal, viewer_idx).map(|p| p.role)
}

/// The `calendarPermission` on `cal` granted to `viewer_idx` by address.
fn own_permission<'a>(
    store: &Store,
    cal: &'a Calendar,
    viewer_idx: usize,
) -> Option<&'a Permission> {
    let address = &store.users[viewer_idx].address;
    cal.permissions.iter().find(|p| {
        p.address
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(address))
    })
}

const SHARED_TAG: &str = "shr|";

/// The id of calendar `calendar_id` of user `owner_id` as it appears in a sharee's or
/// delegate's mailbox: like Graph, different from the id in the owner's mailbox
/// (GRAPH-FACTS §6.1, doc R30); opaque, but decodable back to the owner's calendar.
pub(crate) fn shared_calendar_id(owner_id: &str, calendar_id: &str) -> String {
    format!(
        "AAMkA{}",
        URL_SAFE.encode(format!("{SHARED_TAG}{owner_id}|{calendar_id}"))
    )
}

/// (owner user id, calendar id) of a shared-calendar id.
pub(crate) fn parse_shared_calendar_id(id: &str) -> Option<(String, String)> {
    let raw = URL_SAFE.decode(id.strip_prefix("AAMkA")?).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (owner, cal) = text.strip_prefix(SHARED_TAG)?.split_once('|')?;
    Some((owner.to_string(), cal.to_string()))
}

/// The delegates of mailbox `owner_idx`: sandbox users with a mailbox who hold a
/// delegate role on its primary calendar (GRAPH-FACTS §6.2, §6.3).
pub(crate) fn delegates_of(store: &Store, owner_idx: usize) -> Vec<usize> {
    let Some(primary) = store.users[owner_idx].calendars.first() else {
        return Vec::new();
    };
    primary
        .permissions
        .iter()
        .filter(|p| p.role.is_delegate())
        .filter_map(|p| store.mailbox_by_address(p.address.as_deref()?))
        .filter(|&d| d != owner_idx)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_shared_ids_round_trip() {
        for (r, n) in ROLES {
            assert_eq!(Role::parse(n), Some(r));
            assert_eq!(r.as_str(), n);
        }
        assert_eq!(Role::parse("WRITE"), Some(Role::Write));
        assert!(Role::Write.can_write() && !Role::Read.can_write());
        assert!(!Role::LimitedRead.can_read());
        let id = shared_calendar_id("u1", "AAMkAcal=");
        assert_eq!(
            parse_shared_calendar_id(&id),
            Some(("u1".into(), "AAMkAcal=".into()))
        );
        assert!(parse_shared_calendar_id("AAMkAxyz").is_none());
    }
}
