//! Single occurrences of a series (GRAPH-FACTS §5.1–§5.3; docs "event resource type",
//! "Update event", "Delete event", "List instances"): changing, answering, cancelling
//! or deleting one occurrence (addressed by the occurrence id `instances` and
//! `calendarView` return) turns it into an **exception**: a stored event of its own,
//! `type: "exception"`, its own `id`, the series master's `seriesMasterId`, the
//! occurrence's `originalStart` and `iCalUId`. The master remembers which dates
//! became exceptions (an internal key), so its expansion leaves them out and the
//! exception stands in for them. Deleting (or cancelling, or declining) an exception
//! moves it to Deleted Items and adds `OID.{masterId}.{date}` to the master's
//! `cancelledOccurrences` (format of the docs' beta example [unconfirmed for v1.0]);
//! that occurrence no longer appears. Deleting the master takes its exceptions along.
//!
//! The occurrence id keeps addressing the instance after it became an exception (a
//! GET answers the exception) [unconfirmed: Exchange's occurrence ids do].

use axum::http::StatusCode;
use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::recurrence::Recurrence;
use super::render::occurrence;
use super::zone::Dtz;
use super::{parse_occurrence_id, touch, web_link, CalRef, StoredEvent};
use crate::graph_error::GraphError;
use crate::store::{opaque_id, Store, User};

/// Internal key of a series master: `{"YYYY-MM-DD": exception id}`.
pub(crate) const EXCEPTIONS_KEY: &str = "@sbx.exceptions";
/// Internal key of an exception: the date of the occurrence it replaces.
pub(crate) const DATE_KEY: &str = "@sbx.date";

/// The id Graph lists in `cancelledOccurrences`.
pub(crate) fn cancelled_occurrence_id(master_id: &str, date: NaiveDate) -> String {
    format!("OID.{master_id}.{}", date.format("%Y-%m-%d"))
}

/// The `iCalUId` of the whole series an occurrence's uid belongs to (the date bytes
/// zeroed, see [`super::occurrence_uid`]).
pub(crate) fn series_uid(uid: &str) -> String {
    if uid.len() < 40 || !uid.is_ascii() {
        return uid.to_string();
    }
    format!("{}00000000{}", &uid[..32], &uid[40..])
}

