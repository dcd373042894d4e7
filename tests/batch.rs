//! JSON batching on the wire (`POST /$batch`, GRAPH-FACTS §9): exact batch bodies, ids,
//! relative URLs, `dependsOn`, per-request results and errors, retries of throttled requests.
//! Every inner request is checked against openapi-fragments/ for its own method and path, and
//! every batch body and answer against paths/batch.yaml.

#[path = "support/batch_mock.rs"]
mod batch_mock;
mod common;
#[path = "support/raw_server.rs"]
mod raw_server;

use std::sync::Arc;
use std::time::Duration;

use batch_mock::{assert_conforms, expect_batch, status, with_body};
use common::*;
use mockito::Matcher;
use msgraph_outlook::auth::StaticToken;
use msgraph_outlook::models::{Event, EventPatch, ItemSource, MailboxRef, Message, MessagePatch};
use msgraph_outlook::{Error, GraphClient, InvalidRequest, MissingRight};
use raw_server::{scripted, RawServer, Reply};
use serde_json::{json, Value};

const ETAG: &str = "W/\"ZlnW4RIAV06KYYwlrfNZvQAAKGWwbw==\"";

/// The `$batch` form of a draft's subject update (id `first`) and of its send, ordered after
/// it: the send carries `{}` with `Content-Type`, as Graph requires of a bodyless write.
fn update_then_send(draft_id: &str, first: u32) -> Vec<Value> {
    vec![
        json!({
            "id": first.to_string(),
            "method": "PATCH",
            "url": format!("/me/messages/{draft_id}"),
            "headers": {"Content-Type": "application/json"},
            "body": {"subject": "Final agenda"}
        }),
        json!({
            "id": (first + 1).to_string(),
            "method": "POST",
            "url": format!("/me/messages/{draft_id}/send"),
            "headers": {"Content-Type": "application/json"},
            "body": {},
            "dependsOn": [first.to_string()]
        }),
    ]
}

fn inner_error(id: &str, status: u16, code: &str, message: &str) -> Value {
    with_body(id, status, graph_error(code, message))
}

fn report(n: usize) -> Message {
    Message::new()
        .subject(format!("Report {n}"))
        .text_body("Attached.")
        .to(format!("user{n}@contoso.com"))
}

fn report_request(n: usize) -> Value {
    json!({
        "id": n.to_string(),
        "method": "POST",
        "url": "/me/sendMail",
        "headers": {"Content-Type": "application/json"},
        "body": {"message": {
            "subject": format!("Report {n}"),
            "body": {"contentType": "text", "content": "Attached."},
            "toRecipients": [{"emailAddress": {"address": format!("user{n}@contoso.com")}}]
        }}
    })
}

fn graph_event(id: &str, subject: &str) -> Value {
    json!({
        "@odata.etag": ETAG,
        "id": id,
        "subject": subject,
        "attendees": []
    })
}

fn event_read_before(id: &str) -> Event {
    serde_json::from_value(json!({"@odata.etag": ETAG, "id": id})).unwrap()
}

#[tokio::test]
async fn forty_five_send_mails_go_in_three_batches_of_20_20_and_5() {
    let mut server = server().await;
    let mut mocks = Vec::new();
    for range in [1..=20, 21..=40, 41..=45] {
        let requests = range.clone().map(report_request).collect();
        // Graph answers in any order: these come back last first.
        let responses = range.rev().map(|n| status(&n.to_string(), 202)).collect();
        mocks.push(expect_batch(&mut server, requests, responses).await);
    }
    let client = client(&server);

    let mut batch = client.batch();
    let tickets: Vec<_> = (1..=45)
        .map(|n| batch.add(client.me().send_mail(report(n))))
        .collect();
    assert_eq!(batch.len(), 45);
    assert_eq!(tickets[44].id(), "45");
    // A batch can be sent from any task.
    fn sendable<F: std::future::Future + Send>(future: F) -> F {
        future
    }
    let mut results = sendable(batch.send()).await.unwrap();

    for mock in &mocks {
        mock.assert_async().await;
    }
    assert_eq!(results.len(), 45);
    let mut request_ids = Vec::new();
    for ticket in tickets.into_iter().rev() {
        let accepted = results.take(ticket).expect("202");
        // The batch's request-id and client-request-id: what support traces the send by.
        request_ids.push(accepted.request_id.clone());
        assert!(regex_like_guid(&accepted.client_request_id));
    }
    assert!(request_ids
        .iter()
        .all(|id| id.as_deref() == Some(REQUEST_ID)));
}

