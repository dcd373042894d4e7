//! Drafts on the wire: create (JSON, MIME, in a folder), read with a property set, update
//! with a patch, send, delete, raw MIME, and deferred send (seeds/ews-send-email.md).

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use mockito::Matcher;
use msgraph_outlook::models::{Message, MessagePatch, MessageProperty};
use msgraph_outlook::{Error, InvalidRequest};
use serde_json::json;

const ID: &str = "AAMkAGI2TG93AAA=";

#[tokio::test]
async fn create_a_draft_returns_it_with_id_and_change_key() {
    let mut server = server().await;
    let mock = expect_json(
        &mut server,
        "POST",
        "/me/messages",
        json!({
            "subject": "Agenda",
            "body": {"contentType": "text", "content": "Draft agenda"},
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]
        }),
    )
    .with_status(201)
    .with_body(graph_message(ID, "Agenda").to_string())
    .create_async()
    .await;

    let draft = client(&server)
        .me()
        .create_draft(
            Message::new()
                .subject("Agenda")
                .text_body("Draft agenda")
                .to("alex@contoso.com"),
        )
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(draft.id.as_deref(), Some(ID));
    assert_eq!(draft.change_key.as_deref(), Some("CQAAABYAAAD"));
    assert_eq!(draft.etag.as_deref(), Some("W/\"CQAAABYAAAD\""));
    assert_eq!(draft.is_draft, Some(true));
}

#[tokio::test]
async fn a_draft_may_be_created_in_another_folder_and_may_lack_recipients() {
    let mut server = server().await;
    let mock = expect_json(
        &mut server,
        "POST",
        "/users/adele@contoso.com/mailFolders/archive/messages",
        json!({"subject": "Notes to self"}),
    )
    .with_status(201)
    .with_body(graph_message(ID, "Notes to self").to_string())
    .create_async()
    .await;
    client(&server)
        .user("adele@contoso.com")
        .create_draft(Message::new().subject("Notes to self"))
        .in_folder("archive")
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn a_mime_draft_is_base64_text_plain() {
    let mut server = server().await;
    let eml =
        b"From: adele@contoso.com\r\nTo: alex@contoso.com\r\nSubject: Hi\r\n\r\nHello\r\n".to_vec();
    // Base64 in 76-column CRLF lines, as in the docs' MIME example.
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &eml);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    let expected = lines.join("\r\n");
    openapi::assert_request_conforms("POST", "/me/messages", "text/plain", expected.as_bytes());
    let mock = server
        .mock("POST", "/v1.0/me/messages")
        .match_header("content-type", "text/plain")
        .match_body(Matcher::Exact(expected))
        .with_status(201)
        .with_body(graph_message(ID, "Hi").to_string())
        .expect(1)
        .create_async()
        .await;
    let draft = client(&server).me().create_draft_mime(eml).await.unwrap();
    mock.assert_async().await;
    assert_eq!(draft.subject.as_deref(), Some("Hi"));
}

