//! Secrets and tokens never show in Debug, Display or errors.

mod common;
#[path = "support/raw_server.rs"]
mod raw_server;

use common::*;
use msgraph_outlook::auth::{AccessToken, ClientCredentials, ClientSecret, StaticToken};
use msgraph_outlook::models::Message;
use msgraph_outlook::{Cloud, GraphClient};

const SECRET: &str = "Xq8~super.secret-value_123";

#[test]
fn debug_of_providers_tokens_and_clients_hides_secrets() {
    let credentials = ClientCredentials::new(
        &Cloud::Global,
        "contoso.onmicrosoft.com",
        "client-id",
        ClientSecret::new(SECRET),
    )
    .unwrap();
    let client = GraphClient::builder()
        .token_provider(credentials)
        .build()
        .unwrap();
    let builder = GraphClient::builder().token_provider(StaticToken::new(TOKEN));
    let shown = [
        format!("{:?}", ClientSecret::new(SECRET)),
        format!("{:?}", AccessToken::new(TOKEN)),
        format!("{:?}", StaticToken::delegated(TOKEN)),
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{builder:?}"),
        format!("{:?}", client.me()),
    ];
    for text in shown {
        assert!(
            !text.contains(SECRET) && !text.contains(TOKEN),
            "leaked: {text}"
        );
    }
    // The non-secret parts are still there to debug with.
    assert!(format!("{client:?}").contains("contoso.onmicrosoft.com"));
}

#[tokio::test]
async fn errors_do_not_contain_the_token() {
    let mut server = server().await;
    // A server that echoes the Authorization header back in its error must not make us leak it…
    let _mock = server
        .mock("POST", "/v1.0/me/sendMail")
        .with_status(400)
        .with_body(r#"{"error":{"code":"BadRequest","message":"bad"}}"#)
        .create_async()
        .await;
    let err = client(&server)
        .me()
        .send_mail(Message::new().to("a@contoso.com"))
        .await
        .unwrap_err();
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(TOKEN), "{text}");
    }
}

/// Named `reliability::…` to run with `cargo test reliability`; it lives in this test binary
/// because `tracing` caches per call site whether anyone listens, which a thread-local
/// subscriber in a busy binary can miss.
mod reliability {
    use std::sync::{Arc, Mutex};

    use msgraph_outlook::auth::{ClientCredentials, ClientSecret};
    use msgraph_outlook::models::Message;
    use msgraph_outlook::{Cloud, Error, GraphClient};

    use super::common::{self, client_at, RecordingSleeper, TOKEN};
    use super::raw_server::{scripted, RawServer, Reply};

    fn unavailable() -> Reply {
        Reply::json(
            503,
            &common::graph_error("serviceNotAvailable", "Service unavailable"),
        )
    }

    fn message(subject: &str) -> Message {
        Message::new().subject(subject).to("alex@contoso.com")
    }

    // ---- Secrets stay out of errors and logs ----

    /// Collects everything `tracing` writes, at every level, on this thread.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn secrets_appear_in_no_error_and_no_log() {
        const SECRET: &str = "Zx8~secret.value_do-not-log";
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        // A failed token request…
        let mut server = common::server().await;
        let _token = server
            .mock("POST", "/tenant/oauth2/v2.0/token")
            .with_status(401)
            .with_body(r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}"#)
            .create_async()
            .await;
        let cloud = Cloud::from_base_url(&common::base_url(&server), &server.url()).unwrap();
        let credentials =
            ClientCredentials::new(&cloud, "tenant", "client", ClientSecret::new(SECRET)).unwrap();
        let app = GraphClient::builder()
            .base_url(common::base_url(&server))
            .token_provider(credentials)
            .build()
            .unwrap();
        let auth_error = app
            .user("adele@contoso.com")
            .send_mail(message("Hi"))
            .await
            .unwrap_err();
        assert!(matches!(auth_error, Error::Auth(_)));

        // …and a failed Graph request, retried (and logged) before it fails.
        let graph = RawServer::start(scripted(
            vec![unavailable(), unavailable()],
            Reply::json(400, &common::graph_error("BadRequest", "no")),
        ))
        .await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let graph_error = client_at(&graph.base_url(), &sleeper)
            .me()
            .send_mail(message("Hi"))
            .await
            .unwrap_err();
        assert_eq!(graph_error.status(), Some(400));

        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(
            logs.contains("retrying Graph request"),
            "the retries were logged: {logs}"
        );
        for text in [
            format!("{auth_error}"),
            format!("{auth_error:?}"),
            format!("{graph_error}"),
            format!("{graph_error:?}"),
            logs,
        ] {
            assert!(
                !text.contains(SECRET) && !text.contains(TOKEN),
                "leaked in: {text}"
            );
        }
    }
}

#[test]
fn debug_of_a_watch_hides_secrets_in_its_webhook_urls() {
    use msgraph_outlook::models::{MailboxRef, WellKnownFolder};
    use msgraph_outlook::watch::Watch;
    let watch = Watch::folder_messages(
        MailboxRef::Me,
        WellKnownFolder::Inbox,
        format!("https://hooks.example.com/graph/notify?code={SECRET}"),
    )
    .lifecycle_notification_url(format!(
        "https://hooks.example.com/graph/lifecycle?code={SECRET}"
    ))
    .named("inbox");
    for text in [format!("{watch:?}"), format!("{watch:#?}")] {
        assert!(!text.contains(SECRET), "leaked: {text}");
        assert!(text.contains("me/mailFolders('inbox')/messages"), "{text}");
    }
}