#[tokio::test]
async fn a_draft_update_and_its_send_are_ordered_with_depends_on() {
    // A draft created earlier is finished and sent in one round trip: the send must not run
    // before the update (dependsOn), and both URLs are known before the batch is sent.
    let mut server = server().await;
    let draft_id = "AAMkAGI1AAAoZCfHAAA=";
    let mock = expect_batch(
        &mut server,
        update_then_send(draft_id, 1),
        vec![
            status("2", 202),
            with_body("1", 200, graph_message(draft_id, "Final agenda")),
        ],
    )
    .await;
    let client = client(&server);
    let draft = client.me().message(draft_id);

    let mut batch = client.batch();
    let update = batch.add(draft.update(MessagePatch::new().subject("Final agenda")));
    let send = batch.add_after(draft.send(), &update);
    let mut results = batch.send().await.unwrap();

    mock.assert_async().await;
    let updated = results.take(update).expect("200");
    assert_eq!(updated.subject.as_deref(), Some("Final agenda"));
    assert_eq!(updated.source, Some(ItemSource::new(MailboxRef::Me)));
    results.take(send).expect("202");
}

#[tokio::test]
async fn a_failed_dependency_gives_the_424_graph_error_and_spares_the_others() {
    let mut server = server().await;
    let mock = expect_batch(
        &mut server,
        [update_then_send("AAMk-gone", 1), vec![report_request(3)]].concat(),
        vec![
            inner_error(
                "1",
                404,
                "ErrorItemNotFound",
                "The specified object was not found in the store.",
            ),
            inner_error(
                "2",
                424,
                "FailedDependency",
                "The dependent request failed.",
            ),
            status("3", 202),
        ],
    )
    .await;
    let client = client(&server);
    let draft = client.me().message("AAMk-gone");

    let mut batch = client.batch();
    let update = batch.add(draft.update(MessagePatch::new().subject("Final agenda")));
    let send = batch.add_after(draft.send(), &update);
    let other = batch.add(client.me().send_mail(report(3)));
    let mut results = batch.send().await.unwrap();

    mock.assert_async().await;
    let err = results.take(update).unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let err = results.take(send).unwrap_err();
    assert!(matches!(err, Error::Graph(_)), "{err:?}");
    assert_eq!(err.status(), Some(424));
    assert_eq!(err.graph_code(), Some("FailedDependency"));
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    results
        .take(other)
        .expect("the independent send went through");
}

#[tokio::test]
async fn an_inner_429_is_retried_alone_after_its_own_retry_after() {
    let mut server = server().await;
    let throttled = json!({
        "id": "2",
        "status": 429,
        "headers": {"Retry-After": "7", "Content-Type": "application/json"},
        "body": {"error": {"code": "TooManyRequests", "message": "Please retry again later.",
            "innerError": {"code": "429", "date": "2020-08-18T12:51:51", "message": "Please retry after",
                           "request-id": REQUEST_ID, "status": "429"}}}
    });
    let first = expect_batch(
        &mut server,
        (1..=3).map(report_request).collect(),
        vec![status("1", 202), throttled, status("3", 202)],
    )
    .await;
    let second = expect_batch(&mut server, vec![report_request(2)], vec![status("2", 202)]).await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_at(&base_url(&server), &sleeper);

    let mut batch = client.batch();
    let tickets: Vec<_> = (1..=3)
        .map(|n| batch.add(client.me().send_mail(report(n))))
        .collect();
    let mut results = batch.send().await.unwrap();

    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(sleeper.delays(), [Duration::from_secs(7)]);
    for ticket in tickets {
        results.take(ticket).expect("all sent");
    }
}

#[tokio::test]
async fn a_request_whose_dependency_was_throttled_goes_again_with_it() {
    // Graph did not run the dependent (424) because its dependency was throttled: both go
    // again, still ordered.
    let mut server = server().await;
    let [update, send]: [Value; 2] = update_then_send("AAMk-draft", 1).try_into().unwrap();
    let throttled = json!({
        "id": "1",
        "status": 503,
        "headers": {"Retry-After": "3", "Content-Type": "application/json"},
        "body": graph_error("serviceNotAvailable", "Service unavailable")
    });
    let first = expect_batch(
        &mut server,
        vec![update.clone(), send.clone()],
        vec![
            throttled,
            inner_error(
                "2",
                424,
                "FailedDependency",
                "The dependent request failed.",
            ),
        ],
    )
    .await;
    let second = expect_batch(
        &mut server,
        vec![update, send],
        vec![
            with_body("1", 200, graph_message("AAMk-draft", "Final agenda")),
            status("2", 202),
        ],
    )
    .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_at(&base_url(&server), &sleeper);
    let draft = client.me().message("AAMk-draft");

    let mut batch = client.batch();
    let update = batch.add(draft.update(MessagePatch::new().subject("Final agenda")));
    let send = batch.add_after(draft.send(), &update);
    let mut results = batch.send().await.unwrap();

    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(sleeper.delays(), [Duration::from_secs(3)]);
    results.take(update).unwrap();
    results.take(send).unwrap();
}

