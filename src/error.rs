//! Errors: one [`Error`] for every operation, carrying what support needs.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// The result of every fallible operation of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to Microsoft Graph.
///
/// Match on the variant for control flow, or use the predicates ([`Error::status`],
/// [`Error::graph_code`], [`Error::is_throttled`], [`Error::request_id`]) to branch
/// without caring where the error came from.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Graph answered with an error status (4xx/5xx) and, usually, a Graph error body.
    Graph(Box<GraphError>),
    /// `412 Precondition Failed`: the item changed since it was read (its `If-Match` etag is
    /// stale), so the change was not applied. Read it again and re-apply the change
    /// (EWS's `ConflictResolutionMode.NeverOverwrite`); `EventRef::modify` does that.
    Conflict(Box<GraphError>),
    /// `403`: the caller lacks a right on the mailbox it addressed (Graph's
    /// `ErrorSendAsDenied`, `ErrorAccessDenied`, `DelegatedCalendarAccessDenied`);
    /// [`AccessDenied::missing`] names the right to grant.
    AccessDenied(Box<AccessDenied>),
    /// `404`: the item (or user) is not there. Item ids belong to one mailbox: an id read
    /// from `/users/{owner}` is not found under `/me` (GRAPH-FACTS §6.4).
    NotFound(Box<GraphError>),
    /// `404 MailboxNotEnabledForRESTAPI`: the user has no Exchange Online mailbox (not
    /// licensed, inactive, soft-deleted or hosted on-premises).
    MailboxNotEnabled(Box<GraphError>),
    /// `/me` was addressed with an app-only token: there is no signed-in user. Use
    /// [`GraphClient::user`](crate::GraphClient::user). Refused before sending when the token
    /// provider says it is app-only (`graph` is `None`); otherwise Graph's `400` ("/me request
    /// is only valid with delegated authentication flow") is mapped here.
    MeWithAppOnlyToken {
        /// Graph's answer, when the request was sent.
        graph: Option<Box<GraphError>>,
    },
    /// The identity platform refused to issue a token.
    Auth(Box<AuthError>),
    /// The request was refused before anything was sent: it would have been rejected by Graph.
    InvalidRequest(InvalidRequest),
    /// The HTTP exchange itself failed (connect, TLS, timeout, connection reset).
    Transport(TransportError),
    /// Graph answered with a success status but a body that is not what Graph documents.
    Decode(Box<DecodeError>),
    /// The request may or may not have been carried out: the connection failed after the
    /// request was written, or the gateway timed out (504). A non-idempotent request (a
    /// sendMail, a reply, an accept) is never retried in that case, because repeating it
    /// could send the message twice: check the mailbox (Sent Items) before trying again.
    OutcomeUnknown(Box<OutcomeUnknown>),
    /// A link in a Graph answer (`@odata.nextLink`, `@odata.deltaLink`, `Location`) points
    /// to another origin than the configured Graph base URL: it was not followed, so the
    /// bearer token stays with Graph.
    ForeignLink {
        /// The link's origin (scheme, host and port).
        link_origin: String,
        /// The configured Graph origin.
        graph_origin: String,
    },
    /// A link in a Graph answer (`@odata.nextLink`, `@odata.deltaLink`, an upload session's
    /// `uploadUrl`) is not an absolute URL this crate may follow: not a URL, or plain `http`
    /// to a host that is not this machine. Nothing was sent. The link itself is left out (an
    /// upload URL carries its own credential).
    InvalidLink {
        /// What is wrong with it.
        reason: String,
    },
    /// The client or a token provider was configured with an unusable value.
    Config(String),
    /// [`MessageRef::meeting_event`](crate::api::MessageRef::meeting_event) on a message
    /// Graph returned without an associated calendar event: a plain message (not an
    /// `eventMessage`), or a meeting message whose event Graph did not return (e.g. removed
    /// from the calendar) [unconfirmed: which cases Graph leaves `event` out for].
    NoAssociatedEvent {
        /// The message's id.
        message_id: String,
        /// Whether the message is a meeting message (`#microsoft.graph.eventMessage…`).
        is_meeting_message: bool,
    },
    /// A send with [`SendMail::check_mail_tips`](crate::api::SendMail::check_mail_tips) was
    /// refused before anything was sent: a recipient's MailTips say its mailbox is full or
    /// the message is larger than it accepts.
    RecipientRefused {
        /// The recipient's address.
        recipient: String,
        /// Why.
        reason: RecipientRefusal,
    },
}

