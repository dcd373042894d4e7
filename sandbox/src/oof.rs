//! Whether a mailbox's automatic replies ("out of office", OOF) are on at an instant,
//! from its `automaticRepliesSetting` (GRAPH-FACTS-2 §7.4; resource page
//! <https://learn.microsoft.com/graph/api/resources/automaticrepliessetting>):
//! `alwaysEnabled`, or `scheduled` with the instant inside
//! `[scheduledStartDateTime, scheduledEndDateTime)`. One answer for the replies sent on
//! delivery ([`crate::arrival`]) and the `automaticReplies` MailTip.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::calendar::zone::instant;

/// The scheduled window of an `automaticRepliesSetting` (stored values are valid
/// `dateTimeTimeZone`s; `None` when either end is missing).
pub(crate) fn window(setting: &Value) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    Some((
        instant(setting.get("scheduledStartDateTime")?)?,
        instant(setting.get("scheduledEndDateTime")?)?,
    ))
}

/// Whether the automatic replies of a mailbox with these `mailboxSettings` are on at
/// `now`.
pub(crate) fn is_on(settings: &Map<String, Value>, now: DateTime<Utc>) -> bool {
    let Some(setting) = settings.get("automaticRepliesSetting") else {
        return false;
    };
    match setting.get("status").and_then(Value::as_str) {
        Some("alwaysEnabled") => true,
        Some("scheduled") => window(setting).is_some_and(|(start, end)| start <= now && now < end),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(status: &str) -> Map<String, Value> {
        let Value::Object(m) = json!({"automaticRepliesSetting": {
            "status": status,
            "scheduledStartDateTime": {"dateTime": "2026-12-20T18:00:00.0000000", "timeZone": "UTC"},
            "scheduledEndDateTime": {"dateTime": "2026-12-28T18:00:00.0000000", "timeZone": "W. Europe Standard Time"},
        }}) else {
            unreachable!()
        };
        m
    }

    #[test]
    fn scheduled_is_on_inside_the_half_open_window_only() {
        let s = settings("scheduled");
        let at = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
        assert!(!is_on(&s, at("2026-12-20T17:59:59Z")));
        assert!(is_on(&s, at("2026-12-20T18:00:00Z")));
        // 18:00 in Berlin (UTC+1 in December) is 17:00 UTC.
        assert!(is_on(&s, at("2026-12-28T16:59:59Z")));
        assert!(!is_on(&s, at("2026-12-28T17:00:00Z")));
        assert!(is_on(
            &settings("alwaysEnabled"),
            at("2020-01-01T00:00:00Z")
        ));
        assert!(!is_on(&settings("disabled"), at("2026-12-21T00:00:00Z")));
    }
}
