//! Path matching for the calendar part of a mailbox: `/calendars`, `/calendar`,
//! `/events`, `/calendarView`, `/findMeetingTimes` and everything below them.

use super::{get_only, get_or_unimplemented, method_not_allowed, not_implemented, Item, Route};
use crate::calendar::response::Reply;
use crate::calendar::CalRef;
use crate::graph_error::GraphError;

/// A recognised calendar operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CalendarRoute {
    ListCalendars,
    GetCalendar(CalRef),
    ListEvents(CalRef),
    CreateEvent(CalRef),
    GetEvent(CalRef, String),
    UpdateEvent(CalRef, String),
    DeleteEvent(CalRef, String),
    Instances(CalRef, String),
    CalendarView(CalRef),
    /// `GET …/calendarView/delta` (events delta, GRAPH-FACTS-2 §5.4).
    CalendarViewDelta(CalRef),
    Action(CalRef, String, EventAction),
    GetSchedule,
    FindMeetingTimes,
    /// `POST …/calendars`.
    CreateCalendar,
    /// `GET …/calendarPermissions`.
    ListPermissions(CalRef),
    /// `POST …/calendarPermissions`.
    CreatePermission(CalRef),
    /// `GET …/calendarPermissions/{id}`.
    GetPermission(CalRef, String),
    /// `PATCH …/calendarPermissions/{id}`.
    UpdatePermission(CalRef, String),
    /// `DELETE …/calendarPermissions/{id}`.
    DeletePermission(CalRef, String),
}

/// Actions on an event (GRAPH-FACTS §5.3, §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventAction {
    Reply(Reply),
    Cancel,
    Forward,
}

impl EventAction {
    fn parse(name: &str) -> Option<EventAction> {
        Some(match name {
            "accept" => EventAction::Reply(Reply::Accept),
            "tentativelyaccept" => EventAction::Reply(Reply::Tentative),
            "decline" => EventAction::Reply(Reply::Decline),
            "cancel" => EventAction::Cancel,
            "forward" => EventAction::Forward,
            _ => return None,
        })
    }
}

/// First segments handled here.
pub(super) const ROOTS: [&str; 5] = [
    "calendars",
    "calendar",
    "events",
    "calendarview",
    "findmeetingtimes",
];

/// Known Graph segments below an event / calendar that the sandbox does not implement.
const UNIMPLEMENTED: [&str; 11] = [
    "extensions",
    "exceptionoccurrences",
    "calendar",
    "snoozereminder",
    "dismissreminder",
    "permanentdelete",
    "singlevalueextendedproperties",
    "multivalueextendedproperties",
    "calendarpermissions",
    "delta",
    "allowedcalendarsharingroles",
];

fn post_only(method: &str, route: CalendarRoute) -> Result<Route, GraphError> {
    match method {
        "POST" => Ok(Route::Calendar(route)),
        m => Err(method_not_allowed(m)),
    }
}

/// Matches `names` (lower-cased segments; `raw` the same segments as sent).
pub(super) fn match_route(
    raw: &[String],
    names: &[&str],
    method: &str,
) -> Result<Route, GraphError> {
    let get = |route: CalendarRoute| get_only(method, raw, Route::Calendar(route));
    match names {
        ["calendars"] if method == "POST" => Ok(Route::Calendar(CalendarRoute::CreateCalendar)),
        ["calendars"] => get(CalendarRoute::ListCalendars),
        // Update / delete calendar exist in Graph but not in the sandbox: 501, not 405.
        ["calendars", _] => get_or_unimplemented(
            method,
            raw,
            Route::Calendar(CalendarRoute::GetCalendar(CalRef::Id(raw[1].clone()))),
            &["PATCH", "DELETE"],
        ),
        ["calendars", _, tail @ ..] => {
            calendar_tail(CalRef::Id(raw[1].clone()), &raw[2..], tail, method)
        }
        ["calendar"] => get_or_unimplemented(
            method,
            raw,
            Route::Calendar(CalendarRoute::GetCalendar(CalRef::Default)),
            &["PATCH"],
        ),
        ["calendar", tail @ ..] => calendar_tail(CalRef::Default, &raw[1..], tail, method),
        ["events", tail @ ..] => event_tail(CalRef::Any, &raw[1..], tail, method),
        ["calendarview"] => get(CalendarRoute::CalendarView(CalRef::Default)),
        // `delta()` is how the SDKs spell the function call.
        ["calendarview", "delta" | "delta()"] => {
            get(CalendarRoute::CalendarViewDelta(CalRef::Default))
        }
        ["findmeetingtimes"] => post_only(method, CalendarRoute::FindMeetingTimes),
        [_, other, ..] if UNIMPLEMENTED.contains(other) => Err(not_implemented(&raw[1])),
        [_, ..] => Err(GraphError::unknown_segment(&raw[1])),
        [] => Err(not_implemented("calendar")),
    }
}

