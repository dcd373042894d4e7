//! The certificate whose public key Graph encrypts rich notifications' resource data with
//! (GRAPH-FACTS-2 §4.1; "Set up change notifications that include resource data",
//! <https://learn.microsoft.com/graph/change-notifications-with-resource-data>).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::error::{Error, Result};
use crate::pem::pem_block;

/// Graph's limit on `encryptionCertificateId` (GRAPH-FACTS-2 §1.2).
pub const MAX_ENCRYPTION_CERTIFICATE_ID_CHARS: usize = 128;

/// An X.509 certificate (public key only) and your id for it, sent as
/// `encryptionCertificate` + `encryptionCertificateId` with
/// [`CreateSubscription::include_resource_data`](super::CreateSubscription::include_resource_data).
///
/// Graph wants the certificate base64-encoded without PEM armour, as Microsoft's SDKs send
/// it (base64 of the DER); the id comes back in every notification's `encryptedContent`,
/// so the receiver knows which private key decrypts it. Graph uses RSA keys of 2,048 to
/// 4,096 bits; a self-signed certificate is fine.
///
/// ```
/// use msgraph_outlook::api::EncryptionCertificate;
/// let pem = include_str!("../../../tests/fixtures/notifications/cert.pem");
/// let certificate = EncryptionCertificate::from_pem("key-2026-12", pem).unwrap();
/// assert_eq!(certificate.id(), "key-2026-12");
/// assert!(certificate.base64_der().starts_with("MII"));
///
/// assert!(EncryptionCertificate::from_pem("key", "not a certificate").is_err());
/// assert!(EncryptionCertificate::from_pem("k".repeat(129), pem).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionCertificate {
    id: String,
    base64_der: String,
}

impl EncryptionCertificate {
    /// From a PEM `CERTIFICATE` block (the first one, if several) and your id for it (at
    /// most 128 characters). Errors are [`Error::Config`].
    pub fn from_pem(id: impl Into<String>, pem: impl AsRef<[u8]>) -> Result<Self> {
        let der = pem_block(pem.as_ref(), "encryption certificate", &["CERTIFICATE"])?.1;
        EncryptionCertificate::from_der(id, der)
    }

    /// From the certificate's DER bytes and your id for it (at most 128 characters).
    pub fn from_der(id: impl Into<String>, der: impl AsRef<[u8]>) -> Result<Self> {
        let id = id.into();
        if id.trim().is_empty() || id.chars().count() > MAX_ENCRYPTION_CERTIFICATE_ID_CHARS {
            return Err(Error::Config(format!(
                "an encryptionCertificateId has 1 to {MAX_ENCRYPTION_CERTIFICATE_ID_CHARS} \
                 characters, this one {}",
                id.chars().count()
            )));
        }
        let der = der.as_ref();
        // A DER certificate is one SEQUENCE; anything else is not one.
        if der.first() != Some(&0x30) || der.len() < 64 {
            return Err(Error::Config(
                "the encryption certificate is not a DER X.509 certificate".into(),
            ));
        }
        Ok(EncryptionCertificate {
            id,
            base64_der: STANDARD.encode(der),
        })
    }

    /// Your id for the certificate (`encryptionCertificateId`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The certificate as Graph takes it (`encryptionCertificate`): base64 of the DER,
    /// no armour, no line breaks.
    pub fn base64_der(&self) -> &str {
        &self.base64_der
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    use super::*;

    const PEM: &str = include_str!("../../../tests/fixtures/notifications/cert.pem");

    #[test]
    fn pem_and_der_give_the_same_base64_without_armour_or_line_breaks() {
        let from_pem = EncryptionCertificate::from_pem("k", PEM).unwrap();
        let der = STANDARD.decode(from_pem.base64_der()).unwrap();
        let from_der = EncryptionCertificate::from_der("k", &der).unwrap();
        assert_eq!(from_pem, from_der);
        assert!(!from_pem.base64_der().contains(['\n', '-']));
        let joined: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(from_pem.base64_der(), joined);
    }

    #[test]
    fn ids_and_bytes_graph_would_refuse_are_config_errors() {
        let der = STANDARD
            .decode(
                EncryptionCertificate::from_pem("k", PEM)
                    .unwrap()
                    .base64_der(),
            )
            .unwrap();
        assert!(EncryptionCertificate::from_der("k".repeat(128), &der).is_ok());
        for (id, bytes) in [
            ("k".repeat(129), der.clone()),
            (" ".to_string(), der.clone()),
            (
                "k".to_string(),
                b"not DER at all, but long enough to pass the length check....".to_vec(),
            ),
            ("k".to_string(), vec![0x30, 0x03, 0x02, 0x01, 0x01]),
        ] {
            let err = EncryptionCertificate::from_der(id, bytes).unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{err:?}");
        }
        // A private key block is not a certificate.
        let key = include_str!("../../../tests/fixtures/notifications/key.pem");
        assert!(EncryptionCertificate::from_pem("k", key).is_err());
    }
}