#[tokio::test]
async fn a_throttled_request_is_not_sent_again_once_its_dependency_failed() {
    // Sent again alone, without its dependency, the send would run although the update
    // failed: it is not repeated.
    let mut server = server().await;
    let mock = expect_batch(
        &mut server,
        update_then_send("AAMk-draft", 1),
        vec![
            inner_error(
                "1",
                400,
                "ErrorInvalidRecipients",
                "At least one recipient is not valid.",
            ),
            json!({"id": "2", "status": 429, "headers": {"Retry-After": "1"}}),
        ],
    )
    .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_at(&base_url(&server), &sleeper);
    let draft = client.me().message("AAMk-draft");

    let mut batch = client.batch();
    let update = batch.add(draft.update(MessagePatch::new().subject("Final agenda")));
    let send = batch.add_after(draft.send(), &update);
    let mut results = batch.send().await.unwrap();

    mock.assert_async().await;
    assert_eq!(results.take(update).unwrap_err().status(), Some(400));
    let err = results.take(send).unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(sleeper.delays().is_empty());
}

#[tokio::test]
async fn an_inner_504_to_a_send_is_not_repeated() {
    // The gateway timed out: the mail may have gone. Like a single sendMail, it is not sent
    // again; an idempotent read in the same batch is.
    let mut server = server().await;
    let read = json!({"id": "2", "method": "GET", "url": "/me/events/AAMk-evt"});
    let first = expect_batch(
        &mut server,
        vec![report_request(1), read.clone()],
        vec![
            inner_error("1", 504, "GatewayTimeout", "Gateway timeout"),
            inner_error("2", 504, "GatewayTimeout", "Gateway timeout"),
        ],
    )
    .await;
    let second = expect_batch(
        &mut server,
        vec![read],
        vec![with_body(
            "2",
            200,
            graph_event("AAMk-evt", "Budget review"),
        )],
    )
    .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_at(&base_url(&server), &sleeper);

    let mut batch = client.batch();
    let send = batch.add(client.me().send_mail(report(1)));
    let get = batch.add(client.me().event("AAMk-evt").get());
    let mut results = batch.send().await.unwrap();

    first.assert_async().await;
    second.assert_async().await;
    let err = results.take(send).unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(err.status(), Some(504));
    assert_eq!(
        results.take(get).unwrap().subject.as_deref(),
        Some("Budget review")
    );
    assert_eq!(sleeper.delays().len(), 1);
}

#[tokio::test]
async fn a_call_refused_locally_is_not_sent_and_the_others_go() {
    let mut server = server().await;
    // Ids stay the call's position: "1" and "3" were refused, so never sent.
    let mock = expect_batch(
        &mut server,
        vec![report_request(2), report_request(4)],
        vec![status("4", 202), status("2", 202)],
    )
    .await;
    let client = client(&server);
    let eml = b"From: adele@contoso.com\r\nTo: alex@contoso.com\r\nSubject: Hi\r\n\r\nHello\r\n";

    let mut batch = client.batch();
    let no_recipients = batch.add(client.me().send_mail(Message::new().subject("To nobody")));
    let second = batch.add(client.me().send_mail(report(2)));
    // Graph documents no text/plain body inside a batch: a MIME draft is refused.
    let mime_draft = batch.add(client.me().create_draft_mime(eml.to_vec()));
    let fourth = batch.add(client.me().send_mail(report(4)));
    let mut results = batch.send().await.unwrap();

    mock.assert_async().await;
    let err = results.take(no_recipients).unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest(InvalidRequest::NoRecipients)),
        "{err:?}"
    );
    let err = results.take(mime_draft).unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(err.to_string().contains("$batch"), "{err}");
    results.take(second).unwrap();
    results.take(fourth).unwrap();
}

