//! `$top` / `$skip` paging, and `$filter`, `$orderby` and `$search` on message and
//! event lists: a useful subset.
//!
//! * `$filter`: clauses `prop op value` joined with `and`; string properties
//!   `subject`, `importance`, `from/emailAddress/address`, `internetMessageId`, and for
//!   events `showAs`,
//!   `sensitivity`, `type`, `iCalUId`, `transactionId`, `seriesMasterId`,
//!   `organizer/emailAddress/address` (`eq`, `ne`); Boolean properties `isRead`,
//!   `isDraft`, `hasAttachments`, `isAllDay`, `isCancelled`, `isOrganizer`,
//!   `isOnlineMeeting` (`eq`, `ne`); times `receivedDateTime`, `sentDateTime`,
//!   `createdDateTime`, `lastModifiedDateTime`, `start/dateTime`, `end/dateTime`
//!   (`eq ne gt ge lt le`); values `'text'` (`''` escapes a quote), `true` / `false`,
//!   date-time literals (`2026-01-01T00:00:00Z`, or quoted as events use them:
//!   `'2026-01-01T08:00'`, UTC). String comparisons ignore case, as Exchange does.
//!   Anything else is refused with `400`. `singleValueExtendedProperties/any(ep: …)`
//!   alone is evaluated by [`crate::extended`].
//! * `$orderby`: the string and time properties above, each `asc` (default) or
//!   `desc`, comma separated.
//! * `$search`: `"words"` (quotes optional); every word must occur, case-insensitively,
//!   in the subject, the body or the sender's address / name. `$search` with
//!   `$orderby` is refused like Graph does.

use std::cmp::Ordering;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::request::MailRequest;
use crate::extended::PropertyFilter;
use crate::graph_error::GraphError;
use crate::message::parse_utc;
use crate::url::encode_component;

/// Default page size of lists (Graph's default `$top` for messages and events).
const DEFAULT_TOP: usize = 10;
/// Largest accepted `$top`: "Use `$top` to customize the page size, within the range of
/// 1 and 1000" (List messages,
/// https://learn.microsoft.com/graph/api/user-list-messages?view=graph-rest-1.0); "The
/// minimum value of $top is 1" (https://learn.microsoft.com/graph/query-parameters).
const MAX_TOP: usize = 1000;

/// The OData system query options (OData 4.01 Part 2 §5; Graph's list:
/// https://learn.microsoft.com/graph/query-parameters). Any other `$` name is refused.
const SYSTEM_OPTIONS: [&str; 15] = [
    "$select",
    "$expand",
    "$filter",
    "$orderby",
    "$search",
    "$top",
    "$skip",
    "$count",
    "$format",
    "$skiptoken",
    "$deltatoken",
    "$levels",
    "$apply",
    "$compute",
    "$index",
];

/// `400` for a query parameter that starts with `$` but is no OData system query option
/// (`?$foo=1`), instead of ignoring it (issue 15 item 13). Graph documents no text for
/// it; the code and message are the wording of Microsoft's OData library for an
/// unknown `$` option, [unconfirmed] for Graph's Outlook endpoints.
pub(super) fn check_system_options(query: &[(String, String)]) -> Result<(), GraphError> {
    for (name, _) in query {
        if name.starts_with('$') && !SYSTEM_OPTIONS.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            return Err(GraphError::bad_request(format!(
                "The query parameter '{name}' is not supported."
            )));
        }
    }
    Ok(())
}

/// Whether the list answer carries `@odata.count` (`$count=true`; `false` or absent:
/// no count). Documented: "`$count=true` to include a count of the total number of
/// items in a collection alongside the page", e.g. `/me/messages?$top=2&$count=true`;
/// `ConsistencyLevel: eventual` is only needed on directory objects
/// (https://learn.microsoft.com/graph/query-parameters#count-parameter).
pub(super) fn count_requested(req: &MailRequest<'_>) -> Result<bool, GraphError> {
    match req.param("$count") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        // [unconfirmed] Graph's text for a non-Boolean `$count`.
        Some(v) => Err(GraphError::bad_request(format!(
            "Invalid value '{v}' for the query option '$count': it must be true or false."
        ))),
    }
}

/// Adds `@odata.count` (the number of items matching `$filter` / `$search`, not the
/// page size) when `$count=true` was asked.
pub(super) fn add_count(
    req: &MailRequest<'_>,
    body: &mut Map<String, Value>,
    total: usize,
) -> Result<(), GraphError> {
    if count_requested(req)? {
        body.insert("@odata.count".into(), Value::from(total));
    }
    Ok(())
}
/// Query options a `@odata.nextLink` carries over (besides `$top` / `$skip`).
const LINK_OPTIONS: [&str; 6] = [
    "$select", "$expand", "$filter", "$orderby", "$search", "$count",
];

