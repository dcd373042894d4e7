//! Rich notifications: resource data encrypted to a certificate (decrypted here with
//! the fixture's private key, the steps of GRAPH-FACTS-2 §4.4), `validationTokens`
//! verified against the sandbox's JWKS, and the identity platform's discovery routes.

mod common;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use common::rich::{decrypt, pem_base64, verify, CERT_PEM, CERT_THUMBPRINT, PUBLISHER};
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

async fn get(url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("GET sent")
}

async fn get_json(url: &str) -> (u16, Value) {
    let resp = get(url).await;
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

#[tokio::test]
async fn encrypted_content_decrypts_with_the_certificates_private_key() {
    let sb = Sandbox::start().await.unwrap();
    let resource = json!({
        "receivedDateTime@odata.type": "#DateTimeOffset",
        "receivedDateTime": "2026-12-07T09:00:00Z",
        "subject": "Quarterly numbers \u{2014} ünïcode",
        "importance@odata.type": "#microsoft.graph.importance",
        "importance": "normal",
    });
    let content = sb
        .encrypted_content(&pem_base64(CERT_PEM), "cert-2026", &resource)
        .unwrap();
    let members: Vec<&str> = content
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        members,
        [
            "data",
            "dataKey",
            "dataSignature",
            "encryptionCertificateId",
            "encryptionCertificateThumbprint"
        ]
    );
    assert_eq!(content["encryptionCertificateId"], "cert-2026");
    assert_eq!(content["encryptionCertificateThumbprint"], CERT_THUMBPRINT);
    // RSA 2048 → 256-byte dataKey; HMAC-SHA256 → 32-byte signature.
    assert_eq!(
        STANDARD
            .decode(content["dataKey"].as_str().unwrap())
            .unwrap()
            .len(),
        256
    );
    assert_eq!(
        STANDARD
            .decode(content["dataSignature"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    assert_eq!(decrypt(&content), Ok(resource.clone()));

    // A flipped bit in data fails the HMAC check before any decryption.
    let mut data = STANDARD.decode(content["data"].as_str().unwrap()).unwrap();
    data[0] ^= 1;
    let mut tampered = content.clone();
    tampered["data"] = json!(STANDARD.encode(&data));
    assert_eq!(decrypt(&tampered), Err("dataSignature"));
}

#[tokio::test]
async fn certificates_graph_refuses() {
    let sb = Sandbox::start().await.unwrap();
    let resource = json!({"subject": "x"});
    let refuse = |cert: &str| sb.encrypted_content(cert, "id", &resource).unwrap_err();
    assert_eq!(
        refuse(CERT_PEM),
        "encryptionCertificate must be the base64-encoded DER X.509 certificate without PEM armour (no -----BEGIN CERTIFICATE----- lines)."
    );
    assert_eq!(refuse("%%%"), "encryptionCertificate is not valid base64.");
    assert_eq!(
        refuse(&STANDARD.encode(b"not a certificate")),
        "encryptionCertificate is not a DER-encoded X.509 certificate."
    );
    assert_eq!(
        refuse(include_str!("fixtures/rich/rsa1024-cert.b64")),
        "The encryptionCertificate key is smaller than 2048 bits; it must be between 2048 and 4096 bits."
    );
    assert_eq!(
        refuse(include_str!("fixtures/rich/rsa4160-cert.b64")),
        "The encryptionCertificate key size is 4160 bits; it must be between 2048 and 4096 bits."
    );
    assert_eq!(
        refuse(include_str!("fixtures/rich/ec-p256-cert.b64")),
        "The encryptionCertificate key must be of type RSA."
    );
}

#[tokio::test]
async fn openid_configuration_v2_and_v1() {
    let sb = Sandbox::start().await.unwrap();
    let origin = sb.authority_url();
    let tid = sb.tenant_id();
    assert_eq!(
        sb.openid_configuration_url(),
        format!("{origin}/common/v2.0/.well-known/openid-configuration")
    );

    let v2 = |segment: &str, issuer_tid: &str| {
        json!({
            "token_endpoint": format!("{origin}/{segment}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{origin}/{segment}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{origin}/{issuer_tid}/v2.0"),
            "request_uri_parameter_supported": false,
            "authorization_endpoint": format!("{origin}/{segment}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{origin}/{segment}/oauth2/v2.0/devicecode"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "ver", "azp", "azpacr", "oid"],
            "tenant_region_scope": null,
            "cloud_instance_name": "microsoftonline.com",
        })
    };
    let resp = get(&sb.openid_configuration_url()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(resp.headers()["cache-control"], "max-age=86400, private");
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        v2("common", "{tenantid}")
    );
    assert_eq!(
        get_json(&format!(
            "{origin}/organizations/v2.0/.well-known/openid-configuration"
        ))
        .await,
        (200, v2("organizations", "{tenantid}"))
    );
    // A tenant asked by id or by a user's domain lists its endpoints under the id.
    sb.add_user("adele@contoso.com");
    for tenant in [tid.as_str(), "contoso.com"] {
        assert_eq!(
            get_json(&format!(
                "{origin}/{tenant}/v2.0/.well-known/openid-configuration"
            ))
            .await,
            (200, v2(&tid, &tid))
        );
    }

    // The v1.0 document (the URL the change-notification page names).
    assert_eq!(
        get_json(&format!("{origin}/common/.well-known/openid-configuration")).await,
        (
            200,
            json!({
                "token_endpoint": format!("{origin}/common/oauth2/token"),
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "jwks_uri": format!("{origin}/common/discovery/keys"),
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
                "scopes_supported": ["openid"],
                "issuer": "https://sts.windows.net/{tenantid}/",
                "authorization_endpoint": format!("{origin}/common/oauth2/authorize"),
                "tenant_region_scope": null,
                "cloud_instance_name": "microsoftonline.com",
            })
        )
    );
}

/// The one key of a key set, its modulus checked and left out for comparison.
fn only_key(jwks: &Value) -> Value {
    let keys = jwks["keys"].as_array().expect("keys array");
    assert_eq!(keys.len(), 1, "{jwks}");
    let mut key = keys[0].clone();
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    assert_eq!(n.len(), 256, "RSA 2048 modulus");
    assert!(n[0] & 0x80 != 0, "no leading zero byte");
    key.as_object_mut().unwrap().remove("n");
    key
}

#[tokio::test]
async fn jwks_routes_serve_the_signing_key() {
    let sb = Sandbox::start().await.unwrap();
    let origin = sb.authority_url();
    let tid = sb.tenant_id();
    let kid = sb.signing_key_id();
    assert_eq!(kid.len(), 27);
    assert_eq!(
        sb.jwks_url(),
        format!("{origin}/common/discovery/v2.0/keys")
    );

    let resp = get(&sb.jwks_url()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(resp.headers()["cache-control"], "max-age=86400, private");
    let common = resp.json::<Value>().await.unwrap();
    assert_eq!(
        only_key(&common),
        json!({"kty": "RSA", "use": "sig", "kid": kid, "e": "AQAB",
               "issuer": format!("{origin}/{{tenantid}}/v2.0")})
    );
    let (status, by_tenant) = get_json(&format!("{origin}/{tid}/discovery/v2.0/keys")).await;
    assert_eq!(status, 200);
    assert_eq!(
        only_key(&by_tenant),
        json!({"kty": "RSA", "use": "sig", "kid": kid, "e": "AQAB",
               "issuer": format!("{origin}/{tid}/v2.0")})
    );
    let (status, v1) = get_json(&format!("{origin}/common/discovery/keys")).await;
    assert_eq!(status, 200);
    assert_eq!(
        only_key(&v1),
        json!({"kty": "RSA", "use": "sig", "kid": kid, "e": "AQAB"})
    );
    // The same key everywhere.
    assert_eq!(common["keys"][0]["n"], by_tenant["keys"][0]["n"]);
    assert_eq!(common["keys"][0]["n"], v1["keys"][0]["n"]);
}

#[tokio::test]
async fn validation_token_verifies_against_the_jwks() {
    let sb = Sandbox::start().await.unwrap();
    let app_id = "8e460676-ae3f-4b1e-8790-ee0fb5d6148f";
    let before = sb.now().timestamp();
    let token = sb.validation_token(app_id);
    let after = sb.now().timestamp();
    let (_, jwks) = get_json(&sb.jwks_url()).await;
    let (header, claims) = verify(&token, &jwks).unwrap();
    assert_eq!(
        header,
        json!({"typ": "JWT", "alg": "RS256", "kid": sb.signing_key_id()})
    );

    let iat = claims["iat"].as_i64().unwrap();
    assert!(
        (before..=after).contains(&iat),
        "iat {iat} on the sandbox clock"
    );
    let mut fixed = claims.clone();
    let fixed = fixed.as_object_mut().unwrap();
    // Opaque values, shaped like the docs' example.
    let aio = fixed.remove("aio").unwrap();
    assert_eq!(STANDARD.decode(aio.as_str().unwrap()).unwrap().len(), 25);
    let uti = fixed.remove("uti").unwrap();
    assert_eq!(
        URL_SAFE_NO_PAD.decode(uti.as_str().unwrap()).unwrap().len(),
        16
    );
    let rh = fixed.remove("rh").unwrap();
    let rh = rh.as_str().unwrap();
    assert!(rh.starts_with("0.") && rh.ends_with('.'), "{rh}");
    assert_eq!(
        Value::Object(fixed.clone()),
        json!({
            "aud": app_id,
            "iss": format!("{}/{}/v2.0", sb.authority_url(), sb.tenant_id()),
            "iat": iat,
            "nbf": iat,
            "exp": iat + 86_700,
            "azp": PUBLISHER,
            "azpacr": "2",
            "oid": "6c3d2f0e-8a41-4b7c-9e15-2d7f0a9b4c63",
            "sub": "6c3d2f0e-8a41-4b7c-9e15-2d7f0a9b4c63",
            "tid": sb.tenant_id(),
            "ver": "2.0",
        })
    );

    // The signature covers the claims: another audience does not verify.
    let parts: Vec<&str> = token.split('.').collect();
    let mut forged_claims = claims.clone();
    forged_claims["aud"] = json!("00000000-0000-0000-0000-000000000000");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(forged_claims.to_string()),
        parts[2]
    );
    assert_eq!(verify(&forged, &jwks).unwrap_err(), "bad signature");
}

#[tokio::test]
async fn rotation_drops_the_old_key() {
    let sb = Sandbox::start().await.unwrap();
    let old_token = sb.validation_token("app");
    let (_, old_jwks) = get_json(&sb.jwks_url()).await;
    let old_kid = sb.signing_key_id();

    let new_kid = sb.rotate_signing_key();
    assert_ne!(new_kid, old_kid);
    assert_eq!(sb.signing_key_id(), new_kid);
    let (_, new_jwks) = get_json(&sb.jwks_url()).await;
    assert_eq!(only_key(&new_jwks)["kid"], json!(new_kid));
    assert_ne!(new_jwks["keys"][0]["n"], old_jwks["keys"][0]["n"]);

    let new_token = sb.validation_token("app");
    // A receiver holding the old set meets an unknown kid and must refetch.
    assert_eq!(verify(&new_token, &old_jwks).unwrap_err(), "unknown kid");
    assert!(verify(&new_token, &new_jwks).is_ok());
    assert_eq!(verify(&old_token, &new_jwks).unwrap_err(), "unknown kid");
}

#[tokio::test]
async fn unknown_tenant_and_other_verbs() {
    let sb = Sandbox::start().await.unwrap();
    let origin = sb.authority_url();
    let (status, body) = get_json(&format!("{origin}/nowhere.example/discovery/v2.0/keys")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["error_codes"], json!([90002]));
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS90002: Tenant 'nowhere.example' not found."));

    let resp = reqwest::Client::new()
        .post(sb.jwks_url())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.headers()["allow"], "GET, HEAD");
}
