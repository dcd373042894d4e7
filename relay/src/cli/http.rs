//! The HTTP endpoint of `serve`: `/metrics` (Prometheus text format) and `/healthz`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::shutdown::Shutdown;
use msgraph_relay::spool::Spool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::TcpListener;

/// The content type of the Prometheus text exposition format 0.0.4.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether the workers still run (set false when their task ends).
#[derive(Debug)]
pub struct Health {
    /// The delivery workers run.
    pub delivery: AtomicBool,
    /// The SMTP server runs.
    pub smtp: AtomicBool,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            delivery: AtomicBool::new(true),
            smtp: AtomicBool::new(true),
        }
    }
}

#[derive(Debug, Clone)]
struct AppState {
    spool: Spool,
    metrics: Metrics,
    health: Arc<Health>,
}

/// Serves `/metrics` and `/healthz` on `listener` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    spool: Spool,
    metrics: Metrics,
    health: Arc<Health>,
    mut shutdown: Shutdown,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics_page))
        .route("/healthz", get(healthz))
        .with_state(AppState {
            spool,
            metrics,
            health,
        });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.wait().await })
        .await
}

async fn metrics_page(State(state): State<AppState>) -> Response {
    // One relay of several on a shared spool reports the queue's depth.
    let reports = state.spool.backend().reports_queue(chrono::Utc::now());
    let counts = match reports.await {
        Ok(true) => state.spool.counts().await.map(Some),
        Ok(false) => Ok(None),
        Err(e) => Err(e),
    };
    match counts {
        Ok(counts) => (
            [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
            state.metrics.encode(counts),
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read the spool: {e}\n"),
        )
            .into_response(),
    }
}

/// 200 `ok` when a message could be received now (the spool takes a new file) and the
/// workers run; 503 with the reason otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    let mut problems = Vec::new();
    // Starting a message creates its file in `incoming/`; dropping it removes it.
    if let Err(e) = state.spool.start(0).await {
        problems.push(format!("spool not writable: {e}"));
    }
    if let Err(e) = state.spool.counts().await {
        problems.push(format!("spool database: {e}"));
    }
    if !state.health.delivery.load(Ordering::SeqCst) {
        problems.push("delivery workers stopped".to_string());
    }
    if !state.health.smtp.load(Ordering::SeqCst) {
        problems.push("SMTP server stopped".to_string());
    }
    if problems.is_empty() {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{}\n", problems.join("\n")),
        )
            .into_response()
    }
}
