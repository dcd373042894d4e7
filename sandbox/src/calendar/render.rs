//! Occurrences of series and the zone conversion of event output: stored events keep
//! `start` / `end` in the zone the client gave; reads answer in UTC or the
//! `Prefer: outlook.timezone` zone.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use super::recurrence::Recurrence;
use super::zone::{self, Dtz, Zone};
use super::{occurrence_id, occurrence_uid, series, web_link, CalRef};
use crate::message::{render, Expand};
use crate::store::User;
use crate::wire::graph_time;

/// Start and end instant of a stored event or occurrence.
pub(crate) fn span(ev: &Map<String, Value>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    Some((
        zone::instant(ev.get("start")?)?,
        zone::instant(ev.get("end")?)?,
    ))
}

/// Whether `[start, end)` overlaps `[from, to)`; an event without duration counts
/// when it starts inside the window.
pub(crate) fn overlaps(
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> bool {
    if start == end {
        start >= from && start < to
    } else {
        start < to && end > from
    }
}

/// Occurrence `date` of a series master (stored form: times in the master's zones).
pub(crate) fn occurrence(
    master: &Map<String, Value>,
    date: NaiveDate,
) -> Option<Map<String, Value>> {
    let start = Dtz::from_json(master.get("start")?, "start").ok()?;
    let end = Dtz::from_json(master.get("end")?, "end").ok()?;
    let length = end.utc() - start.utc();
    let occ_start = start.zone.to_utc(date.and_time(start.local.time()));
    let occ_end = occ_start + length;
    let master_id = master.get("id")?.as_str()?;
    let id = occurrence_id(master_id, date);
    let mut o = master.clone();
    o.insert("id".into(), json!(id));
    o.insert("webLink".into(), json!(web_link(&id)));
    o.insert("type".into(), json!("occurrence"));
    o.insert("seriesMasterId".into(), json!(master_id));
    o.insert("recurrence".into(), Value::Null);
    o.insert("originalStart".into(), json!(graph_time(occ_start)));
    o.insert("start".into(), start.zone.dtz(occ_start));
    o.insert("end".into(), end.zone.dtz(occ_end));
    if let Some(uid) = master.get("iCalUId").and_then(Value::as_str) {
        o.insert("iCalUId".into(), json!(occurrence_uid(uid, date)));
    }
    Some(o)
}

/// The instances of a stored event overlapping `[from, to)`: the event itself, or the
/// occurrences of a series master, in start order.
pub(crate) fn instances(
    ev: &Map<String, Value>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Map<String, Value>> {
    let Some(rec) = ev.get("recurrence").and_then(Recurrence::from_stored) else {
        return match span(ev) {
            Some(s) if overlaps(s, from, to) => vec![ev.clone()],
            _ => Vec::new(),
        };
    };
    let Some(start) = ev
        .get("start")
        .and_then(|s| Dtz::from_json(s, "start").ok())
    else {
        return Vec::new();
    };
    // Occurrences on the last local day of the window may still start before `to`.
    let until = start.zone.local(to).date() + Duration::days(1);
    // Exceptions are stored events of their own; deleted occurrences are gone.
    let skip = series::exception_dates(ev);
    rec.dates(until)
        .into_iter()
        .filter(|d| !skip.contains(d))
        .filter_map(|d| occurrence(ev, d))
        .filter(|o| span(o).is_some_and(|s| overlaps(s, from, to)))
        .collect()
}

/// Finds an event of `cal` by id: a stored event, or an occurrence of a stored series
/// (the exception it became, if it did).
pub(crate) fn find_event(user: &User, cal: &CalRef, id: &str) -> Option<Map<String, Value>> {
    if let Some(i) = user.event_index(cal, id) {
        return Some(user.events[i].json.clone());
    }
    match series::resolve(user, cal, id)? {
        series::Occurrence::Plain(m, date) => occurrence(&user.events[m].json, date),
        series::Occurrence::Exception(i) => Some(user.events[i].json.clone()),
    }
}

/// An event with its times (`start`, `end`, attendees' `proposedNewTime`) in `zone`.
pub(crate) fn in_zone(ev: &Map<String, Value>, zone: &Zone) -> Map<String, Value> {
    let mut out = ev.clone();
    for key in ["start", "end"] {
        if let Some(v) = ev.get(key).filter(|v| !v.is_null()) {
            out.insert(key.into(), zone::convert(v, zone));
        }
    }
    if let Some(Value::Array(list)) = out.get_mut("attendees") {
        for a in list.iter_mut() {
            if let Some(slot) = a.get("proposedNewTime").filter(|v| v.is_object()).cloned() {
                a["proposedNewTime"] = zone::convert_slot(&slot, zone);
            }
        }
    }
    out
}

/// An event as Graph returns it by default: times in `zone`, `$select` applied,
/// navigation properties (attachments) left out.
pub(crate) fn output(ev: &Map<String, Value>, zone: &Zone, select: Option<&[String]>) -> Value {
    render(&in_zone(ev, zone), select, &Expand::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_series_keeps_local_time_across_dst() {
        let master = json!({
            "id": "AAMkAx",
            "iCalUId": crate::calendar::new_ical_uid(),
            "start": {"dateTime": "2027-03-01T09:00:00.0000000", "timeZone": "Pacific Standard Time"},
            "end": {"dateTime": "2027-03-01T10:00:00.0000000", "timeZone": "Pacific Standard Time"},
            "recurrence": Recurrence::parse(
                &json!({"pattern": {"type": "weekly", "daysOfWeek": ["monday"]},
                        "range": {"type": "numbered", "startDate": "2027-03-01", "numberOfOccurrences": 3}}),
                NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            ).unwrap().to_json("Pacific Standard Time"),
        });
        let from = "2027-01-01T00:00:00Z".parse().unwrap();
        let to = "2028-01-01T00:00:00Z".parse().unwrap();
        let occ = instances(master.as_object().unwrap(), from, to);
        assert_eq!(occ.len(), 3);
        let utc = Zone::utc();
        // 17:00 UTC before DST (PST), 16:00 UTC after (PDT, from 2027-03-14).
        assert_eq!(
            zone::convert(&occ[0]["start"], &utc)["dateTime"],
            "2027-03-01T17:00:00.0000000"
        );
        assert_eq!(
            zone::convert(&occ[2]["start"], &utc)["dateTime"],
            "2027-03-15T16:00:00.0000000"
        );
        assert_eq!(occ[1]["type"], "occurrence");
        assert_eq!(occ[1]["seriesMasterId"], "AAMkAx");
    }
}
