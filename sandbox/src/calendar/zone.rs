//! Time zones and `dateTimeTimeZone` values (GRAPH-FACTS §4.6): Windows zone names
//! ("Pacific Standard Time"), IANA names ("America/Los_Angeles") and "UTC"; dateTime
//! text with 7 fractional digits; the `Prefer: outlook.timezone="…"` preference (§7).

use std::str::FromStr;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone as _, Timelike as _, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};
use windows_timezones::WindowsTimezone;

use crate::graph_error::GraphError;
use crate::wire::{get_ci, preference};

/// A zone as the client named it, resolved to tz data.
#[derive(Debug, Clone)]
pub(crate) struct Zone {
    /// The name as given (echoed in `timeZone` and `Preference-Applied`).
    pub name: String,
    pub tz: Tz,
}

impl Zone {
    pub(crate) fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            tz: Tz::UTC,
        }
    }

    /// Resolves a Windows or IANA zone name (or "UTC", any case).
    pub(crate) fn parse(name: &str) -> Option<Zone> {
        let n = name.trim();
        let tz = if n.eq_ignore_ascii_case("utc") {
            Tz::UTC
        } else if let Ok(w) = WindowsTimezone::from_str(n) {
            w.into()
        } else {
            Tz::from_str(n).ok()?
        };
        Some(Zone {
            name: n.to_string(),
            tz,
        })
    }

    /// Like [`Zone::parse`], with Graph's 400 for an unknown name.
    pub(crate) fn require(name: &str) -> Result<Zone, GraphError> {
        Zone::parse(name).ok_or_else(|| unsupported_zone(name))
    }

    /// Local wall-clock time in this zone → instant. A time skipped by a DST change
    /// moves forward by the gap, an ambiguous one takes the earlier instant
    /// [unconfirmed: what Exchange does with such times].
    pub(crate) fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
            LocalResult::None => {
                let later = local + chrono::Duration::hours(1);
                match self.tz.from_local_datetime(&later) {
                    LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                    LocalResult::None => local.and_utc(),
                }
            }
        }
    }

    /// Instant → wall-clock time in this zone.
    pub(crate) fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.tz).naive_local()
    }

    /// `{"dateTime": "…(7 digits)", "timeZone": name}` of an instant in this zone.
    pub(crate) fn dtz(&self, t: DateTime<Utc>) -> Value {
        json!({"dateTime": format_local(self.local(t)), "timeZone": self.name})
    }
}

/// 400 for an unknown time zone name. Code and text as reported from live Graph
/// answers; both [unconfirmed].
pub(crate) fn unsupported_zone(name: &str) -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "TimeZoneNotSupportedException",
        format!(
            "A valid TimeZone value must be specified. The following TimeZone value is not supported: '{name}'."
        ),
    )
}

/// `2026-12-01T15:00:00.0000000`: Graph's dateTime text (7 fractional digits).
pub(crate) fn format_local(t: NaiveDateTime) -> String {
    format!(
        "{}.{:07}",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.nanosecond() % 1_000_000_000 / 100
    )
}

/// `2026-12-01T15:00:00.1234567Z`: how Graph writes event timestamps
/// (`createdDateTime`, `responseStatus.time`, upload-session expiry).
pub(crate) fn format_utc7(t: DateTime<Utc>) -> String {
    format!("{}Z", format_local(t.naive_utc()))
}

/// The `responseStatus.time` of a response never given.
pub(crate) const NO_TIME: &str = "0001-01-01T00:00:00Z";

fn bad_datetime(text: &str) -> GraphError {
    // [unconfirmed] code/text for a dateTime Graph cannot read.
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidRequest",
        format!("The value '{text}' of the property 'dateTime' is not a valid date and time."),
    )
}

/// Reads a `dateTime` text: `YYYY-MM-DDTHH:MM[:SS[.f{0,7}]]`. A trailing `Z` or UTC
/// offset is accepted and converted into `zone` [unconfirmed: Graph's handling].
pub(crate) fn parse_local(text: &str, zone: &Zone) -> Result<NaiveDateTime, GraphError> {
    let s = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(zone.local(t.with_timezone(&Utc)));
    }
    let digits = s.split_once('.').map_or(0, |(_, f)| {
        f.chars().take_while(char::is_ascii_digit).count()
    });
    if digits > 7 {
        return Err(bad_datetime(text));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .map_err(|_| bad_datetime(text))
}

/// A parsed `dateTimeTimeZone`.
#[derive(Debug, Clone)]
pub(crate) struct Dtz {
    pub local: NaiveDateTime,
    pub zone: Zone,
}

