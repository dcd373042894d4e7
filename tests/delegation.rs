//! Working in other mailboxes, against mockito: explicit then implicit access (items go back
//! to the mailbox they were read from), calendar permissions, mailbox settings, send on
//! behalf, the errors a delegate sees, and `/me` with an app-only token
//! (seed: ews-delegate-access.md; GRAPH-FACTS §6, §10, §14).

mod common;

use common::{
    base_url, client, expect_json, expect_no_request, graph_error, server, GUID, REQUEST_ID, TOKEN,
};
use mockito::{Matcher, Mock, ServerGuard};
use msgraph_outlook::auth::{ClientCredentials, ClientSecret, StaticToken};
use msgraph_outlook::models::{
    CalendarPermission, CalendarRole, DateTimeTimeZone, DelegateMeetingMessageDeliveryOptions,
    Event, EventPatch, ItemSource, MailboxRef, MailboxSettings, Message,
};
use msgraph_outlook::{Cloud, Error, GraphClient, MissingRight};
use serde_json::{json, Value};

const OWNER: &str = "/users/owner@contoso.com";

fn graph_event(id: &str, subject: &str) -> Value {
    json!({
        "@odata.etag": "W/\"DwAAABYAAAB\"",
        "id": id,
        "subject": subject,
        "start": {"dateTime": "2026-12-02T17:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-02T18:00:00.0000000", "timeZone": "UTC"},
        "organizer": {"emailAddress": {"name": "Owner", "address": "owner@contoso.com"}},
        "attendees": []
    })
}

/// A GET answered with `body`, with the headers every request carries.
fn get(server: &mut ServerGuard, path: &str, body: &Value) -> Mock {
    server
        .mock("GET", format!("/v1.0{path}").as_str())
        .match_query(Matcher::Any)
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_header("client-request-id", Matcher::Regex(GUID.into()))
        .with_header("request-id", REQUEST_ID)
        .with_body(body.to_string())
        .expect(1)
}

/// Mocks that fail the test if anything reaches `/me/…`.
async fn nothing_under_me(server: &mut ServerGuard) -> Vec<Mock> {
    let mut mocks = Vec::new();
    for method in ["GET", "POST", "PATCH", "DELETE"] {
        mocks.push(
            server
                .mock(method, Matcher::Regex("^/v1.0/me/".into()))
                .expect(0)
                .create_async()
                .await,
        );
    }
    mocks
}

// ------------------------------------------------------------------------------------------
// Explicit, then implicit access.
// ------------------------------------------------------------------------------------------

