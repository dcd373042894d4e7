//! JSON batching against the sandbox's `$batch`: the client's batches are ones Graph's rules
//! accept (20 at most, relative URLs, bodies with Content-Type, dependsOn).

#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;

use msgraph_outlook::models::{Message, MessagePatch};
use msgraph_outlook_sandbox::Sandbox;
use sandbox_clients::{app, delegated};

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";

async fn sandbox() -> Sandbox {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user(ADELE);
    sandbox.add_user(ALEX);
    sandbox
}

#[tokio::test]
async fn twenty_five_sends_go_as_two_batches_and_all_arrive() {
    let sandbox = sandbox().await;
    let client = app(&sandbox);
    let mut batch = client.batch();
    let items: Vec<_> = (0..25)
        .map(|n| {
            batch.add(
                client
                    .user(ADELE)
                    .send_mail(Message::new().subject(format!("Report {n}")).to(ALEX)),
            )
        })
        .collect();
    let mut results = batch.send().await.unwrap();
    for item in items {
        results.take(item).unwrap();
    }
    assert_eq!(sandbox.messages(ALEX, "inbox").len(), 25);
    let batches = sandbox
        .requests()
        .iter()
        .filter(|r| r.path == "/v1.0/$batch")
        .count();
    assert_eq!(batches, 2);
}

#[tokio::test]
async fn a_draft_is_updated_then_sent_in_one_batch() {
    let sandbox = sandbox().await;
    let me = delegated(&sandbox, ADELE).me();
    let draft = me
        .create_draft(Message::new().subject("Agenda").to(ALEX))
        .await
        .unwrap();
    let message = me.message_from(&draft);
    let mut batch = delegated(&sandbox, ADELE).batch();
    let update = batch.add(message.update(MessagePatch::new().subject("Final agenda")));
    let send = batch.add_after(message.send(), &update);
    let mut results = batch.send().await.unwrap();
    results.take(update).unwrap();
    results.take(send).unwrap();
    let inbox = sandbox.messages(ALEX, "inbox");
    assert_eq!(inbox[0]["subject"], "Final agenda");
}