/// Why a recipient's MailTips refused a send; see [`Error::RecipientRefused`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecipientRefusal {
    /// MailTips `mailboxFull`: the recipient's mailbox is full.
    MailboxFull,
    /// MailTips `maxMessageSize`: the message is larger than the recipient accepts.
    MessageTooLarge {
        /// The size measured, in bytes: the `sendMail` JSON body as it would be sent.
        size: u64,
        /// The recipient's maximum, in bytes.
        max: u64,
    },
}

impl fmt::Display for RecipientRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecipientRefusal::MailboxFull => f.write_str("its mailbox is full"),
            RecipientRefusal::MessageTooLarge { size, max } => write!(
                f,
                "the message ({size} bytes) is larger than it accepts ({max} bytes)"
            ),
        }
    }
}

impl Error {
    /// Sorts a Graph error answer into its variant: 412 is a [`Conflict`](Error::Conflict),
    /// the delegation refusals of GRAPH-FACTS §6.4 are [`AccessDenied`](Error::AccessDenied),
    /// 404s are [`NotFound`](Error::NotFound) or [`MailboxNotEnabled`](Error::MailboxNotEnabled),
    /// and a `400` to `/me` that names delegated authentication is
    /// [`MeWithAppOnlyToken`](Error::MeWithAppOnlyToken). `addressed_me` says whether the
    /// request went to `/me`.
    pub(crate) fn from_graph(error: GraphError, addressed_me: bool) -> Error {
        let has = |code: &str| {
            error.code.as_deref() == Some(code) || error.inner_codes.iter().any(|c| c == code)
        };
        let missing = MissingRight::for_codes(&has);
        let mailbox_not_enabled = has("MailboxNotEnabledForRESTAPI");
        let error = Box::new(error);
        match error.status {
            412 => Error::Conflict(error),
            403 => match missing {
                Some(missing) => Error::AccessDenied(Box::new(AccessDenied {
                    missing,
                    error: *error,
                })),
                None => Error::Graph(error),
            },
            404 if mailbox_not_enabled => Error::MailboxNotEnabled(error),
            404 => Error::NotFound(error),
            // Graph gives this refusal no specific code (observed: `BadRequest`), so the text
            // is the only sign; it is matched only for requests that did go to /me.
            400 if addressed_me && error.message.contains("delegated authentication") => {
                Error::MeWithAppOnlyToken { graph: Some(error) }
            }
            _ => Error::Graph(error),
        }
    }

    /// The refinement for a request that changed another user's calendar: a `403` that says
    /// access is denied is about the calendar role, not mailbox access (Graph answers
    /// `ErrorAccessDenied` there as well [unconfirmed: the exact code per case; GRAPH-FACTS
    /// §11 lists both codes as observed]).
    pub(crate) fn for_calendar_write(self) -> Error {
        match self {
            Error::AccessDenied(mut denied)
                if matches!(
                    denied.missing,
                    MissingRight::MailboxAccess | MissingRight::DelegatedCalendarAccess
                ) =>
            {
                denied.missing = MissingRight::CalendarWrite;
                Error::AccessDenied(denied)
            }
            other => other,
        }
    }

