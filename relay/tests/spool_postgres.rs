//! The PostgreSQL spool (issue 21) through the `Spool` API, against a real PostgreSQL
//! server (tests/pg_support), each test on a database of its own: schema versions and
//! `migrate`, bodies in chunk rows, claims shared by two relays (`FOR UPDATE SKIP
//! LOCKED`, leases, a lost claim never starting an attempt, an abandoned attempt becoming
//! unknown for the other relay), the shared sending limits and the one relay that reports
//! the queue. Times are injected; nothing sleeps.

mod pg_support;

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use msgraph_relay::config::{SecretString, SpoolConfig};
use msgraph_relay::envelope::Envelope;
use msgraph_relay::spool::limits::MailboxLimits;
use msgraph_relay::spool::{QueueId, Spool, SpoolError, State};
use pg_support::PgServer;
use std::collections::BTreeSet;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap()
}

/// A `[spool]` on `url`, receiving into a directory of its own.
fn config(url: &str, dir: &tempfile::TempDir) -> SpoolConfig {
    SpoolConfig {
        dir: dir.path().to_path_buf(),
        hostname: "relay.test".to_string(),
        database: Some(SecretString::new(url)),
        ..SpoolConfig::default()
    }
}

/// A migrated database and two relays' spools on it.
async fn two_relays(name: &str) -> (String, Spool, Spool, [tempfile::TempDir; 2]) {
    let url = PgServer::shared().fresh_database(name);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    Spool::migrate(&config(&url, &dirs[0])).await.unwrap();
    let a = Spool::open_configured(&config(&url, &dirs[0]))
        .await
        .unwrap();
    let b = Spool::open_configured(&config(&url, &dirs[1]))
        .await
        .unwrap();
    (url, a, b, dirs)
}

