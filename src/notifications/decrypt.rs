//! Decrypting the resource data of rich notifications (GRAPH-FACTS-2 §0.6, §4.4; "Set up
//! change notifications that include resource data", section "Decrypting resource data",
//! <https://learn.microsoft.com/graph/change-notifications-with-resource-data>): the AES key
//! is RSA-OAEP (SHA-1, MGF1-SHA-1) encrypted to the certificate; the HMAC-SHA256 of the
//! decoded `data` is checked before anything is decrypted; then AES-256-CBC with PKCS#7
//! padding and the key's first 16 bytes as IV.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::cipher::{
    DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey, AES_256, AES_256_KEY_LEN,
};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{OaepPrivateDecryptingKey, PrivateDecryptingKey, OAEP_SHA1_MGF1SHA1};
use base64::Engine;

use crate::error::{Error, Result};
use crate::models::EncryptedContent;

/// The private key of an encryption certificate, for
/// [`NotificationsBuilder::decryption_key`](super::NotificationsBuilder::decryption_key).
/// Its `Debug` never shows the key.
#[derive(Clone)]
pub struct DecryptionKey {
    key: Arc<OaepPrivateDecryptingKey>,
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DecryptionKey(<redacted>)")
    }
}

impl DecryptionKey {
    /// An RSA private key (2048 to 8192 bits) in PKCS#8 DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<DecryptionKey> {
        let key = PrivateDecryptingKey::from_pkcs8(der)
            .map_err(|e| Error::Config(format!("not a PKCS#8 RSA private key: {e}")))?;
        let key = OaepPrivateDecryptingKey::new(key)
            .map_err(|_| Error::Config("the RSA key cannot decrypt with OAEP".into()))?;
        Ok(DecryptionKey { key: Arc::new(key) })
    }

    /// An RSA private key in PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// ```
    /// # fn run() -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::notifications::DecryptionKey;
    /// let pem = std::fs::read_to_string("tests/fixtures/notifications/key.pem").unwrap();
    /// let key = DecryptionKey::from_pkcs8_pem(&pem)?;
    /// assert_eq!(format!("{key:?}"), "DecryptionKey(<redacted>)");
    /// # Ok(()) }
    /// # run().unwrap();
    /// ```
    pub fn from_pkcs8_pem(pem: &str) -> Result<DecryptionKey> {
        let (_, der) = crate::pem::pem_block(pem.as_bytes(), "decryption key", &["PRIVATE KEY"])?;
        DecryptionKey::from_pkcs8_der(&der)
    }
}

/// Why resource data was not decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecryptError {
    /// A field is not base64.
    Encoding,
    /// The data key does not decrypt with our key (not for us, or altered).
    DataKey,
    /// `dataSignature` does not match `data`: altered in transit.
    Signature,
    /// The AES decryption or its padding failed.
    Cipher,
    /// The plaintext is not JSON.
    NotJson,
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecryptError::Encoding => "a field of encryptedContent is not base64",
            DecryptError::DataKey => "dataKey does not decrypt with the certificate's key",
            DecryptError::Signature => "dataSignature does not match data (tampered)",
            DecryptError::Cipher => "data does not decrypt",
            DecryptError::NotJson => "the decrypted data is not JSON",
        })
    }
}

/// The resource carried by `content`, decrypted with `key`.
pub(crate) fn decrypt(
    key: &DecryptionKey,
    content: &EncryptedContent,
) -> Result<serde_json::Value, DecryptError> {
    let b64 = |s: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|_| DecryptError::Encoding)
    };
    let data_key = b64(&content.data_key)?;
    let mut data = b64(&content.data)?;
    let signature = b64(&content.data_signature)?;

    let mut out = vec![0u8; key.key.min_output_size()];
    let aes_key = key
        .key
        .decrypt(&OAEP_SHA1_MGF1SHA1, &data_key, &mut out, None)
        .map_err(|_| DecryptError::DataKey)?;
    if aes_key.len() != AES_256_KEY_LEN {
        return Err(DecryptError::DataKey);
    }

    // Checked before decrypting: nothing altered is ever fed to the cipher.
    let mac_key = hmac::Key::new(hmac::HMAC_SHA256, aes_key);
    hmac::verify(&mac_key, &data, &signature).map_err(|_| DecryptError::Signature)?;

    let mut iv = [0u8; 16];
    iv.copy_from_slice(&aes_key[..16]);
    let cipher = UnboundCipherKey::new(&AES_256, aes_key)
        .and_then(PaddedBlockDecryptingKey::cbc_pkcs7)
        .map_err(|_| DecryptError::Cipher)?;
    let plain = cipher
        .decrypt(&mut data, DecryptionContext::Iv128(FixedLength::from(iv)))
        .map_err(|_| DecryptError::Cipher)?;
    serde_json::from_slice(plain).map_err(|_| DecryptError::NotJson)
}
