//! sendMail on the wire: each example of the Graph sendMail page (seeds/graph-user-sendmail.md)
//! and the EWS "send and save a copy" workflow produce the documented request.

mod common;

use base64::Engine as _;
use common::*;
use mockito::Matcher;
use msgraph_outlook::api::SendMail;
use msgraph_outlook::models::{
    DateTimeTimeZone, ExtendedPropertyId, FileAttachment, FollowupFlag, Importance, Message,
    Recipient,
};
use msgraph_outlook::{Error, GraphClient, InvalidRequest};
use serde_json::{json, Value};

#[tokio::test]
async fn example_1_json_with_cc_and_save_to_sent_items_false() {
    let mut server = server().await;
    // The docs send "saveToSentItems": "false", a string where the action takes a Boolean
    // (GRAPH-FACTS §1.1); we send the JSON boolean. "Text" is sent as the CSDL's "text".
    let mock = expect_json_post(
        &mut server,
        "/me/sendMail",
        json!({
            "message": {
                "subject": "Meet for lunch?",
                "body": {"contentType": "text", "content": "The new cafeteria is open."},
                "toRecipients": [{"emailAddress": {"address": "frannis@contoso.com"}}],
                "ccRecipients": [{"emailAddress": {"address": "danas@contoso.com"}}]
            },
            "saveToSentItems": false
        }),
    )
    .await;

    let accepted = client(&server)
        .me()
        .send_mail(
            Message::new()
                .subject("Meet for lunch?")
                .text_body("The new cafeteria is open.")
                .to("frannis@contoso.com")
                .cc("danas@contoso.com"),
        )
        .save_to_sent_items(false)
        .send()
        .await
        .expect("202");

    mock.assert_async().await;
    assert_eq!(accepted.request_id.as_deref(), Some(REQUEST_ID));
    assert!(regex_like_guid(&accepted.client_request_id));
}

#[tokio::test]
async fn example_2_custom_internet_message_headers() {
    assert_sent(
        "/me/sendMail",
        json!({
            "message": {
                "subject": "9/9/2018: concert",
                "body": {"contentType": "html", "content": "The group represents Nevada."},
                "toRecipients": [{"emailAddress": {"address": "AlexW@contoso.com"}}],
                "internetMessageHeaders": [
                    {"name": "x-custom-header-group-name", "value": "Nevada"},
                    {"name": "x-custom-header-group-id", "value": "NV001"}
                ]
            }
        }),
        |client| {
            client.me().send_mail(
                Message::new()
                    .subject("9/9/2018: concert")
                    .html_body("The group represents Nevada.")
                    .to("AlexW@contoso.com")
                    .header("x-custom-header-group-name", "Nevada")
                    .header("x-custom-header-group-id", "NV001"),
            )
        },
    )
    .await;
}

#[tokio::test]
async fn example_3_file_attachment() {
    assert_sent(
        "/me/sendMail",
        json!({
            "message": {
                "subject": "Meet for lunch?",
                "body": {"contentType": "text", "content": "The new cafeteria is open."},
                "toRecipients": [{"emailAddress": {"address": "meganb@contoso.com"}}],
                "attachments": [{
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "name": "attachment.txt",
                    "contentType": "text/plain",
                    "contentBytes": "SGVsbG8gV29ybGQh"
                }]
            }
        }),
        |client| {
            client.me().send_mail(
                Message::new()
                    .subject("Meet for lunch?")
                    .text_body("The new cafeteria is open.")
                    .to("meganb@contoso.com")
                    .attach(FileAttachment::new(
                        "attachment.txt",
                        "text/plain",
                        b"Hello World!".to_vec(),
                    )),
            )
        },
    )
    .await;
}

#[tokio::test]
async fn example_4_mime_is_sent_as_base64_text_plain() {
    let mut server = server().await;
    let eml = std::fs::read("tests/fixtures/seed-example4.eml").unwrap();
    let expected = eml.clone();
    let mock = server
        .mock("POST", "/v1.0/users/adele@contoso.com/sendMail")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_header("content-type", "text/plain")
        .match_header("client-request-id", Matcher::Regex(GUID.into()))
        .match_request(move |request| {
            let body = request.body().unwrap();
            // Wrapped at 76 columns like the docs' example; decodes to the exact MIME bytes.
            let lines: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
            let wrapped = lines
                .iter()
                .all(|l| l.strip_suffix(b"\r").unwrap_or(l).len() <= 76);
            let joined: Vec<u8> = body
                .iter()
                .copied()
                .filter(|b| !b"\r\n".contains(b))
                .collect();
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap();
            openapi::assert_request_conforms(
                "POST",
                "/users/adele@contoso.com/sendMail",
                "text/plain",
                body,
            );
            wrapped && decoded == expected
        })
        .with_status(202)
        .expect(1)
        .create_async()
        .await;

    client(&server)
        .user("adele@contoso.com")
        .send_mime(eml)
        .await
        .expect("202");
    mock.assert_async().await;
}

