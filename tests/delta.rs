//! Delta queries (EWS SyncFolderHierarchy / SyncFolderItems): the exact requests of a round
//! (query on the first request only, `Prefer` on every request), replays reported once,
//! and a lost sync state (`410`) turned into `SyncEvent::Reset` plus a full resync — on
//! mockito, then end to end against the sandbox for folders, events and messages.

mod common;
#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;

use std::collections::HashMap;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use futures_util::TryStreamExt;
use mockito::{Matcher, Mock, ServerGuard};
use msgraph_outlook::api::{SyncEvent, SyncResult};
use msgraph_outlook::models::{DateTimeTimeZone, Event, EventPatch, MailFolder, Message};
use msgraph_outlook::Error;
use msgraph_outlook_sandbox::Sandbox;
use sandbox_clients::delegated;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";

/// A mocked delta page answered once for `path` with exactly `query` and `prefer`.
async fn page(
    server: &mut ServerGuard,
    path: &str,
    query: &str,
    prefer: &str,
    body: Value,
) -> Mock {
    server
        .mock("GET", path)
        .match_query(Matcher::Exact(query.into()))
        .match_header("prefer", prefer)
        .with_status(200)
        .with_body(body.to_string())
        .expect(1)
        .create_async()
        .await
}

fn folder(id: &str, name: &str) -> Value {
    json!({"id": id, "displayName": name, "parentFolderId": "root", "childFolderCount": 0,
           "unreadItemCount": 0, "totalItemCount": 0, "isHidden": false})
}

/// The subjects of a round's changed events, in order.
fn event_subjects(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.subject.clone().unwrap()).collect()
}

fn names(folders: &[MailFolder]) -> Vec<&str> {
    folders
        .iter()
        .map(|f| f.display_name.as_deref().unwrap_or(""))
        .collect()
}

// ---- mockito: exact requests --------------------------------------------------------------

#[tokio::test]
async fn a_folder_round_sends_select_once_and_the_page_size_with_every_request() {
    let mut server = server().await;
    let base = base_url(&server);
    let path = "/v1.0/me/mailFolders/delta";
    let next = format!("{base}/me/mailFolders/delta?$skiptoken=p2");
    let delta = format!("{base}/me/mailFolders/delta?$deltatoken=d1");
    let first = page(
        &mut server,
        path,
        "%24select=displayName%2CparentFolderId",
        "odata.maxpagesize=2",
        json!({"value": [folder("f1", "Inbox"), folder("f2", "Sent Items")], "@odata.nextLink": next}),
    )
    .await;
    let second = page(
        &mut server,
        path,
        "$skiptoken=p2",
        "odata.maxpagesize=2",
        json!({"value": [folder("f3", "Projects")], "@odata.deltaLink": delta}),
    )
    .await;
    let me = client(&server).me();
    let round = me
        .sync_mail_folders()
        .select(["displayName", "parentFolderId"])
        .max_page_size(2)
        .send()
        .await
        .unwrap();
    assert_eq!(names(&round.changed), ["Inbox", "Sent Items", "Projects"]);
    assert_eq!(round.changed[2].id.as_deref(), Some("f3"));
    assert_eq!(round.changed[2].parent_folder_id.as_deref(), Some("root"));
    assert_eq!(round.changed[2].is_hidden, Some(false));
    assert!(round.removed.is_empty());
    assert!(!round.reset);
    assert_eq!(round.delta_link.as_deref(), Some(delta.as_str()));
    first.assert_async().await;
    second.assert_async().await;

    // The next round: a new folder, a renamed one, a deleted one; the link as it was stored,
    // no $select again, the page size again.
    let resumed = page(
        &mut server,
        path,
        "$deltatoken=d1",
        "odata.maxpagesize=2",
        json!({"value": [
            folder("f4", "Archive 2026"),
            folder("f3", "Projects (old)"),
            {"id": "f2", "@removed": {"reason": "deleted"}},
        ], "@odata.deltaLink": format!("{base}/me/mailFolders/delta?$deltatoken=d2")}),
    )
    .await;
    let events: Vec<SyncEvent<MailFolder>> = me
        .sync_mail_folders()
        .select(["displayName", "parentFolderId"])
        .max_page_size(2)
        .resume(round.delta_link.unwrap())
        .stream()
        .try_collect()
        .await
        .unwrap();
    resumed.assert_async().await;
    let expected: Vec<SyncEvent<MailFolder>> = vec![
        SyncEvent::Changed(serde_json::from_value(folder("f4", "Archive 2026")).unwrap()),
        SyncEvent::Changed(serde_json::from_value(folder("f3", "Projects (old)")).unwrap()),
        SyncEvent::Removed {
            id: "f2".into(),
            reason: Some("deleted".into()),
        },
        SyncEvent::DeltaLink(format!("{base}/me/mailFolders/delta?$deltatoken=d2")),
    ];
    assert_eq!(events, expected);
}

