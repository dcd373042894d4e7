//! Resource data encrypted to the subscriber's certificate, the reverse of Microsoft's
//! decryption steps (GRAPH-FACTS-2 §4.4; "Set up change notifications that include
//! resource data", learn.microsoft.com/graph/change-notifications-with-resource-data,
//! section "Decrypting resource data"):
//! a fresh 32-byte key per item; `data` = AES-256-CBC, PKCS7, IV = key[0..16];
//! `dataSignature` = HMAC-SHA256(key, data bytes); `dataKey` = the key under RSA-OAEP
//! with SHA-1 and MGF1-SHA1 (Microsoft's .NET SDK decrypts with `OaepSHA1`, the Java
//! sample with `RSA/ECB/OAEPWithSHA1AndMGF1Padding`).

use aws_lc_rs::cipher::{
    EncryptionContext, PaddedBlockEncryptingKey, UnboundCipherKey, AES_256, AES_256_KEY_LEN,
};
use aws_lc_rs::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY};
use aws_lc_rs::error::KeyRejected;
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{OaepPublicEncryptingKey, PublicEncryptingKey, OAEP_SHA1_MGF1SHA1};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use x509_cert::der::{Decode, Encode};

use crate::store::random_bytes;

/// Key sizes Graph accepts: "The key size must be between 2,048 bits and 4,096 bits"
/// (change-notifications-with-resource-data, "Managing encryption keys").
const MIN_BITS: usize = 2048;
const MAX_BITS: usize = 4096;

/// A subscriber's `encryptionCertificate`, decoded.
struct Certificate {
    /// The certificate's DER bytes (its SHA-1 is the thumbprint).
    der: Vec<u8>,
    /// Its RSA public key, ready for OAEP.
    key: OaepPublicEncryptingKey,
}

/// Checks an `encryptionCertificate` the way Graph's 400 needs it: base64 of an X.509
/// certificate in DER (what Microsoft's SDKs send: Java `getEncoded()`, .NET
/// `Export(X509ContentType.Cert)`), holding an RSA key of 2,048–4,096 bits. PEM armour
/// (`-----BEGIN CERTIFICATE-----`) is refused: whether Graph accepts it is
/// \[unconfirmed\] (GRAPH-FACTS-2 §4.1), and refusing keeps code that passes here on
/// the form known to work. `Err` holds the message for Graph's 400; Graph's own
/// wording for these refusals is \[unconfirmed\].
pub(crate) fn check_certificate(certificate: &str) -> Result<(), String> {
    parse(certificate).map(|_| ())
}

fn parse(certificate: &str) -> Result<Certificate, String> {
    if certificate.trim_start().starts_with("-----BEGIN") {
        return Err("encryptionCertificate must be the base64-encoded DER X.509 certificate without PEM armour (no -----BEGIN CERTIFICATE----- lines).".into());
    }
    let der = STANDARD
        .decode(certificate.trim())
        .map_err(|_| "encryptionCertificate is not valid base64.".to_string())?;
    let parsed = x509_cert::Certificate::from_der(&der)
        .map_err(|_| "encryptionCertificate is not a DER-encoded X.509 certificate.".to_string())?;
    let spki = parsed
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|_| "encryptionCertificate has an unreadable public key.".to_string())?;
    let key = PublicEncryptingKey::from_der(&spki).map_err(|e| key_refusal(&e))?;
    let bits = key.key_size_bits();
    if !(MIN_BITS..=MAX_BITS).contains(&bits) {
        return Err(size_refusal(bits));
    }
    let key = OaepPublicEncryptingKey::new(key).map_err(|_| key_refusal_text())?;
    Ok(Certificate { der, key })
}

fn size_refusal(bits: usize) -> String {
    format!("The encryptionCertificate key size is {bits} bits; it must be between {MIN_BITS} and {MAX_BITS} bits.")
}

fn key_refusal(e: &KeyRejected) -> String {
    // aws-lc-rs names the size problems; anything else is a key that is not RSA.
    match e.description_() {
        "TooSmall" => format!("The encryptionCertificate key is smaller than {MIN_BITS} bits; it must be between {MIN_BITS} and {MAX_BITS} bits."),
        "TooLarge" => format!("The encryptionCertificate key is larger than {MAX_BITS} bits; it must be between {MIN_BITS} and {MAX_BITS} bits."),
        _ => key_refusal_text(),
    }
}

