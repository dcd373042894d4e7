//! What every `PATCH` body is: the properties set so far, and nothing else.

use serde::Serialize;
use serde_json::{Map, Value};

use super::extended_property::{
    self, ExtendedPropertyId, MultiValueExtendedProperty, SingleValueExtendedProperty,
};
use crate::error::InvalidRequest;

const SINGLE: &str = "singleValueExtendedProperties";
const MULTI: &str = "multiValueExtendedProperties";

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

    /// Sets one single-value extended property, merged by id into those already set.
    pub fn set_extended_property(&mut self, id: &ExtendedPropertyId, value: String) {
        let mut list = self.single_properties();
        extended_property::set_single(&mut list, id, value);
        self.set(SINGLE, list);
    }

    /// Sets one multi-value extended property, merged by id into those already set.
    pub fn set_multi_value_extended_property(
        &mut self,
        id: &ExtendedPropertyId,
        values: Vec<String>,
    ) {
        let mut list = self.multi_properties();
        extended_property::set_multi(&mut list, id, values);
        self.set(MULTI, list);
    }

    /// What Graph would refuse in the extended properties set (see [`ExtendedPropertyId`]).
    pub fn check_extended_properties(&self) -> Result<(), InvalidRequest> {
        extended_property::check(&self.single_properties(), &self.multi_properties())
    }

    fn single_properties(&self) -> Vec<SingleValueExtendedProperty> {
        self.get(SINGLE)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    fn multi_properties(&self) -> Vec<MultiValueExtendedProperty> {
        self.get(MULTI)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }
}
