//! Clients: the tokens, and the sides that send the sendMail requests of the end-to-end
//! runs (bare reqwest, reqwest doing the crate's work, the crate).

use std::sync::Arc;

use msgraph_outlook::api::Mailbox;
use msgraph_outlook::auth::StaticToken;
use msgraph_outlook::models::Message;
use msgraph_outlook::{GraphClient, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use serde::Serialize;

use crate::{support, Failure};

/// A bearer token of a realistic length (Entra access tokens are JWTs of 1.5–2.5 KB).
pub(crate) fn token() -> String {
    let mut t = String::from("eyJ0eXAiOiJKV1QiLCJub25jZSI6IkJlbmNoIiwiYWxnIjoiUlMyNTYifQ.");
    while t.len() < 1700 {
        t.push_str("eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJpc3MiOiJiZW5jaCJ9");
    }
    t.push_str(".c2lnbmF0dXJl");
    t
}

/// A short opaque bearer token (44 bytes, like a personal account's).
const SHORT_TOKEN: &str = "EwBwA8l6BAAUbDba3x2OMJElkF7gJ4z/VbCPEz0AAQ==";

/// The two tokens of the end-to-end runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenSize {
    /// [`SHORT_TOKEN`].
    Short,
    /// [`token()`]: a JWT of a realistic length.
    Jwt,
}

impl TokenSize {
    pub(crate) fn token(self) -> String {
        match self {
            TokenSize::Short => SHORT_TOKEN.to_string(),
            TokenSize::Jwt => token(),
        }
    }

    pub(crate) fn key(self) -> &'static str {
        match self {
            TokenSize::Short => "short",
            TokenSize::Jwt => "jwt",
        }
    }
}

/// Who sends the requests of an end-to-end run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// Bare reqwest: `reqwest::Client::new()`, a POST with `Authorization` (its value built
    /// once), `Content-Type` and the body serialized once before the run; nothing else.
    Bare,
    /// reqwest doing by hand what the crate does: a client configured like the crate's
    /// (User-Agent, timeouts, no redirects), `Accept` and a fresh `client-request-id` per
    /// request, the message cloned and serialized per request.
    SameWork,
    /// The crate with its default per-mailbox limit (4 requests in flight per mailbox).
    Crate,
    /// The crate with the limit switched off (`mailbox_concurrency(None)`).
    CrateUnlimited,
    /// Bare reqwest, plus the message serialized per request (the `ablation` section).
    BareSerialize,
    /// Bare reqwest, plus the message cloned and serialized per request (`ablation`).
    BareBuild,
}

/// The sides of the `ablation` section: from bare reqwest, one part of the crate's work added
/// at a time, to the crate.
pub(crate) const ABLATION: [Side; 6] = [
    Side::Bare,
    Side::BareSerialize,
    Side::BareBuild,
    Side::SameWork,
    Side::CrateUnlimited,
    Side::Crate,
];

pub(crate) const SIDES: [Side; 4] = [
    Side::Bare,
    Side::SameWork,
    Side::Crate,
    Side::CrateUnlimited,
];

impl Side {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Side::Bare => "bare",
            Side::SameWork => "same_work",
            Side::Crate => "crate",
            Side::CrateUnlimited => "crate_unlimited",
            Side::BareSerialize => "bare_serialize",
            Side::BareBuild => "bare_build",
        }
    }

    pub(crate) fn parse(key: &str) -> Option<Side> {
        SIDES
            .into_iter()
            .chain(ABLATION)
            .find(|side| side.key() == key)
    }
}

/// The crate: default settings (default retry policy, no preferences), the per-mailbox limit
/// as given (`Some(4)` is the default).
pub(crate) fn crate_client(origin: &str, token: &str) -> Result<GraphClient, Failure> {
    crate_client_limited(
        origin,
        token,
        Some(msgraph_outlook::DEFAULT_MAILBOX_CONCURRENCY),
    )
}

fn crate_client_limited(
    origin: &str,
    token: &str,
    limit: Option<usize>,
) -> Result<GraphClient, Failure> {
    Ok(GraphClient::builder()
        .base_url(format!("{origin}/v1.0"))
        .token_provider(StaticToken::new(token))
        .mailbox_concurrency(limit)
        .build()?)
}

