//! Pacing per sending mailbox (issue 17 item 8) against the sandbox enforcing Exchange
//! Online's sending limits, on the sandbox clock; and `run` until shutdown.

mod delivery_common;

use delivery_common::{config, envelope, rig};
use msgraph_outlook_sandbox::SendingLimits;
use msgraph_relay::config::DeliveryConfig;
use msgraph_relay::shutdown;
use msgraph_relay::spool::State;
use std::time::Duration;

fn message(from: &str, n: usize) -> Vec<u8> {
    format!(
        "Message-ID: <{n}.{from}>\r\nFrom: {from}\r\nTo: alex@contoso.com\r\n\
         Subject: paced {n}\r\n\r\nbody\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_busy_mailbox_is_paced_to_30_a_minute_and_another_mailbox_is_not_held_back() {
    let rig = rig(DeliveryConfig {
        messages_per_minute: 30,
        recipients_per_day: 10_000,
        ..config()
    })
    .await;
    rig.sandbox.set_sending_limits(SendingLimits {
        messages_per_minute: Some(30),
        recipients_per_day: Some(10_000),
    });
    for n in 0..100 {
        rig.enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            &message("adele@contoso.com", n),
        )
        .await;
    }
    for n in 0..10 {
        rig.enqueue(
            envelope("megan@contoso.com", &["alex@contoso.com"]),
            &message("megan@contoso.com", n),
        )
        .await;
    }
    rig.deliverer.run_due().await.unwrap();
    let sent_by = |mailbox: &'static str| {
        let spool = rig.spool.clone();
        async move {
            spool
                .list(&[State::Sent], 1000)
                .await
                .unwrap()
                .iter()
                .filter(|r| r.mailbox.as_deref() == Some(mailbox))
                .count()
        }
    };
    // One minute's worth from Adele; all of Megan's at once.
    assert_eq!(sent_by("adele@contoso.com").await, 30);
    assert_eq!(sent_by("megan@contoso.com").await, 10);
    let mut minutes = 0;
    while sent_by("adele@contoso.com").await < 100 {
        minutes += 1;
        assert!(minutes <= 4, "not done after {minutes} minutes");
        rig.advance(Duration::from_secs(60));
        rig.deliverer.run_due().await.unwrap();
        assert!(sent_by("adele@contoso.com").await <= 30 * (minutes + 1));
    }
    assert_eq!(minutes, 3);
    // Exchange never had to hold anything back.
    assert_eq!(rig.sandbox.max_outbox_len("adele@contoso.com"), 0);
    assert_eq!(rig.sandbox.messages("alex@contoso.com", "inbox").len(), 110);
    assert_eq!(rig.metrics.throttled.get(), 0);
}

#[tokio::test]
async fn the_daily_recipient_limit_holds_a_message_until_the_day_has_room() {
    let rig = rig(DeliveryConfig {
        recipients_per_day: 3,
        ..config()
    })
    .await;
    let to = ["alex@contoso.com", "megan@contoso.com"];
    let first = rig
        .enqueue(
            envelope("adele@contoso.com", &to),
            &message("adele@contoso.com", 1),
        )
        .await;
    let second = rig
        .enqueue(
            envelope("adele@contoso.com", &to),
            &message("adele@contoso.com", 2),
        )
        .await;
    rig.deliverer.run_due().await.unwrap();
    assert_eq!(rig.record(&first).await.state, State::Sent);
    let held = rig.record(&second).await;
    assert_eq!((held.state, held.attempts), (State::Queued, 0));
    assert!(held.next_attempt_at > rig.clock_now() + chrono::Duration::hours(23));
    rig.advance(Duration::from_secs(24 * 3600));
    rig.deliverer.run_due().await.unwrap();
    assert_eq!(rig.record(&second).await.state, State::Sent);
}

#[tokio::test]
async fn a_restarted_relay_remembers_the_last_minute_of_sends() {
    let rig = rig(DeliveryConfig {
        messages_per_minute: 2,
        ..config()
    })
    .await;
    for n in 0..3 {
        rig.enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            &message("adele@contoso.com", n),
        )
        .await;
    }
    rig.deliverer.run_due().await.unwrap();
    assert_eq!(rig.spool.counts().await.unwrap().sent, 2);
    let restarted = rig.restart();
    restarted.recover().await.unwrap();
    rig.advance(Duration::from_secs(1));
    restarted.run_due().await.unwrap();
    assert_eq!(
        rig.spool.counts().await.unwrap().sent,
        2,
        "paced after a restart too"
    );
    rig.advance(Duration::from_secs(60));
    restarted.run_due().await.unwrap();
    assert_eq!(rig.spool.counts().await.unwrap().sent, 3);
}

#[tokio::test]
async fn run_delivers_until_shutdown_and_then_returns() {
    let rig = rig(DeliveryConfig {
        poll_interval: Duration::from_millis(20),
        ..config()
    })
    .await;
    let (trigger, shutdown) = shutdown::channel();
    let running = tokio::spawn(rig.deliverer.clone().run(shutdown));
    for n in 0..5 {
        rig.enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            &message("adele@contoso.com", n),
        )
        .await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while rig.spool.counts().await.unwrap().sent < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not delivered in time: {:?}",
            rig.spool.list(&[], 10).await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    trigger.trigger();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("run returns after shutdown")
        .unwrap()
        .unwrap();
    assert_eq!(rig.sandbox.messages("alex@contoso.com", "inbox").len(), 5);
}

#[tokio::test]
async fn shutdown_lets_a_send_in_flight_finish() {
    let rig = rig(DeliveryConfig {
        poll_interval: Duration::from_millis(20),
        shutdown_timeout: Duration::from_secs(10),
        ..config()
    })
    .await;
    rig.sandbox.set_latency(Duration::from_millis(500));
    let id = rig
        .enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            &message("adele@contoso.com", 1),
        )
        .await;
    let (trigger, shutdown) = shutdown::channel();
    let running = tokio::spawn(rig.deliverer.clone().run(shutdown));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while rig.record(&id).await.state != State::Sending {
        assert!(tokio::time::Instant::now() < deadline, "never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    trigger.trigger();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("run returns")
        .unwrap()
        .unwrap();
    assert_eq!(rig.record(&id).await.state, State::Sent);
    assert_eq!(rig.sandbox.messages("alex@contoso.com", "inbox").len(), 1);
}
