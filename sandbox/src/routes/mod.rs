//! HTTP front door: records every request (bounded, see [`crate::recording`]), routes
//! `/v1.0/…` to Graph handlers, the identity-platform paths
//! (`/{tenant}/oauth2/v2.0/{token|devicecode|authorize}`, `/devicelogin`,
//! `/metadata/identity/oauth2/token`, `/msi/token`) to [`crate::auth`] and
//! `/_sandbox/clock` to [`admin`], and adds common headers. Graph requests also pass fault injection, the per-(app, mailbox) concurrency limit and the
//! artificial latency (see [`crate::faults`]). `POST /v1.0/$batch` runs its inner requests
//! through the same Graph path ([`batch`]).

mod admin;
mod attachments;
mod authz;
mod batch;
mod body;
mod calendar_paths;
mod categories;
mod delta;
mod drafts;
mod event_target;
mod events;
mod folder_admin;
mod folder_delta;
mod folders;
mod mail;
mod mail_tips;
mod mailbox_items;
mod meeting_times;
mod message_rules;
mod permissions;
mod permissions_table;
mod query;
mod reply;
mod request;
mod responses;
mod schedule;
mod sending;
mod settings;
mod subscriptions;
mod translate_ids;
mod upload;
mod working_hours;

/// First path segment of the sandbox's own control routes (`/_sandbox/…`).
pub(crate) const ADMIN_PATH_PREFIX: &str = admin::PREFIX;
/// First path segment of upload-session URLs (see [`crate::RequestKind::UploadSession`]).
pub(crate) const UPLOAD_PATH_PREFIX: &str = upload::PATH_PREFIX;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;

use calendar_paths::CalendarRoute;
use request::MailRequest;

use crate::auth::{self, Caller};
use crate::calendar::CalRef;
use crate::conn::ConnHandle;
use crate::faults::{Fault, InFlight};
use crate::graph_error::{apply_entra_headers, apply_graph_headers, GraphError, RequestContext};
use crate::state::AppState;
use crate::url::percent_decode;

/// Bodies of Graph requests with an accepted token are kept up to this size; Graph's
/// own limit (4 MB) is enforced per endpoint, so anything larger only needs to be
/// known as too large.
const GRAPH_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Bodies of identity-platform requests (small forms) are kept up to this size.
const FORM_BODY_LIMIT: usize = 1024 * 1024;

/// Builds the axum router.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

/// Records the request in [`crate::Sandbox::requests`] (method, path, query first;
/// headers and body only once its token was accepted; the status at the end), serves
/// it, and writes its `--log` line.
async fn dispatch(State(state): State<Arc<AppState>>, req: Request<Body>) -> Response {
    let conn = req
        .extensions()
        .get::<ConnectInfo<ConnHandle>>()
        .map(|c| c.0.clone());
    let (parts, body) = req.into_parts();
    let seq = state.log().start(&parts, None);
    let (resp, body_size) = serve(&state, &parts, body, seq, conn.as_ref()).await;
    let status = resp.status().as_u16();
    state.log().finish(seq, status, body_size);
    if state.access_log().is_some() {
        let line = crate::access_log::line(
            state.lock().now(),
            &parts,
            status,
            resp.headers(),
            body_size,
        );
        if let Some(log) = state.access_log().as_mut() {
            log.write(&line);
        }
    }
    resp
}

