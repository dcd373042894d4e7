//! Attachments: small ones inline, large ones through an upload session with ranges in
//! order, no token on the upload host, and resuming after a failed range.

mod common;
#[path = "support/raw_server.rs"]
mod raw_server;

use std::sync::{Arc, Mutex};

use common::*;
use msgraph_outlook::api::{DEFAULT_UPLOAD_CHUNK, MAX_UPLOAD_CHUNK, UPLOAD_CHUNK_UNIT};
use msgraph_outlook::models::{Attachment, FileAttachment};
use msgraph_outlook::{Error, InvalidRequest};
use raw_server::{RawRequest, RawServer, Reply};
use serde_json::json;
use tokio::io::AsyncReadExt;

const ID: &str = "AAMkAGI2TG93AAA=";
const SIZE: u64 = 20 * 1024 * 1024;

/// Expects the createUploadSession of a file attachment `name` of `size` bytes on message
/// [`ID`], and answers with `upload_url`.
async fn expect_upload_session(
    server: &mut mockito::ServerGuard,
    name: &str,
    size: u64,
    upload_url: &str,
) -> mockito::Mock {
    expect_json(
        server,
        "POST",
        &format!("/me/messages/{ID}/attachments/createUploadSession"),
        json!({"AttachmentItem": {"attachmentType": "file", "name": name, "size": size, "contentType": "application/octet-stream"}}),
    )
    .with_status(201)
    .with_body(json!({"uploadUrl": upload_url, "expirationDateTime": "2026-11-24T00:00:00Z", "nextExpectedRanges": ["0-"]}).to_string())
    .create_async()
    .await
}

/// A range's `Content-Range` (`bytes start-end/total`) as (start, end exclusive, total).
fn content_range(request: &RawRequest) -> Option<(u64, u64, u64)> {
    let range = request.header("content-range")?.strip_prefix("bytes ")?;
    let (span, total) = range.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    Some((
        start.parse().ok()?,
        end.parse::<u64>().ok()? + 1,
        total.parse().ok()?,
    ))
}

/// The method and `Content-Range` of every request the upload host saw.
fn ranges_seen(upload: &RawServer) -> Vec<(String, Option<String>)> {
    upload
        .requests()
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.header("content-range").map(str::to_string),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_small_file_is_added_inline() {
    let mut server = server().await;
    let mock = expect_json(
        &mut server,
        "POST",
        &format!("/me/messages/{ID}/attachments"),
        json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "notes.txt",
               "contentType": "text/plain", "contentBytes": "SGVsbG8="}),
    )
    .with_status(201)
    .with_body(json!({"@odata.type": "#microsoft.graph.fileAttachment", "id": "att-1", "name": "notes.txt",
                      "contentType": "text/plain", "size": 5, "isInline": false, "contentBytes": "SGVsbG8="}).to_string())
    .create_async()
    .await;
    let added = client(&server)
        .me()
        .message(ID)
        .attachments()
        .add(FileAttachment::new(
            "notes.txt",
            "text/plain",
            b"Hello".to_vec(),
        ))
        .await
        .unwrap();
    mock.assert_async().await;
    let Attachment::File(file) = added else {
        panic!("{added:?}")
    };
    assert_eq!((file.id.as_deref(), file.size), (Some("att-1"), Some(5)));
}

/// What the upload host saw.
#[derive(Default)]
struct Uploads {
    ranges: Vec<(u64, u64, usize)>,
    authorized: usize,
    received: u64,
    failed_once: bool,
}

