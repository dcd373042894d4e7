//! Times as the spool stores them: milliseconds since the Unix epoch, by the caller's clock.

use chrono::{DateTime, TimeZone, Utc};

/// `t` as stored.
pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored time.
pub(crate) fn from_ms(t: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(t).single().unwrap_or_default()
}
