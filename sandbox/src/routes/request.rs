//! What every Graph handler shares about the request it serves: the parsed request
//! ([`MailRequest`]), Graph's size limit, body parsing and the `If-Match` precondition.
//! Route files depend on this module, never on each other for these helpers.

use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::access::Role;
use crate::calendar::zone::Dtz;
use crate::calendar::StoredEvent;
use crate::delta::{page_size, Call};
use crate::graph_error::{GraphError, RequestContext};
use crate::state::AppState;
use crate::store::{Right, Store};
use crate::wire::get_ci;

/// Graph's request size limit for a REST call (GRAPH-FACTS §0.4).
pub(crate) const MAX_REQUEST: usize = 4 * 1024 * 1024;

/// Everything a mail handler needs about the request.
pub(crate) struct MailRequest<'a> {
    pub state: &'a AppState,
    pub user_idx: usize,
    pub headers: &'a HeaderMap,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
    pub too_large: bool,
    pub ctx: &'a RequestContext,
    /// How the caller relates to the mailbox (delegates, shared calendars).
    pub access: super::authz::Access,
}

impl MailRequest<'_> {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A delta call ([`crate::delta`]) of this request over `scope` of the mailbox
    /// `user_id`: its tokens, its page size (`Prefer: odata.maxpagesize`, or `$top`
    /// where `top`), links on the request path; `entity` is the type of the collection
    /// (`message`, `mailFolder`, `event`).
    pub(crate) fn delta_call(
        &self,
        user_id: String,
        scope: String,
        entity: &str,
        top: bool,
    ) -> Call<'_> {
        Call {
            user_id,
            scope,
            skip_token: self.param("$skiptoken"),
            delta_token: self.param("$deltatoken"),
            page_size: page_size(self.headers, self.param("$top").filter(|_| top)),
            link_base: format!("{}{}", self.ctx.origin, self.path),
            context: format!("{}/v1.0/$metadata#Collection({entity})", self.ctx.origin),
            removed_type: format!("#microsoft.graph.{entity}"),
        }
    }

    /// `{origin}/v1.0/$metadata#users('{id}')/{tail}` for the mailbox of the path.
    pub(crate) fn context_url(&self, store: &Store, tail: &str) -> String {
        format!(
            "{}/v1.0/$metadata#users('{}')/{tail}",
            self.ctx.origin, store.users[self.access.path_idx].id
        )
    }

    /// The role of the signed-in user working in another user's mailbox on its
    /// calendar `calendar_id` (`None`: the owner or an app, with every right).
    pub(crate) fn viewer_role(&self, store: &Store, calendar_id: &str) -> Option<Role> {
        let viewer = self.access.acting?;
        Some(
            store.users[self.user_idx]
                .calendars
                .iter()
                .find(|c| c.id == calendar_id)
                .map_or(Role::None, |c| {
                    crate::access::role_on(store, self.user_idx, c, viewer)
                }),
        )
    }

    /// Whether the caller may see the stored event `ev` of the mailbox: its calendar
    /// is readable, and it is not a private event hidden from the caller's role
    /// (`read`, `write`, `delegateWithoutPrivateEventAccess`; GRAPH-FACTS §6.2).
    pub(crate) fn can_see(&self, store: &Store, ev: &StoredEvent) -> bool {
        match self.viewer_role(store, &ev.calendar_id) {
            None => true,
            Some(r) => {
                r.can_read() && (r.sees_private() || ev.str_prop("sensitivity") != "private")
            }
        }
    }

    /// Whether the caller has every right in the mailbox (owner, app, Full Access).
    pub(crate) fn is_owner_like(&self, store: &Store) -> bool {
        match self.access.acting {
            None => true,
            Some(a) => store.has_right(self.user_idx, a, Right::FullAccess),
        }
    }

    /// Runs `f` with the signed-in delegate recorded as acting in the mailbox, so the
    /// meeting messages it sends carry the delegate as `sender`.
    pub(crate) fn acting<T>(&self, store: &mut Store, f: impl FnOnce(&mut Store) -> T) -> T {
        store.acting = self.access.acting;
        let out = f(store);
        store.acting = None;
        out
    }

    /// The user whose rights decide about `from` (the signed-in user of a delegated
    /// token, else the mailbox itself).
    pub(crate) fn actor(&self) -> usize {
        self.access.acting.unwrap_or(self.user_idx)
    }
}

