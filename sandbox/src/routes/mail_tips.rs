//! `POST …/getMailTips` (GRAPH-FACTS-2 §7.5; "user: getMailTips",
//! <https://learn.microsoft.com/graph/api/user-getmailtips>): one `mailTips` per address,
//! in the order asked, holding `emailAddress` and the MailTips named in
//! `MailTipsOptions` only, as the docs' example shows.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::request::{json_object, MailRequest};
use crate::graph_error::{json_response, GraphError};
use crate::store::Store;
use crate::wire::get_ci;

/// The flags of `mailTipsType` (CSDL), as `MailTipsOptions` names them.
const OPTIONS: [&str; 10] = [
    "automaticReplies",
    "mailboxFullStatus",
    "customMailTip",
    "externalMemberCount",
    "totalMemberCount",
    "maxMessageSize",
    "deliveryRestriction",
    "moderationStatus",
    "recipientScope",
    "recipientSuggestions",
];

/// `400` for a body Graph cannot read; code and texts \[unconfirmed\] (not documented).
fn invalid(message: String) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "ErrorInvalidParameter", message)
}

pub(super) fn get_mail_tips(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    // Parameter names are PascalCase in the CSDL and the docs; read case-insensitively
    // like every action parameter.
    let addresses: Vec<String> = match get_ci(&body, "EmailAddresses") {
        Some(Value::Array(list)) if !list.is_empty() => list
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| invalid("EmailAddresses must be strings.".into()))?,
        _ => {
            return Err(invalid(
                "The value of the parameter 'EmailAddresses' is empty.".into(),
            ))
        }
    };
    let raw = get_ci(&body, "MailTipsOptions")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut options = Vec::new();
    for flag in raw.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        match OPTIONS.iter().find(|o| o.eq_ignore_ascii_case(flag)) {
            Some(o) => options.push(*o),
            None => {
                return Err(invalid(format!(
                    "The value '{flag}' of the parameter 'MailTipsOptions' is not valid."
                )))
            }
        }
    }
    let store = req.state.lock();
    let value: Vec<Value> = addresses
        .iter()
        .map(|a| mail_tips(&store, a.trim(), &options))
        .collect();
    let out = json!({
        "@odata.context": format!("{}/v1.0/$metadata#Collection(microsoft.graph.mailTips)", req.ctx.origin),
        "value": value,
    });
    Ok(json_response(StatusCode::OK, &out))
}

/// The MailTips of one address. A sandbox mailbox gets its own values; an address
/// outside the tenant's domains gets `recipientScope: external` and the default
/// maximum size; an address in the tenant's domains without a mailbox gets a
/// per-recipient `error` instead (code and text \[unconfirmed\]: the docs only say
/// `error` is "an error that occurs during the getMailTips action").
fn mail_tips(store: &Store, address: &str, options: &[&str]) -> Value {
    let mut m = Map::new();
    // The docs' example answers `"name": ""`.
    m.insert(
        "emailAddress".into(),
        json!({"name": "", "address": address}),
    );
    let idx = store.mailbox_by_address(address);
    let user = idx.map(|i| &store.users[i]);
    let state = idx.map(|i| store.mailbox_state(i));
    let internal = store.is_inside_organization(address);
    if user.is_none() && internal {
        m.insert(
            "error".into(),
            json!({"code": "ErrorRecipientNotFound", "message": "The recipient could not be found."}),
        );
        return Value::Object(m);
    }
    let max_size = match user {
        Some(u) => store.limits.max_message_size(&u.id),
        None => crate::sending_limits::DEFAULT_MAX_MESSAGE_SIZE,
    };
    for option in options {
        let (name, value) = match *option {
            "automaticReplies" => (
                "automaticReplies",
                user.map_or(json!({"message": ""}), |u| {
                    automatic_replies(&u.settings, store.now())
                }),
            ),
            "mailboxFullStatus" => ("mailboxFull", json!(state.as_ref().is_some_and(|s| s.full))),
            "customMailTip" => (
                "customMailTip",
                json!(state.as_ref().map_or("", |s| s.custom_mail_tip.as_str())),
            ),
            "externalMemberCount" => ("externalMemberCount", json!(0)),
            "totalMemberCount" => ("totalMemberCount", json!(1)),
            // `Int32` in the CSDL.
            "maxMessageSize" => ("maxMessageSize", json!(max_size.min(i32::MAX as u64))),
            "deliveryRestriction" => ("deliveryRestricted", json!(false)),
            "moderationStatus" => ("isModerated", json!(false)),
            "recipientScope" => (
                "recipientScope",
                json!(if internal { "internal" } else { "external" }),
            ),
            _ => ("recipientSuggestions", json!([])),
        };
        m.insert(name.into(), value);
    }
    Value::Object(m)
}

/// `automaticRepliesMailTips` from the mailbox's `automaticRepliesSetting`: `{"message":
/// ""}` when off (as documented) – disabled, or scheduled with the sandbox clock outside
/// the window, as for the replies sent on delivery ([`crate::oof::is_on`]) – else the
/// internal reply (the caller is in the organization) with the mailbox's language and,
/// when scheduled, its times.
fn automatic_replies(settings: &Map<String, Value>, now: chrono::DateTime<chrono::Utc>) -> Value {
    if !crate::oof::is_on(settings, now) {
        return json!({"message": ""});
    }
    let setting = &settings["automaticRepliesSetting"];
    let status = setting["status"].as_str().unwrap_or("disabled");
    let mut out = json!({
        "message": setting["internalReplyMessage"].as_str().unwrap_or(""),
        "messageLanguage": settings.get("language").cloned().unwrap_or(Value::Null),
    });
    if status == "scheduled" {
        out["scheduledStartTime"] = setting["scheduledStartDateTime"].clone();
        out["scheduledEndTime"] = setting["scheduledEndDateTime"].clone();
    }
    out
}