/// The seed's FindItems(new FolderId(WellKnownFolderName.Calendar, owner)) then Item.Bind +
/// Update + Delete with the returned id: the find names the owner, the update and delete do
/// not, and all three reach `/users/{owner}/…` only.
#[tokio::test]
async fn a_find_in_the_owners_calendar_then_update_and_delete_stay_in_the_owners_mailbox() {
    let mut server = server().await;
    let guard = nothing_under_me(&mut server).await;
    let find = get(
        &mut server,
        &format!("{OWNER}/calendarView"),
        &json!({"value": [graph_event("AAMkOwner1", "Budget review")]}),
    )
    .create_async()
    .await;
    let update = expect_json(
        &mut server,
        "PATCH",
        &format!("{OWNER}/events/AAMkOwner1"),
        json!({"location": {"displayName": "Room 2"}}),
    )
    .match_header("if-match", "W/\"DwAAABYAAAB\"")
    .with_body(graph_event("AAMkOwner1", "Budget review").to_string())
    .create_async()
    .await;
    let delete = server
        .mock("DELETE", format!("/v1.0{OWNER}/events/AAMkOwner1").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(204)
        .expect(1)
        .create_async()
        .await;

    let client = client(&server);
    let start = chrono::Utc::now();
    // Explicit access: the only place the owner is named.
    let found = client
        .user("owner@contoso.com")
        .calendar_view(start, start + chrono::Duration::days(7))
        .collect()
        .await
        .unwrap();
    let event = &found[0];
    assert_eq!(
        event.source,
        Some(ItemSource::new(MailboxRef::User(
            "owner@contoso.com".into()
        )))
    );
    // Implicit access, from the client …
    let updated = client
        .event_from(event)
        .unwrap()
        .update(EventPatch::new().location("Room 2"))
        .await
        .unwrap();
    // … and even from a handle on another mailbox: the item's own mailbox wins.
    client
        .me()
        .event_from(&updated.event)
        .delete()
        .await
        .unwrap();

    find.assert_async().await;
    update.assert_async().await;
    delete.assert_async().await;
    for mock in guard {
        mock.assert_async().await;
    }
}

/// A calendar delegated to the signed-in user is reached through `/me/calendars/{id}`
/// (GRAPH-FACTS §6.1); events read there are changed there.
#[tokio::test]
async fn events_of_a_delegated_calendar_are_changed_through_that_calendar() {
    let mut server = server().await;
    let list = get(
        &mut server,
        "/me/calendars/AAMkDelegated/events",
        &json!({"value": [graph_event("AAMkEv", "1:1")]}),
    )
    .create_async()
    .await;
    let accept = expect_json(
        &mut server,
        "POST",
        "/me/calendars/AAMkDelegated/events/AAMkEv/accept",
        json!({"sendResponse": true}),
    )
    .with_status(202)
    .create_async()
    .await;
    let client = client(&server);
    let events = client
        .me()
        .calendar("AAMkDelegated")
        .list_events()
        .collect()
        .await
        .unwrap();
    assert_eq!(
        events[0].source,
        Some(ItemSource::in_calendar(MailboxRef::Me, "AAMkDelegated"))
    );
    client
        .event_from(&events[0])
        .unwrap()
        .accept()
        .send_response(true)
        .await
        .unwrap();
    list.assert_async().await;
    accept.assert_async().await;
}

/// A draft created in the owner's mailbox is sent from there (EWS: a delegate saves an item
/// in the owner's Drafts, then sends it by id).
#[tokio::test]
async fn a_draft_created_in_the_owners_mailbox_is_sent_from_it() {
    let mut server = server().await;
    let guard = nothing_under_me(&mut server).await;
    let create = expect_json(
        &mut server,
        "POST",
        &format!("{OWNER}/messages"),
        json!({"subject": "Minutes", "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]}),
    )
    .with_status(201)
    .with_body(common::graph_message("AAMkDraft", "Minutes").to_string())
    .create_async()
    .await;
    let send = server
        .mock(
            "POST",
            format!("/v1.0{OWNER}/messages/AAMkDraft/send").as_str(),
        )
        .match_header("content-length", "0")
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    let client = client(&server);
    let draft = client
        .user("owner@contoso.com")
        .create_draft(Message::new().subject("Minutes").to("alex@contoso.com"))
        .await
        .unwrap();
    client.message_from(&draft).unwrap().send().await.unwrap();
    create.assert_async().await;
    send.assert_async().await;
    for mock in guard {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn an_item_not_read_through_the_client_has_no_mailbox_to_go_back_to() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let client = client(&server);
    let event: msgraph_outlook::models::Event =
        serde_json::from_value(graph_event("AAMk1", "x")).unwrap();
    let err = client.event_from(&event).unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(err.to_string().contains("not read through this client"));
    let err = client.message_from(&Message::new()).unwrap_err();
    assert!(err.to_string().contains("has no id"), "{err}");
    none.assert_async().await;
}

/// Items of later pages remember their mailbox too.
#[tokio::test]
async fn every_page_of_a_listing_remembers_the_owners_mailbox() {
    let mut server = server().await;
    let url = server.url();
    let first = get(
        &mut server,
        &format!("{OWNER}/messages"),
        &json!({
            "value": [common::graph_message("AAMk1", "one")],
            "@odata.nextLink": format!("{url}/v1.0{OWNER}/messages?%24skip=1")
        }),
    )
    .match_query(Matcher::Missing)
    .create_async()
    .await;
    let second = get(
        &mut server,
        &format!("{OWNER}/messages"),
        &json!({"value": [common::graph_message("AAMk2", "two")]}),
    )
    .match_query(Matcher::UrlEncoded("$skip".into(), "1".into()))
    .create_async()
    .await;
    let messages = client(&server)
        .user("owner@contoso.com")
        .list_messages()
        .collect()
        .await
        .unwrap();
    let owner = Some(ItemSource::new(MailboxRef::User(
        "owner@contoso.com".into(),
    )));
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| m.source == owner));
    first.assert_async().await;
    second.assert_async().await;
}

// ------------------------------------------------------------------------------------------
// Calendar permissions.
// ------------------------------------------------------------------------------------------

fn permission(id: &str, address: &str, role: &str, allowed: &[&str]) -> Value {
    json!({
        "id": id,
        "emailAddress": {"name": "Adele Vance", "address": address},
        "isRemovable": true,
        "isInsideOrganization": true,
        "role": role,
        "allowedRoles": allowed
    })
}

const ALL_ROLES: [&str; 7] = [
    "none",
    "freeBusyRead",
    "limitedRead",
    "read",
    "write",
    "delegateWithoutPrivateEventAccess",
    "delegateWithPrivateEventAccess",
];

#[tokio::test]
async fn calendar_permissions_are_created_changed_and_removed_with_exact_bodies() {
    let mut server = server().await;
    let id = "RXhjaGFuZ2VQdWJsaXNoZWRVc2VyLmFkZWxlQGNvbnRvc28uY29t";
    let path = format!("{OWNER}/calendar/calendarPermissions");
    let create = expect_json(
        &mut server,
        "POST",
        &path,
        json!({
            "emailAddress": {"name": "Adele Vance", "address": "adele@contoso.com"},
            "isInsideOrganization": true,
            "role": "delegateWithoutPrivateEventAccess"
        }),
    )
    .with_status(200)
    .with_body(
        permission(
            id,
            "adele@contoso.com",
            "delegateWithoutPrivateEventAccess",
            &ALL_ROLES,
        )
        .to_string(),
    )
    .create_async()
    .await;
    let update = expect_json(
        &mut server,
        "PATCH",
        &format!("{path}/{id}"),
        json!({"role": "write"}),
    )
    .with_body(permission(id, "adele@contoso.com", "write", &ALL_ROLES).to_string())
    .create_async()
    .await;
    let delete = server
        .mock("DELETE", format!("/v1.0{path}/{id}").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(204)
        .expect(1)
        .create_async()
        .await;

    let permissions = client(&server)
        .user("owner@contoso.com")
        .calendar_permissions();
    let granted = permissions
        .create(
            CalendarPermission::new(
                "adele@contoso.com",
                CalendarRole::DelegateWithoutPrivateEventAccess,
            )
            .name("Adele Vance")
            .inside_organization(true),
        )
        .await
        .unwrap();
    assert_eq!(granted.allowed_roles.len(), 7);
    let changed = permissions
        .update_role(&granted, CalendarRole::Write)
        .await
        .unwrap();
    assert_eq!(changed.role, Some(CalendarRole::Write));
    permissions.delete(&changed).await.unwrap();
    create.assert_async().await;
    update.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn permissions_of_a_given_calendar_are_listed_with_unknown_roles_kept() {
    let mut server = server().await;
    let list = get(
        &mut server,
        "/me/calendars/AAMkKids/calendarPermissions",
        &json!({"value": [
            {"id": "RGVmYXVsdA==", "isRemovable": false, "isInsideOrganization": true,
             "role": "freeBusyRead", "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read"],
             "emailAddress": {"name": "My Organization"}},
            permission("RXhj", "megan@contoso.com", "someFutureRole", &["read", "write"])
        ]}),
    )
    .create_async()
    .await;
    let permissions = client(&server)
        .me()
        .calendar("AAMkKids")
        .calendar_permissions()
        .list()
        .collect()
        .await
        .unwrap();
    assert_eq!(permissions[0].address(), None);
    assert_eq!(permissions[0].is_removable, Some(false));
    assert_eq!(
        permissions[1].role,
        Some(CalendarRole::Other("someFutureRole".into()))
    );
    list.assert_async().await;
}

/// A role outside `allowedRoles` as read from Graph, and removing "My Organization", are
/// refused without a request.
#[tokio::test]
async fn a_role_not_allowed_makes_zero_requests() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let permissions = client(&server).me().calendar_permissions();
    let organization: CalendarPermission = serde_json::from_value(json!({
        "id": "RGVmYXVsdA==", "isRemovable": false, "isInsideOrganization": true,
        "role": "freeBusyRead", "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read"],
        "emailAddress": {"name": "My Organization"}
    }))
    .unwrap();
    let err = permissions
        .update_role(&organization, CalendarRole::Write)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("allowed are none, freeBusyRead, limitedRead, read"),
        "{err}"
    );
    let err = permissions.delete(&organization).await.unwrap_err();
    assert!(err.to_string().contains("not removable"), "{err}");
    let err = permissions
        .create(CalendarPermission::new(
            "not an address",
            CalendarRole::Read,
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    none.assert_async().await;
}

// ------------------------------------------------------------------------------------------
// Mailbox settings.
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn delegate_meeting_message_delivery_is_read_and_set_through_mailbox_settings() {
    let mut server = server().await;
    let read = get(
        &mut server,
        &format!("{OWNER}/mailboxSettings"),
        &json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('owner@contoso.com')/mailboxSettings",
            "archiveFolder": "AQMkAGI2…",
            "timeZone": "UTC",
            "language": {"locale": "en-US", "displayName": "English (United States)"},
            "dateFormat": "M/d/yyyy",
            "timeFormat": "h:mm tt",
            "userPurpose": "user",
            "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
            "workingHours": {"daysOfWeek": ["monday"], "startTime": "08:00:00.0000000",
                             "endTime": "17:00:00.0000000", "timeZone": {"name": "UTC"}}
        }),
    )
    .create_async()
    .await;
    let patch = expect_json(
        &mut server,
        "PATCH",
        &format!("{OWNER}/mailboxSettings"),
        json!({"delegateMeetingMessageDeliveryOptions": "sendToDelegateAndPrincipal"}),
    )
    .with_body(
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Me/mailboxSettings",
            "delegateMeetingMessageDeliveryOptions": "sendToDelegateAndPrincipal"
        })
        .to_string(),
    )
    .create_async()
    .await;
    let owner = client(&server).user("owner@contoso.com");
    let settings = owner.mailbox_settings().await.unwrap();
    assert_eq!(
        settings.delegate_meeting_message_delivery_options,
        Some(DelegateMeetingMessageDeliveryOptions::SendToDelegateOnly)
    );
    assert_eq!(settings.time_zone.as_deref(), Some("UTC"));
    let changed = owner
        .update_mailbox_settings(
            MailboxSettings::new().delegate_meeting_message_delivery_options(
                DelegateMeetingMessageDeliveryOptions::SendToDelegateAndPrincipal,
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        changed.delegate_meeting_message_delivery_options,
        Some(DelegateMeetingMessageDeliveryOptions::SendToDelegateAndPrincipal)
    );
    // Nothing to change is refused (it would be an empty PATCH).
    assert!(matches!(
        owner.update_mailbox_settings(MailboxSettings::new()).await,
        Err(Error::InvalidRequest(_))
    ));
    read.assert_async().await;
    patch.assert_async().await;
}