#[tokio::test]
async fn a_20_mb_upload_sends_ordered_ranges_without_the_token_and_resumes() {
    let state = Arc::new(Mutex::new(Uploads::default()));
    let shared = Arc::clone(&state);
    let upload = RawServer::start(move |request: RawRequest| {
        let mut s = shared.lock().unwrap();
        if request.header("authorization").is_some() {
            s.authorized += 1;
        }
        let reply = match request.method.as_str() {
            "GET" => Reply::json(200, &json!({"expirationDateTime": "2026-11-24T00:00:00Z", "nextExpectedRanges": [format!("{}-", s.received)]})),
            _ => {
                let (start, end, total) = content_range(&request).unwrap();
                let end = end - 1;
                // The third range fails once, after the server stored half of it.
                if start == 2 * DEFAULT_UPLOAD_CHUNK as u64 && !s.failed_once {
                    s.failed_once = true;
                    let half = DEFAULT_UPLOAD_CHUNK as u64 / 2;
                    s.ranges.push((start, start + half - 1, half as usize));
                    s.received = start + half;
                    Reply::status(500)
                } else {
                    assert_eq!(start, s.received, "ranges are contiguous and in order");
                    s.ranges.push((start, end, request.body.len()));
                    s.received = end + 1;
                    if end + 1 == total {
                        Reply::status(201).header("location", "https://outlook.office.com/api/v2.0/Users('a')/Messages('m')/Attachments('AAMkATT1=')")
                    } else {
                        Reply::json(200, &json!({"expirationDateTime": "2026-11-24T00:00:00Z", "nextExpectedRanges": [format!("{}-", end + 1)]}))
                    }
                }
            }
        };
        std::future::ready(reply)
    })
    .await;
    let upload_url = format!(
        "{}/api/v2.0/Users('a')/Messages('m')/AttachmentSessions('s')?authtoken=opaque",
        upload.url
    );

    let mut server = server().await;
    let session = expect_upload_session(&mut server, "big.bin", SIZE, &upload_url).await;

    let reader = tokio::io::repeat(7).take(SIZE);
    let id = client(&server)
        .me()
        .message(ID)
        .attachments()
        .upload("big.bin", "application/octet-stream", SIZE, reader)
        .send()
        .await
        .unwrap();
    session.assert_async().await;
    assert_eq!(id.as_deref(), Some("AAMkATT1="));

    let s = state.lock().unwrap();
    assert_eq!(
        s.authorized, 0,
        "the upload host never sees the bearer token"
    );
    assert!(s.failed_once);
    let mut expected_start = 0;
    for (i, (start, end, len)) in s.ranges.iter().enumerate() {
        assert_eq!(*start, expected_start);
        assert_eq!(*len as u64, end - start + 1);
        assert!(*len <= MAX_UPLOAD_CHUNK);
        let last = i == s.ranges.len() - 1;
        // Whole 320 KiB units (the half range stored before the failure is 5 of them) but the last.
        assert!(last || len % UPLOAD_CHUNK_UNIT == 0, "{i}: {len}");
        expected_start = end + 1;
    }
    assert_eq!(expected_start, SIZE);
}

/// The byte at `offset` of the patterned upload: never the same as 251 bytes earlier, so a
/// range sent from the wrong offset cannot match.
fn pattern(offset: u64) -> u8 {
    (offset % 251) as u8 ^ (offset / 251 % 7) as u8
}

/// A reader of `size` patterned bytes that hands out at most a few hundred to a few
/// thousand bytes per read, unevenly, as sockets and pipes do.
struct Patterned {
    offset: u64,
    size: u64,
    reads: usize,
}

