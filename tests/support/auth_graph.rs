//! The Graph side of the token-provider tests (auth.rs, auth_azure.rs): Adele's sendMail,
//! matched on the bearer token it must carry.
#![allow(dead_code)] // each test file uses a different subset

use mockito::{Mock, ServerGuard};
use msgraph_outlook::models::Message;

use super::common::graph_error;

/// `POST /users/adele@contoso.com/sendMail` with `Bearer {token}`, expected `hits` times and
/// answered `status`: a 401 with Graph's expired-token error, anything else without body.
pub async fn graph_send_mail(
    server: &mut ServerGuard,
    token: &str,
    status: usize,
    hits: usize,
) -> Mock {
    server
        .mock("POST", "/v1.0/users/adele@contoso.com/sendMail")
        .match_header("authorization", format!("Bearer {token}").as_str())
        .with_status(status)
        .with_body(if status == 401 {
            graph_error(
                "InvalidAuthenticationToken",
                "Access token has expired or is not yet valid.",
            )
            .to_string()
        } else {
            String::new()
        })
        .expect(hits)
        .create_async()
        .await
}

/// The message the token-provider tests send.
pub fn message() -> Message {
    Message::new().subject("Hi").to("alex@contoso.com")
}
