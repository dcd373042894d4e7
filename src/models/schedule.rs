//! Free/busy and meeting-time suggestions: `getSchedule` and `findMeetingTimes` answers
//! (GRAPH-FACTS §5.7, §5.8).

use serde::{Deserialize, Serialize};

use super::{
    null_as_default, AttendeeType, DateTimeTimeZone, DayOfWeek, EmailAddress, FreeBusyStatus,
    Location, TimeSlot,
};

/// `scheduleItem`: one busy block of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScheduleItem {
    /// Start.
    #[serde(default)]
    pub start: Option<DateTimeTimeZone>,
    /// End.
    #[serde(default)]
    pub end: Option<DateTimeTimeZone>,
    /// How the time shows.
    #[serde(default)]
    pub status: Option<FreeBusyStatus>,
    /// Whether it is private (no subject or location then).
    #[serde(default)]
    pub is_private: Option<bool>,
    /// Subject, when visible.
    #[serde(default)]
    pub subject: Option<String>,
    /// Location, when visible.
    #[serde(default)]
    pub location: Option<String>,
}

/// `timeZoneBase`: a zone by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimeZoneBase {
    /// The zone name.
    #[serde(default)]
    pub name: Option<String>,
}

/// `workingHours`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkingHours {
    /// Working days.
    #[serde(default, deserialize_with = "null_as_default")]
    pub days_of_week: Vec<DayOfWeek>,
    /// Start of the day (`Edm.TimeOfDay`, `"08:00:00.0000000"`).
    #[serde(default)]
    pub start_time: Option<String>,
    /// End of the day.
    #[serde(default)]
    pub end_time: Option<String>,
    /// Zone of those times.
    #[serde(default)]
    pub time_zone: Option<TimeZoneBase>,
}

impl WorkingHours {
    /// Working `days` from `start` to `end` (wall-clock times, seconds kept, fractions
    /// dropped) in `zone`, sent under its Windows name when it has one.
    ///
    /// ```
    /// use chrono::NaiveTime;
    /// use msgraph_outlook::models::{DayOfWeek, WorkingHours};
    /// let hours = WorkingHours::new(
    ///     [DayOfWeek::Monday, DayOfWeek::Tuesday],
    ///     NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
    ///     NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
    ///     chrono_tz::Europe::London,
    /// );
    /// assert_eq!(
    ///     serde_json::to_value(&hours).unwrap(),
    ///     serde_json::json!({
    ///         "daysOfWeek": ["monday", "tuesday"],
    ///         "startTime": "08:30:00.0000000",
    ///         "endTime": "17:00:00.0000000",
    ///         "timeZone": {"name": "GMT Standard Time"}
    ///     })
    /// );
    /// ```
    pub fn new(
        days: impl IntoIterator<Item = DayOfWeek>,
        start: chrono::NaiveTime,
        end: chrono::NaiveTime,
        zone: chrono_tz::Tz,
    ) -> Self {
        // `Edm.TimeOfDay` as Graph writes it: seven fractional digits.
        let time = |t: chrono::NaiveTime| format!("{}.0000000", t.format("%H:%M:%S"));
        WorkingHours {
            days_of_week: days.into_iter().collect(),
            start_time: Some(time(start)),
            end_time: Some(time(end)),
            time_zone: Some(TimeZoneBase {
                name: Some(super::graph_zone_name(zone)),
            }),
        }
    }

    /// Working hours that end before they start: Graph answers `400
    /// ErrorInvalidTimeSettings` (docs, "Update mailboxSettings", Errors).
    pub(crate) fn check(&self) -> Result<(), crate::error::InvalidRequest> {
        let parse = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M:%S%.f").ok())
        };
        match (parse(&self.start_time), parse(&self.end_time)) {
            (Some(start), Some(end)) if end <= start => {
                Err(crate::error::InvalidRequest::InvalidValue {
                    reason: format!("working hours end ({end}) before they start ({start})"),
                })
            }
            _ => Ok(()),
        }
    }
}

/// `freeBusyError`: why a schedule could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FreeBusyError {
    /// What went wrong.
    #[serde(default)]
    pub message: Option<String>,
    /// The error code (e.g. `5006` for too many entries).
    #[serde(default)]
    pub response_code: Option<String>,
}

/// `scheduleInformation`: one person's, room's or list's availability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScheduleInformation {
    /// The SMTP address asked for.
    #[serde(default)]
    pub schedule_id: Option<String>,
    /// One digit per interval (see [`availability`](Self::availability)).
    #[serde(default)]
    pub availability_view: Option<String>,
    /// Busy blocks.
    #[serde(default, deserialize_with = "null_as_default")]
    pub schedule_items: Vec<ScheduleItem>,
    /// Working hours.
    #[serde(default)]
    pub working_hours: Option<WorkingHours>,
    /// Set when this schedule could not be read.
    #[serde(default)]
    pub error: Option<FreeBusyError>,
}

