//! `POST …/findMeetingTimes` (GRAPH-FACTS §5.8): meeting time suggestions from the
//! sandbox calendars of the organizer and the attendees. Delegated tokens only; times
//! in UTC unless `Prefer: outlook.timezone`.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Datelike as _, Duration, NaiveTime, Timelike as _, Utc, Weekday};
use serde_json::{json, Map, Value};

use super::request::{action_body, required_dtz, MailRequest};
use super::working_hours::{WORK_END, WORK_START};
use crate::calendar::freebusy::{busy_items, status_between, Busy};
use crate::calendar::zone::{mark_applied, read_zone};
use crate::graph_error::{json_response, GraphError};
use crate::message::recipient;
use crate::store::Store;
use crate::wire::get_ci;

/// A time window `[start, end)`.
type Window = (DateTime<Utc>, DateTime<Utc>);

/// An ISO 8601 duration (`PT1H`, `PT30M`, `PT1H30M`, `P1D`, `P1DT2H`).
fn parse_duration(s: &str) -> Option<Duration> {
    let rest = s.trim().strip_prefix(['P', 'p'])?;
    let (date, time) = match rest.find(['T', 't']) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let mut total = Duration::zero();
    let mut any = false;
    for (part, units) in [(date, "WD"), (time, "HMS")] {
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
                continue;
            }
            let n: f64 = num.parse().ok()?;
            num.clear();
            let secs = match (units, c.to_ascii_uppercase()) {
                ("WD", 'W') => n * 604_800.0,
                ("WD", 'D') => n * 86_400.0,
                ("HMS", 'H') => n * 3600.0,
                ("HMS", 'M') => n * 60.0,
                ("HMS", 'S') => n,
                _ => return None,
            };
            total += Duration::milliseconds((secs * 1000.0) as i64);
            any = true;
        }
        if !num.is_empty() {
            return None;
        }
    }
    (any && total > Duration::zero()).then_some(total)
}

/// Whether `[start, end)` lies in the hours `activityDomain` allows: `work` (and
/// `unknown`, documented to behave like it) Mon–Fri 08:00–17:00 UTC, `personal` the
/// same hours on all days [unconfirmed], `unrestricted` any time.
fn allowed(domain: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    if domain == "unrestricted" {
        return true;
    }
    let weekend = matches!(start.weekday(), Weekday::Sat | Weekday::Sun);
    if weekend && domain != "personal" {
        return false;
    }
    let day_start = start.date_naive().and_time(NaiveTime::MIN).and_utc();
    start >= day_start + Duration::hours(WORK_START as i64)
        && end <= day_start + Duration::hours(WORK_END as i64)
}

/// Per-attendee chance of attending a slot: free 100, tentative 50 [unconfirmed],
/// unknown 49, busy / oof 0 (GRAPH-FACTS §5.8); working elsewhere counts as free
/// [unconfirmed].
fn chance(status: &str) -> f64 {
    match status {
        "free" | "workingElsewhere" => 100.0,
        "tentative" => 50.0,
        "unknown" => 49.0,
        _ => 0.0,
    }
}

/// One attendee of `findMeetingTimes` and its calendar (when a sandbox user).
struct Who {
    json: Value,
    items: Option<Vec<Busy>>,
}

