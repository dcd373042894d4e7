//! Random ids, change keys and tokens in Exchange's shapes.

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;

/// `n` random bytes (from v4 UUIDs; no extra RNG crate needed).
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 16);
    while out.len() < n {
        out.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    out.truncate(n);
    out
}

/// An opaque Exchange-style id: `prefix` + URL-safe base64 (with `=` padding) of random
/// bytes, e.g. `AAMkA…=` like Graph's REST ids.
pub(crate) fn opaque_id(prefix: &str, n: usize) -> String {
    format!("{prefix}{}", URL_SAFE.encode(random_bytes(n)))
}

/// Standard base64 of random bytes (change keys, conversation index).
pub(crate) fn random_b64(n: usize) -> String {
    STANDARD.encode(random_bytes(n))
}