#[tokio::test]
async fn a_request_depending_on_a_refused_one_is_not_sent_either() {
    let mut server = server().await;
    let nothing = expect_no_request(&mut server).await;
    let client = client(&server);
    let draft = client.me().message("AAMk-draft");

    let mut batch = client.batch();
    let update = batch.add(draft.update(MessagePatch::new())); // changes nothing: refused
    let send = batch.add_after(draft.send(), &update);
    let mut results = batch.send().await.unwrap();

    nothing.assert_async().await;
    assert!(matches!(
        results.take(update).unwrap_err(),
        Error::InvalidRequest(_)
    ));
    let err = results.take(send).unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(
        err.to_string().contains("depends on batch request 1"),
        "{err}"
    );
}

#[tokio::test]
async fn an_outer_400_fails_every_item_with_the_same_error() {
    let mut server = server().await;
    let requests: Vec<Value> = (1..=3).map(report_request).collect();
    assert_conforms(&requests);
    let mock = server
        .mock("POST", "/v1.0/$batch")
        .match_body(Matcher::Json(json!({ "requests": requests })))
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_header("request-id", REQUEST_ID)
        .with_body(graph_error("BadRequest", "Invalid batch payload format.").to_string())
        .expect(1)
        .create_async()
        .await;
    let client = client(&server);

    let mut batch = client.batch();
    let tickets: Vec<_> = (1..=3)
        .map(|n| batch.add(client.me().send_mail(report(n))))
        .collect();
    let mut results = batch.send().await.unwrap();

    mock.assert_async().await;
    for ticket in tickets {
        let err = results.take(ticket).unwrap_err();
        assert!(matches!(err, Error::Graph(_)), "{err:?}");
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.graph_code(), Some("BadRequest"));
        assert_eq!(err.request_id(), Some(REQUEST_ID));
    }
}

#[tokio::test]
async fn a_throttled_batch_post_is_sent_again_whole() {
    // Graph ran nothing of a batch it answered 429: the POST goes again, like any request.
    let answer = json!({"responses": [status("1", 202)]});
    let throttled = Reply::json(
        429,
        &graph_error("TooManyRequests", "Please retry again later."),
    )
    .header("retry-after", "4");
    let server = RawServer::start(scripted(vec![throttled], Reply::json(200, &answer))).await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_at(&server.base_url(), &sleeper);

    let mut batch = client.batch();
    let ticket = batch.add(client.me().send_mail(report(1)));
    let mut results = batch.send().await.unwrap();

    results.take(ticket).unwrap();
    assert_eq!(sleeper.delays(), [Duration::from_secs(4)]);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.target == "/v1.0/$batch"));
    assert_eq!(requests[0].body, requests[1].body);
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body, json!({"requests": [report_request(1)]}));
}

#[tokio::test]
async fn relative_urls_headers_and_queries_are_those_of_single_calls() {
    let mut server = server().await;
    let get_url = "/me/events/AAMk%2F1=?%24select=subject%2Cstart";
    let update_url = "/users/adele@contoso.com/events/AAMkAGI1AAAoZCfHAAA=";
    let send_url = "/users/alex_fabrikam.com%23EXT%23@contoso.onmicrosoft.com/sendMail";
    let message_url = "/users/a%2Fb/messages/AAMk=?%24select=subject";
    let prefer = r#"outlook.timezone="Pacific Standard Time""#;
    let patch = json!({"location": {"displayName": "Room 2"}});
    let mock = expect_batch(
        &mut server,
        vec![
            json!({"id": "1", "method": "GET", "url": get_url, "headers": {"Prefer": prefer}}),
            json!({
                "id": "2",
                "method": "PATCH",
                "url": update_url,
                "headers": {"Content-Type": "application/json", "If-Match": ETAG},
                "body": patch
            }),
            json!({
                "id": "3",
                "method": "POST",
                "url": send_url,
                "headers": {"Content-Type": "application/json"},
                "body": {"message": {
                    "subject": "Report 3",
                    "body": {"contentType": "text", "content": "Attached."},
                    "toRecipients": [{"emailAddress": {"address": "user3@contoso.com"}}]
                }}
            }),
            json!({"id": "4", "method": "GET", "url": message_url}),
        ],
        vec![
            with_body("1", 200, graph_event("AAMk/1=", "Budget review")),
            with_body(
                "2",
                200,
                graph_event("AAMkAGI1AAAoZCfHAAA=", "Budget review"),
            ),
            status("3", 202),
            with_body("4", 200, graph_message("AAMk=", "Hi")),
        ],
    )
    .await;
    // The same calls alone go to the same paths and queries, byte for byte.
    let mut singles = Vec::new();
    for (method, url, status, body) in [
        ("GET", get_url, 200, graph_event("AAMk/1=", "Budget review")),
        (
            "PATCH",
            update_url,
            200,
            graph_event("AAMkAGI1AAAoZCfHAAA=", "Budget review"),
        ),
        ("POST", send_url, 202, Value::Null),
        ("GET", message_url, 200, graph_message("AAMk=", "Hi")),
    ] {
        let mut mock = server
            .mock(method, format!("/v1.0{url}").as_str())
            .with_status(status)
            .expect(1);
        if !body.is_null() {
            mock = mock.with_body(body.to_string());
        }
        singles.push(mock.create_async().await);
    }
    let client = client(&server);
    let calls = |client: &GraphClient| {
        (
            client
                .me()
                .event("AAMk/1=")
                .get()
                .select(["subject", "start"])
                .time_zone("Pacific Standard Time"),
            client
                .user("adele@contoso.com")
                .event_from(&event_read_before("AAMkAGI1AAAoZCfHAAA="))
                .update(EventPatch::new().location("Room 2")),
            client
                .user("alex_fabrikam.com#EXT#@contoso.onmicrosoft.com")
                .send_mail(report(3)),
            client
                .user("a/b")
                .message("AAMk=")
                .get()
                .select(["subject"]),
        )
    };

    let (get, update, send, message) = calls(&client);
    let mut batch = client.batch();
    let tickets = (
        batch.add(get),
        batch.add(update),
        batch.add(send),
        batch.add(message),
    );
    let mut results = batch.send().await.unwrap();
    mock.assert_async().await;
    results.take(tickets.0).unwrap();
    results.take(tickets.1).unwrap();
    results.take(tickets.2).unwrap();
    results.take(tickets.3).unwrap();

    let (get, update, send, message) = calls(&client);
    get.await.unwrap();
    update.await.unwrap();
    send.await.unwrap();
    message.await.unwrap();
    for single in &singles {
        single.assert_async().await;
    }
}

