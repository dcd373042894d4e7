//! Request bodies: the crate vs serde_json and base64 used directly (MB/s of output JSON,
//! of input MIME). Run through `scripts/bench`, or `cargo bench --bench serialization`.
//!
//! - `send_mail_json`: the sendMail body of a message with 50 recipients and a 1 MB file
//!   attachment. The crate's request-body path (`Request::json`) is crate-private, so the
//!   crate side serializes the public `Message` model with `serde_json::to_vec` inside the
//!   same `{"message": …}` wrapper `SendMail` uses: the same Serialize impls (incl. the
//!   attachment's base64 `contentBytes`) the crate runs. The direct side base64-encodes the
//!   file and serializes borrowed structs of the same shape. Both give the same bytes.
//! - `send_mime_base64`: the base64 body of a 4 MB MIME message. Through the crate's public
//!   API: `send_mime(..).send()` checks the MIME and base64-encodes it in 76-character lines,
//!   then refuses the 5.6 MB body as over Graph's 4 MB request limit before any I/O, so the
//!   call times exactly the crate's body building. The direct side wraps base64 output in
//!   the same lines in one pass.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use base64::Engine as _;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use msgraph_outlook::auth::StaticToken;
use msgraph_outlook::models::{Attachment, Message};
use msgraph_outlook::{Error, GraphClient, InvalidRequest};
use serde::Serialize;

/// The body `SendMail` sends: `{"message": …}` (`saveToSentItems` left out when true).
#[derive(Serialize)]
struct SendMailBody<'a> {
    message: &'a Message,
}

#[derive(Serialize)]
struct DirectBody<'a> {
    message: DirectMessage<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DirectMessage<'a> {
    subject: &'a str,
    body: DirectItemBody<'a>,
    to_recipients: Vec<DirectRecipient<'a>>,
    attachments: [DirectAttachment<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DirectItemBody<'a> {
    content_type: &'a str,
    content: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DirectRecipient<'a> {
    email_address: DirectAddress<'a>,
}

#[derive(Serialize)]
struct DirectAddress<'a> {
    address: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DirectAttachment<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: &'static str,
    name: &'a str,
    content_type: &'a str,
    content_bytes: String,
}

/// The direct way: base64 once, then serde_json over borrowed data.
fn direct_send_mail_json(
    subject: &str,
    html: &str,
    to: &[String],
    name: &str,
    content_type: &str,
    file: &[u8],
) -> Vec<u8> {
    let body = DirectBody {
        message: DirectMessage {
            subject,
            body: DirectItemBody {
                content_type: "html",
                content: html,
            },
            to_recipients: to
                .iter()
                .map(|address| DirectRecipient {
                    email_address: DirectAddress { address },
                })
                .collect(),
            attachments: [DirectAttachment {
                odata_type: "#microsoft.graph.fileAttachment",
                name,
                content_type,
                content_bytes: base64::engine::general_purpose::STANDARD.encode(file),
            }],
        },
    };
    serde_json::to_vec(&body).expect("serializable")
}

/// Base64 in 76-character lines joined by CRLF (RFC 2045), written in one pass.
fn direct_mime_base64(mime: &[u8]) -> Vec<u8> {
    let engine = &base64::engine::general_purpose::STANDARD;
    let lines = mime.len().div_ceil(57);
    let mut out = vec![0u8; mime.len().div_ceil(3) * 4 + lines.saturating_sub(1) * 2];
    let mut at = 0;
    for (i, chunk) in mime.chunks(57).enumerate() {
        if i > 0 {
            out[at..at + 2].copy_from_slice(b"\r\n");
            at += 2;
        }
        at += engine
            .encode_slice(chunk, &mut out[at..])
            .expect("sized for it");
    }
    out.truncate(at);
    out
}

fn send_mail_json(c: &mut Criterion) {
    let message = support::big_message(50, 1024 * 1024);
    let to: Vec<String> = message
        .to_recipients
        .iter()
        .map(|r| r.address().unwrap_or_default().to_string())
        .collect();
    let (subject, html) = (
        message.subject.clone().unwrap_or_default(),
        message
            .body
            .as_ref()
            .map(|b| b.content.clone())
            .unwrap_or_default(),
    );
    let Some(Attachment::File(file)) = message.attachments.first() else {
        panic!("big_message has one file attachment");
    };
    let (name, content_type, bytes) = (
        file.name.clone(),
        file.content_type.clone().unwrap_or_default(),
        file.content_bytes.clone(),
    );
    let crate_json = serde_json::to_vec(&SendMailBody { message: &message }).unwrap();
    let direct_json = direct_send_mail_json(&subject, &html, &to, &name, &content_type, &bytes);
    assert_eq!(
        crate_json, direct_json,
        "both sides must write the same body"
    );

    let mut group = c.benchmark_group("serialization/send_mail_json_50rcpt_1MB");
    group.throughput(Throughput::Bytes(crate_json.len() as u64));
    group.bench_function("crate", |b| {
        b.iter(|| {
            serde_json::to_vec(&SendMailBody {
                message: black_box(&message),
            })
            .unwrap()
        })
    });
    group.bench_function("direct", |b| {
        b.iter(|| {
            direct_send_mail_json(
                black_box(&subject),
                &html,
                &to,
                &name,
                &content_type,
                black_box(&bytes),
            )
        })
    });
    group.finish();
}

fn send_mime_base64(c: &mut Criterion) {
    let mime = support::mime_message(4 * 1024 * 1024);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    // Never contacted: the body is refused before any connection is made.
    let client = GraphClient::builder()
        .base_url("http://127.0.0.1:9/v1.0")
        .token_provider(StaticToken::new("benchmark-token"))
        .build()
        .expect("client");
    let mailbox = client.user("megan@contoso.com");
    let expected = direct_mime_base64(&mime).len();
    match runtime.block_on(mailbox.send_mime(mime.clone()).send()) {
        Err(Error::InvalidRequest(InvalidRequest::RequestTooLarge { size, .. })) => {
            assert_eq!(size, expected, "the crate's body is the direct body's size")
        }
        other => panic!("expected RequestTooLarge before any I/O, got {other:?}"),
    }

    let mut group = c.benchmark_group("serialization/send_mime_base64_4MB");
    group.throughput(Throughput::Bytes(mime.len() as u64));
    group.bench_function("crate", |b| {
        b.iter_batched(
            || mime.clone(),
            |mime| {
                runtime
                    .block_on(mailbox.send_mime(mime).send())
                    .unwrap_err()
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("direct", |b| {
        b.iter(|| direct_mime_base64(black_box(&mime)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = support::criterion_config();
    targets = send_mail_json, send_mime_base64
}
criterion_main!(benches);
