//! Calendar and event handlers (GRAPH-FACTS §5): calendars, event create / get /
//! update / delete, event lists, `calendarView` and `instances`. Meeting actions are
//! in [`super::responses`], free/busy in [`super::schedule`] and
//! [`super::meeting_times`]. Reads answer in UTC or the `Prefer: outlook.timezone`
//! zone (with `Preference-Applied`); answers of POST and PATCH are in UTC regardless of
//! `Prefer` [unconfirmed: Graph applies the preference to reads].

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use super::event_target::{visible_index, with_event};
use super::mailbox_items::event_output;
use super::query::{ListQuery, Paging};
use super::request::select_list;
use super::request::{check_if_match, json_object, too_large, MailRequest, MAX_REQUEST};
use crate::access::{shared_calendar_id, shared_role};
use crate::calendar::render::{find_event, in_zone, instances, span};
use crate::calendar::zone::{mark_applied, read_zone, Zone};
use crate::calendar::{meeting, parse_occurrence_id, series, CalRef};
use crate::delta::Item;
use crate::graph_error::{empty_response, json_response, GraphError};
use crate::message::{parse_utc, Expand};
use crate::store::Store;
use crate::wire::get_ci;

fn with_context(context: String, v: Value) -> Value {
    let mut out = Map::new();
    out.insert("@odata.context".into(), json!(context));
    if let Value::Object(m) = v {
        out.extend(m);
    }
    Value::Object(out)
}

/// `GET …/calendars`: the mailbox's own calendars (for a delegate working in another
/// mailbox: those it may read, as it sees them), then – for the owner – the copies of
/// calendars other users shared with or delegated to it (`read` or better,
/// GRAPH-FACTS §6.1).
pub(super) fn list_calendars(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    let mut value: Vec<Value> = user
        .calendars
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match req.viewer_role(&store, &c.id) {
            None => Some(c.json(user, i == 0)),
            Some(r) if r.can_read() => Some(c.json_for(user, i == 0, Some(r))),
            Some(_) => None,
        })
        .collect();
    if req.access.acting.is_none() {
        for (o, owner) in store.users.iter().enumerate() {
            if o == req.user_idx || !owner.has_mailbox {
                continue;
            }
            for (i, c) in owner.calendars.iter().enumerate() {
                if let Some(role) = shared_role(&store, c, req.user_idx).filter(|r| r.can_read()) {
                    let id = shared_calendar_id(&owner.id, &c.id);
                    value.push(c.shared_json(owner, i == 0, &id, role));
                }
            }
        }
    }
    let body = json!({
        "@odata.context": req.context_url(&store, "calendars"),
        "value": value,
    });
    Ok(json_response(StatusCode::OK, &body))
}