fn key_refusal_text() -> String {
    "The encryptionCertificate key must be of type RSA.".into()
}

/// Uppercase hex SHA-1 of the certificate's DER bytes, as in
/// `encryptionCertificateThumbprint` ("07293748CC064953A3052FB978C735FB89E61C3D" in the
/// docs' example).
fn thumbprint(der: &[u8]) -> String {
    digest(&SHA1_FOR_LEGACY_USE_ONLY, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// `encryptedContent` for `resource` (already the `$select`ed properties with their
/// type annotations, see [`super::annotate`]), encrypted to `certificate`:
/// `{data, dataKey, dataSignature, encryptionCertificateId,
/// encryptionCertificateThumbprint}` (all five non-nullable strings in the v1.0 CSDL).
pub(crate) fn encrypted_content(
    certificate: &str,
    certificate_id: &str,
    resource: &Value,
) -> Result<Value, String> {
    let certificate = parse(certificate)?;
    // "Always assume that the symmetric key is different for each item".
    let key = random_bytes(AES_256_KEY_LEN);
    let data = aes_cbc(&key, resource.to_string().as_bytes());
    let signature = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), &data);
    let mut data_key = vec![0u8; certificate.key.ciphertext_size()];
    let data_key = certificate
        .key
        .encrypt(&OAEP_SHA1_MGF1SHA1, &key, &mut data_key, None)
        .map_err(|_| "RSA-OAEP encryption to the encryptionCertificate failed.".to_string())?;
    Ok(json!({
        "data": STANDARD.encode(&data),
        "dataKey": STANDARD.encode(data_key),
        "dataSignature": STANDARD.encode(signature.as_ref()),
        "encryptionCertificateId": certificate_id,
        "encryptionCertificateThumbprint": thumbprint(&certificate.der),
    }))
}

/// AES-256-CBC with PKCS7 padding and IV = the key's first 16 bytes (Microsoft's
/// choice, not a general practice: the key is never reused).
fn aes_cbc(key: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&key[..16]);
    let cipher = UnboundCipherKey::new(&AES_256, key)
        .and_then(PaddedBlockEncryptingKey::cbc_pkcs7)
        .expect("AES-256 with a 32-byte key");
    let mut buf = plaintext.to_vec();
    cipher
        .less_safe_encrypt(&mut buf, EncryptionContext::Iv128(FixedLength::from(iv)))
        .expect("AES-CBC encryption with a 16-byte IV");
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT_PEM: &str = include_str!("../../../tests/fixtures/notifications/cert.pem");

    /// The fixture certificate as Graph wants it: base64 DER, no armour.
    pub(crate) fn fixture_certificate() -> String {
        CERT_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>()
    }

    #[test]
    fn accepts_the_fixture_and_refuses_pem_and_garbage() {
        assert_eq!(check_certificate(&fixture_certificate()), Ok(()));
        assert_eq!(
            check_certificate(CERT_PEM),
            Err("encryptionCertificate must be the base64-encoded DER X.509 certificate without PEM armour (no -----BEGIN CERTIFICATE----- lines).".into())
        );
        assert_eq!(
            check_certificate("not base64!"),
            Err("encryptionCertificate is not valid base64.".into())
        );
        assert_eq!(
            check_certificate("AAAA"),
            Err("encryptionCertificate is not a DER-encoded X.509 certificate.".into())
        );
    }

    #[test]
    fn thumbprint_is_uppercase_hex_sha1() {
        assert_eq!(
            thumbprint(b"abc"),
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        );
    }

    #[test]
    fn every_item_gets_its_own_key() {
        let resource = json!({"subject": "same"});
        let a = encrypted_content(&fixture_certificate(), "c1", &resource).unwrap();
        let b = encrypted_content(&fixture_certificate(), "c1", &resource).unwrap();
        assert_ne!(a["data"], b["data"]);
        assert_ne!(a["dataKey"], b["dataKey"]);
    }
}