fn parse_count(req: &MailRequest<'_>, name: &str) -> Result<Option<usize>, GraphError> {
    match req.param(name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
            // [unconfirmed] exact text.
            GraphError::bad_request(format!("Invalid {name} value '{v}'."))
        }),
    }
}

/// `$top` / `$skip` paging of a list, with `@odata.nextLink`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Paging {
    top: usize,
    top_given: bool,
    skip: usize,
}

impl Paging {
    /// Reads `$top` (default 10; 1 to 1000) and `$skip`. A `$top` outside the documented
    /// range is refused rather than clamped, so a program relying on it fails here
    /// first; what Graph answers for it (400, or a clamped page) is [unconfirmed].
    pub(super) fn parse(req: &MailRequest<'_>) -> Result<Paging, GraphError> {
        let top_given = parse_count(req, "$top")?;
        if let Some(top) = top_given.filter(|t| !(1..=MAX_TOP).contains(t)) {
            // [unconfirmed] code and text.
            return Err(GraphError::bad_request(format!(
                "Invalid $top value '{top}': the page size must be between 1 and {MAX_TOP}."
            )));
        }
        Ok(Paging {
            top: top_given.unwrap_or(DEFAULT_TOP),
            top_given: top_given.is_some(),
            skip: parse_count(req, "$skip")?.unwrap_or(0),
        })
    }

    /// The requested page of `all`.
    pub(super) fn page<'a, T>(&self, all: &'a [T]) -> &'a [T] {
        let from = self.skip.min(all.len());
        let to = self.skip.saturating_add(self.top).min(all.len());
        &all[from..to]
    }

    /// Adds `@odata.nextLink` when items remain after this page: the request path
    /// with the query options, the parameters named in `keep`, `$top` (when given)
    /// and the next `$skip`.
    pub(super) fn add_next_link(
        &self,
        req: &MailRequest<'_>,
        body: &mut Map<String, Value>,
        total: usize,
        keep: &[&str],
    ) {
        if self.skip.saturating_add(self.top) >= total {
            return;
        }
        let mut q = Vec::new();
        for key in keep.iter().chain(LINK_OPTIONS.iter()) {
            if let Some(v) = req.param(key) {
                q.push(format!("{}={}", encode_component(key), encode_component(v)));
            }
        }
        if self.top_given {
            q.push(format!("%24top={}", self.top));
        }
        q.push(format!("%24skip={}", self.skip + self.top));
        body.insert(
            "@odata.nextLink".into(),
            Value::String(format!("{}{}?{}", req.ctx.origin, req.path, q.join("&"))),
        );
    }
}

/// Parsed list options.
#[derive(Debug, Default)]
pub(super) struct ListQuery {
    filter: Vec<Clause>,
    order: Vec<(Key, bool)>,
    search: Vec<String>,
    /// `singleValueExtendedProperties/any(…)` ([`crate::extended`]).
    extended: Option<PropertyFilter>,
    /// Items come newest first (messages); else in creation order (events).
    newest_first: bool,
}

/// A filterable / sortable property, by its path (`from/emailAddress/address`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Str(&'static str),
    Bool(&'static str),
    Time(&'static str),
}

const STR_PROPS: [&str; 11] = [
    "subject",
    // The relay's never-twice lookup of a sent copy (GRAPH-FACTS-2 §6.2).
    "internetMessageId",
    "importance",
    "from/emailAddress/address",
    "showAs",
    "sensitivity",
    "type",
    "iCalUId",
    "transactionId",
    "seriesMasterId",
    "organizer/emailAddress/address",
];

const BOOL_PROPS: [&str; 7] = [
    "isRead",
    "isDraft",
    "hasAttachments",
    "isAllDay",
    "isCancelled",
    "isOrganizer",
    "isOnlineMeeting",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
enum Lit {
    Str(String),
    Bool(bool),
    Time(DateTime<Utc>),
}

#[derive(Debug, Clone)]
struct Clause {
    key: Key,
    op: Op,
    value: Lit,
}

const TIME_PROPS: [&str; 6] = [
    "receivedDateTime",
    "sentDateTime",
    "createdDateTime",
    "lastModifiedDateTime",
    "start/dateTime",
    "end/dateTime",
];

/// `400` for a `$filter` the sandbox (or Graph) cannot evaluate. Code and text as
/// reported for Outlook's answer to an invalid filter; both [unconfirmed].
fn invalid_filter() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidUrlQueryFilter",
        "The query filter contains one or more invalid nodes.",
    )
}

