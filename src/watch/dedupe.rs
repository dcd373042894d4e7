//! Passing each change on once: Graph redelivers (GRAPH-FACTS-2 §2.3), and a change can
//! arrive both as a notification and through delta catch-up.
//!
//! Keys are (watch, item id, version); the version is the item's etag without its `W/"…"`
//! wrapping, which equals the item's `changeKey` that delta returns. Notifications add their
//! `changeType` (GRAPH-FACTS-2 §2.3's key is subscriptionId + resource id + changeType +
//! etag; the watch stands for the subscription so a recreated subscription keeps its
//! history). Memory is bounded: the oldest keys are forgotten first.

use std::collections::{HashSet, VecDeque};

use crate::models::ChangeType;

/// How many keys are remembered by default.
pub(crate) const DEFAULT_CAPACITY: usize = 10_000;

/// How a version was seen.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Via {
    /// A notification of this change type.
    Notification(ChangeType),
    /// An item changed, seen through delta (the change type is not known there).
    Delta,
    /// An item removed (a `deleted` notification or a delta `@removed`).
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    watch: String,
    id: String,
    version: String,
    via: Via,
}

/// A bounded set of seen keys, oldest forgotten first.
#[derive(Debug)]
pub(crate) struct Seen {
    keys: HashSet<Key>,
    order: VecDeque<Key>,
    capacity: usize,
}

/// `W/"CQAAAB…"` → `CQAAAB…` (weak or strong, quoted or not).
pub(crate) fn version(etag: &str) -> &str {
    let etag = etag.trim();
    // An ETag is `W/"…"` or `"…"`; a changeKey is bare base64, which may itself begin with
    // `W/` (1 in 4,096): only the weak prefix *with its quote* is the ETag's.
    match etag.strip_prefix("W/\"") {
        Some(rest) => rest.strip_suffix('"').unwrap_or(rest),
        None => etag.trim_matches('"'),
    }
}

impl Seen {
    pub(crate) fn new(capacity: usize) -> Self {
        Seen {
            keys: HashSet::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    fn contains(&self, watch: &str, id: &str, version: &str, via: Via) -> bool {
        self.keys.contains(&Key {
            watch: watch.to_string(),
            id: id.to_string(),
            version: version.to_string(),
            via,
        })
    }

    fn insert(&mut self, watch: &str, id: &str, version: &str, via: Via) {
        let key = Key {
            watch: watch.to_string(),
            id: id.to_string(),
            version: version.to_string(),
            via,
        };
        if self.keys.insert(key.clone()) {
            self.order.push_back(key);
            while self.order.len() > self.capacity {
                if let Some(old) = self.order.pop_front() {
                    self.keys.remove(&old);
                }
            }
        }
    }

    /// A notification: true the first time (pass it on), false for a repeat, or when delta
    /// already reported this version of the item (or its removal, for `deleted`).
    pub(crate) fn notification(
        &mut self,
        watch: &str,
        id: &str,
        etag: &str,
        change: ChangeType,
    ) -> bool {
        let version = version(etag);
        let via = Via::Notification(change.clone());
        if self.contains(watch, id, version, via.clone()) {
            return false;
        }
        let earlier = match change {
            ChangeType::Deleted => self.contains(watch, id, "", Via::Removed),
            _ => self.contains(watch, id, version, Via::Delta),
        };
        self.insert(watch, id, version, via);
        if change == ChangeType::Deleted {
            self.insert(watch, id, "", Via::Removed);
        }
        !earlier
    }

    /// An item changed, from delta: true unless this version was already passed on (by a
    /// `created` or `updated` notification, or an earlier delta round).
    pub(crate) fn delta_changed(&mut self, watch: &str, id: &str, change_key: &str) -> bool {
        let version = version(change_key);
        let earlier = self.contains(watch, id, version, Via::Delta)
            || self.contains(watch, id, version, Via::Notification(ChangeType::Created))
            || self.contains(watch, id, version, Via::Notification(ChangeType::Updated));
        self.insert(watch, id, version, Via::Delta);
        !earlier
    }

    /// An item removed, from delta: true unless its removal was already passed on.
    pub(crate) fn delta_removed(&mut self, watch: &str, id: &str) -> bool {
        let earlier = self.contains(watch, id, "", Via::Removed);
        self.insert(watch, id, "", Via::Removed);
        !earlier
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_key_that_begins_like_a_weak_etag_is_the_same_version_as_its_etag() {
        // Seen in CI: base64 change key `W/XHcu…`, its ETag `W/"W/XHcu…"`.
        let mut seen = Seen::new(100);
        assert!(seen.notification(
            "w",
            "m1",
            "W/\"W/XHcu2lzjeW3GNRUlSEzSkUcpY=\"",
            ChangeType::Created
        ));
        assert!(!seen.delta_changed("w", "m1", "W/XHcu2lzjeW3GNRUlSEzSkUcpY="));
        assert_eq!(version("\"abc\""), "abc");
        assert_eq!(version("W/\"abc\""), "abc");
        assert_eq!(version("abc"), "abc");
    }

    #[test]
    fn a_redelivered_notification_passes_once() {
        let mut seen = Seen::new(100);
        assert!(seen.notification("w", "m1", "W/\"ck1\"", ChangeType::Created));
        assert!(!seen.notification("w", "m1", "W/\"ck1\"", ChangeType::Created));
        // Another version, another change type or another watch is news.
        assert!(seen.notification("w", "m1", "W/\"ck2\"", ChangeType::Updated));
        assert!(seen.notification("w", "m1", "W/\"ck1\"", ChangeType::Updated));
        assert!(seen.notification("v", "m1", "W/\"ck1\"", ChangeType::Created));
    }

    #[test]
    fn delta_and_notifications_pass_each_version_once() {
        let mut seen = Seen::new(100);
        assert!(seen.notification("w", "m1", "W/\"ck1\"", ChangeType::Created));
        assert!(!seen.delta_changed("w", "m1", "ck1"));
        assert!(seen.delta_changed("w", "m2", "ck9"));
        assert!(!seen.notification("w", "m2", "W/\"ck9\"", ChangeType::Created));
        assert!(!seen.delta_changed("w", "m2", "ck9"));
        assert!(seen.delta_removed("w", "m3"));
        assert!(!seen.notification("w", "m3", "", ChangeType::Deleted));
        assert!(seen.notification("w", "m4", "", ChangeType::Deleted));
        assert!(!seen.delta_removed("w", "m4"));
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_keys_go_first() {
        let mut seen = Seen::new(3);
        for id in ["a", "b", "c", "d"] {
            assert!(seen.notification("w", id, "1", ChangeType::Created));
        }
        assert_eq!(seen.len(), 3);
        assert!(!seen.notification("w", "d", "1", ChangeType::Created));
        assert!(seen.notification("w", "a", "1", ChangeType::Created)); // forgotten
    }

    #[test]
    fn etags_compare_by_their_version() {
        assert_eq!(version("W/\"CQAAABYAAACQ\""), "CQAAABYAAACQ");
        assert_eq!(version("\"CQ\""), "CQ");
        assert_eq!(version("CQ"), "CQ");
    }
}
