//! Availability: `calendar/getSchedule` (EWS's `GetUserAvailability`) and `findMeetingTimes`
//! (GRAPH-FACTS §5.7, §5.8).

use serde::{Deserialize, Serialize};

use super::query::{strings, ODataQuery};
use super::Mailbox;
use crate::client::Request;
use crate::error::{InvalidRequest, Result};
use crate::models::{
    check_address, check_slot, ActivityDomain, AttendeeBase, DateTimeTimeZone, LocationConstraint,
    MeetingTimeSuggestionsResult, ScheduleInformation, TimeConstraint, TimeSlot,
};

/// `availabilityViewInterval` bounds, in minutes (GRAPH-FACTS §5.7).
const INTERVAL_MINUTES: std::ops::RangeInclusive<u32> = 5..=1440;

impl Mailbox {
    /// Free/busy of people, rooms and lists between `start` and `end`
    /// (`POST …/calendar/getSchedule`). Works with application permissions too.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::DateTimeTimeZone;
    /// let schedules = client
    ///     .me()
    ///     .get_schedule(
    ///         ["adelev@contoso.com", "meganb@contoso.com"],
    ///         DateTimeTimeZone::new("2026-12-02T09:00:00", "Pacific Standard Time"),
    ///         DateTimeTimeZone::new("2026-12-02T18:00:00", "Pacific Standard Time"),
    ///     )
    ///     .interval(60)
    ///     .await?;
    /// for schedule in schedules {
    ///     println!("{:?}: {:?}", schedule.schedule_id, schedule.availability_view);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_schedule<I, S>(
        &self,
        schedules: I,
        start: DateTimeTimeZone,
        end: DateTimeTimeZone,
    ) -> GetSchedule
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        GetSchedule {
            mailbox: self.clone(),
            body: ScheduleBody {
                schedules: strings(schedules),
                start_time: start,
                end_time: end,
                availability_view_interval: None,
            },
            query: ODataQuery::default(),
        }
    }

    /// Suggests meeting times when the attendees (and rooms) are free
    /// (`POST …/findMeetingTimes`). Delegated tokens only: Graph refuses application
    /// permissions here; use [`get_schedule`](Self::get_schedule) with those.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use chrono::{Duration, TimeZone, Utc};
    /// use msgraph_outlook::models::{AttendeeBase, TimeSlot};
    /// let result = client
    ///     .me()
    ///     .find_meeting_times()
    ///     .attendee(AttendeeBase::required("alex@contoso.com"))
    ///     .time_slot(TimeSlot::utc(
    ///         Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap(),
    ///         Utc.with_ymd_and_hms(2026, 12, 2, 17, 0, 0).unwrap(),
    ///     ))
    ///     .meeting_duration(Duration::hours(1))
    ///     .await?;
    /// for suggestion in result.meeting_time_suggestions {
    ///     println!("{:?} ({:?}%)", suggestion.meeting_time_slot, suggestion.confidence);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn find_meeting_times(&self) -> FindMeetingTimes {
        FindMeetingTimes {
            mailbox: self.clone(),
            body: FindBody::default(),
            query: ODataQuery::default(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleBody {
    schedules: Vec<String>,
    start_time: DateTimeTimeZone,
    end_time: DateTimeTimeZone,
    #[serde(skip_serializing_if = "Option::is_none")]
    availability_view_interval: Option<u32>,
}

/// Reads free/busy; from [`Mailbox::get_schedule`]. Await it for one
/// [`ScheduleInformation`] per address, in the order asked. A read, so retried like one.
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct GetSchedule {
    mailbox: Mailbox,
    body: ScheduleBody,
    /// Only its time-zone preference is used.
    query: ODataQuery,
}

impl GetSchedule {
    /// Minutes per digit of `availabilityView` (5–1440; Graph's default is 30).
    pub fn interval(mut self, minutes: u32) -> Self {
        self.body.availability_view_interval = Some(minutes);
        self
    }

    /// Times of the schedule items in this zone (`Prefer: outlook.timezone`; UTC without).
    pub fn time_zone(mut self, zone: impl Into<String>) -> Self {
        self.query.time_zone = Some(zone.into());
        self
    }

    fn check(&self) -> std::result::Result<(), InvalidRequest> {
        if self.body.schedules.is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: "getSchedule needs at least one address".into(),
            });
        }
        for address in &self.body.schedules {
            check_address(address)?;
        }
        if let Some(minutes) = self.body.availability_view_interval {
            if !INTERVAL_MINUTES.contains(&minutes) {
                return Err(InvalidRequest::InvalidValue {
                    reason: format!(
                        "availabilityViewInterval is {minutes} minutes: Graph accepts 5 to 1440"
                    ),
                });
            }
        }
        check_slot(&self.body.start_time, &self.body.end_time)
    }

    /// Sends it.
    pub async fn send(self) -> Result<Vec<ScheduleInformation>> {
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            value: Vec<ScheduleInformation>,
        }
        self.check()?;
        let path = self.mailbox.target.path(&["calendar", "getSchedule"]);
        let mut request = Request::post("getSchedule", path)
            .json(&self.body)?
            .idempotent();
        self.query.apply(&mut request)?;
        let answer: Answer = self.mailbox.client.send(request).await?.json()?;
        Ok(answer.value)
    }
}