    /// A copy of this error, for each of several callers that share one failure (the
    /// requests of a failed `$batch` POST, the callers waiting on one failed token fetch).
    /// `Error` is not `Clone`: a transport error's source is dropped from the copy.
    pub(crate) fn duplicate(&self) -> Error {
        match self {
            Error::Graph(e) => Error::Graph(e.clone()),
            Error::Conflict(e) => Error::Conflict(e.clone()),
            Error::AccessDenied(e) => Error::AccessDenied(e.clone()),
            Error::NotFound(e) => Error::NotFound(e.clone()),
            Error::MailboxNotEnabled(e) => Error::MailboxNotEnabled(e.clone()),
            Error::MeWithAppOnlyToken { graph } => Error::MeWithAppOnlyToken {
                graph: graph.clone(),
            },
            Error::Auth(e) => Error::Auth(e.clone()),
            Error::InvalidRequest(e) => Error::InvalidRequest(e.clone()),
            Error::Transport(e) => {
                let mut copy = TransportError::other(e.message.clone());
                copy.kind = e.kind;
                Error::Transport(copy)
            }
            Error::Decode(e) => Error::Decode(e.clone()),
            Error::OutcomeUnknown(e) => Error::OutcomeUnknown(Box::new(OutcomeUnknown {
                operation: e.operation,
                client_request_id: e.client_request_id.clone(),
                cause: e.cause.duplicate(),
            })),
            Error::ForeignLink {
                link_origin,
                graph_origin,
            } => Error::ForeignLink {
                link_origin: link_origin.clone(),
                graph_origin: graph_origin.clone(),
            },
            Error::InvalidLink { reason } => Error::InvalidLink {
                reason: reason.clone(),
            },
            Error::Config(message) => Error::Config(message.clone()),
            Error::NoAssociatedEvent {
                message_id,
                is_meeting_message,
            } => Error::NoAssociatedEvent {
                message_id: message_id.clone(),
                is_meeting_message: *is_meeting_message,
            },
            Error::RecipientRefused { recipient, reason } => Error::RecipientRefused {
                recipient: recipient.clone(),
                reason: reason.clone(),
            },
        }
    }

    /// The Graph error answer behind this error, whatever its variant (none for errors
    /// raised before sending, transport failures and token errors).
    pub fn graph_error(&self) -> Option<&GraphError> {
        match self {
            Error::Graph(e)
            | Error::Conflict(e)
            | Error::NotFound(e)
            | Error::MailboxNotEnabled(e) => Some(e),
            Error::AccessDenied(e) => Some(&e.error),
            Error::MeWithAppOnlyToken { graph } => graph.as_deref(),
            Error::OutcomeUnknown(e) => e.cause.graph_error(),
            _ => None,
        }
    }

    /// HTTP status of the response that caused this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth(e) => e.status,
            Error::Decode(e) => Some(e.status),
            other => other.graph_error().map(|e| e.status),
        }
    }

    /// Graph's error code (`error.code`, e.g. `ErrorMimeContentInvalidBase64String`).
    pub fn graph_code(&self) -> Option<&str> {
        self.graph_error().and_then(|e| e.code.as_deref())
    }

    /// Graph's `request-id` of the failed request, for Microsoft support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Decode(e) => e.request_id.as_deref(),
            Error::OutcomeUnknown(e) => e.cause.request_id(),
            other => other.graph_error().and_then(|e| e.request_id.as_deref()),
        }
    }

    /// The `client-request-id` this crate sent with the failed request.
    pub fn client_request_id(&self) -> Option<&str> {
        match self {
            Error::OutcomeUnknown(e) => Some(&e.client_request_id),
            Error::Decode(e) => e.client_request_id.as_deref(),
            other => other
                .graph_error()
                .and_then(|e| e.client_request_id.as_deref()),
        }
    }

    /// The identity platform's refusal behind an [`Error::Auth`].
    pub fn auth_error(&self) -> Option<&AuthError> {
        match self {
            Error::Auth(e) => Some(e),
            _ => None,
        }
    }

    /// True when a delegated token could not be had without the user signing in again (see
    /// [`AuthError::is_sign_in_required`]).
    pub fn is_sign_in_required(&self) -> bool {
        self.auth_error()
            .is_some_and(AuthError::is_sign_in_required)
    }

    /// True for [`Error::AccessDenied`].
    pub fn is_access_denied(&self) -> bool {
        matches!(self, Error::AccessDenied(_))
    }

    /// True for [`Error::NotFound`] and [`Error::MailboxNotEnabled`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_) | Error::MailboxNotEnabled(_))
    }

    /// True when Graph may or may not have carried out the request (see
    /// [`Error::OutcomeUnknown`]).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown(_))
    }

    /// True for [`Error::NoAssociatedEvent`].
    pub fn is_no_associated_event(&self) -> bool {
        matches!(self, Error::NoAssociatedEvent { .. })
    }

    /// True when an `If-Match` etag was stale (see [`Error::Conflict`]).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Conflict(_))
    }

    /// True for 429 Too Many Requests (Graph throttling, keyed on the status, not the code).
    pub fn is_throttled(&self) -> bool {
        self.status() == Some(429)
    }

    /// The server's `Retry-After`, when it sent one, whatever the variant: a 429 or 503
    /// [`Error::Graph`], and the 504 behind an [`Error::OutcomeUnknown`] (its wait still
    /// applies to whatever the caller does next, checking the mailbox included).
    pub fn retry_after(&self) -> Option<Duration> {
        self.graph_error().and_then(|e| e.retry_after)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Graph(e) => e.fmt(f),
            Error::Conflict(e) => write!(f, "the item changed since it was read: {e}"),
            Error::AccessDenied(e) => e.fmt(f),
            Error::NotFound(e) => write!(
                f,
                "not found (item ids belong to one mailbox: use the mailbox the item was read from): {e}"
            ),
            Error::MailboxNotEnabled(e) => write!(
                f,
                "the user has no Exchange Online mailbox (unlicensed, inactive or on-premises): {e}"
            ),
            Error::MeWithAppOnlyToken { graph } => {
                f.write_str(
                    "/me needs a signed-in user, and an app-only token has none: \
                     address the mailbox with client.user(id)",
                )?;
                match graph {
                    Some(e) => write!(f, ": {e}"),
                    None => f.write_str(" (nothing was sent)"),
                }
            }
            Error::Auth(e) => e.fmt(f),
            Error::InvalidRequest(e) => write!(f, "invalid request, nothing was sent: {e}"),
            Error::Transport(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::OutcomeUnknown(e) => e.fmt(f),
            Error::ForeignLink {
                link_origin,
                graph_origin,
            } => write!(
                f,
                "refused to follow a link to {link_origin}: only {graph_origin} gets the token"
            ),
            Error::InvalidLink { reason } => {
                write!(f, "refused to follow a link from Graph: {reason}")
            }
            Error::Config(message) => write!(f, "configuration error: {message}"),
            Error::NoAssociatedEvent {
                message_id,
                is_meeting_message: false,
            } => write!(
                f,
                "message {message_id} is not a meeting message, so it has no associated event"
            ),
            Error::NoAssociatedEvent { message_id, .. } => write!(
                f,
                "Graph returned the meeting message {message_id} without its calendar event \
                 (the event may have been deleted)"
            ),
            Error::RecipientRefused { recipient, reason } => write!(
                f,
                "not sent: MailTips of {recipient} say {reason} (nothing was sent)"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => e.source.as_deref().map(|s| s as _),
            Error::OutcomeUnknown(e) => Some(&e.cause),
            _ => None,
        }
    }
}