#[tokio::test]
async fn an_events_round_sends_the_window_once_and_the_time_zone_with_every_request() {
    let mut server = server().await;
    let base = base_url(&server);
    let path = "/v1.0/users/adele@contoso.com/calendarView/delta";
    let prefer = r#"outlook.timezone="Pacific Standard Time", odata.maxpagesize=1"#;
    let next = format!("{base}/users/adele@contoso.com/calendarView/delta?$skiptoken=e2");
    let event = |id: &str, subject: &str| json!({"id": id, "subject": subject, "@odata.type": "#microsoft.graph.event"});
    let first = page(
        &mut server,
        path,
        "startDateTime=2026-12-01T00%3A00%3A00Z&endDateTime=2026-12-31T00%3A00%3A00Z",
        prefer,
        json!({"value": [event("e1", "Standup")], "@odata.nextLink": next}),
    )
    .await;
    let second = page(
        &mut server,
        path,
        "$skiptoken=e2",
        prefer,
        json!({"value": [event("e2", "Review")],
               "@odata.deltaLink": format!("{base}/users/adele@contoso.com/calendarView/delta?$deltatoken=w1")}),
    )
    .await;
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let round = client(&server)
        .user(ADELE)
        .sync_events(start, start + Duration::days(30))
        .time_zone("Pacific Standard Time")
        .max_page_size(1)
        .await
        .unwrap();
    assert_eq!(event_subjects(&round.changed), ["Standup", "Review"]);
    assert!(round.delta_link.unwrap().ends_with("$deltatoken=w1"));
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn a_replayed_item_is_reported_once_in_its_latest_state() {
    let mut server = server().await;
    let base = base_url(&server);
    let path = "/v1.0/me/mailFolders/inbox/messages/delta";
    let next = format!("{base}/me/mailFolders/inbox/messages/delta?$skiptoken=r2");
    let first = server
        .mock("GET", path)
        .match_query(Matcher::Exact("$deltatoken=r1".into()))
        .match_header("prefer", "odata.maxpagesize=3")
        .with_status(200)
        .with_body(
            json!({"value": [graph_message("a", "draft 1"), graph_message("b", "bye"), graph_message("d", "kept")],
                   "@odata.nextLink": next})
            .to_string(),
        )
        .expect(2)
        .create_async()
        .await;
    let second = server
        .mock("GET", path)
        .match_query(Matcher::Exact("$skiptoken=r2".into()))
        .with_status(200)
        .with_body(
            json!({"value": [
                graph_message("a", "draft 2"),
                {"id": "b", "@removed": {"reason": "deleted"}},
                {"id": "c", "@removed": {"reason": "deleted"}},
                graph_message("c", "back again"),
            ], "@odata.deltaLink": format!("{base}/me/mailFolders/inbox/messages/delta?$deltatoken=r3")})
            .to_string(),
        )
        .expect(2)
        .create_async()
        .await;
    let me = client(&server).me();
    let link = format!("{base}/me/mailFolders/inbox/messages/delta?$deltatoken=r1");
    let result: SyncResult = me
        .sync_messages("inbox")
        .max_page_size(3)
        .resume(&link)
        .send()
        .await
        .unwrap();
    let subjects: Vec<_> = result
        .changed
        .iter()
        .map(|m| (m.id.clone().unwrap(), m.subject.clone().unwrap()))
        .collect();
    assert_eq!(
        subjects,
        [
            ("a".to_string(), "draft 2".to_string()),
            ("d".to_string(), "kept".to_string()),
            ("c".to_string(), "back again".to_string()),
        ]
    );
    assert_eq!(result.removed, ["b"]);

    // The stream passes every occurrence on, in Graph's order.
    let events: Vec<SyncEvent<Message>> = me
        .sync_messages("inbox")
        .max_page_size(3)
        .resume(&link)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 8);
    assert!(matches!(&events[3], SyncEvent::Changed(m) if m.subject.as_deref() == Some("draft 2")));
    first.assert_async().await;
    second.assert_async().await;
}