/// EWS: `EmailMessage.Bind(service, id, new PropertySet(BasePropertySet.IdOnly, Subject,
/// ToRecipients))` then `message.Send()` (GetItem + SendItem) — on Graph a GET with `$select`
/// and `POST …/send` with an empty body.
#[tokio::test]
async fn ews_bind_with_a_property_set_then_send_the_draft() {
    let mut server = server().await;
    let get = server
        .mock("GET", format!("/v1.0/me/messages/{ID}").as_str())
        .match_query(Matcher::UrlEncoded(
            "$select".into(),
            "subject,toRecipients".into(),
        ))
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(200)
        .with_body(
            json!({"@odata.etag": "W/\"x\"", "id": ID, "subject": "Company Soccer Team",
                   "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let send_path = format!("/me/messages/{ID}/send");
    let fragments = openapi::fragments();
    fragments
        .validate_request("POST", &send_path, "application/json", b"")
        .expect("send is bodiless");
    fragments
        .validate_request("POST", &send_path, "application/json", b"{}")
        .expect_err("send takes no body");
    let send = server
        .mock("POST", format!("/v1.0/me/messages/{ID}/send").as_str())
        .match_header("content-length", "0")
        .match_header("content-type", Matcher::Missing)
        .match_body(Matcher::Exact(String::new()))
        .with_status(202)
        .expect(1)
        .create_async()
        .await;

    let me = client(&server).me();
    let message = me
        .message(ID)
        .get()
        .select(["subject", "toRecipients"])
        .await
        .unwrap();
    assert_eq!(message.subject.as_deref(), Some("Company Soccer Team"));
    me.message(message.id.unwrap()).send().await.unwrap();
    get.assert_async().await;
    send.assert_async().await;
}

/// EWS's delayed message: `PidTagDeferredSendTime` (0x3FEF, PT_SYSTIME) set through
/// `ExtendedPropertyDefinition(16367, MapiPropertyType.SystemTime)`, then SendAndSaveCopy —
/// on Graph the single-value extended property `SystemTime 0x3FEF` with a UTC value.
#[tokio::test]
async fn ews_delayed_message_sets_pid_tag_deferred_send_time_in_utc() {
    let mut server = server().await;
    let when = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
    let deferred = json!([{"id": "SystemTime 0x3FEF", "value": "2026-06-10T09:00:00Z"}]);
    let create = expect_json(
        &mut server,
        "POST",
        "/me/messages",
        json!({
            "subject": "Later",
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
            "singleValueExtendedProperties": deferred
        }),
    )
    .with_status(201)
    .with_body(graph_message(ID, "Later").to_string())
    .create_async()
    .await;
    let send_mail = expect_json_post(
        &mut server,
        "/me/sendMail",
        json!({"message": {
            "subject": "Later",
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
            "singleValueExtendedProperties": deferred
        }}),
    )
    .await;

    let me = client(&server).me();
    let later = Message::new()
        .subject("Later")
        .to("alex@contoso.com")
        .send_at(when);
    me.create_draft(later.clone()).await.unwrap();
    me.send_mail(later).await.unwrap();
    create.assert_async().await;
    send_mail.assert_async().await;
}

#[tokio::test]
async fn the_scheduled_time_is_read_back_whatever_the_id_case() {
    let mut server = server().await;
    let mut answer = graph_message(ID, "Later");
    // Graph echoes the id lower-cased (GRAPH-FACTS §3).
    answer["singleValueExtendedProperties"] =
        json!([{"id": "SystemTime 0x3fef", "value": "2026-06-10T09:00:00Z"}]);
    let mock = server
        .mock("GET", format!("/v1.0/me/messages/{ID}").as_str())
        .match_query(Matcher::UrlEncoded(
            "$expand".into(),
            "singleValueExtendedProperties($filter=id eq 'SystemTime 0x3FEF')".into(),
        ))
        .with_status(200)
        .with_body(answer.to_string())
        .expect(1)
        .create_async()
        .await;
    let message = client(&server)
        .me()
        .message(ID)
        .get()
        .with_scheduled_send_time()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(
        message.scheduled_send_time(),
        Some(Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap())
    );
}

#[tokio::test]
async fn a_patch_sends_only_what_was_set_and_null_clears() {
    let mut server = server().await;
    let mock = expect_json(
        &mut server,
        "PATCH",
        &format!("/users/adele@contoso.com/messages/{ID}"),
        json!({"subject": "Final agenda", "ccRecipients": [{"emailAddress": {"address": "megan@contoso.com"}}], "flag": null}),
    )
    .with_status(200)
    .with_body(graph_message(ID, "Final agenda").to_string())
    .create_async()
    .await;
    let updated = client(&server)
        .user("adele@contoso.com")
        .message(ID)
        .update(
            MessagePatch::new()
                .subject("Final agenda")
                .cc(["megan@contoso.com"])
                .clear(MessageProperty::Flag),
        )
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(updated.subject.as_deref(), Some("Final agenda"));
}

#[tokio::test]
async fn delete_and_raw_mime() {
    let mut server = server().await;
    let delete = server
        .mock("DELETE", format!("/v1.0/me/messages/{ID}").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(204)
        .expect(1)
        .create_async()
        .await;
    let mime = server
        .mock("GET", format!("/v1.0/me/messages/{ID}/$value").as_str())
        .with_status(200)
        .with_header("content-type", "text/plain")
        .with_body("From: adele@contoso.com\r\nSubject: Hi\r\n\r\nHello\r\n")
        .expect(1)
        .create_async()
        .await;
    let message = client(&server).me().message(ID);
    assert!(message
        .mime()
        .await
        .unwrap()
        .starts_with(b"From: adele@contoso.com\r\n"));
    message.delete().await.unwrap();
    delete.assert_async().await;
    mime.assert_async().await;
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    let empty_id = me.message("").send().await.unwrap_err();
    assert!(
        matches!(
            empty_id,
            Error::InvalidRequest(InvalidRequest::InvalidValue { .. })
        ),
        "{empty_id:?}"
    );
    let empty_patch = me
        .message(ID)
        .update(MessagePatch::new())
        .await
        .unwrap_err();
    assert!(
        matches!(empty_patch, Error::InvalidRequest(_)),
        "{empty_patch:?}"
    );
    let bad_header = me
        .create_draft(Message::new().header("Subject", "x"))
        .await
        .unwrap_err();
    assert!(matches!(
        bad_header,
        Error::InvalidRequest(InvalidRequest::InvalidHeaderName { .. })
    ));
    let bad_mime = me
        .create_draft_mime(b"no headers".to_vec())
        .await
        .unwrap_err();
    assert!(matches!(
        bad_mime,
        Error::InvalidRequest(InvalidRequest::MimeWithoutHeaders)
    ));
    none.assert_async().await;
}

#[tokio::test]
async fn a_base64_mime_draft_is_decoded_checked_and_sent_like_raw_mime() {
    let mut server = server().await;
    let eml =
        b"From: adele@contoso.com\r\nTo: alex@contoso.com\r\nSubject: Hi\r\n\r\nHello\r\n".to_vec();
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &eml);
    // One line here, so what is sent (re-encoded in 76-column lines) is not just an echo.
    let expected = encoded
        .as_bytes()
        .chunks(76)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    openapi::assert_request_conforms("POST", "/me/messages", "text/plain", expected.as_bytes());
    let mock = server
        .mock("POST", "/v1.0/me/messages")
        .match_header("content-type", "text/plain")
        .match_body(Matcher::Exact(expected))
        .with_status(201)
        .with_body(graph_message(ID, "Hi").to_string())
        .expect(1)
        .create_async()
        .await;
    let me = client(&server).me();
    let draft = me.create_draft_mime_base64(&encoded).await.unwrap();
    mock.assert_async().await;
    assert_eq!(draft.subject.as_deref(), Some("Hi"));

    // Base64 to the raw call, and text that is not base64: refused, nothing more sent.
    let err = me
        .create_draft_mime(encoded.into_bytes())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest(InvalidRequest::MimeIsBase64)),
        "{err:?}"
    );
    let err = me.create_draft_mime_base64("%%%").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidRequest(InvalidRequest::InvalidBase64 { .. })
        ),
        "{err:?}"
    );
    mock.assert_async().await;
}