impl tokio::io::AsyncRead for Patterned {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.reads += 1;
        let step = 300 + self.reads * 7919 % 4000;
        let n = (self.size - self.offset)
            .min(step as u64)
            .min(buf.remaining() as u64);
        let bytes: Vec<u8> = (self.offset..self.offset + n).map(pattern).collect();
        buf.put_slice(&bytes);
        self.offset += n;
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn every_range_carries_its_own_bytes_and_content_range_also_when_resumed() {
    // Ten ranges of 320 KiB and a short last one; the fourth fails after the host stored
    // 100,000 of its bytes (not a range boundary), so its rest is sent again from there.
    const RANGE: u64 = UPLOAD_CHUNK_UNIT as u64;
    const TOTAL: u64 = 3 * 1024 * 1024 + 12_345;
    let received = Arc::new(Mutex::new((0u64, false)));
    let shared = Arc::clone(&received);
    let upload = RawServer::start(move |request: RawRequest| {
        let mut state = shared.lock().unwrap();
        let (stored, failed_once) = &mut *state;
        let reply = match request.method.as_str() {
            "GET" => Reply::json(200, &json!({"nextExpectedRanges": [format!("{stored}-")]})),
            _ => {
                let (start, end, _) = content_range(&request).unwrap();
                if start == 3 * RANGE && !*failed_once {
                    *failed_once = true;
                    *stored = start + 100_000;
                    Reply::status(500)
                } else {
                    *stored = end;
                    if end == TOTAL {
                        Reply::status(201).header("location", "https://outlook.office.com/api/v2.0/Users('a')/Messages('m')/Attachments('AAMkATT2=')")
                    } else {
                        Reply::json(200, &json!({"nextExpectedRanges": [format!("{end}-")]}))
                    }
                }
            }
        };
        std::future::ready(reply)
    })
    .await;
    let upload_url = format!(
        "{}/upload/AttachmentSessions('s')?authtoken=opaque",
        upload.url
    );

    let mut server = server().await;
    let session = expect_upload_session(&mut server, "pattern.bin", TOTAL, &upload_url).await;

    let reader = Patterned {
        offset: 0,
        size: TOTAL,
        reads: 0,
    };
    let id = client(&server)
        .me()
        .message(ID)
        .attachments()
        .upload("pattern.bin", "application/octet-stream", TOTAL, reader)
        .chunk_size(UPLOAD_CHUNK_UNIT)
        .send()
        .await
        .unwrap();
    session.assert_async().await;
    assert_eq!(id.as_deref(), Some("AAMkATT2="));

    // Every PUT as expected: its Content-Range, and exactly the file's bytes in that span.
    let mut expected = Vec::new();
    let mut start = 0;
    while start < TOTAL {
        let end = (start + RANGE).min(TOTAL);
        expected.push(("PUT".to_string(), start, end));
        if start == 3 * RANGE {
            expected.push(("GET".to_string(), 0, 0));
            expected.push(("PUT".to_string(), start + 100_000, end));
        }
        start = end;
    }
    let requests = upload.requests();
    let seen: Vec<(String, u64, u64)> = requests
        .iter()
        .map(|r| match content_range(r) {
            Some((start, end, total)) => {
                assert_eq!(total, TOTAL);
                (r.method.clone(), start, end)
            }
            None => (r.method.clone(), 0, 0),
        })
        .collect();
    assert_eq!(seen, expected);
    for (request, (_, start, end)) in requests.iter().zip(&seen) {
        let wanted: Vec<u8> = (*start..*end).map(pattern).collect();
        assert!(request.body == wanted, "the bytes of {start}..{end} differ");
    }
}

#[tokio::test]
async fn a_reader_that_ends_early_fails_the_upload_and_deletes_the_session() {
    let upload = RawServer::start(|request: RawRequest| {
        std::future::ready(match request.method.as_str() {
            "DELETE" => Reply::status(204),
            _ => Reply::json(
                200,
                &json!({"nextExpectedRanges": [format!("{DEFAULT_UPLOAD_CHUNK}-")]}),
            ),
        })
    })
    .await;
    let upload_url = format!(
        "{}/upload/AttachmentSessions('s')?authtoken=opaque",
        upload.url
    );
    let mut server = server().await;
    expect_upload_session(&mut server, "big.bin", SMALL, &upload_url).await;

    let short = SMALL - 1000;
    let err = client(&server)
        .me()
        .message(ID)
        .attachments()
        .upload(
            "big.bin",
            "application/octet-stream",
            SMALL,
            tokio::io::repeat(7).take(short),
        )
        .send()
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("the reader ended at {short} of {SMALL} bytes")),
        "{err}"
    );
    assert_eq!(
        ranges_seen(&upload),
        [
            (
                "PUT".to_string(),
                Some(format!("bytes 0-{}/{SMALL}", DEFAULT_UPLOAD_CHUNK - 1))
            ),
            ("DELETE".to_string(), None),
        ]
    );
}

/// How the upload host answers the last range of a small (two-range) upload.
#[derive(Clone, Copy)]
enum LastRange {
    /// `201 Created` with a `Location` that names no attachment.
    CreatedUnreadableLocation,
    /// The connection drops after the range is read; the upload did complete, so the
    /// session is gone: any later request to it is `404`.
    LostAnswer,
}

/// Two ranges at the default chunk size.
const SMALL: u64 = DEFAULT_UPLOAD_CHUNK as u64 + 1024;