/// A resumed folder round refused with `status`, `code` and maybe a `Location`.
async fn refused_resume(status: usize, code: &str, location: bool) -> (ServerGuard, Mock) {
    let mut server = server().await;
    let base = base_url(&server);
    let mut refused = server
        .mock("GET", "/v1.0/me/mailFolders/delta")
        .match_query(Matcher::Exact("$deltatoken=old".into()))
        .match_header("prefer", "odata.maxpagesize=50")
        .with_status(status)
        .with_header("request-id", REQUEST_ID)
        .with_body(graph_error(code, "The sync state generation is not found.").to_string());
    if location {
        refused = refused.with_header(
            "location",
            &format!("{base}/me/mailFolders/delta?$deltatoken="),
        );
    }
    let refused = refused.expect(1).create_async().await;
    (server, refused)
}

#[tokio::test]
async fn a_lost_sync_state_on_a_resumed_round_is_a_reset_then_a_full_resync() {
    // (status, code, Location) → reset?
    let cases = [
        (410, "SyncStateNotFound", false, true),
        (410, "syncstatenotfound", false, true),
        (400, "resyncRequired", false, true),
        (404, "syncStateNotFound", false, true),
        (410, "ErrorSomethingElse", true, true),
        (410, "ErrorSomethingElse", false, false),
        (404, "ErrorItemNotFound", true, false),
        (500, "SyncStateNotFound", false, false),
    ];
    for (status, code, location, resets) in cases {
        let (mut server, refused) = refused_resume(status, code, location).await;
        let base = base_url(&server);
        // The full resync: the stored initial request again ($select, page size).
        let full = page(
            &mut server,
            "/v1.0/me/mailFolders/delta",
            "%24select=displayName",
            "odata.maxpagesize=50",
            json!({"value": [folder("f1", "Inbox"), folder("f2", "Drafts")],
                   "@odata.deltaLink": format!("{base}/me/mailFolders/delta?$deltatoken=new")}),
        )
        .await;
        let sync = || {
            client(&server)
                .me()
                .sync_mail_folders()
                .select(["displayName"])
                .max_page_size(50)
                .resume(format!("{base}/me/mailFolders/delta?$deltatoken=old"))
        };
        let outcome = sync().send().await;
        let case = format!("{status} {code} location={location}");
        if resets {
            let result = outcome.unwrap_or_else(|e| panic!("{case}: {e}"));
            assert!(result.reset, "{case}");
            assert_eq!(names(&result.changed), ["Inbox", "Drafts"], "{case}");
            assert!(result.removed.is_empty(), "{case}");
            assert!(
                result.delta_link.unwrap().ends_with("$deltatoken=new"),
                "{case}"
            );
            full.assert_async().await;
        } else {
            let error = outcome.expect_err(&case);
            assert_eq!(error.status(), Some(status as u16), "{case}");
            assert_eq!(error.graph_code(), Some(code), "{case}");
            assert!(!full.matched_async().await, "{case}: no resync");
        }
        refused.assert_async().await;
    }
}

