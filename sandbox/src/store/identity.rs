//! What the identity platform remembers between requests: device codes, authorization
//! codes, refresh tokens, registered certificates and identities. Data only; the flows
//! live in [`crate::auth`].

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

/// State of the identity flows, part of [`super::Store`].
#[derive(Debug)]
pub(crate) struct AuthState {
    /// `interval` of new device codes, in seconds (docs: clients wait at least this
    /// long between polls; Entra usually answers 5).
    pub device_interval: i64,
    /// Answer `slow_down` to polls that come faster than the interval (RFC 8628; not
    /// listed for Entra, so off by default).
    pub device_slow_down: bool,
    /// `Sandbox::auto_approve_device_codes`: (user id, pending answers before approval).
    pub auto_approve: Option<(String, u32)>,
    /// Device codes issued, oldest first.
    pub device_codes: Vec<DeviceCode>,
    /// The user with a browser session at the authorize endpoint (`Sandbox::sign_in_as`).
    pub signed_in: Option<String>,
    /// Redirect URIs registered with `Sandbox::add_redirect_uri` (loopback URIs are
    /// always allowed).
    pub redirect_uris: Vec<String>,
    /// Authorization codes, by code.
    pub codes: HashMap<String, AuthCode>,
    /// Refresh tokens, by token.
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    /// `Sandbox::set_refresh_token_rotation_strict`: a redeemed refresh token stops
    /// working.
    pub rotation_strict: bool,
    /// Certificates registered for client assertions.
    pub certificates: Vec<Certificate>,
    /// Federated (workload identity) assertions accepted as `client_assertion`.
    pub federated: Vec<String>,
    /// `jti` values of client assertions already accepted.
    pub used_jtis: HashSet<String>,
    /// `Sandbox::set_client_assertion_max_lifetime`: largest `exp − nbf` accepted.
    pub assertion_max_lifetime: Option<chrono::Duration>,
    /// Client ids of user-assigned managed identities (besides the system-assigned one).
    pub user_assigned: Vec<String>,
    /// Application roles granted to the sandbox app (and its managed identities): the
    /// `roles` of every app-only token (`Sandbox::grant_app_roles`; default all of
    /// [`crate::scopes::APPLICATION`]).
    pub app_roles: Vec<String>,
}

impl Default for AuthState {
    fn default() -> Self {
        AuthState {
            device_interval: 5,
            device_slow_down: false,
            auto_approve: None,
            device_codes: Vec::new(),
            signed_in: None,
            redirect_uris: Vec::new(),
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            rotation_strict: false,
            certificates: Vec::new(),
            federated: Vec::new(),
            used_jtis: HashSet::new(),
            assertion_max_lifetime: None,
            user_assigned: Vec::new(),
            app_roles: crate::scopes::APPLICATION
                .iter()
                .map(|r| r.to_string())
                .collect(),
        }
    }
}

/// A refresh token the sandbox issued.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub user_id: String,
    pub client_id: String,
    /// Scopes of the original grant (including `offline_access`).
    pub scopes: Vec<String>,
    /// When it was issued (sandbox clock).
    pub issued: DateTime<Utc>,
    /// `Sandbox::revoke_refresh_tokens`: when the user's tokens were revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Already redeemed (only matters with strict rotation).
    pub redeemed: bool,
}

/// A certificate registered for client assertions.
#[derive(Debug, Clone)]
pub(crate) struct Certificate {
    /// PKCS#1 `RSAPublicKey`, DER.
    pub public_key: Vec<u8>,
    /// Base64url SHA-256 thumbprint of the certificate (the `x5t#S256` header).
    pub thumbprint: String,
}

/// One device code.
#[derive(Debug, Clone)]
pub(crate) struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub scopes: Vec<String>,
    /// Sandbox-clock time of the device authorization request.
    pub issued: DateTime<Utc>,
    /// Current minimum polling interval in seconds (grows by 5 with every `slow_down`).
    pub interval: i64,
    /// Token requests seen for it so far.
    pub polls: u32,
    /// Sandbox-clock time of the last token request.
    pub last_poll: Option<DateTime<Utc>>,
    pub status: DeviceStatus,
}

/// Where a device code stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    /// Signed in and approved by that user (object id).
    Approved(String),
    Declined,
    /// Tokens were issued.
    Redeemed,
}

/// An issued authorization code.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// PKCE `code_challenge` and whether its method is `S256` (else `plain`).
    pub challenge: Option<(String, bool)>,
    /// Sandbox-clock time of issue.
    pub issued: DateTime<Utc>,
    pub redeemed: bool,
}