/// Uploads `SMALL` bytes as `big.bin` against an upload host that answers the last range
/// as `last`, and a Graph whose attachment list is `listed` (None: no lookup expected).
/// Returns the outcome and every request the upload host saw (method, Content-Range).
async fn upload_with_last_range(
    last: LastRange,
    listed: Option<serde_json::Value>,
) -> (
    msgraph_outlook::Result<Option<String>>,
    Vec<(String, Option<String>)>,
) {
    let completed = Arc::new(Mutex::new(false));
    let done = Arc::clone(&completed);
    let upload = RawServer::start(move |request: RawRequest| {
        let mut done = done.lock().unwrap();
        let reply = if *done {
            Reply::json(
                404,
                &graph_error("ItemNotFound", "The upload session was not found."),
            )
        } else if request.method == "PUT"
            && request
                .header("content-range")
                .unwrap()
                .starts_with("bytes 0-")
        {
            Reply::json(
                200,
                &json!({"expirationDateTime": "2026-11-24T00:00:00Z",
                                     "nextExpectedRanges": [format!("{DEFAULT_UPLOAD_CHUNK}-")]}),
            )
        } else if request.method == "PUT" {
            *done = true;
            match last {
                LastRange::CreatedUnreadableLocation => Reply::status(201).header(
                    "location",
                    "https://outlook.office.com/api/v2.0/Users('a')/Messages('m')",
                ),
                LastRange::LostAnswer => Reply::Drop,
            }
        } else {
            Reply::status(500)
        };
        std::future::ready(reply)
    })
    .await;
    let upload_url = format!(
        "{}/upload/AttachmentSessions('s')?authtoken=opaque",
        upload.url
    );

    let mut server = server().await;
    let session = expect_upload_session(&mut server, "big.bin", SMALL, &upload_url).await;
    let lookup = server
        .mock(
            "GET",
            format!("/v1.0/me/messages/{ID}/attachments").as_str(),
        )
        .match_query(mockito::Matcher::UrlEncoded(
            "$select".into(),
            "id,name,size".into(),
        ))
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(listed.clone().unwrap_or(json!({"value": []})).to_string())
        .expect(usize::from(listed.is_some()))
        .create_async()
        .await;

    let result = client(&server)
        .me()
        .message(ID)
        .attachments()
        .upload(
            "big.bin",
            "application/octet-stream",
            SMALL,
            tokio::io::repeat(7).take(SMALL),
        )
        .send()
        .await;
    session.assert_async().await;
    lookup.assert_async().await;
    (result, ranges_seen(&upload))
}

fn attachment_list() -> serde_json::Value {
    json!({"value": [
        {"@odata.type": "#microsoft.graph.fileAttachment", "id": "AAMkOTHER=", "name": "notes.txt", "size": 5},
        {"@odata.type": "#microsoft.graph.fileAttachment", "id": "AAMkBIG=", "name": "big.bin", "size": SMALL},
    ]})
}

#[tokio::test]
async fn a_201_with_an_unreadable_location_is_a_success_and_the_session_is_left_alone() {
    let last = format!("bytes {DEFAULT_UPLOAD_CHUNK}-{}/{SMALL}", SMALL - 1);
    let ranges = vec![
        (
            "PUT".to_string(),
            Some(format!("bytes 0-{}/{SMALL}", DEFAULT_UPLOAD_CHUNK - 1)),
        ),
        ("PUT".to_string(), Some(last)),
    ];
    // The id is looked up by name and size…
    let (result, seen) = upload_with_last_range(
        LastRange::CreatedUnreadableLocation,
        Some(attachment_list()),
    )
    .await;
    assert_eq!(result.unwrap().as_deref(), Some("AAMkBIG="));
    assert_eq!(seen, ranges, "no GET or DELETE of a completed session");
    // …and when nothing matches, the upload is still a success, without an id.
    let (result, seen) = upload_with_last_range(
        LastRange::CreatedUnreadableLocation,
        Some(json!({"value": [{"id": "AAMkOTHER=", "name": "notes.txt", "size": 5}]})),
    )
    .await;
    assert_eq!(result.unwrap(), None);
    assert_eq!(seen, ranges);
}

#[tokio::test]
async fn a_lost_answer_to_the_last_range_is_never_not_found() {
    let first = (
        "PUT".to_string(),
        Some(format!("bytes 0-{}/{SMALL}", DEFAULT_UPLOAD_CHUNK - 1)),
    );
    let last = (
        "PUT".to_string(),
        Some(format!(
            "bytes {DEFAULT_UPLOAD_CHUNK}-{}/{SMALL}",
            SMALL - 1
        )),
    );
    // The last range completed the upload but its answer was lost; the range is sent again
    // (a PUT may be repeated) and finds the session gone (404). The attachment is found by
    // name and size, and the gone session is neither asked about nor deleted.
    let (result, seen) =
        upload_with_last_range(LastRange::LostAnswer, Some(attachment_list())).await;
    assert_eq!(result.unwrap().as_deref(), Some("AAMkBIG="));
    assert_eq!(seen, [first.clone(), last.clone(), last.clone()]);

    // Not found either: the outcome is unknown (check before uploading again), not NotFound.
    let (result, seen) =
        upload_with_last_range(LastRange::LostAnswer, Some(json!({"value": []}))).await;
    let err = result.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(!err.is_not_found(), "{err:?}");
    assert_eq!(seen, [first, last.clone(), last]);
}