#[tokio::test]
async fn example_5_follow_up_flag_goes_inside_message() {
    // The docs' example 5 puts subject, recipients and flag at the top level, outside
    // `message`: that body is malformed (GRAPH-FACTS §1.1). The flag belongs in the message.
    assert_sent(
        "/me/sendMail",
        json!({
            "message": {
                "subject": "Please respond by Friday",
                "toRecipients": [{"emailAddress": {"address": "meganb@contoso.com"}}],
                "flag": {
                    "flagStatus": "flagged",
                    "startDateTime": {"dateTime": "2023-08-30T12:13:00", "timeZone": "Eastern Standard Time"},
                    "dueDateTime": {"dateTime": "2023-09-01T17:00:00", "timeZone": "Eastern Standard Time"}
                }
            }
        }),
    |client| client
        .me()
        .send_mail(
            Message::new()
                .subject("Please respond by Friday")
                .to("meganb@contoso.com")
                .flag(
                    FollowupFlag::flagged()
                        .start(DateTimeTimeZone::new(
                            "2023-08-30T12:13:00",
                            "Eastern Standard Time",
                        ))
                        .due(DateTimeTimeZone::new(
                            "2023-09-01T17:00:00",
                            "Eastern Standard Time",
                        )),
                ),
        )
    ).await;
}

/// EWS `EmailMessage.SendAndSaveCopy()` (CreateItem, MessageDisposition="SendAndSaveCopy",
/// SavedItemFolderId sentitems; seeds/ews-send-email.md) is sendMail with Sent Items kept:
/// `saveToSentItems` is left out because true is Graph's default.
#[tokio::test]
async fn ews_send_and_save_copy_is_send_mail_keeping_sent_items() {
    assert_sent(
        "/users/adele@contoso.com/sendMail",
        json!({
            "message": {
                "subject": "Company Soccer Team",
                "body": {"contentType": "text", "content": "Are you interested in joining?"},
                "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]
            }
        }),
        |client| {
            client
                .user("adele@contoso.com")
                .send_mail(
                    Message::new()
                        .subject("Company Soccer Team")
                        .text_body("Are you interested in joining?")
                        .to("alex@contoso.com"),
                )
                .save_to_sent_items(true)
        },
    )
    .await;
}

#[tokio::test]
async fn every_message_property_is_sent_with_graph_names() {
    assert_sent(
        "/me/sendMail",
        json!({
            "message": {
                "subject": "Quarterly report",
                "importance": "high",
                "body": {"contentType": "html", "content": "<p>See <b>attached</b>.</p>"},
                "from": {"emailAddress": {"address": "sales@contoso.com", "name": "Sales"}},
                "toRecipients": [{"emailAddress": {"address": "alice@contoso.com", "name": "Alice"}}],
                "ccRecipients": [{"emailAddress": {"address": "bob@contoso.com"}}],
                "bccRecipients": [{"emailAddress": {"address": "audit@contoso.com"}}],
                "replyTo": [{"emailAddress": {"address": "team@contoso.com"}}],
                "isDeliveryReceiptRequested": true,
                "isReadReceiptRequested": false,
                "categories": ["Finance"],
                "internetMessageHeaders": [{"name": "x-app-correlation-id", "value": "42"}],
                "singleValueExtendedProperties": [{"id": "SystemTime 0x3FEF", "value": "2026-06-10T09:00:00Z"}],
                "attachments": [{
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "name": "logo.png",
                    "contentType": "image/png",
                    "contentBytes": "iVBORw==",
                    "isInline": true,
                    "contentId": "logo"
                }]
            },
            "saveToSentItems": false
        }),
    |client| client
        .me()
        .send_mail(
            Message::new()
                .subject("Quarterly report")
                .importance(Importance::High)
                .html_body("<p>See <b>attached</b>.</p>")
                .from(Recipient::named("Sales", "sales@contoso.com"))
                .to(Recipient::named("Alice", "alice@contoso.com"))
                .cc("bob@contoso.com")
                .bcc("audit@contoso.com")
                .reply_to("team@contoso.com")
                .delivery_receipt(true)
                .read_receipt(false)
                .category("Finance")
                .header("x-app-correlation-id", "42")
                .extended_property(&ExtendedPropertyId::DEFERRED_SEND_TIME, "2026-06-10T09:00:00Z")
                .attach(
                    FileAttachment::new("logo.png", "image/png", vec![0x89, b'P', b'N', b'G'])
                        .inline("logo"),
                ),
        )
        .save_to_sent_items(false)
    ).await;
}

