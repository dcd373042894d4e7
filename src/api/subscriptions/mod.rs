//! Change-notification subscriptions: `POST/GET/PATCH/DELETE /subscriptions` and
//! `POST /subscriptions/{id}/reauthorize` (GRAPH-FACTS-2 §1;
//! <https://learn.microsoft.com/graph/api/resources/subscription?view=graph-rest-1.0>;
//! openapi-fragments/paths/subscriptions.yaml).
//!
//! ## Expiration
//! An Outlook subscription lives at most 10,080 minutes (under 7 days), or 1,440 minutes
//! when it carries resource data ("subscription" resource page, "Subscription lifetime";
//! GRAPH-FACTS-2 §1.3). Graph's live answers have disagreed with those pages (4,230 and
//! 10,070 minutes have been seen), so this crate asks for at most the documented maximum
//! minus [`EXPIRATION_MARGIN_MINUTES`], and when Graph refuses with "Subscription
//! expiration can only be N minutes in the future." it asks once more for N minutes (minus
//! the margin). `create` and `renew` both do that; an expiration under 45 minutes is raised
//! to 45 by Graph itself.
//!
//! ## Immutable ids
//! A client built with [`GraphClientBuilder::immutable_ids`](crate::GraphClientBuilder::immutable_ids)
//! sends `Prefer: IdType="ImmutableId"` with every request, `POST /subscriptions` included:
//! the ids in that subscription's notifications are then immutable ids (GRAPH-FACTS §7),
//! which do not change when a message moves between folders.

mod certificate;
mod failure;
mod resource;

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use futures_util::{Stream, TryStreamExt};
use serde::Serialize;
use url::Url;

pub use certificate::{EncryptionCertificate, MAX_ENCRYPTION_CERTIFICATE_ID_CHARS};
pub use failure::SubscriptionFailure;
pub use resource::SubscriptionResource;

use crate::client::{GraphClient, Request, Response};
use crate::error::{Error, InvalidRequest, Result};
use crate::models::{ChangeType, Sourced, Subscription, TlsVersion};
use crate::wall_clock::{self, WallClock};

/// The documented maximum lifetime of an Outlook subscription without resource data, in
/// minutes (10,080: under 7 days).
pub const MAX_EXPIRATION_MINUTES: i64 = 10_080;
/// The documented maximum lifetime of an Outlook subscription with resource data (rich
/// notifications), in minutes (1,440: under 1 day).
pub const MAX_RICH_EXPIRATION_MINUTES: i64 = 1_440;
/// How far below a maximum this crate stays, in minutes: room for a clock running ahead of
/// Graph's and for the time the request takes.
pub const EXPIRATION_MARGIN_MINUTES: i64 = 5;
/// Graph's limit on `clientState`, in characters (the subscription resource page; the
/// changeNotification page says 255, the stricter one is kept).
pub const MAX_CLIENT_STATE_CHARS: usize = 128;

impl crate::models::source::sealed::Sealed for Subscription {}
impl Sourced for Subscription {}

/// The `/subscriptions` endpoints; from [`GraphClient::subscriptions`].
///
/// Permissions: creating, reading, renewing and deleting a subscription need the *read*
/// permission of the watched resource (`Mail.Read` or `Mail.ReadBasic` for messages,
/// `Calendars.Read` for events); see the README's "Watching mailboxes".
#[derive(Clone)]
pub struct Subscriptions {
    pub(crate) client: GraphClient,
    /// The current time, for expirations.
    now: WallClock,
}

impl fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriptions")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl GraphClient {
    /// Change-notification subscriptions of this app.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::api::SubscriptionResource;
    /// use msgraph_outlook::models::{ChangeType, WellKnownFolder};
    ///
    /// let adele = client.user("622eaaff-0683-4862-9de4-f2ec83c2bd98"); // object id: preferred
    /// let subscription = client
    ///     .subscriptions()
    ///     .create(
    ///         SubscriptionResource::folder_messages(adele.target(), WellKnownFolder::Inbox),
    ///         "https://hooks.contoso.com/graph/notify",
    ///     )
    ///     .change_types([ChangeType::Created])
    ///     .lifecycle_notification_url("https://hooks.contoso.com/graph/lifecycle")
    ///     .client_state(std::env::var("WEBHOOK_SECRET").unwrap())
    ///     .send()
    ///     .await?;
    /// println!("{:?} until {:?}", subscription.id, subscription.expiration_date_time);
    /// # Ok(()) }
    /// ```
    pub fn subscriptions(&self) -> Subscriptions {
        Subscriptions {
            client: self.clone(),
            now: wall_clock::system(),
        }
    }
}

