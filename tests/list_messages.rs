//! Listing messages: OData options on the wire, and paging as a stream.

mod common;

use common::*;
use futures_util::TryStreamExt;
use mockito::Matcher;
use msgraph_outlook::{Error, InvalidRequest};
use serde_json::json;

#[tokio::test]
async fn three_pages_with_select_are_streamed_in_order() {
    let mut server = server().await;
    let base = server.url();
    let page = |n: usize, next: Option<String>| {
        let mut body = json!({"value": [{"id": format!("m{n}a"), "subject": format!("page {n} a")},
                                        {"id": format!("m{n}b"), "subject": format!("page {n} b")}]});
        if let Some(next) = next {
            body["@odata.nextLink"] = json!(next);
        }
        body.to_string()
    };
    let first = server
        .mock("GET", "/v1.0/users/alex@contoso.com/mailFolders/inbox/messages")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("$select".into(), "subject,from".into()),
            Matcher::UrlEncoded("$top".into(), "2".into()),
        ]))
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(200)
        .with_body(page(1, Some(format!("{base}/v1.0/users/alex@contoso.com/mailFolders/inbox/messages?%24select=subject%2cfrom&%24top=2&%24skip=2"))))
        .expect(1)
        .create_async()
        .await;
    let second = server
        .mock("GET", "/v1.0/users/alex@contoso.com/mailFolders/inbox/messages")
        .match_query(Matcher::UrlEncoded("$skip".into(), "2".into()))
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(200)
        .with_body(page(2, Some(format!("{base}/v1.0/users/alex@contoso.com/mailFolders/inbox/messages?%24select=subject%2cfrom&%24top=2&%24skip=4"))))
        .expect(1)
        .create_async()
        .await;
    let third = server
        .mock(
            "GET",
            "/v1.0/users/alex@contoso.com/mailFolders/inbox/messages",
        )
        .match_query(Matcher::UrlEncoded("$skip".into(), "4".into()))
        .with_status(200)
        .with_body(page(3, None))
        .expect(1)
        .create_async()
        .await;

    let messages = client(&server)
        .user("alex@contoso.com")
        .list_messages()
        .in_folder("inbox")
        .select(["subject", "from"])
        .top(2)
        .collect()
        .await
        .unwrap();
    let subjects: Vec<_> = messages
        .iter()
        .map(|m| m.subject.clone().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["page 1 a", "page 1 b", "page 2 a", "page 2 b", "page 3 a", "page 3 b"]
    );
    first.assert_async().await;
    second.assert_async().await;
    third.assert_async().await;
}

#[tokio::test]
async fn filter_order_and_search_are_sent_as_odata_options() {
    let mut server = server().await;
    let filtered = server
        .mock("GET", "/v1.0/me/messages")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("$filter".into(), "isRead eq false".into()),
            Matcher::UrlEncoded("$orderby".into(), "receivedDateTime desc".into()),
        ]))
        .with_status(200)
        .with_body(r#"{"value":[]}"#)
        .expect(1)
        .create_async()
        .await;
    let searched = server
        .mock("GET", "/v1.0/me/messages")
        .match_query(Matcher::UrlEncoded(
            "$search".into(),
            r#""budget \"Q3\" review""#.into(),
        ))
        .with_status(200)
        .with_body(r#"{"value":[]}"#)
        .expect(1)
        .create_async()
        .await;
    let me = client(&server).me();
    me.list_messages()
        .filter("isRead eq false")
        .order_by(["receivedDateTime desc"])
        .await
        .unwrap();
    me.list_messages()
        .search(r#"budget "Q3" review"#)
        .await
        .unwrap();
    filtered.assert_async().await;
    searched.assert_async().await;
}

#[tokio::test]
async fn search_with_orderby_is_refused_before_sending() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    let err = me
        .list_messages()
        .search("x")
        .order_by(["subject"])
        .collect()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidRequest(InvalidRequest::InvalidValue { .. })
        ),
        "{err:?}"
    );
    none.assert_async().await;
}

#[tokio::test]
async fn a_stream_stops_at_a_next_link_to_another_origin() {
    let mut server = server().await;
    let _first = server
        .mock("GET", "/v1.0/me/messages")
        .with_status(200)
        .with_body(json!({"value": [{"subject": "ok"}], "@odata.nextLink": "https://attacker.example/v1.0/me/messages?$skip=1"}).to_string())
        .create_async()
        .await;
    let stream = client(&server).me().list_messages().stream();
    let mut stream = std::pin::pin!(stream);
    assert_eq!(
        stream.try_next().await.unwrap().unwrap().subject.as_deref(),
        Some("ok")
    );
    let err = stream.try_next().await.unwrap_err();
    assert!(matches!(err, Error::ForeignLink { .. }), "{err:?}");
}
