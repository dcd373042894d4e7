//! Never twice (issue 17 item 7): unknown outcomes are resolved by looking for the
//! Message-ID in the sending mailbox, and only a message proven absent after the window is
//! sent again; attempts interrupted by a stop go through the same check.

mod delivery_common;

use delivery_common::{capture_log, config, envelope, rig};
use msgraph_outlook_sandbox::{Fault, Faults};
use msgraph_relay::spool::State;
use std::collections::HashMap;
use std::time::Duration;

fn message(n: usize) -> Vec<u8> {
    format!(
        "Message-ID: <m{n}@relay.test>\r\nFrom: adele@contoso.com\r\nTo: alex@contoso.com\r\n\
         Subject: number {n}\r\n\r\nbody {n}\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn with_a_fifth_of_the_responses_cut_off_300_messages_arrive_exactly_once() {
    let rig = rig(config()).await;
    let log = capture_log();
    let mut ids = Vec::new();
    for n in 0..300 {
        ids.push(
            rig.enqueue(
                envelope("adele@contoso.com", &["alex@contoso.com"]),
                &message(n),
            )
            .await,
        );
    }
    // Every Graph request draws: sends, lookups and deletes alike.
    rig.sandbox.set_faults(Faults {
        cut_off: 0.2,
        seed: Some(17),
        ..Faults::default()
    });
    let mut rounds = 0;
    while rig.spool.counts().await.unwrap().sent < 300 {
        rounds += 1;
        assert!(rounds <= 40, "not done after {rounds} rounds");
        rig.deliverer.run_due().await.unwrap();
        rig.advance(Duration::from_secs(60));
    }
    rig.sandbox.set_faults(Faults::default());

    let mut copies: HashMap<String, usize> = HashMap::new();
    for m in rig.sandbox.messages("alex@contoso.com", "inbox") {
        *copies
            .entry(m["internetMessageId"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(copies.len(), 300);
    assert!(copies.values().all(|&n| n == 1), "{copies:?}");
    assert_eq!(
        rig.sandbox.messages("adele@contoso.com", "sentitems").len(),
        300
    );

    let unknown = rig.metrics.unknown.get();
    let found = rig.metrics.found_in_mailbox.get();
    assert!(unknown >= 30, "about a fifth of 300 sends: {unknown}");
    // A cut-off send was applied: every unknown outcome is found, none is resent.
    assert_eq!(found, unknown);
    assert_eq!(rig.metrics.resent.get(), 0);
    assert_eq!(rig.metrics.delivered.get(), 300);
    let mut resolved = 0;
    for id in &ids {
        let lines = log.lines(id);
        let last = lines.last().unwrap();
        assert_eq!(last["state"], "sent");
        let record = rig.record(id).await;
        if last["outcome"] == "found in Sent Items" {
            resolved += 1;
            assert_eq!(record.request_id, None);
            assert!(lines.iter().any(|l| l["state"] == "unknown"));
        } else {
            assert_eq!(last["outcome"], "accepted by Graph");
        }
        assert_eq!(record.attempts, 1, "never sent twice");
    }
    assert_eq!(resolved, found);
}

#[tokio::test]
async fn an_attempt_cut_short_by_a_crash_is_found_in_sent_items_and_not_resent() {
    let rig = rig(config()).await;
    let log = capture_log();
    let id = rig
        .enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            &message(1),
        )
        .await;
    {
        // A relay claims it, writes `sending`, Graph takes it, and the relay dies before
        // hearing the answer.
        let t = rig.clock_now();
        let claimed = rig
            .spool
            .claim_due(t, Duration::from_secs(600), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        rig.spool
            .mark_sending(&id, "adele@contoso.com", "mime", "crid-crash", t)
            .await
            .unwrap();
        rig.graph
            .user("adele@contoso.com")
            .send_mime(message(1))
            .await
            .unwrap();
    }
    let restarted = rig.restart();
    restarted.recover().await.unwrap();
    let record = rig.record(&id).await;
    assert_eq!((record.state, record.attempts), (State::Unknown, 1));
    // Not looked at before the grace period ends.
    assert_eq!(restarted.run_due().await.unwrap(), 0);
    rig.advance(Duration::from_secs(60));
    assert_eq!(restarted.run_due().await.unwrap(), 1);
    let record = rig.record(&id).await;
    assert_eq!((record.state, record.attempts), (State::Sent, 1));
    assert_eq!(rig.count("alex@contoso.com", "inbox", "<m1@relay.test>"), 1);
    assert_eq!(rig.metrics.found_in_mailbox.get(), 1);
    assert_eq!(rig.metrics.resent.get(), 0);
    let lines = log.lines(&id);
    let story: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["state"].as_str().unwrap(), l["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        story,
        [
            (
                "unknown",
                "interrupted by a stop: looked for in the sending mailbox before any resend"
            ),
            ("sent", "found in Sent Items"),
        ]
    );
    assert_eq!(lines[1]["client_request_id"], "crid-crash");
}

#[tokio::test]
async fn an_attempt_proven_absent_after_the_window_is_sent_once_more() {
    let rig = rig(config()).await;
    let log = capture_log();
    let id = rig
        .enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            &message(2),
        )
        .await;
    let t = rig.clock_now();
    rig.spool
        .claim_due(t, Duration::from_secs(600), 10)
        .await
        .unwrap();
    rig.spool
        .mark_sending(&id, "adele@contoso.com", "mime", "crid-lost", t)
        .await
        .unwrap();
    // The relay died before the request left.
    let restarted = rig.restart();
    restarted.recover().await.unwrap();
    // Checked every grace period: absent, but the window is not over.
    for _ in 0..14 {
        rig.advance(Duration::from_secs(60));
        assert_eq!(restarted.run_due().await.unwrap(), 1);
        assert_eq!(rig.record(&id).await.state, State::Unknown);
    }
    assert_eq!(rig.metrics.resent.get(), 0);
    // 900 s after the attempt: proven absent, queued again, sent once.
    rig.advance(Duration::from_secs(60));
    assert_eq!(restarted.run_due().await.unwrap(), 1);
    assert_eq!(rig.record(&id).await.state, State::Queued);
    assert_eq!(rig.metrics.resent.get(), 1);
    assert_eq!(restarted.run_due().await.unwrap(), 1);
    let record = rig.record(&id).await;
    assert_eq!((record.state, record.attempts), (State::Sent, 2));
    assert_eq!(rig.count("alex@contoso.com", "inbox", "<m2@relay.test>"), 1);
    let outcomes: Vec<String> = log
        .lines(&id)
        .iter()
        .map(|l| l["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| *o == "absent: checking again")
            .count(),
        14
    );
    assert!(outcomes.contains(&"absent 900 s after the attempt: resending".to_string()));
    assert_eq!(outcomes.last().unwrap(), "accepted by Graph");
}

#[tokio::test]
async fn a_draft_left_by_a_cut_off_create_is_deleted_never_sent_and_the_message_arrives_once() {
    let rig = rig(msgraph_relay::config::DeliveryConfig {
        // Every message takes the draft path.
        mime_limit: 10,
        ..config()
    })
    .await;
    let id = rig
        .enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            &message(3),
        )
        .await;
    // The draft is created, and the answer is lost: nothing was sent yet.
    rig.sandbox.fail_next(1, Fault::CutOff);
    rig.deliverer.run_due().await.unwrap();
    let record = rig.record(&id).await;
    assert_eq!(record.path.as_deref(), Some("draft"));
    assert_eq!((record.state, record.attempts), (State::Queued, 1));
    let drafts = rig.sandbox.messages("adele@contoso.com", "drafts");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0]["internetMessageId"], "<m3@relay.test>");
    assert_eq!(rig.metrics.unknown.get(), 0);

    rig.advance(Duration::from_secs(60));
    rig.deliverer.run_due().await.unwrap();
    let record = rig.record(&id).await;
    assert_eq!((record.state, record.attempts), (State::Sent, 2));
    assert_eq!(rig.count("alex@contoso.com", "inbox", "<m3@relay.test>"), 1);
    assert_eq!(
        rig.count("adele@contoso.com", "sentitems", "<m3@relay.test>"),
        1
    );
    assert_eq!(rig.sandbox.messages("adele@contoso.com", "drafts").len(), 0);
}

#[tokio::test]
async fn a_cut_off_send_still_waiting_in_the_outbox_counts_as_sent() {
    let rig = rig(msgraph_relay::config::DeliveryConfig {
        grace: Duration::from_secs(10),
        ..config()
    })
    .await;
    let log = capture_log();
    // Exchange paces Adele to one message a minute: a second one waits in her Outbox.
    rig.sandbox
        .set_sending_limits(msgraph_outlook_sandbox::SendingLimits {
            messages_per_minute: Some(1),
            recipients_per_day: None,
        });
    let first = rig
        .enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            &message(4),
        )
        .await;
    rig.deliverer.run_due().await.unwrap();
    assert_eq!(rig.record(&first).await.state, State::Sent);
    rig.sandbox.fail_next(1, Fault::CutOff);
    rig.advance(Duration::from_secs(1));
    let third = rig
        .enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            &message(6),
        )
        .await;
    // Its answer is cut off; it sits in the Outbox.
    rig.deliverer.run_due().await.unwrap();
    assert_eq!(rig.record(&third).await.state, State::Unknown);
    assert_eq!(
        rig.count("adele@contoso.com", "outbox", "<m6@relay.test>"),
        1
    );
    rig.advance(Duration::from_secs(10));
    rig.deliverer.run_due().await.unwrap();
    let record = rig.record(&third).await;
    assert_eq!((record.state, record.attempts), (State::Sent, 1));
    assert_eq!(
        log.lines(&third).last().unwrap()["outcome"],
        "found in Outbox"
    );
    // Exchange releases it later: once.
    rig.advance(Duration::from_secs(120));
    assert_eq!(rig.count("alex@contoso.com", "inbox", "<m6@relay.test>"), 1);
}

