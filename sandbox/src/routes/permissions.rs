//! `calendarPermissions` of a calendar (GRAPH-FACTS §6.2): `GET`/`POST
//! …/calendar/calendarPermissions`, `…/calendars/{id}/calendarPermissions`, and
//! `GET`/`PATCH`/`DELETE …/calendarPermissions/{id}`. Only the owner (or an app, or a
//! user with Full Access) sees and changes them: anyone else listing them gets an
//! empty collection (calendarPermission resource type), and changes are refused in
//! [`super::authz`].

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::request::{json_object, MailRequest};
use crate::access::Role;
use crate::calendar::permissions::{allowed_roles, Permission, MY_ORGANIZATION_ID};
use crate::calendar::CalRef;
use crate::graph_error::{empty_response, json_response, GraphError};
use crate::store::Store;
use crate::url::encode_component;
use crate::wire::get_ci;

/// Properties of a `calendarPermission` besides `role` (read-only after creation).
const OTHER_PROPERTIES: [&str; 5] = [
    "id",
    "emailAddress",
    "isInsideOrganization",
    "isRemovable",
    "allowedRoles",
];

/// Index of the calendar in the mailbox's calendar list.
fn calendar_index(req: &MailRequest<'_>, store: &Store, cal: &CalRef) -> Result<usize, GraphError> {
    let user = &store.users[req.user_idx];
    let c = user.calendar(cal).ok_or_else(GraphError::item_not_found)?;
    Ok(user
        .calendars
        .iter()
        .position(|x| x.id == c.id)
        .unwrap_or(0))
}

/// `calendar/calendarPermissions` or `calendars('{id}')/calendarPermissions` (the id
/// percent-encoded as in the docs' PATCH example).
fn context_tail(req: &MailRequest<'_>, cal: &CalRef) -> String {
    match (cal, &req.access.shared_id) {
        (CalRef::Id(_), Some(id)) | (CalRef::Id(id), None) => {
            format!("calendars('{}')/calendarPermissions", encode_component(id))
        }
        _ => "calendar/calendarPermissions".into(),
    }
}

fn entity(req: &MailRequest<'_>, store: &Store, cal: &CalRef, p: &Permission) -> Value {
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(req.context_url(store, &format!("{}/$entity", context_tail(req, cal)))),
    );
    if let Value::Object(m) = p.json() {
        out.extend(m);
    }
    Value::Object(out)
}

/// OData's 400 for a property the type does not have (text of the OData library;
/// code [unconfirmed]).
fn unknown_property(name: &str) -> GraphError {
    GraphError::bad_request(format!(
        "The property '{name}' does not exist on type 'microsoft.graph.calendarPermission'. Make sure to only use property names that are defined by the type or mark the type as open type."
    ))
}

/// The `role` of a body: a `calendarRoleType` within `allowed`.
fn role_of(v: &Value, allowed: &[Role]) -> Result<Role, GraphError> {
    let text = v.as_str().unwrap_or("");
    let Some(role) = Role::parse(text) else {
        // OData's text for an unknown enum member; code [unconfirmed].
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "RequestBodyRead",
            format!(
                "Cannot convert the literal '{text}' to the expected type 'microsoft.graph.calendarRoleType'."
            ),
        ));
    };
    if !allowed.contains(&role) {
        let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
        return Err(GraphError::invalid_parameter(format!(
            "The role '{}' is not allowed for this calendar permission. Allowed roles: {}.",
            role.as_str(),
            names.join(", ")
        )));
    }
    Ok(role)
}