#[tokio::test]
async fn the_stream_says_reset_before_the_full_resync() {
    let (mut server, refused) = refused_resume(410, "SyncStateNotFound", true).await;
    let base = base_url(&server);
    let full = page(
        &mut server,
        "/v1.0/me/mailFolders/delta",
        "%24select=displayName",
        "odata.maxpagesize=50",
        json!({"value": [folder("f1", "Inbox")],
               "@odata.deltaLink": format!("{base}/me/mailFolders/delta?$deltatoken=new")}),
    )
    .await;
    let events: Vec<_> = client(&server)
        .me()
        .sync_mail_folders()
        .select(["displayName"])
        .max_page_size(50)
        .resume(format!("{base}/me/mailFolders/delta?$deltatoken=old"))
        .stream()
        .try_collect()
        .await
        .unwrap();
    let expected: Vec<SyncEvent<MailFolder>> = vec![
        SyncEvent::Reset,
        SyncEvent::Changed(serde_json::from_value(folder("f1", "Inbox")).unwrap()),
        SyncEvent::DeltaLink(format!("{base}/me/mailFolders/delta?$deltatoken=new")),
    ];
    assert_eq!(events, expected);
    refused.assert_async().await;
    full.assert_async().await;
}

#[tokio::test]
async fn a_410_on_an_initial_round_or_after_the_reset_is_an_error_not_a_loop() {
    // Initial round: no reset.
    let mut server = server().await;
    let initial = server
        .mock("GET", "/v1.0/me/mailFolders/delta")
        .match_query(Matcher::Exact("".into()))
        .with_status(410)
        .with_header(
            "location",
            &format!("{}/me/mailFolders/delta?$deltatoken=", base_url(&server)),
        )
        .with_body(graph_error("SyncStateNotFound", "gone").to_string())
        .expect(1)
        .create_async()
        .await;
    let error = client(&server)
        .me()
        .sync_mail_folders()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Graph(_)), "{error:?}");
    assert_eq!(error.status(), Some(410));
    initial.assert_async().await;

    // Resumed round refused, then the full resync refused too: one reset, then the error.
    let (mut server, refused) = refused_resume(410, "SyncStateNotFound", false).await;
    let base = base_url(&server);
    let full = server
        .mock("GET", "/v1.0/me/mailFolders/delta")
        .match_query(Matcher::Exact("".into()))
        .with_status(410)
        .with_body(graph_error("SyncStateNotFound", "gone again").to_string())
        .expect(1)
        .create_async()
        .await;
    let mut stream = std::pin::pin!(client(&server)
        .me()
        .sync_mail_folders()
        .max_page_size(50)
        .resume(format!("{base}/me/mailFolders/delta?$deltatoken=old"))
        .stream());
    assert_eq!(stream.try_next().await.unwrap(), Some(SyncEvent::Reset));
    let error = stream.try_next().await.unwrap_err();
    assert_eq!(error.graph_error().unwrap().message, "gone again");
    assert!(
        stream.try_next().await.unwrap().is_none(),
        "the stream ends"
    );
    refused.assert_async().await;
    full.assert_async().await;
}

#[tokio::test]
async fn a_page_size_of_zero_is_refused_before_sending() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let error = client(&server)
        .me()
        .sync_mail_folders()
        .max_page_size(0)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    none.assert_async().await;
}

// ---- against the sandbox ------------------------------------------------------------------

async fn sandbox() -> Sandbox {
    sandbox_clients::sandbox_with_clock_set(&[ADELE, ALEX]).await
}

async fn send_to_alex(adele: &msgraph_outlook::api::Mailbox, subject: &str) {
    adele
        .send_mail(Message::new().subject(subject).to(ALEX))
        .await
        .unwrap();
}

