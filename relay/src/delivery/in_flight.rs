//! The messages this process is handling right now. A claim's lease can run out while its
//! message still waits (for a slot of its mailbox behind a slow send) or is being sent; the
//! spool then hands it out again, and the second claim must not act on it: it would send
//! the message a second time, or resend one the first attempt left unknown.

use crate::spool::QueueId;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The set of queue ids being handled. Cheap to clone; holds only what is in flight.
#[derive(Debug, Clone, Default)]
pub struct InFlight {
    ids: Arc<Mutex<HashSet<QueueId>>>,
}

/// Marks one message as handled until dropped.
#[derive(Debug)]
pub struct Handling {
    ids: Arc<Mutex<HashSet<QueueId>>>,
    id: QueueId,
}

impl InFlight {
    /// The ids being handled now (their claims are renewed while they are).
    pub fn ids(&self) -> Vec<QueueId> {
        let ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        ids.iter().cloned().collect()
    }

    /// Starts handling `id`; `None` when it is already being handled.
    pub fn enter(&self, id: &QueueId) -> Option<Handling> {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        ids.insert(id.clone()).then(|| Handling {
            ids: self.ids.clone(),
            id: id.clone(),
        })
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        ids.remove(&self.id);
    }
}
