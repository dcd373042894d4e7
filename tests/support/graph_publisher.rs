//! Graph's side of rich notifications, for tests: resource data encrypted as Graph does
//! (GRAPH-FACTS-2 §4.4 in reverse), `validationTokens` signed with a test key, and the
//! login authority's OpenID configuration and JWKS on a mockito server.
#![allow(dead_code)] // each test file uses a different subset

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_lc_rs::cipher::{EncryptionContext, PaddedBlockEncryptingKey, UnboundCipherKey, AES_256};
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{
    KeyPair, KeySize, OaepPublicEncryptingKey, PrivateDecryptingKey, PublicKeyComponents,
    OAEP_SHA1_MGF1SHA1,
};
use aws_lc_rs::signature::KeyPair as _;
use aws_lc_rs::{hmac, rand, signature};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use bytes::Bytes;
use futures_util::Stream;
use mockito::{Mock, ServerGuard};
use serde_json::{json, Value};

/// Graph's change-notification publisher app id (`azp`/`appid`).
pub const PUBLISHER: &str = "0bf30f3b-4a52-48df-9a82-234910c4a086";
pub const APP_ID: &str = "11111111-2222-3333-4444-555555555555";
pub const TENANT: &str = "84bd8158-6d4d-4958-8b9f-9d6445542f95";
pub const SUBSCRIPTION: &str = "7f105c7d-2dc5-4530-97cd-4e7ae6534c07";
pub const CLIENT_STATE: &str = "secretClientValue-7d1f";
pub const CERT_ID: &str = "testCertificateId";

/// The fixture key (PKCS#8 PEM), whose certificate the subscription registered.
pub const KEY_PEM: &str = include_str!("../fixtures/notifications/key.pem");

pub fn pem_der(pem: &str) -> Vec<u8> {
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    STANDARD.decode(b64).unwrap()
}

/// `encryptedContent` for `resource`, encrypted to the fixture key as Graph does: a fresh
/// AES-256 key, AES-CBC/PKCS7 with IV = key[0..16], HMAC-SHA256 of the ciphertext, the key
/// RSA-OAEP-SHA1 encrypted.
pub fn encrypt(resource: &Value) -> Value {
    let private = PrivateDecryptingKey::from_pkcs8(&pem_der(KEY_PEM)).unwrap();
    let public = OaepPublicEncryptingKey::new(private.public_key()).unwrap();
    let mut key = [0u8; 32];
    rand::fill(&mut key).unwrap();
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&key[..16]);

    let cipher =
        PaddedBlockEncryptingKey::cbc_pkcs7(UnboundCipherKey::new(&AES_256, &key).unwrap())
            .unwrap();
    let mut data = serde_json::to_vec(resource).unwrap();
    cipher
        .less_safe_encrypt(&mut data, EncryptionContext::Iv128(FixedLength::from(iv)))
        .unwrap();
    let signature = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), &data);
    let mut data_key = vec![0u8; public.ciphertext_size()];
    let data_key = public
        .encrypt(&OAEP_SHA1_MGF1SHA1, &key, &mut data_key, None)
        .unwrap()
        .to_vec();
    json!({
        "data": STANDARD.encode(&data),
        "dataKey": STANDARD.encode(data_key),
        "dataSignature": STANDARD.encode(signature.as_ref()),
        "encryptionCertificateId": CERT_ID,
        "encryptionCertificateThumbprint": "07293748CC064953A3052FB978C735FB89E61C3D",
    })
}

/// A token-signing key of the test authority.
pub struct Signer {
    pub kid: String,
    key: KeyPair,
}

impl Signer {
    /// The fixture key, published as `kid`.
    pub fn fixture(kid: &str) -> Signer {
        Signer {
            kid: kid.to_string(),
            key: KeyPair::from_pkcs8(&pem_der(KEY_PEM)).unwrap(),
        }
    }

    /// A fresh RSA 2048 key, published as `kid`.
    pub fn generate(kid: &str) -> Signer {
        Signer {
            kid: kid.to_string(),
            key: KeyPair::generate(KeySize::Rsa2048).unwrap(),
        }
    }

