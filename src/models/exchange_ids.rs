//! Exchange id formats and the results of `translateExchangeIds` (GRAPH-FACTS-2 §7.6;
//! resources `convertIdResult`, <https://learn.microsoft.com/graph/api/resources/convertidresult>,
//! and `exchangeIdFormat`), EWS's `ConvertId`.

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use super::GenericError;

wire_enum! {
    /// `exchangeIdFormat`: a form of an Outlook item's id.
    pub enum ExchangeIdFormat {
        /// `entryId`: MAPI's binary entry id (URL-safe base64, see the docs).
        EntryId = "entryId",
        /// `ewsId`: the id EWS uses (`ItemId`).
        EwsId = "ewsId",
        /// `immutableEntryId`: a MAPI-compatible binary id that survives moves.
        ImmutableEntryId = "immutableEntryId",
        /// `restId`: Graph's default id, which changes when the item moves to another folder.
        RestId = "restId",
        /// `restImmutableEntryId`: Graph's immutable id, as with `Prefer: IdType="ImmutableId"`.
        RestImmutableEntryId = "restImmutableEntryId",
    }
}

/// `convertIdResult`: the result of one id of a `translateExchangeIds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConvertIdResult {
    /// The id given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The converted id; absent when the conversion failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// Why the conversion failed; absent when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_details: Option<GenericError>,
}

impl ConvertIdResult {
    /// The converted id, or why there is none.
    pub fn result(&self) -> Result<&str, &GenericError> {
        match (&self.target_id, &self.error_details) {
            (_, Some(error)) => Err(error),
            (Some(id), None) => Ok(id),
            (None, None) => Err(&NO_TARGET_ID),
        }
    }
}

/// Neither `targetId` nor `errorDetails`: not what Graph documents.
static NO_TARGET_ID: GenericError = GenericError {
    code: None,
    message: None,
};
