//! The client calls a relay makes to find a sent copy again after an unknown outcome
//! (GRAPH-FACTS-2 §6.2), against the sandbox: a Message-ID with `<`, `>`, `@`, `+`
//! survives the query encoding of `list_messages().filter(…)`, for the MIME path
//! (`send_mime`) and for the draft path (`create_draft` with `internet_message_id`,
//! then `send`), and the queue id as a named extended property is found the same way.

#[path = "support/sandbox_clients.rs"]
mod clients;

use msgraph_outlook::models::{ExtendedPropertyId, MapiPropertyType, Message, WellKnownFolder};
use msgraph_outlook::GraphClient;
use msgraph_outlook_sandbox::{Fault, Sandbox};

const ADELE: &str = "adele@contoso.com";

async fn sandbox() -> Sandbox {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user(ADELE);
    sandbox.add_user("alex@contoso.com");
    sandbox
}

/// The subjects of Adele's Sent Items messages with that Message-ID.
async fn sent_with(app: &GraphClient, message_id: &str) -> Vec<String> {
    let filter = format!("internetMessageId eq '{}'", message_id.replace('\'', "''"));
    let page = app
        .user(ADELE)
        .list_messages()
        .in_folder(WellKnownFolder::SentItems)
        .filter(filter)
        .await
        .unwrap();
    page.value
        .into_iter()
        .map(|m| m.subject.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn a_mime_send_cut_off_after_it_was_applied_is_found_by_its_message_id() {
    let sandbox = sandbox().await;
    let app = clients::app(&sandbox);
    let id = "<q-7+1@relay.contoso.com>";
    let mime = format!(
        "From: {ADELE}\r\nTo: alex@contoso.com\r\nMessage-ID: {id}\r\nSubject: cron\r\n\r\nbody\r\n"
    );
    sandbox.fail_next(1, Fault::CutOff);
    let outcome = app.user(ADELE).send_mime(mime.into_bytes()).send().await;
    assert!(outcome.is_err(), "the connection was cut: {outcome:?}");
    assert_eq!(sent_with(&app, id).await, ["cron"]);
    assert!(sent_with(&app, "<q-7+2@relay.contoso.com>")
        .await
        .is_empty());
    assert_eq!(sandbox.messages("alex@contoso.com", "inbox").len(), 1);
}

#[tokio::test]
async fn a_draft_created_with_an_internet_message_id_keeps_it_in_sent_items() {
    let sandbox = sandbox().await;
    let app = clients::app(&sandbox);
    let id = "<q-8+big@relay.contoso.com>";
    let queue = ExtendedPropertyId::named(
        MapiPropertyType::String,
        "66f5a359-4659-4830-9070-00047ec6ac6e",
        "msgraph-relay-queue-id",
    )
    .unwrap();
    let mailbox = app.user(ADELE);
    let draft = mailbox
        .create_draft(
            Message::new()
                .subject("large")
                .to("alex@contoso.com")
                .internet_message_id(id)
                .extended_property(&queue, "q-8"),
        )
        .await
        .unwrap();
    assert_eq!(draft.internet_message_id.as_deref(), Some(id));
    mailbox
        .message(draft.id.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(sent_with(&app, id).await, ["large"]);
    let by_queue_id =
        format!("singleValueExtendedProperties/any(ep: ep/id eq '{queue}' and ep/value eq 'q-8')");
    let page = mailbox
        .list_messages()
        .in_folder(WellKnownFolder::SentItems)
        .filter(by_queue_id)
        .await
        .unwrap();
    assert_eq!(page.value.len(), 1);
    assert_eq!(page.value[0].internet_message_id.as_deref(), Some(id));
}
