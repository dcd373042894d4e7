//! `POST …/calendar/getSchedule` (GRAPH-FACTS §5.7): free/busy of sandbox mailboxes
//! from their calendars, in UTC unless `Prefer: outlook.timezone`. Also the working
//! hours and parameter helpers [`super::meeting_times`] shares.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::Duration;
use serde_json::{json, Value};

use super::request::{action_body, required_dtz, MailRequest};
use super::working_hours::working_hours;
use crate::calendar::freebusy::{busy_items, digit, status_between};
use crate::calendar::zone::{mark_applied, read_zone};
use crate::graph_error::{json_response, GraphError};
use crate::wire::get_ci;

/// `POST …/calendar/getSchedule` → `200 {"value": [scheduleInformation]}`.
pub(super) fn get_schedule(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    let body = action_body(
        req,
        "getSchedule",
        &[
            "Schedules",
            "StartTime",
            "EndTime",
            "AvailabilityViewInterval",
        ],
    )?;
    let schedules: Vec<String> = match get_ci(&body, "schedules") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => {
            return Err(GraphError::invalid_parameter(
                "The parameter 'Schedules' is missing or empty.",
            ))
        }
    };
    let from = required_dtz(&body, "startTime")?;
    let to = required_dtz(&body, "endTime")?;
    if to <= from {
        return Err(GraphError::invalid_parameter(
            "The parameter 'EndTime' must be after 'StartTime'.",
        ));
    }
    let interval =
        match get_ci(&body, "availabilityViewInterval") {
            None | Some(Value::Null) => 30,
            Some(v) => match v.as_i64() {
                Some(n) if (5..=1440).contains(&n) => n,
                // Documented range 5–1440; code/text [unconfirmed].
                _ => return Err(GraphError::invalid_parameter(
                    "The parameter 'AvailabilityViewInterval' must be between 5 and 1440 minutes.",
                )),
            },
        };
    let zone = read_zone(req.headers);
    let store = req.state.lock();
    let me = &store.users[req.user_idx];
    let value: Vec<Value> = schedules
        .iter()
        .map(|id| {
            let Some(user) = store
                .users
                .iter()
                .find(|u| u.has_mailbox && u.address.eq_ignore_ascii_case(id))
            else {
                // [unconfirmed] how Graph reports an unknown schedule.
                return json!({
                    "scheduleId": id,
                    "availabilityView": "",
                    "scheduleItems": [],
                    "error": {
                        "message": format!("The recipient '{id}' could not be found."),
                        "responseCode": "ErrorMailRecipientNotFound",
                    },
                });
            };
            let items = busy_items(user, from, to);
            let step = Duration::minutes(interval);
            let mut view = String::new();
            let mut t = from;
            while t < to {
                view.push(digit(status_between(&items, t, (t + step).min(to))));
                t += step;
            }
            let own = user.id == me.id;
            let schedule_items: Vec<Value> = items
                .iter()
                .map(|b| {
                    let mut item = json!({
                        "isPrivate": b.private,
                        "status": b.status,
                        "start": zone.dtz(b.start),
                        "end": zone.dtz(b.end),
                    });
                    // Others' private items show only their time [unconfirmed].
                    if own || !b.private {
                        item["subject"] = json!(b.subject);
                        item["location"] = json!(b.location);
                    }
                    item
                })
                .collect();
            json!({
                "scheduleId": id,
                "availabilityView": view,
                "scheduleItems": schedule_items,
                "workingHours": working_hours(),
            })
        })
        .collect();
    let out = json!({
        "@odata.context": format!("{}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)", req.ctx.origin),
        "value": value,
    });
    let mut resp = json_response(StatusCode::OK, &out);
    mark_applied(&mut resp, req.headers);
    Ok(resp)
}