/// Why a request's outcome is unknown; see [`Error::OutcomeUnknown`].
#[derive(Debug)]
#[non_exhaustive]
pub struct OutcomeUnknown {
    /// Graph's name of the operation (`sendMail`).
    pub operation: &'static str,
    /// The `client-request-id` sent: Microsoft support can trace the request with it.
    pub client_request_id: String,
    /// What happened: a 504 [`Error::Graph`], or a timeout or dropped connection
    /// [`Error::Transport`].
    pub cause: Error,
}

impl fmt::Display for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the outcome of {} is unknown (not retried, it could act twice; \
             client-request-id {}): {}",
            self.operation, self.client_request_id, self.cause
        )
    }
}

/// A `403` that names a missing right on another mailbox; see [`Error::AccessDenied`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessDenied {
    /// The right the caller lacks.
    pub missing: MissingRight,
    /// Graph's answer.
    pub error: GraphError,
}

impl fmt::Display for AccessDenied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "access denied, missing {}: {}", self.missing, self.error)
    }
}

/// Which right a [`AccessDenied`] error says is missing (GRAPH-FACTS §6.4, §10, §14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MissingRight {
    /// `ErrorSendAsDenied`: `from` names a mailbox the caller may not send for.
    SendAs,
    /// `ErrorAccessDenied`: no access to the mailbox or folder addressed.
    MailboxAccess,
    /// `DelegatedCalendarAccessDenied`: no permission on the other user's calendar.
    DelegatedCalendarAccess,
    /// `ErrorAccessDenied` or `DelegatedCalendarAccessDenied` on a change to another user's
    /// calendar (create, update, delete, respond): the owner must grant a calendar role that
    /// writes (`write`, or a delegate role); Full Access to the mailbox is not needed.
    CalendarWrite,
}

