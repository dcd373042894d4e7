//! The bounded channel to the application. Room for a whole POST is reserved before it is
//! answered, so a POST is either taken whole or refused whole (and redelivered by Graph).

use tokio::sync::mpsc::{OwnedPermit, Sender};

use super::Notification;

/// Places reserved in the channel; unused ones are given back when dropped.
pub(crate) struct Reserved {
    permits: Vec<OwnedPermit<Notification>>,
}

impl Reserved {
    /// Puts `notification` into one reserved place. Returns `false` when none is left
    /// (never, when reserved for as many notifications as there are).
    pub(crate) fn send(&mut self, notification: Notification) -> bool {
        match self.permits.pop() {
            Some(permit) => {
                permit.send(notification);
                true
            }
            None => false,
        }
    }
}

/// Reserves `n` places, all or none: `None` when the channel has fewer free places (the
/// application is behind) or is closed.
pub(crate) fn reserve(tx: &Sender<Notification>, n: usize) -> Option<Reserved> {
    let mut permits = Vec::with_capacity(n.min(tx.max_capacity()));
    for _ in 0..n {
        // Owned permits, so a spawned task can fill them after the POST was answered.
        permits.push(tx.clone().try_reserve_owned().ok()?);
    }
    Some(Reserved { permits })
}