impl Dtz {
    /// Reads a `dateTimeTimeZone` object (`dateTime` required; `timeZone` defaults to
    /// UTC; `@odata.type` ignored). `what` names the property in errors.
    pub(crate) fn from_json(v: &Value, what: &str) -> Result<Dtz, GraphError> {
        let Some(o) = v.as_object() else {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidRequest",
                // [unconfirmed] code/text.
                format!("The property '{what}' must be a dateTimeTimeZone object."),
            ));
        };
        let zone = match get_ci(o, "timeZone").and_then(Value::as_str) {
            Some(n) if !n.trim().is_empty() => Zone::require(n)?,
            _ => Zone::utc(),
        };
        let text = get_ci(o, "dateTime").and_then(Value::as_str).unwrap_or("");
        let local = parse_local(text, &zone)?;
        Ok(Dtz { local, zone })
    }

    pub(crate) fn utc(&self) -> DateTime<Utc> {
        self.zone.to_utc(self.local)
    }

    /// Stored form: `{"dateTime": "…(7 digits)", "timeZone": name as given}`.
    pub(crate) fn to_json(&self) -> Value {
        json!({"dateTime": format_local(self.local), "timeZone": self.zone.name})
    }
}

/// The instant of a stored `dateTimeTimeZone` (stored values are always valid).
pub(crate) fn instant(v: &Value) -> Option<DateTime<Utc>> {
    Dtz::from_json(v, "").ok().map(|d| d.utc())
}

/// A stored `dateTimeTimeZone` converted into `zone`.
pub(crate) fn convert(v: &Value, zone: &Zone) -> Value {
    match instant(v) {
        Some(t) => zone.dtz(t),
        None => v.clone(),
    }
}

/// A `timeSlot {start, end}` converted into `zone`.
pub(crate) fn convert_slot(v: &Value, zone: &Zone) -> Value {
    let mut out = Map::new();
    for k in ["start", "end"] {
        if let Some(x) = v.get(k) {
            out.insert(k.into(), convert(x, zone));
        }
    }
    Value::Object(out)
}

/// The zone of `Prefer: outlook.timezone="…"`. Several preferences may share one
/// header, comma separated (RFC 7240), and several `Prefer` headers may be sent. An
/// unknown zone name is ignored (answer in UTC, no `Preference-Applied`)
/// [unconfirmed].
pub(crate) fn preferred_zone(headers: &HeaderMap) -> Option<Zone> {
    preference(headers, "outlook.timezone").and_then(|v| Zone::parse(&v))
}

/// The zone a read answers in: the preferred one or UTC.
pub(crate) fn read_zone(headers: &HeaderMap) -> Zone {
    preferred_zone(headers).unwrap_or_else(Zone::utc)
}

/// Adds `Preference-Applied: outlook.timezone="…"` when the request asked for a zone.
pub(crate) fn mark_applied(resp: &mut Response, headers: &HeaderMap) {
    if let Some(z) = preferred_zone(headers) {
        if let Ok(v) = HeaderValue::from_str(&format!("outlook.timezone=\"{}\"", z.name)) {
            resp.headers_mut().insert("preference-applied", v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_iana_and_utc() {
        assert_eq!(
            Zone::parse("Pacific Standard Time").unwrap().tz,
            Tz::America__Los_Angeles
        );
        assert_eq!(Zone::parse("Europe/Berlin").unwrap().tz, Tz::Europe__Berlin);
        assert_eq!(Zone::parse("utc").unwrap().tz, Tz::UTC);
        assert!(Zone::parse("Mars/Olympus").is_none());
    }

    #[test]
    fn parses_fractions_and_converts() {
        let z = Zone::parse("Pacific Standard Time").unwrap();
        let t = parse_local("2026-12-01T07:00:00.1234567", &z).unwrap();
        assert_eq!(format_local(t), "2026-12-01T07:00:00.1234567");
        assert_eq!(
            format_local(parse_local("2026-12-01T07:00", &z).unwrap()),
            "2026-12-01T07:00:00.0000000"
        );
        assert!(parse_local("2026-12-01T07:00:00.12345678", &z).is_err());
        assert_eq!(z.to_utc(t).format("%H").to_string(), "15");
    }

    #[test]
    fn prefer_with_several_preferences() {
        let mut h = HeaderMap::new();
        h.insert(
            "prefer",
            HeaderValue::from_static(
                "IdType=\"ImmutableId\", outlook.timezone=\"Pacific Standard Time\"",
            ),
        );
        assert_eq!(preferred_zone(&h).unwrap().name, "Pacific Standard Time");
    }
}