#[tokio::test]
async fn items_read_in_a_batch_remember_their_mailbox() {
    let mut server = server().await;
    let mock = expect_batch(
        &mut server,
        vec![
            json!({"id": "1", "method": "GET", "url": "/users/owner@contoso.com/events/AAMk-evt"}),
        ],
        vec![with_body(
            "1",
            200,
            graph_event("AAMk-evt", "Budget review"),
        )],
    )
    .await;
    // Implicit access: the event goes back to the owner's mailbox, with its etag.
    let delete = server
        .mock("DELETE", "/v1.0/users/owner@contoso.com/events/AAMk-evt")
        .match_header("if-match", ETAG)
        .with_status(204)
        .expect(1)
        .create_async()
        .await;
    let client = client(&server);

    let mut batch = client.batch();
    let ticket = batch.add(client.user("owner@contoso.com").event("AAMk-evt").get());
    let event = batch.send().await.unwrap().take(ticket).unwrap();
    mock.assert_async().await;
    assert_eq!(
        event.source,
        Some(ItemSource::new(MailboxRef::User(
            "owner@contoso.com".into()
        )))
    );

    client.event_from(&event).unwrap().delete().await.unwrap();
    delete.assert_async().await;
}

#[tokio::test]
async fn graph_errors_keep_the_variants_of_single_calls() {
    let mut server = server().await;
    let mock = expect_batch(
        &mut server,
        vec![
            json!({
                "id": "1",
                "method": "PATCH",
                "url": "/me/events/AAMk-evt",
                "headers": {"Content-Type": "application/json", "If-Match": ETAG},
                "body": {"subject": "Moved"}
            }),
            json!({
                "id": "2",
                "method": "POST",
                "url": "/users/ceo@contoso.com/sendMail",
                "headers": {"Content-Type": "application/json"},
                "body": {"message": {
                    "subject": "Report 2",
                    "body": {"contentType": "text", "content": "Attached."},
                    "toRecipients": [{"emailAddress": {"address": "user2@contoso.com"}}]
                }}
            }),
            json!({
                "id": "3",
                "method": "DELETE",
                "url": "/me/events/AAMk-gone",
                "headers": {"If-Match": ETAG}
            }),
            json!({
                "id": "4",
                "method": "POST",
                "url": "/me/events/AAMk-evt/accept",
                "headers": {"Content-Type": "application/json"},
                "body": {"comment": "See you", "sendResponse": true}
            }),
        ],
        vec![
            inner_error(
                "1",
                412,
                "ErrorIrresolvableConflict",
                "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
            ),
            inner_error(
                "2",
                403,
                "ErrorSendAsDenied",
                "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.",
            ),
            inner_error("3", 404, "ErrorItemNotFound", "The specified object was not found in the store."),
            inner_error(
                "4",
                400,
                "BadRequest",
                "/me request is only valid with delegated authentication flow.",
            ),
        ],
    )
    .await;
    let client = client(&server);
    let me = client.me();

    let mut batch = client.batch();
    let update = batch.add(
        me.event("AAMk-evt")
            .update(EventPatch::new().subject("Moved"))
            .if_match(ETAG),
    );
    let send = batch.add(client.user("ceo@contoso.com").send_mail(report(2)));
    let delete = batch.add(me.event("AAMk-gone").delete().if_match(ETAG));
    let accept = batch.add(me.event("AAMk-evt").accept().comment("See you"));
    let mut results = batch.send().await.unwrap();

    mock.assert_async().await;
    let err = results.take(update).unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    match results.take(send).unwrap_err() {
        Error::AccessDenied(denied) => assert_eq!(denied.missing, MissingRight::SendAs),
        other => panic!("{other:?}"),
    }
    assert!(results.take(delete).unwrap_err().is_not_found());
    let err = results.take(accept).unwrap_err();
    assert!(
        matches!(err, Error::MeWithAppOnlyToken { graph: Some(_) }),
        "{err:?}"
    );
}