impl Subscriptions {
    /// Takes the current time from `now` instead of the system clock: default and capped
    /// expirations are computed from it (tests, or a sandbox whose clock was moved).
    pub fn with_clock(mut self, now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.now = Arc::new(now);
        self
    }

    /// The furthest expiration this crate asks for now: the documented maximum
    /// ([`MAX_EXPIRATION_MINUTES`], or [`MAX_RICH_EXPIRATION_MINUTES`] with resource data)
    /// minus [`EXPIRATION_MARGIN_MINUTES`], to the second.
    pub fn latest_expiration(&self, include_resource_data: bool) -> DateTime<Utc> {
        let max = if include_resource_data {
            MAX_RICH_EXPIRATION_MINUTES
        } else {
            MAX_EXPIRATION_MINUTES
        };
        self.minutes_from_now(max)
    }

    /// Now + `max_minutes` − the margin (at least one minute), to the second.
    fn minutes_from_now(&self, max_minutes: i64) -> DateTime<Utc> {
        let minutes = (max_minutes - EXPIRATION_MARGIN_MINUTES).max(1);
        ((self.now)() + Duration::minutes(minutes)).trunc_subsecs(0)
    }

    /// The shorter expiration to retry with when `error` is Graph's "can only be N minutes
    /// in the future" and that is earlier than what was asked (`sent`); else `None`.
    fn capped_by(&self, error: &Error, sent: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let Some(SubscriptionFailure::ExpirationTooFar { max_minutes }) =
            error.subscription_failure()
        else {
            return None;
        };
        let capped = self.minutes_from_now(max_minutes);
        tracing::debug!(
            max_minutes,
            "Graph capped a subscription's expiration; retrying once"
        );
        (capped < sent).then_some(capped)
    }

    /// Starts a subscription to `resource`, notified at `notification_url` (https; plain
    /// http only to this machine, for tests and the sandbox). Graph POSTs a validation
    /// request to that URL (and to the lifecycle URL) before it answers: the receiver must
    /// be running (see [`Notifications`](crate::notifications::Notifications)).
    ///
    /// A `409 Conflict` ([`SubscriptionFailure::Duplicate`]) means this app already has a
    /// subscription to the same resource and change types: find it with
    /// [`list`](Self::list) (compare [`Subscription::resource`] and
    /// [`Subscription::change_types`]) and [`renew`](Self::renew) it.
    pub fn create(
        &self,
        resource: SubscriptionResource,
        notification_url: impl Into<String>,
    ) -> CreateSubscription {
        CreateSubscription {
            subscriptions: self.clone(),
            resource,
            notification_url: notification_url.into(),
            lifecycle_notification_url: None,
            change_types: vec![ChangeType::Created],
            client_state: None,
            expiration: None,
            certificate: None,
            latest_supported_tls_version: None,
        }
    }

