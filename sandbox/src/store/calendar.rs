//! Calendars as stored: calendars with their permissions, events, and the roles of
//! `calendarPermission`. Data only; what they mean lives in [`crate::calendar`] and
//! [`crate::access`].

use serde_json::{Map, Value};

use super::ids::{opaque_id, random_b64};

/// `calendarRoleType` (GRAPH-FACTS §6.2), in increasing order of rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    None,
    FreeBusyRead,
    LimitedRead,
    Read,
    Write,
    DelegateWithoutPrivateEventAccess,
    DelegateWithPrivateEventAccess,
    Custom,
}

/// One `calendarPermission`.
#[derive(Debug, Clone)]
pub(crate) struct Permission {
    pub id: String,
    pub name: String,
    /// `None` for "My Organization".
    pub address: Option<String>,
    pub role: Role,
    pub allowed: Vec<Role>,
    pub inside: bool,
    pub removable: bool,
}

/// Id of the "My Organization" entry, as every doc example shows it
/// (base64 of `Default`).
pub(crate) const MY_ORGANIZATION_ID: &str = "RGVmYXVsdA==";

impl Permission {
    /// The "My Organization" entry every calendar starts with, exactly as the docs'
    /// examples show it (List calendarPermissions; Share or delegate a calendar):
    /// `freeBusyRead`, not removable, allowed roles `none` … `write`.
    pub(crate) fn my_organization() -> Permission {
        Permission {
            id: MY_ORGANIZATION_ID.into(),
            name: "My Organization".into(),
            address: None,
            role: Role::FreeBusyRead,
            allowed: vec![
                Role::None,
                Role::FreeBusyRead,
                Role::LimitedRead,
                Role::Read,
                Role::Write,
            ],
            inside: true,
            removable: false,
        }
    }
}

/// One calendar of a mailbox; the first of a user's calendars is the default
/// (primary) one.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    pub id: String,
    pub name: String,
    pub change_key: String,
    /// Sharees and delegates, starting with "My Organization" (GRAPH-FACTS §6.2).
    pub permissions: Vec<Permission>,
}

impl Calendar {
    /// The default calendar a new mailbox gets.
    pub(crate) fn new_default() -> Calendar {
        Calendar::named("Calendar")
    }

    /// A calendar with that name (`POST …/calendars`).
    pub(crate) fn named(name: &str) -> Calendar {
        Calendar {
            id: opaque_id("AAMkA", 44),
            name: name.into(),
            change_key: random_b64(16),
            // Every calendar starts with the "My Organization" entry [unconfirmed for
            // secondary calendars: the docs show it on primary calendars].
            permissions: vec![Permission::my_organization()],
        }
    }
}

/// One stored event (a single instance or a series master). `calendar_id` is the id of
/// a calendar of the mailbox, or of its Deleted Items folder once deleted / cancelled
/// / declined.
#[derive(Debug, Clone)]
pub(crate) struct StoredEvent {
    pub seq: u64,
    pub calendar_id: String,
    pub json: Map<String, Value>,
}

/// Which calendar a path addresses: `/events` (any calendar of the mailbox),
/// `/calendar` (the default one) or `/calendars/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CalRef {
    Any,
    Default,
    Id(String),
}
