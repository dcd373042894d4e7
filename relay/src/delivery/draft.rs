//! The draft path (issue 17 item 6), for messages over `mime_limit`: the message is walked
//! as it streams from the spool ([`mime_walk`](super::mime_walk)), created as a JSON draft (body, recipients by the envelope rules,
//! subject, importance, reply-to, up to five `X-` headers, `internetMessageId` = the
//! Message-ID so that it can be found again), its attachments added (under 3 MB in one
//! request each, larger ones through upload sessions; inline parts keep `contentId` and
//! `isInline`), then sent. What this keeps and drops is listed in `relay/README.md`.

use super::headers::addressees;
use super::mime_walk::{FilePart, Walked};
use super::recipients::{Addressee, Recipients};
use crate::config::SendAs;
use mail_parser::MessageParser;
use msgraph_outlook::api::INLINE_ATTACHMENT_LIMIT;
use msgraph_outlook::models::{FileAttachment, Importance, ItemBody, Message, Recipient};
use msgraph_outlook::GraphClient;

/// Graph takes at most this many `internetMessageHeaders` (the client refuses more).
const MAX_X_HEADERS: usize = 5;

fn recipient(a: &Addressee) -> Recipient {
    match &a.name {
        Some(name) => Recipient::named(name.clone(), a.address.clone()),
        None => Recipient::new(a.address.clone()),
    }
}

/// The draft's JSON for the walked message (attachments are added afterwards, from the
/// walk's files).
pub fn build(
    walked: &Walked,
    message_id: &str,
    recipients: &Recipients,
    mailbox: &str,
    send_as: SendAs,
) -> Message {
    let parsed = MessageParser::default()
        .parse_headers(&walked.header)
        .unwrap_or_default();
    let mut message = Message::new().internet_message_id(message_id);
    if let Some(subject) = parsed.subject() {
        message = message.subject(subject);
    }
    let text = |subtype: &str| {
        let part = walked.texts.iter().find(|t| t.subtype == subtype)?;
        let decoded = MessageParser::default().parse(&part.raw)?;
        let body = match subtype {
            "html" => decoded.body_html(0),
            _ => decoded.body_text(0),
        };
        body.map(|b| b.into_owned())
    };
    message = match text("html") {
        Some(html) => message.body(ItemBody::html(html)),
        None => message.body(ItemBody::text(text("plain").unwrap_or_default())),
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
    message
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

/// Adds the walk's files to the draft `id` of `mailbox`: under 3 MB in one request each,
/// larger ones streamed from their file through an upload session.
pub async fn attach(
    graph: &GraphClient,
    mailbox: &str,
    id: &str,
    files: &[FilePart],
) -> Result<(), AttachError> {
    let attachments = graph.user(mailbox).message(id).attachments();
    for part in files {
        if part.size < INLINE_ATTACHMENT_LIMIT {
            let bytes = tokio::fs::read(&part.path).await?;
            let mut file = FileAttachment::new(&part.name, &part.content_type, bytes);
            if let Some(cid) = &part.content_id {
                file = file.inline(cid);
            }
            attachments.add(file).await?;
        } else {
            let reader = tokio::fs::File::open(&part.path).await?;
            let upload = attachments.upload(&part.name, &part.content_type, part.size, reader);
            match &part.content_id {
                Some(cid) => upload.inline(cid).send().await?,
                None => upload.send().await?,
            };
        }
    }
    Ok(())
}

/// Why attachments could not be added.
#[derive(Debug)]
pub enum AttachError {
    /// Graph refused or failed.
    Graph(msgraph_outlook::Error),
    /// A part's file could not be read.
    Io(std::io::Error),
}

impl From<msgraph_outlook::Error> for AttachError {
    fn from(e: msgraph_outlook::Error) -> Self {
        AttachError::Graph(e)
    }
}

impl From<std::io::Error> for AttachError {
    fn from(e: std::io::Error) -> Self {
        AttachError::Io(e)
    }
}
