//! Delegated scopes: Graph permission names made into full scope strings for one cloud.

use crate::cloud::Cloud;

/// The OpenID Connect scopes, which belong to no resource and are sent as they are.
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// Full scope strings for a delegated sign-in in `cloud` (GRAPH-FACTS §12.3, §13).
///
/// - A Graph permission name (`Mail.Send`, `Calendars.ReadWrite`, `Mail.Send.Shared`) becomes
///   a scope of the cloud's Graph resource: `https://graph.microsoft.com/Mail.Send` in the
///   global cloud, `https://graph.microsoft.us/Mail.Send` in GCC High, and so on. The
///   resource is the cloud's Graph root, so tokens are issued for the Graph that is called.
/// - `.default` becomes `{Graph root}/.default`.
/// - Full scopes (`https://…/Mail.Send`, `api://…/access`, `{app id}/scope`) and the OpenID
///   Connect scopes (`openid`, `profile`, `email`, `offline_access`) are kept as they are.
/// - `offline_access` is added when `offline_access` is true: without it the identity
///   platform issues no refresh token, and the user must sign in again within an hour.
/// - Empty entries are dropped, and so are duplicates (compared without case, as the identity
///   platform does); the first spelling and the order are kept.
///
/// ```
/// use msgraph_outlook::auth::delegated_scopes;
/// use msgraph_outlook::Cloud;
///
/// let scopes = delegated_scopes(&Cloud::Global, ["Mail.Send", "Mail.Send.Shared", "openid"], true);
/// assert_eq!(
///     scopes,
///     [
///         "https://graph.microsoft.com/Mail.Send",
///         "https://graph.microsoft.com/Mail.Send.Shared",
///         "openid",
///         "offline_access",
///     ]
/// );
///
/// let gov = delegated_scopes(&Cloud::UsGovL4, ["Calendars.ReadWrite", "calendars.readwrite"], false);
/// assert_eq!(gov, ["https://graph.microsoft.us/Calendars.ReadWrite"]);
/// ```
pub fn delegated_scopes<I, S>(cloud: &Cloud, permissions: I, offline_access: bool) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let resource = cloud.graph_root();
    let mut scopes: Vec<String> = Vec::new();
    let mut push = |scope: String| {
        if !scopes.iter().any(|s| s.eq_ignore_ascii_case(&scope)) {
            scopes.push(scope);
        }
    };
    for permission in permissions {
        let permission = permission.as_ref().trim();
        if permission.is_empty() {
            continue;
        }
        if let Some(oidc) = OIDC_SCOPES
            .iter()
            .find(|s| s.eq_ignore_ascii_case(permission))
        {
            push((*oidc).to_string());
        } else if permission.contains('/') || permission.contains(':') {
            // Already names its resource: a URI, or `{application id}/{scope}`.
            push(permission.to_string());
        } else {
            push(format!("{resource}/{permission}"));
        }
    }
    if offline_access {
        push("offline_access".to_string());
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cloud_gets_its_own_graph_resource() {
        for (cloud, root) in [
            (Cloud::Global, "https://graph.microsoft.com"),
            (Cloud::UsGovL4, "https://graph.microsoft.us"),
            (Cloud::UsGovL5Dod, "https://dod-graph.microsoft.us"),
            (Cloud::China, "https://microsoftgraph.chinacloudapi.cn"),
        ] {
            assert_eq!(
                delegated_scopes(&cloud, ["Mail.Send", ".default"], false),
                [format!("{root}/Mail.Send"), format!("{root}/.default")]
            );
        }
    }

    #[test]
    fn full_and_oidc_scopes_are_kept_and_nothing_is_repeated() {
        let scopes = delegated_scopes(
            &Cloud::Global,
            [
                "https://graph.microsoft.com/Mail.Send",
                "Mail.Send",
                " ",
                "OpenID",
                "profile",
                "offline_access",
                "api://contoso-api/access",
                "00000003-0000-0000-c000-000000000000/Mail.Read",
            ],
            true,
        );
        assert_eq!(
            scopes,
            [
                "https://graph.microsoft.com/Mail.Send",
                "openid",
                "profile",
                "offline_access",
                "api://contoso-api/access",
                "00000003-0000-0000-c000-000000000000/Mail.Read",
            ]
        );
    }
}