#[tokio::test]
async fn me_with_an_app_only_token_is_refused_before_sending() {
    let mut server = server().await;
    let mock = expect_batch(
        &mut server,
        vec![json!({
            "id": "2",
            "method": "POST",
            "url": "/users/adele@contoso.com/sendMail",
            "headers": {"Content-Type": "application/json"},
            "body": {"message": {
                "subject": "Report 2",
                "body": {"contentType": "text", "content": "Attached."},
                "toRecipients": [{"emailAddress": {"address": "user2@contoso.com"}}]
            }}
        })],
        vec![status("2", 202)],
    )
    .await;
    let client = GraphClient::builder()
        .base_url(base_url(&server))
        .token_provider(StaticToken::application(TOKEN))
        .build()
        .unwrap();

    let mut batch = client.batch();
    let me = batch.add(client.me().send_mail(report(1)));
    let adele = batch.add(client.user("adele@contoso.com").send_mail(report(2)));
    let mut results = batch.send().await.unwrap();

    mock.assert_async().await;
    let err = results.take(me).unwrap_err();
    assert!(
        matches!(err, Error::MeWithAppOnlyToken { graph: None }),
        "{err:?}"
    );
    results.take(adele).unwrap();
}

#[tokio::test]
async fn dependent_requests_stay_in_one_batch_and_a_chain_over_20_is_refused() {
    let mut server = server().await;
    // 19 independent sends, then a draft update and its send: the pair would straddle the
    // 20-request boundary, so it goes whole into the second batch.
    let first: Vec<Value> = (1..=19).map(report_request).collect();
    let [update, send]: [Value; 2] = update_then_send("AAMk-draft", 20).try_into().unwrap();
    let answers: Vec<Value> = (1..=19).map(|n| status(&n.to_string(), 202)).collect();
    let one = expect_batch(&mut server, first, answers).await;
    let two = expect_batch(
        &mut server,
        vec![update, send],
        vec![
            with_body("20", 200, graph_message("AAMk-draft", "Final agenda")),
            status("21", 202),
        ],
    )
    .await;
    let client = client(&server);
    let draft = client.me().message("AAMk-draft");

    let mut batch = client.batch();
    let sends: Vec<_> = (1..=19)
        .map(|n| batch.add(client.me().send_mail(report(n))))
        .collect();
    let update = batch.add(draft.update(MessagePatch::new().subject("Final agenda")));
    let send = batch.add_after(draft.send(), &update);
    let mut results = batch.send().await.unwrap();
    one.assert_async().await;
    two.assert_async().await;
    for ticket in sends {
        results.take(ticket).unwrap();
    }
    results.take(update).unwrap();
    results.take(send).unwrap();

    // 21 requests hanging together cannot be split: refused, nothing sent.
    let mut server = common::server().await;
    let nothing = expect_no_request(&mut server).await;
    let client = common::client(&server);
    let event = client.me().event("AAMk-evt");
    let mut batch = client.batch();
    let mut last = batch.add(event.get());
    for _ in 0..20 {
        last = batch.add_after(event.get(), &last);
    }
    let err = batch.send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(err.to_string().contains("at most 20"), "{err}");
    nothing.assert_async().await;
}