fn key_of(name: &str) -> Option<Key> {
    let find = |list: &[&'static str]| list.iter().find(|p| p.eq_ignore_ascii_case(name)).copied();
    find(&STR_PROPS)
        .map(Key::Str)
        .or_else(|| find(&BOOL_PROPS).map(Key::Bool))
        .or_else(|| find(&TIME_PROPS).map(Key::Time))
}

/// Splits on ` and ` (any case) outside single-quoted strings.
fn split_and(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_str = false;
    let words: Vec<&str> = s.split(' ').collect();
    for w in words {
        if !in_str && w.eq_ignore_ascii_case("and") {
            out.push(std::mem::take(&mut cur));
            continue;
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
        in_str ^= w.matches('\'').count() % 2 == 1;
    }
    out.push(cur);
    out
}

/// A whole OData string literal `'…'` (`''` is a quote); `None` when anything
/// follows the closing quote.
fn string_literal(v: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = v.strip_prefix('\'')?.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
                out.push('\'');
            } else {
                return chars.next().is_none().then_some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

fn parse_clause(raw: &str) -> Result<Clause, GraphError> {
    let raw = raw.trim();
    let mut it = raw.splitn(3, ' ');
    let (Some(prop), Some(op), Some(value)) = (it.next(), it.next(), it.next()) else {
        return Err(invalid_filter());
    };
    let key = key_of(prop).ok_or_else(invalid_filter)?;
    let op = match op.to_ascii_lowercase().as_str() {
        "eq" => Op::Eq,
        "ne" => Op::Ne,
        "gt" => Op::Gt,
        "ge" => Op::Ge,
        "lt" => Op::Lt,
        "le" => Op::Le,
        _ => return Err(invalid_filter()),
    };
    let value = value.trim();
    let lit = if value.starts_with('\'') {
        Lit::Str(string_literal(value).ok_or_else(invalid_filter)?)
    } else if value.eq_ignore_ascii_case("true") {
        Lit::Bool(true)
    } else if value.eq_ignore_ascii_case("false") {
        Lit::Bool(false)
    } else if let Some(t) = parse_utc(value) {
        Lit::Time(t)
    } else {
        return Err(invalid_filter());
    };
    // Event times are filtered with quoted literals (`start/dateTime ge '…'`).
    let lit = match (key, lit) {
        (Key::Time(_), Lit::Str(text)) => Lit::Time(parse_utc(&text).ok_or_else(invalid_filter)?),
        (_, lit) => lit,
    };
    let ok = match (key, &lit) {
        (Key::Str(_), Lit::Str(_)) | (Key::Bool(_), Lit::Bool(_)) => {
            matches!(op, Op::Eq | Op::Ne)
        }
        (Key::Time(_), Lit::Time(_)) => true,
        _ => false,
    };
    if !ok {
        return Err(invalid_filter());
    }
    Ok(Clause {
        key,
        op,
        value: lit,
    })
}

impl ListQuery {
    /// Reads `$filter`, `$orderby` and `$search` of a list of `entity` (`message`,
    /// `event`).
    pub(super) fn parse(
        entity: &str,
        filter: Option<&str>,
        orderby: Option<&str>,
        search: Option<&str>,
    ) -> Result<ListQuery, GraphError> {
        let mut q = ListQuery {
            newest_first: entity == "message",
            ..ListQuery::default()
        };
        if search.is_some() && orderby.is_some() {
            // Observed live answer (e.g. visionik/mogcli#11 quoting Graph).
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "SearchWithOrderBy",
                "The query parameter '$orderBy' is not supported with '$search'.",
            ));
        }
        if let Some(f) = filter.map(str::trim).filter(|f| !f.is_empty()) {
            if let Some(ext) = PropertyFilter::parse(f) {
                q.extended = Some(ext.ok_or_else(invalid_filter)?);
            } else if f.contains('(') {
                return Err(invalid_filter());
            } else {
                for c in split_and(f) {
                    q.filter.push(parse_clause(&c)?);
                }
            }
        }
        if let Some(o) = orderby {
            for item in o.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let mut parts = item.split_whitespace();
                let name = parts.next().unwrap_or("");
                let desc = match parts.next().map(str::to_ascii_lowercase).as_deref() {
                    None | Some("asc") => false,
                    Some("desc") => true,
                    // [unconfirmed] Graph's text.
                    Some(other) => {
                        return Err(GraphError::bad_request(format!(
                            "Invalid sort direction '{other}' in $orderby."
                        )))
                    }
                };
                let key = match key_of(name) {
                    Some(k @ (Key::Str(_) | Key::Time(_))) => k,
                    // [unconfirmed] Graph's text for an unsupported sort property.
                    _ => {
                        return Err(GraphError::bad_request(format!(
                            "Could not find a property named '{name}' on type 'microsoft.graph.{entity}'."
                        )))
                    }
                };
                q.order.push((key, desc));
            }
        }
        if let Some(s) = search {
            let s = s.trim();
            let s = s
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .unwrap_or(s);
            q.search = s.split_whitespace().map(str::to_lowercase).collect();
        }
        Ok(q)
    }

    /// Applies filter, search and order to items given in their default order.
    pub(super) fn apply<'a>(
        &self,
        msgs: Vec<&'a Map<String, Value>>,
    ) -> Vec<&'a Map<String, Value>> {
        let mut kept: Vec<(usize, &Map<String, Value>)> = msgs
            .into_iter()
            .enumerate()
            .filter(|(_, m)| self.filter.iter().all(|c| matches(c, m)))
            .filter(|(_, m)| self.extended.as_ref().map_or(true, |f| f.matches(m)))
            .filter(|(_, m)| self.search.iter().all(|w| search_hit(w, m)))
            .collect();
        if !self.order.is_empty() {
            kept.sort_by(|(ia, a), (ib, b)| {
                for (key, desc) in &self.order {
                    let ord = compare(*key, a, b);
                    let ord = if *desc { ord.reverse() } else { ord };
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                // Ties (same second): by arrival, in the direction of the first key.
                match self.order.first() {
                    Some((Key::Time(_), false)) if self.newest_first => ib.cmp(ia),
                    _ => ia.cmp(ib),
                }
            });
        }
        kept.into_iter().map(|(_, m)| m).collect()
    }
}