#[tokio::test]
async fn sandbox_folder_hierarchy_round_then_the_inbox_that_got_mail() {
    let sandbox = sandbox().await;
    let alex = delegated(&sandbox, ALEX).me();
    let first = alex.sync_mail_folders().max_page_size(3).await.unwrap();
    assert_eq!(
        names(&first.changed),
        [
            "Inbox",
            "Drafts",
            "Sent Items",
            "Outbox",
            "Deleted Items",
            "Archive",
            "Junk Email"
        ]
    );
    assert!(first.changed.iter().all(|f| f.total_item_count == Some(0)));
    let link = first.delta_link.expect("a delta link");

    send_to_alex(&delegated(&sandbox, ADELE).me(), "hello").await;
    let changes = alex.sync_mail_folders().resume(&link).await.unwrap();
    assert_eq!(names(&changes.changed), ["Inbox"]);
    let inbox = &changes.changed[0];
    assert_eq!(
        (inbox.total_item_count, inbox.unread_item_count),
        (Some(1), Some(1))
    );
    assert_eq!(inbox.id, first.changed[0].id);
    assert!(changes.removed.is_empty() && !changes.reset);

    // Nothing since: an empty round.
    let quiet = alex
        .sync_mail_folders()
        .resume(changes.delta_link.unwrap())
        .await
        .unwrap();
    assert!(quiet.changed.is_empty() && quiet.removed.is_empty());
}

#[tokio::test]
async fn sandbox_events_round_then_created_updated_and_deleted_events() {
    let sandbox = sandbox().await;
    let adele = delegated(&sandbox, ADELE).me();
    let at = |day: u32, hour: u32| Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap();
    let event = |subject: &str, day: u32| {
        Event::new(
            subject,
            DateTimeTimeZone::utc(at(day, 9)),
            DateTimeTimeZone::utc(at(day, 10)),
        )
    };
    let mut ids = HashMap::new();
    for (subject, day) in [("Standup", 2), ("Review", 3), ("Retro", 4)] {
        let created = adele.create_event(event(subject, day)).await.unwrap();
        ids.insert(subject, created.id.unwrap());
    }
    let (start, end) = (at(1, 0), at(15, 0));
    let first = adele
        .sync_events(start, end)
        .max_page_size(2)
        .await
        .unwrap();
    assert_eq!(
        event_subjects(&first.changed),
        ["Standup", "Review", "Retro"]
    );

    let planning = adele.create_event(event("Planning", 5)).await.unwrap();
    adele
        .event(&ids["Review"])
        .update(EventPatch::new().subject("Review (moved)"))
        .await
        .unwrap();
    adele.event(&ids["Retro"]).delete().await.unwrap();
    let changes = adele
        .sync_events(start, end)
        .resume(first.delta_link.unwrap())
        .await
        .unwrap();
    let changed: Vec<_> = changes
        .changed
        .iter()
        .map(|e| (e.id.clone().unwrap(), e.subject.clone().unwrap()))
        .collect();
    assert_eq!(
        changed,
        [
            (ids["Review"].clone(), "Review (moved)".to_string()),
            (planning.id.unwrap(), "Planning".to_string()),
        ]
    );
    assert_eq!(changes.removed, [ids["Retro"].clone()]);
    assert!(!changes.reset);
}

/// The issue's test: the stored link expired (410) → `SyncEvent::Reset`, then a full resync
/// with every item exactly once, then a new link that works.
#[tokio::test]
async fn sandbox_expired_delta_tokens_reset_then_resync_every_message_once() {
    let sandbox = sandbox().await;
    let adele = delegated(&sandbox, ADELE).me();
    let alex = delegated(&sandbox, ALEX).me();
    for i in 0..12 {
        send_to_alex(&adele, &format!("m{i}")).await;
    }
    let first = alex.sync_messages("inbox").max_page_size(5).await.unwrap();
    assert_eq!(first.changed.len(), 12);

    sandbox.expire_delta_tokens();
    // Meanwhile: one deleted, one new.
    let gone = first.changed[0].id.clone().unwrap();
    alex.message(&gone).delete().await.unwrap();
    send_to_alex(&adele, "m12").await;

    let events: Vec<SyncEvent<Message>> = alex
        .sync_messages("inbox")
        .select(["subject"])
        .max_page_size(5)
        .resume(first.delta_link.unwrap())
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.first(), Some(&SyncEvent::Reset));
    let link = match events.last() {
        Some(SyncEvent::DeltaLink(link)) => link.clone(),
        other => panic!("the round ends with its delta link: {other:?}"),
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for event in &events[1..events.len() - 1] {
        match event {
            SyncEvent::Changed(m) => *seen.entry(m.subject.clone().unwrap()).or_default() += 1,
            other => panic!("only current messages after a reset: {other:?}"),
        }
    }
    let gone_subject = first.changed[0].subject.clone().unwrap();
    let expected: HashMap<String, usize> = (0..=12)
        .map(|i| (format!("m{i}"), 1))
        .filter(|(subject, _)| *subject != gone_subject)
        .collect();
    assert_eq!(seen, expected, "every current message exactly once");
    // $select of the stored initial query applied: no body came back.
    assert!(events[1..events.len() - 1]
        .iter()
        .all(|e| matches!(e, SyncEvent::Changed(m) if m.body.is_none())));

    // The new link works: a later change comes as a plain round.
    send_to_alex(&adele, "m13").await;
    let next = alex.sync_messages("inbox").resume(link).await.unwrap();
    assert!(!next.reset);
    let subjects: Vec<_> = next
        .changed
        .iter()
        .map(|m| m.subject.clone().unwrap())
        .collect();
    assert_eq!(subjects, ["m13"]);
}