/// Below `/calendar` or `/calendars/{id}`.
fn calendar_tail(
    cal: CalRef,
    raw: &[String],
    names: &[&str],
    method: &str,
) -> Result<Route, GraphError> {
    match names {
        ["events", tail @ ..] => event_tail(cal, &raw[1..], tail, method),
        ["calendarview"] => get_only(
            method,
            raw,
            Route::Calendar(CalendarRoute::CalendarView(cal)),
        ),
        // Per-calendar delta: documented on beta, used against v1.0 (GRAPH-FACTS-2
        // §5.4) [unconfirmed for v1.0].
        ["calendarview", "delta" | "delta()"] => get_only(
            method,
            raw,
            Route::Calendar(CalendarRoute::CalendarViewDelta(cal)),
        ),
        ["getschedule"] if cal == CalRef::Default => post_only(method, CalendarRoute::GetSchedule),
        ["calendarpermissions"] => match method {
            "POST" => Ok(Route::Calendar(CalendarRoute::CreatePermission(cal))),
            _ => get_only(
                method,
                raw,
                Route::Calendar(CalendarRoute::ListPermissions(cal)),
            ),
        },
        ["calendarpermissions", _] => {
            let id = raw[1].clone();
            match method {
                "PATCH" => Ok(Route::Calendar(CalendarRoute::UpdatePermission(cal, id))),
                "DELETE" => Ok(Route::Calendar(CalendarRoute::DeletePermission(cal, id))),
                _ => get_only(
                    method,
                    raw,
                    Route::Calendar(CalendarRoute::GetPermission(cal, id)),
                ),
            }
        }
        [other, ..] if UNIMPLEMENTED.contains(other) || *other == "calendarview" => {
            Err(not_implemented(&raw[0]))
        }
        [_, ..] => Err(GraphError::unknown_segment(&raw[0])),
        [] => Err(not_implemented("calendar")),
    }
}

