//! The draft path (issue 17 item 6), for messages over `mime_limit`: the message is parsed
//! (`mail-parser`), created as a JSON draft (body, recipients by the envelope rules,
//! subject, importance, reply-to, up to five `X-` headers, `internetMessageId` = the
//! Message-ID so that it can be found again), its attachments added (under 3 MB in one
//! request each, larger ones through upload sessions; inline parts keep `contentId` and
//! `isInline`), then sent. What this keeps and drops is listed in `relay/README.md`.

use super::headers::addressees;
use super::recipients::{Addressee, Recipients};
use crate::config::SendAs;
use mail_parser::{MessageParser, MimeHeaders};
use msgraph_outlook::api::INLINE_ATTACHMENT_LIMIT;
use msgraph_outlook::models::{FileAttachment, Importance, ItemBody, Message, Recipient};
use msgraph_outlook::{GraphClient, Result};

/// Graph takes at most this many `internetMessageHeaders` (the client refuses more).
const MAX_X_HEADERS: usize = 5;

/// One attachment of the parsed message.
#[derive(Debug)]
pub struct Part {
    /// File name.
    pub name: String,
    /// `type/subtype`.
    pub content_type: String,
    /// `Content-ID` without angle brackets, for inline parts.
    pub content_id: Option<String>,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

/// A parsed message ready to become a draft.
#[derive(Debug)]
pub struct Draft {
    /// The draft's JSON (no attachments: they are added one by one).
    pub message: Message,
    /// The attachments, in order.
    pub parts: Vec<Part>,
}

fn recipient(a: &Addressee) -> Recipient {
    match &a.name {
        Some(name) => Recipient::named(name.clone(), a.address.clone()),
        None => Recipient::new(a.address.clone()),
    }
}

/// Parses `raw` (the whole message) into a draft for `mailbox`.
pub fn build(
    raw: &[u8],
    message_id: &str,
    recipients: &Recipients,
    mailbox: &str,
    send_as: SendAs,
) -> Draft {
    let parsed = MessageParser::default().parse(raw).unwrap_or_default();
    let mut message = Message::new().internet_message_id(message_id);
    if let Some(subject) = parsed.subject() {
        message = message.subject(subject);
    }
    let html = parsed
        .html_body
        .first()
        .and_then(|&i| parsed.parts.get(i as usize))
        .filter(|p| p.is_text_html())
        .and_then(|p| p.text_contents());
    message = match html {
        Some(html) => message.body(ItemBody::html(html)),
        None => message.body(ItemBody::text(parsed.body_text(0).unwrap_or_default())),
    };
    for a in &recipients.to {
        message = message.to(recipient(a));
    }
    for a in &recipients.cc {
        message = message.cc(recipient(a));
    }
    for a in &recipients.bcc {
        message = message.bcc(recipient(a));
    }
    for a in addressees(parsed.reply_to()) {
        message = message.reply_to(recipient(&a));
    }
    if let Some(from) = addressees(parsed.from()).into_iter().next() {
        if !from.address.eq_ignore_ascii_case(mailbox) {
            message = message.from(recipient(&from));
            if send_as == SendAs::Sender {
                message.sender = Some(Recipient::new(mailbox));
            }
        }
    }
    if let Some(importance) = importance(&parsed) {
        message = message.importance(importance);
    }
    let mut x_headers = 0;
    for (name, value) in parsed.headers_raw() {
        let is_x = name.len() > 2 && name[..2].eq_ignore_ascii_case("x-");
        if is_x && x_headers < MAX_X_HEADERS {
            message = message.header(name, value.trim());
            x_headers += 1;
        }
    }
    let parts = parsed
        .attachments()
        .map(|part| {
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_string());
            let content_id = part
                .content_id()
                .map(|id| id.trim_matches(['<', '>']).to_string())
                .filter(|id| !id.is_empty() && !part.is_content_type("message", "rfc822"))
                .filter(|_| {
                    part.content_disposition()
                        .map_or(true, |d| !d.is_attachment())
                });
            Part {
                name: part.attachment_name().unwrap_or("attachment").to_string(),
                content_type,
                content_id,
                bytes: part.contents().to_vec(),
            }
        })
        .collect();
    Draft { message, parts }
}

/// `Importance:` (`high`/`low`), else `X-Priority:` (1–2 high, 4–5 low).
fn importance(parsed: &mail_parser::Message<'_>) -> Option<Importance> {
    let text = |name: &str| {
        parsed
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    match text("Importance").as_deref() {
        Some("high") => return Some(Importance::High),
        Some("low") => return Some(Importance::Low),
        Some("normal") => return Some(Importance::Normal),
        _ => {}
    }
    match text("X-Priority")?.chars().next()? {
        '1' | '2' => Some(Importance::High),
        '4' | '5' => Some(Importance::Low),
        _ => None,
    }
}

/// Adds the attachments to the draft `id` of `mailbox`.
pub async fn attach(graph: &GraphClient, mailbox: &str, id: &str, parts: Vec<Part>) -> Result<()> {
    let attachments = graph.user(mailbox).message(id).attachments();
    for part in parts {
        let size = part.bytes.len() as u64;
        if size < INLINE_ATTACHMENT_LIMIT {
            let mut file = FileAttachment::new(part.name, part.content_type, part.bytes);
            if let Some(cid) = part.content_id {
                file = file.inline(cid);
            }
            attachments.add(file).await?;
        } else {
            let upload = attachments.upload(part.name, part.content_type, size, &part.bytes[..]);
            match part.content_id {
                Some(cid) => upload.inline(cid).send().await?,
                None => upload.send().await?,
            };
        }
    }
    Ok(())
}
