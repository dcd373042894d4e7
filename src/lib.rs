//! # msgraph-outlook
//!
//! Send mail, work with Outlook mailboxes and calendars (appointments, meetings, responses,
//! proposed new times, free/busy) through Microsoft Graph v1.0: what Exchange developers did
//! with EWS and SMTP basic auth.
//!
//! Dates, as of December 2026: SMTP basic auth in Exchange Online is not retired yet; it is
//! disabled by default for existing tenants at the end of December 2026 (admins can re-enable
//! it), and the final removal date will be announced in the second half of 2027 (Exchange
//! Team blog, "Exchange Online to retire Basic auth for Client Submission (SMTP AUTH)",
//! update of 27 January 2026; Message center MC786329). EWS in Exchange Online: since
//! 1 October 2026 only allow-listed apps, switched off for everyone on 1 April 2027 (Message
//! center MC1227454).
//!
//! ```no_run
//! # async fn run() -> msgraph_outlook::Result<()> {
//! use msgraph_outlook::auth::{ClientCredentials, ClientSecret};
//! use msgraph_outlook::models::Message;
//! use msgraph_outlook::{Cloud, GraphClient};
//!
//! let credentials = ClientCredentials::new(
//!     &Cloud::Global,
//!     "contoso.onmicrosoft.com",                  // tenant
//!     "11111111-2222-3333-4444-555555555555",     // app (client) id
//!     ClientSecret::new(std::env::var("GRAPH_CLIENT_SECRET").unwrap()),
//! )?;
//! let client = GraphClient::builder().token_provider(credentials).build()?;
//!
//! client
//!     .user("adele@contoso.com")
//!     .send_mail(
//!         Message::new()
//!             .subject("Meet for lunch?")
//!             .text_body("The new cafeteria is open.")
//!             .to("alex@contoso.com"),
//!     )
//!     .save_to_sent_items(false)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! ## How it fits together
//! - [`auth`]: where tokens come from: app-only ([`auth::ClientCredentials`] with a secret,
//!   certificate or federated assertion; [`auth::ManagedIdentity`]), a signed-in user
//!   ([`auth::DeviceCode`], [`auth::AuthorizationCode`], [`auth::RefreshToken`] with a
//!   [`auth::TokenStore`]), [`auth::StaticToken`], or your own [`auth::TokenProvider`];
//!   tokens are cached and refreshed once for all callers.
//! - [`GraphClient`]: one pooled HTTP client, the cloud's base URL, and the single request
//!   pipeline (headers, `Prefer`, token refresh on 401, error mapping).
//! - [`api::Mailbox`]: `client.me()` or `client.user(id)`; every endpoint hangs off it:
//!   mail ([`api::Mailbox::send_mail`], [`api::MessageRef`]) and calendar
//!   ([`api::Mailbox::create_event`], [`api::Mailbox::calendar_view`], [`api::EventRef`],
//!   [`api::Mailbox::get_schedule`], [`api::Mailbox::meeting_responses`]).
//! - [`Batch`]: `client.batch()` sends many of those calls in few `POST /$batch` round trips
//!   (20 per batch, `dependsOn`, throttled requests retried), each with its own typed result.
//! - [`notifications`]: the webhook receiver for change notifications (validation handshake,
//!   `clientState`, rich notifications' tokens and decrypted data, back-pressure), independent
//!   of any web framework; `notifications::axum` mounts it with the `axum` feature.
//! - [`models`]: Graph resources with Graph's names.
//! - [`Error`]: every failure, with status, Graph code, message and request ids.
//!
//! ## National clouds
//! [`Cloud`] picks the Graph root, the login authority and the `.default` scope together:
//! Global, US Gov L4, US Gov L5 (DoD), China, or a custom pair for proxies and tests.
//!
//! ## Testing without a tenant
//! The companion crate `msgraph-outlook-sandbox` is an in-memory Graph on 127.0.0.1: point
//! [`GraphClientBuilder::base_url`] and the token provider's cloud at it.

#![warn(missing_docs)]
#![deny(missing_debug_implementations)]

pub mod api;
pub mod auth;
mod client;
mod cloud;
mod error;
pub mod models;
pub mod notifications;
mod pem;
mod private_file;
mod random;
mod wall_clock;
pub mod watch;

pub use client::{
    Accepted, Batch, BatchItem, BatchResults, Batchable, GraphClient, GraphClientBuilder, Page,
    RetryPolicy, Sleeper, TokioSleeper, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAILBOX_CONCURRENCY,
    DEFAULT_TIMEOUT,
};
pub use cloud::{Cloud, CustomCloud};
pub use error::RecipientRefusal;
pub use error::{
    AccessDenied, AuthError, DecodeError, Error, GraphError, InvalidRequest, MissingRight,
    OutcomeUnknown, Result, TransportError, TransportErrorKind,
};

/// The README's Rust examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