impl Who {
    fn status(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> &str {
        match &self.items {
            Some(items) => status_between(items, start, end),
            None => "unknown",
        }
    }
}

fn bool_param(body: &Map<String, Value>, name: &str) -> Result<bool, GraphError> {
    match get_ci(body, name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(GraphError::invalid_parameter(format!(
            "The parameter '{name}' must be a Boolean."
        ))),
    }
}

/// The candidate time slots: `timeConstraint.timeSlots`, or (none given) the next two
/// days from the sandbox clock rounded up to the half hour [unconfirmed default].
fn time_slots(
    body: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<(String, Vec<Window>), GraphError> {
    let tc = get_ci(body, "timeConstraint").and_then(Value::as_object);
    let domain = tc
        .and_then(|t| get_ci(t, "activityDomain"))
        .and_then(Value::as_str)
        .unwrap_or("work")
        .to_ascii_lowercase();
    if !["work", "personal", "unrestricted", "unknown"].contains(&domain.as_str()) {
        return Err(GraphError::invalid_parameter(format!(
            "Requested value '{domain}' was not found."
        )));
    }
    let mut slots = Vec::new();
    for s in tc
        .and_then(|t| get_ci(t, "timeSlots"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let o = s
            .as_object()
            .ok_or_else(|| GraphError::invalid_parameter("A time slot is not valid."))?;
        let start = required_dtz(o, "start")?;
        let end = required_dtz(o, "end")?;
        if end <= start {
            return Err(GraphError::invalid_parameter(
                "The end of a time slot must be after its start.",
            ));
        }
        slots.push((start, end));
    }
    if slots.is_empty() {
        let base = now
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(now);
        let minutes = base.minute();
        let start = base + Duration::minutes(((30 - minutes % 30) % 30) as i64);
        slots.push((start, start + Duration::days(2)));
    }
    Ok((domain, slots))
}

/// `POST …/findMeetingTimes` → `200 meetingTimeSuggestionsResult`. Delegated tokens
/// only (GRAPH-FACTS §5.8): `permissions_table` refuses app tokens before this runs.
pub(super) fn find(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    let body = action_body(
        req,
        "findMeetingTimes",
        &[
            "attendees",
            "locationConstraint",
            "timeConstraint",
            "meetingDuration",
            "maxCandidates",
            "isOrganizerOptional",
            "returnSuggestionReasons",
            "minimumAttendeePercentage",
        ],
    )?;
    let duration = match get_ci(&body, "meetingDuration") {
        None | Some(Value::Null) => Duration::minutes(30),
        Some(v) => v.as_str().and_then(parse_duration).ok_or_else(|| {
            GraphError::invalid_parameter(
                "The parameter 'meetingDuration' is not a valid ISO 8601 duration.",
            )
        })?,
    };
    let max_candidates = match get_ci(&body, "maxCandidates") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            GraphError::invalid_parameter("The parameter 'maxCandidates' must be a whole number.")
        })? as usize),
    };
    let organizer_optional = bool_param(&body, "isOrganizerOptional")?;
    let reasons = bool_param(&body, "returnSuggestionReasons")?;
    let minimum = match get_ci(&body, "minimumAttendeePercentage") {
        None | Some(Value::Null) => 50.0,
        Some(v) => v
            .as_f64()
            .filter(|p| (0.0..=100.0).contains(p))
            .ok_or_else(|| {
                GraphError::invalid_parameter(
                    "The parameter 'minimumAttendeePercentage' must be between 0 and 100.",
                )
            })?,
    };
    let locations = suggested_locations(&body);
    let zone = read_zone(req.headers);
    let store = req.state.lock();
    let (domain, slots) = time_slots(&body, store.now())?;
    let horizon = (
        slots
            .iter()
            .map(|s| s.0)
            .min()
            .unwrap_or_else(|| store.now()),
        slots
            .iter()
            .map(|s| s.1)
            .max()
            .unwrap_or_else(|| store.now()),
    );
    let attendees = attendees(&store, &body, horizon)?;
    let organizer = busy_items(&store.users[req.user_idx], horizon.0, horizon.1);

    let step = Duration::minutes(30);
    let mut found: Vec<(f64, DateTime<Utc>, Value)> = Vec::new();
    for (slot_start, slot_end) in slots {
        let mut t = slot_start;
        while t + duration <= slot_end {
            let end = t + duration;
            if allowed(&domain, t, end) {
                let org_status = status_between(&organizer, t, end).to_string();
                let statuses: Vec<&str> = attendees.iter().map(|a| a.status(t, end)).collect();
                let n = statuses.len().max(1) as f64;
                let confidence = if statuses.is_empty() {
                    100.0
                } else {
                    statuses.iter().map(|s| chance(s)).sum::<f64>() / n
                };
                // Share of attendees not blocked (busy / oof) [unconfirmed: the docs
                // call minimumAttendeePercentage the minimum confidence].
                let available = statuses
                    .iter()
                    .filter(|s| !matches!(**s, "busy" | "oof"))
                    .count();
                let share = if statuses.is_empty() {
                    100.0
                } else {
                    available as f64 * 100.0 / n
                };
                if share >= minimum && (organizer_optional || org_status == "free") {
                    let suggestion = json!({
                        "confidence": confidence,
                        "organizerAvailability": org_status,
                        "attendeeAvailability": attendees.iter().zip(&statuses).map(|(a, s)| json!({
                            "attendee": a.json,
                            "availability": s,
                        })).collect::<Vec<_>>(),
                        "locations": locations,
                        "meetingTimeSlot": {"start": zone.dtz(t), "end": zone.dtz(end)},
                        "suggestionReason": if reasons {
                            // [unconfirmed] Graph's wording.
                            if confidence >= 100.0 {
                                "Suggested because it is one of the nearest times when all attendees are available."
                            } else {
                                "Suggested because it is one of the nearest times when most attendees are available."
                            }
                        } else {
                            ""
                        },
                    });
                    found.push((confidence, t, suggestion));
                }
            }
            t += step;
        }
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    if let Some(max) = max_candidates {
        found.truncate(max);
    }
    let suggestions: Vec<Value> = found
        .into_iter()
        .enumerate()
        .map(|(i, (_, _, mut s))| {
            s["order"] = json!(i + 1);
            s
        })
        .collect();
    let out = json!({
        "@odata.context": format!("{}/v1.0/$metadata#microsoft.graph.meetingTimeSuggestionsResult", req.ctx.origin),
        // [unconfirmed] reason when nothing fits.
        "emptySuggestionsReason": if suggestions.is_empty() { "attendeesUnavailable" } else { "" },
        "meetingTimeSuggestions": suggestions,
    });
    let mut resp = json_response(StatusCode::OK, &out);
    mark_applied(&mut resp, req.headers);
    Ok(resp)
}