impl MissingRight {
    /// The right a 403 names, from its codes (outer or inner); the generic `accessDenied`
    /// counts as `ErrorAccessDenied`.
    fn for_codes(has: &dyn Fn(&str) -> bool) -> Option<MissingRight> {
        if has("ErrorSendAsDenied") {
            Some(MissingRight::SendAs)
        } else if has("DelegatedCalendarAccessDenied") {
            Some(MissingRight::DelegatedCalendarAccess)
        } else if has("ErrorAccessDenied") || has("accessDenied") {
            Some(MissingRight::MailboxAccess)
        } else {
            None
        }
    }
}

impl fmt::Display for MissingRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MissingRight::SendAs => {
                "Send As or Send on Behalf on the `from` mailbox (granted in Exchange), \
                 and Mail.Send.Shared for a delegated token"
            }
            MissingRight::MailboxAccess => {
                "access to that mailbox: Full Access, a delegate or folder permission in \
                 Exchange plus a .Shared scope (Mail.ReadWrite.Shared, Mail.Send.Shared, \
                 Calendars.ReadWrite.Shared) for a delegated token, or the application \
                 permission for an app-only token (an application access policy may also \
                 exclude the mailbox)"
            }
            // Roles: learn.microsoft.com/en-us/graph/api/resources/calendarpermission
            // (calendarRoleType); delegates: learn.microsoft.com/en-us/graph/outlook-share-or-delegate-calendar.
            MissingRight::CalendarWrite => {
                "a calendar role that allows changes, granted by the calendar's owner: write \
                 (EWS Editor), or delegateWithoutPrivateEventAccess / \
                 delegateWithPrivateEventAccess (a delegate, who also gets meeting messages); \
                 Full Access to the mailbox is not needed. A delegated token also needs \
                 Calendars.ReadWrite.Shared; an app-only token, the Calendars.ReadWrite \
                 application permission"
            }
            MissingRight::DelegatedCalendarAccess => {
                "a calendar permission from the owner (role read or more; write or a \
                 delegate role to change events) and Calendars.Read.Shared or \
                 Calendars.ReadWrite.Shared"
            }
        })
    }
}

/// An error answer from Microsoft Graph (GRAPH-FACTS §11).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GraphError {
    /// HTTP status code.
    pub status: u16,
    /// `error.code`, absent when the body was not a Graph error body.
    pub code: Option<String>,
    /// `error.message` (developer-facing, may change: don't branch on it); for a body that is
    /// not a Graph error, a short excerpt of the body.
    pub message: String,
    /// Nested `innerError.code` values, outermost first; the last is the most specific.
    pub inner_codes: Vec<String>,
    /// `error.target`, when present.
    pub target: Option<String>,
    /// `request-id` (response header, else `innerError.request-id`).
    pub request_id: Option<String>,
    /// `client-request-id` (response header, else `innerError.client-request-id`, else what we sent).
    pub client_request_id: Option<String>,
    /// `innerError.date` as sent (Graph sends it without a UTC offset, so it is kept verbatim),
    /// else the `Date` response header.
    pub date: Option<String>,
    /// `Retry-After` in seconds, when sent (429, some 503).
    pub retry_after: Option<Duration>,
    /// The `Location` header, when sent: on a delta query's `410 Gone` it is the request URL
    /// with an empty `$deltatoken`, i.e. "start a full resync" (GRAPH-FACTS-2 §5.5).
    pub location: Option<String>,
}

