//! JSON batching: `POST /v1.0/$batch` (GRAPH-FACTS §9).

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use msgraph_outlook_sandbox::{Fault, Faults, Sandbox};
use serde_json::{json, Value};

const GRAPH_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// POSTs a batch to `{base_url}/{path}` and returns (status, content type, body).
async fn post_batch_at(
    sb: &Sandbox,
    path: &str,
    token: &str,
    body: &Value,
) -> (u16, String, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/{path}", sb.base_url()))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("batch sent");
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, content_type, resp.json().await.expect("JSON body"))
}

async fn post_batch(sb: &Sandbox, token: &str, body: &Value) -> (u16, Value) {
    let (status, _, body) = post_batch_at(sb, "$batch", token, body).await;
    (status, body)
}

/// The answers of a batch keyed by id (Graph lists them in any order).
fn by_id(body: &Value) -> BTreeMap<String, Value> {
    body["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .map(|r| (r["id"].as_str().expect("id").to_string(), r.clone()))
        .collect()
}

/// The Graph error body `{error: {code, message, innerError}}` with the innerError of
/// `actual` (its ids and date are generated), after checking that innerError's shape.
fn expected_error(actual: &Value, code: &str, message: &str) -> Value {
    assert_graph_error(actual, code, message);
    json!({"error": {"code": code, "message": message, "innerError": actual["error"]["innerError"]}})
}

/// The whole batch refused (`400 BadRequest`, `message`) and nothing delivered.
fn assert_batch_refused(sb: &Sandbox, status: u16, body: &Value, message: &str) {
    assert_eq!(status, 400);
    assert_eq!(body, &expected_error(body, "BadRequest", message));
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());
}

fn send_mail_request(id: &str, subject: &str) -> Value {
    json!({
        "id": id,
        "method": "POST",
        "url": "/me/sendMail",
        "headers": {"Content-Type": "application/json"},
        "body": simple_mail(subject),
    })
}

fn accepted(id: &str) -> Value {
    json!({"id": id, "status": 202, "headers": {"Cache-Control": "no-cache"}})
}

#[tokio::test]
async fn twenty_send_mails_in_one_batch_are_all_accepted_and_delivered() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    // Latency keeps requests in flight, so running more than 4 at once would trip the
    // concurrency limit of 4 per (caller, mailbox).
    sb.set_latency(Duration::from_millis(25));
    let requests: Vec<Value> = (1..=20)
        .map(|i| send_mail_request(&i.to_string(), &format!("Batch {i}")))
        .collect();
    let (status, content_type, body) =
        post_batch_at(&sb, "$batch", &token, &json!({ "requests": requests })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "application/json");
    assert_eq!(
        body.as_object().unwrap().len(),
        1,
        "only `responses`: {body}"
    );
    let answers = by_id(&body);
    assert_eq!(answers.len(), 20);
    for (id, answer) in &answers {
        assert_eq!(answer, &accepted(id));
    }

    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 20);
    let mut subjects: Vec<String> = inbox
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect();
    subjects.sort();
    let mut expected: Vec<String> = (1..=20).map(|i| format!("Batch {i}")).collect();
    expected.sort();
    assert_eq!(subjects, expected);
    assert_eq!(sb.messages("adele@contoso.com", "sentitems").len(), 20);

    assert_eq!(sb.concurrency_rejections(), 0);
    assert_eq!(sb.max_in_flight("adele@contoso.com"), 4);

    // The batch, then its 20 requests, recorded as if sent on their own.
    let recorded = sb.requests();
    assert_eq!(recorded.len(), 21);
    assert_eq!(recorded[0].path, "/v1.0/$batch");
    assert_eq!(recorded[0].batch_request_id, None);
    let mut ids = Vec::new();
    for r in &recorded[1..] {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1.0/me/sendMail");
        let header = |n: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(header("authorization"), Some(format!("Bearer {token}")));
        assert_eq!(header("content-type").as_deref(), Some("application/json"));
        let sent: Value = serde_json::from_slice(&r.body).unwrap();
        ids.push(r.batch_request_id.clone().expect("marked as batch request"));
        let i = ids.last().unwrap();
        assert_eq!(sent, simple_mail(&format!("Batch {i}")));
    }
    // Ready requests start in batch order.
    let expected_ids: Vec<String> = (1..=20).map(|i: i32| i.to_string()).collect();
    assert_eq!(ids, expected_ids);
}