#[tokio::test]
async fn upload_rules_are_checked_before_any_request() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let attachments = client(&server).me().message(ID).attachments();
    let cases = [
        (SIZE, 1_000_000usize),                    // not a multiple of 320 KiB
        (SIZE, 15 * UPLOAD_CHUNK_UNIT),            // over 4 MiB
        (151 * 1024 * 1024, DEFAULT_UPLOAD_CHUNK), // over 150 MB
        (1024, DEFAULT_UPLOAD_CHUNK),              // small: inline instead
    ];
    for (size, chunk) in cases {
        let err = attachments
            .upload(
                "f.bin",
                "application/octet-stream",
                size,
                tokio::io::empty(),
            )
            .chunk_size(chunk)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidRequest(InvalidRequest::InvalidValue { .. })
            ),
            "{size} {chunk}: {err:?}"
        );
    }
    let big = FileAttachment::new(
        "big.bin",
        "application/octet-stream",
        vec![0; 3 * 1024 * 1024],
    );
    assert!(matches!(
        attachments.add(big).await.unwrap_err(),
        Error::InvalidRequest(_)
    ));
    none.assert_async().await;
}

#[tokio::test]
async fn a_message_is_attached_as_an_item() {
    use msgraph_outlook::models::{ItemAttachment, Message};
    let mut server = server().await;
    let mock = expect_json(
        &mut server,
        "POST",
        &format!("/me/messages/{ID}/attachments"),
        json!({"@odata.type": "#microsoft.graph.itemAttachment", "name": "Original request",
               "item": {"@odata.type": "#microsoft.graph.message", "subject": "Budget",
                        "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]}}),
    )
    .with_status(201)
    .with_body(json!({"@odata.type": "#microsoft.graph.itemAttachment", "id": "att-2", "name": "Original request", "size": 120}).to_string())
    .create_async()
    .await;
    let added = client(&server)
        .me()
        .message(ID)
        .attachments()
        .add_item(ItemAttachment::message(
            "Original request",
            Message::new().subject("Budget").to("alex@contoso.com"),
        ))
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(
        matches!(added, Attachment::Item(ref item) if item.id.as_deref() == Some("att-2")),
        "{added:?}"
    );
}

/// createUploadSession Example 2: an inline attachment (`isInline`, `contentId`) for a
/// `cid:` reference; the ranges go to the upload URL without the token, as for any upload.
#[tokio::test]
async fn an_inline_upload_sends_is_inline_and_content_id() {
    const INLINE_SIZE: u64 = msgraph_outlook::api::INLINE_ATTACHMENT_LIMIT;
    let mut server = server().await;
    let upload_url = format!("{}/upload/session-1?authtoken=opaque", server.url());
    let session = expect_json(
        &mut server,
        "POST",
        &format!("/me/messages/{ID}/attachments/createUploadSession"),
        json!({"AttachmentItem": {
            "attachmentType": "file", "name": "chart.png", "size": INLINE_SIZE,
            "contentType": "image/png", "isInline": true, "contentId": "chart_q3"
        }}),
    )
    .with_status(201)
    .with_body(json!({"uploadUrl": upload_url, "expirationDateTime": "2026-11-24T00:00:00Z", "nextExpectedRanges": ["0-"]}).to_string())
    .create_async()
    .await;
    let range = server
        .mock("PUT", "/upload/session-1")
        .match_query(mockito::Matcher::UrlEncoded(
            "authtoken".into(),
            "opaque".into(),
        ))
        .match_header("authorization", mockito::Matcher::Missing)
        .match_header(
            "content-range",
            format!("bytes 0-{}/{INLINE_SIZE}", INLINE_SIZE - 1).as_str(),
        )
        .with_status(201)
        .with_header(
            "location",
            "https://outlook.office.com/api/v2.0/Users('a')/Messages('m')/Attachments('AAMkINLINE=')",
        )
        .expect(1)
        .create_async()
        .await;

    let id = client(&server)
        .me()
        .message(ID)
        .attachments()
        .upload(
            "chart.png",
            "image/png",
            INLINE_SIZE,
            tokio::io::repeat(1).take(INLINE_SIZE),
        )
        .inline("chart_q3")
        .send()
        .await
        .unwrap();
    session.assert_async().await;
    range.assert_async().await;
    assert_eq!(id.as_deref(), Some("AAMkINLINE="));
}

#[tokio::test]
async fn an_inline_content_id_a_cid_url_cannot_name_is_refused_before_sending() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let attachments = client(&server).me().message(ID).attachments();
    for bad in ["", "chart q3", "<chart_q3>"] {
        let err = attachments
            .upload("chart.png", "image/png", SIZE, tokio::io::empty())
            .inline(bad)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                &err,
                Error::InvalidRequest(InvalidRequest::InvalidValue { reason }) if reason.contains("cid:")
            ),
            "{bad:?}: {err:?}"
        );
    }
    none.assert_async().await;
}
