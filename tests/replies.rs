//! Reply, reply all, forward (sent or as drafts), move and copy on the wire.

mod common;

use common::*;
use msgraph_outlook::models::Message;
use msgraph_outlook::{Error, InvalidRequest};
use serde_json::json;

const ID: &str = "AAMkAGI2TG93AAA=";

#[tokio::test]
async fn reply_reply_all_and_forward_send_at_once() {
    let mut server = server().await;
    let reply = expect_json_post(
        &mut server,
        &format!("/me/messages/{ID}/reply"),
        json!({"comment": "Count me in."}),
    )
    .await;
    let reply_all = expect_json_post(
        &mut server,
        &format!("/me/messages/{ID}/replyAll"),
        json!({"message": {"body": {"contentType": "html", "content": "<p>Agreed</p>"}}}),
    )
    .await;
    let forward = expect_json_post(
        &mut server,
        &format!("/users/adele@contoso.com/messages/{ID}/forward"),
        json!({"comment": "FYI", "toRecipients": [{"emailAddress": {"address": "megan@contoso.com"}}]}),
    )
    .await;

    let client = client(&server);
    client
        .me()
        .message(ID)
        .reply()
        .comment("Count me in.")
        .send()
        .await
        .unwrap();
    client
        .me()
        .message(ID)
        .reply_all()
        .message(Message::new().html_body("<p>Agreed</p>"))
        .send()
        .await
        .unwrap();
    client
        .user("adele@contoso.com")
        .message(ID)
        .forward(["megan@contoso.com"])
        .comment("FYI")
        .send()
        .await
        .unwrap();
    reply.assert_async().await;
    reply_all.assert_async().await;
    forward.assert_async().await;
}

#[tokio::test]
async fn create_reply_and_create_forward_return_drafts() {
    let mut server = server().await;
    let create_reply = expect_json(
        &mut server,
        "POST",
        &format!("/me/messages/{ID}/createReply"),
        json!({}),
    )
    .with_status(201)
    .with_body(graph_message("draft-1", "RE: Lunch").to_string())
    .create_async()
    .await;
    let create_forward = expect_json(
        &mut server,
        "POST",
        &format!("/me/messages/{ID}/createForward"),
        json!({"toRecipients": [{"emailAddress": {"address": "megan@contoso.com"}}]}),
    )
    .with_status(201)
    .with_body(graph_message("draft-2", "FW: Lunch").to_string())
    .create_async()
    .await;

    let me = client(&server).me();
    let reply = me.message(ID).reply().create_draft().await.unwrap();
    assert_eq!(reply.subject.as_deref(), Some("RE: Lunch"));
    let forward = me
        .message(ID)
        .forward(["megan@contoso.com"])
        .create_draft()
        .await
        .unwrap();
    assert_eq!(forward.id.as_deref(), Some("draft-2"));
    create_reply.assert_async().await;
    create_forward.assert_async().await;
}

#[tokio::test]
async fn move_and_copy_name_the_destination() {
    let mut server = server().await;
    let moved = expect_json(
        &mut server,
        "POST",
        &format!("/me/messages/{ID}/move"),
        json!({"destinationId": "archive"}),
    )
    .with_status(201)
    .with_body(graph_message("moved-id", "Lunch").to_string())
    .create_async()
    .await;
    let copied = expect_json(
        &mut server,
        "POST",
        &format!("/me/messages/{ID}/copy"),
        json!({"destinationId": "AQMkADFolder"}),
    )
    .with_status(201)
    .with_body(graph_message("copy-id", "Lunch").to_string())
    .create_async()
    .await;
    let me = client(&server).me();
    assert_eq!(
        me.message(ID)
            .move_to("archive")
            .await
            .unwrap()
            .id
            .as_deref(),
        Some("moved-id")
    );
    assert_eq!(
        me.message(ID)
            .copy_to("AQMkADFolder")
            .await
            .unwrap()
            .id
            .as_deref(),
        Some("copy-id")
    );
    moved.assert_async().await;
    copied.assert_async().await;
}

#[tokio::test]
async fn bad_answers_are_refused_before_sending() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let message = client(&server).me().message(ID);
    let both = message
        .reply()
        .comment("hi")
        .message(Message::new().text_body("also hi"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(both, Error::InvalidRequest(InvalidRequest::CommentAndBody)),
        "{both:?}"
    );
    let nobody = message
        .forward(Vec::<String>::new())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(nobody, Error::InvalidRequest(InvalidRequest::NoRecipients)),
        "{nobody:?}"
    );
    let bad = message
        .forward(["not-an-address"])
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            bad,
            Error::InvalidRequest(InvalidRequest::InvalidAddress { .. })
        ),
        "{bad:?}"
    );
    let nowhere = message.move_to("").await.unwrap_err();
    assert!(matches!(nowhere, Error::InvalidRequest(_)), "{nowhere:?}");
    none.assert_async().await;
}

