//! Which Graph permission each route needs — the one place the sandbox checks the
//! `scp` of delegated tokens and the `roles` of app-only tokens, before any handler
//! runs (JSON batch requests pass here too).
//!
//! Each route accepts its least privileged permission and the higher ones, as the
//! "Permissions" table of its docs page lists them (GRAPH-FACTS §14, §6.1, §6.3;
//! GRAPH-FACTS-2 §7.7), e.g. "List messages"
//! (<https://learn.microsoft.com/graph/api/user-list-messages>: `Mail.ReadBasic` <
//! `Mail.Read`, `Mail.ReadWrite`; application `Mail.ReadBasic.All`), "user: sendMail"
//! (`Mail.Send`), "Create event" (`Calendars.ReadWrite`), "Get mailboxSettings"
//! (`MailboxSettings.Read`). A delegated token working in another user's mailbox
//! needs a `.Shared` scope ("Get Outlook messages in a shared or delegated folder",
//! <https://learn.microsoft.com/graph/outlook-share-messages-folders>; GRAPH-FACTS
//! §6.1; for sending, "Send Outlook messages from another user",
//! <https://learn.microsoft.com/graph/outlook-send-mail-from-other-user>:
//! `Mail.Send.Shared` plus Send As or Send on Behalf). The `.Shared` scopes are also
//! accepted in the user's own mailbox (the permissions reference describes them as
//! covering the mail "a user can access", own and shared) \[unconfirmed wording\].
//! Application roles have no `.Shared` variants and reach every mailbox. Missing →
//! `403 ErrorAccessDenied` "Access is denied. Check credentials and try again."
//! (GRAPH-FACTS §6.4: the code and text users report for a missing scope \[obs\]).

use super::calendar_paths::{CalendarRoute, EventAction};
use super::{Item, ReplyAction, Route};
use crate::graph_error::GraphError;

/// The permissions that satisfy one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Accepted {
    /// Delegated scopes for the signed-in user's own mailbox.
    pub own: &'static [&'static str],
    /// Delegated scopes for another user's mailbox (delegate, shared calendar).
    pub shared: &'static [&'static str],
    /// Application roles (any mailbox).
    pub app: &'static [&'static str],
}

const MAIL_READ_BASIC: Accepted = Accepted {
    own: &[
        "Mail.ReadBasic",
        "Mail.Read",
        "Mail.ReadWrite",
        "Mail.Read.Shared",
        "Mail.ReadWrite.Shared",
    ],
    shared: &["Mail.Read.Shared", "Mail.ReadWrite.Shared"],
    app: &[
        "Mail.ReadBasic.All",
        "Mail.ReadBasic",
        "Mail.Read",
        "Mail.ReadWrite",
    ],
};

const MAIL_READ: Accepted = Accepted {
    own: &[
        "Mail.Read",
        "Mail.ReadWrite",
        "Mail.Read.Shared",
        "Mail.ReadWrite.Shared",
    ],
    shared: &["Mail.Read.Shared", "Mail.ReadWrite.Shared"],
    app: &["Mail.Read", "Mail.ReadWrite"],
};

const MAIL_WRITE: Accepted = Accepted {
    own: &["Mail.ReadWrite", "Mail.ReadWrite.Shared"],
    shared: &["Mail.ReadWrite.Shared"],
    app: &["Mail.ReadWrite"],
};

const MAIL_SEND: Accepted = Accepted {
    own: &["Mail.Send", "Mail.Send.Shared"],
    shared: &["Mail.Send.Shared"],
    app: &["Mail.Send"],
};

const CAL_READ: Accepted = Accepted {
    own: &[
        "Calendars.Read",
        "Calendars.ReadWrite",
        "Calendars.Read.Shared",
        "Calendars.ReadWrite.Shared",
    ],
    shared: &["Calendars.Read.Shared", "Calendars.ReadWrite.Shared"],
    app: &["Calendars.Read", "Calendars.ReadWrite"],
};

const CAL_WRITE: Accepted = Accepted {
    own: &["Calendars.ReadWrite", "Calendars.ReadWrite.Shared"],
    shared: &["Calendars.ReadWrite.Shared"],
    app: &["Calendars.ReadWrite"],
};

/// `findMeetingTimes`: `Calendars.Read.Shared` is the least privileged delegated
/// scope; application permissions are not supported (GRAPH-FACTS §14).
const FIND_MEETING_TIMES: Accepted = Accepted {
    own: &["Calendars.Read.Shared", "Calendars.ReadWrite.Shared"],
    shared: &["Calendars.Read.Shared", "Calendars.ReadWrite.Shared"],
    app: &[],
};

