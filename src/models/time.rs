//! `dateTimeTimeZone` ↔ chrono, and time zone names (GRAPH-FACTS §4.6, §7).
//!
//! Graph writes a time as a wall-clock `dateTime` (no offset, up to 7 fractional digits) and
//! a `timeZone` name: a Windows name (`"Pacific Standard Time"`), one of a documented list of
//! IANA names, or `"UTC"`. Every Windows name is accepted, so zones given here as IANA names
//! ([`chrono_tz::Tz`]) are sent under their Windows name when CLDR's `windowsZones` table has
//! one (through the `windows-timezones` crate), and as the IANA name otherwise. Windows names
//! in answers map back to IANA through the same table.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone as _, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use windows_timezones::WindowsTimezone;

use super::DateTimeTimeZone;

/// A time or zone that cannot be turned into an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    /// `dateTime` is not `YYYY-MM-DDTHH:MM:SS[.fffffff]`.
    InvalidDateTime(String),
    /// `timeZone` is neither a Windows, IANA nor `UTC` name known to this crate.
    UnknownTimeZone(String),
    /// The wall-clock time does not exist in the zone (skipped by a daylight-saving change).
    NonexistentLocalTime(String),
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::InvalidDateTime(value) => write!(f, "{value:?} is not a Graph dateTime"),
            TimeError::UnknownTimeZone(name) => write!(f, "unknown time zone {name:?}"),
            TimeError::NonexistentLocalTime(value) => {
                write!(
                    f,
                    "{value} does not exist in its time zone (daylight-saving gap)"
                )
            }
        }
    }
}

impl std::error::Error for TimeError {}

/// The IANA zone for a name Graph uses: a Windows name (`"W. Europe Standard Time"`), an IANA
/// name (`"Europe/Berlin"`) or `"UTC"`.
///
/// ```
/// use msgraph_outlook::models::iana_zone;
/// assert_eq!(iana_zone("Pacific Standard Time"), Some(chrono_tz::America::Los_Angeles));
/// assert_eq!(iana_zone("Europe/Paris"), Some(chrono_tz::Europe::Paris));
/// assert_eq!(iana_zone("UTC"), Some(chrono_tz::UTC));
/// assert_eq!(iana_zone("Mars Standard Time"), None);
/// ```
pub fn iana_zone(name: &str) -> Option<Tz> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("utc") {
        return Some(Tz::UTC);
    }
    if let Ok(windows) = WindowsTimezone::from_str(name) {
        return Some(windows.into());
    }
    Tz::from_str(name).ok()
}

/// The name to send Graph for `zone`: its Windows name when CLDR has one (every Windows name
/// is accepted by Graph, only some IANA names are), `"UTC"` for UTC, else the IANA name.
///
/// ```
/// use msgraph_outlook::models::graph_zone_name;
/// assert_eq!(graph_zone_name(chrono_tz::America::Los_Angeles), "Pacific Standard Time");
/// assert_eq!(graph_zone_name(chrono_tz::Europe::Berlin), "W. Europe Standard Time");
/// assert_eq!(graph_zone_name(chrono_tz::Etc::UTC), "UTC");
/// ```
pub fn graph_zone_name(zone: Tz) -> String {
    if matches!(
        zone,
        Tz::UTC | Tz::Etc__UTC | Tz::Etc__UCT | Tz::Etc__Zulu | Tz::UCT | Tz::Zulu
    ) {
        return "UTC".to_string();
    }
    match WindowsTimezone::try_from(zone) {
        Ok(windows) => windows.name().to_string(),
        Err(_) => zone.name().to_string(),
    }
}

