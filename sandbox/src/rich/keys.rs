//! The identity platform's token-signing key: RSA 2048 (aws-lc-rs), a random `kid`,
//! replaceable at run time ([`SigningKey::rotate`]) so tests can watch a receiver
//! refetch the JWKS on an unknown `kid`.

use std::sync::{Arc, Mutex, MutexGuard};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::store::random_bytes;

/// The identity platform's token-signing key. Made on first use rather than at start:
/// RSA key generation costs tens of milliseconds, and most sandboxes never sign a
/// `validationTokens` JWT.
pub(crate) struct SigningKey {
    current: Mutex<Option<Arc<KeyMaterial>>>,
}

/// One RSA key pair and its `kid`.
pub(crate) struct KeyMaterial {
    kid: String,
    pair: KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself.
        let kid = self.lock().as_ref().map(|k| k.kid.clone());
        f.debug_struct("SigningKey")
            .field("kid", &kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key (its RSA pair is made on first use).
    pub(crate) fn generate() -> SigningKey {
        SigningKey {
            current: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Arc<KeyMaterial>>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key in use now. Callers sign and read `kid` from the same value, so a
    /// concurrent [`SigningKey::rotate`] never pairs one key's `kid` with the other's
    /// signature.
    pub(crate) fn current(&self) -> Arc<KeyMaterial> {
        self.lock()
            .get_or_insert_with(|| Arc::new(KeyMaterial::new()))
            .clone()
    }

    /// Replaces the key with a new one (new `kid`); the old one is gone from the JWKS
    /// at once. Returns the new `kid`.
    pub(crate) fn rotate(&self) -> String {
        let fresh = Arc::new(KeyMaterial::new());
        let kid = fresh.kid.clone();
        *self.lock() = Some(fresh);
        kid
    }
}

impl KeyMaterial {
    fn new() -> KeyMaterial {
        // aws-lc-rs only fails here when the platform RNG does; nothing to recover.
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA 2048 key generation");
        // Entra's `kid`s are 27 base64url characters (a SHA-1 thumbprint); 20 random
        // bytes give the same shape.
        let kid = URL_SAFE_NO_PAD.encode(random_bytes(20));
        KeyMaterial { kid, pair }
    }

    /// The key id (`kid` in the JWT header and the JWKS).
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature over `message`.
    pub(crate) fn sign_rs256(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("RS256 signature with a valid RSA key");
        signature
    }

    /// The public key as a JWK, in the members Entra's key sets carry for RSA keys
    /// (`kty`, `use`, `kid`, `n`, `e`; Entra adds `x5t`/`x5c` from the key's
    /// certificate, which the sandbox's bare key does not have).
    pub(crate) fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        })
    }
}
