//! `/v1.0/subscriptions` (GRAPH-FACTS-2 §1.4–§1.6): create (`201` after the validation
//! handshake), list (`clientState: null`, paged with `@odata.nextLink`), get, update
//! (renew, new `notificationUrl`, certificate rotation: `200`), delete (`204`),
//! `reauthorize` (`204`). The rules of the bodies are in
//! [`crate::subscriptions::rules`]; change detection and delivery in
//! [`crate::subscriptions`].
//!
//! Permissions (GRAPH-FACTS-2 §1.1): the read permission of the resource
//! ([`permissions_table::SUBSCRIBE_MESSAGES`] / [`permissions_table::SUBSCRIBE_EVENTS`])
//! for create, get, update, delete and reauthorize; a delegated token only for its
//! own mailbox (`.Shared` scopes do not support subscriptions), else `403
//! ErrorAccessDenied` as for the other routes. Visibility (§1.5): a delegated caller
//! sees the subscriptions it created; an app-only caller sees the app's subscriptions.

use std::sync::Arc;

use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::permissions_table::{self, Accepted};
use super::request::{json_object, too_large};
use crate::auth::{self, Authenticated, Caller};
use crate::graph_error::{empty_response, json_response, new_guid, GraphError, RequestContext};
use crate::state::AppState;
use crate::store::Store;
use crate::subscriptions::delivery::QueueKind;
use crate::subscriptions::resource::{Collection, MailboxKey};
use crate::subscriptions::rules::{self, Create};
use crate::subscriptions::{detect, handshake, Owner, Subscription, Target};

/// Subscriptions per page of a List \[unconfirmed: Graph's page size\].
const PAGE: usize = 100;

/// Whether the Graph path (after `v1.0`) is under `subscriptions`.
pub(super) fn is_path(segs: &[&str]) -> bool {
    segs.first()
        .is_some_and(|s| s.eq_ignore_ascii_case("subscriptions"))
}

/// Serves `/v1.0/subscriptions[/{id}[/reauthorize]]`.
pub(super) async fn handle(
    state: &Arc<AppState>,
    parts: &Parts,
    segs: &[&str],
    body: &[u8],
    too_big: bool,
    ctx: &RequestContext,
) -> Result<Response, GraphError> {
    let segs: Vec<String> = segs
        .iter()
        .map(|s| crate::url::percent_decode(s, false))
        .filter(|s| !s.is_empty())
        .collect();
    let method = parts.method.as_str();
    let auth = auth::authenticate(state, &parts.headers)?;
    if too_big {
        return Err(too_large());
    }
    let is = |i: usize, n: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(n));
    match (segs.len(), method) {
        (1, "POST") => create(state, &auth, body, ctx).await,
        (1, "GET") => list(state, &auth, parts.uri.query(), ctx),
        (1, m) => Err(super::method_not_allowed(m)),
        (2, "GET") => get(state, &auth, &segs[1], ctx),
        (2, "PATCH") => update(state, &auth, &segs[1], body, ctx).await,
        (2, "DELETE") => delete(state, &auth, &segs[1]),
        (2, m) => Err(super::method_not_allowed(m)),
        (3, "POST") if is(2, "reauthorize") => reauthorize(state, &auth, &segs[1]),
        (3, m) if is(2, "reauthorize") => Err(super::method_not_allowed(m)),
        _ => Err(GraphError::unknown_segment(&segs[segs.len() - 1])),
    }
}

/// The permissions a subscription to `collection` needs.
fn accepted(collection: &Collection) -> Accepted {
    match collection {
        Collection::Messages { .. } => permissions_table::SUBSCRIBE_MESSAGES,
        Collection::Events => permissions_table::SUBSCRIBE_EVENTS,
    }
}

/// `403 ErrorAccessDenied` unless the token may subscribe to `collection` of the
/// mailbox `user_id`.
fn check_permission(
    auth: &Authenticated,
    collection: &Collection,
    user_id: &str,
) -> Result<(), GraphError> {
    let (app, shared) = match &auth.caller {
        Caller::App(_) => (true, false),
        Caller::User(me) => (false, me != user_id),
    };
    if permissions_table::permits(&accepted(collection), app, shared, &auth.permissions) {
        Ok(())
    } else {
        Err(super::authz::access_denied())
    }
}

fn owner_of(auth: &Authenticated) -> Owner {
    match &auth.caller {
        Caller::App(client_id) => Owner::App(client_id.clone()),
        Caller::User(id) => Owner::User(id.clone()),
    }
}

/// Whether `auth` sees `s` (GRAPH-FACTS-2 §1.5).
fn visible(auth: &Authenticated, s: &Subscription) -> bool {
    match (&auth.caller, &s.owner) {
        (Caller::App(_), _) => true,
        (Caller::User(me), Owner::User(creator)) => me == creator,
        (Caller::User(_), Owner::App(_)) => false,
    }
}

