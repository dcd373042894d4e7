//! Rich-notification helpers shared by the tests: the fixture certificate and key,
//! decrypting `encryptedContent` as a receiver must (GRAPH-FACTS-2 §4.4) and verifying
//! `validationTokens` against a JWKS.

use aws_lc_rs::cipher::{DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey, AES_256};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{OaepPrivateDecryptingKey, PrivateDecryptingKey, OAEP_SHA1_MGF1SHA1};
use aws_lc_rs::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::Value;

pub const CERT_PEM: &str = include_str!("../../../tests/fixtures/notifications/cert.pem");
pub const KEY_PEM: &str = include_str!("../../../tests/fixtures/notifications/key.pem");
/// `openssl x509 -in cert.pem -noout -fingerprint -sha1`, colons removed.
pub const CERT_THUMBPRINT: &str = "151ADB204ECCC2D9523E921A60F0EDACB22F0F5E";
pub const PUBLISHER: &str = "0bf30f3b-4a52-48df-9a82-234910c4a086";

/// The base64 between a PEM file's armour lines.
pub fn pem_base64(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// Decrypts `encryptedContent` as a receiver must: RSA-OAEP-SHA1 → 32-byte key, HMAC
/// check over the data bytes, AES-256-CBC with IV = key[0..16]. `Err` names the
/// failing step.
pub fn decrypt(content: &Value) -> Result<Value, &'static str> {
    let b64 = |name: &str| STANDARD.decode(content[name].as_str().unwrap()).unwrap();
    let private =
        PrivateDecryptingKey::from_pkcs8(&STANDARD.decode(pem_base64(KEY_PEM)).unwrap()).unwrap();
    let oaep = OaepPrivateDecryptingKey::new(private).unwrap();
    let mut out = vec![0u8; oaep.min_output_size()];
    let key = oaep
        .decrypt(&OAEP_SHA1_MGF1SHA1, &b64("dataKey"), &mut out, None)
        .map_err(|_| "dataKey")?
        .to_vec();
    assert_eq!(key.len(), 32);
    let mut data = b64("data");
    hmac::verify(
        &hmac::Key::new(hmac::HMAC_SHA256, &key),
        &data,
        &b64("dataSignature"),
    )
    .map_err(|_| "dataSignature")?;
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&key[..16]);
    let aes = PaddedBlockDecryptingKey::cbc_pkcs7(UnboundCipherKey::new(&AES_256, &key).unwrap())
        .unwrap();
    let plain = aes
        .decrypt(&mut data, DecryptionContext::Iv128(FixedLength::from(iv)))
        .map_err(|_| "data")?;
    serde_json::from_slice(plain).map_err(|_| "json")
}

/// Verifies `token`'s RS256 signature with the key of its `kid` in `jwks`; returns
/// (header, claims), or `Err` when the `kid` is not in the set or the signature fails.
pub fn verify(token: &str, jwks: &Value) -> Result<(Value, Value), &'static str> {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let decode =
        |s: &str| -> Value { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap() };
    let (header, claims) = (decode(parts[0]), decode(parts[1]));
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .ok_or("unknown kid")?;
    let component = |name: &str| URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap();
    let (n, e) = (component("n"), component("e"));
    RsaPublicKeyComponents {
        n: &n[..],
        e: &e[..],
    }
    .verify(
        &RSA_PKCS1_2048_8192_SHA256,
        format!("{}.{}", parts[0], parts[1]).as_bytes(),
        &URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
    )
    .map_err(|_| "bad signature")?;
    Ok((header, claims))
}
