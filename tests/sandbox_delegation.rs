//! Working in other mailboxes end to end against the sandbox: the owner grants, the delegate
//! works through explicit then implicit access, rights are enforced with Graph's errors, and
//! the client turns them into typed ones (seed: ews-delegate-access.md).

#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;

use chrono::{TimeZone, Utc};
use msgraph_outlook::auth::StaticToken;
use msgraph_outlook::models::{
    Attendee, CalendarPermission, CalendarRole, DateTimeTimeZone,
    DelegateMeetingMessageDeliveryOptions, Event, EventPatch, MailItem, MailboxSettings, Message,
};
use msgraph_outlook::{Error, GraphClient, MissingRight};
use msgraph_outlook_sandbox::Sandbox;
use sandbox_clients::{app, app_credentials, cloud, delegated};

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";
const MEGAN: &str = "megan@contoso.com";

async fn sandbox() -> Sandbox {
    sandbox_clients::sandbox_with_clock_set(&[ADELE, ALEX, MEGAN]).await
}

fn review(hour: u32) -> Event {
    let start = Utc.with_ymd_and_hms(2026, 12, 2, hour, 0, 0).unwrap();
    Event::new(
        "Budget review",
        DateTimeTimeZone::utc(start),
        DateTimeTimeZone::utc(start + chrono::Duration::hours(1)),
    )
}

fn paths_since(sandbox: &Sandbox, from: usize) -> Vec<String> {
    sandbox.requests()[from..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test]
async fn a_delegate_finds_updates_and_deletes_in_the_owners_calendar_by_id_only() {
    let sandbox = sandbox().await;
    let alex = delegated(&sandbox, ALEX);
    alex.me().create_event(review(10)).await.unwrap();

    // Without a permission: Graph's DelegatedCalendarAccessDenied, typed.
    let adele = delegated(&sandbox, ADELE);
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let end = start + chrono::Duration::days(7);
    let err = adele
        .user(ALEX)
        .calendar_view(start, end)
        .collect()
        .await
        .unwrap_err();
    let Error::AccessDenied(denied) = &err else {
        panic!("expected AccessDenied, got {err:?}");
    };
    assert_eq!(denied.missing, MissingRight::DelegatedCalendarAccess);

    // Read only: reading works, changing is ErrorAccessDenied.
    let permissions = alex.me().calendar_permissions();
    let granted = permissions
        .create(CalendarPermission::new(ADELE, CalendarRole::Read))
        .await
        .unwrap();
    let found = adele
        .user(ALEX)
        .calendar_view(start, end)
        .collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let err = adele
        .event_from(&found[0])
        .unwrap()
        .update(EventPatch::new().location("Room 2"))
        .await
        .unwrap_err();
    // The hint names the calendar role to grant, not Full Access (issue 16 item 8).
    assert!(
        matches!(&err, Error::AccessDenied(d) if d.missing == MissingRight::CalendarWrite),
        "{err:?}"
    );

    // Write: the update and the delete go by id to Alex's mailbox, never to /me.
    permissions
        .update_role(&granted, CalendarRole::Write)
        .await
        .unwrap();
    let before = sandbox.requests().len();
    let updated = adele
        .event_from(&found[0])
        .unwrap()
        .update(EventPatch::new().location("Room 2"))
        .await
        .unwrap();
    assert_eq!(
        sandbox.events(ALEX)[0]["location"]["displayName"],
        serde_json::json!("Room 2")
    );
    adele
        .me()
        .event_from(&updated.event)
        .delete()
        .await
        .unwrap();
    assert!(sandbox.events(ALEX).is_empty());
    let paths = paths_since(&sandbox, before);
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(
        paths
            .iter()
            .all(|p| p.contains("/v1.0/users/alex@contoso.com/events/")),
        "{paths:?}"
    );
}

#[tokio::test]
async fn a_delegate_creates_a_meeting_in_the_delegated_calendar_on_the_owners_behalf() {
    let sandbox = sandbox().await;
    let alex = delegated(&sandbox, ALEX);
    let adele = delegated(&sandbox, ADELE);
    alex.me()
        .calendar_permissions()
        .create(CalendarPermission::new(
            ADELE,
            CalendarRole::DelegateWithoutPrivateEventAccess,
        ))
        .await
        .unwrap();
    // Delegates get meeting messages; show Alex his copy too.
    alex.me()
        .update_mailbox_settings(
            MailboxSettings::new().delegate_meeting_message_delivery_options(
                DelegateMeetingMessageDeliveryOptions::SendToDelegateAndPrincipal,
            ),
        )
        .await
        .unwrap();

    let shared = adele.me().shared_calendars().await.unwrap();
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0].can_share, Some(false));
    assert_eq!(shared[0].can_edit, Some(true));
    let calendar = adele.me().calendar(shared[0].id.clone().unwrap());
    let created = calendar
        .create_event(review(14).attendee(Attendee::required(MEGAN)))
        .await
        .unwrap();
    assert_eq!(
        created.organizer.as_ref().and_then(|o| o.address()),
        Some(ALEX)
    );

    // Megan's invitation: from Alex, sent by Adele.
    let inbox = delegated(&sandbox, MEGAN)
        .me()
        .mail_items("inbox")
        .collect()
        .await
        .unwrap();
    let invitation = inbox
        .iter()
        .find(|item| matches!(item, MailItem::EventMessageRequest(_)))
        .expect("an invitation");
    assert_eq!(
        invitation.message().from.as_ref().and_then(|r| r.address()),
        Some(ALEX)
    );
    assert_eq!(
        invitation
            .message()
            .sender
            .as_ref()
            .and_then(|r| r.address()),
        Some(ADELE)
    );

    // Implicit access through the delegated calendar.
    let before = sandbox.requests().len();
    adele
        .event_from(&created)
        .unwrap()
        .update(EventPatch::new().subject("Budget review (moved)"))
        .await
        .unwrap();
    let paths = paths_since(&sandbox, before);
    assert!(
        paths[0].starts_with("PATCH /v1.0/me/calendars/"),
        "{paths:?}"
    );
    assert_eq!(
        sandbox.events(ALEX)[0]["subject"],
        serde_json::json!("Budget review (moved)")
    );
    let settings = alex.me().mailbox_settings().await.unwrap();
    assert_eq!(
        settings.delegate_meeting_message_delivery_options,
        Some(DelegateMeetingMessageDeliveryOptions::SendToDelegateAndPrincipal)
    );
}

