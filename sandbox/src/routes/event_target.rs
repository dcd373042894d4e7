//! Which stored event a request about an event id acts on (shared by the event
//! handlers and the meeting actions): visibility for delegates, and occurrence ids
//! made exceptions on their first change ([`crate::calendar::series`]).

use super::request::MailRequest;
use crate::calendar::{parse_occurrence_id, series, CalRef};
use crate::graph_error::GraphError;
use crate::store::Store;

/// Index of the stored event a write to `id` acts on, and whether it was just made
/// an exception (an occurrence id: the occurrence becomes an exception on its first
/// change, [`series`]). The caller [`series::discard`]s a new exception when the
/// change is refused.
pub(super) fn stored_index(
    req: &MailRequest<'_>,
    store: &mut Store,
    cal: &CalRef,
    id: &str,
) -> Result<(usize, bool), GraphError> {
    let master = parse_occurrence_id(id).map_or_else(|| id.to_string(), |(m, _)| m);
    if visible_index(req, store, cal, &master).is_none()
        && visible_index(req, store, cal, id).is_none()
    {
        return Err(GraphError::item_not_found());
    }
    series::for_write(store, req.user_idx, cal, id).ok_or_else(GraphError::item_not_found)
}

/// Runs `change` on the event `id` resolves to; a just-made exception is discarded
/// again when the change fails, so a refused write leaves nothing behind.
pub(super) fn with_event<T>(
    req: &MailRequest<'_>,
    store: &mut Store,
    cal: &CalRef,
    id: &str,
    change: impl FnOnce(&mut Store, usize) -> Result<T, GraphError>,
) -> Result<T, GraphError> {
    let (idx, created) = stored_index(req, store, cal, id)?;
    let result = change(store, idx);
    if result.is_err() && created {
        series::discard(store, req.user_idx, idx);
    }
    result
}

/// Index of a live stored event `id` of `cal` the caller may see.
pub(super) fn visible_index(
    req: &MailRequest<'_>,
    store: &Store,
    cal: &CalRef,
    id: &str,
) -> Option<usize> {
    let user = &store.users[req.user_idx];
    user.event_index(cal, id)
        .filter(|&i| req.can_see(store, &user.events[i]))
}