    /// Every subscription of this app (`GET /subscriptions`, following `@odata.nextLink`):
    /// with a delegated token, those for the signed-in user; app-only, those for every user
    /// of the tenant. Graph leaves `clientState` out of lists.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// for subscription in client.subscriptions().list().await? {
    ///     println!("{:?} {:?}", subscription.resource, subscription.expiration_date_time);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListSubscriptions {
        ListSubscriptions {
            client: self.client.clone(),
        }
    }

    /// This app's subscription to `resource` with the same change types, if there is one:
    /// what a `409` ([`SubscriptionFailure::Duplicate`]) refers to. Lists the subscriptions
    /// and compares `resource` (case-insensitively: Graph may echo it in other casing) and
    /// the set of `changeType`s.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::api::{SubscriptionFailure, SubscriptionResource};
    /// use msgraph_outlook::models::{ChangeType, WellKnownFolder};
    /// let subscriptions = client.subscriptions();
    /// let inbox = SubscriptionResource::folder_messages(client.me().target(), WellKnownFolder::Inbox);
    /// let url = "https://hooks.contoso.com/graph/notify";
    /// let subscription = match subscriptions.create(inbox.clone(), url).send().await {
    ///     Err(e) if e.subscription_failure() == Some(SubscriptionFailure::Duplicate) => {
    ///         let existing = subscriptions.find(&inbox, &[ChangeType::Created]).await?;
    ///         let id = existing.and_then(|s| s.id).expect("Graph said it exists");
    ///         subscriptions.renew(&id, subscriptions.latest_expiration(false)).await?
    ///     }
    ///     other => other?,
    /// };
    /// # let _ = subscription; Ok(()) }
    /// ```
    pub async fn find(
        &self,
        resource: &SubscriptionResource,
        change_types: &[ChangeType],
    ) -> Result<Option<Subscription>> {
        let same_types = |listed: &[ChangeType]| {
            listed.iter().all(|t| change_types.contains(t))
                && change_types.iter().all(|t| listed.contains(t))
        };
        let mut all = std::pin::pin!(self.list().stream());
        while let Some(subscription) = all.try_next().await? {
            let same_resource = subscription
                .resource
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(resource.as_str()));
            if same_resource && same_types(&subscription.change_types()) {
                return Ok(Some(subscription));
            }
        }
        Ok(None)
    }

    /// One subscription by id (`GET /subscriptions/{id}`). A subscription that expired or
    /// that Graph removed is [`Error::NotFound`].
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let subscription = client.subscriptions().get("7f105c7d-2dc5-4530-97cd-4e7ae6534c07").await?;
    /// println!("expires {:?}", subscription.expiration_date_time);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id: &str) -> Result<Subscription> {
        let request = Request::get("getSubscription", path(id, None));
        send(&self.client, request).await?.json()
    }

    /// Renews a subscription (`PATCH /subscriptions/{id}` with `expirationDateTime`; this
    /// also reauthorizes it). `expiration` is capped at
    /// [`latest_expiration(false)`](Self::latest_expiration); for a subscription with
    /// resource data pass at most `latest_expiration(true)`, or Graph's refusal costs one
    /// more request (it is retried once with the maximum Graph states).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let subscriptions = client.subscriptions();
    /// let renewed = subscriptions
    ///     .renew("7f105c7d-2dc5-4530-97cd-4e7ae6534c07", subscriptions.latest_expiration(false))
    ///     .await?;
    /// println!("now expires {:?}", renewed.expiration_date_time);
    /// # Ok(()) }
    /// ```
    pub async fn renew(&self, id: &str, expiration: DateTime<Utc>) -> Result<Subscription> {
        self.update(id).expiration(expiration).send().await
    }

    /// Changes a subscription (`PATCH /subscriptions/{id}`): its expiration (a renewal, see
    /// [`renew`](Self::renew)), its notification URL (Graph validates the new one first), or
    /// its encryption certificate (key rotation for rich notifications: keep the old private
    /// key until no notification names its id any more).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::api::EncryptionCertificate;
    /// let subscriptions = client.subscriptions();
    /// let next_key = EncryptionCertificate::from_pem("key-2027-01", std::fs::read("next-cert.pem").unwrap())?;
    /// subscriptions
    ///     .update("7f105c7d-2dc5-4530-97cd-4e7ae6534c07")
    ///     .expiration(subscriptions.latest_expiration(true))
    ///     .encryption_certificate(&next_key)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, id: &str) -> UpdateSubscription {
        UpdateSubscription {
            subscriptions: self.clone(),
            id: id.to_string(),
            expiration: None,
            notification_url: None,
            certificate: None,
        }
    }

    /// Deletes a subscription (`DELETE /subscriptions/{id}`, 204).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// client.subscriptions().delete("7f105c7d-2dc5-4530-97cd-4e7ae6534c07").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id: &str) -> Result<()> {
        let request = Request::delete("deleteSubscription", path(id, None));
        send(&self.client, request).await?.no_content()
    }

    /// Reauthorizes a subscription (`POST /subscriptions/{id}/reauthorize`, no body, 204),
    /// the answer to a `reauthorizationRequired` lifecycle notification. It does not extend
    /// the subscription; [`renew`](Self::renew) does both.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// client.subscriptions().reauthorize("7f105c7d-2dc5-4530-97cd-4e7ae6534c07").await?;
    /// # Ok(()) }
    /// ```
    pub async fn reauthorize(&self, id: &str) -> Result<()> {
        // Reauthorizing twice is reauthorizing: safe to repeat after a timeout.
        let request = Request::post("reauthorize", path(id, Some("reauthorize"))).idempotent();
        send(&self.client, request).await?.no_content()
    }
}

