//! National clouds: one value gives the Graph root, the login authority and the `.default` scope.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::error::{Error, Result};

/// Where Graph and the identity platform live (GRAPH-FACTS §13).
///
/// | Cloud | Graph root | Authority |
/// |---|---|---|
/// | [`Cloud::Global`] | `https://graph.microsoft.com` | `https://login.microsoftonline.com` |
/// | [`Cloud::UsGovL4`] (GCC High) | `https://graph.microsoft.us` | `https://login.microsoftonline.us` |
/// | [`Cloud::UsGovL5Dod`] | `https://dod-graph.microsoft.us` | `https://login.microsoftonline.us` |
/// | [`Cloud::China`] (21Vianet) | `https://microsoftgraph.chinacloudapi.cn` | `https://login.chinacloudapi.cn` |
///
/// GCC (moderate) tenants use [`Cloud::Global`]. Tokens are not interchangeable between clouds.
///
/// ```
/// use msgraph_outlook::Cloud;
/// let cloud: Cloud = "usgov-dod".parse().unwrap();
/// assert_eq!(cloud.graph_base_url(), "https://dod-graph.microsoft.us/v1.0");
/// assert_eq!(cloud.default_scope(), "https://dod-graph.microsoft.us/.default");
/// assert_eq!(
///     cloud.token_url("contoso.onmicrosoft.com"),
///     "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Cloud {
    /// The global service.
    #[default]
    Global,
    /// US Government L4 (GCC High).
    UsGovL4,
    /// US Government L5 (DoD).
    UsGovL5Dod,
    /// China, operated by 21Vianet.
    China,
    /// Any other Graph root and authority: a proxy, a local stand-in, a test server.
    Custom(CustomCloud),
}

/// A Graph root and login authority of your choosing; build it with [`Cloud::custom`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomCloud {
    graph_root: String,
    authority: String,
}

impl Cloud {
    /// A custom cloud from a Graph root (`https://graph.example`, without `/v1.0`) and an
    /// authority (`https://login.example`). Both must be absolute http(s) URLs; a trailing
    /// slash is ignored. Plain `http` is allowed only for loopback hosts.
    ///
    /// ```
    /// use msgraph_outlook::Cloud;
    /// let cloud = Cloud::custom("http://127.0.0.1:8080", "http://127.0.0.1:8080").unwrap();
    /// assert_eq!(cloud.graph_base_url(), "http://127.0.0.1:8080/v1.0");
    /// assert!(Cloud::custom("http://graph.example", "https://login.example").is_err());
    /// ```
    pub fn custom(graph_root: &str, authority: &str) -> Result<Cloud> {
        Ok(Cloud::Custom(CustomCloud {
            graph_root: checked_root(graph_root, "Graph root")?,
            authority: checked_root(authority, "authority")?,
        }))
    }

    /// A custom cloud from a Graph *base* URL that ends in `/v1.0` (as in `GRAPH_BASE_URL`).
    ///
    /// ```
    /// use msgraph_outlook::Cloud;
    /// let cloud = Cloud::from_base_url("http://127.0.0.1:9/v1.0/", "http://127.0.0.1:9").unwrap();
    /// assert_eq!(cloud.graph_root(), "http://127.0.0.1:9");
    /// assert!(Cloud::from_base_url("http://127.0.0.1:9/beta", "http://127.0.0.1:9").is_err());
    /// ```
    pub fn from_base_url(graph_base_url: &str, authority: &str) -> Result<Cloud> {
        let trimmed = graph_base_url.trim_end_matches('/');
        let root = trimmed.strip_suffix("/v1.0").ok_or_else(|| {
            Error::Config(format!(
                "Graph base URL {trimmed:?} must end in /v1.0 (this crate speaks Graph v1.0)"
            ))
        })?;
        Cloud::custom(root, authority)
    }