#[tokio::test]
async fn permissions_read_from_the_sandbox_refuse_roles_they_do_not_allow() {
    let sandbox = sandbox().await;
    let permissions = app(&sandbox).user(ALEX).calendar_permissions();
    let listed = permissions.list().collect().await.unwrap();
    let organization = listed
        .iter()
        .find(|p| p.is_removable == Some(false))
        .expect("My Organization");
    let before = sandbox.requests().len();
    let err = permissions
        .update_role(organization, CalendarRole::DelegateWithPrivateEventAccess)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(permissions.delete(organization).await.is_err());
    assert_eq!(sandbox.requests().len(), before, "nothing was sent");
    // A delegate does not see the owner's permissions.
    assert!(delegated(&sandbox, ADELE)
        .user(ALEX)
        .calendar_permissions()
        .list()
        .collect()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn send_as_on_behalf_and_from_the_owners_mailbox_follow_the_rights() {
    let sandbox = sandbox().await;
    let adele = delegated(&sandbox, ADELE);
    let minutes = || Message::new().subject("Minutes").from(ALEX).to(MEGAN);
    let err = adele.me().send_mail(minutes()).await.unwrap_err();
    assert!(
        matches!(&err, Error::AccessDenied(d) if d.missing == MissingRight::SendAs),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("Send On Behalf") || err.to_string().contains("Send on Behalf")
    );

    sandbox.grant_send_as(ALEX, ADELE);
    adele.me().send_mail(minutes()).await.unwrap();
    let received = &sandbox.messages(MEGAN, "inbox")[0];
    assert_eq!(received["from"]["emailAddress"]["address"], ALEX);
    assert_eq!(received["sender"]["emailAddress"]["address"], ALEX);
    assert_eq!(sandbox.messages(ADELE, "sentitems").len(), 1);

    let err = adele
        .user(ALEX)
        .send_mail(Message::new().subject("Agenda").to(MEGAN))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::AccessDenied(d) if d.missing == MissingRight::MailboxAccess),
        "{err:?}"
    );
    sandbox.grant_full_access(ALEX, ADELE);
    adele
        .user(ALEX)
        .send_mail(Message::new().subject("Agenda").to(MEGAN))
        .await
        .unwrap();
    assert_eq!(sandbox.messages(ALEX, "sentitems").len(), 1);
}

#[tokio::test]
async fn impersonation_reaches_every_mailbox_and_me_is_refused_without_a_request() {
    let sandbox = sandbox().await;
    sandbox.add_user_without_mailbox("printer@contoso.com");
    let app = app(&sandbox);
    app.user(MEGAN)
        .send_mail(Message::new().subject("From the service").to(ALEX))
        .await
        .unwrap();
    assert_eq!(sandbox.messages(ALEX, "inbox").len(), 1);

    let before = sandbox.requests().len();
    let err = app.me().list_messages().send().await.unwrap_err();
    assert!(
        matches!(err, Error::MeWithAppOnlyToken { graph: None }),
        "{err:?}"
    );
    assert_eq!(sandbox.requests().len(), before);

    // A token of unknown kind: the sandbox's 400 maps to the same error.
    let unknown = GraphClient::builder()
        .cloud(cloud(&sandbox))
        .shared_token_provider(std::sync::Arc::new(StaticToken::new(
            app_token(&sandbox).await,
        )))
        .build()
        .unwrap();
    let err = unknown.me().list_messages().send().await.unwrap_err();
    assert!(
        matches!(err, Error::MeWithAppOnlyToken { graph: Some(_) }),
        "{err:?}"
    );

    let err = app
        .user("printer@contoso.com")
        .mailbox_settings()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MailboxNotEnabled(_)), "{err:?}");
    let err = app
        .user(ALEX)
        .event("AAMkNotThere")
        .get()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

/// An app-only access token from the sandbox's token endpoint.
async fn app_token(sandbox: &Sandbox) -> String {
    use msgraph_outlook::auth::TokenProvider;
    app_credentials(sandbox)
        .access_token()
        .await
        .unwrap()
        .secret()
        .to_string()
}