#[tokio::test]
async fn percent_encoded_batch_segment_is_accepted() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let (status, _, body) = post_batch_at(
        &sb,
        "%24batch",
        &token,
        &json!({"requests": [send_mail_request("only", "Encoded")]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"responses": [accepted("only")]}));
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 1);
}

#[tokio::test]
async fn twenty_one_requests_are_refused_as_a_whole() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let requests: Vec<Value> = (1..=21)
        .map(|i| send_mail_request(&i.to_string(), "Too many"))
        .collect();
    let (status, body) = post_batch(&sb, &token, &json!({ "requests": requests })).await;
    assert_batch_refused(
        &sb,
        status,
        &body,
        "Number of requests inside batch exceeds the limit.",
    );
    assert_eq!(sb.requests().len(), 1, "no inner request ran");
}

#[tokio::test]
async fn duplicate_ids_are_refused_case_insensitively() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [
            send_mail_request("msg-a", "First"),
            send_mail_request("MSG-A", "Second"),
        ]}),
    )
    .await;
    assert_batch_refused(
        &sb,
        status,
        &body,
        "Request Id MSG-A has to be unique in a batch.",
    );
}

#[tokio::test]
async fn absolute_urls_are_refused() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [
            send_mail_request("1", "Fine"),
            {"id": "2", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me/messages"},
        ]}),
    )
    .await;
    assert_batch_refused(&sb, status, &body, "Invalid batch payload format.");
}

#[tokio::test]
async fn version_prefixed_url_is_an_unknown_segment_inside_the_batch() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [{"id": "1", "method": "GET", "url": "/v1.0/me/messages"}]}),
    )
    .await;
    assert_eq!(status, 200);
    let answer = &body["responses"][0];
    assert_eq!(
        answer,
        &json!({
            "id": "1",
            "status": 400,
            "headers": {"Cache-Control": "no-cache", "Content-Type": GRAPH_JSON},
            "body": expected_error(
                &answer["body"],
                "BadRequest",
                "Resource not found for the segment 'v1.0'."
            ),
        })
    );
}

#[tokio::test]
async fn body_without_content_type_is_refused() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [
            send_mail_request("1", "Fine"),
            {"id": "2", "method": "POST", "url": "/me/sendMail", "body": simple_mail("No type")},
        ]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        expected_error(
            &body,
            "BadRequest",
            "Write request id : 2 does not contain Content-Type header or body."
        )
    );
    // A write request without a body is refused the same way (Graph requires both).
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [{"id": "send", "method": "POST", "url": "/me/messages/x/send"}]}),
    )
    .await;
    assert_batch_refused(
        &sb,
        status,
        &body,
        "Write request id : send does not contain Content-Type header or body.",
    );
}