/// Serves one HTTP request; returns the answer and the size of the request body.
async fn serve(
    state: &Arc<AppState>,
    parts: &Parts,
    body: Body,
    seq: u64,
    conn: Option<&ConnHandle>,
) -> (Response, u64) {
    let path = parts.uri.path().to_string();
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let is_upload = segs[0].eq_ignore_ascii_case(upload::PATH_PREFIX);
    let is_graph = segs[0].eq_ignore_ascii_case("v1.0");
    let is_admin = segs[0].eq_ignore_ascii_case(admin::PREFIX);
    let is_identity = !is_upload && !is_graph && !is_admin && is_identity_path(&segs);
    // Only bodies someone will use are kept: a Graph request's once its token was
    // accepted (an unauthenticated one is answered 400/401 without it), an upload
    // range, a token-endpoint form. Others are read and dropped as they come.
    let authenticated = is_graph && auth::authenticate(state, &parts.headers).is_ok();
    let keep = if authenticated {
        GRAPH_BODY_LIMIT
    } else if is_upload {
        upload::MAX_READ
    } else if is_identity {
        FORM_BODY_LIMIT
    } else if is_admin {
        admin::MAX_BODY
    } else {
        0
    };
    let read = body::read(body, keep).await;
    let (bytes, too_large, size) = (read.bytes, read.too_large, read.size);
    // From here on a handler works: that time never counts as the client being idle.
    let _busy = conn.map(ConnHandle::busy);
    if authenticated {
        state.log().keep_content(seq, parts, &bytes);
    }
    let now = {
        let mut store = state.lock();
        // Deferred messages due by the sandbox clock are delivered before anything else.
        crate::outbox::run_due(&mut store);
        // Changes made so far are notified and subscriptions past their expiry go before
        // this request changes anything: its changes never reach an expired one.
        crate::subscriptions::changed(&mut store);
        store.now()
    };
    let ctx = RequestContext::new(&parts.headers, state.origin(), now);
    if is_upload {
        let mut resp = upload::handle_put_url(state, parts, bytes, too_large, &ctx)
            .unwrap_or_else(|e| e.into_response(&ctx));
        apply_graph_headers(&mut resp, &ctx);
        if resp.status().is_success() {
            // The URL's own token was accepted: keep the headers, never the range bytes.
            state.log().keep_content(seq, parts, &[]);
        }
        return (resp, size);
    }
    if is_admin {
        let resp = admin::handle(state, &parts.method, &segs[1..], &bytes);
        // The clock may have moved: expiries, deferred deliveries.
        crate::subscriptions::after_change(state);
        return (resp, size);
    }

    if is_graph {
        // Fault injection applies to Graph requests only, never to the token endpoint.
        let (fault, retry_after) = {
            let mut faults = state.faults();
            (faults.next_fault(), faults.retry_after_secs())
        };
        let injected = match fault {
            // Graph did not act on throttled / unavailable requests: nothing is applied.
            Some(Fault::Throttle) => Some(GraphError::too_many_requests(retry_after)),
            Some(Fault::Unavailable) => Some(GraphError::service_unavailable(retry_after)),
            Some(Fault::CutOff) | None => None,
        };
        let mut cut = fault == Some(Fault::CutOff);
        let mut resp = match injected {
            Some(e) => e.into_response(&ctx),
            None if batch::is_batch_path(&segs[1..]) => {
                let (resp, inner_cut) = batch::handle(state, parts, &bytes, too_large, &ctx).await;
                cut |= inner_cut;
                resp
            }
            None if subscriptions::is_path(&segs[1..]) => {
                subscriptions::handle(state, parts, &segs[1..], &bytes, too_large, &ctx)
                    .await
                    .unwrap_or_else(|e| e.into_response(&ctx))
            }
            None => graph(state, parts, &segs[1..], &bytes, too_large, &ctx)
                .await
                .unwrap_or_else(|e| e.into_response(&ctx)),
        };
        // Changes this request made raise change notifications (any route).
        crate::subscriptions::after_change(state);
        apply_graph_headers(&mut resp, &ctx);
        if cut {
            // The request was applied; now make hyper fail writing the response, so the
            // connection closes without a status line.
            if let Some(conn) = conn {
                conn.cut_off();
            }
        }
        return (resp, size);
    }
    if let Some(mut resp) = identity(state, parts, &segs, &bytes, &ctx) {
        apply_entra_headers(&mut resp, &ctx);
        return (resp, size);
    }
    let mut resp = GraphError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        "The sandbox serves Microsoft Graph under /v1.0, the identity platform at /{tenant}/oauth2/v2.0/{token|devicecode|authorize} and /devicelogin, managed identity tokens at /metadata/identity/oauth2/token and /msi/token, and its clock at /_sandbox/clock.",
    )
    .into_response(&ctx);
    apply_graph_headers(&mut resp, &ctx);
    (resp, size)
}

/// Whether `segs` is one of the identity-platform paths [`identity`] serves.
fn is_identity_path(segs: &[&str]) -> bool {
    let is = |i: usize, name: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(name));
    (segs.len() == 4 && is(1, "oauth2") && is(2, "v2.0"))
        || (segs.len() == 4 && is(0, "metadata") && is(1, "identity"))
        || (segs.len() == 2 && is(0, "msi") && is(1, "token"))
        || (segs.len() == 1 && is(0, "devicelogin"))
        || auth::is_discovery_path(segs)
}

