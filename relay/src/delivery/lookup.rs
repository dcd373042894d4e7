//! Finding a message again in the sending mailbox by its Message-ID, after an attempt
//! whose outcome is unknown (issue 17 item 7): `$filter=internetMessageId eq '<…>'` in
//! Sent Items, the Outbox and Drafts (GRAPH-FACTS-2 §6.2: the filter finds sent copies;
//! the value is URL-encoded by the client).

use msgraph_outlook::models::{ExtendedPropertyId, MapiPropertyType, WellKnownFolder};
use msgraph_outlook::{GraphClient, Result};

/// The named property the draft path tags its drafts with (the queue id): a second way to
/// find a message when its Message-ID was not kept (issue 17 item 7's fallback; filter form
/// of GRAPH-FACTS-2 §6.2).
pub fn queue_id_property() -> ExtendedPropertyId {
    ExtendedPropertyId::named(
        MapiPropertyType::String,
        "66f5a359-4659-4830-9070-00047ec6ac6e",
        "msgraph-relay-queue-id",
    )
    .expect("a valid named property id")
}

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

/// The OData filter for the queue id property.
pub fn queue_id_filter(queue_id: &str) -> String {
    format!(
        "singleValueExtendedProperties/any(ep: ep/id eq '{}' and ep/value eq '{}')",
        queue_id_property(),
        queue_id.replace('\'', "''")
    )
}

/// Looks for `message_id` in `mailbox`'s Sent Items, then Outbox, then Drafts; in each
/// folder also by `queue_id` (the draft path's property) when given.
pub async fn find(
    graph: &GraphClient,
    mailbox: &str,
    message_id: &str,
    queue_id: Option<&str>,
) -> Result<Found> {
    let folders = [
        WellKnownFolder::SentItems,
        WellKnownFolder::Outbox,
        WellKnownFolder::Drafts,
    ];
    for folder in folders {
        let filters = std::iter::once(filter(message_id)).chain(queue_id.map(queue_id_filter));
        let mut hit = None;
        for filter in filters {
            let page = graph
                .user(mailbox)
                .list_messages()
                .in_folder(folder)
                .filter(filter)
                .select(["id", "internetMessageId"])
                .top(1)
                .await?;
            hit = page.value.into_iter().next();
            if hit.is_some() {
                break;
            }
        }
        if let Some(message) = hit {
            return Ok(match folder {
                WellKnownFolder::SentItems => Found::SentItems,
                WellKnownFolder::Outbox => Found::Outbox,
                _ => Found::Drafts(message.id.unwrap_or_default()),
            });
        }
    }
    Ok(Found::Absent)
}