pub(super) fn get_calendar(req: &MailRequest<'_>, cal: &CalRef) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    let c = user.calendar(cal).ok_or_else(GraphError::item_not_found)?;
    let is_default = user.calendars.first().is_some_and(|d| d.id == c.id);
    let json = match (&req.access.shared_id, req.viewer_role(&store, &c.id)) {
        (Some(id), Some(role)) => c.shared_json(user, is_default, id, role),
        (_, role) => c.json_for(user, is_default, role),
    };
    let tail = match cal {
        CalRef::Id(_) => "calendars/$entity",
        _ => "calendar/$entity",
    };
    let body = with_context(req.context_url(&store, tail), json);
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST …/calendars` with `{"name": …}` → `201` + the new calendar (calendar-post-
/// calendars). Other properties (`color`, …) are ignored [unconfirmed].
pub(super) fn create_calendar(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let name = match get_ci(&body, "name") {
        Some(Value::String(n)) if !n.trim().is_empty() => n.trim().to_string(),
        // [unconfirmed] code/text for a calendar without a name.
        _ => {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidParameter",
                "The value of the property 'name' is missing or empty.",
            ))
        }
    };
    let mut store = req.state.lock();
    let user = &store.users[req.user_idx];
    if user
        .calendars
        .iter()
        .any(|c| c.name.eq_ignore_ascii_case(&name))
    {
        // Exchange refuses a second folder with the same name; code/text as reported
        // for live Graph answers [unconfirmed].
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "ErrorFolderExists",
            "A folder with the specified name already exists.",
        ));
    }
    let cal = crate::calendar::Calendar::named(&name);
    let json = cal.json(user, false);
    store.users[req.user_idx].calendars.push(cal);
    let body = with_context(req.context_url(&store, "calendars/$entity"), json);
    Ok(json_response(StatusCode::CREATED, &body))
}

/// `…/events` or `…/calendars/{id}/events` for context URLs (the id as in the path).
fn events_tail(req: &MailRequest<'_>, cal: &CalRef) -> String {
    match (cal, &req.access.shared_id) {
        (CalRef::Id(_), Some(shared)) => format!("calendars('{shared}')/events"),
        (CalRef::Id(id), None) => format!("calendars('{id}')/events"),
        _ => "events".into(),
    }
}

/// A list answer: `$filter` / `$orderby` (on the UTC form), paging, `$select`,
/// `$expand=attachments`, times in the read zone. `keep`: query parameters the
/// next link repeats.
fn list_response(
    req: &MailRequest<'_>,
    store: &Store,
    tail: &str,
    items: &[Map<String, Value>],
    keep: &[&str],
) -> Result<Response, GraphError> {
    let zone = read_zone(req.headers);
    let select = select_list(req);
    let expand = Expand::parse(req.param("$expand"))?;
    let query = ListQuery::parse(
        "event",
        req.param("$filter"),
        req.param("$orderby"),
        req.param("$search"),
    )?;
    let paging = Paging::parse(req)?;
    let utc: Vec<Map<String, Value>> = items.iter().map(|e| in_zone(e, &Zone::utc())).collect();
    let all = query.apply(utc.iter().collect());
    let page: Vec<Value> = paging
        .page(&all)
        .iter()
        .map(|e| event_output(store, e, &zone, select.as_deref(), &expand))
        .collect();
    let mut body = Map::new();
    body.insert("@odata.context".into(), json!(req.context_url(store, tail)));
    body.insert("value".into(), Value::Array(page));
    super::query::add_count(req, &mut body, all.len())?;
    paging.add_next_link(req, &mut body, all.len(), keep);
    let mut resp = json_response(StatusCode::OK, &Value::Object(body));
    mark_applied(&mut resp, req.headers);
    Ok(resp)
}

/// `GET …/events`: single instances and series masters, in creation order.
pub(super) fn list_events(req: &MailRequest<'_>, cal: &CalRef) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    user.calendar(cal).ok_or_else(GraphError::item_not_found)?;
    let items: Vec<Map<String, Value>> = user
        .events_of(cal)
        .into_iter()
        .filter(|e| req.can_see(&store, e))
        // Graph lists single instances and series masters, not exceptions.
        .filter(|e| e.str_prop("type") != "exception")
        .map(|e| e.json.clone())
        .collect();
    list_response(req, &store, &events_tail(req, cal), &items, &[])
}

/// `POST …/events` → `201` + the event (UTC).
pub(super) fn create_event(req: &MailRequest<'_>, cal: &CalRef) -> Result<Response, GraphError> {
    if req.too_large || req.body.len() > MAX_REQUEST {
        return Err(too_large());
    }
    let body = json_object(req.body)?;
    let mut store = req.state.lock();
    let ev = req.acting(&mut store, |store| {
        meeting::create(store, req.user_idx, cal, &body)
    })?;
    let out = with_context(
        req.context_url(&store, &format!("{}/$entity", events_tail(req, cal))),
        event_output(&store, &ev, &Zone::utc(), None, &Expand::default()),
    );
    Ok(json_response(StatusCode::CREATED, &out))
}

/// `GET …/events/{id}` (also occurrence ids).
pub(super) fn get_event(
    req: &MailRequest<'_>,
    cal: &CalRef,
    id: &str,
) -> Result<Response, GraphError> {
    let zone = read_zone(req.headers);
    let select = select_list(req);
    let expand = Expand::parse(req.param("$expand"))?;
    let store = req.state.lock();
    let master = parse_occurrence_id(id).map_or_else(|| id.to_string(), |(m, _)| m);
    if visible_index(req, &store, cal, &master).is_none()
        && visible_index(req, &store, cal, id).is_none()
    {
        return Err(GraphError::item_not_found());
    }
    let ev =
        find_event(&store.users[req.user_idx], cal, id).ok_or_else(GraphError::item_not_found)?;
    let out = with_context(
        req.context_url(&store, &format!("{}/$entity", events_tail(req, cal))),
        event_output(&store, &ev, &zone, select.as_deref(), &expand),
    );
    let mut resp = json_response(StatusCode::OK, &out);
    mark_applied(&mut resp, req.headers);
    Ok(resp)
}

/// `PATCH …/events/{id}` → `200` + the event (UTC); `If-Match` honoured.
pub(super) fn update_event(
    req: &MailRequest<'_>,
    cal: &CalRef,
    id: &str,
) -> Result<Response, GraphError> {
    if req.too_large || req.body.len() > MAX_REQUEST {
        return Err(too_large());
    }
    let patch = json_object(req.body)?;
    let mut store = req.state.lock();
    let ev = with_event(req, &mut store, cal, id, |store, idx| {
        check_if_match(req, &store.users[req.user_idx].events[idx].json)?;
        req.acting(store, |store| {
            meeting::update(store, req.user_idx, idx, &patch)
        })
    })?;
    let out = with_context(
        req.context_url(&store, &format!("{}/$entity", events_tail(req, cal))),
        event_output(&store, &ev, &Zone::utc(), None, &Expand::default()),
    );
    Ok(json_response(StatusCode::OK, &out))
}

/// `DELETE …/events/{id}` → `204`; `If-Match` honoured.
pub(super) fn delete_event(
    req: &MailRequest<'_>,
    cal: &CalRef,
    id: &str,
) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    with_event(req, &mut store, cal, id, |store, idx| {
        check_if_match(req, &store.users[req.user_idx].events[idx].json)?;
        req.acting(store, |store| meeting::delete(store, req.user_idx, idx));
        Ok(())
    })?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `startDateTime` / `endDateTime` of `calendarView` and `instances` (both required;
/// ISO 8601 with or without offset, without one taken as UTC).
fn window(req: &MailRequest<'_>) -> Result<(DateTime<Utc>, DateTime<Utc>), GraphError> {
    let get = |name: &str| req.param(name).map(str::trim).filter(|v| !v.is_empty());
    let (Some(start), Some(end)) = (get("startDateTime"), get("endDateTime")) else {
        // Text as reported for live Graph answers; code [unconfirmed].
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        ));
    };
    let parse = |name: &str, v: &str| {
        // An unencoded `+` of an offset arrives as a space.
        let v = v.replace(' ', "+");
        parse_utc(&v)
            .or_else(|| {
                NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
            })
            .ok_or_else(|| {
                // [unconfirmed] code/text.
                GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "ErrorInvalidParameter",
                    format!(
                        "The value '{v}' of the parameter '{name}' is not a valid date and time."
                    ),
                )
            })
    };
    Ok((parse("startDateTime", start)?, parse("endDateTime", end)?))
}

/// Sorts instances by start (then as given).
fn by_start(items: &mut [Map<String, Value>]) {
    items.sort_by_key(|e| span(e).map(|(s, _)| s));
}

/// `GET …/calendarView?startDateTime&endDateTime`: the instances overlapping the
/// window, series expanded, in start order.
pub(super) fn calendar_view(req: &MailRequest<'_>, cal: &CalRef) -> Result<Response, GraphError> {
    let (from, to) = window(req)?;
    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    user.calendar(cal).ok_or_else(GraphError::item_not_found)?;
    let mut items: Vec<Map<String, Value>> = user
        .events_of(cal)
        .into_iter()
        .filter(|e| req.can_see(&store, e))
        .flat_map(|e| instances(&e.json, from, to))
        .collect();
    by_start(&mut items);
    let tail = match (cal, &req.access.shared_id) {
        (CalRef::Id(_), Some(shared)) => format!("calendars('{shared}')/calendarView"),
        (CalRef::Id(id), None) => format!("calendars('{id}')/calendarView"),
        _ => "calendarView".into(),
    };
    list_response(
        req,
        &store,
        &tail,
        &items,
        &["startDateTime", "endDateTime"],
    )
}

/// `GET …/calendarView/delta?startDateTime&endDateTime` (GRAPH-FACTS-2 §5.4; docs
/// "event: delta", "Get incremental changes to events in a calendar view"): the
/// instances of the window – single events, occurrences, exceptions – as
/// `calendarView` returns them, in rounds of [`crate::delta`]. The window is given on
/// the first request only and kept with the tokens; no `$select` (documented), times
/// in UTC or the `Prefer: outlook.timezone` zone. Changes outside the window are not
/// reported [unconfirmed: Graph may report them as `@removed`].
pub(super) fn calendar_view_delta(
    req: &MailRequest<'_>,
    cal: &CalRef,
) -> Result<Response, GraphError> {
    let zone = read_zone(req.headers);
    let mut store = req.state.lock();
    let user = &store.users[req.user_idx];
    let calendar_id = user
        .calendar(cal)
        .ok_or_else(GraphError::item_not_found)?
        .id
        .clone();
    let call = req.delta_call(
        user.id.clone(),
        format!("calendarView {calendar_id}"),
        "event",
        false,
    );
    let initial = || {
        let (from, to) = window(req)?;
        Ok(json!({"startDateTime": from.to_rfc3339(), "endDateTime": to.to_rfc3339()}))
    };
    let items = |store: &Store, query: &Value| {
        let bound = |k: &str| query[k].as_str().and_then(parse_utc);
        let (Some(from), Some(to)) = (bound("startDateTime"), bound("endDateTime")) else {
            return Ok(Vec::new());
        };
        let user = &store.users[req.user_idx];
        let mut list: Vec<Map<String, Value>> = user
            .events_of(cal)
            .into_iter()
            .filter(|e| req.can_see(store, e))
            .flat_map(|e| instances(&e.json, from, to))
            .collect();
        by_start(&mut list);
        Ok(list
            .iter()
            .map(|e| {
                let text = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let mut json = event_output(store, e, &zone, None, &Expand::default());
                // As in the docs' example answers.
                json["@odata.type"] = json!("#microsoft.graph.event");
                Item {
                    id: text("id"),
                    change_key: text("changeKey"),
                    json,
                }
            })
            .collect())
    };
    let mut resp = call.run(&mut store, req.ctx, initial, items)?;
    mark_applied(&mut resp, req.headers);
    Ok(resp)
}

/// `GET …/events/{id}/instances?startDateTime&endDateTime`: the occurrences of a
/// series in the window (none for a single event [unconfirmed]).
pub(super) fn list_instances(
    req: &MailRequest<'_>,
    cal: &CalRef,
    id: &str,
) -> Result<Response, GraphError> {
    let (from, to) = window(req)?;
    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    let idx = visible_index(req, &store, cal, id).ok_or_else(GraphError::item_not_found)?;
    let ev = &user.events[idx].json;
    let mut items = if ev.get("recurrence").is_some_and(|r| !r.is_null()) {
        let mut v = instances(ev, from, to);
        // The series' exceptions stand in for the occurrences they replace.
        for ex in series::exceptions_of(user, cal, id) {
            v.extend(instances(&ex.json, from, to));
        }
        v
    } else {
        Vec::new()
    };
    by_start(&mut items);
    list_response(
        req,
        &store,
        &format!("{}('{id}')/instances", events_tail(req, cal)),
        &items,
        &["startDateTime", "endDateTime"],
    )
}
