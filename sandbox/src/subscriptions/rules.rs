//! Graph's rules for the body of a create or an update (GRAPH-FACTS-2 §1.2–§1.4, §4.1)
//! and the answers for breaking them. Texts are Graph's where a live answer is known
//! (sources at each builder), otherwise marked \[unconfirmed\].

use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::resource::{self, Resource};
use super::{ChangeTypes, Settings};
use crate::graph_error::GraphError;
use crate::wire::get_ci;

/// `clientState` at most this long (GRAPH-FACTS-2 §1.2, subscription resource page).
const MAX_CLIENT_STATE: usize = 128;
/// `encryptionCertificateId` at most this long (GRAPH-FACTS-2 §1.2).
const MAX_CERTIFICATE_ID: usize = 128;

/// `400 InvalidRequest` with `message`.
fn invalid(message: impl Into<String>) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
}

/// Graph's answer for a create body it cannot read – a missing or mistyped property,
/// an unreadable `expirationDateTime` (text of live answers, microsoftgraph/
/// microsoft-graph-docs#3041; for a missing property \[unconfirmed\]).
pub(crate) fn bad_payload() -> GraphError {
    invalid("Could not process subscription creation payload. Are all property names spelled and camelCased properly?")
}

/// `404 ResourceNotFound` "The object was not found." for an unknown subscription id
/// (live answers quoted in microsoftgraph/microsoft-graph-docs-contrib#1522 and
/// microsoftgraph/msgraph-sdk-php#221).
pub(crate) fn not_found() -> GraphError {
    GraphError::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        "The object was not found.",
    )
}

/// `409` for a second subscription with the same `changeType` and `resource`: text as
/// in "Receive change notifications through webhooks" (GRAPH-FACTS-2 §1.4, doc F3);
/// the error code is \[unconfirmed\].
pub(crate) fn conflict(existing_id: &str) -> GraphError {
    GraphError::new(
        StatusCode::CONFLICT,
        "Conflict",
        format!("Subscription Id {existing_id} already exists for the requested combination"),
    )
}

/// Active Outlook subscriptions per mailbox, across all apps (GRAPH-FACTS-2 §1.1).
pub(crate) const MAX_PER_MAILBOX: usize = 1_000;

/// `403 ExtensionError` for a mailbox with [`MAX_PER_MAILBOX`] subscriptions: the text
/// of a live answer at OneDrive's limit (microsoftgraph/microsoft-graph-docs#21403);
/// Outlook's \[unconfirmed\].
pub(crate) fn quota_reached() -> GraphError {
    GraphError::new(
        StatusCode::FORBIDDEN,
        "ExtensionError",
        "Operation: Create; Exception: [Status Code: Forbidden; Reason: Maximum number of subscriptions has been reached]",
    )
}

/// `400 ExtensionError` for an expiration past the maximum (GRAPH-FACTS-2 §1.3, text
/// of live answers).
pub(crate) fn too_far(max_minutes: i64) -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ExtensionError",
        format!("Subscription expiration can only be {max_minutes} minutes in the future."),
    )
}

/// A create body, checked.
#[derive(Debug)]
pub(crate) struct Create {
    /// What the subscription keeps.
    pub settings: Settings,
    /// `settings.resource`, parsed.
    pub resource: Resource,
    /// As requested (limits applied by [`expiration`]).
    pub expiration: DateTime<Utc>,
}

/// An optional string property: `Err` when present with another type.
fn opt_str(body: &Map<String, Value>, name: &str) -> Result<Option<String>, GraphError> {
    match get_ci(body, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad_payload()),
    }
}

fn req_str(body: &Map<String, Value>, name: &str) -> Result<String, GraphError> {
    opt_str(body, name)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(bad_payload)
}

/// Parses `expirationDateTime` (RFC 3339, or without offset = UTC).
pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, GraphError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| t.and_utc())
        .map_err(|_| bad_payload())
}

/// The expiration Graph grants for `requested`: raised to 45 minutes from `now`,
/// refused past `max_minutes`.
pub(crate) fn expiration(
    requested: DateTime<Utc>,
    now: DateTime<Utc>,
    max_minutes: i64,
) -> Result<DateTime<Utc>, GraphError> {
    if requested - now > Duration::minutes(max_minutes) {
        return Err(too_far(max_minutes));
    }
    Ok(requested.max(now + Duration::minutes(super::MIN_MINUTES)))
}

/// Checks a create body (everything that needs no store).
pub(crate) fn create(body: &Map<String, Value>) -> Result<Create, GraphError> {
    let change_type = req_str(body, "changeType")?;
    let notification_url = req_str(body, "notificationUrl")?;
    let resource_text = req_str(body, "resource")?;
    let expiration = parse_time(&req_str(body, "expirationDateTime")?)?;
    // Text of live answers (microsoftgraph/microsoft-graph-docs#4819).
    let change_types = ChangeTypes::parse(&change_type)
        .map_err(|v| invalid(format!("Invalid 'changeType' attribute: '{v}'.")))?;
    let resource = resource::parse(&resource_text).ok_or_else(|| unsupported(&resource_text))?;
    let client_state = opt_str(body, "clientState")?;
    if client_state
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_CLIENT_STATE)
    {
        // [unconfirmed] text; the limit is documented.
        return Err(invalid(format!(
            "clientState must not be longer than {MAX_CLIENT_STATE} characters."
        )));
    }
    let include_resource_data = match get_ci(body, "includeResourceData") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(bad_payload()),
    };
    let settings = Settings {
        resource: resource_text,
        change_type,
        change_types,
        notification_url,
        lifecycle_url: opt_str(body, "lifecycleNotificationUrl")?,
        client_state,
        include_resource_data,
        certificate: opt_str(body, "encryptionCertificate")?,
        certificate_id: opt_str(body, "encryptionCertificateId")?,
        // "If not specified, defaults to v1_2" (subscription resource,
        // https://learn.microsoft.com/graph/api/resources/subscription; GRAPH-FACTS-2 §1.2).
        latest_tls: Some(
            opt_str(body, "latestSupportedTlsVersion")?.unwrap_or_else(|| "v1_2".to_string()),
        ),
        notification_url_app_id: opt_str(body, "notificationUrlAppId")?,
    };
    let create = Create {
        settings,
        resource,
        expiration,
    };
    if create.settings.is_rich() {
        check_rich(&create)?;
    }
    Ok(create)
}

