//! `user: sendMail` as JSON and as MIME (GRAPH-FACTS §1; openapi-fragments/paths/user-sendMail.yaml).

use std::future::Future;

use base64::Engine as _;
use serde::Serialize;

use super::Mailbox;
use crate::client::{Accepted, Call, Request, Response};
use crate::error::{InvalidRequest, Result};
use crate::models::Message;

/// A `sendMail` request with a JSON message; from [`Mailbox::send_mail`].
///
/// Await it, or call [`send`](Self::send). Retries: after 429, 503 or a refused connection
/// (Graph did not act); never after a 504, a timeout or a dropped connection, which give
/// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) so a message is never sent twice.
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await"]
pub struct SendMail {
    mailbox: Mailbox,
    message: Message,
    save_to_sent_items: bool,
}

/// The action's JSON body. The CSDL spells the parameters `Message`/`SaveToSentItems`; the
/// docs use camelCase and Graph accepts both (GRAPH-FACTS §0.1).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendMailBody<'a> {
    message: &'a Message,
    /// Left out when true: the docs say to give it only when false.
    #[serde(skip_serializing_if = "Option::is_none")]
    save_to_sent_items: Option<bool>,
}

impl SendMail {
    pub(crate) fn new(mailbox: Mailbox, message: Message) -> Self {
        SendMail {
            mailbox,
            message,
            save_to_sent_items: true,
        }
    }

    /// Whether Graph keeps a copy in the sender's Sent Items (default true).
    pub fn save_to_sent_items(mut self, save: bool) -> Self {
        self.save_to_sent_items = save;
        self
    }

    /// Checks the message, then sends it. Nothing is sent when a check fails.
    pub fn send(self) -> impl Future<Output = Result<Accepted>> + Send + 'static {
        self.mailbox.client.clone().call(self)
    }

    /// Reads the recipients' MailTips first and refuses to send (with
    /// [`Error::RecipientRefused`](crate::Error::RecipientRefused), nothing sent) when a
    /// recipient's mailbox is full or the message is larger than it accepts. See
    /// [`CheckMailTips`](super::CheckMailTips).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::Message;
    /// use msgraph_outlook::{Error, RecipientRefusal};
    /// let sent = client
    ///     .me()
    ///     .send_mail(Message::new().subject("Report").to("alex@contoso.com"))
    ///     .check_mail_tips()
    ///     .await;
    /// match sent {
    ///     Err(Error::RecipientRefused { recipient, reason: RecipientRefusal::MailboxFull }) => {
    ///         println!("{recipient}'s mailbox is full: try later");
    ///     }
    ///     other => {
    ///         other?;
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn check_mail_tips(self) -> super::CheckMailTips {
        super::CheckMailTips::new(self)
    }

    /// The mailbox it is sent from.
    pub(crate) fn mailbox(&self) -> &Mailbox {
        &self.mailbox
    }

    /// What [`send`](Self::send) checks before sending.
    pub(crate) fn check(&self) -> Result<()> {
        Ok(self.message.check_for_send()?)
    }

    /// The addresses of the to, cc and bcc recipients, each once (compared without case),
    /// in that order.
    pub(crate) fn recipient_addresses(&self) -> Vec<String> {
        let mut addresses: Vec<String> = Vec::new();
        let recipients = self
            .message
            .to_recipients
            .iter()
            .chain(&self.message.cc_recipients)
            .chain(&self.message.bcc_recipients);
        for address in recipients.filter_map(|r| r.address()) {
            if !addresses.iter().any(|a| a.eq_ignore_ascii_case(address)) {
                addresses.push(address.to_string());
            }
        }
        addresses
    }

    /// The size in bytes of the JSON body [`send`](Self::send) would POST, counted without
    /// keeping it in memory.
    pub(crate) fn body_size(&self) -> Result<u64> {
        struct Count(u64);
        impl std::io::Write for Count {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0 += buf.len() as u64;
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut count = Count(0);
        serde_json::to_writer(&mut count, &self.body()).map_err(|e| {
            InvalidRequest::InvalidValue {
                reason: format!("cannot serialize the request body: {e}"),
            }
        })?;
        Ok(count.0)
    }

    fn body(&self) -> SendMailBody<'_> {
        SendMailBody {
            message: &self.message,
            save_to_sent_items: (!self.save_to_sent_items).then_some(false),
        }
    }
}