/// Dates of a master that are exceptions (or deleted).
pub(crate) fn exception_dates(master: &Map<String, Value>) -> Vec<NaiveDate> {
    master
        .get(EXCEPTIONS_KEY)
        .and_then(Value::as_object)
        .map(|m| {
            m.keys()
                .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The date an exception replaces.
pub(crate) fn exception_date(ev: &Map<String, Value>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(ev.get(DATE_KEY)?.as_str()?, "%Y-%m-%d").ok()
}

/// Whether `date` is an occurrence of the series master `master`.
fn is_occurrence(master: &Map<String, Value>, date: NaiveDate) -> bool {
    master
        .get("recurrence")
        .and_then(Recurrence::from_stored)
        .is_some_and(|r| r.dates(date).last() == Some(&date))
}

/// What an occurrence id of `cal` stands for in `user`'s mailbox.
pub(crate) enum Occurrence {
    /// A plain occurrence: (index of the live master, date).
    Plain(usize, NaiveDate),
    /// An occurrence that became an exception: index of the live exception.
    Exception(usize),
}

/// Resolves an occurrence id; `None` when it names no live instance (not an
/// occurrence id, unknown master, no such date, or deleted / cancelled).
pub(crate) fn resolve(user: &User, cal: &CalRef, id: &str) -> Option<Occurrence> {
    let (master_id, date) = parse_occurrence_id(id)?;
    let m = user.event_index(cal, &master_id)?;
    let master = &user.events[m].json;
    if !is_occurrence(master, date) {
        return None;
    }
    let key = date.format("%Y-%m-%d").to_string();
    match master.get(EXCEPTIONS_KEY).and_then(|x| x.get(&key)) {
        Some(ex) => user
            .event_index(cal, ex.as_str()?)
            .map(Occurrence::Exception),
        None => Some(Occurrence::Plain(m, date)),
    }
}

/// Turns occurrence `date` of the master `master_idx` of mailbox `user_idx` into a
/// stored exception (unchanged so far); returns its index.
pub(crate) fn materialize(
    store: &mut Store,
    user_idx: usize,
    master_idx: usize,
    date: NaiveDate,
) -> Option<usize> {
    let seq = store.next_seq();
    let user = &mut store.users[user_idx];
    let master = &user.events[master_idx];
    let calendar_id = master.calendar_id.clone();
    let mut ex = occurrence(&master.json, date)?;
    ex.remove(EXCEPTIONS_KEY);
    let id = opaque_id("AAMkA", 110);
    ex.insert("id".into(), json!(id));
    ex.insert("webLink".into(), json!(web_link(&id)));
    ex.insert("type".into(), json!("exception"));
    ex.insert("cancelledOccurrences".into(), json!([]));
    ex.insert(DATE_KEY.into(), json!(date.format("%Y-%m-%d").to_string()));
    // Same change key as the occurrence it was read as, so an `If-Match` with the
    // occurrence's etag holds; the change itself gives it a new one.
    let master = &mut user.events[master_idx].json;
    let map = master
        .entry(EXCEPTIONS_KEY)
        .or_insert_with(|| json!({}))
        .as_object_mut()?;
    map.insert(date.format("%Y-%m-%d").to_string(), json!(id));
    user.events.push(StoredEvent {
        seq,
        calendar_id,
        json: ex,
    });
    Some(user.events.len() - 1)
}

/// Undoes a [`materialize`] whose change was refused (the exception is the last
/// stored event of the mailbox).
pub(crate) fn discard(store: &mut Store, user_idx: usize, idx: usize) {
    let user = &mut store.users[user_idx];
    if idx + 1 != user.events.len() {
        return;
    }
    let ex = user.events.remove(idx);
    let (Some(date), Some(master_id)) = (
        exception_date(&ex.json),
        ex.json.get("seriesMasterId").and_then(Value::as_str),
    ) else {
        return;
    };
    if let Some(m) = user.events.iter_mut().find(|e| e.id() == master_id) {
        if let Some(Value::Object(map)) = m.json.get_mut(EXCEPTIONS_KEY) {
            map.remove(&date.format("%Y-%m-%d").to_string());
        }
    }
}

/// The index of the stored event a write to `id` of `cal` acts on, and whether it
/// was just made an exception: a stored event, or an occurrence (made an exception
/// on first write). `None`: no such instance.
pub(crate) fn for_write(
    store: &mut Store,
    user_idx: usize,
    cal: &CalRef,
    id: &str,
) -> Option<(usize, bool)> {
    let user = &store.users[user_idx];
    if let Some(i) = user.event_index(cal, id) {
        return Some((i, false));
    }
    match resolve(user, cal, id)? {
        Occurrence::Exception(i) => Some((i, false)),
        Occurrence::Plain(m, date) => materialize(store, user_idx, m, date).map(|i| (i, true)),
    }
}

/// The event of mailbox `user_idx` that stands for meeting instance `ev` (another
/// mailbox's event): the one with its `iCalUId`, or – for an exception – the
/// mailbox's own occurrence of that series, made an exception.
pub(crate) fn counterpart(
    store: &mut Store,
    user_idx: usize,
    ev: &Map<String, Value>,
) -> Option<usize> {
    let uid = ev.get("iCalUId").and_then(Value::as_str).unwrap_or("");
    let user = &store.users[user_idx];
    if let Some(i) = user.event_by_uid(uid) {
        return Some(i);
    }
    if ev.get("type").and_then(Value::as_str) != Some("exception") {
        return None;
    }
    let date = exception_date(ev)?;
    let m = user.event_by_uid(&series_uid(uid))?;
    let master = &user.events[m].json;
    if !is_occurrence(master, date) {
        return None;
    }
    let key = date.format("%Y-%m-%d").to_string();
    if master
        .get(EXCEPTIONS_KEY)
        .and_then(|x| x.get(&key))
        .is_some()
    {
        // Deleted on this side.
        return None;
    }
    materialize(store, user_idx, m, date)
}

/// Whether the exception `ev` (another mailbox's) stands for an occurrence `user`
/// has in its own copy of the series but removed (declined, deleted).
pub(crate) fn occurrence_removed(user: &User, ev: &Map<String, Value>) -> bool {
    let uid = ev.get("iCalUId").and_then(Value::as_str).unwrap_or("");
    let (Some(date), Some(m)) = (exception_date(ev), user.event_by_uid(&series_uid(uid))) else {
        return false;
    };
    let key = date.format("%Y-%m-%d").to_string();
    user.events[m]
        .json
        .get(EXCEPTIONS_KEY)
        .and_then(|x| x.get(&key))
        .is_some()
}

/// Bookkeeping when event `ev_idx` of mailbox `user_idx` leaves the calendar (to
/// Deleted Items): an exception is listed in its master's `cancelledOccurrences`; a
/// master's exceptions go with it.
pub(crate) fn on_removed(store: &mut Store, user_idx: usize, ev_idx: usize) {
    let now = store.now();
    let user = &mut store.users[user_idx];
    let deleted = user.deleted_items_id();
    let ev = user.events[ev_idx].json.clone();
    match ev.get("type").and_then(Value::as_str) {
        Some("exception") => {
            let (Some(date), Some(master_id)) = (
                exception_date(&ev),
                ev.get("seriesMasterId").and_then(Value::as_str),
            ) else {
                return;
            };
            if let Some(m) = user.event_index(&CalRef::Any, master_id) {
                let master = &mut user.events[m].json;
                let oid = cancelled_occurrence_id(master_id, date);
                if let Some(Value::Array(list)) = master.get_mut("cancelledOccurrences") {
                    if !list.iter().any(|x| x.as_str() == Some(oid.as_str())) {
                        list.push(json!(oid));
                    }
                } else {
                    master.insert("cancelledOccurrences".into(), json!([oid]));
                }
                touch(master, now);
            }
        }
        Some("seriesMaster") => {
            let master_id = ev.get("id").and_then(Value::as_str).unwrap_or("");
            let live: Vec<usize> = (0..user.events.len())
                .filter(|&i| {
                    user.events[i].str_prop("seriesMasterId") == master_id
                        && user.event_in(&user.events[i], &CalRef::Any)
                })
                .collect();
            for i in live {
                user.events[i].calendar_id = deleted.clone();
            }
        }
        _ => {}
    }
}

/// The stored exceptions of the master `master_id` in `cal`.
pub(crate) fn exceptions_of<'a>(
    user: &'a User,
    cal: &CalRef,
    master_id: &str,
) -> Vec<&'a StoredEvent> {
    user.events_of(cal)
        .into_iter()
        .filter(|e| e.str_prop("type") == "exception" && e.str_prop("seriesMasterId") == master_id)
        .collect()
}

/// `400 ErrorOccurrenceCrossingBoundary` when the changed exception `ex` would start on
/// or past the day of an adjacent occurrence of its series (documented on "Update
/// event"; the day is taken in the series' time zone).
pub(crate) fn check_boundary(user: &User, ex: &Map<String, Value>) -> Result<(), GraphError> {
    let (Some(date), Some(master_id)) = (
        exception_date(ex),
        ex.get("seriesMasterId").and_then(Value::as_str),
    ) else {
        return Ok(());
    };
    let Some(m) = user.event_index(&CalRef::Any, master_id) else {
        return Ok(());
    };
    let master = &user.events[m].json;
    let (Some(rec), Some(start), Some(new_start), Some(new_end)) = (
        master.get("recurrence").and_then(Recurrence::from_stored),
        master
            .get("start")
            .and_then(|s| Dtz::from_json(s, "start").ok()),
        ex.get("start")
            .and_then(|s| Dtz::from_json(s, "start").ok()),
        ex.get("end").and_then(|s| Dtz::from_json(s, "end").ok()),
    ) else {
        return Ok(());
    };
    let first_day = start.zone.local(new_start.utc()).date();
    let last_day = start.zone.local(new_end.utc()).date();
    let dates = rec.dates(last_day.max(date) + chrono::Duration::days(1));
    let pos = dates.iter().position(|d| *d == date);
    let prev = pos
        .and_then(|p| p.checked_sub(1))
        .and_then(|p| dates.get(p));
    let next = pos.and_then(|p| dates.get(p + 1));
    if prev.is_some_and(|p| first_day <= *p) || next.is_some_and(|n| last_day >= *n) {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorOccurrenceCrossingBoundary",
            "Modified occurrence is crossing or overlapping adjacent occurrence.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_uid_undoes_the_occurrence_date() {
        let uid = super::super::new_ical_uid();
        let d = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let occ = super::super::occurrence_uid(&uid, d);
        assert_ne!(occ, uid);
        assert_eq!(series_uid(&occ), uid);
        assert_eq!(
            cancelled_occurrence_id("AAMkA=", d),
            "OID.AAMkA=.2026-12-09"
        );
    }
}