fn database(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

async fn enqueue(spool: &Spool, n: usize, at: DateTime<Utc>) -> QueueId {
    let envelope = Envelope::new("adele@contoso.com", vec!["alex@contoso.com".into()]);
    let message = format!(
        "Message-ID: <{n}@relay.test>\r\nFrom: adele@contoso.com\r\nSubject: s{n}\r\n\r\nbody {n}\r\n"
    );
    spool
        .enqueue_at(envelope, message.as_bytes(), at)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_database_is_refused_until_migrated_and_migrating_twice_changes_nothing() {
    let url = PgServer::shared().fresh_database("schema");
    let dir = tempfile::tempdir().unwrap();
    let config = config(&url, &dir);
    match Spool::open_configured(&config).await {
        Err(SpoolError::Schema(message)) => assert_eq!(
            message,
            "the database is at schema version 0, this relay needs 1: run `msgraph-relay migrate`"
        ),
        other => panic!("opened an unmigrated database: {other:?}"),
    }
    let port = PgServer::shared().port();
    let db = database(&url);
    assert_eq!(
        Spool::migrate(&config).await.unwrap(),
        format!(
            "postgres://127.0.0.1:{port}/{db}: applied migration(s) 1; now at schema version 1"
        )
    );
    assert_eq!(
        Spool::migrate(&config).await.unwrap(),
        format!("postgres://127.0.0.1:{port}/{db}: at schema version 1; nothing to migrate")
    );
    assert_eq!(
        PgServer::shared().psql(db, "SELECT version, description FROM msgraph_relay_schema"),
        "1|messages, message bodies in chunks, shared sending limits, queue reporter\n"
    );
    let spool = Spool::open_configured(&config).await.unwrap();
    assert_eq!(
        spool.backend().describe(),
        format!("postgres://127.0.0.1:{port}/{db}")
    );
    // A database a newer relay migrated is refused too.
    PgServer::shared().psql(
        db,
        "INSERT INTO msgraph_relay_schema (version, description) VALUES (2, 'from the future')",
    );
    match Spool::open_configured(&config).await {
        Err(SpoolError::Schema(message)) => assert_eq!(
            message,
            "the database is at schema version 2, newer than this relay's 1: upgrade this relay"
        ),
        other => panic!("opened a newer database: {other:?}"),
    }
}

#[tokio::test]
async fn a_body_is_stored_in_chunks_with_its_row_streams_back_whole_and_goes_when_sent() {
    let (url, a, b, dirs) = two_relays("bodies").await;
    let db = database(&url);
    // 600,000 bytes of body: three chunk rows of at most 256 KiB.
    let body: String = (0..10_000)
        .map(|n| format!("{n:058}\r\n"))
        .collect::<Vec<_>>()
        .concat();
    let message = format!("From: adele@contoso.com\r\nSubject: big\r\n\r\n{body}");
    let envelope = Envelope::new("adele@contoso.com", vec!["alex@contoso.com".into()]);
    let id = a
        .enqueue_at(envelope, message.as_bytes(), t0())
        .await
        .unwrap();
    // Nothing left in the relay's own directory: the database holds the message.
    assert_eq!(
        std::fs::read_dir(dirs[0].path().join("incoming"))
            .unwrap()
            .count(),
        0
    );
    assert_eq!(
        PgServer::shared().psql(
            db,
            &format!("SELECT seq, length(data) FROM message_chunks WHERE id = '{id}' ORDER BY seq")
        ),
        "0|262144\n1|262144\n2|75753\n"
    );
    let record = a.get(&id).await.unwrap();
    assert_eq!(record.size, message.len() as u64);
    assert!(record.message_id_added);
    // Read back by the other relay: the added Message-ID in front, then every byte.
    let read = b.read_body(&record).await.unwrap();
    let expected = format!("Message-ID: {}\r\n{message}", record.message_id);
    assert!(read == expected.as_bytes(), "the body read back differs");
    a.mark_sent(&id, Some("req-1"), t0()).await.unwrap();
    assert_eq!(
        PgServer::shared().psql(
            db,
            &format!("SELECT count(*) FROM message_chunks WHERE id = '{id}'")
        ),
        "0\n"
    );
    let sent = a.get(&id).await.unwrap();
    assert_eq!(sent.state, State::Sent);
    assert_eq!(sent.request_id.as_deref(), Some("req-1"));
    match a.read_body(&sent).await {
        Err(SpoolError::NotFound(missing)) => assert_eq!(missing, id.to_string()),
        other => panic!("a sent message's body is still there: {other:?}"),
    }
}

#[tokio::test]
async fn two_relays_claim_disjoint_messages_and_a_claim_that_ran_out_never_starts_an_attempt() {
    let (_url, a, b, _dirs) = two_relays("claims").await;
    let mut all = BTreeSet::new();
    for n in 0..10 {
        all.insert(enqueue(&a, n, t0()).await);
    }
    let by_a: BTreeSet<QueueId> = a
        .claim_due(t0(), LEASE, 6)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let by_b: BTreeSet<QueueId> = b
        .claim_due(t0(), LEASE, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(by_a.len(), 6);
    assert_eq!(by_b.len(), 4);
    assert!(by_a.is_disjoint(&by_b));
    assert_eq!(&by_a | &by_b, all);
    assert!(b.claim_due(t0(), LEASE, 10).await.unwrap().is_empty());
    // B cannot start an attempt on a message A holds.
    let first = by_a.iter().next().unwrap().clone();
    let now = t0() + Span::seconds(1);
    match b
        .mark_sending(&first, "adele@contoso.com", "mime", "crid-b", now)
        .await
    {
        Err(SpoolError::NotClaimed(id)) => assert_eq!(id, first.to_string()),
        other => panic!("B started an attempt on A's claim: {other:?}"),
    }
    // A's claims run out (A stalled without renewing) while B renews its own: B takes
    // A's, and A's late attempt is refused.
    let mine: Vec<QueueId> = by_b.iter().cloned().collect();
    b.renew(&mine, t0() + Span::seconds(30), LEASE)
        .await
        .unwrap();
    let later = t0() + Span::seconds(61);
    let taken: BTreeSet<QueueId> = b
        .claim_due(later, LEASE, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(taken, by_a);
    match a
        .mark_sending(&first, "adele@contoso.com", "mime", "crid-a", later)
        .await
    {
        Err(SpoolError::NotClaimed(id)) => assert_eq!(id, first.to_string()),
        other => panic!("A started an attempt after its claim ran out: {other:?}"),
    }
    b.mark_sending(&first, "adele@contoso.com", "mime", "crid-b", later)
        .await
        .unwrap();
    let record = b.get(&first).await.unwrap();
    assert_eq!(record.state, State::Sending);
    assert_eq!(record.attempts, 1);
    assert_eq!(record.client_request_id.as_deref(), Some("crid-b"));
}

#[tokio::test]
async fn an_attempt_whose_relay_stopped_renewing_becomes_unknown_for_the_other_relay() {
    let (_url, a, b, _dirs) = two_relays("abandoned").await;
    let id = enqueue(&a, 1, t0()).await;
    assert_eq!(a.claim_due(t0(), LEASE, 10).await.unwrap().len(), 1);
    a.mark_sending(&id, "adele@contoso.com", "mime", "crid-a", t0())
        .await
        .unwrap();
    // A renews while it sends: B finds nothing to take.
    let t30 = t0() + Span::seconds(30);
    a.renew(std::slice::from_ref(&id), t30, LEASE)
        .await
        .unwrap();
    assert!(b
        .claim_due(t0() + Span::seconds(70), LEASE, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(b.get(&id).await.unwrap().state, State::Sending);
    // A stops renewing (it was killed): once its lease ran out, B takes the attempt as an
    // unknown outcome, to be looked for in the mailbox before any resend.
    let t91 = t0() + Span::seconds(91);
    let taken = b.claim_due(t91, LEASE, 10).await.unwrap();
    assert_eq!(taken.len(), 1);
    let record = &taken[0];
    assert_eq!(record.id, id);
    assert_eq!(record.state, State::Unknown);
    assert_eq!(record.unknown_since, Some(t0()));
    assert_eq!(
        record.last_error.as_deref(),
        Some("interrupted: the relay sending it stopped (its lease ran out)")
    );
    // Only B, whose claim holds, may record it absent and put it back.
    assert!(a.mark_absent(&id, t91, "absent", t91).await.is_err());
    b.mark_absent(&id, t91, "absent", t91).await.unwrap();
    assert_eq!(b.get(&id).await.unwrap().state, State::Queued);
    // B sends it again; A wakes up with the late answer of its own attempt: it may not
    // put B's attempt back in the queue (a third relay would send it meanwhile) nor fail it.
    assert_eq!(b.claim_due(t91, LEASE, 10).await.unwrap().len(), 1);
    b.mark_sending(&id, "adele@contoso.com", "mime", "crid-b", t91)
        .await
        .unwrap();
    let failure = "429 TooManyRequests";
    for refused in [
        a.mark_retry(&id, t91, failure, None, t91).await,
        a.mark_failed(&id, failure, None, t91).await,
        a.mark_unknown(&id, t91, failure, t91).await,
    ] {
        match refused {
            Err(SpoolError::NotClaimed(other)) => assert_eq!(other, id.to_string()),
            other => panic!("A changed B's attempt: {other:?}"),
        }
    }
    let record = b.get(&id).await.unwrap();
    assert_eq!(record.state, State::Sending);
    assert_eq!(record.client_request_id.as_deref(), Some("crid-b"));
    assert_eq!(record.attempts, 2);
}

#[tokio::test]
async fn sending_limits_are_shared_by_the_relays() {
    let (_url, a, b, _dirs) = two_relays("limits").await;
    let (la, lb) = (a.shared_limits().unwrap(), b.shared_limits().unwrap());
    let limits = MailboxLimits {
        max_concurrent: 2,
        messages_per_minute: 3,
        recipients_per_day: 100,
    };
    let t = t0();
    let s1 = la
        .admit("adele@contoso.com", 1, limits, t, LEASE)
        .await
        .unwrap()
        .unwrap();
    let s2 = lb
        .admit("Adele@Contoso.com", 1, limits, t, LEASE)
        .await
        .unwrap()
        .unwrap();
    // Both slots taken, one by each relay: neither gets a third.
    assert_eq!(
        la.admit("adele@contoso.com", 1, limits, t, LEASE)
            .await
            .unwrap(),
        Err(t + Span::milliseconds(200))
    );
    assert!(lb
        .admit("megan@contoso.com", 1, limits, t, LEASE)
        .await
        .unwrap()
        .is_ok());
    let t1 = t + Span::seconds(1);
    la.release(&s1, t1).await.unwrap();
    let s3 = lb
        .admit("adele@contoso.com", 1, limits, t1, LEASE)
        .await
        .unwrap()
        .unwrap();
    let t2 = t + Span::seconds(2);
    lb.release(&s2, t2).await.unwrap();
    lb.release(&s3, t2).await.unwrap();
    // Three in the minute: the next waits until the earliest end (t1) is a minute old.
    assert_eq!(
        la.admit("adele@contoso.com", 1, limits, t2, LEASE)
            .await
            .unwrap(),
        Err(t1 + Span::seconds(60))
    );
    assert!(la
        .admit(
            "adele@contoso.com",
            1,
            limits,
            t1 + Span::seconds(60),
            LEASE
        )
        .await
        .unwrap()
        .is_ok());
    // A pause by one relay holds the mailbox on the other.
    lb.pause("alex@contoso.com", t + Span::hours(1))
        .await
        .unwrap();
    assert_eq!(
        la.admit("alex@contoso.com", 1, limits, t2, LEASE)
            .await
            .unwrap(),
        Err(t + Span::hours(1))
    );
}

#[tokio::test]
async fn a_slot_whose_relay_stopped_is_freed_when_its_lease_runs_out() {
    let (_url, a, b, _dirs) = two_relays("slot_lease").await;
    let (la, lb) = (a.shared_limits().unwrap(), b.shared_limits().unwrap());
    let limits = MailboxLimits {
        max_concurrent: 1,
        messages_per_minute: 100,
        recipients_per_day: 100,
    };
    let lease = Duration::from_secs(10);
    let slot = la
        .admit("adele@contoso.com", 1, limits, t0(), lease)
        .await
        .unwrap()
        .unwrap();
    // A slot of another mailbox, abandoned by A (its send never released it).
    let abandoned = la
        .admit("alex@contoso.com", 1, limits, t0(), lease)
        .await
        .unwrap()
        .unwrap();
    let t5 = t0() + Span::seconds(5);
    // A renews its send in flight at t5 (now held until t15), not the abandoned one;
    // then A is killed.
    la.renew(&[slot.id], t5, lease).await.unwrap();
    assert!(lb
        .admit(
            "alex@contoso.com",
            1,
            limits,
            t0() + Span::seconds(10),
            lease
        )
        .await
        .unwrap()
        .is_ok());
    assert_ne!(abandoned, slot);
    assert!(lb
        .admit(
            "adele@contoso.com",
            1,
            limits,
            t0() + Span::seconds(14),
            lease
        )
        .await
        .unwrap()
        .is_err());
    assert!(lb
        .admit(
            "adele@contoso.com",
            1,
            limits,
            t0() + Span::seconds(15),
            lease
        )
        .await
        .unwrap()
        .is_ok());
}

#[tokio::test]
async fn one_relay_reports_the_shared_queue_and_another_takes_over_when_it_stops() {
    let (_url, a, b, _dirs) = two_relays("reporter").await;
    // The reporter is chosen on the database's terms, by wall-clock time.
    let now = Utc::now();
    assert!(a.backend().reports_queue(now).await.unwrap());
    assert!(!b.backend().reports_queue(now).await.unwrap());
    assert!(a
        .backend()
        .reports_queue(now + Span::seconds(30))
        .await
        .unwrap());
    // A stops asking (stopped): after its term B reports.
    let later = now + Span::seconds(91);
    assert!(b.backend().reports_queue(later).await.unwrap());
    assert!(!a.backend().reports_queue(later).await.unwrap());
}
