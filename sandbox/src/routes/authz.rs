//! Who may do what in which mailbox (GRAPH-FACTS §6). First the token must hold a
//! permission the route accepts ([`permissions_table`], `403 ErrorAccessDenied`). Then
//! app tokens reach every mailbox; a delegated token reaches its own mailbox, and
//! another user's mailbox
//!
//! * for mail paths (messages, folders, attachments of messages, delta, upload
//!   sessions, `mailboxSettings`, creating calendars) only with Full Access (else `403
//!   ErrorAccessDenied`); sending from it (`sendMail`, sending a draft, `reply`,
//!   `replyAll`, `forward`) with Full Access plus Send As or Send on Behalf (Full
//!   Access alone: `403 ErrorSendAsDenied`);
//! * for calendar paths with the role the owner granted on the calendar concerned
//!   (Full Access counts as `delegateWithPrivateEventAccess`): reads need `read` or
//!   better (else `403 DelegatedCalendarAccessDenied`), writes need `write` or a
//!   delegate role (else `403 ErrorAccessDenied`); `getSchedule` is open to everyone;
//!   `calendarPermissions` can be listed by anyone (non-owners get an empty list) but
//!   only changed by the owner.
//!
//! A calendar id of a sharee's copy of another user's calendar (see
//! [`crate::access::shared_calendar_id`]) under the sharee's mailbox is translated to
//! the owner's mailbox and calendar here, and then checked with the sharee's role.

use axum::http::StatusCode;

use super::calendar_paths::CalendarRoute;
use super::{permissions_table, Item, ReplyAction, Route};
use crate::access::{self, Role};
use crate::auth::{Authenticated, Caller};
use crate::calendar::{parse_occurrence_id, CalRef, Calendar};
use crate::graph_error::GraphError;
use crate::store::{Right, Store};

/// How a request relates to the mailbox it acts on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Access {
    /// The signed-in user working in another user's mailbox (delegated token, or the
    /// user whose copy of a shared calendar is addressed). `None`: the owner itself or
    /// an app token – everything is allowed.
    pub acting: Option<usize>,
    /// The mailbox named in the path (for context URLs); differs from the mailbox acted
    /// on for a shared calendar.
    pub path_idx: usize,
    /// The shared-calendar id of the path, when addressed through a sharee's copy.
    pub shared_id: Option<String>,
}

/// `403 ErrorAccessDenied` (GRAPH-FACTS §6.4, text as observed).
pub(crate) fn access_denied() -> GraphError {
    GraphError::new(
        StatusCode::FORBIDDEN,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    )
}

/// `403 DelegatedCalendarAccessDenied` (GRAPH-FACTS §6.4: same text, for reading
/// another user's calendar without rights).
pub(crate) fn calendar_access_denied() -> GraphError {
    GraphError::new(
        StatusCode::FORBIDDEN,
        "DelegatedCalendarAccessDenied",
        "Access is denied. Check credentials and try again.",
    )
}

/// `404 MailboxNotEnabledForRESTAPI` for a user without an Exchange Online mailbox.
/// Code and text as quoted from live Graph bodies (e.g. iyear/E5SubBot#39,
/// microsoft/MicrosoftCloud#41; GRAPH-FACTS §6.4 [obs]); the 404 status as commonly
/// reported [unconfirmed].
pub(crate) fn mailbox_not_enabled() -> GraphError {
    GraphError::new(
        StatusCode::NOT_FOUND,
        "MailboxNotEnabledForRESTAPI",
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    )
}

/// `403 ErrorSendAsDenied` with the documented text (GRAPH-FACTS §6.4): sending from a
/// mailbox without Send As or Send on Behalf on it.
pub(crate) fn send_as_denied() -> GraphError {
    GraphError::new(
        StatusCode::FORBIDDEN,
        "ErrorSendAsDenied",
        "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message.",
    )
}

