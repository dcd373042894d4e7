//! The receiver on an axum route (feature `axum`).
//!
//! [`handler`] streams the request body into [`Notifications::handle`] and turns its
//! [`Answer`] into a response; it never waits for the application (notifications go
//! through the bounded channel), so Graph gets its answer well within its 10 s (§2.2).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use msgraph_outlook::notifications::{self, Notifications};
//!
//! let (receiver, mut incoming) = Notifications::builder().build()?;
//! receiver.register("7f105c7d-2dc5-4530-97cd-4e7ae6534c07", "the clientState you chose");
//!
//! let app = axum::Router::new()
//!     .route("/graph/notify", axum::routing::post(notifications::axum::handler))
//!     .with_state(receiver);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! tokio::spawn(async move { axum::serve(listener, app).await });
//!
//! while let Some(notification) = incoming.recv().await {
//!     println!("{notification:?}");
//! }
//! # Ok(()) }
//! ```

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{Answer, Notifications};

/// A router that answers every path and method with the receiver; mount it with
/// `Router::nest_service` or serve it as is.
pub fn router(notifications: Notifications) -> axum::Router {
    axum::Router::new()
        .fallback(handler)
        .with_state(notifications)
}

/// The axum handler: use it on the route of your notification URL (and lifecycle URL),
/// with the [`Notifications`] as state.
pub async fn handler(State(notifications): State<Notifications>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let answer = notifications
        .handle(
            parts.method.as_str(),
            parts.uri.query(),
            &parts.headers,
            body.into_data_stream(),
        )
        .await;
    response(answer)
}

fn response(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Body::from(answer.body)).into_response();
    let headers = response.headers_mut();
    if let Some(content_type) = answer.content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    if let Some(seconds) = answer.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