impl GraphError {
    /// Parses a Graph error answer from its status and body, as found in a response or in an
    /// item of a `$batch` response. Never fails: a body that is not a Graph error body gives
    /// an error with no code and a short excerpt of the body as its message.
    ///
    /// ```
    /// use msgraph_outlook::GraphError;
    /// let body = br#"{"error":{"code":"ErrorItemNotFound","message":"Not found.",
    ///     "innerError":{"date":"2026-11-22T10:15:02","request-id":"r-1"}}}"#;
    /// let error = GraphError::from_body(404, body);
    /// assert_eq!(error.code.as_deref(), Some("ErrorItemNotFound"));
    /// assert_eq!(error.request_id.as_deref(), Some("r-1"));
    /// assert_eq!(error.date.as_deref(), Some("2026-11-22T10:15:02"));
    ///
    /// let html = GraphError::from_body(502, b"<html>Bad Gateway</html>");
    /// assert_eq!((html.code, html.message.as_str()), (None, "<html>Bad Gateway</html>"));
    /// ```
    pub fn from_body(status: u16, body: &[u8]) -> GraphError {
        let mut error = GraphError {
            status,
            ..GraphError::default()
        };
        let parsed = serde_json::from_slice::<Value>(body).ok();
        let Some(e) = parsed
            .as_ref()
            .and_then(|v| v.get("error"))
            .filter(|e| e.is_object())
        else {
            error.message = excerpt(body);
            return error;
        };
        let text =
            |level: &Value, key: &str| level.get(key).and_then(Value::as_str).map(str::to_string);
        error.code = text(e, "code");
        error.message = text(e, "message").unwrap_or_default();
        error.target = text(e, "target");
        // Some services nest innerError further: walk it, keeping every code.
        let mut inner = inner_error(e);
        while let Some(level) = inner {
            error.inner_codes.extend(text(level, "code"));
            error.request_id = error.request_id.or_else(|| text(level, "request-id"));
            error.client_request_id = error
                .client_request_id
                .or_else(|| text(level, "client-request-id"));
            error.date = error.date.or_else(|| text(level, "date"));
            inner = inner_error(level);
        }
        error
    }

    /// The most specific code known: the innermost `innerError.code`, else `error.code`.
    pub fn most_specific_code(&self) -> Option<&str> {
        self.inner_codes
            .last()
            .map(String::as_str)
            .or(self.code.as_deref())
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graph returned {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request-id {id}")?;
            if let Some(cid) = &self.client_request_id {
                write!(f, ", client-request-id {cid}")?;
            }
            write!(f, ")")?;
        } else if let Some(cid) = &self.client_request_id {
            write!(f, " (client-request-id {cid})")?;
        }
        Ok(())
    }
}

/// The identity platform refused to issue a token (GRAPH-FACTS §12.5).
///
/// Holds no secret: only what the token endpoint said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AuthError {
    /// HTTP status of the token endpoint's answer, when one was received.
    pub status: Option<u16>,
    /// The OAuth `error` (`invalid_client`, `invalid_grant`, …): react to this, never to the text.
    pub error: String,
    /// `error_description` (starts with `AADSTSnnnnn:` on Entra).
    pub description: Option<String>,
    /// `error_codes` (AADSTS numbers), or the number parsed from the description.
    pub aadsts_codes: Vec<u32>,
    /// `trace_id`, for Microsoft support.
    pub trace_id: Option<String>,
    /// `correlation_id`, for Microsoft support.
    pub correlation_id: Option<String>,
    /// `timestamp` as sent.
    pub timestamp: Option<String>,
}

impl AuthError {
    /// An error with OAuth `error` code `error` and nothing else, e.g. for a
    /// [`TokenFn`](crate::auth::TokenFn) that reports another library's failure.
    ///
    /// ```
    /// use msgraph_outlook::AuthError;
    /// let e = AuthError::new("invalid_grant").with_description("AADSTS70008: expired");
    /// assert!(e.is_sign_in_required());
    /// assert!(e.to_string().starts_with("sign-in required: "));
    /// ```
    pub fn new(error: impl Into<String>) -> Self {
        AuthError {
            error: error.into(),
            ..AuthError::default()
        }
    }

    /// Sets `description`.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// True when the AADSTS code `code` was reported (e.g. `7000215`, invalid client secret).
    pub fn has_aadsts(&self, code: u32) -> bool {
        self.aadsts_codes.contains(&code)
    }

    /// True when the user must sign in again, interactively: the refresh token or code is
    /// invalid, expired or revoked (`invalid_grant`), the identity platform wants the user
    /// (`interaction_required`, `login_required`, `consent_required`, e.g. for MFA or a new
    /// consent), or there is no refresh token at all.
    pub fn is_sign_in_required(&self) -> bool {
        matches!(
            self.error.as_str(),
            "invalid_grant" | "interaction_required" | "login_required" | "consent_required"
        )
    }

    /// True when the user declined the sign-in: `authorization_declined` (device code flow)
    /// or `access_denied` (authorization code flow).
    pub fn is_authorization_declined(&self) -> bool {
        matches!(
            self.error.as_str(),
            "authorization_declined" | "access_denied"
        )
    }

    /// True when a device code expired before the user signed in (`expired_token`).
    pub fn is_expired_token(&self) -> bool {
        self.error == "expired_token"
    }

