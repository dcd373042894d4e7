//! Random ids, change keys and tokens in Exchange's shapes.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;

/// `n` bytes from the operating system's CSPRNG (through aws-lc-rs): ids and tokens, and
/// the AES keys of rich notifications, which must be unpredictable.
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut out)
        .expect("the system random number generator");
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