// ------------------------------------------------------------------------------------------
// Shared calendars; send on behalf.
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn shared_calendars_are_those_owned_by_someone_else() {
    let mut server = server().await;
    let own = get(
        &mut server,
        "/me/calendar",
        &json!({"id": "AAMkOwn", "name": "Calendar", "canShare": true,
                "owner": {"name": "Adele Vance", "address": "AdeleV@contoso.com"}}),
    )
    .create_async()
    .await;
    let all = get(
        &mut server,
        "/me/calendars",
        &json!({"value": [
            {"id": "AAMkOwn", "name": "Calendar", "canShare": true, "canEdit": true,
             "owner": {"name": "Adele Vance", "address": "adelev@contoso.com"}},
            {"id": "AAMkAlex", "name": "Alex Wilber", "canShare": false, "canEdit": true,
             "owner": {"name": "Alex Wilber", "address": "AlexW@contoso.com"}}
        ]}),
    )
    .create_async()
    .await;
    let shared = client(&server).me().shared_calendars().await.unwrap();
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0].id.as_deref(), Some("AAMkAlex"));
    own.assert_async().await;
    all.assert_async().await;
}

/// Send on behalf (or as): `from` is the owner, sent through the delegate's own mailbox, so
/// the copy is in the delegate's Sent Items; Graph sets `sender` from the rights.
#[tokio::test]
async fn send_on_behalf_sets_from_to_the_owner_and_sends_from_me() {
    let mut server = server().await;
    let send = common::expect_json_post(
        &mut server,
        "/me/sendMail",
        json!({
            "message": {
                "subject": "Board minutes",
                "from": {"emailAddress": {"address": "owner@contoso.com"}},
                "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]
            }
        }),
    )
    .await;
    client(&server)
        .me()
        .send_mail(
            Message::new()
                .subject("Board minutes")
                .from("owner@contoso.com")
                .to("alex@contoso.com"),
        )
        .await
        .unwrap();
    send.assert_async().await;
}

