//! Inbox rules, `…/mailFolders/inbox/messageRules` (GRAPH-FACTS-2 §7.2;
//! openapi-fragments/paths/user-messageRules.yaml). Docs: "List rules"
//! <https://learn.microsoft.com/graph/api/mailfolder-list-messagerules>, "Create rule"
//! <https://learn.microsoft.com/graph/api/mailfolder-post-messagerules> (201), "Update
//! messageRule" <https://learn.microsoft.com/graph/api/messagerule-update> (200), "Delete
//! messageRule" <https://learn.microsoft.com/graph/api/messagerule-delete> (204).

use super::by_id::ById;
use super::{List, Mailbox};
use crate::client::Request;
use crate::error::Result;
use crate::models::{MessageRule, MessageRulePatch};

impl Mailbox {
    /// The mailbox's Inbox rules (EWS `GetInboxRules` / `UpdateInboxRules`). Reading
    /// needs `MailboxSettings.Read`, changing them `MailboxSettings.ReadWrite` (delegated
    /// or application).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::{MessageRule, MessageRuleActions, MessageRulePredicates};
    /// let rules = client.me().message_rules();
    /// let rule = rules
    ///     .create(
    ///         MessageRule::new("Invoices from Adele", 1)
    ///             .when(MessageRulePredicates::new().sender_contains(["adele"]).subject_contains(["invoice"]))
    ///             .then(MessageRuleActions::new().move_to_folder("AAMkAGI2…").mark_as_read().stop_processing_rules()),
    ///     )
    ///     .await?;
    /// for rule in rules.list().collect().await? {
    ///     println!("{} {:?}", rule.sequence.unwrap_or_default(), rule.display_name);
    /// }
    /// rules.delete(rule.id.as_deref().unwrap()).await?;
    /// # Ok(()) }
    /// ```
    pub fn message_rules(&self) -> MessageRules {
        MessageRules {
            mailbox: self.clone(),
        }
    }
}

/// The Inbox rules of a mailbox; from [`Mailbox::message_rules`].
#[derive(Debug, Clone)]
pub struct MessageRules {
    mailbox: Mailbox,
}

impl MessageRules {
    fn by_id(&self) -> ById<'_> {
        ById::new(
            &self.mailbox,
            &["mailFolders", "inbox", "messageRules"],
            "rule",
        )
    }

    /// Every rule (`GET …/mailFolders/inbox/messageRules`); await it for the first page
    /// or [`collect`](List::collect) them all.
    pub fn list(&self) -> List<MessageRule> {
        self.by_id().list("listMessageRules")
    }

    /// One rule by id (`GET …/messageRules/{id}`).
    pub async fn get(&self, id: &str) -> Result<MessageRule> {
        self.by_id().get("getMessageRule", id).await
    }

    /// Adds a rule (`POST …/messageRules`, 201) and returns it as Exchange stored it (with
    /// its id; words may come back upper-cased). Refused before sending: no or an empty
    /// `displayName`, no or a negative `sequence`, no action, empty words or folder ids,
    /// addresses that are not `local@domain`, an inverted size range.
    pub async fn create(&self, rule: MessageRule) -> Result<MessageRule> {
        rule.check_create()?;
        let request = Request::post("createMessageRule", self.by_id().path(None)).json(&rule)?;
        self.mailbox.client.send(request).await?.item()
    }

    /// Changes only what `patch` sets (`PATCH …/messageRules/{id}`, 200) and returns the
    /// rule. An empty patch is refused before sending, as are the values
    /// [`create`](Self::create) refuses.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::MessageRulePatch;
    /// let rule = client
    ///     .me()
    ///     .message_rules()
    ///     .update("AQAAAJ5dZqA=", MessageRulePatch::new().enabled(false))
    ///     .await?;
    /// assert_eq!(rule.is_enabled, Some(false));
    /// # Ok(()) }
    /// ```
    pub async fn update(&self, id: &str, patch: MessageRulePatch) -> Result<MessageRule> {
        let by_id = self.by_id();
        by_id.check_id(id)?;
        patch.check()?;
        let request = Request::patch("updateMessageRule", by_id.path(Some(id))).json(&patch)?;
        self.mailbox.client.send(request).await?.item()
    }

    /// Deletes a rule (`DELETE …/messageRules/{id}`, 204).
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.by_id().delete("deleteMessageRule", id).await
    }
}
