//! Certificate credentials: a client assertion (a JWT signed with the app's private key)
//! instead of a client secret.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::pem::pem_block;

/// How long an assertion is valid: the identity platform asks for "5-10 minutes after `nbf`
/// at most".
const ASSERTION_LIFETIME: Duration = Duration::from_secs(600);

/// A certificate registered on the app (Entra admin center, *Certificates & secrets*) and its
/// RSA private key, used to sign client assertions.
///
/// Pass it to [`ClientCredentials::with_certificate`](super::ClientCredentials::with_certificate).
/// The private key never appears in `Debug` output, logs or errors; `Debug` shows the
/// certificate's SHA-256 thumbprint, as the Entra admin center does.
///
/// ```
/// use msgraph_outlook::auth::ClientCertificate;
///
/// let certificate = ClientCertificate::from_pem(
///     include_bytes!("../../tests/fixtures/auth/cert.pem"),
///     include_bytes!("../../tests/fixtures/auth/key.pem"),
/// )
/// .unwrap();
/// assert_eq!(
///     certificate.thumbprint_sha256(),
///     "ftl9fvvJyb6cYAVL-r3SZmOVQyuNuItkTRKGFF1BDTE"
/// );
/// assert!(!format!("{certificate:?}").contains("PRIVATE"));
///
/// // Not PEM: a typed error, which names no key material.
/// let err = ClientCertificate::from_pem(b"not a certificate", b"").unwrap_err();
/// assert!(matches!(err, msgraph_outlook::Error::Config(_)));
/// ```
#[derive(Clone)]
pub struct ClientCertificate {
    key: Arc<RsaKeyPair>,
    thumbprint_sha256: String,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("thumbprint_sha256", &self.thumbprint_sha256)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// The JOSE header, in this order: `{"alg":"RS256","typ":"JWT","x5t#S256":"…"}`.
#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    #[serde(rename = "x5t#S256")]
    x5t_s256: &'a str,
}

/// The assertion's claims, as the certificate-credentials page lists them.
#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: u64,
    iat: u64,
    exp: u64,
}

impl ClientCertificate {
    /// Reads a certificate and its RSA private key from PEM.
    ///
    /// `certificate_pem` holds a `CERTIFICATE` block (the first one is used, so a chain with
    /// the app's certificate first works). `private_key_pem` holds an unencrypted
    /// `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) block. Both may be the same
    /// combined PEM file. The key must belong to the certificate.
    ///
    /// Errors are [`Error::Config`] and never contain key material.
    pub fn from_pem(certificate_pem: &[u8], private_key_pem: &[u8]) -> Result<Self> {
        let certificate = pem_block(certificate_pem, "certificate", &["CERTIFICATE"])?.1;
        if certificate.first() != Some(&0x30) {
            return Err(Error::Config(
                "the certificate PEM block is not a DER certificate".into(),
            ));
        }
        let (label, key_der) = pem_block(
            private_key_pem,
            "private key",
            &[
                "PRIVATE KEY",
                "RSA PRIVATE KEY",
                "ENCRYPTED PRIVATE KEY",
                "EC PRIVATE KEY",
            ],
        )?;
        let key = match label {
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&key_der),
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&key_der),
            "ENCRYPTED PRIVATE KEY" => {
                return Err(Error::Config(
                    "the private key is encrypted: decrypt it first \
                     (openssl pkcs8 -topk8 -nocrypt -in key.pem -out plain.pem)"
                        .into(),
                ))
            }
            _ => {
                return Err(Error::Config(
                    "the private key is not an RSA key: certificate credentials here sign \
                     with RS256"
                        .into(),
                ))
            }
        }
        .map_err(|e| Error::Config(format!("the private key is not a usable RSA key ({e})")))?;
        // The certificate's SubjectPublicKeyInfo holds the PKCS#1 RSAPublicKey verbatim: a key
        // from another certificate would only be noticed by Entra (invalid_client) otherwise.
        let public_key = key.public().as_ref();
        if !certificate
            .windows(public_key.len())
            .any(|window| window == public_key)
        {
            return Err(Error::Config(
                "the private key does not belong to the certificate".into(),
            ));
        }
        let thumbprint =
            URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, &certificate));
        Ok(ClientCertificate {
            key: Arc::new(key),
            thumbprint_sha256: thumbprint,
        })
    }

    /// The certificate's SHA-256 thumbprint, base64url without padding: the assertion's
    /// `x5t#S256` header.
    pub fn thumbprint_sha256(&self) -> &str {
        &self.thumbprint_sha256
    }

    /// A fresh client assertion for `client_id` at the token endpoint `token_url`: a JWT
    /// signed with RS256, header `{"alg":"RS256","typ":"JWT","x5t#S256":…}`, claims `aud`
    /// (`token_url`), `iss` and `sub` (`client_id`), `jti` (a new UUID), `nbf` and `iat` (now)
    /// and `exp` (ten minutes later).
    ///
    /// [`ClientCredentials`](super::ClientCredentials) makes one for each token request; call
    /// this yourself only to use the certificate elsewhere. The assertion is a credential:
    /// don't log it.
    ///
    /// ```
    /// use msgraph_outlook::auth::ClientCertificate;
    ///
    /// let certificate = ClientCertificate::from_pem(
    ///     include_bytes!("../../tests/fixtures/auth/cert.pem"),
    ///     include_bytes!("../../tests/fixtures/auth/key.pem"),
    /// )
    /// .unwrap();
    /// let jwt = certificate
    ///     .client_assertion(
    ///         "00000000-0000-0000-0000-000000000001",
    ///         "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
    ///     )
    ///     .unwrap();
    /// assert_eq!(jwt.split('.').count(), 3);
    /// ```
    pub fn client_assertion(&self, client_id: &str, token_url: &str) -> Result<String> {
        self.client_assertion_at(client_id, token_url, SystemTime::now())
    }

    /// [`client_assertion`](Self::client_assertion) as of `now`.
    pub(crate) fn client_assertion_at(
        &self,
        client_id: &str,
        token_url: &str,
        now: SystemTime,
    ) -> Result<String> {
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| Error::Config("the system clock is before 1970".into()))?
            .as_secs();
        let header = Header {
            alg: "RS256",
            typ: "JWT",
            x5t_s256: &self.thumbprint_sha256,
        };
        let claims = Claims {
            aud: token_url,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        };
        let mut jwt = format!("{}.{}", base64_json(&header)?, base64_json(&claims)?);
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                jwt.as_bytes(),
                &mut signature,
            )
            .map_err(|_| Error::Config("cannot sign the client assertion".into()))?;
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(jwt)
    }
}