    /// The Graph root, without a version segment.
    pub fn graph_root(&self) -> &str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::UsGovL4 => "https://graph.microsoft.us",
            Cloud::UsGovL5Dod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
            Cloud::Custom(c) => &c.graph_root,
        }
    }

    /// The Graph v1.0 base URL: root + `/v1.0`.
    pub fn graph_base_url(&self) -> String {
        format!("{}/v1.0", self.graph_root())
    }

    /// The identity platform host for this cloud.
    pub fn authority(&self) -> &str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::UsGovL4 | Cloud::UsGovL5Dod => "https://login.microsoftonline.us",
            // The Graph national-cloud page names login.chinacloudapi.cn; the Entra page also
            // lists login.partner.microsoftonline.cn for the same cloud (GRAPH-FACTS §13).
            Cloud::China => "https://login.chinacloudapi.cn",
            Cloud::Custom(c) => &c.authority,
        }
    }

    /// The client-credentials scope: Graph root + `/.default`.
    pub fn default_scope(&self) -> String {
        format!("{}/.default", self.graph_root())
    }

    /// The v2.0 token endpoint for `tenant`: `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority(), tenant)
    }
}

impl FromStr for Cloud {
    type Err = Error;

    /// Parses the names used by `GRAPH_CLOUD`: `global`, `usgov`, `usgov-dod`, `china`.
    fn from_str(name: &str) -> Result<Cloud> {
        match name.trim().to_ascii_lowercase().as_str() {
            "global" | "public" => Ok(Cloud::Global),
            "usgov" | "usgov-l4" | "gcchigh" => Ok(Cloud::UsGovL4),
            "usgov-dod" | "usgov-l5" | "dod" => Ok(Cloud::UsGovL5Dod),
            "china" => Ok(Cloud::China),
            other => Err(Error::Config(format!(
                "unknown cloud {other:?}: expected global, usgov, usgov-dod or china"
            ))),
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cloud::Global => f.write_str("global"),
            Cloud::UsGovL4 => f.write_str("usgov"),
            Cloud::UsGovL5Dod => f.write_str("usgov-dod"),
            Cloud::China => f.write_str("china"),
            Cloud::Custom(c) => write!(f, "custom ({})", c.graph_root),
        }
    }
}

/// Checks an absolute http(s) URL with no query or fragment, and returns it without a
/// trailing slash. A bearer token must never travel in clear text off this machine, so
/// `http` is accepted for loopback hosts only.
pub(crate) fn checked_root(value: &str, what: &str) -> Result<String> {
    let url = Url::parse(value.trim())
        .map_err(|e| Error::Config(format!("{what} {value:?} is not a URL: {e}")))?;
    if url.query().is_some() || url.fragment().is_some() || url.host().is_none() {
        return Err(Error::Config(format!(
            "{what} {value:?} must be a plain http(s) URL"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::Config(format!(
                "{what} {value:?} must use https (http is allowed for loopback only)"
            )))
        }
        _ => {
            return Err(Error::Config(format!(
                "{what} {value:?} must be an http(s) URL"
            )))
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Whether `url` points at this machine, where `http` is allowed.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        // `[::ffff:127.0.0.1]` is 127.0.0.1 written as IPv6: as local as `[::1]`.
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_in_every_spelling_and_nothing_else() {
        let local = |u: &str| is_loopback(&Url::parse(u).unwrap());
        for url in [
            "http://localhost:8080",
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://[::1]:8080",
            "http://[::ffff:127.0.0.1]:8080",
            "http://[::ffff:7f00:1]",
        ] {
            assert!(local(url), "{url}");
        }
        for url in [
            "http://graph.microsoft.com",
            "http://10.0.0.1",
            "http://[::ffff:10.0.0.1]",
            "http://[2001:db8::1]",
        ] {
            assert!(!local(url), "{url}");
        }
        assert!(checked_root("http://[::ffff:127.0.0.1]:9/v1.0", "Graph base URL").is_ok());
        assert!(checked_root("http://[::ffff:10.0.0.1]:9/v1.0", "Graph base URL").is_err());
    }
}
