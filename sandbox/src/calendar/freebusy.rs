//! Free/busy of a mailbox over time, from its calendars (GRAPH-FACTS §5.7, §5.8):
//! the blocking instances in a window and the strongest status over an interval.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::render::{instances, span};
use super::CalRef;
use crate::store::User;

/// One instance that blocks time.
#[derive(Debug, Clone)]
pub(crate) struct Busy {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The event's `showAs`: `tentative`, `busy`, `oof` or `workingElsewhere`.
    pub status: String,
    pub subject: String,
    pub location: String,
    pub private: bool,
}

/// Priority of a status when several overlap: oof > busy > workingElsewhere >
/// tentative > free [unconfirmed ordering].
fn rank(status: &str) -> u8 {
    match status {
        "oof" => 4,
        "busy" => 3,
        "workingElsewhere" => 2,
        "tentative" => 1,
        _ => 0,
    }
}

/// The blocking instances of the user's calendars overlapping `[from, to)`, in start
/// order. Cancelled events and those shown as free (or unknown) do not block.
pub(crate) fn busy_items(user: &User, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Busy> {
    let mut out = Vec::new();
    for ev in user.events_of(&CalRef::Any) {
        if ev.json.get("isCancelled") == Some(&Value::Bool(true)) {
            continue;
        }
        let status = ev.str_prop("showAs").to_string();
        if rank(&status) == 0 {
            continue;
        }
        for inst in instances(&ev.json, from, to) {
            let Some((start, end)) = span(&inst) else {
                continue;
            };
            out.push(Busy {
                start,
                end,
                status: status.clone(),
                subject: ev.str_prop("subject").to_string(),
                location: ev.json["location"]["displayName"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                private: matches!(ev.str_prop("sensitivity"), "private" | "confidential"),
            });
        }
    }
    out.sort_by_key(|b| b.start);
    out
}

/// The strongest status among `items` overlapping `[from, to)`; `free` when none.
pub(crate) fn status_between(items: &[Busy], from: DateTime<Utc>, to: DateTime<Utc>) -> &str {
    items
        .iter()
        .filter(|b| super::render::overlaps((b.start, b.end), from, to))
        .map(|b| b.status.as_str())
        .max_by_key(|s| rank(s))
        .unwrap_or("free")
}

/// The `availabilityView` digit of a status: 0 free, 1 tentative, 2 busy, 3 oof, 4
/// working elsewhere (GRAPH-FACTS §5.7).
pub(crate) fn digit(status: &str) -> char {
    match status {
        "tentative" => '1',
        "busy" => '2',
        "oof" => '3',
        "workingElsewhere" => '4',
        _ => '0',
    }
}