    /// True when the token endpoint did not recognize the device code
    /// (`bad_verification_code`).
    pub fn is_bad_verification_code(&self) -> bool {
        self.error == "bad_verification_code"
    }

    /// True when the `state` returned to the redirect URI is not the one of the sign-in that
    /// was started (`state_mismatch`): the answer was refused and nothing was sent.
    pub fn is_state_mismatch(&self) -> bool {
        self.error == "state_mismatch"
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_state_mismatch() {
            f.write_str("sign-in answer refused, nothing was sent: state mismatch")?;
            if let Some(description) = &self.description {
                write!(f, ": {description}")?;
            }
            return Ok(());
        }
        if self.is_sign_in_required() {
            f.write_str("sign-in required: ")?;
        } else if self.is_authorization_declined() {
            f.write_str("the user declined the sign-in: ")?;
        } else if self.is_expired_token() {
            f.write_str("the sign-in expired before the user completed it: ")?;
        }
        write!(f, "token request failed: {}", self.error)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(description) = &self.description {
            // Entra's description runs over several lines (trace and correlation ids): keep the first.
            let first = description.lines().next().unwrap_or_default();
            write!(f, ": {first}")?;
        }
        Ok(())
    }
}

/// A request refused before sending, because Graph would reject it (or would silently drop
/// part of it). Nothing was sent when you get one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidRequest {
    /// A message to send has no to, cc or bcc recipient.
    NoRecipients,
    /// An email address is not of the form `local@domain`, or a recipient is not an RFC 5322
    /// mailbox (`Adele Vance <adele@contoso.com>`; see
    /// [`Recipient::parse`](crate::models::Recipient::parse)).
    InvalidAddress {
        /// The offending value.
        address: String,
    },
    /// More than 500 recipients (to + cc + bcc): Exchange Online's per-message limit.
    TooManyRecipients {
        /// Recipients given.
        count: usize,
    },
    /// An `internetMessageHeaders` name that does not start with `x-`/`X-`.
    InvalidHeaderName {
        /// The offending name.
        name: String,
    },
    /// More than 5 `internetMessageHeaders`.
    TooManyHeaders {
        /// Headers given.
        count: usize,
    },
    /// A follow-up flag with `dueDateTime` but no `startDateTime` (Graph answers 400).
    FlagDueWithoutStart,
    /// The request body exceeds Graph's 4 MB request limit.
    RequestTooLarge {
        /// Body size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// MIME content that does not start with an RFC 5322 header section.
    MimeWithoutHeaders,
    /// MIME content with no `To`, `Cc` or `Bcc` header.
    MimeWithoutRecipients,
    /// MIME content given base64-encoded where raw MIME bytes are expected: the Graph docs
    /// show base64, but this crate encodes it. Pass the decoded message, or use
    /// [`Mailbox::send_mime_base64`](crate::api::Mailbox::send_mime_base64).
    MimeIsBase64,
    /// Text given as base64 MIME (to
    /// [`Mailbox::send_mime_base64`](crate::api::Mailbox::send_mime_base64)) that does not
    /// decode.
    InvalidBase64 {
        /// Why it does not decode.
        reason: String,
    },
    /// A reply or forward with both a `comment` and a `message.body`: Graph takes one or the
    /// other (400).
    CommentAndBody,
    /// A value this crate cannot place in a request (e.g. an empty user id).
    InvalidValue {
        /// What was wrong.
        reason: String,
    },
    /// An extended property id in none of the documented forms, or a single value under an
    /// `…Array` type (or a list under a single type). Build ids with
    /// [`ExtendedPropertyId`](crate::models::ExtendedPropertyId).
    InvalidExtendedPropertyId {
        /// The offending id.
        id: String,
        /// What was wrong.
        reason: String,
    },
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidRequest::NoRecipients => {
                f.write_str("the message has no recipient (to, cc or bcc)")
            }
            InvalidRequest::InvalidAddress { address } => write!(
                f,
                "{address:?} is not an email address; accepted forms: adele@contoso.com, \
                 Adele Vance <adele@contoso.com>, \"Vance, Adele\" <adele@contoso.com> \
                 (quote a display name with , ; : @ < > ( ) [ ] or \\)"
            ),
            InvalidRequest::TooManyRecipients { count } => write!(
                f,
                "{count} recipients: Exchange Online accepts at most 500 per message (to + cc + bcc)"
            ),
            InvalidRequest::InvalidHeaderName { name } => write!(
                f,
                "internet message header {name:?} must start with 'x-' or 'X-'"
            ),
            InvalidRequest::TooManyHeaders { count } => write!(
                f,
                "{count} internet message headers: Graph accepts at most 5 (send MIME for more)"
            ),
            InvalidRequest::FlagDueWithoutStart => {
                f.write_str("a follow-up flag with a due date needs a start date")
            }
            InvalidRequest::RequestTooLarge { size, limit } => write!(
                f,
                "the request body is {size} bytes, over Graph's {limit}-byte limit: \
                 create a draft and add large attachments through an upload session"
            ),
            InvalidRequest::MimeWithoutHeaders => {
                f.write_str("the MIME content has no header section (RFC 5322)")
            }
            InvalidRequest::MimeWithoutRecipients => {
                f.write_str("the MIME content has no To, Cc or Bcc header")
            }
            InvalidRequest::MimeIsBase64 => f.write_str(
                "the MIME content has no header section, and this looks like base64: \
                 pass the decoded message, or use send_mime_base64 \
                 (create_draft_mime_base64 for a draft)",
            ),
            InvalidRequest::InvalidBase64 { reason } => write!(
                f,
                "the MIME content is not valid base64 ({reason}): pass raw MIME bytes to \
                 send_mime, or base64 of them to send_mime_base64"
            ),
            InvalidRequest::CommentAndBody => f.write_str(
                "a reply or forward takes a comment or a message body, not both",
            ),
            InvalidRequest::InvalidValue { reason } => f.write_str(reason),
            InvalidRequest::InvalidExtendedPropertyId { id, reason } => write!(
                f,
                "extended property id {id:?}: {reason}; the forms are \"{{type}} {{guid}} Name {{name}}\", \
                 \"{{type}} {{guid}} Id {{id}}\" and \"{{type}} {{proptag}}\" (use ExtendedPropertyId)"
            ),
        }
    }
}

