//! Reliability of the request pipeline under throttling, outages, dropped connections,
//! hostile links and broken answers. Every test here is named `reliability::…`, so
//! `cargo test reliability` runs them all (with the log-capturing secrets test, which has
//! a test binary of its own in redaction.rs). Nothing sleeps: retry delays are recorded by an
//! injected sleeper.

mod common;
#[path = "support/raw_server.rs"]
mod raw_server;

mod reliability {
    use std::collections::HashMap;
    use std::future::ready;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use msgraph_outlook::auth::{ClientCredentials, ClientSecret, StaticToken};
    use msgraph_outlook::models::Message;
    use msgraph_outlook::{Cloud, Error, GraphClient, RetryPolicy, TransportErrorKind};
    use msgraph_outlook_sandbox::{Fault, Faults, Sandbox};
    use serde_json::json;

    use super::common::{self, client_at, RecordingSleeper, TOKEN};
    use super::raw_server::{scripted, RawRequest, RawServer, Reply};

    fn throttled(retry_after: &str) -> Reply {
        // GRAPH-FACTS §8.2.
        Reply::json(
            429,
            &json!({"error": {"code": "TooManyRequests", "message": "Please retry again later.",
                "innerError": {"code": "429", "date": "2020-08-18T12:51:51", "message": "Please retry after",
                               "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2", "status": "429"}}}),
        )
        .header("retry-after", retry_after)
    }

    fn unavailable() -> Reply {
        Reply::json(
            503,
            &common::graph_error("serviceNotAvailable", "Service unavailable"),
        )
    }

    fn message(subject: &str) -> Message {
        Message::new().subject(subject).to("alex@contoso.com")
    }

    fn empty_page() -> Reply {
        Reply::json(200, &json!({"value": []}))
    }

    // ---- Retries ----

    #[tokio::test]
    async fn retry_after_in_seconds_is_waited_once_then_the_send_succeeds() {
        let server = RawServer::start(scripted(vec![throttled("2")], Reply::status(202))).await;
        let sleeper = Arc::new(RecordingSleeper::default());
        client_at(&server.base_url(), &sleeper)
            .me()
            .send_mail(message("Hi"))
            .await
            .expect("202 after one retry");
        assert_eq!(sleeper.delays(), [Duration::from_secs(2)]);
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        // Both attempts are one call: same client-request-id, same body.
        assert_eq!(
            requests[0].header("client-request-id"),
            requests[1].header("client-request-id")
        );
        assert_eq!(requests[0].body, requests[1].body);
    }

    #[tokio::test]
    async fn retry_after_as_an_http_date_is_honoured() {
        let when = chrono::Utc::now() + chrono::Duration::seconds(3);
        let date = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let server = RawServer::start(scripted(vec![throttled(&date)], Reply::status(202))).await;
        let sleeper = Arc::new(RecordingSleeper::default());
        client_at(&server.base_url(), &sleeper)
            .me()
            .send_mail(message("Hi"))
            .await
            .unwrap();
        let delays = sleeper.delays();
        assert_eq!(delays.len(), 1);
        assert!(
            delays[0] > Duration::from_secs(1) && delays[0] <= Duration::from_secs(3),
            "{delays:?}"
        );
    }

    #[tokio::test]
    async fn three_503s_then_success_back_off_exponentially() {
        let server = RawServer::start(scripted(
            vec![unavailable(), unavailable(), unavailable()],
            Reply::status(202),
        ))
        .await;
        let sleeper = Arc::new(RecordingSleeper::default());
        client_at(&server.base_url(), &sleeper)
            .me()
            .send_mail(message("Hi"))
            .await
            .unwrap();
        assert_eq!(server.requests().len(), 4);
        let delays = sleeper.delays();
        let bounds = [(500, 1000), (1000, 2000), (2000, 4000)];
        assert_eq!(delays.len(), 3);
        for (delay, (low, high)) in delays.iter().zip(bounds) {
            let ms = delay.as_millis();
            assert!(ms >= low && ms <= high, "{delays:?}");
        }
    }

