//! The spool: durable before acknowledged, Message-IDs, state transitions, recovery.

use chrono::{TimeZone, Utc};
use msgraph_relay::envelope::Envelope;
use msgraph_relay::spool::{Spool, SpoolError, State};
use std::time::Duration;

fn envelope() -> Envelope {
    Envelope::new(
        "adele@contoso.com",
        vec!["alex@contoso.com".into(), "megan@contoso.com".into()],
    )
}

#[tokio::test]
async fn queued_message_is_normalised_to_crlf_and_gets_a_message_id_when_it_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.example").unwrap();
    let id = spool
        .enqueue(
            envelope(),
            b"From: Adele <adele@contoso.com>\nSubject: =?utf-8?q?caf=C3=A9?=\n\nline\n",
        )
        .await
        .unwrap();
    let record = spool.get(&id).await.unwrap();
    assert_eq!(record.state, State::Queued);
    assert_eq!(record.envelope, envelope());
    assert!(record.message_id_added);
    assert!(record.message_id.starts_with('<') && record.message_id.ends_with("@relay.example>"));
    assert_eq!(record.header_from.as_deref(), Some("adele@contoso.com"));
    assert_eq!(record.subject.as_deref(), Some("café"));
    let stored =
        b"From: Adele <adele@contoso.com>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\nline\r\n";
    assert_eq!(record.size, stored.len() as u64);
    let body = spool.read_body(&record).await.unwrap();
    let expected = [
        format!("Message-ID: {}\r\n", record.message_id).as_bytes(),
        stored,
    ]
    .concat();
    assert_eq!(body, expected);
    // Nothing left in incoming/.
    assert_eq!(
        std::fs::read_dir(dir.path().join("incoming"))
            .unwrap()
            .count(),
        0
    );
}

#[tokio::test]
async fn own_message_id_is_kept_and_the_body_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.example").unwrap();
    let message = b"Message-ID: <abc@host>\r\nSubject: x\r\n\r\nbody\r\n";
    let id = spool.enqueue(envelope(), message).await.unwrap();
    let record = spool.get(&id).await.unwrap();
    assert_eq!(record.message_id, "<abc@host>");
    assert!(!record.message_id_added);
    assert_eq!(spool.read_body(&record).await.unwrap(), message.to_vec());
}

#[tokio::test]
async fn too_large_is_refused_and_nothing_is_queued() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.example").unwrap();
    let mut incoming = spool.start(10).await.unwrap();
    let err = incoming
        .write(b"Subject: far too long\r\n")
        .await
        .unwrap_err();
    assert!(matches!(err, SpoolError::TooLarge { limit: 10 }), "{err:?}");
    drop(incoming);
    assert_eq!(spool.counts().await.unwrap().queued, 0);
    assert_eq!(
        std::fs::read_dir(dir.path().join("incoming"))
            .unwrap()
            .count(),
        0
    );
}