/// Base64 in 76-column CRLF lines, as the docs' MIME examples show it; checked against the
/// action's fragment (text/plain).
fn documented_base64(path: &str, eml: &[u8]) -> String {
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, eml);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    let body = lines.join("\r\n");
    openapi::assert_request_conforms("POST", path, "text/plain", body.as_bytes());
    body
}

/// A MIME answer: `text/plain`, the exact base64, the usual headers, once.
fn expect_mime(server: &mut mockito::ServerGuard, path: &str, eml: &[u8]) -> mockito::Mock {
    let body = documented_base64(path, eml);
    server
        .mock("POST", format!("/v1.0{path}").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_header("content-type", "text/plain")
        .match_header("client-request-id", mockito::Matcher::Regex(GUID.into()))
        .match_body(mockito::Matcher::Exact(body))
        .with_header("request-id", REQUEST_ID)
        .expect(1)
}

/// Example 2 of message-reply, -replyAll and -forward: the answer as base64 MIME, 202.
#[tokio::test]
async fn mime_reply_reply_all_and_forward_are_base64_text_plain() {
    let mut server = server().await;
    // A reply without To: Graph answers the original's sender.
    let reply_eml =
        b"Subject: RE: Lunch\r\nContent-Type: text/plain\r\n\r\nCount me in.\r\n".to_vec();
    // Long enough for several base64 lines.
    let all_eml = format!(
        "To: alex@contoso.com\r\nCc: megan@contoso.com\r\nSubject: RE: Plan\r\n\r\n{}\r\n",
        "Agreed. ".repeat(40)
    )
    .into_bytes();
    let fwd_eml = b"To: megan@contoso.com\r\nSubject: FW: Lunch\r\n\r\nFYI\r\n".to_vec();
    let reply = expect_mime(&mut server, &format!("/me/messages/{ID}/reply"), &reply_eml)
        .with_status(202)
        .create_async()
        .await;
    let reply_all = expect_mime(
        &mut server,
        &format!("/me/messages/{ID}/replyAll"),
        &all_eml,
    )
    .with_status(202)
    .create_async()
    .await;
    let forward = expect_mime(
        &mut server,
        &format!("/users/adele@contoso.com/messages/{ID}/forward"),
        &fwd_eml,
    )
    .with_status(202)
    .create_async()
    .await;

    let client = client(&server);
    let accepted = client
        .me()
        .message(ID)
        .reply_mime(reply_eml)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.request_id.as_deref(), Some(REQUEST_ID));
    client
        .me()
        .message(ID)
        .reply_all_mime(all_eml)
        .send()
        .await
        .unwrap();
    client
        .user("adele@contoso.com")
        .message(ID)
        .forward_mime(fwd_eml)
        .send()
        .await
        .unwrap();
    reply.assert_async().await;
    reply_all.assert_async().await;
    forward.assert_async().await;
}

/// Example 2 of createReply, createReplyAll and createForward: 201 and the draft.
#[tokio::test]
async fn mime_create_reply_reply_all_and_forward_return_drafts() {
    let mut server = server().await;
    let eml = b"Subject: RE: Lunch\r\n\r\nSee you there.\r\n".to_vec();
    // A forward draft may leave the recipients for later.
    let fwd = b"Subject: FW: Lunch\r\n\r\nFYI\r\n".to_vec();
    let mut mocks = Vec::new();
    for (action, eml, id) in [
        ("createReply", &eml, "draft-1"),
        ("createReplyAll", &eml, "draft-2"),
        ("createForward", &fwd, "draft-3"),
    ] {
        mocks.push(
            expect_mime(&mut server, &format!("/me/messages/{ID}/{action}"), eml)
                .with_status(201)
                .with_body(graph_message(id, "RE: Lunch").to_string())
                .create_async()
                .await,
        );
    }
    let message = client(&server).me().message(ID);
    let drafts = [
        message
            .reply_mime(eml.clone())
            .create_draft()
            .await
            .unwrap(),
        message
            .reply_all_mime(eml.clone())
            .create_draft()
            .await
            .unwrap(),
        message.forward_mime(fwd).create_draft().await.unwrap(),
    ];
    let ids: Vec<_> = drafts.iter().map(|d| d.id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["draft-1", "draft-2", "draft-3"]);
    for mock in mocks {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn bad_mime_answers_are_refused_before_sending() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let message = client(&server).me().message(ID);
    // Forwarding now needs a recipient in the MIME.
    let nobody = message
        .forward_mime(b"Subject: FW: x\r\n\r\nbody\r\n".to_vec())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            nobody,
            Error::InvalidRequest(InvalidRequest::MimeWithoutRecipients)
        ),
        "{nobody:?}"
    );
    // Already base64: the crate encodes, so it is refused as base64 (issue 16 item 5).
    let encoded = b"U3ViamVjdDogUkU6IHgNCg0KYm9keQ0K".to_vec();
    for err in [
        message
            .reply_mime(encoded.clone())
            .send()
            .await
            .unwrap_err(),
        message
            .reply_all_mime(encoded.clone())
            .create_draft()
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::InvalidRequest(InvalidRequest::MimeIsBase64)),
            "{err:?}"
        );
    }
    none.assert_async().await;
}