    /// A signed RS256 JWT with `claims`, naming `kid` in its header.
    pub fn token_with_kid(&self, kid: &str, claims: &Value) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": kid});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut sig,
            )
            .unwrap();
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    pub fn token(&self, claims: &Value) -> String {
        self.token_with_kid(&self.kid, claims)
    }

    /// The key as a JWKS entry, shaped as Entra publishes them.
    pub fn jwk(&self) -> Value {
        let c = PublicKeyComponents::<Vec<u8>>::from(self.key.public_key());
        json!({"kty": "RSA", "use": "sig", "kid": self.kid, "n": URL_SAFE_NO_PAD.encode(c.n), "e": URL_SAFE_NO_PAD.encode(c.e)})
    }
}

/// The claims of Microsoft's current example token (v2: `azp`, issuer `{authority}/{tid}/v2.0`),
/// valid for an hour around `now`.
pub fn claims(authority: &str, now: i64) -> Value {
    json!({
        "aud": APP_ID,
        "iss": format!("{authority}/{TENANT}/v2.0"),
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
        "azp": PUBLISHER,
        "azpacr": "2",
        "tid": TENANT,
        "ver": "2.0",
    })
}

/// The authority's OpenID configuration and JWKS (serving `signers`) on `server`; each
/// expected to be fetched `fetches` times.
pub async fn authority(
    server: &mut ServerGuard,
    signers: &[&Signer],
    fetches: usize,
) -> (Mock, Mock) {
    let config = openid_configuration(server, fetches).await;
    let jwks = jwks(server, signers, fetches).await;
    (config, jwks)
}

/// The authority's OpenID configuration, expected to be fetched `fetches` times.
pub async fn openid_configuration(server: &mut ServerGuard, fetches: usize) -> Mock {
    server
        .mock("GET", "/common/v2.0/.well-known/openid-configuration")
        .with_header("content-type", "application/json")
        .with_body(
            json!({
                "issuer": format!("{}/{{tenantid}}/v2.0", server.url()),
                "jwks_uri": format!("{}/common/discovery/v2.0/keys", server.url()),
            })
            .to_string(),
        )
        .expect(fetches)
        .create_async()
        .await
}

pub async fn jwks(server: &mut ServerGuard, signers: &[&Signer], fetches: usize) -> Mock {
    let keys: Vec<Value> = signers.iter().map(|s| s.jwk()).collect();
    server
        .mock("GET", "/common/discovery/v2.0/keys")
        .with_header("content-type", "application/json")
        .with_body(json!({ "keys": keys }).to_string())
        .expect(fetches)
        .create_async()
        .await
}

/// One notification of the registered subscription, as Graph sends it.
pub fn notification(id: &str) -> Value {
    json!({
        "subscriptionId": SUBSCRIPTION,
        "subscriptionExpirationDateTime": "2026-12-14T09:00:00.0000000Z",
        "clientState": CLIENT_STATE,
        "changeType": "created",
        "resource": format!("Users/622eaaff-0683-4862-9de4-f2ec83c2bd98/Messages/{id}"),
        "tenantId": TENANT,
        "resourceData": {
            "@odata.type": "#Microsoft.Graph.Message",
            "@odata.id": format!("Users/622eaaff-0683-4862-9de4-f2ec83c2bd98/Messages/{id}"),
            "@odata.etag": "W/\"CQAAABYAAACQ2fKdhq8oSKEDSVrdi3lRAAGDUUXn\"",
            "id": id
        }
    })
}

/// A body of one chunk.
pub fn once(body: impl Into<Bytes>) -> impl Stream<Item = Result<Bytes, Infallible>> + Send {
    futures_util::stream::iter([Ok(body.into())])
}

/// A body of `total` bytes in `chunk`-byte pieces that counts what was pulled from it.
pub fn counted(
    total: usize,
    chunk: usize,
) -> (
    impl Stream<Item = Result<Bytes, Infallible>> + Send,
    Arc<AtomicUsize>,
) {
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let stream = futures_util::stream::unfold(0usize, move |sent| {
        let counter = counter.clone();
        async move {
            if sent >= total {
                return None;
            }
            let n = chunk.min(total - sent);
            counter.fetch_add(n, Ordering::SeqCst);
            Some((Ok(Bytes::from(vec![b' '; n])), sent + n))
        }
    });
    (stream, pulled)
}

/// Waits (at most 20 s) until `done` holds.
pub async fn until(mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