impl InvalidRequest {
    /// A `kind` (event, message, …) without an id: only items read from Graph have one.
    pub(crate) fn no_id(kind: &str) -> InvalidRequest {
        InvalidRequest::InvalidValue {
            reason: format!("the {kind} has no id (was it read from Graph?)"),
        }
    }
}

impl From<InvalidRequest> for Error {
    fn from(e: InvalidRequest) -> Self {
        Error::InvalidRequest(e)
    }
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made: the request was certainly not received.
    Connect,
    /// No answer in time: the server may or may not have acted on the request.
    Timeout,
    /// Anything else (connection reset, protocol error).
    Other,
}

/// The HTTP exchange failed. URLs are stripped from the source: they can carry mailbox
/// ids and, for upload sessions, pre-authenticated tokens.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The kind of failure.
    pub kind: TransportErrorKind,
    /// A one-line description.
    pub message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        let kind = if e.is_connect() {
            TransportErrorKind::Connect
        } else if e.is_timeout() {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Other
        };
        let e = e.without_url();
        TransportError {
            kind,
            message: e.to_string(),
            source: Some(Box::new(e)),
        }
    }
}

impl TransportError {
    pub(crate) fn other(message: impl Into<String>) -> Self {
        TransportError {
            kind: TransportErrorKind::Other,
            message: message.into(),
            source: None,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP transport error ({:?}): {}",
            self.kind, self.message
        )
    }
}

/// A success answer whose body is not what Graph documents.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// HTTP status of the response.
    pub status: u16,
    /// JSON path and reason of the failure.
    pub reason: String,
    /// The first bytes of the body, lossily decoded.
    pub excerpt: String,
    /// `request-id` of the response.
    pub request_id: Option<String>,
    /// `client-request-id` we sent.
    pub client_request_id: Option<String>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unexpected response body (HTTP {}): {}",
            self.status, self.reason
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request-id {id})")?;
        }
        Ok(())
    }
}

/// Graph spells it `innerError` or `innererror`.
fn inner_error(level: &Value) -> Option<&Value> {
    level
        .get("innerError")
        .or_else(|| level.get("innererror"))
        .filter(|v| v.is_object())
}

/// At most this many characters of an unexpected body are kept in an error.
pub(crate) const EXCERPT_CHARS: usize = 200;

pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}
