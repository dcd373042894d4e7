//! The subscriptions this receiver accepts notifications for, with their `clientState`
//! secrets (GRAPH-FACTS-2 §2.2: a notification whose `clientState` does not match is not
//! valid).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::RwLock;

/// Why a notification's subscription or `clientState` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No registered subscription has that id, and the `clientState` is not an expected one.
    UnknownSubscription,
    /// The subscription is known but the `clientState` differs (or is missing).
    ClientStateMismatch,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::UnknownSubscription => "unknown subscription",
            Refusal::ClientStateMismatch => "clientState does not match the subscription's",
        })
    }
}

#[derive(Default)]
struct Known {
    /// Subscription id (lowercase: a GUID, whatever case Graph writes it in) → clientState.
    subscriptions: HashMap<String, String>,
    /// clientStates of subscriptions being created, whose id is not known yet.
    expected: HashSet<String>,
}

/// Known subscriptions and their secrets; shared by every clone of the receiver.
#[derive(Default)]
pub(crate) struct Registry {
    known: RwLock<Known>,
}

impl fmt::Debug for Registry {
    // Never the secrets: only how many there are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known = self.read();
        f.debug_struct("Registry")
            .field("subscriptions", &known.subscriptions.len())
            .field("expected", &known.expected.len())
            .finish()
    }
}

impl Registry {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Known> {
        // A panic while holding the lock cannot leave the maps half-updated (each update
        // is one insert or remove), so a poisoned lock is still usable.
        self.known.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Known> {
        self.known.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn expect(&self, client_state: &str) {
        self.write().expected.insert(client_state.to_string());
    }

    pub(crate) fn stop_expecting(&self, client_state: &str) {
        self.write().expected.remove(client_state);
    }

    pub(crate) fn register(&self, subscription_id: &str, client_state: &str) {
        let mut known = self.write();
        known.expected.remove(client_state);
        known.subscriptions.insert(
            subscription_id.to_ascii_lowercase(),
            client_state.to_string(),
        );
    }

    pub(crate) fn forget(&self, subscription_id: &str) {
        self.write()
            .subscriptions
            .remove(&subscription_id.to_ascii_lowercase());
    }

    /// Whether a notification of `subscription_id` carrying `client_state` is genuine.
    pub(crate) fn check(
        &self,
        subscription_id: &str,
        client_state: Option<&str>,
    ) -> Result<(), Refusal> {
        let known = self.read();
        let presented = client_state.unwrap_or("").as_bytes();
        match known
            .subscriptions
            .get(&subscription_id.to_ascii_lowercase())
        {
            Some(secret) if same(secret.as_bytes(), presented) => Ok(()),
            Some(_) => Err(Refusal::ClientStateMismatch),
            // Every expected secret is compared (no early exit), so timing tells nothing
            // about which one came close.
            None => {
                let matches = known.expected.iter().fold(false, |hit, secret| {
                    same(secret.as_bytes(), presented) | hit
                });
                if matches {
                    Ok(())
                } else {
                    Err(Refusal::UnknownSubscription)
                }
            }
        }
    }
}

/// Constant-time equality (the length may leak; the contents do not).
fn same(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_expected_and_forgotten_subscriptions() {
        let registry = Registry::default();
        registry.register("7F105C7D-2DC5-4530-97CD-4E7AE6534C07", "s3cret");
        assert_eq!(
            registry.check("7f105c7d-2dc5-4530-97cd-4e7ae6534c07", Some("s3cret")),
            Ok(())
        );
        assert_eq!(
            registry.check("7f105c7d-2dc5-4530-97cd-4e7ae6534c07", Some("s3cres")),
            Err(Refusal::ClientStateMismatch)
        );
        assert_eq!(
            registry.check("7f105c7d-2dc5-4530-97cd-4e7ae6534c07", None),
            Err(Refusal::ClientStateMismatch)
        );
        assert_eq!(
            registry.check("other", Some("s3cret")),
            Err(Refusal::UnknownSubscription)
        );

        registry.expect("pending");
        assert_eq!(registry.check("new-id", Some("pending")), Ok(()));
        registry.register("new-id", "pending");
        assert_eq!(
            registry.check("another-id", Some("pending")),
            Err(Refusal::UnknownSubscription)
        );

        registry.expect("abandoned");
        assert_eq!(registry.check("x", Some("abandoned")), Ok(()));
        registry.stop_expecting("abandoned");
        assert_eq!(
            registry.check("x", Some("abandoned")),
            Err(Refusal::UnknownSubscription)
        );

        registry.forget("7f105c7d-2dc5-4530-97cd-4e7ae6534c07");
        assert_eq!(
            registry.check("7f105c7d-2dc5-4530-97cd-4e7ae6534c07", Some("s3cret")),
            Err(Refusal::UnknownSubscription)
        );
        assert!(!format!("{registry:?}").contains("pending"));
    }
}
