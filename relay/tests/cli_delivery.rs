//! From the command line to a sandbox Inbox: `sendmail -t` queued, delivered by `serve`,
//! exactly once; `sendmail --direct` delivered before it exits.

mod cli_common;

use cli_common::{Relay, Serve};
use msgraph_outlook_sandbox::Sandbox;
use msgraph_relay::spool::State;
use std::time::{Duration, Instant};

const CRON: &[u8] = b"To: alex@contoso.com\nSubject: cron\n\nbody\n";

async fn sandbox_relay() -> (Sandbox, Relay) {
    cli_common::sandbox_relay("[sendmail]\ndefault_sender = \"adele@contoso.com\"\n").await
}

fn inbox_subjects(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .messages("alex@contoso.com", "inbox")
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sendmail_dash_t_arrives_in_alex_inbox_exactly_once() {
    let (sandbox, relay) = sandbox_relay().await;
    let mut serve = Serve::start(&relay);
    let run = tokio::task::block_in_place(|| relay.sendmail(&["-t"], CRON));
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let spool = relay.spool();
    let id = spool.list(&[], 10).await.unwrap()[0].id.clone();
    // Bounded wait on a real process: until the spool says sent.
    let deadline = Instant::now() + Duration::from_secs(60);
    while spool.get(&id).await.unwrap().state != State::Sent {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            spool.get(&id).await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(inbox_subjects(&sandbox), ["cron"]);
    let message = &sandbox.messages("alex@contoso.com", "inbox")[0];
    assert_eq!(
        message["from"]["emailAddress"]["address"],
        "adele@contoso.com"
    );
    let code = tokio::task::block_in_place(|| serve.terminate());
    assert_eq!(code, 0);
    // Still once after the relay stopped.
    assert_eq!(inbox_subjects(&sandbox), ["cron"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn sendmail_direct_delivers_before_exiting() {
    let (sandbox, relay) = sandbox_relay().await;
    let run = tokio::task::block_in_place(|| relay.sendmail(&["-t", "--direct"], CRON));
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(inbox_subjects(&sandbox), ["cron"]);
    let records = relay.spool().list(&[], 10).await.unwrap();
    assert_eq!(records[0].state, State::Sent);
}
