//! Extended (MAPI) properties of Outlook items: `singleValueExtendedProperties` and
//! `multiValueExtendedProperties`, shared by messages and events.
//!
//! * Set on create and by PATCH: the list in the body is merged into the item's (an
//!   id already present gets the new value), as the docs' "Create single-value extended
//!   property" describes for new and existing items
//!   (<https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-post-singlevalueextendedproperties>,
//!   multi-value: `multivaluelegacyextendedproperty-post-multivalueextendedproperties`).
//! * Never returned by default; `$expand=singleValueExtendedProperties($filter=id eq
//!   '…')` (and the multi-value form) returns the matching ones
//!   (<https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get>).
//! * `$filter=singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')`
//!   selects items of a list (same page; `eq ne gt ge lt le` on the value, numeric when
//!   both sides are numbers, `contains` / `startswith`). Value comparisons ignore case
//!   as documented; ids compare with their type and proptag ignoring case.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::graph_error::GraphError;

/// Property name of single-value extended properties.
pub(crate) const SINGLE: &str = "singleValueExtendedProperties";
/// Property name of multi-value extended properties.
pub(crate) const MULTI: &str = "multiValueExtendedProperties";
/// Both names (hidden unless expanded).
pub(crate) const KEYS: [&str; 2] = [SINGLE, MULTI];

/// The canonical name (`SINGLE` / `MULTI`) of a property name in any case.
pub(crate) fn key_of(name: &str) -> Option<&'static str> {
    KEYS.iter().find(|k| k.eq_ignore_ascii_case(name)).copied()
}

/// The id as Graph echoes it: the proptag lower-cased, e.g. "SystemTime 0x3fef"
/// (GRAPH-FACTS §3, observed).
pub(crate) fn canonical_id(id: &str) -> String {
    match id.rsplit_once(' ') {
        Some((ty, tag)) if tag.to_ascii_lowercase().starts_with("0x") => {
            format!("{ty} {}", tag.to_ascii_lowercase())
        }
        _ => id.to_string(),
    }
}

/// Whether two ids name the same property: the type word and a proptag ignore case; a
/// named property's name is case-sensitive (documented for `$filter`).
fn same_id(a: &str, b: &str) -> bool {
    let (a, b) = (canonical_id(a), canonical_id(b));
    match (a.split_once(' '), b.split_once(' ')) {
        (Some((ta, ra)), Some((tb, rb))) => ta.eq_ignore_ascii_case(tb) && ra == rb,
        _ => a == b,
    }
}

fn invalid(message: String) -> GraphError {
    // [unconfirmed] code/text for a malformed extended property.
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidExtendedProperty",
        message,
    )
}

/// Reads a request's list of `key` (`SINGLE` or `MULTI`) into stored form
/// `[{"id", "value"}]`. A multi-value property needs an array of strings.
pub(crate) fn parse_list(key: &str, v: &Value) -> Result<Vec<Value>, GraphError> {
    let Some(list) = v.as_array() else {
        return match v {
            Value::Null => Ok(Vec::new()),
            _ => Err(invalid(format!("The value of '{key}' must be an array."))),
        };
    };
    let get = |o: &Map<String, Value>, name: &str| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut out = Vec::new();
    for p in list {
        let o = p.as_object().cloned().unwrap_or_default();
        let id = get(&o, "id")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let value = get(&o, "value").unwrap_or(Value::Null);
        if key == MULTI
            && !value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string))
        {
            return Err(invalid(format!(
                "The value of the multi-value extended property '{id}' must be an array of strings."
            )));
        }
        out.push(json!({"id": canonical_id(&id), "value": value}));
    }
    Ok(out)
}

/// Merges the properties `v` of a request (create or PATCH) into `item[key]`: a
/// property with an id already present replaces it, others are appended.
pub(crate) fn merge_into(
    item: &mut Map<String, Value>,
    key: &'static str,
    v: &Value,
) -> Result<(), GraphError> {
    let new = parse_list(key, v)?;
    let mut props = item
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for p in new {
        let id = p["id"].as_str().unwrap_or("").to_string();
        props.retain(|q| !q["id"].as_str().is_some_and(|x| same_id(x, &id)));
        props.push(p);
    }
    item.insert(key.into(), Value::Array(props));
    Ok(())
}

/// `$expand` of extended properties: `Some(filter)` when expanded; the filter is the
/// id of an `id eq '…'` clause, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ExpandProps {
    pub single: Option<Option<String>>,
    pub multi: Option<Option<String>>,
}

impl ExpandProps {
    /// Takes one `$expand` item (`name` and the text inside its parentheses); `false`
    /// when it is not an extended-property item.
    pub(crate) fn take(&mut self, name: &str, opts: Option<&str>) -> bool {
        let Some(key) = key_of(name) else {
            return false;
        };
        let filter = opts.and_then(|o| {
            let start = o.find('\'')?;
            let end = o.rfind('\'')?;
            (end > start).then(|| o[start + 1..end].replace("''", "'"))
        });
        if key == SINGLE {
            self.single = Some(filter);
        } else {
            self.multi = Some(filter);
        }
        true
    }