/// Sends a subscription call. A 403 here is about the token's permission on the watched
/// resource (GRAPH-FACTS-2 §1.1), not about access to another mailbox: Graph's answer stays
/// an [`Error::Graph`] (its [`SubscriptionFailure`] is `AccessDenied`) rather than an
/// [`Error::AccessDenied`], whose advice (Full Access, `.Shared` scopes) does not apply to
/// subscriptions.
async fn send(client: &GraphClient, request: Request) -> Result<Response> {
    client.send(request).await.map_err(|e| match e {
        Error::AccessDenied(denied) => Error::Graph(Box::new(denied.error)),
        other => other,
    })
}

/// `subscriptions/{id}[/action]`, each segment encoded by the client.
fn path(id: &str, action: Option<&str>) -> Vec<String> {
    let mut path = vec!["subscriptions".to_string(), id.to_string()];
    path.extend(action.map(str::to_string));
    path
}

/// `expirationDateTime` as sent: UTC, to the second, with a `Z`.
fn wire_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Every subscription of this app; from [`Subscriptions::list`]. Await it (or call
/// [`send`](Self::send)) for all of them, or take them lazily with [`stream`](Self::stream).
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct ListSubscriptions {
    client: GraphClient,
}

impl ListSubscriptions {
    /// Every subscription, page after page as the stream is polled.
    pub fn stream(self) -> impl Stream<Item = Result<Subscription>> + Send + 'static {
        let request = Request::get("listSubscriptions", vec!["subscriptions".into()]);
        self.client.items::<Subscription>(request)
    }

    /// Every subscription of every page, collected.
    pub async fn send(self) -> Result<Vec<Subscription>> {
        self.stream().try_collect().await
    }
}

await_sends!(ListSubscriptions => Vec<Subscription>);

/// Creates a subscription; from [`Subscriptions::create`].
#[must_use = "nothing is sent until you call .send().await"]
pub struct CreateSubscription {
    subscriptions: Subscriptions,
    resource: SubscriptionResource,
    notification_url: String,
    lifecycle_notification_url: Option<String>,
    change_types: Vec<ChangeType>,
    client_state: Option<String>,
    expiration: Option<DateTime<Utc>>,
    certificate: Option<EncryptionCertificate>,
    latest_supported_tls_version: Option<TlsVersion>,
}

impl fmt::Debug for CreateSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URLs may carry secrets in their query strings, the client state is one.
        f.debug_struct("CreateSubscription")
            .field("resource", &self.resource.as_str())
            .field("change_types", &self.change_types)
            .field(
                "client_state",
                &self.client_state.as_ref().map(|_| "<redacted>"),
            )
            .field("expiration", &self.expiration)
            .field("certificate", &self.certificate.as_ref().map(|c| c.id()))
            .field(
                "latest_supported_tls_version",
                &self.latest_supported_tls_version,
            )
            .finish_non_exhaustive()
    }
}

/// The `POST /subscriptions` body, in the order of the docs' example.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewSubscription<'a> {
    change_type: String,
    notification_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lifecycle_notification_url: Option<&'a str>,
    resource: &'a str,
    expiration_date_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_resource_data: Option<bool>,
    #[serde(flatten)]
    certificate: Option<CertificateFields<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_supported_tls_version: Option<&'a str>,
}

/// `encryptionCertificate` and `encryptionCertificateId`: always sent together.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CertificateFields<'a> {
    encryption_certificate: &'a str,
    encryption_certificate_id: &'a str,
}

impl<'a> CertificateFields<'a> {
    fn of(certificate: Option<&'a EncryptionCertificate>) -> Option<Self> {
        certificate.map(|c| CertificateFields {
            encryption_certificate: c.base64_der(),
            encryption_certificate_id: c.id(),
        })
    }
}

impl CreateSubscription {
    /// The change types to report (default: created).
    pub fn change_types(mut self, types: impl IntoIterator<Item = ChangeType>) -> Self {
        self.change_types.clear();
        for change_type in types {
            if !self.change_types.contains(&change_type) {
                self.change_types.push(change_type);
            }
        }
        self
    }

