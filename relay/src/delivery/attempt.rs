//! One claimed message, handled once: sent (queued), or looked for in the sending mailbox
//! (unknown outcome), and its new state written to the spool and the delivery log.

use super::headers::{self, HeaderAddresses};
use super::in_flight::InFlight;
use super::log::{self, Entry};
use super::lookup::{self, Found};
use super::outcome::{self, Verdict};
use super::pacer::Pacer;
use super::recipients::{self, Recipients};
use super::send::{draft_tag, parts_dir, Failure, Send, Sent};
use crate::clock::Clock;
use crate::config::DeliveryConfig;
use crate::metrics::Metrics;
use crate::spool::{Record, Spool, SpoolError, State};
use chrono::{DateTime, Utc};
use msgraph_outlook::GraphClient;
use std::sync::Arc;
use std::time::Duration;

/// What the workers share.
#[derive(Debug, Clone)]
pub struct Context {
    /// The queue.
    pub spool: Spool,
    /// Graph, without the client's own retries (the relay schedules them).
    pub graph: GraphClient,
    /// `[delivery]`.
    pub config: Arc<DeliveryConfig>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Counters.
    pub metrics: Metrics,
    /// Per-mailbox pacing.
    pub pacer: Pacer,
    /// The messages being handled here (a claim whose lease ran out is not acted on twice).
    pub in_flight: InFlight,
}

/// The attempt a log line is about.
struct Attempt<'a> {
    mailbox: &'a str,
    path: &'a str,
    crid: &'a str,
    attempts: u32,
}

