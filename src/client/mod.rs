//! The Graph client: configuration, and the one request pipeline every endpoint goes through.

mod batch;
mod builder;
mod limits;
mod paging;
mod request;
mod request_id;
mod response;
mod retry;

use std::fmt;
use std::sync::Arc;

use url::Url;

pub use batch::{Batch, BatchItem, BatchResults, Batchable};
pub use builder::{GraphClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use limits::DEFAULT_MAILBOX_CONCURRENCY;
pub use paging::Page;
pub(crate) use request::{Body, Call, Request};
pub use response::Accepted;
pub(crate) use response::Response;
pub use retry::{RetryPolicy, Sleeper, TokioSleeper};

use crate::api::Mailbox;
use crate::auth::TokenProvider;
use crate::error::InvalidRequest;
use crate::models::ItemSource;

/// The source of an item handed to [`GraphClient::event_from`] or
/// [`GraphClient::message_from`], or why there is none to use.
fn read_through_client<'a>(
    source: Option<&'a ItemSource>,
    id: Option<&str>,
    kind: &str,
) -> crate::Result<&'a ItemSource> {
    if id.map_or(true, str::is_empty) {
        return Err(InvalidRequest::no_id(kind).into());
    }
    source.ok_or_else(|| {
        InvalidRequest::InvalidValue {
            reason: format!(
                "the {kind} was not read through this client, so its mailbox is unknown: \
                 name it, e.g. client.user(owner).{kind}_from(..)"
            ),
        }
        .into()
    })
}

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
    limiter: Arc<limits::MailboxLimiter>,
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

    /// The event `event` as read through this client, addressed in the mailbox (and calendar)
    /// it was read from: EWS's *implicit access*. An event found in another user's calendar
    /// with `client.user(owner)` is updated, answered and deleted at
    /// `/users/{owner}/events/{id}`, never at `/me/events/{id}` where its id means nothing.
    ///
    /// Fails with [`InvalidRequest`](crate::InvalidRequest) when the event has no id or was
    /// not read through this crate (built locally or deserialized elsewhere): name its mailbox
    /// then, with [`Mailbox::event_from`](crate::api::Mailbox::event_from).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use chrono::{Duration, Utc};
    /// use msgraph_outlook::models::EventPatch;
    /// let now = Utc::now();
    /// // Explicit access: name the owner's mailbox once …
    /// let week = client.user("owner@contoso.com").calendar_view(now, now + Duration::days(7)).collect().await?;
    /// for event in week.iter().filter(|e| e.subject.as_deref() == Some("Budget review")) {
    ///     // … implicit access: the event knows where it lives.
    ///     client.event_from(event)?.update(EventPatch::new().location("Room 2")).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn event_from(&self, event: &crate::models::Event) -> crate::Result<crate::api::EventRef> {
        let source = read_through_client(event.source.as_ref(), event.id.as_deref(), "event")?;
        Ok(Mailbox::me(self.clone())
            .with_target(source.mailbox.clone())
            .event_from(event))
    }

    /// The message `message` as read through this client, addressed in the mailbox it was
    /// read from (implicit access, as [`event_from`](Self::event_from)): a draft created in
    /// `client.user(owner)` is sent from there.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::Message;
    /// let draft = client
    ///     .user("owner@contoso.com")
    ///     .create_draft(Message::new().subject("Minutes").to("alex@contoso.com"))
    ///     .await?;
    /// client.message_from(&draft)?.send().await?; // POST /users/owner@contoso.com/messages/{id}/send
    /// # Ok(()) }
    /// ```
    pub fn message_from(
        &self,
        message: &crate::models::Message,
    ) -> crate::Result<crate::api::MessageRef> {
        let source =
            read_through_client(message.source.as_ref(), message.id.as_deref(), "message")?;
        Ok(Mailbox::me(self.clone())
            .with_target(source.mailbox.clone())
            .message_from(message))
    }

    /// The same client (token provider, per-mailbox concurrency limit, preferences) with
    /// another retry policy, e.g. [`RetryPolicy::never`] for a caller that schedules its
    /// own retries of sends (a relay with a durable queue).
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> GraphClient {
        let inner = &self.inner;
        GraphClient {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                base_url: inner.base_url.clone(),
                tokens: inner.tokens.clone(),
                preferences: inner.preferences.clone(),
                retry: policy,
                sleeper: inner.sleeper.clone(),
                limiter: inner.limiter.clone(),
            }),
        }
    }

    /// The Graph base URL requests go to (ends in `/v1.0`).
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str().trim_end_matches('/')
    }
}
