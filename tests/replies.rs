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
