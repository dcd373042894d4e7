//! Rich notifications (GRAPH-FACTS-2 §4): resource data encrypted to the subscriber's
//! certificate, and `validationTokens` signed with the sandbox identity platform's key,
//! whose public half is served on its JWKS route.
//!
//! SKELETON: owned by helper A2. Signatures are the contract helper A1's delivery code
#![allow(dead_code)] // SKELETON: remove once used
//! calls.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// The identity platform's token-signing key (RSA, generated at start; `kid` random).
#[derive(Debug)]
pub(crate) struct SigningKey {
    _private: (),
}

impl SigningKey {
    /// A fresh key.
    pub(crate) fn generate() -> SigningKey {
        SigningKey { _private: () }
    }
}

/// Checks an `encryptionCertificate` (base64 DER X.509, RSA 2048–4096 bits): `Err` holds
/// the message of Graph's 400.
pub(crate) fn check_certificate(certificate: &str) -> Result<(), String> {
    let _ = certificate;
    Err("rich notifications are not implemented yet (helper A2)".into())
}

/// `encryptedContent` for `resource` (the `$select`ed properties, with type annotations),
/// encrypted to `certificate` as Graph does (§4.4), carrying `certificate_id` and the
/// certificate's SHA-1 thumbprint.
pub(crate) fn encrypted_content(
    certificate: &str,
    certificate_id: &str,
    resource: &Value,
) -> Result<Value, String> {
    let _ = (certificate, certificate_id, resource);
    Err("rich notifications are not implemented yet (helper A2)".into())
}

/// One `validationTokens` JWT for (`app_id`, `tenant_id`), signed with `key`, issued by
/// `{origin}/{tenant_id}/v2.0`, valid around `now` (the sandbox clock).
pub(crate) fn validation_token(
    key: &SigningKey,
    origin: &str,
    app_id: &str,
    tenant_id: &str,
    now: DateTime<Utc>,
) -> String {
    let _ = (key, origin, app_id, tenant_id, now);
    String::new()
}