/// A resource the sandbox does not support \[unconfirmed text: Graph's answers for
/// unsupported resources vary\].
fn unsupported(resource: &str) -> GraphError {
    invalid(format!("Resource '{resource}' is not supported."))
}

/// Rich notifications (GRAPH-FACTS-2 §4.1): certificate and its id required, the id at
/// most 128 characters, the certificate usable; no `$top`, `$skip`, `$orderby`, no
/// `Body` / `UniqueBody` in `$select`, `$expand` only of extended properties.
/// Texts \[unconfirmed\].
fn check_rich(c: &Create) -> Result<(), GraphError> {
    let (Some(cert), Some(cert_id)) = (&c.settings.certificate, &c.settings.certificate_id) else {
        return Err(invalid(
            "encryptionCertificate and encryptionCertificateId are required when includeResourceData is true.",
        ));
    };
    check_certificate(cert, cert_id)?;
    for (name, value) in &c.resource.other_options {
        let allowed = name == "$expand"
            && value.split(',').all(|e| {
                let e = e.trim().to_ascii_lowercase();
                e.starts_with("singlevalueextendedproperties")
                    || e.starts_with("multivalueextendedproperties")
            });
        if !allowed {
            return Err(invalid(format!(
                "The query option '{name}' is not supported in the resource of a subscription with resource data."
            )));
        }
    }
    let body_fields = ["body", "uniquebody"];
    if let Some(f) = c
        .resource
        .select
        .iter()
        .flatten()
        .find(|f| body_fields.contains(&f.to_ascii_lowercase().as_str()))
    {
        return Err(invalid(format!(
            "The property '{f}' cannot be selected in the resource of a subscription with resource data."
        )));
    }
    Ok(())
}

/// A new `encryptionCertificate` + id (create or key rotation).
pub(crate) fn check_certificate(cert: &str, cert_id: &str) -> Result<(), GraphError> {
    if cert_id.chars().count() > MAX_CERTIFICATE_ID {
        return Err(invalid(format!(
            "encryptionCertificateId must not be longer than {MAX_CERTIFICATE_ID} characters."
        )));
    }
    crate::rich::check_certificate(cert).map_err(invalid)
}

/// A checked update body (GRAPH-FACTS-2 §1.5): renewal, a new `notificationUrl`,
/// certificate rotation.
#[derive(Debug, Default)]
pub(crate) struct Update {
    pub expiration: Option<DateTime<Utc>>,
    pub notification_url: Option<String>,
    pub certificate: Option<(String, String)>,
}

/// Checks an update body. `lifecycleNotificationUrl` can only be set at creation
/// (GRAPH-FACTS-2 §1.2); it and other properties are refused \[unconfirmed texts\].
pub(crate) fn update(body: &Map<String, Value>) -> Result<Update, GraphError> {
    let mut u = Update::default();
    for key in body.keys().filter(|k| !k.starts_with('@')) {
        let known = [
            "expirationDateTime",
            "notificationUrl",
            "encryptionCertificate",
            "encryptionCertificateId",
        ];
        if !known.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            return Err(invalid(format!("The property '{key}' cannot be updated.")));
        }
    }
    if let Some(t) = opt_str(body, "expirationDateTime")? {
        u.expiration = Some(parse_time(&t)?);
    }
    u.notification_url = opt_str(body, "notificationUrl")?;
    match (
        opt_str(body, "encryptionCertificate")?,
        opt_str(body, "encryptionCertificateId")?,
    ) {
        (Some(c), Some(id)) => {
            check_certificate(&c, &id)?;
            u.certificate = Some((c, id));
        }
        (None, None) => {}
        _ => {
            return Err(invalid(
                "encryptionCertificate and encryptionCertificateId must be updated together.",
            ))
        }
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_state_stays_out_of_debug() {
        let body = serde_json::json!({
            "changeType": "created",
            "notificationUrl": "http://127.0.0.1:1/n",
            "resource": "me/messages",
            "expirationDateTime": "2026-12-14T09:00:00Z",
            "clientState": "s3cret-value",
        });
        let c = create(body.as_object().unwrap()).unwrap();
        assert_eq!(c.settings.client_state.as_deref(), Some("s3cret-value"));
        assert!(!format!("{c:?}").contains("s3cret-value"), "{c:?}");
    }

    #[test]
    fn expiration_limits() {
        let now = Utc::now();
        let e = expiration(now + Duration::minutes(10_081), now, 10_080).unwrap_err();
        assert_eq!(
            e.message,
            "Subscription expiration can only be 10080 minutes in the future."
        );
        assert_eq!(
            expiration(now + Duration::minutes(5), now, 10_080).unwrap(),
            now + Duration::minutes(45)
        );
        let t = now + Duration::minutes(60);
        assert_eq!(expiration(t, now, 10_080).unwrap(), t);
        assert!(parse_time("2026-12-14T09:00:00.0000000Z").is_ok());
        assert!(parse_time("2026-12-14T09:00:00").is_ok());
        assert_eq!(parse_time("2026-12-5").unwrap_err().code, "InvalidRequest");
    }
}
