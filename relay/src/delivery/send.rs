//! The two ways a message is handed to Graph (issue 17 item 6): MIME in one `sendMail`,
//! or a draft built while the message streams from the spool, its attachments, then
//! `send`. The request that sends carries the attempt's `client-request-id`.

use super::draft;
use super::headers::{self, HeaderAddresses};
use super::lookup::{self, Found};
use super::mime_walk;
use super::recipients::Recipients;
use crate::config::SendAs;
use crate::spool::{Record, Spool};
use msgraph_outlook::{Accepted, Error, GraphClient};
use std::path::{Path, PathBuf};

/// How far a failed attempt got.
#[derive(Debug)]
pub enum Failure {
    /// Graph failed.
    Graph {
        /// What Graph (or the connection) said.
        error: Error,
        /// The request that sends (sendMail, or the draft's send) was made: Graph may have
        /// taken the message. Before it, nothing can have been sent.
        sent_requested: bool,
    },
    /// The relay could not prepare the message (its spool files): nothing was sent.
    Local(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Graph {
            error,
            sent_requested: true,
        }
    }
}

/// How a send ended well.
#[derive(Debug)]
pub enum Sent {
    /// Graph took the message now.
    Accepted(Accepted),
    /// Before sending again, an earlier attempt's copy was found in the mailbox (Sent Items
    /// or the Outbox): nothing more is sent.
    Earlier(Found),
}

/// Where the draft path decodes a message's parts while it is sent.
pub fn parts_dir(spool: &Spool) -> PathBuf {
    spool.dir().join("parts")
}

/// The queue id a draft-path attempt tagged its draft with.
pub fn draft_tag(record: &Record) -> Option<&str> {
    (record.path.as_deref() == Some("draft")).then(|| record.id.as_str())
}

/// One attempt's send: from `mailbox` to `recipients`.
#[derive(Debug, Clone, Copy)]
pub struct Send<'a> {
    /// Graph, without the client's retries.
    pub graph: &'a GraphClient,
    /// The sending mailbox.
    pub mailbox: &'a str,
    /// The envelope's recipients, split by the headers.
    pub recipients: &'a Recipients,
    /// Send As or on behalf.
    pub send_as: SendAs,
    /// The attempt's `client-request-id`.
    pub client_request_id: &'a str,
}

impl Send<'_> {
    /// The MIME path: `raw` (the whole message) with its Bcc header rewritten.
    pub async fn mime(&self, raw: &[u8], addresses: &HeaderAddresses) -> Result<Sent, Failure> {
        let mailbox = self.mailbox;
        let header = &raw[..headers::header_end(raw)];
        // Graph takes the MIME's recipients from its headers (GRAPH-FACTS-2 §6.1): the
        // envelope-only ones go in a Bcc header, which Exchange does not pass on
        // (MS-OXCMAIL 2.1.3.1.1.2, learn.microsoft.com/en-us/openspecs/exchange_server_protocols/
        // ms-oxcmail/db4548ad-9075-415d-876a-0b88d1a8852e).
        let mut removed = vec!["Bcc"];
        let mut front = Vec::new();
        if !self.recipients.bcc.is_empty() {
            front.extend(headers::address_field("Bcc", &self.recipients.bcc));
        }
        let on_behalf = self.send_as == SendAs::Sender
            && addresses
                .from
                .as_ref()
                .is_some_and(|f| !f.address.eq_ignore_ascii_case(mailbox));
        if on_behalf {
            removed.push("Sender");
            front.extend(format!("Sender: <{mailbox}>\r\n").into_bytes());
        }
        let mut mime = front;
        mime.extend(headers::without_fields(header, &removed));
        mime.extend_from_slice(&raw[header.len()..]);
        Ok(Sent::Accepted(
            self.graph
                .user(mailbox)
                .send_mime(mime)
                .client_request_id(self.client_request_id)
                .send()
                .await?,
        ))
    }

    /// The draft path: `record`'s message walked from `spool` into `dir`, created as a
    /// draft tagged with its queue id, attachments added, sent.
    pub async fn draft(&self, spool: &Spool, record: &Record, dir: &Path) -> Result<Sent, Failure> {
        let (graph, mailbox) = (self.graph, self.mailbox);
        let before = |error: Error| Failure::Graph {
            error,
            sent_requested: false,
        };
        let local = |e: &dyn std::fmt::Display| Failure::Local(format!("reading the message: {e}"));
        let user = graph.user(mailbox);
        if record.attempts > 0 {
            // A draft left by an interrupted attempt is deleted, never sent: it may lack
            // attachments. A copy that reached Sent Items or the Outbox after the check
            // proved it absent means it went: not again.
            match lookup::find(graph, mailbox, &record.message_id, draft_tag(record))
                .await
                .map_err(before)?
            {
                Found::Drafts(id) => user.message(id).delete().await.map_err(before)?,
                Found::Absent => {}
                found => return Ok(Sent::Earlier(found)),
            }
        }
        let body = spool.open_body(record).await.map_err(|e| local(&e))?;
        let walked = mime_walk::walk(body, dir).await.map_err(|e| local(&e))?;
        let message = draft::build(
            &walked,
            &record.message_id,
            self.recipients,
            mailbox,
            self.send_as,
        )
        .extended_property(&lookup::queue_id_property(), record.id.as_str());
        let created = user.create_draft(message).await.map_err(before)?;
        let id = created.id.unwrap_or_default();
        if let Err(error) = draft::attach(graph, mailbox, &id, &walked.files).await {
            // Best effort: a draft that stays behind is deleted by the next attempt.
            let _ = user.message(id).delete().await;
            return Err(match error {
                draft::AttachError::Graph(e) => before(e),
                draft::AttachError::Io(e) => local(&e),
            });
        }
        Ok(Sent::Accepted(
            user.message(id)
                .send()
                .client_request_id(self.client_request_id)
                .send()
                .await?,
        ))
    }
}
