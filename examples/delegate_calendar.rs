//! A delegate works in the owner's calendar: the Graph version of the seed "Accès délégué et
//! EWS dans Exchange" (ews-delegate-access.md). EWS's `AddDelegate` with
//! `DelegateFolderPermissionLevel.Editor` on the Calendar folder becomes a calendarPermission
//! with a delegate role; the delegate's `Appointment.Save(new FolderId(Calendar, owner))`
//! becomes a create in the calendar shared with them, and later changes use the ids it
//! returned (implicit access).
//!
//! ```text
//! cargo run --example delegate_calendar -- [--owner ADDRESS --delegate ADDRESS --attendee ADDRESS]
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox: Alex makes
//! Adele his delegate, Adele finds Alex's calendar among hers and invites Megan to a
//! meeting Alex organizes. With credentials (an app-only token, which reaches every
//! mailbox) it grants the permission, then creates and moves the event through
//! `/users/{owner}` (impersonation); the event is left in place.

mod common;

use std::process::ExitCode;

use chrono::{Duration, Utc};
use msgraph_outlook::api::Mailbox;
use msgraph_outlook::models::{
    Attendee, CalendarPermission, CalendarRole, DateTimeTimeZone, Event, EventPatch, MailItem,
    WellKnownFolder,
};
use msgraph_outlook::{Error, GraphClient};

const USAGE: &str = "\
usage: delegate_calendar [--owner ADDRESS --delegate ADDRESS --attendee ADDRESS]

  --owner      whose calendar (required with credentials)
  --delegate   who gets delegate access to it (required with credentials)
  --attendee   who is invited to the meeting the delegate sets up (required with credentials)";

const MEGAN: &str = "megan@contoso.com";