/// Index of the subscription `id` if `auth` sees it and may use it.
fn find(store: &Store, auth: &Authenticated, id: &str) -> Result<usize, GraphError> {
    let subs = &store.subscriptions;
    let i = subs
        .index(id)
        .filter(|&i| visible(auth, &subs.list[i]))
        .ok_or_else(rules::not_found)?;
    let s = &subs.list[i];
    check_permission(auth, &s.target.collection, &s.target.user_id)?;
    Ok(i)
}

/// The subscription answer: its JSON with `@odata.context`.
fn entity(ctx: &RequestContext, s: &Subscription) -> Value {
    let mut o = s.to_json(true);
    o.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#subscriptions/$entity",
            ctx.origin
        )),
    );
    Value::Object(o)
}

/// The mailbox and target of a create, checked against the store.
fn resolve(store: &Store, auth: &Authenticated, c: &Create) -> Result<Target, GraphError> {
    let user_idx = match (&c.resource.mailbox, &auth.caller) {
        (MailboxKey::Me, Caller::App(_)) => {
            return Err(GraphError::bad_request(
                "/me request is only valid with delegated authentication flow.",
            ))
        }
        (MailboxKey::Me, Caller::User(id)) => store
            .user_index_by_id(id)
            .ok_or_else(|| super::invalid_user(id))?,
        (MailboxKey::User(key), _) => store
            .user_index(key)
            .ok_or_else(|| super::invalid_user(key))?,
    };
    let user = &store.users[user_idx];
    if !user.has_mailbox {
        return Err(super::authz::mailbox_not_enabled());
    }
    check_permission(auth, &c.resource.collection, &user.id)?;
    let collection = match &c.resource.collection {
        Collection::Messages { folder: Some(f) } => Collection::Messages {
            // An unknown folder: as other folder paths \[unconfirmed for subscriptions\].
            folder: Some(
                user.folder(f)
                    .map(|f| f.id.clone())
                    .ok_or_else(GraphError::item_not_found)?,
            ),
        },
        other => other.clone(),
    };
    Ok(Target {
        user_id: user.id.clone(),
        collection,
        select: c.resource.select.clone(),
        filter: c.resource.filter,
    })
}

/// `403` once the mailbox has its maximum of subscriptions.
fn check_quota(store: &Store, target: &Target) -> Result<(), GraphError> {
    let n = store
        .subscriptions
        .list
        .iter()
        .filter(|s| s.target.user_id == target.user_id)
        .count();
    if n >= rules::MAX_PER_MAILBOX {
        Err(rules::quota_reached())
    } else {
        Ok(())
    }
}

/// `409` when the caller already has a subscription with this `changeType` and
/// `resource` on that mailbox (GRAPH-FACTS-2 §1.4).
fn check_duplicate(
    store: &Store,
    owner: &Owner,
    c: &Create,
    target: &Target,
) -> Result<(), GraphError> {
    let dup = store.subscriptions.list.iter().find(|s| {
        &s.owner == owner
            && s.target.user_id == target.user_id
            && s.settings
                .resource
                .eq_ignore_ascii_case(&c.settings.resource)
            && s.settings.change_types == c.settings.change_types
    });
    match dup {
        Some(s) => Err(rules::conflict(&s.id)),
        None => Ok(()),
    }
}

/// `POST /subscriptions`.
async fn create(
    state: &Arc<AppState>,
    auth: &Authenticated,
    body: &[u8],
    ctx: &RequestContext,
) -> Result<Response, GraphError> {
    let c = rules::create(&json_object(body)?)?;
    let owner = owner_of(auth);
    let (client, timeout) = {
        let mut store = state.lock();
        let target = resolve(&store, auth, &c)?;
        check_duplicate(&store, &owner, &c, &target)?;
        check_quota(&store, &target)?;
        let max = store.subscriptions.max_minutes(c.settings.is_rich());
        rules::expiration(c.expiration, store.now(), max)?;
        let subs = &mut store.subscriptions;
        (subs.client(), subs.validation_timeout)
    };
    // The handshakes run without any lock: the receiver may call the sandbox meanwhile.
    handshake::validate(
        &client,
        &c.settings.notification_url,
        &handshake::new_token(),
        timeout,
    )
    .await?;
    if let Some(url) = &c.settings.lifecycle_url {
        handshake::validate(&client, url, &handshake::new_token(), timeout).await?;
    }
    let mut store = state.lock();
    // Checked again: the store may have changed during the handshakes.
    let target = resolve(&store, auth, &c)?;
    check_duplicate(&store, &owner, &c, &target)?;
    check_quota(&store, &target)?;
    let now = store.now();
    let rich = c.settings.is_rich();
    let expiration = rules::expiration(c.expiration, now, store.subscriptions.max_minutes(rich))?;
    let snapshot = store
        .users
        .iter()
        .find(|u| u.id == target.user_id)
        .map(|u| detect::snapshot(u, &target))
        .unwrap_or_default();
    let creator_id = match &auth.caller {
        Caller::User(id) => id.clone(),
        Caller::App(_) => SERVICE_PRINCIPAL_ID.to_string(),
    };
    let s = Subscription {
        id: new_guid(),
        settings: c.settings,
        expiration,
        application_id: crate::subscriptions::application_id().to_string(),
        creator_id,
        owner,
        target,
        snapshot,
        reauthorization_sent: false,
    };
    let body = entity(ctx, &s);
    store.subscriptions.list.push(s);
    Ok(json_response(StatusCode::CREATED, &body))
}