    #[tokio::test]
    async fn throttled_forever_gives_a_typed_error_with_the_last_retry_after() {
        let server = RawServer::start(scripted(vec![], throttled("1"))).await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let err = client_at(&server.base_url(), &sleeper)
            .me()
            .send_mail(message("Hi"))
            .await
            .unwrap_err();
        assert!(err.is_throttled(), "{err:?}");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
        assert_eq!(err.graph_code(), Some("TooManyRequests"));
        assert_eq!(
            server.requests().len(),
            RetryPolicy::default().attempts() as usize
        );
        assert_eq!(sleeper.delays(), [Duration::from_secs(1); 4]);
    }

    #[tokio::test]
    async fn a_retry_after_beyond_the_total_wait_is_not_waited_for() {
        let server = RawServer::start(scripted(vec![], throttled("3600"))).await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let err = client_at(&server.base_url(), &sleeper)
            .me()
            .send_mail(message("Hi"))
            .await
            .unwrap_err();
        assert!(err.is_throttled());
        assert!(sleeper.delays().is_empty());
        assert_eq!(server.requests().len(), 1);
    }

    // ---- No duplicates ----

    #[tokio::test]
    async fn a_send_mail_dropped_after_it_was_written_is_not_resent() {
        let server = RawServer::start(scripted(vec![Reply::Drop], Reply::status(202))).await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let err = client_at(&server.base_url(), &sleeper)
            .me()
            .send_mail(message("Hi"))
            .await
            .unwrap_err();
        assert!(err.is_outcome_unknown(), "{err:?}");
        let Error::OutcomeUnknown(unknown) = &err else {
            unreachable!()
        };
        assert_eq!(unknown.operation, "sendMail");
        assert!(
            matches!(unknown.cause, Error::Transport(_)),
            "{:?}",
            unknown.cause
        );
        assert!(err.to_string().contains("unknown"), "{err}");
        assert_eq!(server.requests().len(), 1, "sent exactly once");
        assert!(sleeper.delays().is_empty());
    }

    #[tokio::test]
    async fn a_get_dropped_after_it_was_written_is_retried() {
        let server = RawServer::start(scripted(vec![Reply::Drop], empty_page())).await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let page = client_at(&server.base_url(), &sleeper)
            .me()
            .list_messages()
            .await
            .unwrap();
        assert!(page.value.is_empty());
        assert_eq!(server.requests().len(), 2);
    }

    #[tokio::test]
    async fn a_504_is_outcome_unknown_for_send_mail_and_retried_for_get() {
        let gateway_timeout =
            || Reply::json(504, &common::graph_error("UnknownError", "Gateway timeout"));
        let server = RawServer::start(scripted(vec![gateway_timeout()], Reply::status(202))).await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let err = client_at(&server.base_url(), &sleeper)
            .me()
            .send_mail(message("Hi"))
            .await
            .unwrap_err();
        assert!(err.is_outcome_unknown(), "{err:?}");
        assert_eq!(err.status(), Some(504));
        assert_eq!(server.requests().len(), 1);

        let server = RawServer::start(scripted(vec![gateway_timeout()], empty_page())).await;
        client_at(&server.base_url(), &sleeper)
            .me()
            .list_messages()
            .await
            .unwrap();
        assert_eq!(server.requests().len(), 2);
    }

    /// A server that answers only after `delay`: longer than the client's timeout.
    async fn slow_server(delay: Duration, reply: Reply) -> RawServer {
        RawServer::start(move |_| {
            let reply = reply.clone();
            async move {
                tokio::time::sleep(delay).await;
                reply
            }
        })
        .await
    }

