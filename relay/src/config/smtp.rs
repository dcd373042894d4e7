//! `[smtp]`: the SMTP listener (owned by the smtp module).

use serde::Deserialize;

/// `[smtp]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {}
