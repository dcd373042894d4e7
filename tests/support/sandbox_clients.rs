//! Clients on a started sandbox, shared by the workflow tests.
#![allow(dead_code)] // each test file uses a different subset

use chrono::{TimeZone, Utc};
use msgraph_outlook::auth::{ClientCredentials, ClientSecret, StaticToken};
use msgraph_outlook::{Cloud, GraphClient};
use msgraph_outlook_sandbox::Sandbox;

/// A started sandbox with `users`, its clock at 2026-11-30 08:00 UTC.
pub async fn sandbox_with_clock_set(users: &[&str]) -> Sandbox {
    let sandbox = Sandbox::start().await.unwrap();
    for user in users {
        sandbox.add_user(user);
    }
    sandbox.set_clock(Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap());
    sandbox
}

/// The sandbox as a cloud: its Graph root and its token endpoint.
pub fn cloud(sandbox: &Sandbox) -> Cloud {
    Cloud::from_base_url(&sandbox.base_url(), &sandbox.authority_url()).unwrap()
}

/// A client signed in as `user` (delegated token: `/me` is that user), like a desktop or
/// web app.
pub fn delegated(sandbox: &Sandbox, user: &str) -> GraphClient {
    GraphClient::builder()
        .cloud(cloud(sandbox))
        .token_provider(StaticToken::delegated(sandbox.delegated_token(user)))
        .build()
        .unwrap()
}

/// The sandbox app's client credentials.
pub fn app_credentials(sandbox: &Sandbox) -> ClientCredentials {
    ClientCredentials::new(
        &cloud(sandbox),
        &sandbox.tenant_id(),
        &sandbox.client_id(),
        ClientSecret::new(sandbox.client_secret()),
    )
    .unwrap()
}

/// A client signed in as the sandbox's app (app-only: every mailbox through `/users/{id}`).
pub fn app(sandbox: &Sandbox) -> GraphClient {
    GraphClient::builder()
        .cloud(cloud(sandbox))
        .token_provider(app_credentials(sandbox))
        .build()
        .unwrap()
}
