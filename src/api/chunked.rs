//! Actions that take a list and answer `{"value": [...]}` one per input (`getMailTips`,
//! `translateExchangeIds`), for lists longer than one call takes: one POST per chunk, one
//! after the other, the answers put together in input order.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::Mailbox;
use crate::client::Request;
use crate::error::Result;

/// `POST …/{action}` once per `max` of `inputs`, with the JSON body `with_body` puts on the
/// request for each chunk.
/// The action reads and changes nothing, so each POST is retried like a read. `answered`
/// gets each chunk and what Graph answered for it, and gives what to keep, in order. A
/// failed call ends the whole read.
pub(crate) async fn post_in_chunks<I, T>(
    mailbox: &Mailbox,
    action: &'static str,
    inputs: &[I],
    max: usize,
    with_body: impl Fn(Request, &[I]) -> Result<Request>,
    mut answered: impl FnMut(&[I], Vec<T>) -> Vec<T>,
) -> Result<Vec<T>>
where
    T: DeserializeOwned,
{
    #[derive(Deserialize)]
    #[serde(bound(deserialize = "T: DeserializeOwned"))]
    struct Answer<T> {
        #[serde(default)]
        value: Vec<T>,
    }
    let mut all = Vec::with_capacity(inputs.len());
    for chunk in inputs.chunks(max) {
        let path = mailbox.target.path(&[action]);
        let request = with_body(Request::post(action, path), chunk)?.idempotent();
        let answer: Answer<T> = mailbox.client.send(request).await?.json()?;
        all.extend(answered(chunk, answer.value));
    }
    Ok(all)
}