impl Call for SendMail {
    type Output = Accepted;

    fn into_request(self) -> Result<Request> {
        self.check()?;
        Request::post("sendMail", self.mailbox.target.path(&["sendMail"])).json(&self.body())
    }

    fn parse(response: Response) -> Result<Accepted> {
        response.accepted()
    }
}

await_sends!(SendMail => Accepted);

/// A `sendMail` request with a MIME message; from [`Mailbox::send_mime`]. Retried like
/// [`SendMail`].
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await"]
pub struct SendMime {
    mailbox: Mailbox,
    client_request_id: Option<String>,
    /// The raw MIME, or why base64 given to [`Mailbox::send_mime_base64`] did not decode
    /// (reported when sent, like every other check).
    mime: Result<Vec<u8>, InvalidRequest>,
}

impl SendMime {
    pub(crate) fn new(mailbox: Mailbox, mime: Vec<u8>) -> Self {
        SendMime {
            mailbox,
            client_request_id: None,
            mime: Ok(mime),
        }
    }

    pub(crate) fn base64(mailbox: Mailbox, text: &[u8]) -> Self {
        SendMime {
            mailbox,
            client_request_id: None,
            mime: decode_base64_mime(text),
        }
    }

    /// Sends it with this `client-request-id` rather than a fresh one: a caller that records
    /// the id before sending can find the request in Graph's logs whatever happens to it.
    pub fn client_request_id(mut self, id: impl Into<String>) -> Self {
        self.client_request_id = Some(id.into());
        self
    }

    /// Checks the MIME has a header section with a recipient, base64-encodes it and sends it.
    pub fn send(self) -> impl Future<Output = Result<Accepted>> + Send + 'static {
        self.mailbox.client.clone().call(self)
    }
}

/// Not [`Batchable`](crate::Batchable): how Graph reads a `text/plain` body inside a `$batch`
/// is not documented (its bodies are JSON or base64 of binary), so a MIME send is never batched.
impl Call for SendMime {
    type Output = Accepted;

    fn into_request(self) -> Result<Request> {
        let mime = self.mime?;
        check_mime(&mime)?;
        Ok(
            Request::post("sendMail", self.mailbox.target.path(&["sendMail"]))
                .mime(base64_mime(&mime))
                .client_request_id(self.client_request_id),
        )
    }

    fn parse(response: Response) -> Result<Accepted> {
        response.accepted()
    }
}

await_sends!(SendMime => Accepted);

/// Base64 in 76-character lines, as in the docs' MIME example (RFC 2045). Whether Graph
/// takes one unwrapped line is [unconfirmed] (GRAPH-FACTS §1.2), so the documented form it is.
pub(crate) fn base64_mime(mime: &[u8]) -> Vec<u8> {
    // 57 input bytes make one 76-character line: encode line by line straight into one
    // buffer of the final size (no intermediate String, no second copy).
    let lines = mime.len().div_ceil(57);
    let mut out = vec![0u8; mime.len().div_ceil(3) * 4 + lines.saturating_sub(1) * 2];
    let mut at = 0;
    for (i, chunk) in mime.chunks(57).enumerate() {
        if i > 0 {
            out[at..at + 2].copy_from_slice(b"\r\n");
            at += 2;
        }
        at += base64::engine::general_purpose::STANDARD
            .encode_slice(chunk, &mut out[at..])
            .expect("the buffer is sized for the encoding");
    }
    debug_assert_eq!(at, out.len());
    out
}

/// Decodes base64 MIME as the Graph docs show it (`text/plain`, any line breaks), so that
/// it can be checked and sent like raw MIME. Padding may be left out.
pub(crate) fn decode_base64_mime(text: &[u8]) -> Result<Vec<u8>, InvalidRequest> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return Err(InvalidRequest::InvalidBase64 {
            reason: "it is empty".into(),
        });
    }
    BASE64_LENIENT_PADDING
        .decode(&compact)
        .map_err(|e| InvalidRequest::InvalidBase64 {
            reason: e.to_string(),
        })
}