/// Identity-platform endpoints (see [`crate::auth`]); `None` for other paths.
fn identity(
    state: &AppState,
    parts: &Parts,
    segs: &[&str],
    bytes: &[u8],
    ctx: &RequestContext,
) -> Option<Response> {
    let method = parts.method.as_str();
    let query = parts.uri.query();
    let is = |i: usize, name: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(name));
    if segs.len() == 4 && is(1, "oauth2") && is(2, "v2.0") {
        let tenant = percent_decode(segs[0], false);
        let endpoint = segs[3].to_ascii_lowercase();
        return match endpoint.as_str() {
            "token" => {
                if method == "POST" {
                    state.lock().token_requests += 1;
                }
                Some(auth::token_endpoint(
                    state,
                    method,
                    &tenant,
                    &parts.headers,
                    bytes,
                    ctx,
                ))
            }
            "devicecode" => Some(auth::devicecode_endpoint(
                state, method, &tenant, bytes, ctx,
            )),
            "authorize" => Some(auth::authorize_endpoint(
                state, method, &tenant, query, bytes, ctx,
            )),
            _ => None,
        };
    }
    if segs.len() == 4
        && is(0, "metadata")
        && is(1, "identity")
        && is(2, "oauth2")
        && is(3, "token")
    {
        return Some(auth::imds_endpoint(state, method, query, &parts.headers));
    }
    if segs.len() == 2 && is(0, "msi") && is(1, "token") {
        return Some(auth::app_service_endpoint(
            state,
            method,
            query,
            &parts.headers,
        ));
    }
    if segs.len() == 1 && is(0, "devicelogin") {
        return Some(auth::devicelogin_page(state, method, &parts.headers, bytes));
    }
    if let Some(resp) = auth::discovery_endpoint(state, method, segs, ctx) {
        return Some(resp);
    }
    None
}

/// Records a request executed inside a JSON batch (`batch_request_id` = its `id`),
/// with headers and body: the `$batch` request's token was accepted before it runs.
/// Returns its sequence number for [`crate::recording::RequestLog::finish`].
fn record_batch_request(
    state: &AppState,
    parts: &Parts,
    body: &[u8],
    batch_request_id: &str,
) -> u64 {
    let mut log = state.log();
    let seq = log.start(parts, Some(batch_request_id));
    log.keep_content(seq, parts, body);
    seq
}

/// Which mailbox a Graph path addresses.
#[derive(Debug, Clone)]
enum MailboxRef {
    Me,
    User(String),
}

/// A recognised Graph operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    SendMail,
    ListMessages {
        folder: Option<String>,
    },
    /// `GET …/messages/$count`.
    CountMessages {
        folder: Option<String>,
    },
    GetMessage {
        folder: Option<String>,
        id: String,
    },
    ListAttachments {
        item: Item,
    },
    GetAttachment {
        item: Item,
        attachment: String,
    },
    ListFolders,
    GetFolder(String),
    /// `POST …/mailFolders` (`parent: None`) or `…/mailFolders/{parent}/childFolders`.
    CreateFolder {
        parent: Option<String>,
    },
    /// `GET …/mailFolders/{id}/childFolders`.
    ListChildFolders(String),
    /// `PATCH …/mailFolders/{id}` (rename).
    UpdateFolder(String),
    /// `DELETE …/mailFolders/{id}` (to Deleted Items).
    DeleteFolder(String),
    /// `POST …/mailFolders/{id}/move`.
    MoveFolder(String),
    /// `POST …/mailFolders/{id}/copy`.
    CopyFolder(String),
    /// `POST …/mailFolders/{id}/permanentDelete`.
    PermanentDeleteFolder(String),
    /// `POST …/messages/{id}/permanentDelete`.
    PermanentDeleteMessage {
        folder: Option<String>,
        id: String,
    },
    /// `GET …/mailFolders/{folder}/messageRules` (the folder is the Inbox).
    ListRules(String),
    /// `POST …/mailFolders/{folder}/messageRules`.
    CreateRule(String),
    /// `GET …/mailFolders/{folder}/messageRules/{id}`.
    GetRule(String, String),
    /// `PATCH …/mailFolders/{folder}/messageRules/{id}`.
    UpdateRule(String, String),
    /// `DELETE …/mailFolders/{folder}/messageRules/{id}`.
    DeleteRule(String, String),
    /// `GET …/outlook/masterCategories`.
    ListCategories,
    /// `POST …/outlook/masterCategories`.
    CreateCategory,
    /// `GET …/outlook/masterCategories/{id}`.
    GetCategory(String),
    /// `PATCH …/outlook/masterCategories/{id}` (colour only).
    UpdateCategory(String),
    /// `DELETE …/outlook/masterCategories/{id}`.
    DeleteCategory(String),
    /// `POST …/translateExchangeIds`.
    TranslateExchangeIds,
    CreateMessage {
        folder: Option<String>,
    },
    UpdateMessage {
        folder: Option<String>,
        id: String,
    },
    DeleteMessage {
        folder: Option<String>,
        id: String,
    },
    MessageValue {
        folder: Option<String>,
        id: String,
    },
    SendDraft {
        folder: Option<String>,
        id: String,
    },
    MoveMessage {
        folder: Option<String>,
        id: String,
    },
    CopyMessage {
        folder: Option<String>,
        id: String,
    },
    AddAttachment {
        item: Item,
    },
    DeleteAttachment {
        item: Item,
        attachment: String,
    },
    CreateUploadSession {
        item: Item,
    },
    Respond {
        folder: Option<String>,
        id: String,
        action: ReplyAction,
    },
    Delta {
        folder: String,
    },
    /// `GET …/mailFolders/delta` (folder hierarchy delta).
    FolderDelta,
    /// `GET …/mailboxSettings` or `…/mailboxSettings/{property}`.
    GetMailboxSettings(Option<String>),
    /// `PATCH …/mailboxSettings`.
    UpdateMailboxSettings,
    /// `POST …/getMailTips`.
    GetMailTips,
    Calendar(calendar_paths::CalendarRoute),
}