#[tokio::test]
async fn sandbox_expired_tokens_reset_folder_and_event_syncs_too() {
    let sandbox = sandbox().await;
    let adele = delegated(&sandbox, ADELE).me();
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    standup(&adele, start).await;
    let folders = adele.sync_mail_folders().await.unwrap();
    let events = adele
        .sync_events(start, start + Duration::days(7))
        .await
        .unwrap();
    sandbox.expire_delta_tokens();

    let folders = adele
        .sync_mail_folders()
        .resume(folders.delta_link.unwrap())
        .await
        .unwrap();
    assert!(folders.reset);
    assert_eq!(folders.changed.len(), 7);
    let events = adele
        .sync_events(start, start + Duration::days(7))
        .resume(events.delta_link.unwrap())
        .await
        .unwrap();
    assert!(events.reset);
    assert_eq!(event_subjects(&events.changed), ["Standup"]);
}

/// The sandbox's delta pages (changed and removed items) match the fragments' page schemas.
#[tokio::test]
async fn sandbox_delta_pages_conform_to_the_openapi_fragments() {
    let sandbox = sandbox().await;
    let adele = delegated(&sandbox, ADELE).me();
    let token = sandbox.delegated_token(ADELE);
    let http = reqwest::Client::new();
    let get = |url: String| {
        let request = http.get(url).bearer_auth(&token);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200);
            serde_json::from_slice::<Value>(&response.bytes().await.unwrap()).unwrap()
        }
    };
    let base = sandbox.base_url();
    let folders = get(format!("{base}/me/mailFolders/delta")).await;
    assert_eq!(values_of(&folders).len(), 7);
    openapi::fragments()
        .validate_response_schema("msgraphOutlook.mailFolderDeltaPage", &folders)
        .unwrap();

    let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let event = standup(&adele, start).await;
    let window = "startDateTime=2026-12-01T00:00:00Z&endDateTime=2026-12-08T00:00:00Z";
    let first = get(format!("{base}/me/calendarView/delta?{window}")).await;
    assert_eq!(values_of(&first).len(), 1);
    adele.event(event.id.unwrap()).delete().await.unwrap();
    let removed = get(first["@odata.deltaLink"].as_str().unwrap().to_string()).await;
    assert_eq!(
        values_of(&removed)[0]["@removed"],
        json!({"reason": "deleted"})
    );
    for page in [&first, &removed] {
        openapi::fragments()
            .validate_response_schema("msgraphOutlook.eventDeltaPage", page)
            .unwrap_or_else(|e| panic!("{}\n{page}", e.join("\n")));
    }
}

/// Creates the "Standup" event, 09:00–10:00 UTC on the day of `start`.
async fn standup(mailbox: &msgraph_outlook::api::Mailbox, start: chrono::DateTime<Utc>) -> Event {
    mailbox
        .create_event(Event::new(
            "Standup",
            DateTimeTimeZone::utc(start + Duration::hours(9)),
            DateTimeTimeZone::utc(start + Duration::hours(10)),
        ))
        .await
        .unwrap()
}

fn values_of(page: &Value) -> Vec<Value> {
    page["value"].as_array().cloned().unwrap_or_default()
}
