//! Failure reports (issue 17 item 8): a DSN-style message (RFC 3464 layout: a text/plain
//! explanation, a `message/delivery-status` part, the original headers as
//! `text/rfc822-headers`) from the sending mailbox to the envelope sender. It is queued
//! like any message, with the null sender `<>`, so it is delivered never twice, and a
//! failed report is never reported itself.

use crate::envelope::Envelope;
use crate::spool::Record;

/// Whether `record`'s failure gets a report: it has an envelope sender (not `<>`) and is
/// not itself an automatic message (RFC 3834 `Auto-Submitted`, checked by the caller).
pub fn wanted(record: &Record, auto_submitted: bool) -> bool {
    !record.envelope.mail_from.trim().is_empty() && !auto_submitted
}

/// The report's envelope: from `<>` to the sender, sent from `mailbox`.
pub fn envelope(record: &Record, mailbox: &str) -> Envelope {
    let mut envelope = Envelope::new("", vec![record.envelope.mail_from.clone()]);
    envelope.mailbox = Some(mailbox.to_string());
    envelope
}

/// The report's MIME text. `original_headers` is the failed message's header section.
pub fn report(
    record: &Record,
    mailbox: &str,
    reason: &str,
    original_headers: &[u8],
    hostname: &str,
) -> Vec<u8> {
    let boundary = format!("=_bounce_{}", record.id);
    let subject = record.subject.as_deref().unwrap_or("(no subject)");
    let reason = reason.replace(['\r', '\n'], " ");
    let mut out = format!(
        "From: Mail Delivery System <{mailbox}>\r\n\
         To: <{sender}>\r\n\
         Subject: Undeliverable: {subject}\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"{boundary}\"\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Your message {message_id} (queue id {id}) could not be delivered to:\r\n\
         \r\n{rcpts}\r\n\
         \r\n\
         Reason: {reason}\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; {hostname}\r\n",
        sender = record.envelope.mail_from,
        message_id = record.message_id,
        id = record.id,
        rcpts = record
            .envelope
            .rcpt_to
            .iter()
            .map(|r| format!("  {r}"))
            .collect::<Vec<_>>()
            .join("\r\n"),
    );
    for rcpt in &record.envelope.rcpt_to {
        out.push_str(&format!(
            "\r\nFinal-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: 5.0.0\r\n\
             Diagnostic-Code: x-graph; {reason}\r\n"
        ));
    }
    out.push_str(&format!(
        "\r\n--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(original_headers);
    bytes.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    bytes
}
