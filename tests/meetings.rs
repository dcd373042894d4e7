//! Meeting responses and the propose-new-time workflow (ews-propose-new-meeting-time.md), both
//! sides, against mockito; and the documented calendar answers (tests/fixtures/calendar/,
//! sources in its README) parsed into the typed models.

mod common;

use chrono::{TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use common::{client, expect_json, expect_json_post, expect_no_request, server, REQUEST_ID};
use mockito::Matcher;
use msgraph_outlook::models::{
    AttendeeBase, DateTimeTimeZone, Event, EventMessageResponse, EventPatch, FreeBusyStatus,
    MailItem, MeetingMessageType, MeetingTimeSuggestionsResult, ResponseType, ScheduleInformation,
    TimeSlot,
};
use msgraph_outlook::Error;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/calendar/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

fn proposal() -> TimeSlot {
    TimeSlot::utc(
        Utc.with_ymd_and_hms(2026, 12, 2, 15, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 2, 16, 0, 0).unwrap(),
    )
}

fn proposal_json() -> Value {
    json!({"start": {"dateTime": "2026-12-02T15:00:00", "timeZone": "UTC"},
           "end": {"dateTime": "2026-12-02T16:00:00", "timeZone": "UTC"}})
}

#[tokio::test]
async fn tentatively_accept_and_decline_carry_the_documented_proposal_body() {
    // GRAPH-FACTS §5.4's example body, for both actions that take a proposal.
    let mut server = server().await;
    let tentative = expect_json_post(
        &mut server,
        "/me/events/AAMkA/tentativelyAccept",
        json!({"comment": "Can we do next day?", "sendResponse": true, "proposedNewTime": proposal_json()}),
    )
    .await;
    let decline = expect_json_post(
        &mut server,
        "/users/alex@contoso.com/events/AAMkB/decline",
        json!({"comment": "Can we do next day?", "sendResponse": true, "proposedNewTime": proposal_json()}),
    )
    .await;
    let accept = expect_json_post(
        &mut server,
        "/me/events/AAMkC/accept",
        json!({"comment": "See you there", "sendResponse": false}),
    )
    .await;
    let client = client(&server);
    let accepted = client
        .me()
        .event("AAMkA")
        .tentatively_accept()
        .comment("Can we do next day?")
        .propose_new_time(proposal())
        .await
        .unwrap();
    assert_eq!(accepted.request_id.as_deref(), Some(REQUEST_ID));
    client
        .user("alex@contoso.com")
        .event("AAMkB")
        .decline()
        .comment("Can we do next day?")
        .propose_new_time(proposal())
        .await
        .unwrap();
    client
        .me()
        .event("AAMkC")
        .accept()
        .comment("See you there")
        .send_response(false)
        .await
        .unwrap();
    tentative.assert_async().await;
    decline.assert_async().await;
    accept.assert_async().await;
}

#[tokio::test]
async fn refused_proposals_send_nothing() {
    let mut server = server().await;
    let _none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    let mut locked: Event = serde_json::from_value(json!({
        "id": "AAMkA", "@odata.etag": "W/\"v1\"", "allowNewTimeProposals": false
    }))
    .unwrap();

    // 1. The organizer disallowed proposals.
    let error = me
        .event_from(&locked)
        .tentatively_accept()
        .propose_new_time(proposal())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert!(
        error.to_string().contains("allowNewTimeProposals"),
        "{error}"
    );

    // 2. A proposal without sending the response.
    locked.allow_new_time_proposals = Some(true);
    let error = me
        .event_from(&locked)
        .decline()
        .send_response(false)
        .propose_new_time(proposal())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("sendResponse"), "{error}");

    // 3. An end that is not after the start.
    let backwards = TimeSlot::new(proposal().end, proposal().start);
    let error = me
        .event("AAMkA")
        .tentatively_accept()
        .propose_new_time(backwards)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("not after the start"), "{error}");
    // (`accept().propose_new_time(…)` does not compile: Graph v1.0 has no proposal on accept.)
}

