//! A mailbox's `mailboxSettings` (GRAPH-FACTS §6.3; docs "Get user mailbox settings",
//! "Update user mailbox settings"): the defaults of a new mailbox and applying a
//! `PATCH` body with Graph's documented validation.

use axum::http::StatusCode;
use chrono::{DateTime, DurationRound as _, NaiveTime, Utc};
use serde_json::{json, Map, Value};

use crate::calendar::zone::{Dtz, Zone};
use crate::graph_error::GraphError;
use crate::wire::get_ci;

/// Values of `delegateMeetingMessageDeliveryOptions` (CSDL).
pub(crate) const DELIVERY_OPTIONS: [&str; 3] = [
    "sendToDelegateOnly",
    "sendToDelegateAndInformationToPrincipal",
    "sendToDelegateAndPrincipal",
];

/// Properties a PATCH may change ("Update user mailbox settings", request body).
const WRITABLE: [&str; 7] = [
    "automaticRepliesSetting",
    "dateFormat",
    "delegateMeetingMessageDeliveryOptions",
    "language",
    "timeFormat",
    "timeZone",
    "workingHours",
];

/// Read-only properties: ignored in a PATCH body [unconfirmed: Graph may refuse them].
const READ_ONLY: [&str; 2] = ["archiveFolder", "userPurpose"];

const DAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// The settings of a new mailbox: UTC, en-US formats as the docs' examples show them
/// (`M/d/yyyy`, `h:mm tt`), automatic replies disabled (scheduled from the hour of
/// creation for one day [unconfirmed]), working hours Monday–Friday 08:00–17:00 UTC
/// (what the sandbox's free/busy assumes), `userPurpose` `user` (a CSDL enum string;
/// an older doc example shows `{"value": "user"}`), delegate meeting messages to the
/// delegates only (the documented default).
pub(crate) fn defaults(archive_folder_id: &str, now: DateTime<Utc>) -> Map<String, Value> {
    let start = now
        .duration_trunc(chrono::Duration::hours(1))
        .unwrap_or(now);
    let utc = Zone::utc();
    let Value::Object(m) = json!({
        "archiveFolder": archive_folder_id,
        "timeZone": "UTC",
        "automaticRepliesSetting": {
            "status": "disabled",
            "externalAudience": "all",
            "internalReplyMessage": "",
            "externalReplyMessage": "",
            "scheduledStartDateTime": utc.dtz(start),
            "scheduledEndDateTime": utc.dtz(start + chrono::Duration::days(1)),
        },
        "language": {"locale": "en-US", "displayName": "English (United States)"},
        "dateFormat": "M/d/yyyy",
        "timeFormat": "h:mm tt",
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": "UTC"},
        },
        "userPurpose": "user",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
    }) else {
        unreachable!("a JSON object literal")
    };
    m
}

/// The property names `GET …/mailboxSettings/{property}` serves (the documented ones
/// plus `archiveFolder`), canonical spelling.
pub(crate) fn property_name(name: &str) -> Option<&'static str> {
    WRITABLE
        .iter()
        .chain(READ_ONLY.iter())
        .find(|p| p.eq_ignore_ascii_case(name))
        .copied()
}

/// OData's 400 for a property the type does not have. Text is the OData library's;
/// the code is [unconfirmed].
fn unknown_property(name: &str, ty: &str) -> GraphError {
    GraphError::bad_request(format!(
        "The property '{name}' does not exist on type 'microsoft.graph.{ty}'. Make sure to only use property names that are defined by the type or mark the type as open type."
    ))
}

/// An invalid enum value. Code and text as documented for an invalid day in
/// `workingHours.daysOfWeek` ("Update user mailbox settings", Errors); for the other
/// enums [unconfirmed].
fn not_found_value(v: &str) -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "InvalidArguments",
        format!("Requested value '{v}' was not found."),
    )
}

/// Documented: "Invalid **timeZone**" → 400 `InvalidTimeZone`.
fn invalid_zone() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "InvalidTimeZone",
        "Time Zone settings provided are invalid.",
    )
}