/// The Outlook item a path addresses (parent of attachments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    Message { folder: Option<String>, id: String },
    Event { calendar: CalRef, id: String },
}

/// `reply`, `replyAll`, `forward` and their `create…` draft variants (GRAPH-FACTS §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyAction {
    Reply,
    ReplyAll,
    Forward,
    CreateReply,
    CreateReplyAll,
    CreateForward,
}

impl ReplyAction {
    fn parse(name: &str) -> Option<ReplyAction> {
        Some(match name {
            "reply" => ReplyAction::Reply,
            "replyall" => ReplyAction::ReplyAll,
            "forward" => ReplyAction::Forward,
            "createreply" => ReplyAction::CreateReply,
            "createreplyall" => ReplyAction::CreateReplyAll,
            "createforward" => ReplyAction::CreateForward,
            _ => return None,
        })
    }
}

/// Lower-cased segment name without an optional `microsoft.graph.` namespace.
fn seg_name(s: &str) -> String {
    let l = s.to_ascii_lowercase();
    l.strip_prefix("microsoft.graph.")
        .map(str::to_string)
        .unwrap_or(l)
}

fn not_implemented(what: &str) -> GraphError {
    GraphError::new(
        StatusCode::NOT_IMPLEMENTED,
        "NotImplemented",
        format!("The sandbox does not implement '{what}' yet."),
    )
}

fn method_not_allowed(method: &str) -> GraphError {
    // The 405 status is what Graph lists for "The HTTP method in the request is not
    // allowed on the resource" (https://learn.microsoft.com/graph/errors). The code and
    // text of the body are [unconfirmed]: not documented, no live answer found.
    GraphError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "BadRequest",
        format!("The HTTP method '{method}' is not allowed on this resource."),
    )
}

/// Segments Graph knows under a mailbox that the sandbox does not implement yet.
const KNOWN_UNIMPLEMENTED: [&str; 5] = [
    "calendargroups",
    "contacts",
    "contactfolders",
    "outlook",
    "inferenceclassification",
];

const MESSAGE_ACTIONS: [&str; 1] = ["extensions"];

/// `route` for a GET; any other method on a path that Graph serves only with GET is
/// `405` (issue 15 item 17: `PUT /me/messages` is no "unimplemented" operation).
fn get_only(method: &str, _rest: &[String], route: Route) -> Result<Route, GraphError> {
    match method {
        "GET" => Ok(route),
        m => Err(method_not_allowed(m)),
    }
}

/// [`get_only`] for a path where Graph also documents the `unimplemented` methods
/// (e.g. `PATCH`/`DELETE` of a mail folder): those stay `501` in the sandbox, any
/// other method is `405`.
fn get_or_unimplemented(
    method: &str,
    rest: &[String],
    route: Route,
    unimplemented: &[&str],
) -> Result<Route, GraphError> {
    if unimplemented.contains(&method) {
        return Err(not_implemented(&format!("{method} /{}", rest.join("/"))));
    }
    get_only(method, rest, route)
}

