//! Delivering spooled messages through Graph (issue 17 items 5–9).
//!
//! One module per job, each depending only on those below it:
//! - [`attempt`]: one claimed message: send it, or resolve an unknown outcome;
//! - [`send`]: the MIME path and the draft path;
//! - [`draft`] (large messages as drafts with upload sessions, on [`mime_walk`] and
//!   [`decode`]: parts decoded as they stream from the spool), [`lookup`] (finding a
//!   message by Message-ID), [`bounce`] (failure reports), [`log`] (the delivery log);
//! - [`recipients`], [`headers`], [`outcome`] (what an error means), [`pacer`]
//!   (per-mailbox limits), [`size`] (the size limit the SMTP server asks), [`in_flight`]
//!   (a message claimed again after its lease ran out is left to the first claim).
//!
//! Never twice: before each send the spool row is `sending` with the attempt's
//! `client-request-id`; Graph's answer makes it `sent`, `queued` (Graph did not act: 429,
//! 503, connection refused, a definite 4xx… retried until `max_age`) or `failed`
//! (permanent). An answer that does not say whether Graph took the message (timeout, 504,
//! a dropped connection, a crash) makes it `unknown`: after `grace` the relay looks for
//! its Message-ID in the mailbox's Sent Items, Outbox and Drafts (a draft-path message also
//! by its queue-id property); found → `sent`; only when
//! it is still absent `window` after the attempt is it sent again. The client is used
//! without its own retries, so no request is ever repeated behind the relay's back.

pub mod attempt;
pub mod bounce;
pub mod decode;
pub mod draft;
pub mod headers;
pub mod in_flight;
pub mod log;
pub mod lookup;
pub mod mime_walk;
pub mod outcome;
pub mod pacer;
pub mod recipients;
pub mod send;
pub mod size;

use crate::clock::Clock;
use crate::config::DeliveryConfig;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::size_limit::MessageSizeLimit;
use crate::spool::{QueueId, Spool, SpoolError, State};
use attempt::Context;
use msgraph_outlook::{GraphClient, RetryPolicy};
use pacer::{Limits, Pacer};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Most messages claimed by one [`Deliverer::run_due`].
const MAX_CLAIM: usize = 100_000;

/// Why delivery stopped.
#[derive(Debug)]
pub enum DeliveryError {
    /// The spool failed.
    Spool(SpoolError),
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliveryError::Spool(e) => write!(f, "delivery stopped: {e}"),
        }
    }
}

impl std::error::Error for DeliveryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DeliveryError::Spool(e) => Some(e),
        }
    }
}

impl From<SpoolError> for DeliveryError {
    fn from(e: SpoolError) -> Self {
        DeliveryError::Spool(e)
    }
}

/// The delivery workers. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Deliverer {
    context: Context,
    size_limit: Arc<size::MailboxSizeLimit>,
}

impl Deliverer {
    /// Delivers `spool`'s messages through `graph` (used without its own retries).
    pub fn new(
        spool: Spool,
        graph: GraphClient,
        config: DeliveryConfig,
        clock: Arc<dyn Clock>,
        metrics: Metrics,
    ) -> Self {
        let graph = graph.with_retry_policy(RetryPolicy::never());
        let config = Arc::new(config);
        let limits = Limits {
            max_concurrent: config.max_concurrent,
            max_requests: config.workers,
            messages_per_minute: config.messages_per_minute,
            recipients_per_day: config.recipients_per_day,
        };
        let pacer = match spool.shared_limits() {
            Some(shared) => Pacer::shared(limits, shared, config.lease, clock.clone()),
            None => Pacer::new(limits),
        };
        Deliverer {
            size_limit: Arc::new(size::MailboxSizeLimit::new(
                graph.clone(),
                config.clone(),
                clock.clone(),
            )),
            context: Context {
                spool,
                graph,
                config,
                clock,
                metrics,
                pacer,
                in_flight: Default::default(),
            },
        }
    }

    /// The MessageSizeLimit the SMTP server asks (the sending mailbox's maximum message
    /// size, cached; `max_message_size` when it cannot be read).
    pub fn size_limit(&self) -> Arc<dyn MessageSizeLimit> {
        self.size_limit.clone()
    }