impl ScheduleInformation {
    /// `availabilityView` decoded, one status per interval: 0 free, 1 tentative, 2 busy,
    /// 3 out of office, 4 working elsewhere (the doc's example shows 0–2; 3 and 4 follow
    /// Exchange \[unconfirmed\]); any other digit is `Unknown`.
    pub fn availability(&self) -> Vec<FreeBusyStatus> {
        self.availability_view
            .as_deref()
            .unwrap_or_default()
            .chars()
            .map(|digit| match digit {
                '0' => FreeBusyStatus::Free,
                '1' => FreeBusyStatus::Tentative,
                '2' => FreeBusyStatus::Busy,
                '3' => FreeBusyStatus::Oof,
                '4' => FreeBusyStatus::WorkingElsewhere,
                _ => FreeBusyStatus::Unknown,
            })
            .collect()
    }

    /// Whether every interval is free (and the schedule could be read).
    pub fn is_free(&self) -> bool {
        self.error.is_none()
            && self.availability_view.is_some()
            && self
                .availability()
                .iter()
                .all(|status| *status == FreeBusyStatus::Free)
    }
}

/// `attendeeBase`: someone whose time `findMeetingTimes` considers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AttendeeBase {
    /// Required or optional person, or resource (room).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub attendee_type: Option<AttendeeType>,
    /// Who.
    #[serde(default)]
    pub email_address: EmailAddress,
}

impl AttendeeBase {
    /// A person (`required`).
    pub fn required(address: impl Into<String>) -> Self {
        AttendeeBase {
            attendee_type: Some(AttendeeType::Required),
            email_address: EmailAddress {
                address: Some(address.into()),
                name: None,
            },
        }
    }

    /// A room or equipment (`resource`).
    pub fn resource(address: impl Into<String>) -> Self {
        AttendeeBase {
            attendee_type: Some(AttendeeType::Resource),
            ..AttendeeBase::required(address)
        }
    }
}

/// `activityDomain`: which hours `findMeetingTimes` searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ActivityDomain {
    /// Working hours (the default).
    Work,
    /// Personal hours.
    Personal,
    /// Any time.
    Unrestricted,
    /// Unknown, or a value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `timeConstraint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimeConstraint {
    /// Which hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_domain: Option<ActivityDomain>,
    /// Windows to search in.
    #[serde(default, deserialize_with = "null_as_default")]
    pub time_slots: Vec<TimeSlot>,
}

/// `locationConstraintItem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LocationConstraintItem {
    /// The place.
    #[serde(flatten)]
    pub location: Location,
    /// Whether to check the room's availability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve_availability: Option<bool>,
}

/// `locationConstraint`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LocationConstraint {
    /// Whether the meeting needs a place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_required: Option<bool>,
    /// Whether Graph should suggest places.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggest_location: Option<bool>,
    /// Candidate places.
    #[serde(default, deserialize_with = "null_as_default")]
    pub locations: Vec<LocationConstraintItem>,
}

/// `attendeeAvailability`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AttendeeAvailability {
    /// Who.
    #[serde(default)]
    pub attendee: Option<AttendeeBase>,
    /// Their status in the slot.
    #[serde(default)]
    pub availability: Option<FreeBusyStatus>,
}

/// `meetingTimeSuggestion`: one candidate slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MeetingTimeSuggestion {
    /// Chance (0–100) that everyone attends.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Rank, 1 first.
    #[serde(default)]
    pub order: Option<i32>,
    /// The organizer's status.
    #[serde(default)]
    pub organizer_availability: Option<FreeBusyStatus>,
    /// Each attendee's status.
    #[serde(default, deserialize_with = "null_as_default")]
    pub attendee_availability: Vec<AttendeeAvailability>,
    /// Suggested places.
    #[serde(default, deserialize_with = "null_as_default")]
    pub locations: Vec<Location>,
    /// The slot.
    #[serde(default)]
    pub meeting_time_slot: Option<TimeSlot>,
    /// Why it was suggested.
    #[serde(default)]
    pub suggestion_reason: Option<String>,
}

/// `meetingTimeSuggestionsResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MeetingTimeSuggestionsResult {
    /// Candidates, best first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub meeting_time_suggestions: Vec<MeetingTimeSuggestion>,
    /// Why there are none (`attendeesUnavailable`, …), when empty.
    #[serde(default)]
    pub empty_suggestions_reason: Option<String>,
}
