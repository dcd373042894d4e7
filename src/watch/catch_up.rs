//! Runs a watch's delta round ([`CatchUp`]) and hands back items with their versions, for
//! the duplicate filter.

use super::event::SyncedItem;
use super::spec::CatchUp;
use crate::api::Mailbox;
use crate::client::GraphClient;
use crate::error::Result;
use crate::models::MailboxRef;

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
    match catch_up {
        CatchUp::None => Ok(None),
        CatchUp::FolderMessages {
            mailbox: owner,
            folder,
        } => {
            let mut request = mailbox(client, owner).sync_messages(folder.clone());
            if let Some(link) = &link {
                request = request.resume(link.clone());
            }
            let result = request.send().await?;
            let changed = result
                .changed
                .into_iter()
                .map(|message| {
                    let id = message.id.clone().unwrap_or_default();
                    let version = message.change_key.clone().unwrap_or_default();
                    (id, version, SyncedItem::Message(Box::new(message)))
                })
                .collect();
            Ok(Some(CatchUpResult {
                changed,
                removed: result.removed,
                delta_link: result.delta_link,
                reset: link.is_none() || result.reset,
            }))
        }
        CatchUp::Events {
            mailbox: owner,
            start,
            end,
        } => {
            let mut request = mailbox(client, owner).sync_events(*start, *end);
            if let Some(link) = &link {
                request = request.resume(link.clone());
            }
            let result = request.send().await?;
            let changed = result
                .changed
                .into_iter()
                .map(|event| {
                    let id = event.id.clone().unwrap_or_default();
                    let version = event.change_key.clone().unwrap_or_default();
                    (id, version, SyncedItem::Event(Box::new(event)))
                })
                .collect();
            Ok(Some(CatchUpResult {
                changed,
                removed: result.removed,
                delta_link: result.delta_link,
                reset: link.is_none() || result.reset,
            }))
        }
    }
}