await_sends!(GetSchedule => Vec<ScheduleInformation>);

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct FindBody {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attendees: Vec<AttendeeBase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location_constraint: Option<LocationConstraint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_constraint: Option<TimeConstraint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    meeting_duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_candidates: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_organizer_optional: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_suggestion_reasons: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    minimum_attendee_percentage: Option<f64>,
}

/// Asks for meeting time suggestions; from [`Mailbox::find_meeting_times`]. Await it for the
/// [`MeetingTimeSuggestionsResult`]. A read, so retried like one.
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct FindMeetingTimes {
    mailbox: Mailbox,
    body: FindBody,
    /// Only its time-zone preference is used.
    query: ODataQuery,
}

impl FindMeetingTimes {
    /// Adds an attendee (`required` person or `resource` room).
    pub fn attendee(mut self, attendee: AttendeeBase) -> Self {
        self.body.attendees.push(attendee);
        self
    }

    /// Adds a window to search in.
    pub fn time_slot(mut self, slot: TimeSlot) -> Self {
        self.body
            .time_constraint
            .get_or_insert_with(TimeConstraint::default)
            .time_slots
            .push(slot);
        self
    }

    /// Which hours to search (Graph's default: working hours).
    pub fn activity_domain(mut self, domain: ActivityDomain) -> Self {
        self.body
            .time_constraint
            .get_or_insert_with(TimeConstraint::default)
            .activity_domain = Some(domain);
        self
    }

    /// Length of the meeting (Graph's default: 30 minutes); sent as ISO 8601 (`PT1H30M`).
    pub fn meeting_duration(mut self, duration: chrono::Duration) -> Self {
        self.body.meeting_duration = Some(iso8601_duration(duration));
        self
    }

    /// At most this many suggestions.
    pub fn max_candidates(mut self, count: i32) -> Self {
        self.body.max_candidates = Some(count);
        self
    }

    /// Whether the organizer may be absent.
    pub fn is_organizer_optional(mut self, optional: bool) -> Self {
        self.body.is_organizer_optional = Some(optional);
        self
    }

    /// Whether each suggestion says why it was chosen.
    pub fn return_suggestion_reasons(mut self, reasons: bool) -> Self {
        self.body.return_suggestion_reasons = Some(reasons);
        self
    }

    /// Minimum chance (0–100) that attendees can come for a slot to be suggested (Graph's
    /// default: 50).
    pub fn minimum_attendee_percentage(mut self, percent: f64) -> Self {
        self.body.minimum_attendee_percentage = Some(percent);
        self
    }

    /// Rooms or places to consider.
    pub fn location_constraint(mut self, constraint: LocationConstraint) -> Self {
        self.body.location_constraint = Some(constraint);
        self
    }

    /// Times in the answer in this zone (`Prefer: outlook.timezone`; UTC without).
    pub fn time_zone(mut self, zone: impl Into<String>) -> Self {
        self.query.time_zone = Some(zone.into());
        self
    }

    fn check(&self) -> std::result::Result<(), InvalidRequest> {
        for attendee in &self.body.attendees {
            check_address(
                attendee
                    .email_address
                    .address
                    .as_deref()
                    .unwrap_or_default(),
            )?;
        }
        if let Some(constraint) = &self.body.time_constraint {
            for slot in &constraint.time_slots {
                check_slot(&slot.start, &slot.end)?;
            }
        }
        if let Some(percent) = self.body.minimum_attendee_percentage {
            if !(0.0..=100.0).contains(&percent) {
                return Err(InvalidRequest::InvalidValue {
                    reason: format!("minimumAttendeePercentage {percent} is not within 0–100"),
                });
            }
        }
        if self.body.meeting_duration.as_deref() == Some("PT0S") {
            return Err(InvalidRequest::InvalidValue {
                reason: "the meeting duration must be positive".into(),
            });
        }
        Ok(())
    }

    /// Sends it.
    pub async fn send(self) -> Result<MeetingTimeSuggestionsResult> {
        self.check()?;
        let path = self.mailbox.target.path(&["findMeetingTimes"]);
        let mut request = Request::post("findMeetingTimes", path)
            .json(&self.body)?
            .idempotent();
        self.query.apply(&mut request)?;
        self.mailbox.client.send(request).await?.json()
    }
}

await_sends!(FindMeetingTimes => MeetingTimeSuggestionsResult);

/// A positive duration as ISO 8601 (`PT1H30M`, `PT45M`, `PT20S`); negative ones as `PT0S`.
fn iso8601_duration(duration: chrono::Duration) -> String {
    let total = duration.num_seconds().max(0);
    let (hours, minutes, seconds) = (total / 3600, total % 3600 / 60, total % 60);
    let mut text = String::from("PT");
    if hours > 0 {
        text.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}M"));
    }
    if seconds > 0 || total == 0 {
        text.push_str(&format!("{seconds}S"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::iso8601_duration;
    use chrono::Duration;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(iso8601_duration(Duration::hours(1)), "PT1H");
        assert_eq!(iso8601_duration(Duration::minutes(90)), "PT1H30M");
        assert_eq!(iso8601_duration(Duration::minutes(30)), "PT30M");
        assert_eq!(iso8601_duration(Duration::seconds(-5)), "PT0S");
    }
}
