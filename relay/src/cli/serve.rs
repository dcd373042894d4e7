//! `serve`: the SMTP listener, the delivery workers and the HTTP endpoint, until SIGTERM
//! or SIGINT; then they stop accepting, in-flight sends finish or are released, and the
//! process exits 0.

use super::exit::{CliResult, Failure, CONFIG, SOFTWARE, TEMPFAIL};
use super::http::{self, Health};
use super::load;
use msgraph_relay::config::Config;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::shutdown::{self, Shutdown};
use msgraph_relay::smtp::{ListenerKind, SmtpServer};
use msgraph_relay::spool::Spool;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// `/metrics` and `/healthz` could not listen: EX_OSERR.
const OSERR: u8 = 71;

/// Runs the relay until a signal.
pub async fn run(config: Config) -> CliResult {
    // The same checks as `check-config`: a daemon that would fail later refuses to start.
    let problems = config.problems();
    if !problems.is_empty() {
        return Err(Failure::new(CONFIG, super::join_problems(&problems)));
    }
    // Installed first: a SIGTERM right after the `listening` line must already stop cleanly.
    let mut signals = Signals::install()?;
    let spool = load::spool(&config).await?;
    let graph = config
        .graph
        .client()
        .map_err(|problems| Failure::new(CONFIG, super::join_problems(&problems)))?;
    let metrics = Metrics::new();
    let health = Arc::new(Health::default());
    let (trigger, stop) = shutdown::channel();

    let mut workers = start_workers(
        &config,
        spool.clone(),
        graph,
        metrics.clone(),
        &health,
        &stop,
    )
    .await?;
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .map_err(|e| Failure::new(OSERR, format!("http.listen {}: {e}", config.http.listen)))?;
    let http_addr = listener
        .local_addr()
        .map_err(|e| Failure::new(OSERR, e.to_string()))?;
    let http_task = tokio::spawn(http::serve(
        listener,
        spool.clone(),
        metrics,
        health.clone(),
        stop.clone(),
    ));
    let addrs = |kind: ListenerKind| -> String {
        let list: Vec<String> = workers
            .smtp_addrs
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, a)| a.to_string())
            .collect();
        list.join(",")
    };
    // One line tests and operators can parse (ports chosen by the system when 0).
    tracing::info!(
        smtp = %addrs(ListenerKind::Submission),
        smtps = %addrs(ListenerKind::ImplicitTls),
        http = %http_addr,
        spool = %spool.backend().describe(),
        "listening"
    );

    let stopped_early = tokio::select! {
        signal = signals.recv() => {
            tracing::info!(signal, "shutting down: no new connections; in-flight sends finish or are released");
            false
        }
        Some(which) = workers.ended.recv() => {
            tracing::error!(worker = which, "a worker stopped on its own: shutting down");
            true
        }
    };
    trigger.trigger();
    let outcome = workers.join().await;
    match http_task.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "the HTTP endpoint failed"),
        Err(e) => tracing::error!(error = %e, "the HTTP endpoint panicked"),
    }
    match (outcome, stopped_early) {
        (Err(e), _) => Err(e),
        (Ok(()), true) => Err(Failure::new(SOFTWARE, "a worker stopped on its own")),
        (Ok(()), false) => {
            tracing::info!("stopped");
            Ok(())
        }
    }
}

/// The running SMTP server and delivery workers.
struct Workers {
    smtp_addrs: Vec<(ListenerKind, SocketAddr)>,
    smtp: JoinHandle<Result<(), String>>,
    delivery: JoinHandle<Result<(), String>>,
    /// Names the worker whose task ended.
    ended: mpsc::Receiver<&'static str>,
}

/// The one place that wires the spool, Graph, delivery and SMTP together.
async fn start_workers(
    config: &Config,
    spool: Spool,
    graph: msgraph_outlook::GraphClient,
    metrics: Metrics,
    health: &Arc<Health>,
    stop: &Shutdown,
) -> Result<Workers, Failure> {
    let deliverer = super::deliverer(config, &spool, graph, metrics.clone());
    // Attempts a crash interrupted become `unknown` before anything is accepted, so the
    // `listening` line means ready (`run` repeats this; the second pass finds nothing).
    deliverer
        .recover()
        .await
        .map_err(|e| Failure::new(TEMPFAIL, format!("delivery: {e}")))?;
    let size_limit = deliverer.size_limit();
    let server = SmtpServer::bind(&config.smtp, spool, size_limit, metrics)
        .await
        .map_err(|e| Failure::new(TEMPFAIL, format!("smtp: {e}")))?;
    let smtp_addrs = server.local_addrs();
    // Each task marks itself unhealthy and says so when it ends.
    let (ended_tx, ended) = mpsc::channel(2);
    let (smtp_stop, smtp_health, smtp_ended) = (stop.clone(), health.clone(), ended_tx.clone());
    let smtp = tokio::spawn(async move {
        let outcome = server.serve(smtp_stop).await.map_err(|e| e.to_string());
        smtp_health.smtp.store(false, Ordering::SeqCst);
        let _ = smtp_ended.send("smtp").await;
        outcome
    });
    let (delivery_stop, delivery_health) = (stop.clone(), health.clone());
    let delivery = tokio::spawn(async move {
        let outcome = deliverer
            .run(delivery_stop)
            .await
            .map_err(|e| e.to_string());
        delivery_health.delivery.store(false, Ordering::SeqCst);
        let _ = ended_tx.send("delivery").await;
        outcome
    });
    Ok(Workers {
        smtp_addrs,
        smtp,
        delivery,
        ended,
    })
}

impl Workers {
    /// Waits for both after shutdown was triggered.
    async fn join(self) -> CliResult {
        match self.smtp.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(Failure::new(SOFTWARE, format!("smtp: {e}"))),
            Err(e) => {
                return Err(Failure::new(
                    SOFTWARE,
                    format!("the SMTP server panicked: {e}"),
                ))
            }
        }
        match self.delivery.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Failure::new(SOFTWARE, format!("delivery: {e}"))),
            Err(e) => Err(Failure::new(
                SOFTWARE,
                format!("the delivery workers panicked: {e}"),
            )),
        }
    }
}

/// SIGTERM (systemd's stop) and SIGINT (Ctrl-C).
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Signals, Failure> {
        use tokio::signal::unix::{signal, SignalKind};
        let failure = |e: std::io::Error| Failure::new(SOFTWARE, format!("signal handler: {e}"));
        Ok(Signals {
            term: signal(SignalKind::terminate()).map_err(failure)?,
            int: signal(SignalKind::interrupt()).map_err(failure)?,
        })
    }

    /// The next signal's name.
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}