struct People {
    owner: String,
    delegate: String,
    attendee: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let (mut owner, mut delegate, mut attendee) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--owner", Some(value)) => owner = Some(value),
            ("--delegate", Some(value)) => delegate = Some(value),
            ("--attendee", Some(value)) => attendee = Some(value),
            _ => return common::usage_error(USAGE, &format!("unexpected argument {arg:?}")),
        }
    }
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    let [adele, alex] = common::SANDBOX_USERS;
    let people =
        match (&setup.sandbox, owner, delegate, attendee) {
            (_, Some(owner), Some(delegate), Some(attendee)) => People {
                owner,
                delegate,
                attendee,
            },
            (Some(sandbox), None, None, None) => {
                sandbox.add_user(MEGAN);
                People {
                    owner: alex.into(),
                    delegate: adele.into(),
                    attendee: MEGAN.into(),
                }
            }
            _ => return common::usage_error(
                USAGE,
                "--owner, --delegate and --attendee go together (all required with credentials)",
            ),
        };
    match run(&setup, &people).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn run(setup: &common::Setup, people: &People) -> Result<(), Box<dyn std::error::Error>> {
    let People {
        owner,
        delegate,
        attendee,
    } = people;
    // In the sandbox the delegate signs in with their own (delegated) token; with real
    // credentials the configured client plays both parts.
    let delegate_client = match &setup.sandbox {
        Some(sandbox) => common::signed_in(sandbox, delegate)?,
        None => setup.client.clone(),
    };
    let start = match &setup.sandbox {
        Some(sandbox) => common::sandbox_time(sandbox, 2, 15),
        None => Utc::now() + Duration::days(2),
    };

    // Before any grant, a delegated token gets a typed refusal that names the missing right.
    if setup.sandbox.is_some() {
        let denied = delegate_client
            .user(owner)
            .calendar_view(start, start + Duration::days(1))
            .collect()
            .await;
        if let Err(Error::AccessDenied(e)) = denied {
            println!(
                "Before the grant, {delegate} reading {owner}'s calendar: denied, missing {}",
                e.missing
            );
        }
    }

    // AddDelegate (Calendar folder: Editor, receives meeting requests) → calendarPermission.
    let permissions = setup.client.user(owner).calendar_permissions();
    let granted = permissions
        .create(
            CalendarPermission::new(
                delegate.as_str(),
                CalendarRole::DelegateWithoutPrivateEventAccess,
            )
            .inside_organization(true),
        )
        .await?;
    println!(
        "{owner} granted {delegate} the role {} (allowed: {})",
        granted.role.as_ref().map_or("?", |r| r.as_str()),
        granted
            .allowed_roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );

    // The delegate finds the owner's calendar among theirs (sandbox: through /me), or
    // addresses the owner's mailbox explicitly (credentials).
    let calendar_mailbox: Mailbox;
    let create = match &setup.sandbox {
        Some(_) => {
            let me = delegate_client.me();
            let shared = me.shared_calendars().await?;
            let calendar = shared
                .iter()
                .find(|c| {
                    c.owner
                        .as_ref()
                        .and_then(|o| o.address.as_deref())
                        .is_some_and(|a| a.eq_ignore_ascii_case(owner))
                })
                .ok_or("the owner's calendar is not among the delegate's calendars")?;
            println!(
                "{delegate} sees {:?} of {owner} (can edit: {}, can share: {})",
                calendar.name.as_deref().unwrap_or(""),
                calendar.can_edit.unwrap_or(false),
                calendar.can_share.unwrap_or(false)
            );
            calendar_mailbox = me;
            calendar_mailbox
                .calendar(calendar.id.clone().unwrap_or_default())
                .create_event(meeting(start, attendee))
        }
        None => {
            calendar_mailbox = delegate_client.user(owner);
            calendar_mailbox.create_event(meeting(start, attendee))
        }
    };
    let created = create.await?;
    println!(
        "{delegate} created {:?}; organizer: {}",
        created.subject.as_deref().unwrap_or(""),
        created
            .organizer
            .as_ref()
            .and_then(|o| o.address())
            .unwrap_or("?")
    );

    // Implicit access: the event knows its mailbox and calendar; no owner named here.
    let moved = delegate_client
        .event_from(&created)?
        .update(
            EventPatch::new().time_slot(msgraph_outlook::models::TimeSlot::utc(
                start + Duration::hours(1),
                start + Duration::hours(2),
            )),
        )
        .await?;
    println!(
        "Moved by id to {} (attendees notified: {})",
        moved
            .event
            .start
            .as_ref()
            .and_then(|s| s.to_utc().ok())
            .map_or("?".to_string(), |t| t.to_string()),
        if moved.graph_mails_attendees {
            "yes"
        } else {
            "no"
        }
    );

    if let Some(sandbox) = &setup.sandbox {
        show_invitation(&common::signed_in(sandbox, attendee)?, attendee).await?;
    }
    Ok(())
}

fn meeting(start: chrono::DateTime<Utc>, attendee: &str) -> Event {
    Event::new(
        "Quarterly planning",
        DateTimeTimeZone::utc(start),
        DateTimeTimeZone::utc(start + Duration::hours(1)),
    )
    .attendee(Attendee::required(attendee))
}

/// What the attendee received: from the owner, sent by the delegate ("on behalf of").
async fn show_invitation(attendee: &GraphClient, address: &str) -> msgraph_outlook::Result<()> {
    for item in attendee
        .me()
        .mail_items(WellKnownFolder::Inbox)
        .collect()
        .await?
    {
        if let MailItem::EventMessageRequest(request) = &item {
            let message = item.message();
            println!(
                "{address} Inbox: {:?} from {}, sent by {} ({:?})",
                message.subject.as_deref().unwrap_or(""),
                message
                    .from
                    .as_ref()
                    .and_then(|r| r.address())
                    .unwrap_or("?"),
                message
                    .sender
                    .as_ref()
                    .and_then(|r| r.address())
                    .unwrap_or("?"),
                request.meeting_request_type
            );
        }
    }
    Ok(())
}