#[tokio::test]
async fn depends_on_orders_requests() {
    let (sb, _client) = setup().await;
    let adele_id = sb.add_user("adele@contoso.com");
    let token = sb.delegated_token("adele@contoso.com");
    // With latency, a GET started together with the POST would not see the draft.
    sb.set_latency(Duration::from_millis(30));
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [
            {
                "id": "1",
                "method": "POST",
                "url": "/me/messages",
                "headers": {"Content-Type": "application/json"},
                "body": {"subject": "Batch draft",
                         "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]}
            },
            {
                "id": "2",
                "dependsOn": ["1"],
                "method": "GET",
                "url": "/me/mailFolders/drafts/messages?$select=subject"
            }
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let responses = body["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 2);
    // Request 2 finished after request 1, so it is listed after it.
    assert_eq!(responses[0]["id"], "1");
    assert_eq!(responses[1]["id"], "2");

    let draft = &sb.messages("adele@contoso.com", "drafts")[0];
    let draft_id = draft["id"].as_str().unwrap();
    let created = &responses[0];
    assert_eq!(created["status"], 201);
    assert_eq!(
        created["headers"],
        json!({
            "Cache-Control": "no-cache",
            "Content-Type": GRAPH_JSON,
            "Location": format!(
                "{}/v1.0/users('{adele_id}')/messages('{draft_id}')",
                sb.authority_url()
            ),
        })
    );
    assert_eq!(created["body"]["id"], draft_id);
    assert_eq!(created["body"]["subject"], "Batch draft");
    assert_eq!(created["body"]["isDraft"], true);

    assert_eq!(
        responses[1],
        json!({
            "id": "2",
            "status": 200,
            "headers": {"Cache-Control": "no-cache", "Content-Type": GRAPH_JSON},
            "body": {
                "@odata.context": responses[1]["body"]["@odata.context"],
                "value": [{
                    "@odata.etag": draft["@odata.etag"],
                    "id": draft_id,
                    "subject": "Batch draft",
                }],
            },
        })
    );
    assert!(responses[1]["body"]["@odata.context"]
        .as_str()
        .unwrap()
        .contains(&adele_id));
}

#[tokio::test]
async fn failed_dependency_answers_424_and_the_dependent_does_not_run() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [
            {"id": "1", "method": "GET", "url": "/me/messages/does-not-exist"},
            {
                "id": "2",
                "dependsOn": ["1"],
                "method": "POST",
                "url": "/me/sendMail",
                "headers": {"Content-Type": "application/json"},
                "body": simple_mail("Must not be sent"),
            },
            {
                "id": "3",
                "dependsOn": ["2"],
                "method": "POST",
                "url": "/me/sendMail",
                "headers": {"Content-Type": "application/json"},
                "body": simple_mail("Must not be sent either"),
            },
            send_mail_request("4", "Independent"),
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let answers = by_id(&body);
    let a1 = &answers["1"];
    assert_eq!(
        a1,
        &json!({
            "id": "1",
            "status": 404,
            "headers": {"Cache-Control": "no-cache", "Content-Type": GRAPH_JSON},
            "body": expected_error(
                &a1["body"],
                "ErrorItemNotFound",
                "The specified object was not found in the store."
            ),
        })
    );
    for (id, dependency) in [("2", "1"), ("3", "2")] {
        let a = &answers[id];
        assert_eq!(
            a,
            &json!({
                "id": id,
                "status": 424,
                "headers": {"Cache-Control": "no-cache", "Content-Type": GRAPH_JSON},
                "body": expected_error(
                    &a["body"],
                    "FailedDependency",
                    &format!("The request depends on request '{dependency}', which failed.")
                ),
            })
        );
    }
    assert_eq!(answers["4"], accepted("4"));

    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["subject"], "Independent");
    // The dependents were never executed, so they are not recorded either.
    let mut ran: Vec<String> = sb
        .requests()
        .iter()
        .filter_map(|r| r.batch_request_id.clone())
        .collect();
    ran.sort();
    assert_eq!(ran, vec!["1", "4"]);
}

#[tokio::test]
async fn one_inner_request_throttled_while_the_others_succeed() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    sb.set_faults(Faults {
        retry_after: Duration::from_secs(7),
        ..Faults::default()
    });
    sb.fail_next_in_batch(1, Fault::Throttle);
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [
            send_mail_request("1", "Throttled"),
            send_mail_request("2", "Second"),
            send_mail_request("3", "Third"),
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let answers = by_id(&body);
    let throttled = &answers["1"];
    let inner = &throttled["body"]["error"]["innerError"];
    assert_eq!(
        throttled,
        &json!({
            "id": "1",
            "status": 429,
            "headers": {
                "Cache-Control": "no-cache",
                "Content-Type": GRAPH_JSON,
                "Retry-After": "7",
            },
            "body": {"error": {
                "code": "TooManyRequests",
                "message": "Please retry again later.",
                "innerError": {
                    "code": "429",
                    "date": inner["date"],
                    "message": "Please retry after",
                    "request-id": inner["request-id"],
                    "status": "429",
                },
            }},
        })
    );
    assert_eq!(inner["request-id"].as_str().unwrap().len(), 36);
    assert_eq!(answers["2"], accepted("2"));
    assert_eq!(answers["3"], accepted("3"));

    let mut subjects: Vec<String> = sb
        .messages("alex@contoso.com", "inbox")
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect();
    subjects.sort();
    assert_eq!(subjects, vec!["Second", "Third"]);
    assert_eq!(sb.faults_injected(), 1);

    // The queue is used up: the next batch runs normally.
    let (_, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [send_mail_request("1", "Retried")]}),
    )
    .await;
    assert_eq!(body, json!({"responses": [accepted("1")]}));
}