/// `GET …/calendarPermissions` → `200 {value}` (empty for non-owners).
pub(super) fn list(req: &MailRequest<'_>, cal: &CalRef) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let ci = calendar_index(req, &store, cal)?;
    let value: Vec<Value> = if req.is_owner_like(&store) {
        store.users[req.user_idx].calendars[ci]
            .permissions
            .iter()
            .map(Permission::json)
            .collect()
    } else {
        Vec::new()
    };
    let body = json!({
        "@odata.context": req.context_url(&store, &context_tail(req, cal)),
        "value": value,
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET …/calendarPermissions/{id}` → `200` + the permission (`404` for non-owners,
/// who see none [unconfirmed]).
pub(super) fn get(req: &MailRequest<'_>, cal: &CalRef, id: &str) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let ci = calendar_index(req, &store, cal)?;
    if !req.is_owner_like(&store) {
        return Err(GraphError::item_not_found());
    }
    let p = store.users[req.user_idx].calendars[ci]
        .permissions
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(GraphError::item_not_found)?;
    Ok(json_response(StatusCode::OK, &entity(req, &store, cal, p)))
}

/// `POST …/calendarPermissions` with `{emailAddress: {name, address}, role,
/// isInsideOrganization, isRemovable}` → `200 OK` + the permission: the status the
/// "Create calendarPermission" page documents and shows
/// (https://learn.microsoft.com/graph/api/calendar-post-calendarpermissions?view=graph-rest-1.0;
/// other Graph creates answer 201 [unconfirmed which one Graph really sends]).
/// `isInsideOrganization` and `isRemovable` are decided by the sandbox: inside = the
/// address is in one of the tenant's verified domains (`Sandbox::set_verified_domains`,
/// default: the domains of the sandbox's users), whether or not it is a sandbox user;
/// created entries are removable. Creating an entry for an
/// address that already has one changes its role [unconfirmed].
pub(super) fn create(req: &MailRequest<'_>, cal: &CalRef) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    for key in body.keys().filter(|k| !k.starts_with('@')) {
        let known = key.eq_ignore_ascii_case("role")
            || OTHER_PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(key));
        if !known {
            return Err(unknown_property(key));
        }
    }
    let email = get_ci(&body, "emailAddress").and_then(Value::as_object);
    let address = email
        .and_then(|e| get_ci(e, "address"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|a| a.contains('@'))
        .ok_or_else(|| {
            GraphError::invalid_parameter(
                "The calendar permission needs an 'emailAddress' with a valid 'address'.",
            )
        })?
        .to_string();
    let given_name = email
        .and_then(|e| get_ci(e, "name"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut store = req.state.lock();
    let ci = calendar_index(req, &store, cal)?;
    if address.eq_ignore_ascii_case(&store.users[req.user_idx].address) {
        return Err(GraphError::invalid_parameter(
            "The calendar owner can't be added as a sharee or delegate of the calendar.",
        ));
    }
    let person = store.user_index(&address);
    let inside = store.is_inside_organization(&address);
    let allowed = allowed_roles(inside, ci == 0);
    let Some(role_value) = get_ci(&body, "role").filter(|v| !v.is_null()) else {
        return Err(GraphError::invalid_parameter(
            "The calendar permission needs a 'role'.",
        ));
    };
    let role = role_of(role_value, &allowed)?;
    let name = given_name.unwrap_or_else(|| match person {
        Some(i) => store.users[i].display_name.clone(),
        // Outside addresses are named by their address (List calendarPermissions).
        None => address.clone(),
    });
    let owner = &mut store.users[req.user_idx];
    let perms = &mut owner.calendars[ci].permissions;
    let existing = perms.iter().position(|p| {
        p.address
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(&address))
    });
    let p = match existing {
        Some(i) => {
            perms[i].role = role;
            perms[i].clone()
        }
        None => {
            let p = Permission::for_person(name, &address, role, inside, ci == 0);
            // Sharees are listed before "My Organization", as in the docs' examples.
            let at = perms.len().saturating_sub(1);
            perms.insert(at, p.clone());
            p
        }
    };
    Ok(json_response(StatusCode::OK, &entity(req, &store, cal, &p)))
}

/// `PATCH …/calendarPermissions/{id}` with `{"role": …}` → `200` + the permission.
/// Only `role` can change, within `allowedRoles` (also for "My Organization").
pub(super) fn update(
    req: &MailRequest<'_>,
    cal: &CalRef,
    id: &str,
) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let mut role = None;
    for (key, value) in body.iter().filter(|(k, _)| !k.starts_with('@')) {
        if key.eq_ignore_ascii_case("role") {
            role = Some(value.clone());
        } else if OTHER_PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(key)) {
            // Documented: only role can be updated; code/text [unconfirmed].
            return Err(GraphError::invalid_parameter(format!(
                "The property '{key}' of a calendar permission can't be updated; only 'role' can."
            )));
        } else {
            return Err(unknown_property(key));
        }
    }
    let mut store = req.state.lock();
    let ci = calendar_index(req, &store, cal)?;
    let perms = &mut store.users[req.user_idx].calendars[ci].permissions;
    let p = perms
        .iter_mut()
        .find(|p| p.id == id)
        .ok_or_else(GraphError::item_not_found)?;
    if let Some(v) = role {
        p.role = role_of(&v, &p.allowed)?;
    }
    let p = p.clone();
    Ok(json_response(StatusCode::OK, &entity(req, &store, cal, &p)))
}

/// `DELETE …/calendarPermissions/{id}` → `204`. "My Organization" can't be removed
/// (documented); code and text of that refusal are [unconfirmed].
pub(super) fn delete(
    req: &MailRequest<'_>,
    cal: &CalRef,
    id: &str,
) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    let ci = calendar_index(req, &store, cal)?;
    let perms = &mut store.users[req.user_idx].calendars[ci].permissions;
    let pos = perms
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(GraphError::item_not_found)?;
    if id == MY_ORGANIZATION_ID || !perms[pos].removable {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorCannotDeleteObject",
            "The 'My Organization' permission can't be removed from the calendar.",
        ));
    }
    perms.remove(pos);
    Ok(empty_response(StatusCode::NO_CONTENT))
}
