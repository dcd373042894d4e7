//! Inbox rules, `…/mailFolders/inbox/messageRules` (GRAPH-FACTS-2 §7.2; "messageRule
//! resource type" <https://learn.microsoft.com/graph/api/resources/messagerule>): list,
//! get, create (201, "Create rule",
//! <https://learn.microsoft.com/graph/api/mailfolder-post-messagerules>), update (PATCH,
//! 200), delete (204, "Delete messageRule",
//! <https://learn.microsoft.com/graph/api/messagerule-delete>). The rules are evaluated
//! on delivery in `crate::arrival::rules`.
//!
//! Bodies are checked as Graph's OData layer checks them: a property the type lacks is
//! refused (`messageRule`, `messageRulePredicates`, `messageRuleActions`, `sizeRange`),
//! enum values must be members, `moveToFolder` / `copyToFolder` must name an existing
//! folder of the mailbox (id or well-known name; stored as the folder's id). Strings are
//! kept as sent: the docs' create example echoes `senderContains` upper-cased
//! (`"ADELE"`) but no text documents that, so the sandbox does not do it
//! [unconfirmed].

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::request::{json_object, MailRequest};
use crate::graph_error::{empty_response, json_response, GraphError};
use crate::store::organize::{in_sequence, MessageRule};
use crate::store::{Store, User};

/// `messageRulePredicates` properties that take a string collection.
const PREDICATE_STRINGS: [&str; 7] = [
    "bodyContains",
    "bodyOrSubjectContains",
    "categories",
    "headerContains",
    "recipientContains",
    "senderContains",
    "subjectContains",
];
/// `messageRulePredicates` properties that take a `recipient` collection.
const PREDICATE_RECIPIENTS: [&str; 2] = ["fromAddresses", "sentToAddresses"];
/// `messageRulePredicates` Boolean properties.
const PREDICATE_BOOLS: [&str; 17] = [
    "hasAttachments",
    "isApprovalRequest",
    "isAutomaticForward",
    "isAutomaticReply",
    "isEncrypted",
    "isMeetingRequest",
    "isMeetingResponse",
    "isNonDeliveryReport",
    "isPermissionControlled",
    "isReadReceipt",
    "isSigned",
    "isVoicemail",
    "notSentToMe",
    "sentCcMe",
    "sentOnlyToMe",
    "sentToMe",
    "sentToOrCcMe",
];
/// `importance` members.
const IMPORTANCE: [&str; 3] = ["low", "normal", "high"];
/// `sensitivity` members.
const SENSITIVITY: [&str; 4] = ["normal", "personal", "private", "confidential"];
/// `messageActionFlag` members.
const ACTION_FLAG: [&str; 11] = [
    "any",
    "call",
    "doNotForward",
    "followUp",
    "fyi",
    "forward",
    "noResponseNecessary",
    "read",
    "reply",
    "replyToAll",
    "review",
];
/// `messageRuleActions` Boolean properties.
const ACTION_BOOLS: [&str; 4] = [
    "delete",
    "permanentDelete",
    "markAsRead",
    "stopProcessingRules",
];
/// `messageRuleActions` properties that take a `recipient` collection.
const ACTION_RECIPIENTS: [&str; 3] = ["forwardTo", "forwardAsAttachmentTo", "redirectTo"];
/// `messageRuleActions` properties that take a folder id.
const ACTION_FOLDERS: [&str; 2] = ["copyToFolder", "moveToFolder"];

/// The canonical spelling of `key` among `names` (compared case-insensitively).
fn canonical<'a>(names: &[&'a str], key: &str) -> Option<&'a str> {
    names.iter().find(|n| n.eq_ignore_ascii_case(key)).copied()
}

/// 400 for a value of the wrong JSON type ([unconfirmed] code and text; Graph's OData
/// reader words it by type).
fn bad_value(name: &str) -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "RequestBodyRead",
        format!("The value of the property '{name}' is not valid."),
    )
}

