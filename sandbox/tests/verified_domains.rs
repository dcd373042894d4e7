//! `calendarPermission.isInsideOrganization` follows the tenant's verified domains
//! (`Sandbox::set_verified_domains`; default: the domains of the sandbox's users), not
//! whether the address is a sandbox user; `allowedRoles` follows it.

mod common;

use common::*;
use serde_json::{json, Value};

const INSIDE_ROLES: [&str; 6] = [
    "freeBusyRead",
    "limitedRead",
    "read",
    "write",
    "delegateWithoutPrivateEventAccess",
    "delegateWithPrivateEventAccess",
];
const OUTSIDE_ROLES: [&str; 3] = ["freeBusyRead", "limitedRead", "read"];

async fn share(
    sb: &msgraph_outlook_sandbox::Sandbox,
    client: &reqwest::Client,
    address: &str,
    role: &str,
) -> (u16, Value) {
    let token = sb.delegated_token("adele@contoso.com");
    let resp = post_json(
        client,
        &format!("{}/me/calendar/calendarPermissions", sb.base_url()),
        &token,
        &json!({"emailAddress": {"address": address}, "role": role}),
    )
    .await;
    status_json(resp).await
}

async fn listed(sb: &msgraph_outlook_sandbox::Sandbox, client: &reqwest::Client) -> Vec<Value> {
    let token = sb.delegated_token("adele@contoso.com");
    let (status, body) = get_json(
        client,
        &format!("{}/me/calendar/calendarPermissions", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    values(&body)
}

#[tokio::test]
async fn by_default_the_users_domains_are_inside() {
    let (sb, client) = setup().await;
    // Not a sandbox user, but in contoso.com, the users' domain.
    let (status, p) = share(&sb, &client, "nobody.yet@contoso.com", "write").await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["isInsideOrganization"], true);
    assert_eq!(p["allowedRoles"], json!(INSIDE_ROLES));
    // Another domain is outside: a write role is refused, read is allowed.
    let (status, err) = share(&sb, &client, "someone@fabrikam.com", "write").await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "ErrorInvalidParameter");
    let (status, p) = share(&sb, &client, "someone@fabrikam.com", "read").await;
    assert_eq!(status, 200);
    assert_eq!(p["isInsideOrganization"], false);
    assert_eq!(p["allowedRoles"], json!(OUTSIDE_ROLES));
    let list = listed(&sb, &client).await;
    let inside: Vec<(&str, bool)> = list
        .iter()
        .filter_map(|p| {
            Some((
                p["emailAddress"]["address"].as_str()?,
                p["isInsideOrganization"].as_bool()?,
            ))
        })
        .collect();
    assert_eq!(
        inside,
        [
            ("nobody.yet@contoso.com", true),
            ("someone@fabrikam.com", false)
        ]
    );
}

#[tokio::test]
async fn configured_verified_domains_decide() {
    let (sb, client) = setup().await;
    sb.set_verified_domains(&["Fabrikam.com", "contoso.onmicrosoft.com"]);
    // A verified domain without any sandbox user is inside (case-insensitive).
    let (status, p) = share(
        &sb,
        &client,
        "ops@FABRIKAM.com",
        "delegateWithPrivateEventAccess",
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["isInsideOrganization"], true);
    assert_eq!(p["allowedRoles"], json!(INSIDE_ROLES));
    let (_, p) = share(&sb, &client, "x@contoso.onmicrosoft.com", "read").await;
    assert_eq!(p["isInsideOrganization"], true);
    // contoso.com is no longer verified: even a sandbox user there is outside.
    let (status, p) = share(&sb, &client, "alex@contoso.com", "read").await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["isInsideOrganization"], false);
    assert_eq!(p["allowedRoles"], json!(OUTSIDE_ROLES));
    let list = listed(&sb, &client).await;
    assert_eq!(list.len(), 4, "three sharees and My Organization");
    assert_eq!(list[2]["isInsideOrganization"], false);
}