/// The value at a `/`-separated property path.
fn at<'a>(m: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('/');
    let mut v = m.get(parts.next()?)?;
    for p in parts {
        v = v.get(p)?;
    }
    Some(v)
}

fn str_prop(m: &Map<String, Value>, path: &str) -> String {
    at(m, path)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn time_prop(m: &Map<String, Value>, path: &str) -> Option<DateTime<Utc>> {
    at(m, path).and_then(Value::as_str).and_then(parse_utc)
}

fn matches(c: &Clause, m: &Map<String, Value>) -> bool {
    let ord = match (&c.key, &c.value) {
        (Key::Time(path), Lit::Time(t)) => match time_prop(m, path) {
            Some(v) => v.cmp(t),
            None => return false,
        },
        (Key::Bool(path), Lit::Bool(b)) => {
            let v = at(m, path).and_then(Value::as_bool).unwrap_or(false);
            if v == *b {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        }
        (Key::Str(path), Lit::Str(s)) => {
            if str_prop(m, path).to_lowercase() == s.to_lowercase() {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        }
        _ => return false,
    };
    match c.op {
        Op::Eq => ord == Ordering::Equal,
        Op::Ne => ord != Ordering::Equal,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
    }
}

fn compare(key: Key, a: &Map<String, Value>, b: &Map<String, Value>) -> Ordering {
    match key {
        Key::Time(path) => time_prop(a, path).cmp(&time_prop(b, path)),
        Key::Str(path) | Key::Bool(path) => str_prop(a, path)
            .to_lowercase()
            .cmp(&str_prop(b, path).to_lowercase()),
    }
}

fn search_hit(word: &str, m: &Map<String, Value>) -> bool {
    let mut hay = String::new();
    hay.push_str(m.get("subject").and_then(Value::as_str).unwrap_or(""));
    hay.push('\n');
    hay.push_str(
        m.get("body")
            .and_then(|b| b.get("content"))
            .and_then(Value::as_str)
            .unwrap_or(""),
    );
    if let Some(ea) = m.get("from").and_then(|f| f.get("emailAddress")) {
        for k in ["address", "name"] {
            hay.push('\n');
            hay.push_str(ea.get(k).and_then(Value::as_str).unwrap_or(""));
        }
    }
    hay.to_lowercase().contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_clauses() {
        let q = ListQuery::parse(
            "message",
            Some("subject eq 'it''s and more' and isRead eq false and receivedDateTime ge 2026-01-01T00:00:00Z"),
            None,
            None,
        )
        .unwrap();
        assert_eq!(q.filter.len(), 3);
        assert!(matches!(&q.filter[0].value, Lit::Str(s) if s == "it's and more"));
        assert!(ListQuery::parse("message", Some("startswith(subject,'a')"), None, None).is_err());
        assert!(ListQuery::parse("message", Some("subject gt 'a'"), None, None).is_err());
        assert!(ListQuery::parse("message", None, Some("subject"), Some("\"x\"")).is_err());
        let q = ListQuery::parse(
            "event",
            Some("start/dateTime ge '2026-12-01T08:00' and isAllDay eq false"),
            Some("start/dateTime desc"),
            None,
        )
        .unwrap();
        assert!(matches!(q.filter[0].value, Lit::Time(_)));
    }
}