/// Matches the part of the path after the mailbox (`/me` or `/users/{id}`).
fn match_route(rest: &[String], method: &str) -> Result<Route, GraphError> {
    let names: Vec<String> = rest.iter().map(|s| seg_name(s)).collect();
    let n: Vec<&str> = names.iter().map(String::as_str).collect();
    let get_only = |route: Route| get_only(method, rest, route);
    match n.as_slice() {
        [] => Err(not_implemented("user")),
        ["sendmail"] => match method {
            "POST" => Ok(Route::SendMail),
            m => Err(method_not_allowed(m)),
        },
        ["getmailtips"] => match method {
            "POST" => Ok(Route::GetMailTips),
            m => Err(method_not_allowed(m)),
        },
        ["messages", tail @ ..] => message_route(None, &rest[1..], tail, method, &get_only),
        ["translateexchangeids"] => post_only(method, Route::TranslateExchangeIds),
        ["outlook", "mastercategories"] => match method {
            "POST" => Ok(Route::CreateCategory),
            _ => get_only(Route::ListCategories),
        },
        ["outlook", "mastercategories", _] => {
            let id = rest[2].clone();
            match method {
                "PATCH" => Ok(Route::UpdateCategory(id)),
                "DELETE" => Ok(Route::DeleteCategory(id)),
                _ => get_only(Route::GetCategory(id)),
            }
        }
        ["mailfolders"] => match method {
            "POST" => Ok(Route::CreateFolder { parent: None }),
            _ => get_only(Route::ListFolders),
        },
        // `delta()` is how the SDKs spell the function call.
        ["mailfolders", "delta" | "delta()"] => get_only(Route::FolderDelta),
        ["mailfolders", _, ..] => folder_route(&rest[1..], &n[1..], method, &get_only),
        ["mailboxsettings"] => match method {
            "PATCH" => Ok(Route::UpdateMailboxSettings),
            _ => get_only(Route::GetMailboxSettings(None)),
        },
        ["mailboxsettings", _] => match crate::settings::property_name(&rest[1]) {
            Some(p) => get_only(Route::GetMailboxSettings(Some(p.to_string()))),
            None => Err(GraphError::unknown_segment(&rest[1])),
        },
        [first, ..] if calendar_paths::ROOTS.contains(first) => {
            calendar_paths::match_route(rest, &n, method)
        }
        [first, ..] if KNOWN_UNIMPLEMENTED.contains(first) => Err(not_implemented(&rest[0])),
        [_, ..] => Err(GraphError::unknown_segment(&rest[0])),
    }
}

/// `route` for a POST, `405` for any other method.
fn post_only(method: &str, route: Route) -> Result<Route, GraphError> {
    match method {
        "POST" => Ok(route),
        m => Err(method_not_allowed(m)),
    }
}

/// Matches `…/mailFolders/{id}/…`: `raw[0]` is the folder (id or well-known name),
/// `names` the lower-cased segments from there on. A child folder addressed through its
/// parent (`…/mailFolders/{parent}/childFolders/{id}/…`) is the folder `{id}`.
fn folder_route(
    raw: &[String],
    names: &[&str],
    method: &str,
    get_only: &dyn Fn(Route) -> Result<Route, GraphError>,
) -> Result<Route, GraphError> {
    let id = || raw[0].clone();
    match names {
        [_] => match method {
            "PATCH" => Ok(Route::UpdateFolder(id())),
            "DELETE" => Ok(Route::DeleteFolder(id())),
            _ => get_only(Route::GetFolder(id())),
        },
        [_, "messages", tail @ ..] => message_route(Some(id()), &raw[2..], tail, method, get_only),
        [_, "childfolders"] => match method {
            "POST" => Ok(Route::CreateFolder { parent: Some(id()) }),
            _ => get_only(Route::ListChildFolders(id())),
        },
        [_, "childfolders", _, ..] => folder_route(&raw[2..], &names[2..], method, get_only),
        [_, "move"] => post_only(method, Route::MoveFolder(id())),
        [_, "copy"] => post_only(method, Route::CopyFolder(id())),
        [_, "permanentdelete"] => post_only(method, Route::PermanentDeleteFolder(id())),
        [_, "messagerules"] => match method {
            "POST" => Ok(Route::CreateRule(id())),
            _ => get_only(Route::ListRules(id())),
        },
        [_, "messagerules", _] => {
            let rule = raw[2].clone();
            match method {
                "PATCH" => Ok(Route::UpdateRule(id(), rule)),
                "DELETE" => Ok(Route::DeleteRule(id(), rule)),
                _ => get_only(Route::GetRule(id(), rule)),
            }
        }
        [_, _, ..] => Err(GraphError::unknown_segment(&raw[1])),
        [] => Err(GraphError::unknown_segment("mailFolders")),
    }
}