fn enum_value(v: &Value, allowed: &[&'static str]) -> Result<&'static str, GraphError> {
    let s = v.as_str().unwrap_or("");
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(s))
        .copied()
        .ok_or_else(|| not_found_value(&text_of(v)))
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn string_value(v: &Value, name: &str) -> Result<Value, GraphError> {
    match v {
        Value::String(s) => Ok(json!(s)),
        // OData's text for a non-string; code [unconfirmed].
        _ => Err(GraphError::bad_request(format!(
            "Cannot convert the value of the property '{name}' to the expected type 'Edm.String'."
        ))),
    }
}

/// Applies a PATCH body to `settings`; returns the names of the changed top-level
/// properties (canonical spelling, body order). Nothing changes when any value is
/// refused.
pub(crate) fn patch(
    settings: &mut Map<String, Value>,
    body: &Map<String, Value>,
) -> Result<Vec<&'static str>, GraphError> {
    let mut next = settings.clone();
    let mut changed = Vec::new();
    for (key, value) in body {
        if key.starts_with('@') {
            continue;
        }
        if READ_ONLY.iter().any(|p| p.eq_ignore_ascii_case(key)) {
            continue;
        }
        let Some(name) = WRITABLE
            .iter()
            .find(|p| p.eq_ignore_ascii_case(key))
            .copied()
        else {
            return Err(unknown_property(key, "mailboxSettings"));
        };
        if value.is_null() {
            // [unconfirmed] what Graph does with null: the value is kept.
            continue;
        }
        let new = match name {
            "dateFormat" | "timeFormat" => string_value(value, name)?,
            "timeZone" => {
                let z = value.as_str().ok_or_else(invalid_zone)?;
                Zone::parse(z).ok_or_else(invalid_zone)?;
                json!(z.trim())
            }
            "delegateMeetingMessageDeliveryOptions" => json!(enum_value(value, &DELIVERY_OPTIONS)?),
            "automaticRepliesSetting" => {
                automatic_replies(next.get(name).cloned().unwrap_or(json!({})), value)?
            }
            "language" => language(next.get(name).cloned().unwrap_or(json!({})), value)?,
            _ => working_hours(next.get(name).cloned().unwrap_or(json!({})), value)?,
        };
        next.insert(name.into(), new);
        if !changed.contains(&name) {
            changed.push(name);
        }
    }
    *settings = next;
    Ok(changed)
}

fn object<'a>(v: &'a Value, ty: &str) -> Result<&'a Map<String, Value>, GraphError> {
    v.as_object().ok_or_else(|| {
        // [unconfirmed] text for a non-object complex value.
        GraphError::bad_request(format!(
            "Cannot convert the value to the expected type 'microsoft.graph.{ty}'."
        ))
    })
}

fn automatic_replies(mut current: Value, patch: &Value) -> Result<Value, GraphError> {
    for (k, v) in object(patch, "automaticRepliesSetting")? {
        if k.starts_with('@') {
            continue;
        }
        let (name, new) = match k.to_ascii_lowercase().as_str() {
            "status" => (
                "status",
                json!(enum_value(v, &["disabled", "alwaysEnabled", "scheduled"])?),
            ),
            "externalaudience" => (
                "externalAudience",
                json!(enum_value(v, &["none", "contactsOnly", "all"])?),
            ),
            "internalreplymessage" => (
                "internalReplyMessage",
                string_value(v, "internalReplyMessage")?,
            ),
            "externalreplymessage" => (
                "externalReplyMessage",
                string_value(v, "externalReplyMessage")?,
            ),
            "scheduledstartdatetime" => (
                "scheduledStartDateTime",
                Zone::utc().dtz(Dtz::from_json(v, "scheduledStartDateTime")?.utc()),
            ),
            "scheduledenddatetime" => (
                "scheduledEndDateTime",
                Zone::utc().dtz(Dtz::from_json(v, "scheduledEndDateTime")?.utc()),
            ),
            _ => return Err(unknown_property(k, "automaticRepliesSetting")),
        };
        current[name] = new;
    }
    Ok(current)
}

/// Refuses a `scheduled` window that ends before it starts or is not in the future:
/// automatic replies can be set "for only a future date range" (GRAPH-FACTS-2 §7.4,
/// "automaticRepliesSetting resource type"). A window that already started but ends
/// later is accepted (the replies start at once). The answer is not documented for
/// Graph; `400 ErrorInvalidScheduledOofDuration` is EWS's response code for an invalid
/// scheduled OOF duration, text \[unconfirmed\].
pub(crate) fn check_schedule(
    settings: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<(), GraphError> {
    let setting = &settings["automaticRepliesSetting"];
    if setting["status"] != "scheduled" {
        return Ok(());
    }
    match crate::oof::window(setting) {
        Some((start, end)) if start < end && now < end => Ok(()),
        _ => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidScheduledOofDuration",
            "The scheduled Out of Office duration must end after it starts and in the future.",
        )),
    }
}

/// Display names of a few locales; others keep the given name or the locale
/// [unconfirmed: Exchange fills in the localized name].
const LOCALES: [(&str, &str); 6] = [
    ("en-US", "English (United States)"),
    ("en-GB", "English (United Kingdom)"),
    ("de-DE", "German (Germany)"),
    ("fr-FR", "French (France)"),
    ("es-ES", "Spanish (Spain)"),
    ("it-IT", "Italian (Italy)"),
];

