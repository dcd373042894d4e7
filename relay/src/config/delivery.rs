//! `[delivery]`: sending through Graph (owned by the delivery module).

use serde::Deserialize;

/// `[delivery]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {}