fn message_route(
    folder: Option<String>,
    raw: &[String],
    names: &[&str],
    method: &str,
    get_only: &dyn Fn(Route) -> Result<Route, GraphError>,
) -> Result<Route, GraphError> {
    let post_only = |route: Route| -> Result<Route, GraphError> {
        match method {
            "POST" => Ok(route),
            m => Err(method_not_allowed(m)),
        }
    };
    let id = || raw[0].clone();
    let item = || Item::Message {
        folder: folder.clone(),
        id: raw[0].clone(),
    };
    match names {
        [] if method == "POST" => Ok(Route::CreateMessage { folder }),
        [] => get_only(Route::ListMessages { folder }),
        // `GET …/messages/$count`: the number of messages as `text/plain`.
        ["$count"] => get_only(Route::CountMessages { folder }),
        // `delta()` is how the SDKs spell the function call.
        ["delta" | "delta()"] => match folder {
            Some(folder) => get_only(Route::Delta { folder }),
            None => Err(not_implemented(
                "messages/delta (use mailFolders/{id}/messages/delta)",
            )),
        },
        [_] => match method {
            "PATCH" => Ok(Route::UpdateMessage { folder, id: id() }),
            "DELETE" => Ok(Route::DeleteMessage { folder, id: id() }),
            _ => get_only(Route::GetMessage { folder, id: id() }),
        },
        [_, "$value"] => get_only(Route::MessageValue { folder, id: id() }),
        [_, "send"] => post_only(Route::SendDraft { folder, id: id() }),
        [_, "move"] => post_only(Route::MoveMessage { folder, id: id() }),
        [_, "copy"] => post_only(Route::CopyMessage { folder, id: id() }),
        [_, "permanentdelete"] => post_only(Route::PermanentDeleteMessage { folder, id: id() }),
        [_, "attachments"] if method == "POST" => Ok(Route::AddAttachment { item: item() }),
        [_, "attachments"] => get_only(Route::ListAttachments { item: item() }),
        [_, "attachments", "createuploadsession"] => {
            post_only(Route::CreateUploadSession { item: item() })
        }
        [_, "attachments", _] if method == "DELETE" => Ok(Route::DeleteAttachment {
            item: item(),
            attachment: raw[2].clone(),
        }),
        [_, "attachments", _] => get_only(Route::GetAttachment {
            item: item(),
            attachment: raw[2].clone(),
        }),
        [_, action] if ReplyAction::parse(action).is_some() => post_only(Route::Respond {
            folder,
            id: id(),
            action: ReplyAction::parse(action).unwrap_or(ReplyAction::Reply),
        }),
        [_, action, ..] if MESSAGE_ACTIONS.contains(action) => Err(not_implemented(&raw[1])),
        [_, _, ..] => Err(GraphError::unknown_segment(&raw[1])),
    }
}