pub(crate) fn too_large() -> GraphError {
    // Message as observed for over-size Graph requests; the code is [unconfirmed].
    GraphError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        "The maximum request length supported is 4MB.",
    )
}

pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, GraphError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(GraphError::bad_json()),
    }
}

/// The `destinationId` of a `move` / `copy` body (message or folder): a folder id or
/// well-known name. The CSDL spells the parameter `DestinationId`, the docs
/// `destinationId`: matched case-insensitively.
pub(crate) fn destination_id(body: &Map<String, Value>) -> Result<&str, GraphError> {
    get_ci(body, "destinationId")
        .and_then(Value::as_str)
        // [unconfirmed] Graph's code/text for a missing DestinationId.
        .ok_or_else(|| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidParameter",
                "The value of the parameter 'DestinationId' is empty.",
            )
        })
}

pub(crate) fn content_type(req: &MailRequest<'_>) -> String {
    req.headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// `If-Match` on PATCH / DELETE (GRAPH-FACTS §7): a stale etag gets `412`. Code and
/// text as quoted from a live Graph body (microsoftgraph/microsoft-graph-docs#2256); the
/// 412 status is [unconfirmed].
pub(crate) fn check_if_match(
    req: &MailRequest<'_>,
    msg: &Map<String, Value>,
) -> Result<(), GraphError> {
    let Some(given) = req.headers.get("if-match").and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let etag = msg.get("@odata.etag").and_then(Value::as_str).unwrap_or("");
    let change_key = msg.get("changeKey").and_then(Value::as_str).unwrap_or("");
    let ok = given.split(',').map(str::trim).any(|g| {
        g == "*" || g == etag || g.trim_start_matches("W/").trim_matches('"') == change_key
    });
    if ok {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::PRECONDITION_FAILED,
            "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
        ))
    }
}

/// The fields of `$select`, if given.
pub(crate) fn select_list(req: &MailRequest<'_>) -> Option<Vec<String>> {
    req.param("$select").map(|s| {
        s.split(',')
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect()
    })
}

/// The `$select` a delta round keeps with its tokens: the initial options
/// `{"select": [...]}` of [`delta_select_options`].
pub(crate) fn delta_select(options: &Value) -> Option<Vec<String>> {
    serde_json::from_value(options["select"].clone()).unwrap_or(None)
}

/// The options of a new delta round that keeps `$select` (see [`delta_select`]).
pub(crate) fn delta_select_options(req: &MailRequest<'_>) -> Result<Value, GraphError> {
    Ok(serde_json::json!({ "select": select_list(req) }))
}

/// The JSON body of an action (empty → no parameters), checked against its
/// parameters `allowed` (CSDL names, compared case-insensitively; `@odata.*` members
/// ignored).
pub(crate) fn action_body(
    req: &MailRequest<'_>,
    name: &str,
    allowed: &[&str],
) -> Result<Map<String, Value>, GraphError> {
    let body = if req.body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(req.body) {
            Ok(Value::Object(o)) => o,
            _ => return Err(GraphError::bad_json()),
        }
    };
    for key in body.keys().filter(|k| !k.starts_with('@')) {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(key)) {
            // OData's text for an unknown action parameter; status/code [unconfirmed].
            return Err(GraphError::bad_request(format!(
                "The parameter '{key}' in the request payload is not a valid parameter for the operation '{name}'."
            )));
        }
    }
    Ok(body)
}

/// A required `dateTimeTimeZone` parameter of an action body, in UTC.
pub(crate) fn required_dtz(
    body: &Map<String, Value>,
    name: &str,
) -> Result<DateTime<Utc>, GraphError> {
    match get_ci(body, name) {
        Some(v) if v.is_object() => Ok(Dtz::from_json(v, name)?.utc()),
        _ => Err(GraphError::invalid_parameter(format!(
            "The parameter '{name}' is missing or not a dateTimeTimeZone."
        ))),
    }
}
