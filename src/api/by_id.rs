//! A mailbox collection whose members are addressed by id, `{collection}/{id}`: the paths,
//! the refusal of an empty id (it would address the collection itself), and the list, get
//! and delete that are the same for every such collection (master categories, Inbox rules).

use serde::de::DeserializeOwned;

use super::{List, Mailbox};
use crate::client::Request;
use crate::error::{InvalidRequest, Result};
use crate::models::Sourced;

/// One collection of `mailbox`, e.g. `["outlook", "masterCategories"]`, whose members are
/// called `kind` in error messages ("the `kind` id is empty").
#[derive(Debug, Clone, Copy)]
pub(crate) struct ById<'a> {
    pub(crate) mailbox: &'a Mailbox,
    collection: &'static [&'static str],
    kind: &'static str,
}

impl<'a> ById<'a> {
    pub(crate) fn new(
        mailbox: &'a Mailbox,
        collection: &'static [&'static str],
        kind: &'static str,
    ) -> Self {
        ById {
            mailbox,
            collection,
            kind,
        }
    }

    /// `…/{collection}` (`None`) or `…/{collection}/{id}`.
    pub(crate) fn path(&self, id: Option<&str>) -> Vec<String> {
        let mut segments = self.collection.to_vec();
        segments.extend(id);
        self.mailbox.target.path(&segments)
    }

    /// An empty (or blank) id is refused before anything is sent.
    pub(crate) fn check_id(&self, id: &str) -> std::result::Result<(), InvalidRequest> {
        if id.trim().is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: format!("the {} id is empty", self.kind),
            });
        }
        Ok(())
    }

    /// Every member (`GET …/{collection}`), paged.
    pub(crate) fn list<T>(&self, operation: &'static str) -> List<T>
    where
        T: DeserializeOwned + Sourced + Send + 'static,
    {
        List::new(self.mailbox.client.clone(), operation, self.path(None))
    }

    /// One member (`GET …/{collection}/{id}`).
    pub(crate) async fn get<T>(&self, operation: &'static str, id: &str) -> Result<T>
    where
        T: DeserializeOwned + Sourced,
    {
        self.check_id(id)?;
        let request = Request::get(operation, self.path(Some(id)));
        self.mailbox.client.send(request).await?.item()
    }

    /// Deletes a member (`DELETE …/{collection}/{id}`, 204).
    pub(crate) async fn delete(&self, operation: &'static str, id: &str) -> Result<()> {
        self.check_id(id)?;
        let request = Request::delete(operation, self.path(Some(id)));
        self.mailbox.client.send(request).await?.no_content()
    }
}
