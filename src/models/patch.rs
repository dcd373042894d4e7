//! What every `PATCH` body is: the properties set so far, and nothing else.

use serde::Serialize;
use serde_json::{Map, Value};

/// The JSON properties of a partial update; [`MessagePatch`](super::MessagePatch) and
/// [`EventPatch`](super::EventPatch) add typed setters over it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub(crate) struct PatchFields(Map<String, Value>);

impl PatchFields {
    /// Sets `name` to `value`.
    pub fn set(&mut self, name: &str, value: impl Serialize) {
        // Our own types always serialize; a failure here would be a bug in this crate.
        let value = serde_json::to_value(value).expect("model types serialize");
        self.0.insert(name.to_string(), value);
    }

    /// Sets `name` to `null` (clears the property).
    pub fn clear(&mut self, name: &str) {
        self.0.insert(name.to_string(), Value::Null);
    }

    /// The value set for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
