//! The calendar half of the sandbox: every user's calendars and events, stored as Graph
//! `event` JSON, and everything that works on them independent of HTTP.
//!
//! * [`zone`]: time zone names, `dateTimeTimeZone`, `Prefer: outlook.timezone`;
//! * [`recurrence`]: `patternedRecurrence` validation and expansion;
//! * [`event`]: building an event from a create body, applying a PATCH;
//! * [`render`]: occurrences of series and the output form of events;
//! * [`meeting`]: the organizer's side of the meeting flow between sandbox users
//!   (requests, updates, cancellations, forwards), with `copies` (attendees' copies
//!   of meetings) and `messages` (the `eventMessage`s);
//! * [`response`]: an attendee's accept / tentative / decline;
//! * [`series`]: single occurrences made exceptions, cancelled occurrences;
//! * [`freebusy`]: free/busy status of mailboxes over time.

mod copies;
pub(crate) mod event;
pub(crate) mod freebusy;
pub(crate) mod meeting;
mod messages;
pub(crate) mod permissions;
pub(crate) mod recurrence;
pub(crate) mod render;
pub(crate) mod response;
pub(crate) mod series;
pub(crate) mod zone;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use crate::access::Role;
pub(crate) use crate::store::calendar::{CalRef, Calendar, StoredEvent};
use crate::store::{random_b64, random_bytes, Store, User};

impl Calendar {
    /// The `calendar` resource as Graph returns it to its owner (or an app).
    pub(crate) fn json(&self, owner: &User, is_default: bool) -> Value {
        self.json_for(owner, is_default, None)
    }

    /// The resource as seen by someone with `role` on it (`None`: the owner or an
    /// app) through the owner's mailbox (`/users/{owner}/calendars/…`): the owner's id
    /// and name, but `canShare` false and `canEdit` / `canViewPrivateItems` from the
    /// role (as the sharee's copy shows them, doc "Share or delegate a calendar in
    /// Outlook") [unconfirmed for this path].
    pub(crate) fn json_for(&self, owner: &User, is_default: bool, role: Option<Role>) -> Value {
        let (can_share, can_edit, can_private) = match role {
            None => (true, true, true),
            Some(r) => (false, r.can_write(), r.sees_private()),
        };
        json!({
            "id": self.id,
            "name": self.name,
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": is_default,
            "changeKey": self.change_key,
            "canShare": can_share,
            "canViewPrivateItems": can_private,
            "canEdit": can_edit,
            "isRemovable": !is_default,
            "isTallyingResponses": true,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "owner": {"name": owner.display_name, "address": owner.address},
        })
    }

    /// The copy of this calendar in a sharee's / delegate's own mailbox
    /// (`/me/calendars`), as the docs show it ("Create Outlook events in a shared or
    /// delegated calendar", step 1; "Share or delegate a calendar in Outlook"): its own
    /// id (`shared_id`), named after the owner for a primary calendar, `canShare`
    /// false, `canEdit` for write and delegate roles, `canViewPrivateItems` only for
    /// `delegateWithPrivateEventAccess`, removable, not the default calendar.
    pub(crate) fn shared_json(
        &self,
        owner: &User,
        is_primary: bool,
        shared_id: &str,
        role: Role,
    ) -> Value {
        // A secondary calendar keeps its own name [unconfirmed].
        let name = if is_primary {
            owner.display_name.as_str()
        } else {
            self.name.as_str()
        };
        json!({
            "id": shared_id,
            "name": name,
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": false,
            "changeKey": self.change_key,
            "canShare": false,
            "canViewPrivateItems": role.sees_private(),
            "canEdit": role.can_write(),
            "isRemovable": true,
            "isTallyingResponses": true,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "owner": {"name": owner.display_name, "address": owner.address},
        })
    }
}

impl StoredEvent {
    pub(crate) fn id(&self) -> &str {
        self.json.get("id").and_then(Value::as_str).unwrap_or("")
    }

    pub(crate) fn str_prop(&self, name: &str) -> &str {
        self.json.get(name).and_then(Value::as_str).unwrap_or("")
    }
}

impl User {
    /// The calendar `cal` names (`Any` → the default calendar).
    pub(crate) fn calendar(&self, cal: &CalRef) -> Option<&Calendar> {
        match cal {
            CalRef::Any | CalRef::Default => self.calendars.first(),
            CalRef::Id(id) => self.calendars.iter().find(|c| &c.id == id),
        }
    }

    /// Whether the event is in one of the calendars `cal` covers (not deleted).
    pub(crate) fn event_in(&self, ev: &StoredEvent, cal: &CalRef) -> bool {
        match cal {
            CalRef::Any => self.calendars.iter().any(|c| c.id == ev.calendar_id),
            _ => self.calendar(cal).is_some_and(|c| c.id == ev.calendar_id),
        }
    }

    /// Index of a live stored event by id within `cal`.
    pub(crate) fn event_index(&self, cal: &CalRef, id: &str) -> Option<usize> {
        self.events
            .iter()
            .position(|e| e.id() == id && self.event_in(e, cal))
    }

