//! Which endpoint a recorded request went to, so a test can look at its Graph traffic
//! without the token requests and upload ranges around it ([`Sandbox::graph_requests`](crate::Sandbox::graph_requests)).

use crate::recording::RecordedRequest;

/// What a [`RecordedRequest`] was sent to, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestKind {
    /// Microsoft Graph: a path under `/v1.0/`, `$batch` requests and the requests
    /// executed inside them included.
    Graph,
    /// An attachment upload session's pre-authenticated URL (`/upload/…`, range `PUT`s
    /// and `DELETE`): not Graph, as in Exchange Online, where it is an Outlook URL.
    UploadSession,
    /// The identity platform: `/{tenant}/oauth2/v2.0/token`, `…/devicecode`,
    /// `…/authorize`, and the `/devicelogin` page.
    IdentityPlatform,
    /// A managed-identity token endpoint: IMDS (`/metadata/identity/oauth2/token`) or App
    /// Service (`/msi/token`).
    ManagedIdentity,
    /// The sandbox's own control routes (`/_sandbox/…`, e.g. the clock): never Graph.
    SandboxControl,
    /// Anything else (an unknown path, answered 404).
    Other,
}

impl RecordedRequest {
    /// Which endpoint this request went to.
    ///
    /// ```
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use msgraph_outlook_sandbox::{RequestKind, Sandbox};
    /// let sandbox = Sandbox::start().await?;
    /// let token_url = format!("{}/{}/oauth2/v2.0/token", sandbox.authority_url(), sandbox.tenant_id());
    /// reqwest::Client::new().post(token_url).send().await?; // refused (no form), but recorded
    /// assert_eq!(sandbox.requests()[0].kind(), RequestKind::IdentityPlatform);
    /// assert!(sandbox.graph_requests().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn kind(&self) -> RequestKind {
        let segments: Vec<&str> = self.path.trim_start_matches('/').split('/').collect();
        let is = |i: usize, name: &str| {
            segments
                .get(i)
                .is_some_and(|s| s.eq_ignore_ascii_case(name))
        };
        if is(0, "v1.0") && segments.len() > 1 {
            RequestKind::Graph
        } else if is(0, crate::routes::UPLOAD_PATH_PREFIX) {
            RequestKind::UploadSession
        } else if (segments.len() == 4 && is(1, "oauth2") && is(2, "v2.0"))
            || (segments.len() == 1 && is(0, "devicelogin"))
        {
            RequestKind::IdentityPlatform
        } else if (segments.len() == 4 && is(0, "metadata") && is(1, "identity"))
            || (segments.len() == 2 && is(0, "msi") && is(1, "token"))
        {
            RequestKind::ManagedIdentity
        } else if is(0, crate::routes::ADMIN_PATH_PREFIX) {
            RequestKind::SandboxControl
        } else {
            RequestKind::Other
        }
    }

    /// Whether this request went to Microsoft Graph (see [`RequestKind::Graph`]).
    pub fn is_graph(&self) -> bool {
        self.kind() == RequestKind::Graph
    }
}