fn strings(name: &str, v: &Value) -> Result<Value, GraphError> {
    let items = v.as_array().ok_or_else(|| bad_value(name))?;
    if items.iter().any(|s| !s.is_string()) {
        return Err(bad_value(name));
    }
    Ok(Value::Array(items.clone()))
}

fn recipients(name: &str, v: &Value) -> Result<Value, GraphError> {
    let items = v.as_array().ok_or_else(|| bad_value(name))?;
    let list: Result<Vec<Value>, GraphError> =
        items.iter().map(crate::message::recipient).collect();
    Ok(Value::Array(list?))
}

fn boolean(name: &str, v: &Value) -> Result<Value, GraphError> {
    v.as_bool().map(Value::Bool).ok_or_else(|| bad_value(name))
}

/// An enum member of `ty` in Graph's spelling.
fn member(v: &Value, members: &[&str], ty: &str) -> Result<Value, GraphError> {
    let text = v.as_str().unwrap_or("");
    canonical(members, text)
        .map(|m| json!(m))
        .ok_or_else(|| GraphError::not_enum_member(text, ty))
}

/// A `sizeRange` (`minimumSize`, `maximumSize`, Int32 kilobytes).
fn size_range(v: &Value) -> Result<Value, GraphError> {
    let o = v.as_object().ok_or_else(|| bad_value("withinSizeRange"))?;
    let mut out = Map::new();
    for (key, value) in o.iter().filter(|(k, _)| !k.starts_with('@')) {
        let Some(name) = canonical(&["minimumSize", "maximumSize"], key) else {
            return Err(GraphError::unknown_property(key, "sizeRange"));
        };
        let n = value
            .as_i64()
            .filter(|n| i32::try_from(*n).is_ok())
            .ok_or_else(|| bad_value(name))?;
        out.insert(name.into(), json!(n));
    }
    Ok(Value::Object(out))
}

/// A checked `messageRulePredicates` (conditions or exceptions); `null` members are
/// left out.
fn predicates(v: &Value) -> Result<Map<String, Value>, GraphError> {
    let o = v.as_object().ok_or_else(|| bad_value("conditions"))?;
    let mut out = Map::new();
    for (key, value) in o
        .iter()
        .filter(|(k, v)| !k.starts_with('@') && !v.is_null())
    {
        let (name, checked) = if let Some(n) = canonical(&PREDICATE_STRINGS, key) {
            (n, strings(n, value)?)
        } else if let Some(n) = canonical(&PREDICATE_RECIPIENTS, key) {
            (n, recipients(n, value)?)
        } else if let Some(n) = canonical(&PREDICATE_BOOLS, key) {
            (n, boolean(n, value)?)
        } else if key.eq_ignore_ascii_case("importance") {
            ("importance", member(value, &IMPORTANCE, "importance")?)
        } else if key.eq_ignore_ascii_case("sensitivity") {
            ("sensitivity", member(value, &SENSITIVITY, "sensitivity")?)
        } else if key.eq_ignore_ascii_case("messageActionFlag") {
            (
                "messageActionFlag",
                member(value, &ACTION_FLAG, "messageActionFlag")?,
            )
        } else if key.eq_ignore_ascii_case("withinSizeRange") {
            ("withinSizeRange", size_range(value)?)
        } else {
            return Err(GraphError::unknown_property(key, "messageRulePredicates"));
        };
        out.insert(name.into(), checked);
    }
    Ok(out)
}

