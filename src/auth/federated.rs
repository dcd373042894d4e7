//! Federated credentials (workload identity federation): the app proves who it is with a
//! token another identity provider issued (a Kubernetes service account token, a GitHub
//! Actions OIDC token…), sent as the client assertion of a client credentials request.

use std::path::{Path, PathBuf};

use super::client_credentials::Credential;
use super::ClientCredentials;
use crate::cloud::Cloud;
use crate::error::{Error, Result};

/// The variables the Azure Workload Identity webhook sets in a pod.
const CLIENT_ID: &str = "AZURE_CLIENT_ID";
const TENANT_ID: &str = "AZURE_TENANT_ID";
const FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
const AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";

impl ClientCredentials {
    /// Credentials for `tenant` in `cloud` whose client assertion is the content of the file
    /// at `path`, read again for each token request (the platform rotates it).
    ///
    /// The app registration (or user-assigned managed identity) needs a federated identity
    /// credential that trusts the file's issuer and subject.
    ///
    /// ```
    /// use msgraph_outlook::auth::ClientCredentials;
    /// use msgraph_outlook::Cloud;
    ///
    /// let credentials = ClientCredentials::with_federated_token_file(
    ///     &Cloud::Global,
    ///     "72f988bf-86f1-41af-91ab-2d7cd011db47",
    ///     "00000000-0000-0000-0000-000000000001",
    ///     "/var/run/secrets/azure/tokens/azure-identity-token",
    /// )
    /// .unwrap();
    /// assert_eq!(credentials.scope(), "https://graph.microsoft.com/.default");
    /// ```
    pub fn with_federated_token_file(
        cloud: &Cloud,
        tenant: &str,
        client_id: &str,
        path: impl Into<PathBuf>,
    ) -> Result<Self> {
        let path = path.into();
        if path.as_os_str().is_empty() {
            return Err(Error::Config(
                "the federated token file path is empty".into(),
            ));
        }
        Self::build(
            cloud,
            tenant,
            client_id,
            None,
            Credential::FederatedTokenFile(path),
        )
    }

    /// Workload identity (e.g. on AKS) from the process environment, for the global cloud:
    /// `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE` and, when set,
    /// `AZURE_AUTHORITY_HOST` (the login host), as the Azure Workload Identity webhook sets
    /// them. For a national cloud, use [`from_workload_identity_vars`](Self::from_workload_identity_vars).
    ///
    /// ```no_run
    /// # fn run() -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::auth::ClientCredentials;
    /// use msgraph_outlook::GraphClient;
    ///
    /// let client = GraphClient::builder()
    ///     .token_provider(ClientCredentials::from_workload_identity_env()?)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn from_workload_identity_env() -> Result<Self> {
        Self::from_workload_identity_vars(&Cloud::Global, |name| std::env::var(name).ok())
    }

    /// Workload identity from the variables that `var` returns (see
    /// [`from_workload_identity_env`](Self::from_workload_identity_env)); tokens are for
    /// `cloud`'s Graph. `AZURE_AUTHORITY_HOST`, when set, replaces `cloud`'s login host.
    ///
    /// ```
    /// use msgraph_outlook::auth::ClientCredentials;
    /// use msgraph_outlook::Cloud;
    ///
    /// let vars = |name: &str| match name {
    ///     "AZURE_CLIENT_ID" => Some("00000000-0000-0000-0000-000000000001".to_string()),
    ///     "AZURE_TENANT_ID" => Some("72f988bf-86f1-41af-91ab-2d7cd011db47".to_string()),
    ///     "AZURE_FEDERATED_TOKEN_FILE" => Some("/var/run/secrets/azure/tokens/azure-identity-token".to_string()),
    ///     "AZURE_AUTHORITY_HOST" => Some("https://login.microsoftonline.us/".to_string()),
    ///     _ => None,
    /// };
    /// let credentials = ClientCredentials::from_workload_identity_vars(&Cloud::UsGovL4, vars).unwrap();
    /// assert_eq!(
    ///     credentials.token_url(),
    ///     "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
    /// );
    /// assert_eq!(credentials.scope(), "https://graph.microsoft.us/.default");
    ///
    /// // Missing variables are named.
    /// let err = ClientCredentials::from_workload_identity_vars(&Cloud::Global, |_| None).unwrap_err();
    /// assert!(err.to_string().contains("AZURE_FEDERATED_TOKEN_FILE"));
    /// ```
    pub fn from_workload_identity_vars(
        cloud: &Cloud,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let value = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let (client_id, tenant, file) = (
            value(CLIENT_ID),
            value(TENANT_ID),
            value(FEDERATED_TOKEN_FILE),
        );
        let (Some(client_id), Some(tenant), Some(file)) =
            (client_id.clone(), tenant.clone(), file.clone())
        else {
            let missing: Vec<&str> = [
                (CLIENT_ID, client_id.is_none()),
                (TENANT_ID, tenant.is_none()),
                (FEDERATED_TOKEN_FILE, file.is_none()),
            ]
            .into_iter()
            .filter_map(|(name, missing)| missing.then_some(name))
            .collect();
            return Err(Error::Config(format!(
                "workload identity needs {}: not set",
                missing.join(", ")
            )));
        };
        let cloud = match value(AUTHORITY_HOST) {
            Some(authority) => Cloud::custom(cloud.graph_root(), &authority)
                .map_err(|e| Error::Config(format!("{AUTHORITY_HOST}: {e}")))?,
            None => cloud.clone(),
        };
        Self::with_federated_token_file(&cloud, &tenant, &client_id, file.trim())
    }
}

/// The assertion in the federated token file, read now.
pub(super) async fn read_assertion(path: &Path) -> Result<String> {
    let content = tokio::fs::read_to_string(path).await.map_err(|e| {
        Error::Config(format!(
            "cannot read the federated token file {}: {e}",
            path.display()
        ))
    })?;
    let assertion = content.trim();
    if assertion.is_empty() {
        return Err(Error::Config(format!(
            "the federated token file {} is empty",
            path.display()
        )));
    }
    Ok(assertion.to_string())
}
