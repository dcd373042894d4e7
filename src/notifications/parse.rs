//! The body of a notification POST, parsed and sorted (GRAPH-FACTS-2 §2.1, §3, §4.2).

use crate::models::ChangeNotificationCollection;

/// A parsed POST body.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) collection: ChangeNotificationCollection,
}

impl Parsed {
    /// Rich notifications (encrypted resource data or `validationTokens`) are answered
    /// first and checked afterwards (GRAPH-FACTS-2 §0.5).
    pub(crate) fn is_rich(&self) -> bool {
        self.collection.validation_tokens.is_some()
            || self
                .collection
                .value
                .iter()
                .any(|n| n.encrypted_content.is_some())
    }
}

/// Parses `bytes` as a `changeNotificationCollection`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed, serde_json::Error> {
    let collection: ChangeNotificationCollection = serde_json::from_slice(bytes)?;
    Ok(Parsed { collection })
}
