//! `[graph]`: how the relay signs in to Microsoft Graph (through the `msgraph-outlook`
//! crate's token providers) and where Graph is (endpoint overrides for national clouds
//! and the sandbox).

use super::problem::{Problem, Validate};
use super::secret::{read_file, SecretSource, SecretString};
use msgraph_outlook::auth::{
    delegated_scopes, ClientCertificate, ClientCredentials, DeviceCode, FileTokenStore,
    ManagedIdentity, TokenProvider,
};
use msgraph_outlook::{Cloud, GraphClient};
use serde::Deserialize;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

/// How the relay gets its tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// App-only, client id + client secret (`Mail.Send` application permission).
    #[default]
    ClientSecret,
    /// App-only, client id + certificate (`certificate_file`, `private_key*`).
    Certificate,
    /// App-only, a federated token file (Kubernetes workload identity).
    WorkloadIdentity,
    /// App-only, the Azure resource's managed identity.
    ManagedIdentity,
    /// Delegated: a user signed in once with `msgraph-relay login`; the refresh token is
    /// kept in `token_file` and mail is sent from that user's mailbox.
    DeviceCode,
}

/// `[graph]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraphConfig {
    /// `auth`: how to sign in (default `client_secret`).
    pub auth: AuthMethod,
    /// `cloud`: `global` (default), `usgov`, `usgov-dod` or `china`.
    pub cloud: Option<String>,
    /// `tenant`: the directory (tenant) id or a verified domain; `organizations` by
    /// default for `device_code`.
    pub tenant: Option<String>,
    /// `client_id`: the app registration's application (client) id.
    pub client_id: Option<String>,
    /// `client_secret` (or `client_secret_file`, `client_secret_env`).
    pub client_secret: Option<SecretString>,
    /// `client_secret_file`.
    pub client_secret_file: Option<PathBuf>,
    /// `client_secret_env`.
    pub client_secret_env: Option<String>,
    /// `certificate_file`: PEM with the app's certificate (may also hold the key).
    pub certificate_file: Option<PathBuf>,
    /// `private_key` (PEM; or `private_key_file`, `private_key_env`); default: the key in
    /// `certificate_file`.
    pub private_key: Option<SecretString>,
    /// `private_key_file`.
    pub private_key_file: Option<PathBuf>,
    /// `private_key_env`.
    pub private_key_env: Option<String>,
    /// `federated_token_file` (workload identity); default `AZURE_FEDERATED_TOKEN_FILE`.
    pub federated_token_file: Option<PathBuf>,
    /// `managed_identity_client_id`: a user-assigned identity; default the system-assigned.
    pub managed_identity_client_id: Option<String>,
    /// `managed_identity_endpoint`: the IMDS token endpoint (default: from the
    /// environment, else Azure's).
    pub managed_identity_endpoint: Option<String>,
    /// `token_file`: where `login` keeps the refresh token (`device_code`).
    pub token_file: Option<PathBuf>,
    /// `scopes`: delegated permissions asked for at `login` (default `Mail.Send`,
    /// `Mail.ReadWrite`: sending, drafts, and finding sent copies again).
    pub scopes: Option<Vec<String>>,
    /// `graph_url`: the Graph v1.0 base URL, ending in `/v1.0` (the sandbox's, a proxy).
    pub graph_url: Option<String>,
    /// `authority_url`: the identity platform's root (`https://login.microsoftonline.com`).
    pub authority_url: Option<String>,
}

const DEFAULT_SCOPES: [&str; 2] = ["Mail.Send", "Mail.ReadWrite"];