/// The `attendees` parameter (`attendeeBase[]`), each with its calendar when it is a
/// sandbox user.
fn attendees(
    store: &Store,
    body: &Map<String, Value>,
    (from, to): Window,
) -> Result<Vec<Who>, GraphError> {
    let mut out = Vec::new();
    for a in get_ci(body, "attendees")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let r = recipient(a)?;
        let ty = a
            .as_object()
            .and_then(|o| get_ci(o, "type"))
            .and_then(Value::as_str)
            .unwrap_or("required")
            .to_string();
        let address = r["emailAddress"]["address"].as_str().unwrap_or("");
        let items = store
            .users
            .iter()
            .find(|u| u.has_mailbox && u.address.eq_ignore_ascii_case(address))
            .map(|u| busy_items(u, from, to));
        out.push(Who {
            json: json!({"type": ty, "emailAddress": r["emailAddress"]}),
            items,
        });
    }
    Ok(out)
}

/// Locations of `locationConstraint.locations`, offered with every suggestion
/// [unconfirmed: Graph checks room availability].
fn suggested_locations(body: &Map<String, Value>) -> Vec<Value> {
    get_ci(body, "locationConstraint")
        .and_then(Value::as_object)
        .and_then(|lc| get_ci(lc, "locations"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|l| {
            let mut out = Map::new();
            for k in ["displayName", "locationEmailAddress"] {
                if let Some(v) = get_ci(l, k) {
                    out.insert(k.into(), v.clone());
                }
            }
            Value::Object(out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT1H"), Some(Duration::hours(1)));
        assert_eq!(parse_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("1H"), None);
    }

    #[test]
    fn work_hours() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 2026-12-07 is a Monday.
        assert!(allowed(
            "work",
            t("2026-12-07T08:00:00Z"),
            t("2026-12-07T09:00:00Z")
        ));
        assert!(allowed(
            "work",
            t("2026-12-07T16:00:00Z"),
            t("2026-12-07T17:00:00Z")
        ));
        assert!(!allowed(
            "work",
            t("2026-12-07T16:30:00Z"),
            t("2026-12-07T17:30:00Z")
        ));
        assert!(!allowed(
            "work",
            t("2026-12-05T10:00:00Z"),
            t("2026-12-05T11:00:00Z")
        ));
        assert!(allowed(
            "unrestricted",
            t("2026-12-05T02:00:00Z"),
            t("2026-12-05T03:00:00Z")
        ));
    }
}
