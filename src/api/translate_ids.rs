//! `POST …/translateExchangeIds` (GRAPH-FACTS-2 §7.6; "user: translateExchangeIds",
//! <https://learn.microsoft.com/graph/api/user-translateexchangeids>): EWS's `ConvertId`, for
//! programs that stored EWS `ItemId`s and move to Graph.

use serde::Serialize;

use super::chunked::post_in_chunks;
use super::query::strings;
use super::Mailbox;
use crate::error::{InvalidRequest, Result};
use crate::models::{ConvertIdResult, ExchangeIdFormat, GenericError};

/// Ids per `translateExchangeIds` call: "Maximum size of this collection is 1000 strings"
/// (docs, "user: translateExchangeIds"). Longer lists go in several calls.
pub const MAX_TRANSLATE_IDS: usize = 1000;

impl Mailbox {
    /// Converts ids of this mailbox's items from one format to another
    /// (`POST …/translateExchangeIds`): one [`ConvertIdResult`] per id, in the order given,
    /// with the new id or, per id, why it could not be converted. All ids must be of the
    /// `from` format and of items in this mailbox (docs). More than [`MAX_TRANSLATE_IDS`] ids
    /// are sent in several calls, one after the other. Needs `User.ReadBasic.All` or
    /// `User.Read` (delegated); the docs page read lists application permissions as not
    /// supported (GRAPH-FACTS-2 §7.6 read an older list with `User.Read.All`) \[unconfirmed\].
    ///
    /// To leave EWS: convert the stored `ewsId`s once to `restImmutableEntryId`, store
    /// those, and build the client with
    /// [`GraphClientBuilder::immutable_ids`](crate::GraphClientBuilder::immutable_ids) so
    /// that every id Graph answers is of that form and survives moves between folders.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::ExchangeIdFormat;
    /// let stored_ews_ids = vec!["AAMkAGVmMDEz…".to_string()];
    /// let results = client
    ///     .me()
    ///     .translate_exchange_ids(
    ///         stored_ews_ids,
    ///         ExchangeIdFormat::EwsId,
    ///         ExchangeIdFormat::RestImmutableEntryId,
    ///     )
    ///     .await?;
    /// for result in results {
    ///     match result.result() {
    ///         Ok(id) => println!("{:?} -> {id}", result.source_id),
    ///         Err(e) => println!("{:?} not converted: {:?}", result.source_id, e.code),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn translate_exchange_ids<I, S>(
        &self,
        ids: I,
        from: ExchangeIdFormat,
        to: ExchangeIdFormat,
    ) -> TranslateExchangeIds
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        TranslateExchangeIds {
            mailbox: self.clone(),
            ids: strings(ids),
            from,
            to,
        }
    }
}

/// The action's parameters, camelCase as the docs write them (the CSDL spells them
/// PascalCase, GRAPH-FACTS-2 §7.6).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TranslateBody<'a> {
    input_ids: &'a [String],
    source_id_type: &'a str,
    target_id_type: &'a str,
}

/// Converts ids; from [`Mailbox::translate_exchange_ids`]. Await it for one
/// [`ConvertIdResult`] per id. A read, so retried like one.
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct TranslateExchangeIds {
    mailbox: Mailbox,
    ids: Vec<String>,
    from: ExchangeIdFormat,
    to: ExchangeIdFormat,
}

impl TranslateExchangeIds {
    fn check(&self) -> std::result::Result<(), InvalidRequest> {
        let invalid = |reason: String| InvalidRequest::InvalidValue { reason };
        if self.ids.is_empty() {
            return Err(invalid("translateExchangeIds needs at least one id".into()));
        }
        if self.ids.iter().any(|id| id.trim().is_empty()) {
            return Err(invalid("translateExchangeIds: an id is empty".into()));
        }
        for format in [&self.from, &self.to] {
            if let ExchangeIdFormat::Other(name) = format {
                return Err(invalid(format!(
                    "{name:?} is not an exchangeIdFormat Graph documents"
                )));
            }
        }
        Ok(())
    }

    /// Sends it: one call per [`MAX_TRANSLATE_IDS`] ids, in order. Every id is checked
    /// before the first call; a failed call ends the whole conversion.
    pub async fn send(self) -> Result<Vec<ConvertIdResult>> {
        self.check()?;
        post_in_chunks(
            &self.mailbox,
            "translateExchangeIds",
            &self.ids,
            MAX_TRANSLATE_IDS,
            |request, chunk| {
                request.json(&TranslateBody {
                    input_ids: chunk,
                    source_id_type: self.from.as_str(),
                    target_id_type: self.to.as_str(),
                })
            },
            in_input_order,
        )
        .await
    }
}

await_sends!(TranslateExchangeIds => Vec<ConvertIdResult>);

/// One result per input id, in input order, matched on `sourceId` (the docs do not say
/// Graph keeps the order). An id Graph answered nothing for gets a result with
/// `errorDetails` that has no code and a message of this crate's own.
fn in_input_order(ids: &[String], mut answered: Vec<ConvertIdResult>) -> Vec<ConvertIdResult> {
    let in_order = answered.len() == ids.len()
        && answered
            .iter()
            .zip(ids)
            .all(|(r, id)| r.source_id.as_deref() == Some(id));
    if in_order {
        return answered;
    }
    ids.iter()
        .map(|id| {
            match answered
                .iter()
                .position(|r| r.source_id.as_deref() == Some(id))
            {
                Some(at) => answered.swap_remove(at),
                None => ConvertIdResult {
                    source_id: Some(id.clone()),
                    target_id: None,
                    error_details: Some(GenericError {
                        code: None,
                        message: Some("Graph's answer had no result for this id".into()),
                    }),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(source: &str, target: &str) -> ConvertIdResult {
        ConvertIdResult {
            source_id: Some(source.into()),
            target_id: Some(target.into()),
            error_details: None,
        }
    }

    #[test]
    fn results_follow_the_input_order_and_missing_ones_are_errors() {
        let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let answered = vec![result("c", "C"), result("a", "A")];
        let ordered = in_input_order(&ids, answered);
        let sources: Vec<_> = ordered.iter().map(|r| r.source_id.as_deref()).collect();
        assert_eq!(sources, [Some("a"), Some("b"), Some("c")]);
        assert_eq!(ordered[0].result(), Ok("A"));
        assert_eq!(ordered[2].result(), Ok("C"));
        assert_eq!(
            ordered[1].result().unwrap_err().message.as_deref(),
            Some("Graph's answer had no result for this id")
        );
    }
}
