//! The master category list, `…/outlook/masterCategories` (GRAPH-FACTS-2 §7.3;
//! openapi-fragments/paths/user-masterCategories.yaml). Docs: "List masterCategories"
//! <https://learn.microsoft.com/graph/api/outlookuser-list-mastercategories>, "Create
//! outlookCategory" <https://learn.microsoft.com/graph/api/outlookuser-post-mastercategories>
//! (201), "Update outlookCategory" <https://learn.microsoft.com/graph/api/outlookcategory-update>
//! (200, `color` only), "Delete outlookCategory"
//! <https://learn.microsoft.com/graph/api/outlookcategory-delete> (204).

use serde::Serialize;

use super::by_id::ById;
use super::{List, Mailbox};
use crate::client::Request;
use crate::error::{InvalidRequest, Result};
use crate::models::{CategoryColor, OutlookCategory};

impl Mailbox {
    /// The mailbox's master category list: the names (and colours) items can be
    /// categorised with. Reading needs `MailboxSettings.Read`, changing it
    /// `MailboxSettings.ReadWrite` (delegated or application).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::CategoryColor;
    /// let categories = client.user("adele@contoso.com").master_categories();
    /// let created = categories.create("Project expenses", CategoryColor::Preset9).await?;
    /// for category in categories.list().collect().await? {
    ///     println!("{:?} {:?}", category.display_name, category.color);
    /// }
    /// categories.update_color(created.id.as_deref().unwrap(), CategoryColor::Preset15).await?;
    /// # Ok(()) }
    /// ```
    pub fn master_categories(&self) -> MasterCategories {
        MasterCategories {
            mailbox: self.clone(),
        }
    }
}

/// The master category list of a mailbox; from [`Mailbox::master_categories`].
///
/// A category's `displayName` cannot be changed once created (only its colour can). To
/// rename one: create the new name, re-tag the items that carry the old one (a message's
/// `categories`, e.g. with [`MessagePatch::categories`](crate::models::MessagePatch::categories)),
/// then delete the old one (GRAPH-FACTS-2 §8).
#[derive(Debug, Clone)]
pub struct MasterCategories {
    mailbox: Mailbox,
}

/// The body of a create or a colour change.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CategoryBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    color: &'a CategoryColor,
}

impl MasterCategories {
    fn by_id(&self) -> ById<'_> {
        ById::new(&self.mailbox, &["outlook", "masterCategories"], "category")
    }

    /// Every category (`GET …/outlook/masterCategories`); await it for the first page or
    /// [`collect`](List::collect) them all.
    pub fn list(&self) -> List<OutlookCategory> {
        self.by_id().list("listMasterCategories")
    }

    /// One category by id (`GET …/outlook/masterCategories/{id}`).
    pub async fn get(&self, id: &str) -> Result<OutlookCategory> {
        self.by_id().get("getMasterCategory", id).await
    }

    /// Adds a category (`POST …/outlook/masterCategories`, 201) and returns it with its id.
    /// The name must be new to the mailbox (Graph refuses a duplicate); an empty name or
    /// an [`Other`](CategoryColor::Other) colour is refused before sending.
    pub async fn create(
        &self,
        display_name: impl Into<String>,
        color: CategoryColor,
    ) -> Result<OutlookCategory> {
        let display_name = display_name.into();
        if display_name.trim().is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: "a category needs a displayName".into(),
            }
            .into());
        }
        check_color(&color)?;
        let body = CategoryBody {
            display_name: Some(&display_name),
            color: &color,
        };
        let request = Request::post("createMasterCategory", self.by_id().path(None)).json(&body)?;
        self.mailbox.client.send(request).await?.item()
    }

    /// Changes a category's colour, the only property Graph lets change
    /// (`PATCH …/outlook/masterCategories/{id}` with `{"color": …}`, 200).
    pub async fn update_color(&self, id: &str, color: CategoryColor) -> Result<OutlookCategory> {
        let by_id = self.by_id();
        by_id.check_id(id)?;
        check_color(&color)?;
        let body = CategoryBody {
            display_name: None,
            color: &color,
        };
        let request = Request::patch("updateMasterCategory", by_id.path(Some(id))).json(&body)?;
        self.mailbox.client.send(request).await?.item()
    }

    /// Removes a category from the list (`DELETE …/outlook/masterCategories/{id}`, 204).
    /// Items keep the name in their `categories`.
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.by_id().delete("deleteMasterCategory", id).await
    }
}

/// Only the 26 documented colours are sent: a value read as `Other` is Graph's to define.
fn check_color(color: &CategoryColor) -> std::result::Result<(), InvalidRequest> {
    if let CategoryColor::Other(value) = color {
        return Err(InvalidRequest::InvalidValue {
            reason: format!("{value:?} is not a categoryColor"),
        });
    }
    Ok(())
}