/// Below `…/events`.
fn event_tail(
    cal: CalRef,
    raw: &[String],
    names: &[&str],
    method: &str,
) -> Result<Route, GraphError> {
    let id = || raw[0].clone();
    let item = || Item::Event {
        calendar: cal.clone(),
        id: raw[0].clone(),
    };
    let cal_route = |r: CalendarRoute| Ok(Route::Calendar(r));
    match names {
        [] if method == "POST" => cal_route(CalendarRoute::CreateEvent(cal)),
        [] => get_only(method, raw, Route::Calendar(CalendarRoute::ListEvents(cal))),
        ["delta" | "delta()"] => Err(not_implemented("events/delta")),
        [_] => match method {
            "PATCH" => cal_route(CalendarRoute::UpdateEvent(cal, id())),
            "DELETE" => cal_route(CalendarRoute::DeleteEvent(cal, id())),
            _ => get_only(
                method,
                raw,
                Route::Calendar(CalendarRoute::GetEvent(cal, id())),
            ),
        },
        [_, "instances"] => get_only(
            method,
            raw,
            Route::Calendar(CalendarRoute::Instances(cal, id())),
        ),
        [_, action] if EventAction::parse(action).is_some() => {
            let action = EventAction::parse(action).unwrap_or(EventAction::Cancel);
            post_only(method, CalendarRoute::Action(cal, id(), action))
        }
        [_, "attachments"] if method == "POST" => Ok(Route::AddAttachment { item: item() }),
        [_, "attachments"] => get_only(method, raw, Route::ListAttachments { item: item() }),
        [_, "attachments", "createuploadsession"] => match method {
            "POST" => Ok(Route::CreateUploadSession { item: item() }),
            m => Err(method_not_allowed(m)),
        },
        [_, "attachments", _] if method == "DELETE" => Ok(Route::DeleteAttachment {
            item: item(),
            attachment: raw[2].clone(),
        }),
        [_, "attachments", _] => get_only(
            method,
            raw,
            Route::GetAttachment {
                item: item(),
                attachment: raw[2].clone(),
            },
        ),
        [_, other, ..] if UNIMPLEMENTED.contains(other) => Err(not_implemented(&raw[1])),
        [_, _, ..] => Err(GraphError::unknown_segment(&raw[1])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str, method: &str) -> Result<Route, GraphError> {
        let raw: Vec<String> = path.split('/').map(str::to_string).collect();
        let names: Vec<String> = raw.iter().map(|s| s.to_ascii_lowercase()).collect();
        let n: Vec<&str> = names.iter().map(String::as_str).collect();
        match_route(&raw, &n, method)
    }

    #[test]
    fn matches_calendar_paths() {
        assert_eq!(
            route("Calendar/Events/AAMkA1", "PATCH").unwrap(),
            Route::Calendar(CalendarRoute::UpdateEvent(CalRef::Default, "AAMkA1".into()))
        );
        assert_eq!(
            route("calendars/c1/calendarView", "GET").unwrap(),
            Route::Calendar(CalendarRoute::CalendarView(CalRef::Id("c1".into())))
        );
        assert_eq!(
            route("events/e1/tentativelyAccept", "POST").unwrap(),
            Route::Calendar(CalendarRoute::Action(
                CalRef::Any,
                "e1".into(),
                EventAction::Reply(Reply::Tentative)
            ))
        );
        assert_eq!(
            route("events/e1/attachments/a1", "DELETE").unwrap(),
            Route::DeleteAttachment {
                item: Item::Event {
                    calendar: CalRef::Any,
                    id: "e1".into()
                },
                attachment: "a1".into()
            }
        );
        assert_eq!(
            route("calendar/getSchedule", "POST").unwrap(),
            Route::Calendar(CalendarRoute::GetSchedule)
        );
        assert_eq!(
            route("calendars/c1/calendarPermissions/p1", "PATCH").unwrap(),
            Route::Calendar(CalendarRoute::UpdatePermission(
                CalRef::Id("c1".into()),
                "p1".into()
            ))
        );
        assert_eq!(
            route("calendar/calendarPermissions", "POST").unwrap(),
            Route::Calendar(CalendarRoute::CreatePermission(CalRef::Default))
        );
        assert_eq!(
            route("events/e1/accept", "GET")
                .unwrap_err()
                .status
                .as_u16(),
            405
        );
        assert_eq!(
            route("events/delta", "GET").unwrap_err().status.as_u16(),
            501
        );
        assert_eq!(
            route("calendarView/delta()", "GET").unwrap(),
            Route::Calendar(CalendarRoute::CalendarViewDelta(CalRef::Default))
        );
        assert_eq!(
            route("calendars/c1/calendarView/delta", "GET").unwrap(),
            Route::Calendar(CalendarRoute::CalendarViewDelta(CalRef::Id("c1".into())))
        );
        assert_eq!(
            route("events/e1/bogus", "GET").unwrap_err().status.as_u16(),
            400
        );
    }
}