/// Runs a mail route.
fn handle(req: &MailRequest<'_>, route: Route) -> Result<Response, GraphError> {
    match route {
        Route::SendMail => mail::send_mail(req),
        Route::ListMessages { folder } => mail::list_messages(req, folder.as_deref()),
        Route::CountMessages { folder } => mail::count_messages(req, folder.as_deref()),
        Route::GetMessage { folder, id } => mail::get_message(req, folder.as_deref(), &id),
        Route::ListAttachments { item } => attachments::list(req, &item),
        Route::GetAttachment { item, attachment } => attachments::get(req, &item, &attachment),
        Route::AddAttachment { item } => attachments::add(req, &item),
        Route::DeleteAttachment { item, attachment } => {
            attachments::delete(req, &item, &attachment)
        }
        Route::ListFolders => folders::list_top(req),
        Route::GetFolder(f) => folders::get(req, &f),
        Route::CreateFolder { parent } => folder_admin::create(req, parent.as_deref()),
        Route::ListChildFolders(f) => folders::list_children(req, &f),
        Route::UpdateFolder(f) => folder_admin::update(req, &f),
        Route::DeleteFolder(f) => folder_admin::delete(req, &f),
        Route::MoveFolder(f) => folder_admin::move_or_copy(req, &f, false),
        Route::CopyFolder(f) => folder_admin::move_or_copy(req, &f, true),
        Route::PermanentDeleteFolder(f) => folder_admin::permanent_delete(req, &f),
        Route::PermanentDeleteMessage { folder, id } => {
            folder_admin::permanent_delete_message(req, folder.as_deref(), &id)
        }
        Route::ListRules(f) => message_rules::list(req, &f),
        Route::CreateRule(f) => message_rules::create(req, &f),
        Route::GetRule(f, id) => message_rules::get(req, &f, &id),
        Route::UpdateRule(f, id) => message_rules::update(req, &f, &id),
        Route::DeleteRule(f, id) => message_rules::delete(req, &f, &id),
        Route::ListCategories => categories::list(req),
        Route::CreateCategory => categories::create(req),
        Route::GetCategory(id) => categories::get(req, &id),
        Route::UpdateCategory(id) => categories::update(req, &id),
        Route::DeleteCategory(id) => categories::delete(req, &id),
        Route::TranslateExchangeIds => translate_ids::translate(req),
        Route::Respond { folder, id, action } => reply::handle(req, folder.as_deref(), &id, action),
        Route::CreateUploadSession { item } => upload::create_session(req, &item),
        Route::Delta { folder } => delta::handle(req, &folder),
        Route::FolderDelta => folder_delta::handle(req),
        Route::GetMailboxSettings(property) => settings::get(req, property.as_deref()),
        Route::UpdateMailboxSettings => settings::update(req),
        Route::GetMailTips => mail_tips::get_mail_tips(req),
        Route::Calendar(route) => handle_calendar(req, route),
        other => drafts::handle(req, other),
    }
}

/// Runs a calendar route.
fn handle_calendar(req: &MailRequest<'_>, route: CalendarRoute) -> Result<Response, GraphError> {
    match route {
        CalendarRoute::ListCalendars => events::list_calendars(req),
        CalendarRoute::GetCalendar(cal) => events::get_calendar(req, &cal),
        CalendarRoute::ListEvents(cal) => events::list_events(req, &cal),
        CalendarRoute::CreateEvent(cal) => events::create_event(req, &cal),
        CalendarRoute::GetEvent(cal, id) => events::get_event(req, &cal, &id),
        CalendarRoute::UpdateEvent(cal, id) => events::update_event(req, &cal, &id),
        CalendarRoute::DeleteEvent(cal, id) => events::delete_event(req, &cal, &id),
        CalendarRoute::Instances(cal, id) => events::list_instances(req, &cal, &id),
        CalendarRoute::CalendarView(cal) => events::calendar_view(req, &cal),
        CalendarRoute::CalendarViewDelta(cal) => events::calendar_view_delta(req, &cal),
        CalendarRoute::Action(cal, id, action) => responses::handle(req, &cal, &id, action),
        CalendarRoute::GetSchedule => schedule::get_schedule(req),
        CalendarRoute::FindMeetingTimes => meeting_times::find(req),
        CalendarRoute::CreateCalendar => events::create_calendar(req),
        CalendarRoute::ListPermissions(cal) => permissions::list(req, &cal),
        CalendarRoute::CreatePermission(cal) => permissions::create(req, &cal),
        CalendarRoute::GetPermission(cal, id) => permissions::get(req, &cal, &id),
        CalendarRoute::UpdatePermission(cal, id) => permissions::update(req, &cal, &id),
        CalendarRoute::DeletePermission(cal, id) => permissions::delete(req, &cal, &id),
    }
}

