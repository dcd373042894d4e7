//! OData query options and read preferences, shared by every read endpoint.

use crate::client::Request;
use crate::error::{InvalidRequest, Result};
use crate::models::BodyType;

/// `$select`, `$expand`, `$filter`, `$orderby`, `$top`, `$search` and the body-type
/// preference of a read; each endpoint's builder fills the ones it offers.
#[derive(Debug, Default, Clone)]
pub(crate) struct ODataQuery {
    pub select: Vec<String>,
    pub expand: Vec<String>,
    pub filter: Option<String>,
    pub order_by: Vec<String>,
    pub top: Option<u32>,
    pub search: Option<String>,
    pub body_type: Option<BodyType>,
    /// Zone of times in the answer (`Prefer: outlook.timezone`); Graph applies it to reads.
    pub time_zone: Option<String>,
}

/// Collects builder arguments (`["subject", "from"]`) into owned strings.
pub(crate) fn strings<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

impl ODataQuery {
    /// Adds the options to `request`; refuses what Graph would refuse.
    pub fn apply(&self, request: &mut Request) -> Result<()> {
        if self.search.is_some() && !self.order_by.is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: "Graph does not accept $search together with $orderby".into(),
            }
            .into());
        }
        let mut add = |name: &str, value: String| request.query.push((name.to_string(), value));
        if let Some(top) = self.top {
            add("$top", top.to_string());
        }
        if !self.select.is_empty() {
            add("$select", self.select.join(","));
        }
        if !self.expand.is_empty() {
            add("$expand", self.expand.join(","));
        }
        if let Some(filter) = &self.filter {
            add("$filter", filter.clone());
        }
        if !self.order_by.is_empty() {
            add("$orderby", self.order_by.join(","));
        }
        if let Some(text) = &self.search {
            // Graph wants the search text in double quotes; inner quotes escaped [unconfirmed].
            add(
                "$search",
                format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"")),
            );
        }
        request.prefer.extend(body_preference(self.body_type));
        request
            .prefer
            .extend(self.time_zone.as_deref().map(time_zone_preference));
        Ok(())
    }
}

/// `Prefer: outlook.timezone="…"` (GRAPH-FACTS §7), an IANA name sent as its Windows name.
pub(crate) fn time_zone_preference(zone: &str) -> String {
    format!(
        r#"outlook.timezone="{}""#,
        crate::models::normalize_zone_name(zone)
    )
}

/// `Prefer: outlook.body-content-type="text"` (or `"html"`), GRAPH-FACTS §7.
fn body_preference(body_type: Option<BodyType>) -> Option<String> {
    let name = match body_type? {
        BodyType::Text => "text",
        BodyType::Html => "html",
        _ => return None,
    };
    Some(format!(r#"outlook.body-content-type="{name}""#))
}
