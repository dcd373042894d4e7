//! SMTP users: SASL `PLAIN` and `LOGIN` decoding (RFC 4954, RFC 4616) and password checks
//! against argon2 hashes, run on the blocking pool so a slow hash never stalls the
//! reactor. Passwords exist only inside [`Credentials`], whose `Debug` hides them.

use crate::config::smtp::SmtpUser;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The argon2id PHC string of `password` with a fresh random salt and argon2's default
/// cost (what `msgraph-relay hash-password` prints for `[[smtp.users]] password_hash`).
pub fn hash_password(password: &str) -> String {
    // 16 bytes from the OS RNG (uuid v4 draws them from getrandom).
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .expect("16 bytes is a valid salt length");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("default argon2 parameters are valid")
        .to_string()
}

/// A user name and password from the client.
#[derive(Clone)]
pub struct Credentials {
    /// The user name (authentication identity).
    pub user: String,
    password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A SASL response that is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslError {
    /// Not base64 (`501 5.5.2`).
    Base64,
    /// Decoded, but not the mechanism's format (`535 5.7.8`).
    Malformed,
}

/// Decodes one base64 response (`=` is the empty response, RFC 4954 §4).
pub fn decode_base64(text: &str) -> Result<Vec<u8>, SaslError> {
    if text == "=" {
        return Ok(Vec::new());
    }
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| SaslError::Base64)
}

/// Decodes a `PLAIN` response: `authzid NUL authcid NUL passwd` (RFC 4616 §2). An
/// authorization identity other than the user itself is refused: users act only as
/// themselves.
pub fn decode_plain(text: &str) -> Result<Credentials, SaslError> {
    let bytes = decode_base64(text)?;
    let mut parts = bytes.split(|&b| b == 0);
    let (Some(authz), Some(user), Some(password), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SaslError::Malformed);
    };
    let user = String::from_utf8(user.to_vec()).map_err(|_| SaslError::Malformed)?;
    let password = String::from_utf8(password.to_vec()).map_err(|_| SaslError::Malformed)?;
    if user.is_empty() || (!authz.is_empty() && authz != user.as_bytes()) {
        return Err(SaslError::Malformed);
    }
    Ok(Credentials { user, password })
}

/// The `LOGIN` mechanism's two responses.
pub fn decode_login(user: &str, password: &str) -> Result<Credentials, SaslError> {
    let text = |b64: &str| String::from_utf8(decode_base64(b64)?).map_err(|_| SaslError::Malformed);
    let user = text(user)?;
    if user.is_empty() {
        return Err(SaslError::Malformed);
    }
    Ok(Credentials {
        user,
        password: text(password)?,
    })
}

/// The configured SMTP users.
#[derive(Debug, Clone)]
pub struct Users {
    by_name: Arc<HashMap<String, Arc<SmtpUser>>>,
    /// A hash to check unknown names against, so they take as long as known ones (no user
    /// enumeration by timing).
    dummy: Arc<OnceLock<String>>,
}

impl Users {
    /// The users from the configuration (their hashes were checked by
    /// [`SmtpConfig::problems`](crate::config::SmtpConfig::problems)).
    pub fn new(users: &[SmtpUser]) -> Users {
        Users {
            by_name: Arc::new(
                users
                    .iter()
                    .map(|user| (user.name.clone(), Arc::new(user.clone())))
                    .collect(),
            ),
            dummy: Arc::new(OnceLock::new()),
        }
    }

    /// Whether any user is configured (otherwise `AUTH` is not offered).
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The user if the password is right.
    pub async fn verify(&self, credentials: Credentials) -> Option<Arc<SmtpUser>> {
        let users = self.clone();
        tokio::task::spawn_blocking(move || users.verify_blocking(&credentials))
            .await
            .ok()
            .flatten()
    }

    fn verify_blocking(&self, credentials: &Credentials) -> Option<Arc<SmtpUser>> {
        let user = self.by_name.get(&credentials.user);
        let phc = match user {
            Some(user) => user.password_hash.as_str(),
            None => self.dummy.get_or_init(|| {
                // Same cost as the configured users' hashes, when there are any.
                let template = self.by_name.values().next();
                template
                    .and_then(|u| PasswordHash::new(&u.password_hash).ok())
                    .and_then(|h| {
                        let params = argon2::Params::try_from(&h).ok()?;
                        let salt = SaltString::encode_b64(&[0u8; 16]).ok()?;
                        Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                            .hash_password(b"dummy", &salt)
                            .ok()
                            .map(|h| h.to_string())
                    })
                    .unwrap_or_else(|| hash_password("dummy"))
            }),
        };
        let hash = PasswordHash::new(phc).ok()?;
        let ok = Argon2::default()
            .verify_password(credentials.password.as_bytes(), &hash)
            .is_ok();
        (ok && user.is_some()).then(|| user.cloned()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_password_makes_a_verifiable_argon2id_phc_string() {
        let phc = hash_password("s3cret");
        let parsed = PasswordHash::new(&phc).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert_ne!(hash_password("s3cret"), phc, "each hash has its own salt");
        let user = SmtpUser {
            name: "app1".into(),
            password_hash: phc,
            allowed_senders: Vec::new(),
            mailbox: None,
        };
        let users = Users::new(&[user]);
        let right = decode_login(&b64(b"app1"), &b64(b"s3cret")).unwrap();
        let wrong = decode_login(&b64(b"app1"), &b64(b"s3cre")).unwrap();
        let unknown = decode_login(&b64(b"app2"), &b64(b"s3cret")).unwrap();
        assert_eq!(
            users.verify(right).await.map(|u| u.name.clone()).as_deref(),
            Some("app1")
        );
        assert!(users.verify(wrong).await.is_none());
        assert!(users.verify(unknown).await.is_none());
    }

    fn b64(s: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn plain_and_login_decoding() {
        let c = decode_plain(&b64(b"\0app1\0s3cret")).unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("app1", "s3cret"));
        assert_eq!(decode_plain(&b64(b"app1\0app1\0pw")).unwrap().user, "app1");
        assert_eq!(
            decode_plain(&b64(b"admin\0app1\0pw")).unwrap_err(),
            SaslError::Malformed
        );
        assert_eq!(decode_plain("***").unwrap_err(), SaslError::Base64);
        assert_eq!(
            decode_plain(&b64(b"no-nuls")).unwrap_err(),
            SaslError::Malformed
        );
        let c = decode_login(&b64(b"app1"), &b64(b"pw")).unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("app1", "pw"));
        assert!(!format!("{c:?}").contains("pw\""));
        assert!(format!("{c:?}").contains("<redacted>"));
    }
}
