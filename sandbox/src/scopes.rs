//! The Microsoft Graph permissions the sandbox knows: delegated scopes (the `scp` of a
//! user token) and application roles (the `roles` of an app-only token), and how a
//! `scope` parameter of the identity platform maps to them.
//!
//! Names as in Microsoft's permissions reference
//! (<https://learn.microsoft.com/graph/permissions-reference>) and the "Permissions"
//! tables of the endpoint pages (e.g.
//! <https://learn.microsoft.com/graph/api/mailfolder-list-messages>, whose application
//! row lists `Mail.ReadBasic.All`). Which route needs which permission is decided in
//! one table, `routes::permissions_table`.

/// Delegated scopes of the mail, calendar and mailbox-settings APIs. By default the
/// sandbox app is granted (consented) all of them.
pub(crate) const DELEGATED: [&str; 15] = [
    "Mail.ReadBasic",
    "Mail.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "Mail.Read.Shared",
    "Mail.ReadWrite.Shared",
    "Mail.Send.Shared",
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "Calendars.ReadWrite.Shared",
    "MailboxSettings.Read",
    "MailboxSettings.ReadWrite",
    // Entra adds `User.Read` to every new app registration; no sandbox path needs it,
    // but a client asking for it gets it echoed like from Entra.
    "User.Read",
    // The least privileged delegated permission of `translateExchangeIds` (its docs
    // page, GRAPH-FACTS-2 §7.6); no other sandbox path accepts it.
    "User.ReadBasic.All",
];

/// Application roles of the mail, calendar and mailbox-settings APIs (no `.Shared`
/// variants exist for applications). By default the sandbox app holds all of them, so
/// zero-config examples keep working; `Sandbox::grant_app_roles` restricts them.
pub(crate) const APPLICATION: [&str; 9] = [
    "Mail.ReadBasic.All",
    "Mail.ReadBasic",
    "Mail.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "Calendars.Read",
    "Calendars.ReadWrite",
    "MailboxSettings.Read",
    "MailboxSettings.ReadWrite",
];

/// The OpenID Connect scopes: requested from the identity platform, but no Graph
/// permission (they never appear in `scp`).
const OIDC: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// Resources that stand for Microsoft Graph in a fully qualified scope
/// (`{resource}/Mail.Send`): the Graph roots of the national clouds (GRAPH-FACTS §13),
/// Graph's app id, and — since clients configured for the sandbox use its origin as
/// their Graph root — any loopback origin.
const GRAPH_RESOURCES: [&str; 5] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
    "00000003-0000-0000-c000-000000000000",
];

fn is_graph_resource(resource: &str) -> bool {
    let r = resource.trim_end_matches('/').to_ascii_lowercase();
    if GRAPH_RESOURCES.contains(&r.as_str()) {
        return true;
    }
    let host = r.strip_prefix("http://").unwrap_or("");
    let host = host.split_once(':').map_or(host, |(h, _)| h);
    ["127.0.0.1", "localhost"].contains(&host) || r.starts_with("http://[::1]")
}

/// The known name (as spelled in [`DELEGATED`] / [`APPLICATION`]) of a permission,
/// matched case-insensitively as Entra does; `None` for names the sandbox does not know.
pub(crate) fn canonical(name: &str) -> Option<&'static str> {
    DELEGATED
        .iter()
        .chain(APPLICATION.iter())
        .find(|p| p.eq_ignore_ascii_case(name))
        .copied()
}

/// The delegated Graph scopes a `scope` parameter asks for, each at most once, in
/// request order, limited to what the app was granted (`consented`):
///
/// * `Mail.Send` and `https://graph.microsoft.com/Mail.Send` (or another Graph
///   resource, see [`GRAPH_RESOURCES`]) both mean `Mail.Send`;
/// * `{Graph resource}/.default` means everything the app was granted;
/// * `openid`, `profile`, `email`, `offline_access`, scopes of other resources and
///   permissions the sandbox does not know are not Graph permissions of the token.
pub(crate) fn delegated_from_request(scopes: &[String], consented: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |p: &str| {
        if !out.iter().any(|o| o == p) {
            out.push(p.to_string());
        }
    };
    for scope in scopes {
        if OIDC.iter().any(|o| o.eq_ignore_ascii_case(scope)) {
            continue;
        }
        let name = match scope.rsplit_once('/') {
            Some((resource, name)) if is_graph_resource(resource) => name,
            Some(_) => continue,
            None => scope.as_str(),
        };
        if name == ".default" {
            consented.iter().for_each(|p| push(p));
            continue;
        }
        if let Some(p) = consented.iter().find(|p| p.eq_ignore_ascii_case(name)) {
            push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> Vec<String> {
        delegated_from_request(
            &s.split_whitespace().map(str::to_string).collect::<Vec<_>>(),
            &DELEGATED,
        )
    }

    #[test]
    fn short_and_qualified_scopes() {
        assert_eq!(
            req("https://graph.microsoft.com/Mail.Send mail.read offline_access openid"),
            ["Mail.Send", "Mail.Read"]
        );
        assert_eq!(
            req("http://127.0.0.1:8080/Calendars.ReadWrite Mail.Send Mail.Send"),
            ["Calendars.ReadWrite", "Mail.Send"]
        );
        assert_eq!(
            req("api://other/access Contacts.Read"),
            Vec::<String>::new()
        );
        assert_eq!(
            req("https://graph.microsoft.com/.default").len(),
            DELEGATED.len()
        );
        assert_eq!(
            canonical("mailboxsettings.read"),
            Some("MailboxSettings.Read")
        );
        assert_eq!(canonical("Mail.ReadBasic.All"), Some("Mail.ReadBasic.All"));
        assert_eq!(req("user.readbasic.all"), ["User.ReadBasic.All"]);
        assert_eq!(canonical("Files.Read"), None);
    }
}