#[tokio::test]
async fn user_ids_are_percent_encoded_as_one_segment() {
    let mut server = server().await;
    // A guest UPN has '#', which must not start a URL fragment; '/' must not split the path.
    let mock = server
        .mock(
            "POST",
            "/v1.0/users/alex_fabrikam.com%23EXT%23@contoso.onmicrosoft.com/sendMail",
        )
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    let slash = server
        .mock("POST", "/v1.0/users/a%2Fb/sendMail")
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    let message = Message::new().subject("Hi").to("x@contoso.com");
    let client = client(&server);
    client
        .user("alex_fabrikam.com#EXT#@contoso.onmicrosoft.com")
        .send_mail(message.clone())
        .await
        .expect("202");
    client.user("a/b").send_mail(message).await.expect("202");
    mock.assert_async().await;
    slash.assert_async().await;
}

#[tokio::test]
async fn a_success_status_other_than_202_is_a_decode_error() {
    let mut server = server().await;
    let _mock = server
        .mock("POST", "/v1.0/me/sendMail")
        .with_status(200)
        .with_header("request-id", REQUEST_ID)
        .with_body("{}")
        .create_async()
        .await;
    let err = client(&server)
        .me()
        .send_mail(Message::new().to("a@contoso.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.request_id(), Some(REQUEST_ID));
}

/// Sends what `send` builds against a server that expects exactly `expected` at `path`.
async fn assert_sent(path: &str, expected: Value, send: impl FnOnce(GraphClient) -> SendMail) {
    let mut server = server().await;
    let mock = expect_json_post(&mut server, path, expected).await;
    send(client(&server)).await.expect("202");
    mock.assert_async().await;
}

// ---- Checks made before sending: a typed error and no HTTP request at all. ----

async fn refused(message: Message) -> InvalidRequest {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let err = client(&server).me().send_mail(message).await.unwrap_err();
    none.assert_async().await;
    match err {
        Error::InvalidRequest(invalid) => invalid,
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn no_recipient_is_refused() {
    let invalid = refused(Message::new().subject("to nobody")).await;
    assert_eq!(invalid, InvalidRequest::NoRecipients);
}

#[tokio::test]
async fn an_address_that_is_not_an_address_is_refused() {
    for bad in [
        "alex",
        "alex@",
        "@contoso.com",
        "alex @contoso.com",
        "alex@contoso..com",
        "a@b@c.com",
        "",
    ] {
        let invalid = refused(Message::new().to(bad)).await;
        assert_eq!(
            invalid,
            InvalidRequest::InvalidAddress {
                address: bad.into()
            },
            "{bad:?}"
        );
    }
    // Every recipient field is checked, not just To.
    let invalid = refused(Message::new().to("ok@contoso.com").reply_to("nope")).await;
    assert_eq!(
        invalid,
        InvalidRequest::InvalidAddress {
            address: "nope".into()
        }
    );
}

#[tokio::test]
async fn more_than_500_recipients_are_refused() {
    let mut message = Message::new();
    for i in 0..300 {
        message = message.to(format!("to{i}@contoso.com"));
    }
    for i in 0..201 {
        message = message.bcc(format!("bcc{i}@contoso.com"));
    }
    assert_eq!(
        refused(message).await,
        InvalidRequest::TooManyRecipients { count: 501 }
    );
}

#[tokio::test]
async fn a_header_name_without_x_prefix_is_refused() {
    let invalid = refused(
        Message::new()
            .to("a@contoso.com")
            .header("In-Reply-To", "<1@x>"),
    )
    .await;
    assert_eq!(
        invalid,
        InvalidRequest::InvalidHeaderName {
            name: "In-Reply-To".into()
        }
    );
}

#[tokio::test]
async fn more_than_5_headers_are_refused() {
    let mut message = Message::new().to("a@contoso.com");
    for i in 0..6 {
        message = message.header(format!("X-Custom-{i}"), "v");
    }
    assert_eq!(
        refused(message).await,
        InvalidRequest::TooManyHeaders { count: 6 }
    );
}

#[tokio::test]
async fn a_flag_due_date_without_start_is_refused() {
    let flag = FollowupFlag::flagged().due(DateTimeTimeZone::new("2026-09-01T17:00:00", "UTC"));
    let invalid = refused(Message::new().to("a@contoso.com").flag(flag)).await;
    assert_eq!(invalid, InvalidRequest::FlagDueWithoutStart);
}

#[tokio::test]
async fn a_body_over_4_mb_is_refused_and_points_to_upload_sessions() {
    let big = FileAttachment::new("big.bin", "application/octet-stream", vec![7; 3_200_000]);
    let invalid = refused(Message::new().to("a@contoso.com").attach(big)).await;
    let InvalidRequest::RequestTooLarge { size, limit } = invalid.clone() else {
        panic!("{invalid:?}");
    };
    assert!(size > limit && limit == 4 * 1024 * 1024, "{size} {limit}");
    assert!(invalid.to_string().contains("upload session"), "{invalid}");
}

#[tokio::test]
async fn mime_checks_refuse_before_sending() {
    let cases: [(&[u8], InvalidRequest); 4] = [
        (b"", InvalidRequest::MimeWithoutHeaders),
        (
            b"just a body, no headers\r\n",
            InvalidRequest::MimeWithoutHeaders,
        ),
        (b"\r\nHello", InvalidRequest::MimeWithoutHeaders),
        (
            b"From: a@contoso.com\r\nSubject: Hi\r\n\r\nTo: b@contoso.com\r\n",
            InvalidRequest::MimeWithoutRecipients,
        ),
    ];
    for (mime, expected) in cases {
        let mut server = server().await;
        let none = expect_no_request(&mut server).await;
        let err = client(&server)
            .me()
            .send_mime(mime.to_vec())
            .await
            .unwrap_err();
        none.assert_async().await;
        assert!(
            matches!(&err, Error::InvalidRequest(e) if *e == expected),
            "{mime:?}: {err:?}"
        );
    }
}

#[tokio::test]
async fn an_empty_user_id_is_refused() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let err = client(&server)
        .user("")
        .send_mail(Message::new().to("a@contoso.com"))
        .await
        .unwrap_err();
    none.assert_async().await;
    assert!(
        matches!(
            err,
            Error::InvalidRequest(InvalidRequest::InvalidValue { .. })
        ),
        "{err:?}"
    );
}

fn regex_like_guid(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && value.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

// ---- Item 5: base64 MIME, as the Graph docs show it. ----

/// A MIME sendMail to `/me/sendMail` whose base64 body decodes to exactly `expected`.
async fn expect_mime_post(server: &mut mockito::ServerGuard, expected: Vec<u8>) -> mockito::Mock {
    server
        .mock("POST", "/v1.0/me/sendMail")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_header("content-type", "text/plain")
        .match_header("client-request-id", Matcher::Regex(GUID.into()))
        .match_request(move |request| {
            let body = request.body().unwrap();
            openapi::assert_request_conforms("POST", "/me/sendMail", "text/plain", body);
            let joined: Vec<u8> = body
                .iter()
                .copied()
                .filter(|b| !b"\r\n".contains(b))
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .is_ok_and(|decoded| decoded == expected)
        })
        .with_status(202)
        .expect(1)
        .create_async()
        .await
}

#[tokio::test]
async fn send_mime_base64_decodes_then_sends_the_same_bytes_as_send_mime() {
    let eml = std::fs::read("tests/fixtures/seed-example4.eml").unwrap();
    // As the docs print it: wrapped lines; and once more without padding or line breaks.
    let wrapped = base64::engine::general_purpose::STANDARD
        .encode(&eml)
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    let unpadded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&eml);
    for text in [wrapped, unpadded] {
        let mut server = server().await;
        let mock = expect_mime_post(&mut server, eml.clone()).await;
        client(&server)
            .me()
            .send_mime_base64(text)
            .await
            .expect("202");
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn base64_given_to_send_mime_is_refused_with_a_pointer_to_send_mime_base64() {
    let eml = b"From: adele@contoso.com\r\nTo: alex@contoso.com\r\nSubject: Hi\r\n\r\nHello\r\n";
    let encoded = base64::engine::general_purpose::STANDARD.encode(eml);
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let err = client(&server)
        .me()
        .send_mime(encoded.clone())
        .await
        .unwrap_err();
    none.assert_async().await;
    assert!(
        matches!(&err, Error::InvalidRequest(InvalidRequest::MimeIsBase64)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "invalid request, nothing was sent: the MIME content has no header section, and this \
         looks like base64: pass the decoded message, or use send_mime_base64 \
         (create_draft_mime_base64 for a draft)"
    );
    // Text that is not MIME stays a plain "no header section".
    let err = client(&server)
        .me()
        .send_mime(b"SGVsbG8gd29ybGQ=".to_vec()) // base64 of "Hello world": no headers
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::InvalidRequest(InvalidRequest::MimeWithoutHeaders)
        ),
        "{err:?}"
    );
    none.assert_async().await;
}

#[tokio::test]
async fn send_mime_base64_checks_the_decoded_message_before_sending() {
    let b64 = |mime: &[u8]| base64::engine::general_purpose::STANDARD.encode(mime);
    type Expected = fn(&InvalidRequest) -> bool;
    let cases: Vec<(String, Expected)> = vec![
        ("not base64!".into(), |e| {
            matches!(e, InvalidRequest::InvalidBase64 { .. })
        }),
        ("  \r\n".into(), |e| {
            matches!(e, InvalidRequest::InvalidBase64 { .. })
        }),
        (
            b64(b"From: a@contoso.com\r\nSubject: Hi\r\n\r\nTo: b@contoso.com\r\n"),
            |e| *e == InvalidRequest::MimeWithoutRecipients,
        ),
        (b64(b"just a body\r\n"), |e| {
            *e == InvalidRequest::MimeWithoutHeaders
        }),
    ];
    for (text, expected) in cases {
        let mut server = server().await;
        let none = expect_no_request(&mut server).await;
        let err = client(&server)
            .me()
            .send_mime_base64(&text)
            .await
            .unwrap_err();
        none.assert_async().await;
        match &err {
            Error::InvalidRequest(e) => assert!(expected(e), "{text:?}: {e:?}"),
            other => panic!("{text:?}: {other:?}"),
        }
    }
    let err = client(&server().await)
        .me()
        .send_mime_base64("not base64!")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("pass raw MIME bytes to send_mime"),
        "{err}"
    );
}

// ---- Item 6: "Name <address>" recipients. ----

#[tokio::test]
async fn name_and_address_strings_are_sent_as_name_and_address() {
    let expected = json!({
        "message": {
            "subject": "Hi",
            "toRecipients": [
                {"emailAddress": {"address": "adele@contoso.com", "name": "Adele Vance"}},
                {"emailAddress": {"address": "alex@contoso.com"}}
            ],
            "ccRecipients": [
                {"emailAddress": {"address": "megan@contoso.com", "name": "Bowen, Megan"}}
            ],
            "bccRecipients": [
                {"emailAddress": {"address": "lee@contoso.com", "name": "Lee \"LG\" Gu"}}
            ]
        }
    });
    assert_sent("/me/sendMail", expected, |client| {
        client.me().send_mail(
            Message::new()
                .subject("Hi")
                .to("Adele Vance <adele@contoso.com>")
                .to(" <alex@contoso.com> ".to_string())
                .cc(r#""Bowen, Megan" <megan@contoso.com>"#)
                .bcc(r#"Lee "\"LG\""   Gu<lee@contoso.com>"#),
        )
    })
    .await;
}

#[tokio::test]
async fn a_malformed_mailbox_is_refused_naming_the_accepted_forms() {
    for bad in [
        "Vance, Adele <adele@contoso.com>", // unquoted comma: a list, or a name to quote?
        "Adele Vance <adele@contoso.com",
        "Adele Vance <adele>",
        "\"Adele Vance <adele@contoso.com>",
        "adele@contoso.com, alex@contoso.com",
    ] {
        let parsed = Recipient::parse(bad).unwrap_err();
        assert_eq!(
            parsed,
            InvalidRequest::InvalidAddress {
                address: bad.into()
            }
        );
        let invalid = refused(Message::new().to(bad)).await;
        assert_eq!(invalid, parsed, "{bad:?}");
        assert_eq!(
            invalid.to_string(),
            format!(
                "{bad:?} is not an email address; accepted forms: adele@contoso.com, \
                 Adele Vance <adele@contoso.com>, \"Vance, Adele\" <adele@contoso.com> \
                 (quote a display name with , ; : @ < > ( ) [ ] or \\)"
            )
        );
    }
}