/// A JWT part: compact JSON, base64url without padding.
fn base64_json(value: &impl Serialize) -> Result<String> {
    serde_json::to_vec(value)
        .map(|json| URL_SAFE_NO_PAD.encode(json))
        .map_err(|e| Error::Config(format!("cannot encode the client assertion: {e}")))
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    const CERT: &[u8] = include_bytes!("../../tests/fixtures/auth/cert.pem");
    const KEY: &[u8] = include_bytes!("../../tests/fixtures/auth/key.pem");
    const PUBLIC_KEY: &[u8] = include_bytes!("../../tests/fixtures/auth/public-key-pkcs1.der");

    fn decode(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn the_assertion_carries_the_pinned_time() {
        let certificate = ClientCertificate::from_pem(CERT, KEY).unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let jwt = certificate
            .client_assertion_at("client", "https://login.example/t/oauth2/v2.0/token", now)
            .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[0]).unwrap(),
            br#"{"alg":"RS256","typ":"JWT","x5t#S256":"ftl9fvvJyb6cYAVL-r3SZmOVQyuNuItkTRKGFF1BDTE"}"#
        );
        let claims = decode(parts[1]);
        assert_eq!(claims["nbf"], 1_795_000_000u64);
        assert_eq!(claims["iat"], 1_795_000_000u64);
        assert_eq!(claims["exp"], 1_795_000_600u64);
        assert_eq!(claims["aud"], "https://login.example/t/oauth2/v2.0/token");
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            PUBLIC_KEY,
        )
        .verify(
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
        )
        .expect("signature verifies");
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        // Alter one byte of the certificate's modulus: the key no longer matches it.
        let certificate = pem_block(CERT, "certificate", &["CERTIFICATE"]).unwrap().1;
        let key = pem_block(KEY, "private key", &["PRIVATE KEY"]).unwrap().1;
        let public_key = RsaKeyPair::from_pkcs8(&key)
            .unwrap()
            .public()
            .as_ref()
            .to_vec();
        let at = certificate
            .windows(public_key.len())
            .position(|w| w == public_key)
            .unwrap();
        let mut other = certificate.clone();
        other[at + 40] ^= 0x01;
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            STANDARD.encode(&other)
        );
        let err = ClientCertificate::from_pem(pem.as_bytes(), KEY).unwrap_err();
        assert!(err.to_string().contains("does not belong"), "{err}");
    }

    #[test]
    fn pem_problems_are_named_without_key_material() {
        let key = std::str::from_utf8(KEY).unwrap();
        let truncated = &key[..key.len() / 2];
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        for (certificate, key) in [
            (&b"garbage"[..], KEY),
            (KEY, KEY),
            (CERT, truncated.as_bytes()),
            (CERT, encrypted.as_bytes()),
            (CERT, legacy.as_bytes()),
            (CERT, CERT),
            (CERT, &[0xff, 0xfe][..]),
        ] {
            let err = ClientCertificate::from_pem(certificate, key).unwrap_err();
            let Error::Config(message) = &err else {
                panic!("{err:?}")
            };
            for line in key.split(|b| *b == b'\n').skip(1) {
                let line = String::from_utf8_lossy(line);
                assert!(
                    line.len() < 16 || !message.contains(line.trim()),
                    "{message}"
                );
            }
        }
    }
}