#[tokio::test]
async fn an_attempt_interrupted_by_a_crash_becomes_unknown_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
    let id = {
        let spool = Spool::open(dir.path(), "relay.example").unwrap();
        let id = spool
            // Accepted at t0 by the test's clock, not the machine's: a fixed t0 with
            // the real time of acceptance would make it not yet due on later days.
            .enqueue_at(envelope(), b"Subject: x\r\n\r\nbody\r\n", t0)
            .await
            .unwrap();
        let due = spool
            .claim_due(t0 + chrono::Duration::hours(1), Duration::from_secs(60), 10)
            .await
            .unwrap();
        assert_eq!(due.len(), 1);
        spool
            .mark_sending(&id, "adele@contoso.com", "mime", "crid-1", t0)
            .await
            .unwrap();
        id
        // The spool is dropped here as a killed process would leave it.
    };
    let spool = Spool::open(dir.path(), "relay.example").unwrap();
    assert_eq!(spool.recover(t0, Duration::from_secs(30)).await.unwrap(), 1);
    let record = spool.get(&id).await.unwrap();
    assert_eq!(record.state, State::Unknown);
    assert_eq!(record.attempts, 1);
    assert_eq!(record.unknown_since, Some(t0));
    assert_eq!(record.next_attempt_at, t0 + chrono::Duration::seconds(30));
    assert_eq!(record.client_request_id.as_deref(), Some("crid-1"));
    // Not due before the grace period ends; due after it.
    assert!(spool
        .claim_due(t0, Duration::from_secs(60), 10)
        .await
        .unwrap()
        .is_empty());
    let later = t0 + chrono::Duration::seconds(30);
    assert_eq!(
        spool
            .claim_due(later, Duration::from_secs(60), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // Claimed: not handed out twice while the lease holds.
    assert!(spool
        .claim_due(later, Duration::from_secs(60), 10)
        .await
        .unwrap()
        .is_empty());
    spool.mark_sent(&id, Some("req-1"), later).await.unwrap();
    let record = spool.get(&id).await.unwrap();
    assert_eq!(
        (record.state, record.request_id.as_deref()),
        (State::Sent, Some("req-1"))
    );
    assert!(!dir
        .path()
        .join("messages")
        .join(format!("{id}.eml"))
        .exists());
    let counts = spool.counts().await.unwrap();
    assert_eq!((counts.sent, counts.queued, counts.unknown), (1, 0, 0));
}

#[tokio::test]
async fn concurrent_submissions_are_each_committed_once_with_their_own_body() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.example").unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..64 {
        let spool = spool.clone();
        tasks.spawn(async move {
            let message = format!("Message-ID: <m{n}@host>\r\nSubject: {n}\r\n\r\nbody {n}\r\n");
            let id = spool.enqueue(envelope(), message.as_bytes()).await.unwrap();
            (id, message)
        });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(done) = tasks.join_next().await {
        let (id, message) = done.unwrap();
        let record = spool.get(&id).await.unwrap();
        assert_eq!(record.state, State::Queued);
        assert_eq!(
            spool.read_body(&record).await.unwrap(),
            message.into_bytes()
        );
        assert!(ids.insert(id));
    }
    assert_eq!(spool.counts().await.unwrap().queued, 64);
    assert_eq!(
        std::fs::read_dir(dir.path().join("messages"))
            .unwrap()
            .count(),
        64
    );
}