#[tokio::test]
async fn the_draft_path_is_also_found_by_its_queue_id_property() {
    use msgraph_outlook::models::Message;
    use msgraph_relay::delivery::lookup::{self, Found};
    let rig = rig(config()).await;
    // A sent copy whose Message-ID is not the one the relay knows, tagged as the draft
    // path tags its drafts.
    let adele = rig.graph.user("adele@contoso.com");
    let draft = adele
        .create_draft(
            Message::new()
                .subject("tagged")
                .to("alex@contoso.com")
                .internet_message_id("<rewritten@elsewhere>")
                .extended_property(&lookup::queue_id_property(), "00112233aabbccdd"),
        )
        .await
        .unwrap();
    adele.message(draft.id.unwrap()).send().await.unwrap();
    let by_id = lookup::find(&rig.graph, "adele@contoso.com", "<m7@relay.test>", None)
        .await
        .unwrap();
    assert_eq!(by_id, Found::Absent);
    let by_tag = lookup::find(
        &rig.graph,
        "adele@contoso.com",
        "<m7@relay.test>",
        Some("00112233aabbccdd"),
    )
    .await
    .unwrap();
    assert_eq!(by_tag, Found::SentItems);
}

#[tokio::test]
async fn a_draft_path_resend_finding_the_message_already_sent_marks_it_sent_and_sends_nothing() {
    // The check found the message nowhere when its window ended (so it is queued again);
    // Exchange's copy turns up before the resend. The draft path's look before it builds a
    // new draft finds it in Sent Items: the message counts as sent, it does not go twice.
    let rig = rig(msgraph_relay::config::DeliveryConfig {
        mime_limit: 10,
        ..config()
    })
    .await;
    let log = capture_log();
    let id = rig
        .enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            &message(7),
        )
        .await;
    // A first attempt that Graph refused before acting: queued again, one attempt made.
    rig.sandbox.fail_next(1, Fault::Throttle);
    rig.deliverer.run_due().await.unwrap();
    let record = rig.record(&id).await;
    assert_eq!((record.state, record.attempts), (State::Queued, 1));
    // The late copy (a MIME send keeps the Message-ID).
    rig.graph
        .user("adele@contoso.com")
        .send_mime(message(7))
        .await
        .unwrap();
    rig.advance(Duration::from_secs(3600));
    rig.deliverer.run_due().await.unwrap();
    let record = rig.record(&id).await;
    assert_eq!((record.state, record.attempts), (State::Sent, 2));
    assert_eq!(rig.count("alex@contoso.com", "inbox", "<m7@relay.test>"), 1);
    assert_eq!(rig.sandbox.messages("adele@contoso.com", "drafts").len(), 0);
    let last = log.lines(&id).pop().unwrap();
    assert_eq!(last["state"], "sent");
    assert_eq!(last["outcome"], "found in Sent Items before a resend");
}