/// A checked `messageRuleActions`; folder names resolved to the folder's id.
fn actions(user: &User, v: &Value) -> Result<Map<String, Value>, GraphError> {
    let o = v.as_object().ok_or_else(|| bad_value("actions"))?;
    let mut out = Map::new();
    for (key, value) in o
        .iter()
        .filter(|(k, v)| !k.starts_with('@') && !v.is_null())
    {
        let (name, checked) = if key.eq_ignore_ascii_case("assignCategories") {
            ("assignCategories", strings("assignCategories", value)?)
        } else if let Some(n) = canonical(&ACTION_FOLDERS, key) {
            let given = value.as_str().ok_or_else(|| bad_value(n))?;
            let Some(folder) = user.folder(given) else {
                // [unconfirmed] Graph's status, code and text for a rule naming a
                // folder that does not exist.
                return Err(GraphError::invalid_parameter(format!(
                    "The folder '{given}' of the action '{n}' doesn't exist in the mailbox."
                )));
            };
            (n, json!(folder.id))
        } else if let Some(n) = canonical(&ACTION_BOOLS, key) {
            (n, boolean(n, value)?)
        } else if key.eq_ignore_ascii_case("markImportance") {
            ("markImportance", member(value, &IMPORTANCE, "importance")?)
        } else if let Some(n) = canonical(&ACTION_RECIPIENTS, key) {
            (n, recipients(n, value)?)
        } else {
            return Err(GraphError::unknown_property(key, "messageRuleActions"));
        };
        out.insert(name.into(), checked);
    }
    Ok(out)
}

/// The properties of a create or update body, checked (`None`: not in the body).
#[derive(Default)]
struct RuleBody {
    display_name: Option<String>,
    sequence: Option<i64>,
    is_enabled: Option<bool>,
    /// `Some(None)`: set to `null` (cleared).
    conditions: Option<Option<Map<String, Value>>>,
    exceptions: Option<Option<Map<String, Value>>>,
    actions: Option<Map<String, Value>>,
}

fn rule_body(user: &User, body: &Map<String, Value>) -> Result<RuleBody, GraphError> {
    let mut r = RuleBody::default();
    let optional = |v: &Value| -> Result<Option<Map<String, Value>>, GraphError> {
        if v.is_null() {
            Ok(None)
        } else {
            predicates(v).map(Some)
        }
    };
    for (key, value) in body.iter().filter(|(k, _)| !k.starts_with('@')) {
        match key.to_ascii_lowercase().as_str() {
            "displayname" => {
                let name = value.as_str().ok_or_else(|| bad_value("displayName"))?;
                r.display_name = Some(name.to_string());
            }
            "sequence" => {
                let n = value
                    .as_i64()
                    .filter(|n| i32::try_from(*n).is_ok())
                    .ok_or_else(|| bad_value("sequence"))?;
                r.sequence = Some(n);
            }
            "isenabled" => r.is_enabled = Some(value.as_bool().ok_or_else(|| bad_value(key))?),
            "conditions" => r.conditions = Some(optional(value)?),
            "exceptions" => r.exceptions = Some(optional(value)?),
            "actions" if value.is_null() => {}
            "actions" => r.actions = Some(actions(user, value)?),
            // Read-only properties: the server sets them; ignored [unconfirmed].
            "id" | "haserror" | "isreadonly" => {}
            _ => return Err(GraphError::unknown_property(key, "messageRule")),
        }
    }
    Ok(r)
}

/// The Inbox, addressed as `inbox` (any case) or by its id. Another existing folder is
/// refused with 400: rules belong to the Inbox only (Create rule: "Outlook carries out
/// those actions if an incoming message in the user's Inbox meets the specified
/// conditions"); Graph's answer for another folder is [unconfirmed]. An unknown folder
/// is `404 ErrorItemNotFound`.
fn check_inbox(user: &User, folder: &str) -> Result<(), GraphError> {
    let f = user.folder(folder).ok_or_else(GraphError::item_not_found)?;
    let is_inbox = user.folder("inbox").is_some_and(|inbox| inbox.id == f.id);
    if is_inbox {
        Ok(())
    } else {
        Err(GraphError::invalid_parameter(
            "Message rules are only supported on the Inbox folder.",
        ))
    }
}

/// `mailFolders('{folder}')/messageRules` for the `@odata.context`.
fn context_tail(folder: &str) -> String {
    format!("mailFolders('{folder}')/messageRules")
}

fn entity(req: &MailRequest<'_>, store: &Store, folder: &str, r: &MessageRule) -> Value {
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(req.context_url(store, &format!("{}/$entity", context_tail(folder)))),
    );
    if let Value::Object(m) = r.json() {
        out.extend(m);
    }
    Value::Object(out)
}