#[test]
fn documented_event_answers_parse() {
    let event: Event = serde_json::from_value(fixture("event-get.json")).unwrap();
    assert!(event.id.is_some() && event.etag.is_some());
    assert!(!event.attendees.is_empty());
    assert!(event.start.as_ref().unwrap().to_utc().is_ok());

    let series: Event = serde_json::from_value(fixture("event-recurring-series.json")).unwrap();
    assert_eq!(
        series.event_type,
        Some(msgraph_outlook::models::EventType::SeriesMaster)
    );
    assert!(series.recurrence.is_some());

    for name in [
        "event-get-online-meeting.json",
        "event-get-multiple-locations.json",
        "event-get-navigation-links.json",
        "event-get-series-master-expand.json",
        "event-recurring-series-2017.json",
        "event-update-after-proposal.json",
    ] {
        serde_json::from_value::<Event>(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }

    for name in ["calendar-view.json", "event-instances.json"] {
        let page: msgraph_outlook::Page<Event> =
            serde_json::from_value(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!page.value.is_empty(), "{name}");
    }
    let calendars: msgraph_outlook::Page<msgraph_outlook::models::Calendar> =
        serde_json::from_value(fixture("calendars-list.json")).unwrap();
    assert!(calendars.value.iter().any(|c| c.name.is_some()));
}

#[test]
fn documented_schedule_and_suggestions_parse() {
    #[derive(serde::Deserialize)]
    struct Schedules {
        value: Vec<ScheduleInformation>,
    }
    let schedules: Schedules = serde_json::from_value(fixture("get-schedule.json")).unwrap();
    let first = &schedules.value[0];
    assert!(first.schedule_id.is_some());
    assert!(!first.availability().is_empty());
    assert!(first
        .availability()
        .iter()
        .all(|s| *s != FreeBusyStatus::Unknown));

    let suggestions: MeetingTimeSuggestionsResult =
        serde_json::from_value(fixture("find-meeting-times.json")).unwrap();
    let best = &suggestions.meeting_time_suggestions[0];
    assert!(best.meeting_time_slot.is_some() && best.confidence.is_some());
}

#[test]
fn documented_meeting_messages_parse_with_both_spellings() {
    for name in [
        "event-message-response.json",
        "event-message-response-v1-spelling.json",
    ] {
        let page: msgraph_outlook::Page<MailItem> = serde_json::from_value(fixture(name)).unwrap();
        let MailItem::EventMessageResponse(response) = &page.value[0] else {
            panic!("{name}: not a response")
        };
        assert_eq!(
            response.event_message.meeting_message_type,
            Some(MeetingMessageType::MeetingTentativelyAccepted),
            "{name}"
        );
        assert_eq!(
            response.response_type,
            Some(ResponseType::TentativelyAccepted)
        );
        assert!(response.proposed_new_time.is_some(), "{name}");
    }
    let request: MailItem = serde_json::from_value(fixture("event-message-request.json")).unwrap();
    assert!(
        matches!(&request, MailItem::EventMessageRequest(r) if r.event_message.event.is_some()),
        "{request:?}"
    );
    serde_json::from_value::<MailItem>(fixture("event-message-expand-legacy.json")).unwrap();
    // The organizer's event with the attendee's proposal.
    let event: Event =
        serde_json::from_value(fixture("event-with-proposed-new-time.json")).unwrap();
    let (attendee, slot) = event.proposals().next().unwrap();
    assert_eq!(attendee.response(), Some(ResponseType::TentativelyAccepted));
    assert_eq!(slot.start.date_time, "2019-08-16T12:00:00.0000000");
}

#[test]
fn future_enum_values_and_unknown_properties_do_not_fail() {
    let event: Event = serde_json::from_value(json!({
        "showAs": "somethingNew", "type": "futureType", "sensitivity": "topSecret",
        "attendees": [{"type": "chair", "status": {"response": "maybe"},
                       "emailAddress": {"address": "a@contoso.com"}}],
        "brandNewProperty": [1, 2, 3]
    }))
    .unwrap();
    assert_eq!(event.show_as, Some(FreeBusyStatus::Unknown));
    assert_eq!(event.attendees[0].response(), Some(ResponseType::Unknown));
}

/// The organizer's side of ews-propose-new-meeting-time.md, step by step:
/// 1. find the MeetingResponse carrying ProposedStart/ProposedEnd (an eventMessageResponse
///    with proposedNewTime);
/// 2. get the organizer's calendar item (AssociatedCalendarItemId → `$expand=…/event`);
/// 3. compare the original and the proposed time;
/// 4. GetUserAvailability for every attendee (getSchedule);
/// 5. UpdateItem with the new start and end (PATCH with If-Match), mailed to attendees.
#[tokio::test]
async fn organizer_reviews_a_proposal_checks_availability_and_moves_the_meeting() {
    let mut server = server().await;
    let organizer_event = json!({
        "@odata.etag": "W/\"v1\"", "id": "AAMkEvent", "subject": "Competitive analysis: kick off meeting",
        "isOrganizer": true, "allowNewTimeProposals": true,
        "start": {"dateTime": "2026-11-09T17:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-11-09T17:30:00.0000000", "timeZone": "UTC"},
        "attendees": [
            {"type": "required", "emailAddress": {"address": "hippo@contoso.com"},
             "status": {"response": "tentativelyAccepted", "time": "2026-11-08T10:00:00Z"},
             "proposedNewTime": {"start": {"dateTime": "2026-11-28T04:00:00.0000000", "timeZone": "UTC"},
                                 "end": {"dateTime": "2026-11-28T04:30:00.0000000", "timeZone": "UTC"}}},
            {"type": "resource", "emailAddress": {"address": "room1@contoso.com"},
             "status": {"response": "accepted", "time": "2026-11-08T09:00:00Z"}}
        ]
    });
    // 1. The Inbox: a plain message, an acceptance, and the proposal.
    let inbox = server
        .mock("GET", "/v1.0/me/mailFolders/inbox/messages")
        .match_query(Matcher::UrlEncoded("$orderby".into(), "receivedDateTime desc".into()))
        .with_body(json!({"value": [
            {"id": "m1", "subject": "Lunch?"},
            {"@odata.type": "#microsoft.graph.eventMessageResponse", "id": "m2",
             "subject": "Accepted: Competitive analysis", "meetingMessageType": "meetingAccepted",
             "responseType": "accepted", "proposedNewTime": null,
             "from": {"emailAddress": {"address": "room1@contoso.com"}}},
            {"@odata.type": "#microsoft.graph.eventMessageResponse", "id": "m3",
             "subject": "New Time Proposed: Competitive analysis",
             "meetingMessageType": "meetingTenativelyAccepted", "responseType": "tentativelyAccepted",
             "body": {"contentType": "text", "content": "This time works better for the HiPPO."},
             "from": {"emailAddress": {"address": "hippo@contoso.com"}},
             "proposedNewTime": {"start": {"dateTime": "2026-11-28T04:00:00", "timeZone": "UTC"},
                                 "end": {"dateTime": "2026-11-28T04:30:00", "timeZone": "UTC"}}}
        ]}).to_string())
        .expect(1)
        .create_async()
        .await;
    // 2. The organizer's event, through the response.
    let expand = server
        .mock("GET", "/v1.0/me/messages/m3")
        .match_query(Matcher::UrlEncoded(
            "$expand".into(),
            "microsoft.graph.eventMessage/event".into(),
        ))
        .with_body(
            json!({"@odata.type": "#microsoft.graph.eventMessageResponse", "id": "m3",
                          "event": organizer_event})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    // 4. Availability of everyone at the proposed time.
    let schedule = expect_json(
        &mut server,
        "POST",
        "/me/calendar/getSchedule",
        json!({"schedules": ["hippo@contoso.com", "room1@contoso.com"],
               "startTime": {"dateTime": "2026-11-28T04:00:00", "timeZone": "UTC"},
               "endTime": {"dateTime": "2026-11-28T04:30:00", "timeZone": "UTC"},
               "availabilityViewInterval": 30}),
    )
    .with_body(
        json!({"value": [
            {"scheduleId": "hippo@contoso.com", "availabilityView": "0", "scheduleItems": []},
            {"scheduleId": "room1@contoso.com", "availabilityView": "0", "scheduleItems": []}
        ]})
        .to_string(),
    )
    .create_async()
    .await;
    // 5. Move the meeting, guarded by the etag read in step 2.
    let moved = expect_json(
        &mut server,
        "PATCH",
        "/me/events/AAMkEvent",
        json!({"start": {"dateTime": "2026-11-28T04:00:00", "timeZone": "UTC"},
               "end": {"dateTime": "2026-11-28T04:30:00", "timeZone": "UTC"}}),
    )
    .match_header("if-match", "W/\"v1\"")
    .with_body({
        let mut event = organizer_event.clone();
        event["@odata.etag"] = json!("W/\"v2\"");
        event.to_string()
    })
    .create_async()
    .await;

    let me = client(&server).me();
    let proposals: Vec<EventMessageResponse> = me
        .meeting_responses()
        .proposals_only()
        .collect()
        .await
        .unwrap();
    assert_eq!(proposals.len(), 1);
    let response = &proposals[0];
    assert_eq!(response.attendee_address(), Some("hippo@contoso.com"));
    let proposed = response.proposed_new_time.clone().unwrap();

    let message_id = response.event_message.message.id.clone().unwrap();
    let meeting = me
        .message(message_id)
        .meeting_event()
        .await
        .expect("a meeting response has an event");
    // 3. The proposal differs from the current time, and is what the attendee proposed.
    let (start, _) = meeting.time_slot().unwrap().to_utc().unwrap();
    let (proposed_start, proposed_end) = proposed.to_utc().unwrap();
    assert_ne!(start, proposed_start);
    let (hippo, slot) = meeting.proposals().next().unwrap();
    assert_eq!(hippo.address(), Some("hippo@contoso.com"));
    assert_eq!(slot.to_utc().unwrap(), (proposed_start, proposed_end));

    let everyone: Vec<String> = meeting
        .attendees
        .iter()
        .filter_map(|a| a.address().map(str::to_string))
        .collect();
    let schedules = me
        .get_schedule(
            everyone,
            DateTimeTimeZone::utc(proposed_start),
            DateTimeTimeZone::utc(proposed_end),
        )
        .interval(30)
        .await
        .unwrap();
    assert!(schedules.iter().all(ScheduleInformation::is_free));

    let updated = me
        .event_from(&meeting)
        .update(EventPatch::new().time_slot(TimeSlot::utc(proposed_start, proposed_end)))
        .await
        .unwrap();
    assert!(updated.graph_mails_attendees);
    assert_eq!(updated.event.etag.as_deref(), Some("W/\"v2\""));

    inbox.assert_async().await;
    expand.assert_async().await;
    schedule.assert_async().await;
    moved.assert_async().await;
}

#[tokio::test]
async fn find_meeting_times_sends_the_documented_body_and_reads_suggestions() {
    let mut server = server().await;
    let find = expect_json(
        &mut server,
        "POST",
        "/me/findMeetingTimes",
        json!({
            "attendees": [{"type": "required", "emailAddress": {"address": "alexw@contoso.com"}}],
            "timeConstraint": {"activityDomain": "work", "timeSlots": [
                {"start": {"dateTime": "2026-12-02T09:00:00", "timeZone": "Pacific Standard Time"},
                 "end": {"dateTime": "2026-12-02T17:00:00", "timeZone": "Pacific Standard Time"}}]},
            "meetingDuration": "PT2H",
            "maxCandidates": 5,
            "returnSuggestionReasons": true,
            "minimumAttendeePercentage": 100.0
        }),
    )
    .with_body(fixture("find-meeting-times.json").to_string())
    .create_async()
    .await;
    let result = client(&server)
        .me()
        .find_meeting_times()
        .attendee(AttendeeBase::required("alexw@contoso.com"))
        .activity_domain(msgraph_outlook::models::ActivityDomain::Work)
        // Given in IANA terms, sent under the Windows name Graph accepts everywhere.
        .time_slot(TimeSlot::zoned(
            Los_Angeles.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap(),
            Los_Angeles.with_ymd_and_hms(2026, 12, 2, 17, 0, 0).unwrap(),
        ))
        .meeting_duration(chrono::Duration::hours(2))
        .max_candidates(5)
        .return_suggestion_reasons(true)
        .minimum_attendee_percentage(100.0)
        .await
        .unwrap();
    find.assert_async().await;
    assert!(!result.meeting_time_suggestions.is_empty());
}

#[tokio::test]
async fn get_schedule_refuses_bad_input_before_sending() {
    let mut server = server().await;
    let _none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    let start = DateTimeTimeZone::new("2026-12-02T09:00:00", "UTC");
    let end = DateTimeTimeZone::new("2026-12-02T18:00:00", "UTC");
    let no_one: [&str; 0] = [];
    for call in [
        me.get_schedule(no_one, start.clone(), end.clone()),
        me.get_schedule(["adele@contoso.com"], start.clone(), end.clone())
            .interval(2),
        me.get_schedule(["adele@contoso.com"], end.clone(), start.clone()),
        me.get_schedule(["not an address"], start.clone(), end.clone()),
    ] {
        assert!(matches!(call.await, Err(Error::InvalidRequest(_))));
    }
}

// ---- Item 10: meeting messages read like messages; no event is a typed error. ----

async fn expand_event(server: &mut mockito::ServerGuard, id: &str, answer: Value) -> mockito::Mock {
    server
        .mock("GET", format!("/v1.0/me/messages/{id}").as_str())
        .match_header(
            "authorization",
            format!("Bearer {}", common::TOKEN).as_str(),
        )
        .match_query(Matcher::UrlEncoded(
            "$expand".into(),
            "microsoft.graph.eventMessage/event".into(),
        ))
        .with_header("request-id", REQUEST_ID)
        .with_body(answer.to_string())
        .expect(1)
        .create_async()
        .await
}

#[tokio::test]
async fn meeting_event_of_a_message_without_an_event_is_no_associated_event() {
    let mut server = server().await;
    let plain = expand_event(
        &mut server,
        "m1",
        json!({"@odata.type": "#microsoft.graph.message", "id": "m1", "subject": "Lunch?"}),
    )
    .await;
    // A cancellation whose event Graph did not return.
    let cancelled = expand_event(
        &mut server,
        "m2",
        json!({"@odata.type": "#microsoft.graph.eventMessage", "id": "m2",
               "meetingMessageType": "meetingCancelled"}),
    )
    .await;
    let me = client(&server).me();
    let err = me.message("m1").meeting_event().await.unwrap_err();
    assert!(err.is_no_associated_event());
    assert!(matches!(
        &err,
        Error::NoAssociatedEvent { message_id, is_meeting_message: false } if message_id == "m1"
    ));
    assert_eq!(
        err.to_string(),
        "message m1 is not a meeting message, so it has no associated event"
    );
    let err = me.message("m2").meeting_event().await.unwrap_err();
    assert!(matches!(
        &err,
        Error::NoAssociatedEvent { message_id, is_meeting_message: true } if message_id == "m2"
    ));
    plain.assert_async().await;
    cancelled.assert_async().await;
}

#[tokio::test]
async fn every_mail_item_variant_gives_id_subject_and_from() {
    let mut server = server().await;
    let from = |address: &str| json!({"emailAddress": {"address": address}});
    let list = server
        .mock("GET", "/v1.0/me/mailFolders/inbox/messages")
        .match_query(Matcher::Missing)
        .with_body(
            json!({"value": [
                {"@odata.type": "#microsoft.graph.eventMessageRequest", "id": "r",
                 "subject": "Review", "from": from("adele@contoso.com"),
                 "meetingMessageType": "meetingRequest"},
                {"@odata.type": "#microsoft.graph.eventMessageResponse", "id": "p",
                 "subject": "Accepted: Review", "from": from("alex@contoso.com"),
                 "meetingMessageType": "meetingAccepted", "responseType": "accepted"},
                {"@odata.type": "#microsoft.graph.eventMessage", "id": "c",
                 "subject": "Canceled: Review", "from": from("adele@contoso.com"),
                 "meetingMessageType": "meetingCancelled"},
                {"@odata.type": "#microsoft.graph.message", "id": "m",
                 "subject": "Lunch?", "from": from("megan@contoso.com"), "isRead": false}
            ]})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let page = client(&server)
        .me()
        .mail_items(msgraph_outlook::models::WellKnownFolder::Inbox)
        .send()
        .await
        .unwrap();
    list.assert_async().await;
    type Seen<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, bool);
    let seen: Vec<Seen> = page
        .value
        .iter()
        .map(|item| {
            (
                item.id(),
                item.subject(),
                item.from().and_then(|r| r.address()),
                item.is_meeting_message(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (Some("r"), Some("Review"), Some("adele@contoso.com"), true),
            (
                Some("p"),
                Some("Accepted: Review"),
                Some("alex@contoso.com"),
                true
            ),
            (
                Some("c"),
                Some("Canceled: Review"),
                Some("adele@contoso.com"),
                true
            ),
            (Some("m"), Some("Lunch?"), Some("megan@contoso.com"), false),
        ]
    );
    assert_eq!(
        page.value[2].meeting_message_type(),
        Some(&MeetingMessageType::MeetingCancelled)
    );
    assert_eq!(page.value[3].is_read(), Some(false));
    assert!(matches!(page.value[1], MailItem::EventMessageResponse(_)));
}