/// `mailboxSettings` has no `.Shared` scopes; that another user's settings are
/// reached with the plain scopes (plus Full Access) is \[unconfirmed\].
const SETTINGS_READ: Accepted = Accepted {
    own: &["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
    shared: &["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
    app: &["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
};

const SETTINGS_WRITE: Accepted = Accepted {
    own: &["MailboxSettings.ReadWrite"],
    shared: &["MailboxSettings.ReadWrite"],
    app: &["MailboxSettings.ReadWrite"],
};

/// `translateExchangeIds` (GRAPH-FACTS-2 §7.6, "user: translateExchangeIds"
/// <https://learn.microsoft.com/graph/api/user-translateexchangeids>): user-read scopes, no
/// Mail scope; `User.ReadBasic.All` least privileged delegated. The page as read again for
/// issue 19 (2026) lists application permissions as "Not supported." for both paths
/// (GRAPH-FACTS-2 read an older version listing `User.Read.All`), so app-only tokens are
/// refused. The delegated scopes are accepted for another user's mailbox too (no
/// `.Shared` variant exists) \[unconfirmed\].
const TRANSLATE_IDS: Accepted = Accepted {
    own: &[
        "User.ReadBasic.All",
        "User.Read",
        "User.ReadWrite",
        "User.Read.All",
        "User.ReadWrite.All",
    ],
    shared: &[
        "User.ReadBasic.All",
        "User.Read",
        "User.ReadWrite",
        "User.Read.All",
        "User.ReadWrite.All",
    ],
    app: &[],
};

/// Subscriptions to messages (GRAPH-FACTS-2 §1.1, "Create subscription"
/// <https://learn.microsoft.com/graph/api/subscription-post-subscriptions> and the
/// Outlook change-notification overview): `Mail.ReadBasic` or `Mail.Read`; the
/// `.Shared` scopes do not support subscriptions, so a delegated token reaches its own
/// mailbox only. `Mail.ReadWrite` is accepted as the higher permission, as everywhere
/// in the sandbox ("subscriptions do not support write access permissions when only
/// read access permissions are needed": whether Graph refuses a token that holds it
/// \[unconfirmed\]).
pub(crate) const SUBSCRIBE_MESSAGES: Accepted = Accepted {
    own: &["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"],
    shared: &[],
    app: &[
        "Mail.ReadBasic.All",
        "Mail.ReadBasic",
        "Mail.Read",
        "Mail.ReadWrite",
    ],
};

/// Subscriptions to events: `Calendars.Read` (GRAPH-FACTS-2 §1.1), no `.Shared`.
pub(crate) const SUBSCRIBE_EVENTS: Accepted = Accepted {
    own: &["Calendars.Read", "Calendars.ReadWrite"],
    shared: &[],
    app: &["Calendars.Read", "Calendars.ReadWrite"],
};

/// The permissions a route accepts.
pub(crate) fn accepted(route: &Route) -> Accepted {
    use CalendarRoute as C;
    let attachments = |item: &Item, write: bool| match (item, write) {
        (Item::Message { .. }, false) => MAIL_READ,
        (Item::Message { .. }, true) => MAIL_WRITE,
        (Item::Event { .. }, false) => CAL_READ,
        (Item::Event { .. }, true) => CAL_WRITE,
    };
    match route {
        Route::SendMail | Route::SendDraft { .. } => MAIL_SEND,
        Route::Respond { action, .. } => match action {
            ReplyAction::Reply | ReplyAction::ReplyAll | ReplyAction::Forward => MAIL_SEND,
            ReplyAction::CreateReply | ReplyAction::CreateReplyAll | ReplyAction::CreateForward => {
                MAIL_WRITE
            }
        },
        Route::ListMessages { .. }
        | Route::CountMessages { .. }
        | Route::GetMessage { .. }
        | Route::Delta { .. }
        // "mailFolder: delta": `Mail.ReadBasic` least privileged, `Mail.ReadBasic.All`
        // application (https://learn.microsoft.com/graph/api/mailfolder-delta).
        | Route::FolderDelta
        | Route::ListFolders
        | Route::ListChildFolders(_)
        | Route::GetFolder(_) => MAIL_READ_BASIC,
        // Folder create / rename / move / copy / delete: `Mail.ReadWrite` (GRAPH-FACTS-2
        // §7.7); permanent deletes [unconfirmed]: the same as a delete.
        Route::CreateFolder { .. }
        | Route::UpdateFolder(_)
        | Route::DeleteFolder(_)
        | Route::MoveFolder(_)
        | Route::CopyFolder(_)
        | Route::PermanentDeleteFolder(_)
        | Route::PermanentDeleteMessage { .. } => MAIL_WRITE,
        // Inbox rules and master categories: `MailboxSettings.Read` / `.ReadWrite`
        // (GRAPH-FACTS-2 §7.2, §7.3).
        Route::ListRules(_)
        | Route::GetRule(..)
        | Route::ListCategories
        | Route::GetCategory(_) => SETTINGS_READ,
        Route::CreateRule(_)
        | Route::UpdateRule(..)
        | Route::DeleteRule(..)
        | Route::CreateCategory
        | Route::UpdateCategory(_)
        | Route::DeleteCategory(_) => SETTINGS_WRITE,
        Route::TranslateExchangeIds => TRANSLATE_IDS,
        // The MIME content includes the body, which `Mail.ReadBasic` does not cover.
        Route::MessageValue { .. } => MAIL_READ,
        Route::CreateMessage { .. }
        | Route::UpdateMessage { .. }
        | Route::DeleteMessage { .. }
        | Route::MoveMessage { .. }
        | Route::CopyMessage { .. } => MAIL_WRITE,
        Route::ListAttachments { item } | Route::GetAttachment { item, .. } => {
            attachments(item, false)
        }
        Route::AddAttachment { item }
        | Route::DeleteAttachment { item, .. }
        | Route::CreateUploadSession { item } => attachments(item, true),
        Route::GetMailboxSettings(_) => SETTINGS_READ,
        // "user: getMailTips": `Mail.Read` delegated and application, `Mail.Read.Shared`
        // higher (https://learn.microsoft.com/graph/api/user-getmailtips).
        Route::GetMailTips => MAIL_READ,
        Route::UpdateMailboxSettings => SETTINGS_WRITE,
        Route::Calendar(r) => match r {
            C::ListCalendars
            | C::GetCalendar(_)
            | C::ListEvents(_)
            | C::GetEvent(..)
            | C::Instances(..)
            | C::CalendarView(_)
            // calendarView delta: `Calendars.Read` (GRAPH-FACTS-2 §7.7, event-delta).
            | C::CalendarViewDelta(_)
            | C::GetSchedule
            | C::ListPermissions(_)
            | C::GetPermission(..) => CAL_READ,
            // "event: forward" lists `Calendars.Read` as least privileged [unconfirmed].
            C::Action(_, _, EventAction::Forward) => CAL_READ,
            C::CreateCalendar
            | C::CreateEvent(_)
            | C::UpdateEvent(..)
            | C::DeleteEvent(..)
            | C::Action(..)
            | C::CreatePermission(_)
            | C::UpdatePermission(..)
            | C::DeletePermission(..) => CAL_WRITE,
            C::FindMeetingTimes => FIND_MEETING_TIMES,
        },
    }
}

/// Whether a token with `permissions` may run `route`: `app` for an app-only token,
/// `shared` when a delegated token works in another user's mailbox.
pub(crate) fn allows(route: &Route, app: bool, shared: bool, permissions: &[String]) -> bool {
    permits(&accepted(route), app, shared, permissions)
}

/// Whether `permissions` satisfy `a` (see [`allows`]).
pub(crate) fn permits(a: &Accepted, app: bool, shared: bool, permissions: &[String]) -> bool {
    let list = match (app, shared) {
        (true, _) => a.app,
        (false, true) => a.shared,
        (false, false) => a.own,
    };
    permissions
        .iter()
        .any(|p| list.iter().any(|l| l.eq_ignore_ascii_case(p)))
}

/// `Ok` when the token's permissions allow `route`, else `403 ErrorAccessDenied`.
pub(crate) fn check(
    route: &Route,
    app: bool,
    shared: bool,
    permissions: &[String],
) -> Result<(), GraphError> {
    if allows(route, app, shared, permissions) {
        Ok(())
    } else {
        Err(super::authz::access_denied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalRef;

    fn p(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn least_privileged_and_higher() {
        let list = Route::ListMessages { folder: None };
        assert!(allows(&list, false, false, &p(&["Mail.ReadBasic"])));
        assert!(allows(&list, false, false, &p(&["Mail.ReadWrite"])));
        assert!(!allows(&list, false, false, &p(&["Mail.Send"])));
        assert!(!allows(&list, false, true, &p(&["Mail.ReadWrite"])));
        assert!(allows(&list, false, true, &p(&["Mail.Read.Shared"])));
        assert!(allows(&list, true, false, &p(&["Mail.ReadBasic.All"])));
        assert!(!allows(
            &Route::SendMail,
            true,
            false,
            &p(&["Mail.ReadWrite"])
        ));
        assert!(allows(
            &Route::SendMail,
            false,
            true,
            &p(&["Mail.Send.Shared"])
        ));
        let create = Route::Calendar(CalendarRoute::CreateEvent(CalRef::Default));
        assert!(!allows(
            &create,
            false,
            false,
            &p(&["Calendars.Read", "Mail.Read"])
        ));
        assert!(allows(&create, false, false, &p(&["calendars.readwrite"])));
        let settings = Route::UpdateMailboxSettings;
        assert!(!allows(
            &settings,
            false,
            false,
            &p(&["MailboxSettings.Read"])
        ));
        let find = Route::Calendar(CalendarRoute::FindMeetingTimes);
        assert!(!allows(&find, true, false, &p(&["Calendars.ReadWrite"])));
    }
}