// ------------------------------------------------------------------------------------------
// Errors a delegate sees.
// ------------------------------------------------------------------------------------------

async fn error_for(status: usize, code: &str, message: &str) -> Error {
    let mut server = server().await;
    let mock = server
        .mock("GET", "/v1.0/users/owner@contoso.com/events/AAMk1")
        .with_status(status)
        .with_header("request-id", REQUEST_ID)
        .with_header("client-request-id", "11111111-2222-4333-8444-555555555555")
        .with_body(graph_error(code, message).to_string())
        .expect(1)
        .create_async()
        .await;
    let err = client(&server)
        .user("owner@contoso.com")
        .event("AAMk1")
        .get()
        .await
        .unwrap_err();
    mock.assert_async().await;
    err
}

#[tokio::test]
async fn a_delegates_refusals_map_to_typed_errors_that_name_the_missing_right() {
    let denied = "Access is denied. Check credentials and try again.";
    let cases = [
        (
            "ErrorSendAsDenied",
            "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message.",
            MissingRight::SendAs,
            "Send As or Send on Behalf",
        ),
        (
            "ErrorAccessDenied",
            denied,
            MissingRight::MailboxAccess,
            "Full Access",
        ),
        (
            "DelegatedCalendarAccessDenied",
            denied,
            MissingRight::DelegatedCalendarAccess,
            "Calendars.Read.Shared",
        ),
    ];
    for (code, message, missing, named) in cases {
        let err = error_for(403, code, message).await;
        let Error::AccessDenied(denied) = &err else {
            panic!("expected AccessDenied for {code}, got {err:?}");
        };
        assert_eq!(denied.missing, missing);
        assert_eq!(denied.error.code.as_deref(), Some(code));
        assert!(err.is_access_denied());
        assert_eq!(err.status(), Some(403));
        assert_eq!(err.graph_code(), Some(code));
        assert_eq!(err.request_id(), Some(REQUEST_ID));
        assert_eq!(
            err.client_request_id(),
            Some("11111111-2222-4333-8444-555555555555")
        );
        let shown = err.to_string();
        assert!(
            shown.contains(named) && shown.contains(code) && shown.contains(REQUEST_ID),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn not_found_and_mailbox_not_enabled_are_typed() {
    let err = error_for(
        404,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
    .await;
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert!(err.is_not_found());
    assert!(err.to_string().contains("ids belong to one mailbox"));

    let err = error_for(
        404,
        "MailboxNotEnabledForRESTAPI",
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    )
    .await;
    assert!(matches!(err, Error::MailboxNotEnabled(_)), "{err:?}");
    assert_eq!(err.graph_code(), Some("MailboxNotEnabledForRESTAPI"));

    // Sometimes the code comes as the inner error (GRAPH-FACTS §6.4).
    let mut server = server().await;
    let mock = server
        .mock("GET", "/v1.0/users/nomailbox@contoso.com/mailboxSettings")
        .with_status(404)
        .with_body(
            json!({"error": {"code": "ResourceNotFound", "message": "Resource could not be discovered.",
                   "innerError": {"code": "MailboxNotEnabledForRESTAPI", "request-id": REQUEST_ID}}})
            .to_string(),
        )
        .create_async()
        .await;
    let err = client(&server)
        .user("nomailbox@contoso.com")
        .mailbox_settings()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MailboxNotEnabled(_)), "{err:?}");
    mock.assert_async().await;
}

// ------------------------------------------------------------------------------------------
// Impersonation: app-only tokens and /me.
// ------------------------------------------------------------------------------------------

/// The client knows a client-credentials provider is app-only: `/me` is refused before any
/// token request or Graph request.
#[tokio::test]
async fn me_with_client_credentials_is_refused_without_a_request() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let cloud = Cloud::from_base_url(&base_url(&server), &server.url()).unwrap();
    let credentials = ClientCredentials::new(
        &cloud,
        "contoso.onmicrosoft.com",
        "11111111-2222-3333-4444-555555555555",
        ClientSecret::new("not-sent"),
    )
    .unwrap();
    let app = GraphClient::builder()
        .base_url(base_url(&server))
        .token_provider(credentials)
        .build()
        .unwrap();
    let err = app
        .me()
        .send_mail(Message::new().subject("x").to("alex@contoso.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::MeWithAppOnlyToken { graph: None }),
        "{err:?}"
    );
    assert!(err.to_string().contains("client.user(id)"), "{err}");
    let err = app.me().mailbox_settings().await.unwrap_err();
    assert!(matches!(err, Error::MeWithAppOnlyToken { .. }), "{err:?}");
    none.assert_async().await;
}

/// With a token of unknown kind the request goes out; Graph's 400 maps to the same error.
#[tokio::test]
async fn graphs_400_for_me_with_an_app_token_maps_to_the_same_error() {
    let mut server = server().await;
    let mock = server
        .mock("GET", "/v1.0/me/calendar")
        .with_status(400)
        .with_header("request-id", REQUEST_ID)
        .with_body(
            graph_error(
                "BadRequest",
                "/me request is only valid with delegated authentication flow.",
            )
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let unknown_kind = GraphClient::builder()
        .base_url(base_url(&server))
        .token_provider(StaticToken::new(TOKEN))
        .build()
        .unwrap();
    let err = unknown_kind.me().default_calendar().await.unwrap_err();
    let Error::MeWithAppOnlyToken { graph: Some(graph) } = &err else {
        panic!("expected MeWithAppOnlyToken, got {err:?}");
    };
    assert_eq!(graph.status, 400);
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    mock.assert_async().await;
}

/// An app-only token reaches any mailbox through `/users/{id}` (application permissions).
#[tokio::test]
async fn an_app_only_token_reaches_any_mailbox_through_users() {
    let mut server = server().await;
    let read = get(
        &mut server,
        &format!("{OWNER}/calendar/calendarPermissions"),
        &json!({"value": []}),
    )
    .create_async()
    .await;
    let app = GraphClient::builder()
        .base_url(base_url(&server))
        .token_provider(StaticToken::application(TOKEN))
        .build()
        .unwrap();
    let permissions = app
        .user("owner@contoso.com")
        .calendar_permissions()
        .list()
        .collect()
        .await
        .unwrap();
    assert!(permissions.is_empty());
    read.assert_async().await;
}

// ------------------------------------------------------------------------------------------
// Graph's documented answers (tests/fixtures/delegation, sources in its README).
// ------------------------------------------------------------------------------------------

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/delegation/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

/// "Create Outlook events in a shared or delegated calendar": the attendee's invitation is
/// from the owner, sent by the delegate; the event's organizer is the owner.
#[tokio::test]
async fn from_sender_and_organizer_are_read_as_graph_returns_them_for_a_delegates_invitation() {
    let mut server = server().await;
    let message = fixture("delegated-meeting-request-message.json");
    let id = message["id"].as_str().unwrap().to_string();
    let path = format!("/me/messages/{id}");
    // Read twice: the message, then its event through $expand.
    let get_message = get(&mut server, &path, &message)
        .expect(2)
        .create_async()
        .await;
    let me = client(&server).me();
    let read = me.message(id.as_str()).get().await.unwrap();
    assert_eq!(
        read.from.as_ref().and_then(|r| r.address()),
        Some("AlexW@contoso.OnMicrosoft.com")
    );
    assert_eq!(
        read.sender.as_ref().and_then(|r| r.address()),
        message["sender"]["emailAddress"]["address"].as_str()
    );
    assert_ne!(
        read.from, read.sender,
        "sent on behalf: sender is the delegate"
    );
    let event = me.message(id.as_str()).meeting_event().await.unwrap();
    assert_eq!(
        event.organizer.as_ref().and_then(|r| r.address()),
        Some("AlexW@contoso.OnMicrosoft.com")
    );
    assert_eq!(event.source, Some(ItemSource::new(MailboxRef::Me)));
    get_message.assert_async().await;

    let owner_copy: msgraph_outlook::models::Event =
        serde_json::from_value(fixture("delegated-event-owner-get.json")).unwrap();
    assert_eq!(owner_copy.is_organizer, Some(true));
    assert!(owner_copy.organizer.is_some());
}

#[test]
fn documented_permissions_settings_and_calendars_parse() {
    let page: msgraph_outlook::Page<CalendarPermission> =
        serde_json::from_value(fixture("calendar-permissions-list-delegate.json")).unwrap();
    assert!(page
        .value
        .iter()
        .any(|p| p.role == Some(CalendarRole::DelegateWithPrivateEventAccess)));
    assert!(page
        .value
        .iter()
        .any(|p| p.is_removable == Some(false) && p.address().is_none()));
    let settings: MailboxSettings =
        serde_json::from_value(fixture("mailbox-settings-get.json")).unwrap();
    assert_eq!(
        settings.delegate_meeting_message_delivery_options,
        Some(DelegateMeetingMessageDeliveryOptions::SendToDelegateOnly)
    );
    let calendars: msgraph_outlook::Page<msgraph_outlook::models::Calendar> =
        serde_json::from_value(fixture("delegated-calendars-list.json")).unwrap();
    assert!(calendars
        .value
        .iter()
        .any(|c| c.can_share == Some(false) && c.can_edit == Some(true)));
}

// ---- Item 8: a refused write to another user's calendar names the calendar role. ----

async fn refused_write(
    method: &str,
    path: &str,
    code: &str,
    call: impl FnOnce(GraphClient) -> futures_util::future::BoxFuture<'static, Error>,
) -> Error {
    let mut server = server().await;
    let mock = server
        .mock(method, format!("/v1.0{path}").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(403)
        .with_header("request-id", REQUEST_ID)
        .with_body(
            graph_error(code, "Access is denied. Check credentials and try again.").to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let err = call(client(&server)).await;
    mock.assert_async().await;
    err
}

#[tokio::test]
async fn a_refused_write_to_another_users_calendar_names_the_calendar_role_not_full_access() {
    use futures_util::FutureExt;
    let start = DateTimeTimeZone::new("2026-12-01T10:00:00", "UTC");
    let end = DateTimeTimeZone::new("2026-12-01T11:00:00", "UTC");
    let writes: Vec<(&str, &str, &str, Error)> = vec![
        (
            "PATCH",
            "/users/owner@contoso.com/events/AAMk1",
            "ErrorAccessDenied",
            refused_write(
                "PATCH",
                "/users/owner@contoso.com/events/AAMk1",
                "ErrorAccessDenied",
                |c| {
                    async move {
                        c.user("owner@contoso.com")
                            .event("AAMk1")
                            .update(EventPatch::new().location("Room 2"))
                            .await
                            .unwrap_err()
                    }
                    .boxed()
                },
            )
            .await,
        ),
        (
            "POST",
            "/users/owner@contoso.com/events",
            "DelegatedCalendarAccessDenied",
            refused_write(
                "POST",
                "/users/owner@contoso.com/events",
                "DelegatedCalendarAccessDenied",
                {
                    let (start, end) = (start.clone(), end.clone());
                    move |c| {
                        async move {
                            c.user("owner@contoso.com")
                                .create_event(Event::new("Review", start, end))
                                .await
                                .unwrap_err()
                        }
                        .boxed()
                    }
                },
            )
            .await,
        ),
        (
            "DELETE",
            "/me/calendars/AAMkShared/events/AAMk2",
            "ErrorAccessDenied",
            refused_write(
                "DELETE",
                "/me/calendars/AAMkShared/events/AAMk2",
                "ErrorAccessDenied",
                |c| {
                    async move {
                        c.me()
                            .calendar("AAMkShared")
                            .event("AAMk2")
                            .delete()
                            .await
                            .unwrap_err()
                    }
                    .boxed()
                },
            )
            .await,
        ),
    ];
    for (method, path, code, err) in writes {
        let Error::AccessDenied(denied) = &err else {
            panic!("{method} {path}: expected AccessDenied, got {err:?}");
        };
        assert_eq!(
            denied.missing,
            MissingRight::CalendarWrite,
            "{method} {path}"
        );
        assert_eq!(err.graph_code(), Some(code));
        assert_eq!(err.status(), Some(403));
        assert_eq!(err.request_id(), Some(REQUEST_ID));
        let shown = err.to_string();
        assert!(
            shown.contains("write (EWS Editor), or delegateWithoutPrivateEventAccess")
                && shown.contains("Full Access to the mailbox is not needed")
                && shown.contains("Calendars.ReadWrite.Shared"),
            "{shown}"
        );
    }

    // A read, or mail, keeps the mailbox-access hint.
    let err = error_for(403, "ErrorAccessDenied", "Access is denied.").await;
    assert!(matches!(&err, Error::AccessDenied(d) if d.missing == MissingRight::MailboxAccess));
    let err = refused_write(
        "POST",
        "/users/owner@contoso.com/sendMail",
        "ErrorAccessDenied",
        |c| {
            async move {
                c.user("owner@contoso.com")
                    .send_mail(Message::new().subject("Hi").to("alex@contoso.com"))
                    .await
                    .unwrap_err()
            }
            .boxed()
        },
    )
    .await;
    assert!(matches!(&err, Error::AccessDenied(d) if d.missing == MissingRight::MailboxAccess));
}