/// What a route needs from a caller who is not the mailbox owner.
#[derive(Debug, Clone)]
enum Need {
    /// Open to everyone in the organization (`getSchedule`).
    Open,
    /// Full Access.
    Mailbox,
    /// Submitting mail from the mailbox (`sendMail`, sending a draft, `reply`,
    /// `replyAll`, `forward`): Full Access to reach it, and Send As or Send on Behalf
    /// to send from it ("the user … MUST have at least one of these permissions",
    /// <https://learn.microsoft.com/graph/outlook-send-mail-from-other-user>). Full
    /// Access alone is refused with `403 ErrorSendAsDenied`, as Exchange does ("Can't
    /// send email message when Full Access is granted to a shared mailbox", Microsoft's
    /// Exchange troubleshooting article: Full Access does not include sending).
    Send,
    /// Read access to a calendar (the event's calendar for `CalRef::Any` + event id).
    CalRead(CalRef, Option<String>),
    /// Write access to a calendar.
    CalWrite(CalRef, Option<String>),
    /// Read access to at least one calendar.
    ListCalendars,
    /// Listing / reading `calendarPermissions` (the handler hides them).
    PermRead,
    /// Changing `calendarPermissions`: the owner only.
    PermWrite,
}

fn need(route: &Route) -> Need {
    use CalendarRoute as C;
    let event_item = |item: &Item, write: bool| match item {
        Item::Event { calendar, id } if write => Need::CalWrite(calendar.clone(), Some(id.clone())),
        Item::Event { calendar, id } => Need::CalRead(calendar.clone(), Some(id.clone())),
        Item::Message { .. } => Need::Mailbox,
    };
    match route {
        Route::Calendar(r) => match r {
            C::GetSchedule => Need::Open,
            C::FindMeetingTimes => Need::CalRead(CalRef::Default, None),
            C::ListCalendars => Need::ListCalendars,
            C::CreateCalendar => Need::Mailbox,
            C::GetCalendar(c) | C::ListEvents(c) | C::CalendarView(c) | C::CalendarViewDelta(c) => {
                Need::CalRead(c.clone(), None)
            }
            C::GetEvent(c, id) | C::Instances(c, id) => Need::CalRead(c.clone(), Some(id.clone())),
            C::CreateEvent(c) => Need::CalWrite(c.clone(), None),
            C::UpdateEvent(c, id) | C::DeleteEvent(c, id) | C::Action(c, id, _) => {
                Need::CalWrite(c.clone(), Some(id.clone()))
            }
            C::ListPermissions(_) | C::GetPermission(..) => Need::PermRead,
            C::CreatePermission(_) | C::UpdatePermission(..) | C::DeletePermission(..) => {
                Need::PermWrite
            }
        },
        Route::ListAttachments { item } | Route::GetAttachment { item, .. } => {
            event_item(item, false)
        }
        Route::AddAttachment { item }
        | Route::DeleteAttachment { item, .. }
        | Route::CreateUploadSession { item } => event_item(item, true),
        Route::SendMail
        | Route::SendDraft { .. }
        | Route::Respond {
            action: ReplyAction::Reply | ReplyAction::ReplyAll | ReplyAction::Forward,
            ..
        } => Need::Send,
        _ => Need::Mailbox,
    }
}

/// The calendar a route addresses, for rewriting a shared-calendar id.
fn calendar_mut(route: &mut Route) -> Option<&mut CalRef> {
    use CalendarRoute as C;
    match route {
        Route::Calendar(r) => match r {
            C::GetSchedule | C::FindMeetingTimes | C::ListCalendars | C::CreateCalendar => None,
            C::GetCalendar(c)
            | C::ListEvents(c)
            | C::CreateEvent(c)
            | C::GetEvent(c, _)
            | C::UpdateEvent(c, _)
            | C::DeleteEvent(c, _)
            | C::Instances(c, _)
            | C::CalendarView(c)
            | C::CalendarViewDelta(c)
            | C::Action(c, _, _)
            | C::ListPermissions(c)
            | C::CreatePermission(c)
            | C::GetPermission(c, _)
            | C::UpdatePermission(c, _)
            | C::DeletePermission(c, _) => Some(c),
        },
        Route::ListAttachments { item }
        | Route::GetAttachment { item, .. }
        | Route::AddAttachment { item }
        | Route::DeleteAttachment { item, .. }
        | Route::CreateUploadSession { item } => match item {
            Item::Event { calendar, .. } => Some(calendar),
            Item::Message { .. } => None,
        },
        _ => None,
    }
}