impl<'a> Attempt<'a> {
    fn entry(&self, state: &'a str, outcome: &'a str, request_id: Option<&'a str>) -> Entry<'a> {
        Entry {
            state,
            outcome,
            mailbox: Some(self.mailbox),
            path: Some(self.path),
            request_id,
            client_request_id: Some(self.crid),
            attempts: Some(self.attempts),
        }
    }
}

/// `d` as a chrono span (saturating).
pub(crate) fn secs(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl Context {
    /// Handles one claimed message.
    pub async fn process(&self, record: Record) -> Result<(), SpoolError> {
        let Some(_handling) = self.in_flight.enter(&record.id) else {
            // Claimed again after its lease ran out: the first claim is still at work.
            return Ok(());
        };
        match record.state {
            State::Unknown => self.check(record).await,
            State::Queued => self.send(record).await,
            _ => Ok(()),
        }
    }

    fn mailbox_of(&self, record: &Record) -> Option<String> {
        record
            .mailbox
            .clone()
            .or_else(|| recipients::sending_mailbox(record, &self.config))
    }

    /// An unknown outcome: look in the sending mailbox before anything else.
    async fn check(&self, record: Record) -> Result<(), SpoolError> {
        let now = self.clock.now();
        let Some(mailbox) = self.mailbox_of(&record) else {
            return self.fail(&record, "no sending mailbox", None, now).await;
        };
        let attempted = record.unknown_since.unwrap_or(record.updated_at);
        let window_over = now >= attempted + secs(self.config.window);
        let found = match lookup::find(
            &self.graph,
            &mailbox,
            &record.message_id,
            draft_tag(&record),
        )
        .await
        {
            Ok(found) => found,
            Err(e) => {
                let error = format!("looking for it failed: {}", outcome::describe(&e));
                if self.expired(&record, now) {
                    // Neither found nor provably absent (e.g. only Mail.Send granted).
                    return self.give_up_unknown(&record, &error, now).await;
                }
                let next = now + secs(e.retry_after().unwrap_or(self.config.grace));
                self.spool
                    .mark_unknown(&record.id, next, &error, now)
                    .await?;
                log::write(
                    &record,
                    Entry {
                        state: "unknown",
                        outcome: &error,
                        mailbox: Some(&mailbox),
                        ..Entry::default()
                    },
                );
                return Ok(());
            }
        };
        match found {
            Found::SentItems | Found::Outbox => {
                self.spool.mark_sent(&record.id, None, now).await?;
                self.metrics.found_in_mailbox.inc();
                self.delivered(&record, now);
                log::write(
                    &record,
                    Entry {
                        state: "sent",
                        outcome: found.as_str(),
                        mailbox: Some(&mailbox),
                        ..Entry::default()
                    },
                );
                Ok(())
            }
            Found::Drafts(_) | Found::Absent if !window_over => {
                // Not proven absent yet: look again after the grace period, and once
                // more when the window is over.
                let next =
                    (now + secs(self.config.grace)).min(attempted + secs(self.config.window));
                let error = record.last_error.clone().unwrap_or_default();
                self.spool
                    .mark_unknown(&record.id, next, &error, now)
                    .await?;
                log::write(
                    &record,
                    Entry {
                        state: "unknown",
                        outcome: &format!("{}: checking again", found.as_str()),
                        mailbox: Some(&mailbox),
                        ..Entry::default()
                    },
                );
                Ok(())
            }
            Found::Drafts(_) | Found::Absent => {
                if let Found::Drafts(id) = &found {
                    // A draft never sent: it goes, and the message is sent afresh.
                    if let Err(e) = self.graph.user(&mailbox).message(id.clone()).delete().await {
                        let next = now + secs(self.config.grace);
                        let error = format!(
                            "deleting the leftover draft failed: {}",
                            outcome::describe(&e)
                        );
                        if self.expired(&record, now) {
                            // Sending beside a draft that may still go would risk two.
                            return self.give_up_unknown(&record, &error, now).await;
                        }
                        self.spool
                            .mark_unknown(&record.id, next, &error, now)
                            .await?;
                        return Ok(());
                    }
                }
                self.metrics.resent.inc();
                let outcome = format!(
                    "{} {} s after the attempt: resending",
                    found.as_str(),
                    (now - attempted).num_seconds()
                );
                log::write(
                    &record,
                    Entry {
                        state: "queued",
                        outcome: &outcome,
                        mailbox: Some(&mailbox),
                        ..Entry::default()
                    },
                );
                self.spool.mark_absent(&record.id, now, &outcome, now).await
            }
        }
    }

    /// A queued message: pace, choose the path, send, record the outcome.
    async fn send(&self, record: Record) -> Result<(), SpoolError> {
        let now = self.clock.now();
        let Some(mailbox) = self.mailbox_of(&record) else {
            return self
                .fail(
                    &record,
                    "no sending mailbox: no envelope sender, From or configured mailbox",
                    None,
                    now,
                )
                .await;
        };
        if self.expired(&record, now) {
            let error = format!(
                "not delivered within {} s: {}",
                self.config.max_age.as_secs(),
                record
                    .last_error
                    .as_deref()
                    .unwrap_or("no attempt succeeded")
            );
            return self.fail(&record, &error, None, now).await;
        }
        let rcpts = record.envelope.rcpt_to.len() as u32;
        let permit = match self.pacer.acquire(&mailbox, rcpts, now).await {
            Ok(permit) => permit,
            Err(at) => return self.spool.defer(&record.id, at).await,
        };
        // The wait for a slot can be long: the attempt starts now.
        let now = self.clock.now();
        let header = headers::read(&self.spool, &record).await?;
        let addresses = HeaderAddresses::parse(&header);
        let split = Recipients::split(
            &record.envelope.rcpt_to,
            &addresses.to,
            &addresses.cc,
            &addresses.bcc,
        );
        // Header recipients outside the envelope can only be left out with explicit
        // recipients: the draft path.
        let path = if record.size <= self.config.mime_limit && !split.dropped_visible {
            "mime"
        } else {
            "draft"
        };
        let crid = uuid::Uuid::new_v4().to_string();
        self.spool
            .mark_sending(&record.id, &mailbox, path, &crid, now)
            .await?;
        let attempts = record.attempts + 1;
        log::write(
            &record,
            Entry {
                state: "sending",
                outcome: "attempt started",
                mailbox: Some(&mailbox),
                path: Some(path),
                client_request_id: Some(&crid),
                attempts: Some(attempts),
                ..Entry::default()
            },
        );
        let send = Send {
            graph: &self.graph,
            mailbox: &mailbox,
            recipients: &split,
            send_as: self.config.send_as,
            client_request_id: &crid,
        };
        let result = match path {
            "mime" => match self.spool.read_body(&record).await {
                Ok(raw) => send.mime(&raw, &addresses).await,
                Err(e) => Err(Failure::Local(format!("reading the message: {e}"))),
            },
            _ => {
                let dir = parts_dir(&self.spool).join(record.id.as_str());
                let result = send.draft(&self.spool, &record, &dir).await;
                let _ = tokio::fs::remove_dir_all(&dir).await;
                result
            }
        };
        // The mailbox's slot covers the Graph request only, not the spool commit after it.
        let now = self.clock.now();
        permit.release(now).await;
        let attempt = Attempt {
            mailbox: &mailbox,
            path,
            crid: &crid,
            attempts,
        };
        let failure = match result {
            Ok(Sent::Earlier(found)) => {
                self.spool.mark_sent(&record.id, None, now).await?;
                self.metrics.found_in_mailbox.inc();
                self.delivered(&record, now);
                let outcome = format!("{} before a resend", found.as_str());
                log::write(&record, attempt.entry("sent", &outcome, None));
                return Ok(());
            }
            Ok(Sent::Accepted(accepted)) => {
                let request_id = accepted.request_id.as_deref();
                self.spool.mark_sent(&record.id, request_id, now).await?;
                self.delivered(&record, now);
                log::write(
                    &record,
                    attempt.entry("sent", "accepted by Graph", request_id),
                );
                return Ok(());
            }
            Err(failure) => failure,
        };
        let (error, request_id, mut verdict, retry_after) = match &failure {
            Failure::Graph { error, .. } => (
                outcome::describe(error),
                error.request_id().map(str::to_string),
                outcome::classify(error),
                error.retry_after(),
            ),
            Failure::Local(error) => (
                error.clone(),
                None,
                Verdict::Transient {
                    retry_after: None,
                    throttled: false,
                },
                None,
            ),
        };
        if let (
            Verdict::Unknown,
            Failure::Graph {
                sent_requested: false,
                ..
            },
        ) = (&verdict, &failure)
        {
            // The draft was never sent: nothing can have gone out.
            verdict = Verdict::Transient {
                retry_after: None,
                throttled: false,
            };
        }
        match verdict {
            Verdict::Unknown => {
                self.metrics.unknown.inc();
                let wait = self.config.grace.max(retry_after.unwrap_or_default());
                self.spool
                    .mark_unknown(&record.id, now + secs(wait), &error, now)
                    .await?;
                log::write(
                    &record,
                    attempt.entry("unknown", &error, request_id.as_deref()),
                );
                Ok(())
            }
            Verdict::Transient {
                retry_after,
                throttled,
            } => {
                if throttled {
                    self.metrics.throttled.inc();
                }
                let delay = outcome::backoff(
                    attempts,
                    retry_after,
                    self.config.retry_initial,
                    self.config.retry_max,
                );
                self.retry_or_expire(
                    &record,
                    now + secs(delay),
                    &error,
                    request_id.as_deref(),
                    &attempt,
                )
                .await
            }
            Verdict::MailboxBlocked => {
                let until = now + secs(self.config.mailbox_pause);
                self.pacer.pause(&mailbox, until).await;
                self.retry_or_expire(&record, until, &error, request_id.as_deref(), &attempt)
                    .await
            }
            Verdict::Permanent => self.fail(&record, &error, request_id.as_deref(), now).await,
        }
    }

    /// An unknown outcome still unresolved at `max_age`: failed without a resend, rather
    /// than checked forever.
    async fn give_up_unknown(
        &self,
        record: &Record,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        let error = format!(
            "outcome unknown after {} s, not resent: {error}",
            self.config.max_age.as_secs()
        );
        self.fail(record, &error, None, now).await
    }

    /// Tries again at `at`, unless that is past the maximum age: then fails.
    async fn retry_or_expire(
        &self,
        record: &Record,
        at: DateTime<Utc>,
        error: &str,
        request_id: Option<&str>,
        attempt: &Attempt<'_>,
    ) -> Result<(), SpoolError> {
        let now = self.clock.now();
        if at > record.created_at + secs(self.config.max_age) {
            let error = format!(
                "not delivered within {} s: {error}",
                self.config.max_age.as_secs()
            );
            return self.fail(record, &error, request_id, now).await;
        }
        self.spool
            .mark_retry(&record.id, at, error, request_id, now)
            .await?;
        let outcome = format!("{error}; next attempt at {}", at.to_rfc3339());
        log::write(record, attempt.entry("queued", &outcome, request_id));
        Ok(())
    }

    fn expired(&self, record: &Record, now: DateTime<Utc>) -> bool {
        now > record.created_at + secs(self.config.max_age)
    }

    fn delivered(&self, record: &Record, now: DateTime<Utc>) {
        self.metrics.delivered.inc();
        let seconds = (now - record.created_at).num_milliseconds().max(0) as f64 / 1000.0;
        self.metrics.delivery_seconds.observe(seconds);
    }

    /// Given up: failed, logged, reported to the sender.
    async fn fail(
        &self,
        record: &Record,
        error: &str,
        request_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.spool
            .mark_failed(&record.id, error, request_id, now)
            .await?;
        self.metrics.failed.inc();
        log::write(
            record,
            Entry {
                state: "failed",
                outcome: error,
                request_id,
                ..Entry::default()
            },
        );
        self.bounce(record, error).await
    }

    async fn bounce(&self, record: &Record, error: &str) -> Result<(), SpoolError> {
        if !self.config.bounce {
            return Ok(());
        }
        // The header section only: the report quotes it, and a large message stays on disk.
        let header = headers::read(&self.spool, record).await.unwrap_or_default();
        let header = &header[..];
        let auto = mail_parser::MessageParser::default()
            .parse_headers(header)
            .and_then(|m| {
                m.header_raw("Auto-Submitted")
                    .map(|v| v.trim().to_ascii_lowercase())
            })
            .is_some_and(|v| v != "no");
        if !super::bounce::wanted(record, auto) {
            return Ok(());
        }
        let Some(mailbox) = self.mailbox_of(record) else {
            return Ok(());
        };
        let report = super::bounce::report(record, &mailbox, error, header, "msgraph-relay");
        let id = self
            .spool
            .enqueue_at(
                super::bounce::envelope(record, &mailbox),
                &report,
                self.clock.now(),
            )
            .await?;
        log::write(
            record,
            Entry {
                state: "failed",
                outcome: &format!(
                    "failure report queued as {id} to {}",
                    record.envelope.mail_from
                ),
                ..Entry::default()
            },
        );
        Ok(())
    }
}