/// reqwest configured as the crate configures its own client.
fn same_work_client() -> Result<reqwest::Client, Failure> {
    Ok(reqwest::Client::builder()
        .user_agent(concat!("msgraph-outlook/", env!("CARGO_PKG_VERSION")))
        .timeout(DEFAULT_TIMEOUT)
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// The sendMail body as the crate writes it (`saveToSentItems` is left out when true).
#[derive(Serialize)]
struct SendMailBody<'a> {
    message: &'a Message,
}

/// One side's sender, for `mailboxes` mailboxes: request i goes to mailbox i % mailboxes.
#[derive(Clone)]
pub(crate) enum Sender {
    Bare(BareSender),
    SameWork(SameWorkSender),
    Crate(CrateSender),
}

impl Sender {
    pub(crate) fn new(
        side: Side,
        origin: &str,
        token: &str,
        mailboxes: usize,
    ) -> Result<Sender, Failure> {
        let urls: Arc<Vec<String>> = Arc::new(
            (0..mailboxes)
                .map(|i| format!("{origin}/v1.0/users/user{i}@contoso.com/sendMail"))
                .collect(),
        );
        Ok(match side {
            Side::Bare => Sender::Bare(BareSender::new(urls, token, BareWork::None)?),
            Side::BareSerialize => Sender::Bare(BareSender::new(urls, token, BareWork::Serialize)?),
            Side::BareBuild => Sender::Bare(BareSender::new(urls, token, BareWork::Build)?),
            Side::SameWork => Sender::SameWork(SameWorkSender {
                http: same_work_client()?,
                urls,
                token: token.into(),
                message: Arc::new(support::typical_message()),
            }),
            Side::Crate | Side::CrateUnlimited => {
                let limit = match side {
                    Side::Crate => Some(msgraph_outlook::DEFAULT_MAILBOX_CONCURRENCY),
                    _ => None,
                };
                let client = crate_client_limited(origin, token, limit)?;
                Sender::Crate(CrateSender::new(&client, mailboxes))
            }
        })
    }

    pub(crate) async fn send(&self, i: usize) -> Result<(), Failure> {
        match self {
            Sender::Bare(s) => s.send(i).await,
            Sender::SameWork(s) => s.send(i).await,
            Sender::Crate(s) => s.send(i).await,
        }
    }
}

/// A sender for each of `sides`, for `mailboxes` mailboxes on the server at `origin`.
pub(crate) fn senders(
    sides: &[Side],
    origin: &str,
    token: &str,
    mailboxes: usize,
) -> Result<Vec<(Side, Sender)>, Failure> {
    sides
        .iter()
        .map(|&side| Ok((side, Sender::new(side, origin, token, mailboxes)?)))
        .collect()
}

/// Sends with the crate: `mailboxes[i % n].send_mail(message).send()`.
#[derive(Clone)]
pub(crate) struct CrateSender {
    mailboxes: Arc<Vec<Mailbox>>,
    message: Arc<Message>,
}

impl CrateSender {
    pub(crate) fn new(client: &GraphClient, mailboxes: usize) -> Self {
        CrateSender {
            mailboxes: Arc::new(
                (0..mailboxes)
                    .map(|i| client.user(format!("user{i}@contoso.com")))
                    .collect(),
            ),
            message: Arc::new(support::typical_message()),
        }
    }

    pub(crate) async fn send(&self, i: usize) -> Result<(), Failure> {
        // Built per request, as a caller builds one per send_mail.
        let message = Message::clone(&self.message);
        self.mailboxes[i % self.mailboxes.len()]
            .send_mail(message)
            .send()
            .await?;
        Ok(())
    }
}

/// What bare reqwest does per request besides sending.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BareWork {
    /// Nothing: the body was serialized once.
    None,
    /// Serializes the message.
    Serialize,
    /// Clones the message (as a caller builds one per send) and serializes it.
    Build,
}

/// Bare reqwest: what a minimal hand-written call sends, nothing more.
#[derive(Clone)]
pub(crate) struct BareSender {
    http: reqwest::Client,
    urls: Arc<Vec<String>>,
    authorization: reqwest::header::HeaderValue,
    body: bytes::Bytes,
    work: BareWork,
    message: Arc<Message>,
}

impl BareSender {
    fn new(urls: Arc<Vec<String>>, token: &str, work: BareWork) -> Result<Self, Failure> {
        let message = support::typical_message();
        Ok(BareSender {
            http: reqwest::Client::new(),
            urls,
            authorization: format!("Bearer {token}").try_into()?,
            body: serde_json::to_vec(&SendMailBody { message: &message })?.into(),
            work,
            message: Arc::new(message),
        })
    }

    async fn send(&self, i: usize) -> Result<(), Failure> {
        let body: bytes::Bytes = match self.work {
            BareWork::None => self.body.clone(),
            BareWork::Serialize => serde_json::to_vec(&SendMailBody {
                message: &self.message,
            })?
            .into(),
            BareWork::Build => {
                let message = Message::clone(&self.message);
                serde_json::to_vec(&SendMailBody { message: &message })?.into()
            }
        };
        let response = self
            .http
            .post(&self.urls[i % self.urls.len()])
            .header(reqwest::header::AUTHORIZATION, self.authorization.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        accepted(response).await
    }
}

/// Reads a reqwest answer to the end (the connection goes back to the pool) and expects
/// sendMail's `202 Accepted`.
async fn accepted(response: reqwest::Response) -> Result<(), Failure> {
    let status = response.status();
    response.bytes().await?;
    if status != reqwest::StatusCode::ACCEPTED {
        return Err(format!("sendMail answered {status}").into());
    }
    Ok(())
}

/// reqwest doing the crate's work by hand.
#[derive(Clone)]
pub(crate) struct SameWorkSender {
    http: reqwest::Client,
    urls: Arc<Vec<String>>,
    token: Arc<str>,
    message: Arc<Message>,
}

impl SameWorkSender {
    async fn send(&self, i: usize) -> Result<(), Failure> {
        // Built per request, as the crate's caller builds one per send_mail.
        let message = Message::clone(&self.message);
        let response = self
            .http
            .post(&self.urls[i % self.urls.len()])
            .header(reqwest::header::ACCEPT, "application/json")
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .bearer_auth(&self.token)
            // What reqwest's `json` feature does (the crate builds reqwest without it).
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&SendMailBody { message: &message })?)
            .send()
            .await?;
        accepted(response).await
    }
}