    /// Index of the live stored event of a meeting (by `iCalUId`).
    pub(crate) fn event_by_uid(&self, uid: &str) -> Option<usize> {
        self.events
            .iter()
            .position(|e| e.str_prop("iCalUId") == uid && self.event_in(e, &CalRef::Any))
    }

    /// Live events of `cal`, in creation order.
    pub(crate) fn events_of(&self, cal: &CalRef) -> Vec<&StoredEvent> {
        let mut v: Vec<_> = self
            .events
            .iter()
            .filter(|e| self.event_in(e, cal))
            .collect();
        v.sort_by_key(|e| e.seq);
        v
    }

    /// Id of the Deleted Items folder (where removed events go).
    pub(crate) fn deleted_items_id(&self) -> String {
        self.folder("deleteditems")
            .map(|f| f.id.clone())
            .unwrap_or_default()
    }
}

/// A fresh `iCalUId` in Exchange's GlobalObjectId hex form: class id, 4 date bytes
/// (zero for a whole series / single event), then random bytes.
pub(crate) fn new_ical_uid() -> String {
    let hex = |b: Vec<u8>| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
    format!(
        "040000008200E00074C5B7101A82E00800000000{}000000000000000010000000{}",
        hex(random_bytes(8)),
        hex(random_bytes(16))
    )
}

/// The `iCalUId` of one occurrence: the series' id with the occurrence date in the
/// date bytes (as Exchange's GlobalObjectId does; Graph documents that occurrences
/// have their own `iCalUId`).
pub(crate) fn occurrence_uid(series_uid: &str, date: NaiveDate) -> String {
    use chrono::Datelike as _;
    if series_uid.len() < 40 || !series_uid.is_ascii() {
        return series_uid.to_string();
    }
    format!(
        "{}{:04X}{:02X}{:02X}{}",
        &series_uid[..32],
        date.year(),
        date.month(),
        date.day(),
        &series_uid[40..]
    )
}

const OCCURRENCE_TAG: &str = "occ|";

/// Id of an occurrence: opaque, but decodable back to (series master id, date).
pub(crate) fn occurrence_id(master_id: &str, date: NaiveDate) -> String {
    format!(
        "AAMkA{}",
        URL_SAFE.encode(format!(
            "{OCCURRENCE_TAG}{master_id}|{}",
            date.format("%Y-%m-%d")
        ))
    )
}

/// (series master id, date) of an occurrence id.
pub(crate) fn parse_occurrence_id(id: &str) -> Option<(String, NaiveDate)> {
    let raw = URL_SAFE.decode(id.strip_prefix("AAMkA")?).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let rest = text.strip_prefix(OCCURRENCE_TAG)?;
    let (master, date) = rest.rsplit_once('|')?;
    Some((
        master.to_string(),
        NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
    ))
}

/// Outlook on the web link of an event id.
pub(crate) fn web_link(id: &str) -> String {
    format!(
        "https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item",
        crate::url::encode_component(id)
    )
}

/// New `changeKey` / `@odata.etag` / `lastModifiedDateTime` after a change.
pub(crate) fn touch(ev: &mut Map<String, Value>, now: DateTime<Utc>) {
    let change_key = random_b64(16);
    ev.insert("@odata.etag".into(), json!(format!("W/\"{change_key}\"")));
    ev.insert("changeKey".into(), json!(change_key));
    ev.insert("lastModifiedDateTime".into(), json!(zone::format_utc7(now)));
}

/// Index of the sandbox user with that SMTP address (case-insensitive) and a mailbox
/// (users without one get no meeting copies).
pub(crate) fn user_by_address(store: &Store, address: &str) -> Option<usize> {
    store.mailbox_by_address(address)
}

/// Whether a Boolean property of an event is `true`.
pub(crate) fn is_true(ev: &Map<String, Value>, key: &str) -> bool {
    ev.get(key) == Some(&Value::Bool(true))
}

/// The attendees of `ev` other than `me` (an address; "" keeps all).
pub(crate) fn others(ev: &Map<String, Value>, me: &str) -> Vec<Value> {
    ev.get("attendees")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter(|a| !address_of(a).eq_ignore_ascii_case(me))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Moves an event to the mailbox's Deleted Items (with the series bookkeeping of
/// [`series::on_removed`]).
pub(crate) fn to_deleted_items(store: &mut Store, user_idx: usize, ev_idx: usize) {
    series::on_removed(store, user_idx, ev_idx);
    let user = &mut store.users[user_idx];
    let deleted = user.deleted_items_id();
    user.events[ev_idx].calendar_id = deleted;
}

/// Lower-cased SMTP address of a recipient / attendee JSON.
pub(crate) fn address_of(r: &Value) -> String {
    r["emailAddress"]["address"]
        .as_str()
        .unwrap_or("")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::opaque_id;

    #[test]
    fn occurrence_ids_round_trip() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let id = occurrence_id("AAMkAbc=", d);
        assert_eq!(parse_occurrence_id(&id), Some(("AAMkAbc=".to_string(), d)));
        assert!(parse_occurrence_id(&opaque_id("AAMkA", 110)).is_none());
        let uid = new_ical_uid();
        assert_eq!(uid.len(), 112);
        assert!(occurrence_uid(&uid, d).contains("07EA0C07"));
    }
}
