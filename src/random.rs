//! Secrets made from the system CSPRNG (PKCE verifiers, `state`, subscription `clientState`s, renewal jitter seeds).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, Result};

/// `len` bytes from the system CSPRNG, base64url-encoded without padding (every character
/// is an RFC 3986 unreserved character).
pub(crate) fn random_token(len: usize) -> Result<String> {
    let mut bytes = vec![0u8; len];
    fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Fills `bytes` from the system CSPRNG.
pub(crate) fn fill(bytes: &mut [u8]) -> Result<()> {
    SystemRandom::new()
        .fill(bytes)
        .map_err(|_| Error::Config("the system random number generator failed".into()))
}