/// Standard base64 that accepts input with or without `=` padding.
const BASE64_LENIENT_PADDING: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Whether MIME that failed the header check is in fact base64 of a MIME message: what the
/// Graph docs show in their examples, and so what new users pass.
fn is_base64_of_mime(mime: &[u8]) -> bool {
    let alphabet =
        |b: &u8| b.is_ascii_alphanumeric() || b"+/=".contains(b) || b.is_ascii_whitespace();
    mime.iter().all(alphabet)
        && decode_base64_mime(mime).is_ok_and(|decoded| {
            !matches!(
                check_headers(&decoded),
                Err(InvalidRequest::MimeWithoutHeaders)
            )
        })
}

/// Where the header section ends: just after the line break before the first blank line
/// (`\n\n` or `\n\r\n`), or the whole input when there is none.
fn header_section_end(mime: &[u8]) -> usize {
    let mut from = 0;
    while let Some(n) = mime[from..].iter().position(|&b| b == b'\n') {
        let next = from + n + 1;
        if let Some([b'\n', ..] | [b'\r', b'\n', ..]) = mime.get(next..) {
            return next;
        }
        from = next;
    }
    mime.len()
}

/// The MIME must start with RFC 5322 header fields and name at least one recipient: Graph
/// takes the recipients from the To/Cc/Bcc headers.
pub(crate) fn check_mime(mime: &[u8]) -> Result<(), InvalidRequest> {
    match check_headers(mime) {
        Err(InvalidRequest::MimeWithoutHeaders) if is_base64_of_mime(mime) => {
            Err(InvalidRequest::MimeIsBase64)
        }
        other => other,
    }
}

fn check_headers(mime: &[u8]) -> Result<(), InvalidRequest> {
    // Only the header section matters: never decode the (possibly large) body.
    let text = String::from_utf8_lossy(&mime[..header_section_end(mime)]);
    let mut header_count = 0;
    let mut has_recipient = false;
    let mut current: Option<String> = None;
    let mut finish = |field: Option<String>| {
        if let Some(field) = field {
            let (name, value) = field.split_once(':').unwrap_or_default();
            if ["to", "cc", "bcc"].contains(&name.trim().to_ascii_lowercase().as_str())
                && value.contains('@')
            {
                has_recipient = true;
            }
        }
    };
    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            // A folded continuation of the previous field.
            match current.as_mut() {
                Some(field) => field.push_str(line),
                None => return Err(InvalidRequest::MimeWithoutHeaders),
            }
            continue;
        }
        let name = line.split_once(':').map(|(n, _)| n);
        let valid_name = name
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic() && b != b':'));
        if !valid_name {
            return Err(InvalidRequest::MimeWithoutHeaders);
        }
        header_count += 1;
        finish(current.replace(line.to_string()));
    }
    finish(current);
    if header_count == 0 {
        return Err(InvalidRequest::MimeWithoutHeaders);
    }
    if !has_recipient {
        return Err(InvalidRequest::MimeWithoutRecipients);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    #[test]
    fn base64_mime_is_76_character_crlf_lines_that_decode_to_the_input() {
        for size in [0, 1, 56, 57, 58, 114, 1000, 4096] {
            let mime: Vec<u8> = (0..size).map(|i| (i * 7 % 256) as u8).collect();
            let encoded = base64_mime(&mime);
            let text = String::from_utf8(encoded).unwrap();
            let lines: Vec<&str> = text.split("\r\n").collect();
            assert!(lines.iter().all(|l| l.len() <= 76), "{size}");
            assert!(lines[..lines.len() - 1].iter().all(|l| l.len() == 76));
            let joined: String = lines.concat();
            assert_eq!(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .unwrap(),
                mime
            );
        }
    }

    #[test]
    fn only_the_header_section_is_read() {
        assert!(check_mime(b"To: a@contoso.com\r\n\r\nbody \xff\xfe").is_ok());
        assert!(check_mime(b"Subject: x\n\nTo: a@contoso.com\n").is_err());
        assert!(check_mime(b"To: a@contoso.com").is_ok());
        assert_eq!(header_section_end(b"A: b\r\n\r\nrest"), 6);
        assert_eq!(header_section_end(b"A: b\n\nrest"), 5);
    }
}