    /// Recovers interrupted attempts and rebuilds the pacing history from the sent rows of
    /// the last day.
    async fn start(&self) -> Result<(), DeliveryError> {
        let c = &self.context;
        let now = c.clock.now();
        // On a shared spool the `sending` rows are other relays' attempts in flight (a
        // stopped relay's are taken when their leases run out, by `claim_due`).
        let sending = if c.pacer.is_shared() {
            Vec::new()
        } else {
            c.spool.list(&[State::Sending], MAX_CLAIM).await?
        };
        c.spool.recover(now, c.config.grace).await?;
        // Parts decoded by attempts that were cut short.
        let _ = tokio::fs::remove_dir_all(send::parts_dir(&c.spool)).await;
        for record in &sending {
            log::write(
                record,
                log::Entry {
                    state: "unknown",
                    outcome:
                        "interrupted by a stop: looked for in the sending mailbox before any resend",
                    ..log::Entry::default()
                },
            );
        }
        // A shared spool keeps the history in the database.
        let sent = if c.pacer.is_shared() {
            Vec::new()
        } else {
            c.spool.list(&[State::Sent], MAX_CLAIM).await?
        };
        for record in sent {
            if record.updated_at > now - chrono::Duration::days(1) {
                if let Some(mailbox) = &record.mailbox {
                    let rcpts = record.envelope.rcpt_to.len() as u32;
                    c.pacer.record(mailbox, rcpts, record.updated_at);
                }
            }
        }
        Ok(())
    }