#[tokio::test]
async fn fail_next_throttles_the_batch_itself() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    sb.fail_next(1, Fault::Throttle);
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [send_mail_request("1", "Not sent")]}),
    )
    .await;
    assert_eq!(status, 429);
    assert_eq!(body["error"]["code"], "TooManyRequests");
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());
    assert_eq!(sb.requests().len(), 1);
}

#[tokio::test]
async fn concurrency_limit_throttles_inner_requests() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    sb.set_concurrency_limit(Some(2));
    sb.set_latency(Duration::from_millis(100));
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [
            send_mail_request("1", "A"),
            send_mail_request("2", "B"),
            send_mail_request("3", "C"),
            send_mail_request("4", "D"),
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let answers = by_id(&body);
    let mut statuses: Vec<u64> = answers
        .values()
        .map(|a| a["status"].as_u64().unwrap())
        .collect();
    statuses.sort();
    assert_eq!(statuses, vec![202, 202, 429, 429]);
    for a in answers.values().filter(|a| a["status"] == 429) {
        assert_eq!(a["headers"]["Retry-After"], "0");
        assert_eq!(a["body"]["error"]["code"], "TooManyRequests");
    }
    assert_eq!(sb.concurrency_rejections(), 2);
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 2);
}

#[tokio::test]
async fn mime_send_mail_as_base64_string_body() {
    let (sb, _client) = setup().await;
    sb.add_user("AlexW@contoso.com");
    let token = sb.delegated_token("AdeleV@contoso.com");
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [{
            "id": "mime",
            "method": "POST",
            "url": "/me/sendMail",
            "headers": {"Content-Type": "text/plain"},
            "body": SEED_MIME_EXAMPLE_4,
        }]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"responses": [accepted("mime")]}));
    let inbox = sb.messages("alexw@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["subject"], "Test Message");
    assert_eq!(
        inbox[0]["from"],
        json!({"emailAddress": {"name": "Adele Vance", "address": "AdeleV@contoso.com"}})
    );
    assert_eq!(inbox[0]["hasAttachments"], true);
    // Recorded with the body as it would have been sent directly.
    let inner = sb
        .requests()
        .into_iter()
        .find(|r| r.batch_request_id.as_deref() == Some("mime"))
        .unwrap();
    assert_eq!(inner.body, SEED_MIME_EXAMPLE_4.as_bytes());
}

