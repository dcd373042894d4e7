//! Folder sync (EWS SyncFolderItems) through messages/delta, and body-type preferences.

mod common;

use common::*;
use mockito::Matcher;
use msgraph_outlook::models::BodyType;
use msgraph_outlook::Error;
use serde_json::json;

#[tokio::test]
async fn an_initial_sync_follows_next_links_to_the_delta_link_then_resumes_from_it() {
    let mut server = server().await;
    let base = server.url();
    let next = format!("{base}/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken=page2");
    let delta = format!("{base}/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=round2");
    let first = server
        .mock("GET", "/v1.0/me/mailFolders/inbox/messages/delta")
        .match_query(Matcher::UrlEncoded("$select".into(), "subject".into()))
        .with_status(200)
        .with_body(
            json!({"value": [{"id": "a", "subject": "one"}], "@odata.nextLink": next}).to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let second = server
        .mock("GET", "/v1.0/me/mailFolders/inbox/messages/delta")
        .match_query(Matcher::UrlEncoded("$skiptoken".into(), "page2".into()))
        .with_status(200)
        .with_body(
            json!({"value": [{"id": "b", "subject": "two"}], "@odata.deltaLink": delta})
                .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let resumed = server
        .mock("GET", "/v1.0/me/mailFolders/inbox/messages/delta")
        .match_query(Matcher::UrlEncoded("$deltatoken".into(), "round2".into()))
        .with_status(200)
        .with_body(
            json!({"value": [{"id": "c", "subject": "three"},
                             {"@odata.type": "#microsoft.graph.message", "id": "a", "@removed": {"reason": "deleted"}}],
                   "@odata.deltaLink": format!("{base}/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=round3")})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;

    let me = client(&server).me();
    let initial = me
        .sync_messages("inbox")
        .select(["subject"])
        .send()
        .await
        .unwrap();
    let subjects: Vec<_> = initial
        .changed
        .iter()
        .map(|m| m.subject.clone().unwrap())
        .collect();
    assert_eq!(subjects, ["one", "two"]);
    assert_eq!(initial.delta_link.as_deref(), Some(delta.as_str()));

    let changes = me
        .sync_messages("inbox")
        .resume(initial.delta_link.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(changes.changed.len(), 1);
    assert_eq!(changes.removed, ["a"]);
    assert!(changes.delta_link.unwrap().ends_with("round3"));
    first.assert_async().await;
    second.assert_async().await;
    resumed.assert_async().await;
}

#[tokio::test]
async fn a_stored_delta_link_to_another_origin_is_refused() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let err = client(&server)
        .me()
        .sync_messages("inbox")
        .resume("https://attacker.example/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=x")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ForeignLink { .. }), "{err:?}");
    none.assert_async().await;
}

#[tokio::test]
async fn body_content_type_joins_the_one_prefer_header() {
    let mut server = server().await;
    let get = server
        .mock("GET", "/v1.0/me/messages/m1")
        .match_header(
            "prefer",
            r#"IdType="ImmutableId", outlook.body-content-type="text""#,
        )
        .with_status(200)
        .with_body(
            json!({"id": "m1", "body": {"contentType": "text", "content": "plain"}}).to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let list = server
        .mock("GET", "/v1.0/me/messages")
        .match_header(
            "prefer",
            r#"IdType="ImmutableId", outlook.body-content-type="html""#,
        )
        .with_status(200)
        .with_body(r#"{"value":[]}"#)
        .expect(1)
        .create_async()
        .await;
    let client = client_with(&server, |b| b.immutable_ids());
    let message = client
        .me()
        .message("m1")
        .get()
        .body_content_type(BodyType::Text)
        .await
        .unwrap();
    assert_eq!(message.body.unwrap().content, "plain");
    client
        .me()
        .list_messages()
        .body_content_type(BodyType::Html)
        .await
        .unwrap();
    get.assert_async().await;
    list.assert_async().await;
}

#[tokio::test]
async fn a_malformed_delta_item_is_a_decode_error_with_the_request_id() {
    let mut server = server().await;
    let _page = server
        .mock("GET", "/v1.0/me/mailFolders/inbox/messages/delta")
        .with_status(200)
        .with_header("request-id", REQUEST_ID)
        .with_body(json!({"value": [{"id": 5, "subject": ["not", "text"]}]}).to_string())
        .create_async()
        .await;
    let err = client(&server)
        .me()
        .sync_messages("inbox")
        .send()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.status, 200);
    assert_eq!(decode.request_id.as_deref(), Some(REQUEST_ID));
    assert!(decode.reason.contains("value[0]"), "{}", decode.reason);
}