fn rule_index(user: &User, id: &str) -> Result<usize, GraphError> {
    user.rules
        .iter()
        .position(|r| r.id == id)
        .ok_or_else(GraphError::item_not_found)
}

/// `GET …/messageRules` → `200 {@odata.context, value}`, in `sequence` order.
pub(super) fn list(req: &MailRequest<'_>, folder: &str) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    check_inbox(user, folder)?;
    let value: Vec<Value> = in_sequence(&user.rules)
        .into_iter()
        .map(MessageRule::json)
        .collect();
    let body = json!({
        "@odata.context": req.context_url(&store, &context_tail(folder)),
        "value": value,
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST …/messageRules` → `201` + the rule. `displayName`, `sequence` and `actions`
/// are required (Create rule); a missing one is refused with 400 (code and text
/// [unconfirmed]). `isEnabled` defaults to `true` [unconfirmed].
pub(super) fn create(req: &MailRequest<'_>, folder: &str) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let mut store = req.state.lock();
    let user = &store.users[req.user_idx];
    check_inbox(user, folder)?;
    let b = rule_body(user, &body)?;
    let missing = |name: &str| {
        GraphError::invalid_parameter(format!(
            "The property '{name}' is required to create a message rule."
        ))
    };
    let display_name = b.display_name.ok_or_else(|| missing("displayName"))?;
    let sequence = b.sequence.ok_or_else(|| missing("sequence"))?;
    let actions = b.actions.ok_or_else(|| missing("actions"))?;
    let rule = MessageRule {
        id: MessageRule::new_id(),
        display_name,
        sequence,
        is_enabled: b.is_enabled.unwrap_or(true),
        has_error: false,
        conditions: b.conditions.flatten(),
        exceptions: b.exceptions.flatten(),
        actions,
    };
    store.users[req.user_idx].rules.push(rule.clone());
    Ok(json_response(
        StatusCode::CREATED,
        &entity(req, &store, folder, &rule),
    ))
}

/// `GET …/messageRules/{id}` → `200` + the rule.
pub(super) fn get(req: &MailRequest<'_>, folder: &str, id: &str) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    check_inbox(user, folder)?;
    let rule = &user.rules[rule_index(user, id)?];
    Ok(json_response(
        StatusCode::OK,
        &entity(req, &store, folder, rule),
    ))
}

/// `PATCH …/messageRules/{id}` → `200` + the rule ("Update rule",
/// <https://learn.microsoft.com/graph/api/messagerule-update>). Only the properties in
/// the body change; `conditions`, `exceptions` and `actions` are replaced as a whole
/// [unconfirmed], `null` clears `conditions` / `exceptions`. A rule that was in error
/// is cleared of it by an update.
pub(super) fn update(
    req: &MailRequest<'_>,
    folder: &str,
    id: &str,
) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let mut store = req.state.lock();
    let user = &store.users[req.user_idx];
    check_inbox(user, folder)?;
    let idx = rule_index(user, id)?;
    let b = rule_body(user, &body)?;
    let rule = &mut store.users[req.user_idx].rules[idx];
    if let Some(v) = b.display_name {
        rule.display_name = v;
    }
    if let Some(v) = b.sequence {
        rule.sequence = v;
    }
    if let Some(v) = b.is_enabled {
        rule.is_enabled = v;
    }
    if let Some(v) = b.conditions {
        rule.conditions = v;
    }
    if let Some(v) = b.exceptions {
        rule.exceptions = v;
    }
    if let Some(v) = b.actions {
        rule.actions = v;
    }
    rule.has_error = false;
    let rule = rule.clone();
    Ok(json_response(
        StatusCode::OK,
        &entity(req, &store, folder, &rule),
    ))
}

/// `DELETE …/messageRules/{id}` → `204`.
pub(super) fn delete(
    req: &MailRequest<'_>,
    folder: &str,
    id: &str,
) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    let user = &store.users[req.user_idx];
    check_inbox(user, folder)?;
    let idx = rule_index(user, id)?;
    store.users[req.user_idx].rules.remove(idx);
    Ok(empty_response(StatusCode::NO_CONTENT))
}