    #[tokio::test]
    async fn a_timed_out_send_mail_is_outcome_unknown_and_a_timed_out_get_is_retried() {
        let sleeper = Arc::new(RecordingSleeper::default());
        let impatient = |base_url: String| {
            GraphClient::builder()
                .base_url(base_url)
                .token_provider(StaticToken::delegated(TOKEN))
                .sleeper(sleeper.clone())
                .timeout(Duration::from_millis(100))
                .build()
                .unwrap()
        };
        let server = slow_server(Duration::from_secs(5), Reply::status(202)).await;
        let err = impatient(server.base_url())
            .me()
            .send_mail(message("Hi"))
            .await
            .unwrap_err();
        let Error::OutcomeUnknown(unknown) = &err else {
            panic!("{err:?}")
        };
        assert!(
            matches!(&unknown.cause, Error::Transport(t) if t.kind == TransportErrorKind::Timeout),
            "{err:?}"
        );
        assert_eq!(server.requests().len(), 1);

        let server = slow_server(Duration::from_secs(5), empty_page()).await;
        let err = impatient(server.base_url())
            .me()
            .list_messages()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Timeout),
            "{err:?}"
        );
        assert_eq!(
            server.requests().len(),
            RetryPolicy::default().attempts() as usize
        );
    }

    #[tokio::test]
    async fn a_send_mail_cut_off_by_the_sandbox_is_delivered_once_and_reported_unknown() {
        let sandbox = Sandbox::start().await.unwrap();
        for user in ["adele@contoso.com", "alex@contoso.com"] {
            sandbox.add_user(user);
        }
        // The sandbox delivers the message, then drops the connection without answering.
        sandbox.fail_next(1, Fault::CutOff);
        let sleeper = Arc::new(RecordingSleeper::default());
        let adele = GraphClient::builder()
            .base_url(sandbox.base_url())
            .token_provider(StaticToken::delegated(
                sandbox.delegated_token("adele@contoso.com"),
            ))
            .sleeper(sleeper.clone())
            .build()
            .unwrap();
        let err = adele.me().send_mail(message("Once")).await.unwrap_err();
        assert!(err.is_outcome_unknown(), "{err:?}");
        assert_eq!(
            sandbox.messages("alex@contoso.com", "inbox").len(),
            1,
            "delivered exactly once"
        );
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_even_for_send_mail() {
        // Nothing was sent, so retrying cannot duplicate anything.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let sleeper = Arc::new(RecordingSleeper::default());
        let err = client_at(&format!("http://127.0.0.1:{port}/v1.0"), &sleeper)
            .me()
            .send_mail(message("Hi"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Connect),
            "{err:?}"
        );
        assert_eq!(sleeper.delays().len(), 4);
    }

    // ---- Concurrency per mailbox ----

    /// A server that takes a moment per request and records the most requests in flight,
    /// per mailbox and overall.
    struct InFlight {
        current: HashMap<String, usize>,
        max: HashMap<String, usize>,
        total: usize,
        max_total: usize,
    }

    async fn counting_server() -> (RawServer, Arc<Mutex<InFlight>>) {
        let state = Arc::new(Mutex::new(InFlight {
            current: HashMap::new(),
            max: HashMap::new(),
            total: 0,
            max_total: 0,
        }));
        let shared = Arc::clone(&state);
        let server = RawServer::start(move |request: RawRequest| {
            let state = Arc::clone(&shared);
            async move {
                let mailbox = request
                    .target
                    .split('/')
                    .nth(3)
                    .unwrap_or_default()
                    .to_string();
                {
                    let mut s = state.lock().unwrap();
                    let now = *s
                        .current
                        .entry(mailbox.clone())
                        .and_modify(|n| *n += 1)
                        .or_insert(1);
                    let max = s.max.entry(mailbox.clone()).or_insert(0);
                    *max = (*max).max(now);
                    s.total += 1;
                    s.max_total = s.max_total.max(s.total);
                }
                // Long enough for requests to overlap; this is load shaping, not a timing check.
                tokio::time::sleep(Duration::from_millis(2)).await;
                let mut s = state.lock().unwrap();
                *s.current.get_mut(&mailbox).unwrap() -= 1;
                s.total -= 1;
                Reply::status(202)
            }
        })
        .await;
        (server, state)
    }

    /// Sends `count` messages from each mailbox, at most `concurrency` calls at once.
    async fn burst(client: &GraphClient, mailboxes: &[&str], count: usize, concurrency: usize) {
        let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let mut tasks = Vec::new();
        for i in 0..count {
            for mailbox in mailboxes {
                let (client, gate, mailbox) =
                    (client.clone(), Arc::clone(&gate), mailbox.to_string());
                tasks.push(tokio::spawn(async move {
                    let _place = gate.acquire_owned().await.unwrap();
                    client
                        .user(mailbox)
                        .send_mail(message(&format!("n{i}")))
                        .await
                }));
            }
        }
        for task in tasks {
            task.await.unwrap().expect("202");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_thousand_sends_to_one_mailbox_keep_at_most_4_in_flight() {
        let (server, state) = counting_server().await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let client = client_at(&server.base_url(), &sleeper);
        burst(&client, &["adele@contoso.com"], 1000, 64).await;
        let state = state.lock().unwrap();
        assert_eq!(
            state.max["adele@contoso.com"], 4,
            "the limit is reached but never passed"
        );
        assert_eq!(server.requests().len(), 1000);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_mailboxes_proceed_in_parallel() {
        let (server, state) = counting_server().await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let client = client_at(&server.base_url(), &sleeper);
        burst(&client, &["adele@contoso.com", "alex@contoso.com"], 200, 64).await;
        let state = state.lock().unwrap();
        assert!(state.max["adele@contoso.com"] <= 4 && state.max["alex@contoso.com"] <= 4);
        assert!(
            state.max_total > 4,
            "mailboxes did not wait on each other: {}",
            state.max_total
        );
    }

    // ---- Chaos: every message arrives exactly once ----

    fn distinct_subjects() -> Vec<String> {
        (0..500).map(|i| format!("chaos message {i:03}")).collect()
    }

    async fn send_all(client: &GraphClient, from: &str, to: &str, subjects: &[String]) {
        let mut tasks = Vec::new();
        for subject in subjects {
            let (client, from, message) = (
                client.clone(),
                from.to_string(),
                Message::new().subject(subject).to(to),
            );
            tasks.push(tokio::spawn(async move {
                client.user(from).send_mail(message).await
            }));
        }
        for task in tasks {
            task.await.unwrap().expect("every send reports success");
        }
    }

    fn assert_each_once(delivered: Vec<String>, subjects: &[String]) {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for subject in delivered {
            *counts.entry(subject).or_default() += 1;
        }
        for subject in subjects {
            assert_eq!(counts.get(subject), Some(&1), "{subject}");
        }
        assert_eq!(counts.len(), subjects.len());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn chaos_against_a_plain_server_every_message_arrives_exactly_once() {
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&delivered);
        let seed = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
        let server = RawServer::start(move |request: RawRequest| {
            // xorshift: 20% of the answers are 429 or 503 with Retry-After: 0.
            let mut x = seed.load(Ordering::SeqCst);
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seed.store(x, Ordering::SeqCst);
            let reply = match x % 10 {
                0 => throttled("0"),
                1 => unavailable().header("retry-after", "0"),
                _ => {
                    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
                    log.lock()
                        .unwrap()
                        .push(body["message"]["subject"].as_str().unwrap().to_string());
                    Reply::status(202)
                }
            };
            ready(reply)
        })
        .await;
        let sleeper = Arc::new(RecordingSleeper::default());
        // Patient enough that 20% faults never exhaust the attempts (0.2^10 per message).
        let client = GraphClient::builder()
            .base_url(server.base_url())
            .token_provider(StaticToken::delegated(TOKEN))
            .sleeper(sleeper.clone())
            .retry_policy(RetryPolicy::default().max_attempts(10))
            .build()
            .unwrap();
        let subjects = distinct_subjects();
        send_all(&client, "adele@contoso.com", "alex@contoso.com", &subjects).await;
        assert_each_once(delivered.lock().unwrap().clone(), &subjects);
        assert!(
            !sleeper.delays().is_empty(),
            "faults were injected and retried"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn chaos_against_the_sandbox_every_message_arrives_exactly_once() {
        let sandbox = Sandbox::start().await.unwrap();
        for user in ["adele@contoso.com", "alex@contoso.com"] {
            sandbox.add_user(user);
        }
        sandbox.set_faults(Faults {
            throttle: 0.1,
            unavailable: 0.1,
            seed: Some(7),
            ..Faults::default()
        });
        let cloud = Cloud::from_base_url(&sandbox.base_url(), &sandbox.authority_url()).unwrap();
        let credentials = ClientCredentials::new(
            &cloud,
            &sandbox.tenant_id(),
            &sandbox.client_id(),
            ClientSecret::new(sandbox.client_secret()),
        )
        .unwrap();
        let client = GraphClient::builder()
            .base_url(sandbox.base_url())
            .token_provider(credentials)
            .sleeper(Arc::new(RecordingSleeper::default()))
            .retry_policy(RetryPolicy::default().max_attempts(10))
            .build()
            .unwrap();
        let subjects = distinct_subjects();
        send_all(&client, "adele@contoso.com", "alex@contoso.com", &subjects).await;
        let inbox = sandbox.messages("alex@contoso.com", "inbox");
        let delivered = inbox
            .iter()
            .map(|m| m["subject"].as_str().unwrap().to_string())
            .collect();
        assert_each_once(delivered, &subjects);
        assert!(sandbox.faults_injected() > 0);
        assert_eq!(sandbox.token_requests(), 1);
    }

    // ---- The token goes to Graph only ----

    #[tokio::test]
    async fn a_next_link_to_another_host_is_refused_and_never_requested() {
        let elsewhere = RawServer::start(scripted(vec![], empty_page())).await;
        let link = format!("{}/v1.0/me/messages?$skip=10", elsewhere.url);
        let graph = RawServer::start(scripted(
            vec![Reply::json(
                200,
                &json!({"value": [], "@odata.nextLink": link}),
            )],
            empty_page(),
        ))
        .await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let client = client_at(&graph.base_url(), &sleeper);
        let page = client.me().list_messages().await.unwrap();
        let err = client.next_page(&page).await.unwrap_err();
        assert!(
            matches!(&err, Error::ForeignLink { link_origin, .. } if *link_origin == elsewhere.url),
            "{err:?}"
        );
        assert!(
            elsewhere.requests().is_empty(),
            "the other host saw a request"
        );
    }

    #[tokio::test]
    async fn a_next_link_on_graph_is_followed_with_the_token() {
        let graph = RawServer::start(scripted(vec![], empty_page())).await;
        let link = format!("{}/v1.0/me/messages?%24skip=10", graph.url);
        let sleeper = Arc::new(RecordingSleeper::default());
        let client = client_at(&graph.base_url(), &sleeper);
        let page: msgraph_outlook::Page<Message> =
            serde_json::from_value(json!({"value": [], "@odata.nextLink": link})).unwrap();
        client.next_page(&page).await.unwrap().expect("a page");
        let requests = graph.requests();
        assert_eq!(requests[0].target, "/v1.0/me/messages?%24skip=10");
        assert_eq!(
            requests[0].header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let elsewhere = RawServer::start(scripted(vec![], Reply::status(202))).await;
        let graph = RawServer::start(scripted(
            vec![],
            Reply::status(302).header("location", &format!("{}/v1.0/me/sendMail", elsewhere.url)),
        ))
        .await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let err = client_at(&graph.base_url(), &sleeper)
            .me()
            .send_mail(message("Hi"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(302));
        assert!(elsewhere.requests().is_empty());
    }

    // ---- Broken answers ----

    async fn list_against(reply: Reply) -> Error {
        let server = RawServer::start(scripted(
            vec![],
            reply.header("request-id", common::REQUEST_ID),
        ))
        .await;
        let sleeper = Arc::new(RecordingSleeper::default());
        client_at(&server.base_url(), &sleeper)
            .me()
            .list_messages()
            .await
            .unwrap_err()
    }

    #[tokio::test]
    async fn broken_success_bodies_are_typed_decode_errors() {
        let cases = [
            (b"{\"value\": [ {\"subject\": ".to_vec(), "EOF"),
            (b"[1, 2, 3]".to_vec(), "expected"),
            (Vec::new(), "EOF"),
            (
                br#"{"value": [{"subject": 5}]}"#.to_vec(),
                "value[0].subject",
            ),
        ];
        for (body, reason) in cases {
            let err = list_against(Reply::Status(200, vec![], body.clone())).await;
            let Error::Decode(decode) = &err else {
                panic!("{err:?}")
            };
            assert_eq!(decode.status, 200);
            assert_eq!(decode.request_id.as_deref(), Some(common::REQUEST_ID));
            assert!(
                decode.reason.contains(reason),
                "{body:?}: {}",
                decode.reason
            );
            assert!(decode.excerpt.chars().count() <= 201);
        }
    }

    #[tokio::test]
    async fn a_10_mb_error_body_is_capped() {
        let body = vec![b'x'; 10 * 1024 * 1024];
        let err = list_against(Reply::Status(500, vec![], body)).await;
        let Error::Graph(graph) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(graph.status, 500);
        assert!(graph.message.chars().count() <= 201);
        assert_eq!(err.request_id(), Some(common::REQUEST_ID));
    }
}