    /// Where lifecycle notifications go (`reauthorizationRequired`, `subscriptionRemoved`,
    /// `missed`); may be the notification URL. Only settable at creation: a subscription
    /// without one never gets lifecycle notifications.
    pub fn lifecycle_notification_url(mut self, url: impl Into<String>) -> Self {
        self.lifecycle_notification_url = Some(url.into());
        self
    }

    /// The secret Graph echoes in every notification, for the receiver to check (at most
    /// [`MAX_CLIENT_STATE_CHARS`] characters). Never printed by `Debug`.
    pub fn client_state(mut self, client_state: impl Into<String>) -> Self {
        self.client_state = Some(client_state.into());
        self
    }

    /// When it expires. Default and ceiling: [`Subscriptions::latest_expiration`] (see the
    /// module docs: a later time is capped, and Graph's own stated maximum is obeyed).
    pub fn expiration(mut self, at: DateTime<Utc>) -> Self {
        self.expiration = Some(at);
        self
    }

    /// Rich notifications: Graph sends the changed item (the properties of the resource's
    /// [`select`](SubscriptionResource::select)) encrypted with `certificate`'s public key
    /// (`includeResourceData`, `encryptionCertificate`, `encryptionCertificateId`). The
    /// lifetime is then at most [`MAX_RICH_EXPIRATION_MINUTES`].
    pub fn include_resource_data(mut self, certificate: &EncryptionCertificate) -> Self {
        self.certificate = Some(certificate.clone());
        self
    }

    /// The newest TLS version the notification endpoint supports (Graph's default: 1.2).
    pub fn latest_supported_tls_version(mut self, version: TlsVersion) -> Self {
        self.latest_supported_tls_version = Some(version);
        self
    }

    /// What Graph would refuse, refused before anything is sent.
    fn check(&self) -> std::result::Result<(), InvalidRequest> {
        self.resource.check()?;
        check_url("notificationUrl", &self.notification_url)?;
        if let Some(url) = &self.lifecycle_notification_url {
            check_url("lifecycleNotificationUrl", url)?;
        }
        if self.change_types.is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: "a subscription needs at least one change type".into(),
            });
        }
        if let Some(state) = &self.client_state {
            let chars = state.chars().count();
            if chars > MAX_CLIENT_STATE_CHARS {
                // The value is a secret: only its length is reported.
                return Err(InvalidRequest::InvalidValue {
                    reason: format!(
                        "clientState has {chars} characters; Graph accepts at most \
                         {MAX_CLIENT_STATE_CHARS}"
                    ),
                });
            }
        }
        Ok(())
    }

    /// Sends it (`POST /subscriptions`, 201): Graph first validates the notification URL(s),
    /// then answers with the subscription.
    pub async fn send(self) -> Result<Subscription> {
        self.check()?;
        let rich = self.certificate.is_some();
        let latest = self.subscriptions.latest_expiration(rich);
        let first = self
            .expiration
            .map_or(latest, |at| at.trunc_subsecs(0).min(latest));
        match self.post(first).await {
            Err(e) => match self.subscriptions.capped_by(&e, first) {
                Some(capped) => self.post(capped).await,
                None => Err(e),
            },
            created => created,
        }
    }

    async fn post(&self, expiration: DateTime<Utc>) -> Result<Subscription> {
        let change_type: Vec<&str> = self.change_types.iter().map(ChangeType::as_str).collect();
        let body = NewSubscription {
            change_type: change_type.join(","),
            notification_url: &self.notification_url,
            lifecycle_notification_url: self.lifecycle_notification_url.as_deref(),
            resource: self.resource.as_str(),
            expiration_date_time: wire_time(expiration),
            client_state: self.client_state.as_deref(),
            include_resource_data: self.certificate.as_ref().map(|_| true),
            certificate: CertificateFields::of(self.certificate.as_ref()),
            latest_supported_tls_version: self
                .latest_supported_tls_version
                .as_ref()
                .map(TlsVersion::as_str),
        };
        let request =
            Request::post("createSubscription", vec!["subscriptions".into()]).json(&body)?;
        send(&self.subscriptions.client, request).await?.json()
    }
}

