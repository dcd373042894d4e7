//! Finding a message again in the sending mailbox by its Message-ID, after an attempt
//! whose outcome is unknown (issue 17 item 7): `$filter=internetMessageId eq '<…>'` in
//! Sent Items, the Outbox and Drafts (GRAPH-FACTS-2 §6.2: the filter finds sent copies;
//! the value is URL-encoded by the client).

use msgraph_outlook::models::WellKnownFolder;
use msgraph_outlook::{GraphClient, Result};

/// Where the message was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// In Sent Items: Graph took it.
    SentItems,
    /// In the Outbox: Graph took it and Exchange is sending it (paced).
    Outbox,
    /// Only in Drafts: a draft left by an attempt that did not get to `send` (or a MIME
    /// send still being processed); its id.
    Drafts(String),
    /// Nowhere.
    Absent,
}

impl Found {
    /// The log's words for it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Found::SentItems => "found in Sent Items",
            Found::Outbox => "found in Outbox",
            Found::Drafts(_) => "found in Drafts",
            Found::Absent => "absent",
        }
    }
}

/// The OData filter for a Message-ID (single quotes doubled, as OData strings want).
pub fn filter(message_id: &str) -> String {
    format!("internetMessageId eq '{}'", message_id.replace('\'', "''"))
}

/// Looks for `message_id` in `mailbox`'s Sent Items, then Outbox, then Drafts.
pub async fn find(graph: &GraphClient, mailbox: &str, message_id: &str) -> Result<Found> {
    let folders = [
        WellKnownFolder::SentItems,
        WellKnownFolder::Outbox,
        WellKnownFolder::Drafts,
    ];
    for folder in folders {
        let page = graph
            .user(mailbox)
            .list_messages()
            .in_folder(folder)
            .filter(filter(message_id))
            .select(["id", "internetMessageId"])
            .top(1)
            .await?;
        if let Some(message) = page.value.into_iter().next() {
            return Ok(match folder {
                WellKnownFolder::SentItems => Found::SentItems,
                WellKnownFolder::Outbox => Found::Outbox,
                _ => Found::Drafts(message.id.unwrap_or_default()),
            });
        }
    }
    Ok(Found::Absent)
}