#[tokio::test]
async fn pascal_case_parameters_and_odata_type_in_batch_bodies() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let alex = sb.delegated_token("alex@contoso.com");
    sb.add_user("carol@contoso.com");
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &adele,
        &simple_mail("To forward"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    let original = sb.messages("alex@contoso.com", "inbox")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, body) = post_batch(
        &sb,
        &alex,
        &json!({"requests": [
            {
                "id": "send",
                "method": "POST",
                "url": "/me/sendMail",
                "headers": {"Content-Type": "application/json"},
                "body": {
                    "Message": {
                        "@odata.type": "#microsoft.graph.message",
                        "subject": "Pascal in batch",
                        "body": {"@odata.type": "#microsoft.graph.itemBody", "contentType": "text", "content": "x"},
                        "toRecipients": [{"@odata.type": "#microsoft.graph.recipient",
                            "emailAddress": {"@odata.type": "#microsoft.graph.emailAddress", "address": "carol@contoso.com"}}]
                    },
                    "SaveToSentItems": false
                }
            },
            {
                "id": "forward",
                "method": "POST",
                "url": format!("/me/messages/{original}/forward"),
                "headers": {"Content-Type": "application/json"},
                "body": {
                    "ToRecipients": [{"@odata.type": "#microsoft.graph.recipient",
                        "emailAddress": {"address": "carol@contoso.com", "name": "Carol"}}],
                    "Comment": "FYI"
                }
            }
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let answers = by_id(&body);
    assert_eq!(answers["send"], accepted("send"));
    assert_eq!(answers["forward"], accepted("forward"));

    let mut subjects: Vec<String> = sb
        .messages("carol@contoso.com", "inbox")
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect();
    subjects.sort();
    assert_eq!(subjects, vec!["FW: To forward", "Pascal in batch"]);
    // SaveToSentItems: false kept the sendMail copy out of Sent Items; the forward's
    // copy is there.
    let sent: Vec<Value> = sb.messages("alex@contoso.com", "sentitems");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["subject"], "FW: To forward");
}

#[tokio::test]
async fn delegated_token_without_rights_gets_inner_403s() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [
            {"id": "list", "method": "GET", "url": "/users/alex@contoso.com/messages"},
            {
                "id": "send",
                "method": "POST",
                "url": "/users/alex@contoso.com/sendMail",
                "headers": {"Content-Type": "application/json"},
                "body": simple_mail("Not allowed"),
            },
            {"id": "own", "method": "GET", "url": "/me/mailFolders/inbox/messages"},
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let answers = by_id(&body);
    for id in ["list", "send"] {
        let a = &answers[id];
        assert_eq!(
            a,
            &json!({
                "id": id,
                "status": 403,
                "headers": {"Cache-Control": "no-cache", "Content-Type": GRAPH_JSON},
                "body": expected_error(
                    &a["body"],
                    "ErrorAccessDenied",
                    "Access is denied. Check credentials and try again."
                ),
            })
        );
    }
    assert_eq!(answers["own"]["status"], 200);
    assert_eq!(answers["own"]["body"]["value"], json!([]));
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());

    // With Full Access and Send As the same batch goes through (Full Access alone
    // does not include sending).
    sb.grant_full_access("alex@contoso.com", "adele@contoso.com");
    sb.grant_send_as("alex@contoso.com", "adele@contoso.com");
    let (_, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [{
            "id": "send",
            "method": "POST",
            "url": "/users/alex%40contoso.com/sendMail",
            "headers": {"Content-Type": "application/json"},
            "body": simple_mail("Allowed now"),
        }]}),
    )
    .await;
    assert_eq!(body, json!({"responses": [accepted("send")]}));
}

#[tokio::test]
async fn invalid_token_is_refused_for_the_whole_batch() {
    let (sb, _client) = setup().await;
    let (status, body) = post_batch(
        &sb,
        "not-a-token",
        &json!({"requests": [send_mail_request("1", "x")]}),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(sb.requests().len(), 1);
}

#[tokio::test]
async fn unknown_dependency_is_refused() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let (status, body) = post_batch(
        &sb,
        &token,
        &json!({"requests": [
            send_mail_request("1", "x"),
            {"id": "2", "dependsOn": ["7"], "method": "GET", "url": "/me/messages"},
        ]}),
    )
    .await;
    assert_batch_refused(&sb, status, &body, "Invalid dependency for request Id 2.");
}