#[tokio::test]
async fn a_ticket_is_redeemed_once_and_only_in_its_own_batch() {
    let mut server = server().await;
    let mock = expect_batch(
        &mut server,
        vec![json!({"id": "1", "method": "DELETE", "url": "/me/events/AAMk-evt"})],
        vec![status("1", 204)],
    )
    .await;
    let client = client(&server);

    let mut other = client.batch();
    let foreign = other.add(client.me().event("AAMk-evt").get());
    let mut batch = client.batch();
    let delete = batch.add(client.me().event("AAMk-evt").delete());
    // A dependency on another batch's request cannot be honoured: refused, not sent.
    let stray = batch.add_after(client.me().event("AAMk-evt").get(), &foreign);
    let mut results = batch.send().await.unwrap();

    mock.assert_async().await;
    results.take(delete).unwrap();
    assert!(matches!(
        results.take(delete).unwrap_err(),
        Error::InvalidRequest(_)
    ));
    assert!(matches!(
        results.take(foreign).unwrap_err(),
        Error::InvalidRequest(_)
    ));
    assert!(matches!(
        results.take(stray).unwrap_err(),
        Error::InvalidRequest(_)
    ));
    assert!(client.batch().send().await.unwrap().is_empty());
}

/// A `$batch` answer to every request of `body`: an event for a GET, `202` otherwise.
fn answer_all(body: &[u8]) -> Reply {
    let batch: Value = serde_json::from_slice(body).unwrap();
    let responses: Vec<Value> = batch["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|request| {
            let id = request["id"].as_str().unwrap();
            match request["method"].as_str() {
                Some("GET") => with_body(id, 200, graph_event("AAMk-evt", "Budget review")),
                _ => status(id, 202),
            }
        })
        .collect();
    Reply::json(200, &json!({ "responses": responses }))
}

/// The ids of the requests of a `$batch` body.
fn batch_ids(body: &[u8]) -> Vec<String> {
    let batch: Value = serde_json::from_slice(body).unwrap();
    batch["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|request| request["id"].as_str().unwrap().to_string())
        .collect()
}

/// Ids `"from"` to `"to"`.
fn id_range(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|n| n.to_string()).collect()
}

/// Never reached unless a batch hangs: turns a deadlock into a failure.
const HANG: Duration = Duration::from_secs(30);

/// Sends `batch` to a server that holds each `$batch` POST until two are in flight at once,
/// and returns the bodies of the two POSTs.
async fn send_expecting_two_posts_in_flight(
    server: &RawServer,
    batch: msgraph_outlook::Batch,
) -> msgraph_outlook::BatchResults {
    let results = tokio::time::timeout(HANG, batch.send())
        .await
        .expect("the second $batch POST never came while the first was unanswered")
        .unwrap();
    assert_eq!(server.requests().len(), 2);
    results
}

/// A server that answers a `$batch` POST only once `together` POSTs have arrived.
async fn holding_until(together: usize) -> RawServer {
    let barrier = Arc::new(tokio::sync::Barrier::new(together));
    RawServer::start(move |request| {
        let barrier = Arc::clone(&barrier);
        async move {
            barrier.wait().await;
            answer_all(&request.body)
        }
    })
    .await
}

#[tokio::test]
async fn posts_to_different_mailboxes_are_in_flight_together() {
    // 20 sends from adele fill one POST; alex's goes in a second, which need not wait for
    // the first: its mailbox has all its places.
    let server = holding_until(2).await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_at(&server.base_url(), &sleeper);
    let mut batch = client.batch();
    let mut tickets: Vec<_> = (1..=20)
        .map(|n| batch.add(client.user("adele@contoso.com").send_mail(report(n))))
        .collect();
    tickets.push(batch.add(client.user("alex@contoso.com").send_mail(report(21))));

    let mut results = send_expecting_two_posts_in_flight(&server, batch).await;

    let mut posts: Vec<Vec<String>> = server
        .requests()
        .iter()
        .map(|r| batch_ids(&r.body))
        .collect();
    posts.sort_by_key(|ids| ids.len());
    assert_eq!(posts, [id_range(21..=21), id_range(1..=20)]);
    for ticket in tickets {
        results.take(ticket).unwrap();
    }
}

