//! Graph's JSON conventions every layer shares: property names matched
//! case-insensitively (SDKs send PascalCase action parameters) and timestamps written
//! as Graph writes them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

/// Case-insensitive lookup of a property (action parameters arrive as `message` or
/// `Message`; GRAPH-FACTS §0.1).
pub(crate) fn get_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// UTC timestamp as Graph writes message dates: `2026-11-22T10:15:02Z`.
pub(crate) fn graph_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
