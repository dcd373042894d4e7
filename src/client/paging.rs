//! Collections come in pages; the next page is fetched only from the Graph origin.

use futures_util::stream::{self, Stream, TryStreamExt};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::request::Request;
use super::GraphClient;
use crate::error::Result;
use crate::models::{null_as_default, Sourced};

/// One page of a Graph collection (`{"value": [...], "@odata.nextLink": "..."}`).
///
/// ```
/// use msgraph_outlook::models::Message;
/// use msgraph_outlook::Page;
/// let page: Page<Message> = serde_json::from_str(
///     r#"{"value":[{"subject":"Hi"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/me/messages?$skip=10"}"#,
/// ).unwrap();
/// assert_eq!(page.value[0].subject.as_deref(), Some("Hi"));
/// assert!(page.next_link.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    #[serde(default, deserialize_with = "null_as_default")]
    pub value: Vec<T>,
    /// Where the next page is, if any.
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
    /// The link to store for the next sync (delta queries), on the last page.
    #[serde(rename = "@odata.deltaLink", default)]
    pub delta_link: Option<String>,
}

impl GraphClient {
    /// Fetches the page after `page`, or `None` on the last page.
    ///
    /// The bearer token goes only to the configured Graph origin: a next link elsewhere is
    /// refused with [`Error::ForeignLink`](crate::Error::ForeignLink) and not requested.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let mut page = client.me().list_messages().in_folder("inbox").top(50).send().await?;
    /// loop {
    ///     for message in &page.value {
    ///         println!("{:?}", message.subject);
    ///     }
    ///     match client.next_page(&page).await? {
    ///         Some(next) => page = next,
    ///         None => break,
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next_page<T: DeserializeOwned + Sourced>(
        &self,
        page: &Page<T>,
    ) -> Result<Option<Page<T>>> {
        let Some(link) = &page.next_link else {
            return Ok(None);
        };
        let request = Request::follow("nextPage", link.clone());
        Ok(Some(self.send(request).await?.item()?))
    }

    /// Every page of a collection, first one from `first`, fetched lazily one at a time as
    /// the stream is polled (memory stays at one page). Next links get the preferences of
    /// `first` (`Prefer` is a header: a link does not carry it, and Graph applies
    /// `odata.maxpagesize`, `outlook.timezone` and `outlook.body-content-type` per request).
    pub(crate) fn pages<T>(
        &self,
        first: Request,
    ) -> impl Stream<Item = Result<Page<T>>> + Send + 'static
    where
        T: DeserializeOwned + Sourced + Send + 'static,
    {
        let client = self.clone();
        stream::try_unfold(Some(first), move |next| {
            let client = client.clone();
            async move {
                let Some(request) = next else {
                    return Ok(None);
                };
                let prefer = request.prefer.clone();
                let page: Page<T> = client.send(request).await?.item()?;
                let following = page.next_link.clone().map(|link| {
                    let mut request = Request::follow("nextPage", link);
                    request.prefer = prefer;
                    request
                });
                Ok(Some((page, following)))
            }
        })
    }

    /// Every item of a collection, page after page.
    pub(crate) fn items<T>(&self, first: Request) -> impl Stream<Item = Result<T>> + Send + 'static
    where
        T: DeserializeOwned + Sourced + Send + 'static,
    {
        self.pages::<T>(first)
            .map_ok(|page| stream::iter(page.value.into_iter().map(Ok)))
            .try_flatten()
    }
}