    /// Adds the expanded properties of `item` to its output form `out`.
    pub(crate) fn render(&self, item: &Map<String, Value>, out: &mut Map<String, Value>) {
        for (key, filter) in [(SINGLE, &self.single), (MULTI, &self.multi)] {
            let Some(filter) = filter else { continue };
            let chosen: Vec<Value> = item
                .get(key)
                .and_then(Value::as_array)
                .map(|all| {
                    all.iter()
                        .filter(|p| match filter {
                            Some(id) => p["id"].as_str().is_some_and(|x| same_id(x, id)),
                            None => true,
                        })
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            out.insert(key.into(), Value::Array(chosen));
        }
    }
}

/// How a `$filter` compares a property's value.
#[derive(Debug, Clone, PartialEq)]
enum ValueTest {
    Cmp(&'static str, String),
    Contains(String),
    StartsWith(String),
}

/// `$filter=singleValueExtendedProperties/any(ep: ep/id eq '…' [and <value test>])`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PropertyFilter {
    id: String,
    value: Option<ValueTest>,
}

/// An OData string literal `'…'` (`''` is a quote) making up all of `s`.
fn literal(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    if inner.replace("''", "").contains('\'') {
        return None;
    }
    Some(inner.replace("''", "'"))
}

/// Splits on ` and ` outside string literals.
fn split_and(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_str = false;
    for w in s.split(' ') {
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

impl PropertyFilter {
    /// `None` when `f` is not an extended-property filter; `Some(None)` when it is
    /// one the sandbox cannot evaluate.
    pub(crate) fn parse(f: &str) -> Option<Option<PropertyFilter>> {
        let f = f.trim();
        let lower = f.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("singlevalueextendedproperties/any(")
            .map(|_| &f["singleValueExtendedProperties/any(".len()..])?;
        Some(Self::parse_lambda(rest))
    }

    fn parse_lambda(rest: &str) -> Option<PropertyFilter> {
        let body = rest.trim().strip_suffix(')')?;
        let (var, expr) = body.split_once(':')?;
        let var = var.trim();
        let (mut id, mut value) = (None, None);
        for clause in split_and(expr.trim()) {
            let c = clause.trim();
            let lc = c.to_ascii_lowercase();
            let prop = |name: &str| format!("{}/{name}", var.to_ascii_lowercase());
            if lc.starts_with("contains(") || lc.starts_with("startswith(") {
                let contains = lc.starts_with("contains(");
                let (head, arg) = c.split_once(',')?;
                let target = head.split_once('(')?.1.trim();
                if !target.eq_ignore_ascii_case(&prop("value")) {
                    return None;
                }
                let text = literal(arg.trim().strip_suffix(')')?)?;
                value = Some(if contains {
                    ValueTest::Contains(text)
                } else {
                    ValueTest::StartsWith(text)
                });
                continue;
            }
            let mut parts = c.splitn(3, ' ');
            let (name, op, lit) = (parts.next()?, parts.next()?, parts.next()?);
            let op = ["eq", "ne", "gt", "ge", "lt", "le"]
                .into_iter()
                .find(|o| o.eq_ignore_ascii_case(op))?;
            let text = literal(lit)?;
            if name.eq_ignore_ascii_case(&prop("id")) && op == "eq" {
                id = Some(text);
            } else if name.eq_ignore_ascii_case(&prop("value")) {
                value = Some(ValueTest::Cmp(op, text));
            } else {
                return None;
            }
        }
        Some(PropertyFilter { id: id?, value })
    }

    /// Whether the item has a single-value property matching the filter.
    pub(crate) fn matches(&self, item: &Map<String, Value>) -> bool {
        let Some(props) = item.get(SINGLE).and_then(Value::as_array) else {
            return false;
        };
        props.iter().any(|p| {
            if !p["id"].as_str().is_some_and(|x| same_id(x, &self.id)) {
                return false;
            }
            let v = match &p["value"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match &self.value {
                None => true,
                Some(ValueTest::Contains(t)) => v.to_lowercase().contains(&t.to_lowercase()),
                Some(ValueTest::StartsWith(t)) => v.to_lowercase().starts_with(&t.to_lowercase()),
                Some(ValueTest::Cmp(op, t)) => {
                    let ord = match (v.trim().parse::<f64>(), t.trim().parse::<f64>()) {
                        (Ok(a), Ok(b)) => a.partial_cmp(&b),
                        _ => Some(v.to_lowercase().cmp(&t.to_lowercase())),
                    };
                    let Some(ord) = ord else { return false };
                    match *op {
                        "eq" => ord.is_eq(),
                        "ne" => ord.is_ne(),
                        "gt" => ord.is_gt(),
                        "ge" => ord.is_ge(),
                        "lt" => ord.is_lt(),
                        _ => ord.is_le(),
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_parses_documented_forms() {
        let f = PropertyFilter::parse(
            "singleValueExtendedProperties/Any(ep: ep/id eq 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color' and ep/value eq 'Green')",
        )
        .unwrap()
        .unwrap();
        let item = json!({SINGLE: [{"id": "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color", "value": "green"}]});
        assert!(f.matches(item.as_object().unwrap()));
        let f = PropertyFilter::parse(
            "singleValueExtendedProperties/any(x: x/id eq 'Integer 0x1234' and x/value ge '5')",
        )
        .unwrap()
        .unwrap();
        let item = json!({SINGLE: [{"id": "Integer 0x1234", "value": "10"}]});
        assert!(f.matches(item.as_object().unwrap()));
        let f = PropertyFilter::parse("singleValueExtendedProperties/any(ep: contains(ep/value, 'ee') and ep/id eq 'String 0x1')")
            .unwrap()
            .unwrap();
        let item = json!({SINGLE: [{"id": "String 0x1", "value": "GREEN"}]});
        assert!(f.matches(item.as_object().unwrap()));
        assert_eq!(PropertyFilter::parse("subject eq 'x'"), None);
        assert_eq!(
            PropertyFilter::parse("singleValueExtendedProperties/any(ep: ep/foo eq 'x')"),
            Some(None)
        );
    }
}
