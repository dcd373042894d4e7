//! The Graph client: configuration, and the one request pipeline every endpoint goes through.

mod builder;
mod limits;
mod paging;
mod request;
mod response;
mod retry;

use std::fmt;
use std::sync::Arc;

use url::Url;

pub use builder::{GraphClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use limits::DEFAULT_MAILBOX_CONCURRENCY;
pub use paging::Page;
pub(crate) use request::{Body, Request};
pub use response::Accepted;
pub use retry::{RetryPolicy, Sleeper, TokioSleeper};

use crate::api::Mailbox;
use crate::auth::TokenProvider;

/// A Microsoft Graph v1.0 client. Cheap to clone (an `Arc` inside); share one per app.
///
/// ```no_run
/// # async fn run() -> msgraph_outlook::Result<()> {
/// use msgraph_outlook::auth::{ClientCredentials, ClientSecret};
/// use msgraph_outlook::models::Message;
/// use msgraph_outlook::{Cloud, GraphClient};
///
/// let credentials = ClientCredentials::new(
///     &Cloud::Global,
///     "contoso.onmicrosoft.com",
///     "11111111-2222-3333-4444-555555555555",
///     ClientSecret::new(std::env::var("GRAPH_CLIENT_SECRET").unwrap()),
/// )?;
/// let client = GraphClient::builder().token_provider(credentials).build()?;
/// client
///     .user("adele@contoso.com")
///     .send_mail(Message::new().subject("Hi").text_body("Hello").to("alex@contoso.com"))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    tokens: Arc<dyn TokenProvider>,
    /// Preferences sent with every request (merged with per-request ones into one header).
    preferences: Vec<String>,
    retry: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    limiter: limits::MailboxLimiter,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("base_url", &self.inner.base_url.as_str())
            .field("token_provider", &self.inner.tokens)
            .field("preferences", &self.inner.preferences)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl GraphClient {
    /// Starts configuring a client.
    pub fn builder() -> GraphClientBuilder {
        GraphClientBuilder::default()
    }

    /// The signed-in user's mailbox (`/me`); needs a delegated token.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::Message;
    /// client
    ///     .me()
    ///     .send_mail(Message::new().subject("Lunch?").to("alex@contoso.com"))
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn me(&self) -> Mailbox {
        Mailbox::me(self.clone())
    }

    /// Another user's mailbox (`/users/{id}`), by object id or user principal name. The id is
    /// percent-encoded as one path segment.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::Message;
    /// client
    ///     .user("adele@contoso.com")
    ///     .send_mail(Message::new().subject("Report").to("alex@contoso.com"))
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn user(&self, id_or_user_principal_name: impl Into<String>) -> Mailbox {
        Mailbox::user(self.clone(), id_or_user_principal_name.into())
    }

    /// The Graph base URL requests go to (ends in `/v1.0`).
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str().trim_end_matches('/')
    }
}