    /// Recovers interrupted attempts (`Spool::recover`), then delivers until shutdown; on
    /// shutdown stops claiming, lets in-flight sends finish (bounded by
    /// `shutdown_timeout`), and leaves anything else in a state that is safe after a
    /// restart (an attempt cut short stays `sending` and is checked as unknown then).
    pub async fn run(self, mut shutdown: Shutdown) -> Result<(), DeliveryError> {
        let c = &self.context;
        let mut outage = Outage::default();
        // A shared spool may be restarting: wait for it rather than stop.
        loop {
            match self.start().await {
                Ok(()) => break,
                Err(DeliveryError::Spool(e)) if e.is_unavailable() => {
                    outage.seen(&e);
                    tokio::select! {
                        _ = tokio::time::sleep(OUTAGE_WAIT) => {}
                        _ = shutdown.wait() => return Ok(()),
                    }
                }
                Err(e) => return Err(e),
            }
        }
        let workers = Arc::new(Semaphore::new(in_hand(&c.config)));
        let mut tasks: JoinSet<Result<(), SpoolError>> = JoinSet::new();
        // Claims on messages in hand (waiting for a slot, or being sent) and their shared
        // slots hold as long as this relay lives, through the drain at shutdown too.
        let renewing = self.keep_claims(Vec::new());
        let result = loop {
            if shutdown.is_triggered() {
                break Ok(());
            }
            while let Some(done) = tasks.try_join_next() {
                report(done);
            }
            let free = workers.available_permits();
            let mut claimed = 0;
            if free > 0 {
                let records = match c.spool.claim_due(c.clock.now(), c.config.lease, free).await {
                    Ok(records) => {
                        outage.over();
                        records
                    }
                    Err(e) if e.is_unavailable() => {
                        outage.seen(&e);
                        Vec::new()
                    }
                    Err(e) => break Err(e.into()),
                };
                claimed = records.len();
                for record in records {
                    let Ok(permit) = workers.clone().acquire_owned().await else {
                        break;
                    };
                    let context = c.clone();
                    tasks.spawn(async move {
                        let result = context.process(record).await;
                        drop(permit);
                        result
                    });
                }
            }
            if claimed > 0 && claimed == free {
                continue;
            }
            let wait = match c.spool.next_due().await {
                Ok(Some(due)) => (due - c.clock.now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(c.config.poll_interval)
                    .max(Duration::from_millis(10)),
                Ok(None) => c.config.poll_interval,
                Err(e) if e.is_unavailable() => {
                    outage.seen(&e);
                    OUTAGE_WAIT
                }
                Err(e) => break Err(e.into()),
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                // A message accepted over SMTP by this process: no need to wait for the poll.
                _ = c.spool.queued() => {}
                _ = shutdown.wait() => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => report(done),
            }
        };
        let drain = async {
            while let Some(done) = tasks.join_next().await {
                report(done);
            }
        };
        if tokio::time::timeout(c.config.shutdown_timeout, drain)
            .await
            .is_err()
        {
            // Still in flight: they stay `sending` and are checked as unknown on restart.
            tasks.abort_all();
        }
        drop(renewing);
        result
    }

    /// Processes everything due at `clock.now()` once and waits for it (tests with a
    /// manual clock). Returns how many messages were handled.
    pub async fn run_due(&self) -> Result<usize, DeliveryError> {
        let c = &self.context;
        // A shared queue is every relay's (`sendmail --direct` among them): one pass takes
        // only what this process can have in hand at once.
        let most = if c.pacer.is_shared() {
            in_hand(&c.config)
        } else {
            MAX_CLAIM
        };
        let records = c
            .spool
            .claim_due(c.clock.now(), c.config.lease, most)
            .await?;
        let count = records.len();
        let _renewing = self.keep_claims(records.iter().map(|r| r.id.clone()).collect());
        let workers = Arc::new(Semaphore::new(in_hand(&c.config)));
        let mut tasks = JoinSet::new();
        for record in records {
            let permit = workers
                .clone()
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let context = c.clone();
            tasks.spawn(async move {
                let result = context.process(record).await;
                drop(permit);
                result
            });
        }
        // Every send finishes (none is cut short by another's error); the first error is
        // the pass's.
        let mut first_error = None;
        while let Some(done) = tasks.join_next().await {
            if let Ok(Err(e)) = done {
                first_error.get_or_insert(e);
            }
        }
        match first_error {
            Some(e) => Err(e.into()),
            None => Ok(count),
        }
    }

    /// Renews the claims on `ids` and on the messages in hand, and this relay's shared
    /// slots, every third of the lease until the returned guard is dropped: the one
    /// renewal of [`run`](Self::run) and of a pass of [`run_due`](Self::run_due).
    fn keep_claims(&self, ids: Vec<QueueId>) -> AbortOnDrop {
        let c = self.context.clone();
        AbortOnDrop(tokio::spawn(async move {
            loop {
                tokio::time::sleep(c.config.lease / 3).await;
                let now = c.clock.now();
                let mut ids = ids.clone();
                ids.extend(c.in_flight.ids());
                if let Err(e) = c.spool.renew(&ids, now, c.config.lease).await {
                    tracing::warn!(target: log::TARGET, error = %e, "claims not renewed");
                }
                c.pacer.renew(now).await;
            }
        }))
    }

    /// Like [`run`](Self::run)'s start: recovers interrupted attempts and rebuilds the
    /// pacing history, for callers that then drive [`run_due`](Self::run_due).
    pub async fn recover(&self) -> Result<(), DeliveryError> {
        self.start().await
    }
}

/// Aborts its task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long delivery waits before asking a spool that could not be reached again.
const OUTAGE_WAIT: Duration = Duration::from_secs(1);

/// A spool that cannot be reached (a database restarting): logged when it starts and when
/// it ends, not at every poll.
#[derive(Debug, Default)]
struct Outage {
    since_logged: bool,
}

impl Outage {
    fn seen(&mut self, e: &SpoolError) {
        if !self.since_logged {
            tracing::error!(target: log::TARGET, error = %e, "spool unavailable: delivery waits for it");
            self.since_logged = true;
        }
    }

    fn over(&mut self) {
        if std::mem::take(&mut self.since_logged) {
            tracing::info!(target: log::TARGET, "spool available again: delivery goes on");
        }
    }
}

/// Messages in hand at once: twice the requests in flight (the pacer holds those to
/// `workers`), so one message's spool commits overlap another's Graph request.
fn in_hand(config: &DeliveryConfig) -> usize {
    config.workers.max(1) * 2
}

fn report(done: Result<Result<(), SpoolError>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(())) => {}
        // A claim that ran out was taken by another relay: nothing went wrong.
        Ok(Err(e @ SpoolError::NotClaimed(_))) => {
            tracing::info!(target: log::TARGET, error = %e, "left to another relay")
        }
        Ok(Err(e)) => tracing::error!(target: log::TARGET, error = %e, "delivery step failed"),
        Err(e) => tracing::error!(target: log::TARGET, error = %e, "delivery task failed"),
    }
}
