//! Delta query state as stored (data only; the rounds are run by [`crate::delta`]).

use std::collections::HashMap;

use serde_json::Value;

/// What the delta link of a round stands for.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub user_id: String,
    /// What the token tracks (a folder id, a calendar view).
    pub scope: String,
    /// `id → changeKey` of the items at the end of the round.
    pub items: HashMap<String, String>,
    /// The initial request's options (`$select`, window, …).
    pub query: Value,
}

/// The remaining pages of one round, behind a skip token.
#[derive(Debug, Clone)]
pub(crate) struct Pages {
    pub remaining: Vec<Value>,
    pub page_size: usize,
    /// The snapshot the final delta link will stand for.
    pub snapshot: Snapshot,
}