fn language(mut current: Value, patch: &Value) -> Result<Value, GraphError> {
    let p = object(patch, "localeInfo")?;
    let mut display = None;
    for (k, v) in p {
        if k.starts_with('@') {
            continue;
        }
        match k.to_ascii_lowercase().as_str() {
            "locale" => {
                let loc = string_value(v, "locale")?;
                let known = LOCALES
                    .iter()
                    .find(|(l, _)| loc.as_str().is_some_and(|x| x.eq_ignore_ascii_case(l)));
                current["locale"] = known.map_or(loc.clone(), |(l, _)| json!(l));
                current["displayName"] = known.map_or(loc, |(_, n)| json!(n));
            }
            "displayname" => display = Some(string_value(v, "displayName")?),
            _ => return Err(unknown_property(k, "localeInfo")),
        }
    }
    if let Some(d) = display {
        current["displayName"] = d;
    }
    Ok(current)
}

/// `HH:MM:SS[.fffffff]` (Edm.TimeOfDay) → the 7-digit form Graph returns.
fn time_of_day(v: &Value) -> Result<NaiveTime, GraphError> {
    let s = v.as_str().unwrap_or("");
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f").map_err(|_| {
        // Documented: "Invalid startTime or endTime" → 400 RequestBodyRead.
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "RequestBodyRead",
            format!(
                "Cannot convert the literal '{}' to the expected type 'Edm.TimeOfDay'.",
                text_of(v)
            ),
        )
    })
}

fn format_time(t: NaiveTime) -> String {
    format!(
        "{}.{:07}",
        t.format("%H:%M:%S"),
        chrono::Timelike::nanosecond(&t) / 100
    )
}

fn working_hours(mut current: Value, patch: &Value) -> Result<Value, GraphError> {
    for (k, v) in object(patch, "workingHours")? {
        if k.starts_with('@') {
            continue;
        }
        match k.to_ascii_lowercase().as_str() {
            "daysofweek" => {
                let list = v.as_array().cloned().unwrap_or_default();
                let mut days = Vec::new();
                for d in &list {
                    days.push(json!(enum_value(d, &DAYS)?));
                }
                current["daysOfWeek"] = Value::Array(days);
            }
            "starttime" => current["startTime"] = json!(format_time(time_of_day(v)?)),
            "endtime" => current["endTime"] = json!(format_time(time_of_day(v)?)),
            "timezone" => current["timeZone"] = time_zone(v)?,
            _ => return Err(unknown_property(k, "workingHours")),
        }
    }
    let start = current.get("startTime").map(time_of_day).transpose()?;
    let end = current.get("endTime").map(time_of_day).transpose()?;
    if let (Some(s), Some(e)) = (start, end) {
        if s >= e {
            // Documented ("Update user mailbox settings", Errors).
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidTimeSettings",
                "Start Time should occur before End Time.",
            ));
        }
    }
    Ok(current)
}

/// `workingHours.timeZone`: a `timeZoneBase` `{name}` naming a Windows / IANA zone, or
/// a `#microsoft.graph.customTimeZone` (kept as given).
fn time_zone(v: &Value) -> Result<Value, GraphError> {
    let o = v.as_object().ok_or_else(invalid_zone)?;
    let custom = get_ci(o, "@odata.type")
        .and_then(Value::as_str)
        .is_some_and(|t| {
            t.trim_start_matches('#')
                .eq_ignore_ascii_case("microsoft.graph.customTimeZone")
        });
    if custom {
        return Ok(v.clone());
    }
    let name = get_ci(o, "name")
        .and_then(Value::as_str)
        .ok_or_else(invalid_zone)?;
    Zone::parse(name).ok_or_else(invalid_zone)?;
    Ok(json!({"name": name.trim()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_validates_and_merges() {
        let mut s = defaults("AAMkAarch", Utc::now());
        let body = json!({
            "@odata.context": "x",
            "delegateMeetingMessageDeliveryOptions": "SendToDelegateAndPrincipal",
            "workingHours": {"daysOfWeek": ["Monday"], "startTime": "09:00:00"}
        });
        let changed = patch(&mut s, body.as_object().unwrap()).unwrap();
        assert_eq!(
            changed,
            ["delegateMeetingMessageDeliveryOptions", "workingHours"]
        );
        assert_eq!(
            s["delegateMeetingMessageDeliveryOptions"],
            "sendToDelegateAndPrincipal"
        );
        assert_eq!(s["workingHours"]["startTime"], "09:00:00.0000000");
        assert_eq!(s["workingHours"]["daysOfWeek"], json!(["monday"]));
        let bad = json!({"workingHours": {"startTime": "18:00:00"}});
        let e = patch(&mut s, bad.as_object().unwrap()).unwrap_err();
        assert_eq!(e.code, "ErrorInvalidTimeSettings");
        let e = patch(&mut s, json!({"timeZone": "Mars"}).as_object().unwrap()).unwrap_err();
        assert_eq!(e.code, "InvalidTimeZone");
        assert_eq!(s["workingHours"]["startTime"], "09:00:00.0000000");
    }
}