/// Object id of the sandbox app's service principal: the `creatorId` of subscriptions
/// made with app-only tokens (GRAPH-FACTS-2 §1.2).
const SERVICE_PRINCIPAL_ID: &str = "2c7d4e61-8f3a-4b95-a0d2-6e1f9c8b3a57";

/// `GET /subscriptions`: `$skiptoken` is the offset of the page.
fn list(
    state: &AppState,
    auth: &Authenticated,
    query: Option<&str>,
    ctx: &RequestContext,
) -> Result<Response, GraphError> {
    let skip = crate::url::parse_query(query.unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("$skiptoken"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let store = state.lock();
    let all: Vec<&Subscription> = store
        .subscriptions
        .list
        .iter()
        .filter(|s| visible(auth, s))
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(skip)
        .take(PAGE)
        .map(|s| Value::Object(s.to_json(false)))
        .collect();
    let mut body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#subscriptions", ctx.origin),
        "value": page,
    });
    if skip + PAGE < all.len() {
        body["@odata.nextLink"] = json!(format!(
            "{}/v1.0/subscriptions?$skiptoken={}",
            ctx.origin,
            skip + PAGE
        ));
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /subscriptions/{id}`.
fn get(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    ctx: &RequestContext,
) -> Result<Response, GraphError> {
    let store = state.lock();
    let i = find(&store, auth, id)?;
    Ok(json_response(
        StatusCode::OK,
        &entity(ctx, &store.subscriptions.list[i]),
    ))
}

/// `PATCH /subscriptions/{id}`: a new `notificationUrl` is validated first.
async fn update(
    state: &Arc<AppState>,
    auth: &Authenticated,
    id: &str,
    body: &[u8],
    ctx: &RequestContext,
) -> Result<Response, GraphError> {
    let u = rules::update(&json_object(body)?)?;
    let (client, timeout, new_url) = {
        let mut store = state.lock();
        let i = find(&store, auth, id)?;
        let now = store.now();
        let subs = &mut store.subscriptions;
        let s = &subs.list[i];
        if let Some(t) = u.expiration {
            rules::expiration(t, now, subs.max_minutes(s.is_rich()))?;
        }
        let new_url = u
            .notification_url
            .clone()
            .filter(|url| url != &s.settings.notification_url);
        (subs.client(), subs.validation_timeout, new_url)
    };
    if let Some(url) = &new_url {
        handshake::validate(&client, url, &handshake::new_token(), timeout).await?;
    }
    let mut store = state.lock();
    let i = find(&store, auth, id)?;
    let now = store.now();
    let subs = &mut store.subscriptions;
    let max = subs.max_minutes(subs.list[i].is_rich());
    let s = &mut subs.list[i];
    if let Some(t) = u.expiration {
        s.expiration = rules::expiration(t, now, max)?;
        s.reauthorization_sent = false;
    }
    if let Some(url) = new_url {
        // Notifications waiting for a retry go to the new URL too.
        subs.deliveries.retarget(&s.id, QueueKind::Change, &url);
        s.settings.notification_url = url;
    }
    if let Some((cert, cert_id)) = u.certificate {
        s.settings.certificate = Some(cert);
        s.settings.certificate_id = Some(cert_id);
    }
    Ok(json_response(StatusCode::OK, &entity(ctx, s)))
}

/// `DELETE /subscriptions/{id}`.
fn delete(state: &AppState, auth: &Authenticated, id: &str) -> Result<Response, GraphError> {
    let mut store = state.lock();
    let i = find(&store, auth, id)?;
    let id = store.subscriptions.list[i].id.clone();
    crate::subscriptions::remove(&mut store.subscriptions, &id);
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `POST /subscriptions/{id}/reauthorize`: the sandbox's tokens never lapse for a
/// subscription, so this only checks the caller (GRAPH-FACTS-2 §3: reauthorizing does
/// not extend the subscription).
fn reauthorize(state: &AppState, auth: &Authenticated, id: &str) -> Result<Response, GraphError> {
    let store = state.lock();
    find(&store, auth, id)?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}