/// A zone name as given by a user, normalized for Graph: an IANA name becomes its Windows
/// name when there is one; anything else is passed through as written.
pub(crate) fn normalize_zone_name(name: &str) -> String {
    match Tz::from_str(name.trim()) {
        Ok(zone) => graph_zone_name(zone),
        Err(_) => name.trim().to_string(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, with fractional seconds (at most Graph's 7 digits) only when needed.
fn format_wall_clock(time: NaiveDateTime) -> String {
    let base = time.format("%Y-%m-%dT%H:%M:%S").to_string();
    let hundreds_of_ns = time.nanosecond() % 1_000_000_000 / 100;
    if hundreds_of_ns == 0 {
        base
    } else {
        format!("{base}.{hundreds_of_ns:07}")
    }
}

impl DateTimeTimeZone {
    /// An instant, written in UTC.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use msgraph_outlook::models::DateTimeTimeZone;
    /// let start = DateTimeTimeZone::utc(Utc.with_ymd_and_hms(2026, 12, 2, 15, 0, 0).unwrap());
    /// assert_eq!((start.date_time.as_str(), start.time_zone.as_str()), ("2026-12-02T15:00:00", "UTC"));
    /// ```
    pub fn utc(instant: DateTime<Utc>) -> Self {
        DateTimeTimeZone::new(format_wall_clock(instant.naive_utc()), "UTC")
    }

    /// An instant, written as wall-clock time in `zone` (so the event keeps that zone).
    ///
    /// ```
    /// use chrono::TimeZone;
    /// use chrono_tz::America::Los_Angeles;
    /// use msgraph_outlook::models::DateTimeTimeZone;
    /// let start = DateTimeTimeZone::zoned(Los_Angeles.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap());
    /// assert_eq!(start.date_time, "2026-12-01T09:30:00");
    /// assert_eq!(start.time_zone, "Pacific Standard Time");
    /// ```
    pub fn zoned(instant: DateTime<Tz>) -> Self {
        DateTimeTimeZone::new(
            format_wall_clock(instant.naive_local()),
            graph_zone_name(instant.timezone()),
        )
    }

    /// A wall-clock time in `zone`, as written (it may fall in a daylight-saving gap; Graph
    /// resolves that itself).
    pub fn local(wall_clock: NaiveDateTime, zone: Tz) -> Self {
        DateTimeTimeZone::new(format_wall_clock(wall_clock), graph_zone_name(zone))
    }

    /// The wall-clock time, with 0 to 9 fractional digits accepted (Graph answers with 7).
    pub fn wall_clock(&self) -> Result<NaiveDateTime, TimeError> {
        let text = self.date_time.trim();
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .map_err(|_| TimeError::InvalidDateTime(self.date_time.clone()))
    }

    /// The zone, mapped to IANA (Windows names through CLDR's table).
    pub fn zone(&self) -> Result<Tz, TimeError> {
        iana_zone(&self.time_zone).ok_or_else(|| TimeError::UnknownTimeZone(self.time_zone.clone()))
    }

    /// The instant in `zone`. A wall-clock time repeated by a daylight-saving change is read
    /// as its first occurrence.
    pub fn to_zoned(&self) -> Result<DateTime<Tz>, TimeError> {
        let zone = self.zone()?;
        let wall_clock = self.wall_clock()?;
        match zone.from_local_datetime(&wall_clock) {
            LocalResult::Single(instant) => Ok(instant),
            LocalResult::Ambiguous(first, _) => Ok(first),
            LocalResult::None => Err(TimeError::NonexistentLocalTime(format!(
                "{} {}",
                self.date_time, self.time_zone
            ))),
        }
    }

    /// The instant in UTC, whatever zone Graph answered in.
    ///
    /// ```
    /// use msgraph_outlook::models::DateTimeTimeZone;
    /// let start = DateTimeTimeZone::new("2026-12-01T09:30:00.0000000", "Pacific Standard Time");
    /// assert_eq!(start.to_utc().unwrap().to_rfc3339(), "2026-12-01T17:30:00+00:00");
    /// ```
    pub fn to_utc(&self) -> Result<DateTime<Utc>, TimeError> {
        Ok(self.to_zoned()?.with_timezone(&Utc))
    }
}

/// `timeSlot`: a start and an end, e.g. a proposed new meeting time.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use msgraph_outlook::models::TimeSlot;
/// let slot = TimeSlot::utc(
///     Utc.with_ymd_and_hms(2026, 12, 2, 15, 0, 0).unwrap(),
///     Utc.with_ymd_and_hms(2026, 12, 2, 16, 0, 0).unwrap(),
/// );
/// assert_eq!(
///     serde_json::to_value(&slot).unwrap(),
///     serde_json::json!({
///         "start": {"dateTime": "2026-12-02T15:00:00", "timeZone": "UTC"},
///         "end": {"dateTime": "2026-12-02T16:00:00", "timeZone": "UTC"}
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimeSlot {
    /// Start.
    pub start: DateTimeTimeZone,
    /// End.
    pub end: DateTimeTimeZone,
}

impl TimeSlot {
    /// A slot from two times.
    pub fn new(start: DateTimeTimeZone, end: DateTimeTimeZone) -> Self {
        TimeSlot { start, end }
    }

    /// A slot between two instants, written in UTC.
    pub fn utc(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        TimeSlot::new(DateTimeTimeZone::utc(start), DateTimeTimeZone::utc(end))
    }

    /// A slot between two instants, written in their zone.
    pub fn zoned(start: DateTime<Tz>, end: DateTime<Tz>) -> Self {
        TimeSlot::new(DateTimeTimeZone::zoned(start), DateTimeTimeZone::zoned(end))
    }

    /// Start and end in UTC.
    pub fn to_utc(&self) -> Result<(DateTime<Utc>, DateTime<Utc>), TimeError> {
        Ok((self.start.to_utc()?, self.end.to_utc()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn seven_fractional_digits_parse_and_print() {
        let t = DateTimeTimeZone::new("2019-03-15T12:00:00.1234567", "UTC");
        let wall = t.wall_clock().unwrap();
        assert_eq!(wall.nanosecond(), 123_456_700);
        assert_eq!(
            DateTimeTimeZone::utc(wall.and_utc()).date_time,
            "2019-03-15T12:00:00.1234567"
        );
    }

    #[test]
    fn windows_names_in_answers_map_back_to_iana() {
        for (windows, iana) in [
            ("Pacific Standard Time", "America/Los_Angeles"),
            ("W. Europe Standard Time", "Europe/Berlin"),
            ("Eastern Standard Time", "America/New_York"),
            ("India Standard Time", "Asia/Calcutta"),
            ("Tokyo Standard Time", "Asia/Tokyo"),
        ] {
            assert_eq!(
                iana_zone(windows).map(|z| z.name()),
                Some(iana),
                "{windows}"
            );
        }
    }

    #[test]
    fn a_wall_clock_time_converts_through_daylight_saving() {
        // 09:00 Pacific is 17:00 UTC in winter and 16:00 UTC in summer.
        let winter = DateTimeTimeZone::new("2026-01-15T09:00:00", "Pacific Standard Time");
        let summer = DateTimeTimeZone::new("2026-07-15T09:00:00.0000000", "Pacific Standard Time");
        assert_eq!(
            winter.to_utc().unwrap().to_rfc3339(),
            "2026-01-15T17:00:00+00:00"
        );
        assert_eq!(
            summer.to_utc().unwrap().to_rfc3339(),
            "2026-07-15T16:00:00+00:00"
        );
    }

    #[test]
    fn gaps_unknown_zones_and_bad_times_are_errors() {
        let gap = DateTimeTimeZone::new("2026-03-08T02:30:00", "Pacific Standard Time");
        assert!(matches!(
            gap.to_utc(),
            Err(TimeError::NonexistentLocalTime(_))
        ));
        let unknown = DateTimeTimeZone::new("2026-03-08T02:30:00", "Atlantis Time");
        assert!(matches!(
            unknown.to_utc(),
            Err(TimeError::UnknownTimeZone(_))
        ));
        let bad = DateTimeTimeZone::new("2026-03-08 02:30", "UTC");
        assert!(matches!(bad.to_utc(), Err(TimeError::InvalidDateTime(_))));
    }

    #[test]
    fn local_and_zoned_send_windows_names() {
        let wall = NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(15, 0, 0)
            .unwrap();
        let t = DateTimeTimeZone::local(wall, chrono_tz::Europe::Paris);
        assert_eq!(t.time_zone, "Romance Standard Time");
        assert_eq!(
            normalize_zone_name("America/Los_Angeles"),
            "Pacific Standard Time"
        );
        assert_eq!(
            normalize_zone_name("Pacific Standard Time"),
            "Pacific Standard Time"
        );
    }
}
