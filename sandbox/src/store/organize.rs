//! What a mailbox keeps to organise its mail: the master category list and the inbox
//! rules (GRAPH-FACTS-2 §7.2, §7.3). Data only; the HTTP side lives in
//! `routes/categories.rs` and `routes/message_rules.rs`, evaluation on delivery in
//! `crate::arrival::rules`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::ids::random_bytes;

/// One `outlookCategory` of the master list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Category {
    /// A GUID, as in the docs' examples.
    pub id: String,
    /// Unique in the mailbox (case-insensitive [unconfirmed]); never changes.
    pub display_name: String,
    /// `categoryColor`: `none` or `preset0` … `preset24`.
    pub color: String,
}

impl Category {
    /// A new category with a fresh GUID.
    pub(crate) fn new(display_name: &str, color: &str) -> Category {
        Category {
            id: uuid::Uuid::new_v4().to_string(),
            display_name: display_name.to_string(),
            color: color.to_string(),
        }
    }

    /// Graph's JSON of the category.
    pub(crate) fn json(&self) -> Value {
        json!({"id": self.id, "displayName": self.display_name, "color": self.color})
    }
}

/// The six colour categories every new mailbox starts with: the list of the "List
/// masterCategories" example response (docs-contrib
/// `api-reference/v1.0/api/outlookuser-list-mastercategories.md`), which is Outlook's
/// default set. That Exchange Online creates exactly these for every new mailbox is
/// [unconfirmed].
pub(crate) fn default_categories() -> Vec<Category> {
    [
        ("Red category", "preset0"),
        ("Orange category", "preset1"),
        ("Yellow category", "preset3"),
        ("Green category", "preset4"),
        ("Blue category", "preset7"),
        ("Purple category", "preset8"),
    ]
    .iter()
    .map(|(name, color)| Category::new(name, color))
    .collect()
}

/// One `messageRule` of the Inbox, with its predicates and actions already validated
/// and in their canonical (CSDL) spelling.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MessageRule {
    pub id: String,
    pub display_name: String,
    pub sequence: i64,
    pub is_enabled: bool,
    /// Set when a rule could not run (its folder is gone): Exchange marks such rules
    /// "in error" [unconfirmed which conditions set it].
    pub has_error: bool,
    /// `messageRulePredicates`; `None` when not set.
    pub conditions: Option<Map<String, Value>>,
    pub exceptions: Option<Map<String, Value>>,
    /// `messageRuleActions`.
    pub actions: Map<String, Value>,
}

impl MessageRule {
    /// A fresh rule id in the shape of the docs' examples (`AQAAAJ5dZqA=`: base64 of
    /// eight bytes starting `01 00 00 00`).
    pub(crate) fn new_id() -> String {
        let mut bytes = vec![1u8, 0, 0, 0];
        bytes.extend(random_bytes(4));
        STANDARD.encode(bytes)
    }

    /// Graph's JSON of the rule, as the "Create rule" example response shows it
    /// (`conditions` / `exceptions` only when set).
    pub(crate) fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("displayName".into(), json!(self.display_name));
        m.insert("sequence".into(), json!(self.sequence));
        m.insert("isEnabled".into(), json!(self.is_enabled));
        m.insert("hasError".into(), json!(self.has_error));
        m.insert("isReadOnly".into(), json!(false));
        if let Some(c) = &self.conditions {
            m.insert("conditions".into(), Value::Object(c.clone()));
        }
        if let Some(e) = &self.exceptions {
            m.insert("exceptions".into(), Value::Object(e.clone()));
        }
        m.insert("actions".into(), Value::Object(self.actions.clone()));
        Value::Object(m)
    }
}

/// The rules in the order Exchange runs them: by `sequence`, then creation order.
pub(crate) fn in_sequence(rules: &[MessageRule]) -> Vec<&MessageRule> {
    let mut out: Vec<&MessageRule> = rules.iter().collect();
    // A stable sort keeps creation order among equal sequence numbers.
    out.sort_by_key(|r| r.sequence);
    out
}
