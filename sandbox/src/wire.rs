//! Graph's JSON conventions every layer shares: property names matched
//! case-insensitively (SDKs send PascalCase action parameters) and timestamps written
//! as Graph writes them, and the preferences of `Prefer` headers.

use axum::http::HeaderMap;
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

/// The value of preference `name` (case-insensitive) in the request's `Prefer` headers
/// (RFC 7240: several headers, comma-separated `name=value`, value optionally quoted).
pub(crate) fn preference(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(split_preferences)
        .find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().trim_matches('"').to_string())
        })
}

/// Splits a `Prefer` value on commas outside quoted strings.
fn split_preferences(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in v.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|p| p.trim().to_string()).collect()
}