#[tokio::test]
async fn posts_of_depends_on_chains_share_a_mailbox() {
    // Graph runs a dependsOn chain one request at a time: two chains to one mailbox take 2
    // of its 4 places, so both POSTs go at once.
    let server = holding_until(2).await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_at(&server.base_url(), &sleeper);
    let event = client.me().event("AAMk-evt");
    let mut batch = client.batch();
    let mut tickets = Vec::new();
    for _ in 0..2 {
        let mut last = batch.add(event.get());
        tickets.push(last);
        for _ in 1..20 {
            last = batch.add_after(event.get(), &last);
            tickets.push(last);
        }
    }

    let mut results = send_expecting_two_posts_in_flight(&server, batch).await;

    for request in server.requests() {
        let batch: Value = serde_json::from_slice(&request.body).unwrap();
        let requests = batch["requests"].as_array().unwrap();
        assert_eq!(requests.len(), 20);
        assert!(requests[1..].iter().all(|r| r.get("dependsOn").is_some()));
    }
    for ticket in tickets {
        assert_eq!(
            results.take(ticket).unwrap().subject.as_deref(),
            Some("Budget review")
        );
    }
}

#[tokio::test]
async fn posts_of_unordered_requests_to_one_mailbox_go_one_at_a_time() {
    // Adele's 40 unordered sends are two POSTs, each needing all 4 of her mailbox's places:
    // the second may only leave once the first is answered. Alex's 41 sends (three POSTs,
    // one after another for the same reason) go meanwhile: the server holds adele's first
    // POST until alex's third arrives, which gives a second POST to adele every chance to
    // show up early. Adele's id is spelled two ways: mailboxes compare case-insensitively.
    let log = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let witness = Arc::new(tokio::sync::Notify::new());
    let server = RawServer::start({
        let (log, witness) = (Arc::clone(&log), Arc::clone(&witness));
        move |request| {
            let (log, witness) = (Arc::clone(&log), Arc::clone(&witness));
            async move {
                let first = batch_ids(&request.body).remove(0);
                log.lock().unwrap().push(format!("arrived {first}"));
                match first.as_str() {
                    "1" => witness.notified().await,
                    "81" => witness.notify_one(),
                    _ => {}
                }
                log.lock().unwrap().push(format!("answered {first}"));
                answer_all(&request.body)
            }
        }
    })
    .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_at(&server.base_url(), &sleeper);
    let mut batch = client.batch();
    let tickets: Vec<_> = (1..=81)
        .map(|n| {
            let sender = match n {
                1..=20 => "adele@contoso.com",
                21..=40 => "Adele@Contoso.com",
                _ => "alex@contoso.com",
            };
            batch.add(client.user(sender).send_mail(report(n)))
        })
        .collect();

    let mut results = tokio::time::timeout(HANG, batch.send())
        .await
        .expect("alex's POSTs did not go while adele's first was unanswered")
        .unwrap();

    let log = log.lock().unwrap().clone();
    let at = |event: &str| log.iter().position(|e| e == event).unwrap();
    assert!(at("arrived 81") < at("answered 1"), "{log:?}");
    assert!(
        at("answered 1") < at("arrived 21"),
        "adele's second POST came while her first was in flight: {log:?}"
    );
    let posts: Vec<Vec<String>> = server
        .requests()
        .iter()
        .map(|r| batch_ids(&r.body))
        .collect();
    assert_eq!(posts.len(), 5);
    for ticket in tickets {
        results.take(ticket).unwrap();
    }
}

fn regex_like_guid(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn a_refused_write_to_another_users_calendar_names_the_calendar_role_in_a_batch_too() {
    let mut server = server().await;
    let mock = expect_batch(
        &mut server,
        vec![
            json!({
                "id": "1",
                "method": "PATCH",
                "url": "/users/owner@contoso.com/events/AAMk-evt",
                "headers": {"Content-Type": "application/json"},
                "body": {"subject": "Moved"}
            }),
            json!({
                "id": "2",
                "method": "GET",
                "url": "/users/owner@contoso.com/events/AAMk-evt"
            }),
        ],
        vec![
            inner_error(
                "1",
                403,
                "ErrorAccessDenied",
                "Access is denied. Check credentials and try again.",
            ),
            inner_error(
                "2",
                403,
                "ErrorAccessDenied",
                "Access is denied. Check credentials and try again.",
            ),
        ],
    )
    .await;
    let client = client(&server);
    let owner = client.user("owner@contoso.com");
    let mut batch = client.batch();
    let update = batch.add(
        owner
            .event("AAMk-evt")
            .update(EventPatch::new().subject("Moved")),
    );
    let read = batch.add(owner.event("AAMk-evt").get());
    let mut results = batch.send().await.unwrap();
    mock.assert_async().await;
    let missing = |err: Error| match err {
        Error::AccessDenied(denied) => denied.missing,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        missing(results.take(update).unwrap_err()),
        MissingRight::CalendarWrite
    );
    assert_eq!(
        missing(results.take(read).unwrap_err()),
        MissingRight::MailboxAccess
    );
}