impl GraphConfig {
    fn client_secret_source(&self) -> SecretSource<'_> {
        SecretSource {
            key: "graph.client_secret",
            value: self.client_secret.as_ref(),
            file: self.client_secret_file.as_deref(),
            env: self.client_secret_env.as_deref(),
        }
    }

    fn private_key_source(&self) -> SecretSource<'_> {
        SecretSource {
            key: "graph.private_key",
            value: self.private_key.as_ref(),
            file: self.private_key_file.as_deref(),
            env: self.private_key_env.as_deref(),
        }
    }

    /// The cloud, with `graph_url` / `authority_url` applied.
    pub fn cloud(&self) -> Result<Cloud, Problem> {
        let cloud = match &self.cloud {
            Some(name) => {
                Cloud::from_str(name).map_err(|e| Problem::new("graph.cloud", e.to_string()))?
            }
            None => Cloud::Global,
        };
        if self.graph_url.is_none() && self.authority_url.is_none() {
            return Ok(cloud);
        }
        let base = self
            .graph_url
            .clone()
            .unwrap_or_else(|| cloud.graph_base_url());
        let authority = self
            .authority_url
            .clone()
            .unwrap_or_else(|| cloud.authority().to_string());
        let key = if self.graph_url.is_some() {
            "graph.graph_url"
        } else {
            "graph.authority_url"
        };
        Cloud::from_base_url(&base, &authority).map_err(|e| Problem::new(key, e.to_string()))
    }

    fn required(&self, key: &str, value: &Option<String>) -> Result<String, Problem> {
        match value {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            _ => Err(Problem::new(
                format!("graph.{key}"),
                format!("missing (needed with auth = \"{}\")", self.auth_name()),
            )),
        }
    }

    fn auth_name(&self) -> &'static str {
        match self.auth {
            AuthMethod::ClientSecret => "client_secret",
            AuthMethod::Certificate => "certificate",
            AuthMethod::WorkloadIdentity => "workload_identity",
            AuthMethod::ManagedIdentity => "managed_identity",
            AuthMethod::DeviceCode => "device_code",
        }
    }

    fn config_error(key: &str, e: msgraph_outlook::Error) -> Vec<Problem> {
        vec![Problem::new(key, e.to_string())]
    }

    /// The token provider `auth` describes. Nothing is fetched yet; every file and secret
    /// is read (so this is also how `check-config` checks them). With `device_code` the
    /// token file must already hold a sign-in (`msgraph-relay login`): a daemon cannot
    /// show a prompt.
    pub fn token_provider(&self) -> Result<Arc<dyn TokenProvider>, Vec<Problem>> {
        let cloud = self.cloud().map_err(|p| vec![p])?;
        match self.auth {
            AuthMethod::ClientSecret => {
                let (tenant, client_id, secret) = (
                    self.required("tenant", &self.tenant),
                    self.required("client_id", &self.client_id),
                    self.client_secret_source()
                        .require("the app's client secret"),
                );
                let (tenant, client_id, secret) = collect3(tenant, client_id, secret)?;
                let provider = ClientCredentials::new(
                    &cloud,
                    &tenant,
                    &client_id,
                    msgraph_outlook::auth::ClientSecret::new(secret.expose()),
                )
                .map_err(|e| Self::config_error("graph.tenant", e))?;
                Ok(Arc::new(provider))
            }
            AuthMethod::Certificate => {
                let tenant = self.required("tenant", &self.tenant);
                let client_id = self.required("client_id", &self.client_id);
                let certificate = self.certificate();
                let (tenant, client_id, certificate) = collect3(tenant, client_id, certificate)?;
                let provider =
                    ClientCredentials::with_certificate(&cloud, &tenant, &client_id, certificate)
                        .map_err(|e| Self::config_error("graph.tenant", e))?;
                Ok(Arc::new(provider))
            }
            AuthMethod::WorkloadIdentity => {
                // Config values first, then what the workload identity webhook exports.
                let file = self
                    .federated_token_file
                    .as_ref()
                    .map(|p| p.display().to_string());
                let from_config = |name: &str| match name {
                    "AZURE_CLIENT_ID" => self.client_id.clone(),
                    "AZURE_TENANT_ID" => self.tenant.clone(),
                    "AZURE_FEDERATED_TOKEN_FILE" => file.clone(),
                    _ => None,
                };
                let var = |name: &str| from_config(name).or_else(|| std::env::var(name).ok());
                let provider = ClientCredentials::from_workload_identity_vars(&cloud, var)
                    .map_err(|e| Self::config_error("graph.federated_token_file", e))?;
                Ok(Arc::new(provider))
            }
            AuthMethod::ManagedIdentity => {
                let identity = match &self.managed_identity_client_id {
                    Some(id) => ManagedIdentity::user_assigned(id.clone()),
                    None => ManagedIdentity::system_assigned(),
                }
                .map_err(|e| Self::config_error("graph.managed_identity_client_id", e))?
                .cloud(&cloud);
                let identity = match &self.managed_identity_endpoint {
                    Some(url) => identity
                        .imds_endpoint(url)
                        .map_err(|e| Self::config_error("graph.managed_identity_endpoint", e))?,
                    None => identity,
                };
                Ok(Arc::new(identity))
            }
            AuthMethod::DeviceCode => {
                let provider = self.device_code()?;
                let path = self.token_file.clone().unwrap_or_default();
                if provider.current_refresh_token().is_none() && !path.exists() {
                    return Err(vec![Problem::new(
                        "graph.token_file",
                        format!(
                            "{} does not exist: sign in first with `msgraph-relay login`",
                            path.display()
                        ),
                    )]);
                }
                Ok(Arc::new(provider))
            }
        }
    }

    /// The device code provider of `auth = "device_code"` (for `login` and `serve`),
    /// keeping its refresh token in `token_file`.
    pub fn device_code(&self) -> Result<DeviceCode, Vec<Problem>> {
        let cloud = self.cloud().map_err(|p| vec![p])?;
        let client_id = self.required("client_id", &self.client_id);
        let token_file = match &self.token_file {
            Some(path) => Ok(path.clone()),
            None => Err(Problem::new(
                "graph.token_file",
                "missing (needed with auth = \"device_code\")",
            )),
        };
        let (client_id, token_file) = match (client_id, token_file) {
            (Ok(c), Ok(t)) => (c, t),
            (c, t) => return Err([c.err(), t.err()].into_iter().flatten().collect()),
        };
        let tenant = self
            .tenant
            .clone()
            .unwrap_or_else(|| "organizations".to_string());
        let scopes: Vec<String> = match &self.scopes {
            Some(scopes) => scopes.clone(),
            None => DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
        };
        let provider = DeviceCode::new(
            &cloud,
            &tenant,
            &client_id,
            delegated_scopes(&cloud, &scopes, true),
        )
        .map_err(|e| Self::config_error("graph.tenant", e))?
        .with_store(Arc::new(FileTokenStore::new(token_file)));
        Ok(provider)
    }

    fn certificate(&self) -> Result<ClientCertificate, Problem> {
        let Some(path) = &self.certificate_file else {
            return Err(Problem::new(
                "graph.certificate_file",
                "missing (needed with auth = \"certificate\")",
            ));
        };
        let certificate = read_file("graph.certificate_file", path)?;
        let (key, key_name) = match self.private_key_source().resolve()? {
            Some(key) => (key.expose().as_bytes().to_vec(), "graph.private_key"),
            None => (certificate.clone(), "graph.certificate_file"),
        };
        // The crate's errors never quote key material.
        ClientCertificate::from_pem(&certificate, &key)
            .map_err(|e| Problem::new(key_name, e.to_string()))
    }

    /// The Graph client: the cloud and the token provider.
    pub fn client(&self) -> Result<GraphClient, Vec<Problem>> {
        let provider = self.token_provider()?;
        self.client_with(provider)
    }

    /// A Graph client on this configuration's cloud with `provider`.
    pub fn client_with(
        &self,
        provider: Arc<dyn TokenProvider>,
    ) -> Result<GraphClient, Vec<Problem>> {
        let cloud = self.cloud().map_err(|p| vec![p])?;
        GraphClient::builder()
            .cloud(cloud)
            .shared_token_provider(provider)
            .user_agent(concat!("msgraph-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Self::config_error("graph", e))
    }
}

fn collect3<A, B, C>(
    a: Result<A, Problem>,
    b: Result<B, Problem>,
    c: Result<C, Problem>,
) -> Result<(A, B, C), Vec<Problem>> {
    match (a, b, c) {
        (Ok(a), Ok(b), Ok(c)) => Ok((a, b, c)),
        (a, b, c) => Err([a.err(), b.err(), c.err()].into_iter().flatten().collect()),
    }
}

impl Validate for GraphConfig {
    fn validate(&self, _section: &str, problems: &mut Vec<Problem>) {
        if let Err(found) = self.client() {
            problems.extend(found);
        }
    }
}