#[tokio::test]
async fn a_refused_change_does_not_undo_the_changes_committed_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.example").unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
    let mut ids = Vec::new();
    for n in 0..40 {
        let message = format!("Subject: {n}\r\n\r\nbody\r\n");
        ids.push(
            spool
                .enqueue_at(envelope(), message.as_bytes(), t0)
                .await
                .unwrap(),
        );
    }
    for id in ids.iter().step_by(2) {
        spool.mark_failed(id, "permanent", None, t0).await.unwrap();
    }
    // Concurrent, so that refused and allowed changes share batches.
    let mut tasks = tokio::task::JoinSet::new();
    for (n, id) in ids.iter().enumerate() {
        let (spool, id) = (spool.clone(), id.clone());
        tasks.spawn(async move {
            let result = spool
                .mark_sending(&id, "adele@contoso.com", "mime", &format!("crid-{n}"), t0)
                .await;
            (n, result)
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (n, result) = done.unwrap();
        if n % 2 == 0 {
            assert!(
                matches!(
                    result,
                    Err(SpoolError::WrongState {
                        state: State::Failed,
                        ..
                    })
                ),
                "{result:?}"
            );
        } else {
            result.unwrap();
        }
    }
    for (n, id) in ids.iter().enumerate() {
        let record = spool.get(id).await.unwrap();
        if n % 2 == 0 {
            assert_eq!((record.state, record.attempts), (State::Failed, 0));
        } else {
            assert_eq!((record.state, record.attempts), (State::Sending, 1));
            assert_eq!(record.client_request_id, Some(format!("crid-{n}")));
        }
    }
    let counts = spool.counts().await.unwrap();
    assert_eq!((counts.failed, counts.sending), (20, 20));
}

#[tokio::test]
async fn a_deferred_message_keeps_its_state_and_is_due_only_later() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.example").unwrap();
    let id = spool
        .enqueue(envelope(), b"Subject: x\r\n\r\nbody\r\n")
        .await
        .unwrap();
    // Whole milliseconds, as the spool keeps times.
    let now = Utc
        .timestamp_millis_opt(Utc::now().timestamp_millis() + 1000)
        .unwrap();
    assert_eq!(
        spool
            .claim_due(now, Duration::from_secs(600), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let later = now + chrono::Duration::seconds(30);
    spool.defer(&id, later).await.unwrap();
    let record = spool.get(&id).await.unwrap();
    assert_eq!(
        (
            record.state,
            record.attempts,
            record.next_attempt_at,
            record.last_error
        ),
        (State::Queued, 0, later, None)
    );
    // The lease is released: due again at `later`, not before.
    assert!(spool
        .claim_due(
            later - chrono::Duration::seconds(1),
            Duration::from_secs(600),
            10
        )
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        spool
            .claim_due(later, Duration::from_secs(600), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_renewed_claim_keeps_the_message_from_another_process_until_the_new_end() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Spool::open(dir.path(), "relay.test").unwrap();
    // `sendmail --direct` in another process: the same directory opened again.
    let direct = Spool::open(dir.path(), "relay.test").unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
    let id = serve
        .enqueue_at(envelope(), b"Subject: s\r\n\r\nx\r\n", t0)
        .await
        .unwrap();
    let lease = Duration::from_secs(60);
    assert_eq!(serve.claim_due(t0, lease, 10).await.unwrap().len(), 1);
    serve
        .renew(
            std::slice::from_ref(&id),
            t0 + chrono::Duration::seconds(30),
            lease,
        )
        .await
        .unwrap();
    let t61 = t0 + chrono::Duration::seconds(61);
    assert!(direct.claim_due(t61, lease, 10).await.unwrap().is_empty());
    let t91 = t0 + chrono::Duration::seconds(91);
    let taken = direct.claim_due(t91, lease, 10).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, id);
    // A claim that already ran out is not renewed: it may be another process's by now.
    serve
        .renew(
            std::slice::from_ref(&id),
            t91 + chrono::Duration::seconds(61),
            lease,
        )
        .await
        .unwrap();
    assert_eq!(
        serve.next_due().await.unwrap(),
        Some(t91 + chrono::Duration::seconds(60))
    );
}

#[tokio::test]
async fn a_body_cut_short_on_disk_fails_the_read_instead_of_sending_less() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.test").unwrap();
    let id = spool
        .enqueue(
            envelope(),
            b"Message-ID: <cut@relay.test>\r\nSubject: s\r\n\r\n0123456789\r\n",
        )
        .await
        .unwrap();
    let record = spool.get(&id).await.unwrap();
    assert_eq!(
        spool.read_body(&record).await.unwrap().len() as u64,
        record.size
    );
    let file = dir.path().join("messages").join(format!("{id}.eml"));
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() - 4]).unwrap();
    let error = spool.read_body(&record).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("spool I/O error: message {id}: the stored body ends 4 bytes short of its recorded size")
    );
}

#[test]
fn processes_opening_a_new_spool_at_once_all_open_it() {
    // `sendmail` commands started together on a spool nobody has opened yet: each sets the
    // database up (WAL, the schema) while the others do.
    for _ in 0..30 {
        let dir = tempfile::tempdir().unwrap();
        let opened: Vec<Result<Spool, SpoolError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| Spool::open(dir.path(), "relay.test")))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for result in opened {
            if let Err(e) = result {
                panic!("a concurrent open failed: {e}");
            }
        }
    }
}
