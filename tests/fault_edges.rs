//! Edges found under faults (issue 16 items 14–16): one mailbox written several ways shares
//! one concurrency limit, a 401 storm fetches one new token, and errors about links and
//! gateway timeouts say what they are.

mod common;
#[path = "support/raw_server.rs"]
mod raw_server;

use std::time::Duration;

use common::*;
use msgraph_outlook::models::Message;
use msgraph_outlook::{Error, GraphClient, RetryPolicy};
use serde_json::json;

// ---- Item 15: Retry-After of a 504, malformed and IPv6-mapped links --------------------------

#[tokio::test]
async fn a_504_on_send_mail_is_outcome_unknown_and_keeps_its_retry_after() {
    let mut server = server().await;
    let mock = expect_json(
        &mut server,
        "POST",
        "/me/sendMail",
        json!({"message": {"subject": "x", "toRecipients": [{"emailAddress": {"address": "a@contoso.com"}}]}}),
    )
    .with_status(504)
    .with_header("content-type", "application/json")
    .with_header("retry-after", "7")
    .with_body(graph_error("GatewayTimeout", "The gateway timed out.").to_string())
    .expect(1) // never repeated: it may have been sent
    .create_async()
    .await;
    let err = client(&server)
        .me()
        .send_mail(Message::new().subject("x").to("a@contoso.com"))
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(err.status(), Some(504));
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

/// A first page on `server` whose next link is `next_link`.
async fn first_page(server: &mut mockito::ServerGuard, next_link: &str) -> mockito::Mock {
    server
        .mock("GET", "/v1.0/me/messages")
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(
            json!({"value": [graph_message("AAMk1", "one")], "@odata.nextLink": next_link})
                .to_string(),
        )
        .expect(1)
        .create_async()
        .await
}

#[tokio::test]
async fn a_malformed_next_link_is_a_typed_link_error_and_nothing_is_sent() {
    for link in [
        "/v1.0/me/messages?$skip=1",      // relative
        "http//graph/v1.0/me/messages",   // not a URL
        "http://graph.example/v1.0/me",   // plain http off this machine
        "ftp://graph.microsoft.com/v1.0", // not http(s)
    ] {
        let mut server = server().await;
        let first = first_page(&mut server, link).await;
        let client = client(&server);
        let page = client.me().list_messages().send().await.unwrap();
        // Registered after the first page: any further request would be counted here.
        let nothing = expect_no_request(&mut server).await;
        let err = client.next_page(&page).await.unwrap_err();
        let Error::InvalidLink { reason } = &err else {
            panic!("{link}: expected InvalidLink, got {err:?}");
        };
        assert!(!reason.is_empty());
        assert_eq!(err.status(), None, "{link}: not an HTTP status");
        assert!(
            !err.to_string().contains("HTTP 0"),
            "{link}: {err} reads as an HTTP answer"
        );
        first.assert_async().await;
        nothing.assert_async().await;
    }
}

#[tokio::test]
async fn an_ipv6_mapped_loopback_url_is_local_like_127_0_0_1() {
    let mut server = server().await;
    let port = server.url().rsplit(':').next().unwrap().to_string();
    // The same listener, written as an IPv4-mapped IPv6 address: plain http is allowed to it
    // (this machine), and its next link on that same origin is followed.
    let mapped = format!("http://[::ffff:127.0.0.1]:{port}");
    let next_link = format!("{mapped}/v1.0/me/mailFolders/inbox/messages?%24skip=1");
    let first = first_page(&mut server, &next_link).await;
    let second = server
        .mock("GET", "/v1.0/me/mailFolders/inbox/messages")
        .match_query(mockito::Matcher::UrlEncoded("$skip".into(), "1".into()))
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(200)
        .with_body(json!({"value": [graph_message("AAMk2", "two")]}).to_string())
        .expect(1)
        .create_async()
        .await;
    let client = GraphClient::builder()
        .base_url(format!("{mapped}/v1.0"))
        .token_provider(msgraph_outlook::auth::StaticToken::delegated(TOKEN))
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("http to an IPv4-mapped loopback address is allowed");
    let page = client.me().list_messages().send().await.unwrap();
    let next = client.next_page(&page).await.unwrap().unwrap();
    assert_eq!(next.value[0].subject.as_deref(), Some("two"));
    first.assert_async().await;
    second.assert_async().await;

    // From a client on 127.0.0.1, the mapped origin is another origin, as `localhost` is: the
    // token is not sent there.
    let mut server = common::server().await;
    let port = server.url().rsplit(':').next().unwrap().to_string();
    let first = first_page(
        &mut server,
        &format!("http://[::ffff:127.0.0.1]:{port}/v1.0/me/messages"),
    )
    .await;
    let client = common::client(&server);
    let page = client.me().list_messages().send().await.unwrap();
    let err = client.next_page(&page).await.unwrap_err();
    assert!(
        matches!(&err, Error::ForeignLink { link_origin, .. } if link_origin == &format!("http://[::ffff:7f00:1]:{port}")),
        "{err:?}"
    );
    // The first page once, and the link (same server, same path) never followed.
    first.assert_async().await;
}

// ---- Item 14: one mailbox however it is written --------------------------------------------

/// Adele's object id, as her token's `oid` claim gives it.
const ADELE_OID: &str = "6e5b1f0a-1c4d-4f8e-9a2b-3c4d5e6f7a8b";

/// A delegated access token for Adele, shaped like Entra's (header, payload, signature); the
/// client reads its claims without verifying them.
fn adele_jwt() -> String {
    use base64::Engine;
    let encode = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let payload = json!({
        "aud": "https://graph.microsoft.com",
        "oid": ADELE_OID,
        "upn": "Adele@contoso.com",
        "preferred_username": "Adele@contoso.com",
        "scp": "Mail.Send",
    });
    format!(
        "{}.{}.c2lnbmF0dXJl",
        encode(br#"{"typ":"JWT","alg":"RS256"}"#),
        encode(payload.to_string().as_bytes())
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reliability_one_mailbox_written_four_ways_has_at_most_4_requests_in_flight() {
    use futures_util::StreamExt;
    use raw_server::{RawServer, Reply};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;

    const SENDS: usize = 1000;
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (in_flight, peak) = (now.clone(), most.clone());
    let graph = RawServer::start(move |_request| {
        let (in_flight, peak) = (in_flight.clone(), peak.clone());
        async move {
            peak.fetch_max(in_flight.fetch_add(1, SeqCst) + 1, SeqCst);
            // Held open while the client runs: a fifth request to the mailbox would arrive
            // in the meantime if the limit let it through.
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
            in_flight.fetch_sub(1, SeqCst);
            Reply::status(202)
        }
    })
    .await;
    let token = adele_jwt();
    let client = GraphClient::builder()
        .base_url(graph.base_url())
        .token_provider(msgraph_outlook::auth::StaticToken::delegated(token.clone()))
        .build()
        .unwrap();
    let sent = futures_util::stream::iter(0..SENDS)
        .map(|i| {
            let mailbox = match i % 4 {
                0 => client.user("Adele@contoso.com"),
                1 => client.user("adele@contoso.com"),
                2 => client.me(),
                _ => client.user(ADELE_OID.to_uppercase()),
            };
            async move {
                mailbox
                    .send_mail(
                        Message::new()
                            .subject(format!("#{i}"))
                            .to("alex@contoso.com"),
                    )
                    .await
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(sent.len(), SENDS);
    assert!(
        sent.iter().all(Result::is_ok),
        "{:?}",
        sent.iter().find(|r| r.is_err())
    );
    assert!(
        most.load(SeqCst) <= msgraph_outlook::DEFAULT_MAILBOX_CONCURRENCY,
        "{} requests to one mailbox in flight at once; Graph allows 4",
        most.load(SeqCst)
    );
    assert!(most.load(SeqCst) >= 2, "the sends did overlap");

    // Every send reached Graph once, at the path it was addressed to, exactly as written.
    let requests = graph.requests();
    assert_eq!(requests.len(), SENDS);
    let mut subjects: Vec<usize> = Vec::new();
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert!(
            [
                "/v1.0/users/Adele@contoso.com/sendMail".to_string(),
                "/v1.0/users/adele@contoso.com/sendMail".to_string(),
                "/v1.0/me/sendMail".to_string(),
                format!("/v1.0/users/{}/sendMail", ADELE_OID.to_uppercase()),
            ]
            .contains(&request.target),
            "{}",
            request.target
        );
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {token}").as_str())
        );
        assert_eq!(request.header("content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        let subject = body["message"]["subject"].as_str().unwrap().to_string();
        assert_eq!(
            body,
            json!({"message": {"subject": subject,
                   "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]}})
        );
        subjects.push(subject[1..].parse().unwrap());
    }
    common::openapi::assert_request_conforms(
        "POST",
        "/me/sendMail",
        "application/json",
        &requests[0].body,
    );
    subjects.sort_unstable();
    assert_eq!(subjects, (0..SENDS).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_posts_to_me_and_to_the_signed_in_upn_share_one_mailbox() {
    use raw_server::{RawServer, Reply};
    use std::sync::{Arc, Mutex};
    use tokio::sync::Notify;

    // 20 unordered sends via /me, 20 via Adele's UPN, 20 to Alex: three POSTs. The first two
    // are Adele's mailbox and each needs all 4 of its places, so the second may only leave
    // once the first is answered; Alex's goes meanwhile. The server holds the first POST
    // until Alex's arrives, which gives a second POST to Adele every chance to show up early.
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let witness = Arc::new(Notify::new());
    let server = RawServer::start({
        let (log, witness) = (log.clone(), witness.clone());
        move |request| {
            let (log, witness) = (log.clone(), witness.clone());
            async move {
                let batch: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
                let requests = batch["requests"].as_array().unwrap().clone();
                let first = requests[0]["id"].as_str().unwrap().to_string();
                log.lock().unwrap().push(format!("arrived {first}"));
                match first.as_str() {
                    "1" => witness.notified().await,
                    "41" => witness.notify_one(),
                    _ => {}
                }
                log.lock().unwrap().push(format!("answered {first}"));
                let responses: Vec<serde_json::Value> = requests
                    .iter()
                    .map(|r| json!({"id": r["id"], "status": 202, "headers": {}}))
                    .collect();
                Reply::json(200, &json!({ "responses": responses }))
            }
        }
    })
    .await;
    let client = GraphClient::builder()
        .base_url(server.base_url())
        .token_provider(msgraph_outlook::auth::StaticToken::delegated(adele_jwt()))
        .build()
        .unwrap();
    let mut batch = client.batch();
    let tickets: Vec<_> = (1..=60)
        .map(|n| {
            let mailbox = match n {
                1..=20 => client.me(),
                21..=40 => client.user("adele@CONTOSO.com"),
                _ => client.user("alex@contoso.com"),
            };
            let message = Message::new()
                .subject(format!("#{n}"))
                .to("megan@contoso.com");
            batch.add(mailbox.send_mail(message))
        })
        .collect();
    let mut results = batch.send().await.unwrap();
    for ticket in tickets {
        results.take(ticket).unwrap();
    }
    let posts = server.requests();
    assert_eq!(posts.len(), 3);
    assert!(posts
        .iter()
        .all(|p| p.method == "POST" && p.target == "/v1.0/$batch"));
    let log = log.lock().unwrap().clone();
    let at = |event: &str| log.iter().position(|e| e == event).unwrap();
    assert!(at("arrived 41") < at("answered 1"), "{log:?}");
    assert!(
        at("answered 1") < at("arrived 21"),
        "a second POST to Adele's mailbox came while her first was in flight: {log:?}"
    );
}

// ---- Item 16: 401 storms ---------------------------------------------------------------------

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";

/// Client credentials against the token endpoint of `server` (on `/{tenant}/oauth2/v2.0/token`).
fn credentials(server_url: &str) -> msgraph_outlook::auth::ClientCredentials {
    use msgraph_outlook::auth::{ClientCredentials, ClientSecret};
    let cloud =
        msgraph_outlook::Cloud::from_base_url(&format!("{server_url}/v1.0"), server_url).unwrap();
    ClientCredentials::new(&cloud, TENANT, CLIENT_ID, ClientSecret::new("secret")).unwrap()
}

/// The token endpoint's answer: `token-{n}` for one hour.
fn token_reply(n: usize) -> raw_server::Reply {
    raw_server::Reply::json(
        200,
        &json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                "access_token": format!("token-{n}")}),
    )
}

fn unauthorized() -> raw_server::Reply {
    raw_server::Reply::json(
        401,
        &graph_error(
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reliability_a_401_storm_fetches_one_new_token_and_every_request_completes_once() {
    use raw_server::{RawServer, Reply};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;

    const REQUESTS: usize = 200;
    /// Graph accepts token-1 this many times, then refuses it (revoked mid-run).
    const FIRST_USES: usize = 20;
    let (minted, uses) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (mint, used) = (minted.clone(), uses.clone());
    let server = RawServer::start(move |request| {
        let (mint, used) = (mint.clone(), used.clone());
        async move {
            if request.target == format!("/{TENANT}/oauth2/v2.0/token") {
                return token_reply(mint.fetch_add(1, SeqCst) + 1);
            }
            // Held open a little, so that many requests carry token-1 when it goes bad.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            match request.header("authorization") {
                Some("Bearer token-1") if used.fetch_add(1, SeqCst) >= FIRST_USES => unauthorized(),
                Some(_) => Reply::status(202),
                None => Reply::status(400),
            }
        }
    })
    .await;
    let client = GraphClient::builder()
        .base_url(server.base_url())
        .token_provider(credentials(&server.url))
        .build()
        .unwrap();
    // One mailbox each, so the per-mailbox limit does not queue them: all 200 in flight.
    let sends = (0..REQUESTS).map(|i| {
        client
            .user(format!("user{i}@contoso.com"))
            .send_mail(Message::new().subject("storm").to("alex@contoso.com"))
            .send()
    });
    let results = futures_util::future::join_all(sends).await;
    let failed: Vec<_> = results.iter().filter(|r| r.is_err()).collect();
    assert!(
        failed.is_empty(),
        "{} failed: {:?}",
        failed.len(),
        failed.first()
    );

    // The bound: one token request for the first token, plus one per distinct token Graph
    // refused. Graph refused one token, so exactly two.
    let requests = server.requests();
    let token_requests = requests
        .iter()
        .filter(|r| r.target.contains("/oauth2/"))
        .count();
    assert_eq!(token_requests, 2, "token endpoint requests");
    assert_eq!(minted.load(SeqCst), 2);
    // Every send completed exactly once: one accepted request per mailbox, and each refused
    // request was retried once, with token-2.
    for i in 0..REQUESTS {
        let path = format!("/v1.0/users/user{i}@contoso.com/sendMail");
        let tokens: Vec<&str> = requests
            .iter()
            .filter(|r| r.target == path)
            .map(|r| r.header("authorization").unwrap())
            .collect();
        assert!(
            tokens == ["Bearer token-1"]
                || tokens == ["Bearer token-2"]
                || tokens == ["Bearer token-1", "Bearer token-2"],
            "{path}: {tokens:?}"
        );
    }
    assert!(
        uses.load(SeqCst) > FIRST_USES,
        "token-1 was refused at least once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_refused_its_refreshed_token_retries_with_the_newest_one() {
    use raw_server::{RawServer, Reply};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use tokio::sync::Notify;

    // First: starts with token-1 (refused), refreshes to token-2 and sends it; Graph holds
    // that answer until token-3 exists, then refuses token-2 too. Second: starts with token-2
    // meanwhile, is refused, refreshes to token-3 and succeeds. First's token-2 was replaced
    // by then, so it retries with token-3 instead of failing.
    let minted = Arc::new(AtomicUsize::new(0));
    let (token_3, first_sent_token_2) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (mint, issued_3, sent_2) = (minted.clone(), token_3.clone(), first_sent_token_2.clone());
    let server = RawServer::start(move |request| {
        let (mint, issued_3, sent_2) = (mint.clone(), issued_3.clone(), sent_2.clone());
        async move {
            if request.target.ends_with("/oauth2/v2.0/token") {
                let n = mint.fetch_add(1, SeqCst) + 1;
                if n == 3 {
                    issued_3.notify_one();
                }
                return token_reply(n);
            }
            let first = request.target.contains("/users/first@");
            match request.header("authorization").unwrap_or_default() {
                "Bearer token-1" => unauthorized(),
                "Bearer token-2" if first => {
                    sent_2.notify_one();
                    issued_3.notified().await;
                    unauthorized()
                }
                "Bearer token-2" => unauthorized(),
                "Bearer token-3" => Reply::status(202),
                _ => Reply::status(400),
            }
        }
    })
    .await;
    let client = GraphClient::builder()
        .base_url(server.base_url())
        .token_provider(credentials(&server.url))
        .build()
        .unwrap();
    let send = |mailbox: &str| {
        client
            .user(mailbox)
            .send_mail(Message::new().subject("x").to("alex@contoso.com"))
            .send()
    };
    let first = tokio::spawn(send("first@contoso.com"));
    first_sent_token_2.notified().await;
    send("second@contoso.com").await.expect("second");
    first.await.unwrap().expect("first retries with token-3");

    let sent: Vec<(String, String)> = server
        .requests()
        .iter()
        .filter(|r| r.target.starts_with("/v1.0/"))
        .map(|r| {
            (
                r.target.clone(),
                r.header("authorization").unwrap().to_string(),
            )
        })
        .collect();
    let of = |who: &str| -> Vec<&str> {
        sent.iter()
            .filter(|(target, _)| target.contains(who))
            .map(|(_, token)| token.as_str())
            .collect()
    };
    assert_eq!(
        of("/users/first@"),
        ["Bearer token-1", "Bearer token-2", "Bearer token-3"]
    );
    assert_eq!(of("/users/second@"), ["Bearer token-2", "Bearer token-3"]);
    assert_eq!(
        minted.load(SeqCst),
        3,
        "one token per refused token, plus the first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_waiting_on_a_failed_token_fetch_share_its_error_instead_of_asking_again() {
    use raw_server::{RawServer, Reply};

    // The token endpoint answers only when the test says so: every caller must be waiting
    // on the one fetch by then (on a busy machine a quick answer could come before the
    // last caller looked, and that caller would rightly ask again).
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let held = release.clone();
    // Entra's answer to a wrong secret (GRAPH-FACTS §12.5).
    let server = RawServer::start(move |request| {
        let held = held.clone();
        async move {
            if request.target.ends_with("/oauth2/v2.0/token") {
                held.notified().await;
                return Reply::json(
                    401,
                    &json!({"error": "invalid_client",
                            "error_description": "AADSTS7000215: Invalid client secret provided.",
                            "error_codes": [7000215]}),
                );
            }
            Reply::status(202)
        }
    })
    .await;
    let client = GraphClient::builder()
        .base_url(server.base_url())
        .token_provider(credentials(&server.url))
        .build()
        .unwrap();
    let send = move |client: GraphClient, i: usize| async move {
        client
            .user(format!("user{i}@contoso.com"))
            .send_mail(Message::new().subject("x").to("alex@contoso.com"))
            .send()
            .await
    };
    // 100 requests find no token at once: one fetch, and all of them get its refusal.
    let all = tokio::spawn(futures_util::future::join_all(
        (0..100).map(|i| send(client.clone(), i)),
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while server.requests().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no token request");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // The callers need only CPU to reach the token cache; give them ample time.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    release.notify_one();
    let results = all.await.unwrap();
    for result in &results {
        let auth = result
            .as_ref()
            .unwrap_err()
            .auth_error()
            .expect("an Auth error");
        assert_eq!(
            (auth.status, auth.error.as_str()),
            (Some(401), "invalid_client")
        );
        assert_eq!(auth.aadsts_codes, [7000215]);
    }
    let token_requests = |server: &RawServer| {
        let requests = server.requests();
        assert!(
            requests.iter().all(|r| r.target.contains("/oauth2/")),
            "nothing reached Graph"
        );
        requests.len()
    };
    assert_eq!(token_requests(&server), 1);
    // A request that comes later asks again: the failure is not cached.
    let later = tokio::spawn(send(client.clone(), 100));
    while token_requests(&server) < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    release.notify_one();
    assert!(later.await.unwrap().unwrap_err().auth_error().is_some());
    assert_eq!(token_requests(&server), 2);
}