/// Serves one Graph request: resolves path, caller and mailbox, takes a concurrency slot
/// for (caller, mailbox), waits the artificial latency while counted as in flight, then
/// runs the handler.
async fn graph(
    state: &Arc<AppState>,
    parts: &Parts,
    segs: &[&str],
    body: &[u8],
    too_large: bool,
    ctx: &RequestContext,
) -> Result<Response, GraphError> {
    let latency = state.faults().latency();
    let (route, user_idx, caller, access) = match resolve(state, parts, segs) {
        Ok(r) => r,
        Err(e) => {
            sleep_for(latency).await;
            return Err(e);
        }
    };
    let mailbox_id = state.lock().users[user_idx].id.clone();
    let caller_key = match &caller {
        Caller::App(client_id) => format!("app:{client_id}"),
        Caller::User(user_id) => format!("delegated:{user_id}"),
    };
    // Outlook's limit of concurrent requests per app and mailbox (GRAPH-FACTS §8.1).
    let Some(_slot) = InFlight::acquire(state.faults_shared(), &caller_key, &mailbox_id) else {
        let retry_after = state.faults().retry_after_secs();
        return Err(GraphError::too_many_requests(retry_after));
    };
    sleep_for(latency).await;
    let query = crate::url::parse_query(parts.uri.query().unwrap_or(""));
    query::check_system_options(&query)?;
    let req = request::MailRequest {
        state,
        user_idx,
        headers: &parts.headers,
        path: parts.uri.path(),
        query: &query,
        body,
        too_large,
        ctx,
        access,
    };
    handle(&req, route)
}

async fn sleep_for(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// Resolves route, mailbox (user index), caller and access of a Graph request.
fn resolve(
    state: &AppState,
    parts: &Parts,
    segs: &[&str],
) -> Result<(Route, usize, Caller, authz::Access), GraphError> {
    let mut segs: Vec<String> = segs.iter().map(|s| percent_decode(s, false)).collect();
    while segs.last().is_some_and(|s| s.is_empty()) {
        segs.pop();
    }
    let method = parts.method.as_str();
    let (mailbox, rest) = match segs.first().map(|s| s.to_ascii_lowercase()) {
        Some(s) if s == "me" => (MailboxRef::Me, &segs[1..]),
        Some(s) if s == "users" && segs.len() >= 2 => {
            (MailboxRef::User(segs[1].clone()), &segs[2..])
        }
        Some(s) if s == "users" => return Err(not_implemented("users")),
        Some(_) => return Err(GraphError::unknown_segment(&segs[0])),
        None => return Err(GraphError::unknown_segment("v1.0")),
    };
    // Graph resolves the path before it authenticates (observed: unknown v1.0 segments
    // answer 400 even with a token that would be refused).
    let mut route = match_route(rest, method)?;
    let authenticated = auth::authenticate(state, &parts.headers)?;
    let caller = authenticated.caller.clone();
    let store = state.lock();
    let caller_idx = match &caller {
        Caller::User(id) => Some(store.user_index_by_id(id).ok_or_else(|| invalid_user(id))?),
        Caller::App(_) => None,
    };
    let path_idx = match (&mailbox, caller_idx) {
        (MailboxRef::Me, None) => {
            return Err(GraphError::bad_request(
                "/me request is only valid with delegated authentication flow.",
            ))
        }
        (MailboxRef::Me, Some(idx)) => idx,
        (MailboxRef::User(key), _) => store.user_index(key).ok_or_else(|| invalid_user(key))?,
    };
    let (user_idx, access) =
        authz::authorize(&store, &authenticated, &mut route, path_idx, caller_idx)?;
    Ok((route, user_idx, caller, access))
}

/// 404 for a mailbox path of a user that does not exist. Code and text as reported for
/// live Graph responses (`ErrorInvalidUser`); the 404 status is [unconfirmed].
fn invalid_user(key: &str) -> GraphError {
    GraphError::new(
        StatusCode::NOT_FOUND,
        "ErrorInvalidUser",
        format!("The requested user '{key}' is invalid."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        p.split('/').map(str::to_string).collect()
    }

    #[test]
    fn routes_case_insensitively() {
        assert_eq!(
            match_route(&segs("sendmail"), "POST").unwrap(),
            Route::SendMail
        );
        assert_eq!(
            match_route(&segs("microsoft.graph.sendMail"), "POST").unwrap(),
            Route::SendMail
        );
        assert_eq!(
            match_route(&segs("MailFolders/Inbox/Messages"), "GET").unwrap(),
            Route::ListMessages {
                folder: Some("Inbox".into())
            }
        );
        let e = match_route(&segs("bogus"), "GET").unwrap_err();
        assert_eq!(e.message, "Resource not found for the segment 'bogus'.");
        let e = match_route(&segs("sendMail"), "GET").unwrap_err();
        assert_eq!(e.status, StatusCode::METHOD_NOT_ALLOWED);
    }
}