/// The calendar of mailbox `idx` that `cal` (and, for `CalRef::Any`, the event id)
/// concerns; `None` when it does not exist (the handler answers 404).
pub(crate) fn calendar_for<'a>(
    store: &'a Store,
    idx: usize,
    cal: &CalRef,
    event: Option<&str>,
) -> Option<&'a Calendar> {
    let user = &store.users[idx];
    match cal {
        CalRef::Id(id) => user.calendars.iter().find(|c| &c.id == id),
        CalRef::Default => user.calendars.first(),
        CalRef::Any => {
            let of_event = event.and_then(|id| {
                let id = match user.event_index(&CalRef::Any, id) {
                    Some(_) => id.to_string(),
                    None => parse_occurrence_id(id)?.0,
                };
                let i = user.event_index(&CalRef::Any, &id)?;
                let cal_id = &user.events[i].calendar_id;
                user.calendars.iter().find(|c| &c.id == cal_id)
            });
            of_event.or_else(|| user.calendars.first())
        }
    }
}

/// Resolves which mailbox a request acts on and checks the caller's rights: first the
/// token's permissions ([`permissions_table`]), then the mailbox rights.
/// `path_idx`: the mailbox of the path; `caller`: the signed-in user of a delegated
/// token (`None` for app tokens). May rewrite the route's calendar (shared ids).
/// Returns the mailbox acted on and the [`Access`].
pub(super) fn authorize(
    store: &Store,
    auth: &Authenticated,
    route: &mut Route,
    path_idx: usize,
    caller: Option<usize>,
) -> Result<(usize, Access), GraphError> {
    if !store.users[path_idx].has_mailbox {
        return Err(mailbox_not_enabled());
    }
    let mut user_idx = path_idx;
    let mut actor = caller;
    let mut shared_id = None;
    if let Some(cal) = calendar_mut(route) {
        let shared = match &*cal {
            CalRef::Id(id) => access::parse_shared_calendar_id(id).map(|p| (id.clone(), p)),
            _ => None,
        };
        if let Some((id, (owner_id, cal_id))) = shared {
            let viewer = path_idx;
            if let Some(c) = caller {
                if c != viewer && !store.has_right(viewer, c, Right::FullAccess) {
                    return Err(access_denied());
                }
            }
            let owner = store
                .user_index_by_id(&owner_id)
                .filter(|&o| o != viewer && store.users[o].has_mailbox)
                .ok_or_else(GraphError::item_not_found)?;
            let calendar = store.users[owner]
                .calendars
                .iter()
                .find(|c| c.id == cal_id)
                .ok_or_else(GraphError::item_not_found)?;
            if !access::shared_role(store, calendar, viewer).is_some_and(Role::can_read) {
                return Err(GraphError::item_not_found());
            }
            *cal = CalRef::Id(cal_id);
            shared_id = Some(id);
            user_idx = owner;
            actor = Some(viewer);
        }
    }
    let acting = actor.filter(|&a| a != user_idx);
    let app = matches!(auth.caller, Caller::App(_));
    permissions_table::check(route, app, acting.is_some(), &auth.permissions)?;
    if let Some(a) = acting {
        check(store, user_idx, a, &need(route))?;
    }
    Ok((
        user_idx,
        Access {
            acting,
            path_idx,
            shared_id,
        },
    ))
}

fn check(store: &Store, m: usize, a: usize, need: &Need) -> Result<(), GraphError> {
    if store.has_right(m, a, Right::FullAccess) {
        let may_send =
            store.has_right(m, a, Right::SendAs) || store.has_right(m, a, Right::SendOnBehalf);
        return match need {
            Need::Send if !may_send => Err(send_as_denied()),
            _ => Ok(()),
        };
    }
    let role = |cal: &CalRef, event: &Option<String>| {
        calendar_for(store, m, cal, event.as_deref()).map(|c| access::role_on(store, m, c, a))
    };
    match need {
        Need::Open | Need::PermRead => Ok(()),
        Need::Mailbox | Need::Send | Need::PermWrite => Err(access_denied()),
        Need::ListCalendars => {
            let any = store.users[m]
                .calendars
                .iter()
                .any(|c| access::role_on(store, m, c, a).can_read());
            if any {
                Ok(())
            } else {
                Err(calendar_access_denied())
            }
        }
        Need::CalRead(cal, event) => match role(cal, event) {
            Some(r) if !r.can_read() => Err(calendar_access_denied()),
            _ => Ok(()),
        },
        Need::CalWrite(cal, event) => match role(cal, event) {
            Some(r) if !r.can_write() => Err(access_denied()),
            _ => Ok(()),
        },
    }
}