await_sends!(CreateSubscription => Subscription);

/// Changes a subscription; from [`Subscriptions::update`] (and [`Subscriptions::renew`]).
#[must_use = "nothing is sent until you call .send().await"]
pub struct UpdateSubscription {
    subscriptions: Subscriptions,
    id: String,
    expiration: Option<DateTime<Utc>>,
    notification_url: Option<String>,
    certificate: Option<EncryptionCertificate>,
}

impl fmt::Debug for UpdateSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A notification URL may carry a secret in its query string.
        f.debug_struct("UpdateSubscription")
            .field("id", &self.id)
            .field("expiration", &self.expiration)
            .field(
                "notification_url",
                &self.notification_url.as_ref().map(|_| "<set>"),
            )
            .field("certificate", &self.certificate.as_ref().map(|c| c.id()))
            .finish()
    }
}

/// The `PATCH /subscriptions/{id}` body: only what changes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionChanges<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notification_url: Option<&'a str>,
    #[serde(flatten)]
    certificate: Option<CertificateFields<'a>>,
}

impl UpdateSubscription {
    /// The new expiration, capped as in [`Subscriptions::renew`] (at
    /// `latest_expiration(true)` when a certificate is set here too).
    pub fn expiration(mut self, at: DateTime<Utc>) -> Self {
        self.expiration = Some(at);
        self
    }

    /// A new notification URL (https; plain http only to this machine). Graph validates it
    /// before it answers, as at creation.
    pub fn notification_url(mut self, url: impl Into<String>) -> Self {
        self.notification_url = Some(url.into());
        self
    }

    /// A new encryption certificate for rich notifications (`encryptionCertificate` and
    /// `encryptionCertificateId` together).
    pub fn encryption_certificate(mut self, certificate: &EncryptionCertificate) -> Self {
        self.certificate = Some(certificate.clone());
        self
    }

    /// Sends it (`200` with the subscription). When Graph refuses the expiration with the
    /// maximum it allows, the change is sent once more with that maximum.
    pub async fn send(self) -> Result<Subscription> {
        if self.expiration.is_none()
            && self.notification_url.is_none()
            && self.certificate.is_none()
        {
            return Err(InvalidRequest::InvalidValue {
                reason: "a subscription update needs a new expiration, notification URL or \
                         certificate"
                    .into(),
            }
            .into());
        }
        if let Some(url) = &self.notification_url {
            check_url("notificationUrl", url)?;
        }
        let latest = self
            .subscriptions
            .latest_expiration(self.certificate.is_some());
        let first = self.expiration.map(|at| at.trunc_subsecs(0).min(latest));
        match self.patch(first).await {
            Err(e) => match first.and_then(|sent| self.subscriptions.capped_by(&e, sent)) {
                Some(capped) => self.patch(Some(capped)).await,
                None => Err(e),
            },
            updated => updated,
        }
    }

    async fn patch(&self, expiration: Option<DateTime<Utc>>) -> Result<Subscription> {
        let body = SubscriptionChanges {
            expiration_date_time: expiration.map(wire_time),
            notification_url: self.notification_url.as_deref(),
            certificate: CertificateFields::of(self.certificate.as_ref()),
        };
        // Applying the same changes twice has the same effect: safe to repeat.
        let request = Request::patch("updateSubscription", path(&self.id, None))
            .json(&body)?
            .idempotent();
        send(&self.subscriptions.client, request).await?.json()
    }
}

await_sends!(UpdateSubscription => Subscription);

/// Graph calls notification URLs over HTTPS only; plain http is let through to this machine
/// (the sandbox and tests). The URL is not quoted: its query string may hold a secret.
fn check_url(what: &str, url: &str) -> std::result::Result<(), InvalidRequest> {
    let invalid = |why: &str| InvalidRequest::InvalidValue {
        reason: format!("the {what} {why}"),
    };
    let parsed = Url::parse(url).map_err(|_| invalid("is not an absolute URL"))?;
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(()),
        "http" if crate::cloud::is_loopback(&parsed) => Ok(()),
        "http" => Err(invalid(
            "is plain http: Graph delivers notifications over HTTPS only (http is accepted \
             for this machine, for tests)",
        )),
        _ => Err(invalid("is not an https URL")),
    }
}
