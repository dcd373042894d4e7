//! Runs a watch's delta round ([`CatchUp`]) and hands back items with their versions, for
//! the duplicate filter.

use super::event::SyncedItem;
use super::spec::CatchUp;
use crate::api::{Mailbox, SyncItem, SyncQuery};
use crate::client::GraphClient;
use crate::error::Result;
use crate::models::{Event, MailboxRef, Message};

/// One delta round's outcome.
#[derive(Debug, Default)]
pub(crate) struct CatchUpResult {
    /// (id, version = `changeKey`, item) of every item added or changed.
    pub(crate) changed: Vec<(String, String, SyncedItem)>,
    /// Ids of removed items.
    pub(crate) removed: Vec<String>,
    /// The link the next round starts from.
    pub(crate) delta_link: Option<String>,
    /// True when the round started from scratch (no link, or the link had expired):
    /// `changed` is then everything there is.
    pub(crate) reset: bool,
}

fn mailbox(client: &GraphClient, mailbox: &MailboxRef) -> Mailbox {
    match mailbox {
        MailboxRef::User(id) => client.user(id.clone()),
        _ => client.me(),
    }
}

/// Runs one round from `link` (from scratch without one); `None` for [`CatchUp::None`].
pub(crate) async fn run(
    client: &GraphClient,
    catch_up: &CatchUp,
    link: Option<String>,
) -> Result<Option<CatchUpResult>> {
    let result = match catch_up {
        CatchUp::None => return Ok(None),
        CatchUp::FolderMessages {
            mailbox: owner,
            folder,
        } => {
            let query = mailbox(client, owner).sync_messages(folder.clone());
            round(
                query,
                link,
                |m: &Message| (&m.id, &m.change_key),
                |m| SyncedItem::Message(Box::new(m)),
            )
            .await?
        }
        CatchUp::Events {
            mailbox: owner,
            start,
            end,
        } => {
            let query = mailbox(client, owner).sync_events(*start, *end);
            round(
                query,
                link,
                |e: &Event| (&e.id, &e.change_key),
                |e| SyncedItem::Event(Box::new(e)),
            )
            .await?
        }
    };
    Ok(Some(result))
}

/// One round of `query` from `link`: each item with its id and version (`changeKey`).
async fn round<T: SyncItem>(
    mut query: SyncQuery<T>,
    link: Option<String>,
    keys: impl Fn(&T) -> (&Option<String>, &Option<String>),
    item: impl Fn(T) -> SyncedItem,
) -> Result<CatchUpResult> {
    if let Some(link) = &link {
        query = query.resume(link.clone());
    }
    let result = query.send().await?;
    let changed = result
        .changed
        .into_iter()
        .map(|changed| {
            let (id, version) = keys(&changed);
            let (id, version) = (
                id.clone().unwrap_or_default(),
                version.clone().unwrap_or_default(),
            );
            (id, version, item(changed))
        })
        .collect();
    Ok(CatchUpResult {
        changed,
        removed: result.removed,
        delta_link: result.delta_link,
        reset: link.is_none() || result.reset,
    })
}
