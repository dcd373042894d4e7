//! Extended (MAPI) properties of messages and events: typed ids and the `{id, value}` pairs
//! Graph stores ("Outlook extended properties overview",
//! <https://learn.microsoft.com/graph/api/resources/extended-properties-overview?view=graph-rest-1.0>;
//! GRAPH-FACTS §3).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::InvalidRequest;

/// The MAPI type of an extended property's value, as Graph spells it at the start of the id
/// (`String`, `Integer`, `SystemTime`, …). A multi-value property uses the array form
/// (`StringArray`), made with [`ExtendedPropertyId::multi_value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MapiPropertyType {
    /// `Binary` (the value is base64).
    Binary,
    /// `Boolean` (`"true"` / `"false"`).
    Boolean,
    /// `CLSID` (a GUID).
    Clsid,
    /// `Currency`.
    Currency,
    /// `Double`.
    Double,
    /// `Integer` (32-bit).
    Integer,
    /// `Long` (64-bit).
    Long,
    /// `Short` (16-bit).
    Short,
    /// `SystemTime` (ISO 8601 UTC, e.g. `2026-06-10T09:00:00Z`).
    SystemTime,
    /// `String`.
    String,
}

impl MapiPropertyType {
    const ALL: [MapiPropertyType; 10] = [
        MapiPropertyType::Binary,
        MapiPropertyType::Boolean,
        MapiPropertyType::Clsid,
        MapiPropertyType::Currency,
        MapiPropertyType::Double,
        MapiPropertyType::Integer,
        MapiPropertyType::Long,
        MapiPropertyType::Short,
        MapiPropertyType::SystemTime,
        MapiPropertyType::String,
    ];

    /// Graph's spelling of the (single-value) type.
    pub fn as_str(self) -> &'static str {
        match self {
            MapiPropertyType::Binary => "Binary",
            MapiPropertyType::Boolean => "Boolean",
            MapiPropertyType::Clsid => "CLSID",
            MapiPropertyType::Currency => "Currency",
            MapiPropertyType::Double => "Double",
            MapiPropertyType::Integer => "Integer",
            MapiPropertyType::Long => "Long",
            MapiPropertyType::Short => "Short",
            MapiPropertyType::SystemTime => "SystemTime",
            MapiPropertyType::String => "String",
        }
    }
}

/// How the property is named: the three id forms of the overview.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PropertyName {
    /// `{guid} Name {name}`: a named property with a string name.
    Named { guid: String, name: String },
    /// `{guid} Id {id}`: a named property with a numeric id.
    NamedId { guid: String, id: u32 },
    /// `{proptag}`: a predefined (tagged) MAPI property.
    Tag(u16),
}

/// The id of an extended property, in one of the three forms of the "Outlook extended
/// properties overview": `"String {guid} Name Color"`, `"Integer {guid} Id 0x8012"` or
/// `"SystemTime 0x3FEF"`. Build it with [`named`](Self::named),
/// [`named_id`](Self::named_id) or [`tagged`](Self::tagged) rather than by hand: a bad GUID
/// or an empty name is refused here, before any request.
///
/// ```
/// use msgraph_outlook::models::{ExtendedPropertyId, MapiPropertyType};
/// let color = ExtendedPropertyId::named(
///     MapiPropertyType::String,
///     "66f5a359-4659-4830-9070-00047ec6ac6e",
///     "Color",
/// )?;
/// assert_eq!(color.to_string(), "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color");
/// let tags = color.clone().multi_value();
/// assert_eq!(tags.to_string(), "StringArray {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color");
/// assert_eq!(
///     ExtendedPropertyId::tagged(MapiPropertyType::SystemTime, 0x3FEF).to_string(),
///     "SystemTime 0x3FEF"
/// );
/// // Graph echoes a proptag lower-cased; ids compare as Graph does.
/// assert!(ExtendedPropertyId::DEFERRED_SEND_TIME.matches("SystemTime 0x3fef"));
/// # Ok::<(), msgraph_outlook::InvalidRequest>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtendedPropertyId {
    property_type: MapiPropertyType,
    multi_value: bool,
    name: PropertyName,
}

impl ExtendedPropertyId {
    /// `PidTagDeferredSendTime` (`SystemTime 0x3FEF`): when Exchange sends a message held in
    /// the Outbox (GRAPH-FACTS §3).
    pub const DEFERRED_SEND_TIME: ExtendedPropertyId =
        ExtendedPropertyId::tagged(MapiPropertyType::SystemTime, 0x3FEF);

    /// A named property with a string name in the namespace `guid` (with or without braces):
    /// `"{type} {guid} Name {name}"`.
    pub fn named(
        property_type: MapiPropertyType,
        guid: &str,
        name: &str,
    ) -> Result<Self, InvalidRequest> {
        if name.trim().is_empty() {
            return Err(bad_id(format!("{guid} Name {name}"), "the name is empty"));
        }
        Ok(ExtendedPropertyId {
            property_type,
            multi_value: false,
            name: PropertyName::Named {
                guid: checked_guid(guid)?,
                name: name.to_string(),
            },
        })
    }

    /// A named property with a numeric id in the namespace `guid`: `"{type} {guid} Id 0x…"`.
    pub fn named_id(
        property_type: MapiPropertyType,
        guid: &str,
        id: u32,
    ) -> Result<Self, InvalidRequest> {
        Ok(ExtendedPropertyId {
            property_type,
            multi_value: false,
            name: PropertyName::NamedId {
                guid: checked_guid(guid)?,
                id,
            },
        })
    }

    /// A predefined MAPI property by its tag: `"{type} 0x…"` (e.g. `SystemTime 0x3FEF`).
    pub const fn tagged(property_type: MapiPropertyType, tag: u16) -> Self {
        ExtendedPropertyId {
            property_type,
            multi_value: false,
            name: PropertyName::Tag(tag),
        }
    }

    /// The multi-value form of this property (`StringArray …`): its value is a list.
    pub fn multi_value(mut self) -> Self {
        self.multi_value = true;
        self
    }

    /// Whether this is a multi-value property (an `…Array` type).
    pub fn is_multi_value(&self) -> bool {
        self.multi_value
    }

    /// The MAPI type of the value (of each value, for a multi-value property).
    pub fn property_type(&self) -> MapiPropertyType {
        self.property_type
    }

    /// Whether `id` (e.g. as Graph echoed it) names this property: the type, a proptag and a
    /// GUID compare ignoring case, a property name exactly.
    pub fn matches(&self, id: &str) -> bool {
        id.parse::<ExtendedPropertyId>()
            .is_ok_and(|other| other == *self)
    }

    /// The navigation property holding this kind (`singleValueExtendedProperties` or
    /// `multiValueExtendedProperties`).
    fn collection(&self) -> &'static str {
        if self.multi_value {
            "multiValueExtendedProperties"
        } else {
            "singleValueExtendedProperties"
        }
    }

    /// The id as an OData string literal (`'` doubled).
    fn literal(&self) -> String {
        format!("'{}'", self.to_string().replace('\'', "''"))
    }

    /// The `$expand` item that returns this property with the item
    /// (`singleValueExtendedProperties($filter=id eq '…')`): extended properties are never
    /// returned otherwise (singlevaluelegacyextendedproperty-get,
    /// <https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get?view=graph-rest-1.0>).
    ///
    /// ```
    /// use msgraph_outlook::models::ExtendedPropertyId;
    /// assert_eq!(
    ///     ExtendedPropertyId::DEFERRED_SEND_TIME.expand(),
    ///     "singleValueExtendedProperties($filter=id eq 'SystemTime 0x3FEF')"
    /// );
    /// ```
    pub fn expand(&self) -> String {
        format!("{}($filter=id eq {})", self.collection(), self.literal())
    }

    /// A `$filter` for the items whose single-value property equals `value`
    /// (`singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')`, as in
    /// singlevaluelegacyextendedproperty-get, "Get resource instances filtered by
    /// extended property"). Graph filters only on single-value properties.
    ///
    /// ```
    /// use msgraph_outlook::models::{ExtendedPropertyId, MapiPropertyType};
    /// let color = ExtendedPropertyId::named(MapiPropertyType::String, "{66f5a359-4659-4830-9070-00047ec6ac6e}", "Color")?;
    /// assert_eq!(
    ///     color.filter_eq("O'Brien green"),
    ///     "singleValueExtendedProperties/any(ep: ep/id eq 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color' and ep/value eq 'O''Brien green')"
    /// );
    /// # Ok::<(), msgraph_outlook::InvalidRequest>(())
    /// ```
    pub fn filter_eq(&self, value: &str) -> String {
        format!(
            "singleValueExtendedProperties/any(ep: ep/id eq {} and ep/value eq '{}')",
            self.literal(),
            value.replace('\'', "''")
        )
    }
}

impl fmt::Display for ExtendedPropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let array = if self.multi_value { "Array" } else { "" };
        write!(f, "{}{array} ", self.property_type.as_str())?;
        match &self.name {
            PropertyName::Named { guid, name } => write!(f, "{{{guid}}} Name {name}"),
            PropertyName::NamedId { guid, id } => write!(f, "{{{guid}}} Id 0x{id:04X}"),
            PropertyName::Tag(tag) => write!(f, "0x{tag:04X}"),
        }
    }
}

impl FromStr for ExtendedPropertyId {
    type Err = InvalidRequest;

    /// Reads any of the three forms (as Graph echoes them too).
    fn from_str(id: &str) -> Result<Self, InvalidRequest> {
        let bad = |why: &str| bad_id(id.to_string(), why);
        let (type_word, rest) = id.split_once(' ').ok_or_else(|| bad("no type"))?;
        let (single_word, multi_value) = match type_word.len().checked_sub(5) {
            Some(at)
                if type_word.is_char_boundary(at)
                    && type_word[at..].eq_ignore_ascii_case("Array") =>
            {
                (&type_word[..at], true)
            }
            _ => (type_word, false),
        };
        let property_type = MapiPropertyType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(single_word))
            .ok_or_else(|| bad("unknown type"))?;
        let rest = rest.trim_start();
        let name = if let Some(hex) = hex_digits(rest) {
            PropertyName::Tag(u16::from_str_radix(hex, 16).map_err(|_| bad("bad proptag"))?)
        } else {
            let (guid, kind) = rest.split_once(' ').ok_or_else(|| bad("no Name or Id"))?;
            let guid = checked_guid(guid)?;
            let (keyword, value) = kind.split_once(' ').ok_or_else(|| bad("no Name or Id"))?;
            if keyword.eq_ignore_ascii_case("Name") && !value.is_empty() {
                PropertyName::Named {
                    guid,
                    name: value.to_string(),
                }
            } else if keyword.eq_ignore_ascii_case("Id") {
                let id = hex_digits(value)
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| value.parse().ok())
                    .ok_or_else(|| bad("bad numeric id"))?;
                PropertyName::NamedId { guid, id }
            } else {
                return Err(bad("no Name or Id"));
            }
        };
        Ok(ExtendedPropertyId {
            property_type,
            multi_value,
            name,
        })
    }
}

/// The hex digits of `0x…`, if `text` is that.
fn hex_digits(text: &str) -> Option<&str> {
    text.strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .filter(|h| !h.is_empty())
}

/// A GUID with or without braces, stored without them and lower-cased (ids compare GUIDs
/// ignoring case).
fn checked_guid(guid: &str) -> Result<String, InvalidRequest> {
    let bare = guid
        .strip_prefix('{')
        .and_then(|g| g.strip_suffix('}'))
        .unwrap_or(guid);
    uuid::Uuid::try_parse(bare)
        .ok()
        .filter(|_| bare.len() == 36)
        .map(|_| bare.to_ascii_lowercase())
        .ok_or_else(|| bad_id(guid.to_string(), "the namespace is not a GUID"))
}

fn bad_id(id: String, why: &str) -> InvalidRequest {
    InvalidRequest::InvalidExtendedPropertyId {
        id,
        reason: why.to_string(),
    }
}

/// `singleValueLegacyExtendedProperty`: `{id, value}`, both strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SingleValueExtendedProperty {
    /// Property id, e.g. `SystemTime 0x3FEF` (Graph echoes it lower-cased); see
    /// [`ExtendedPropertyId`].
    pub id: String,
    /// Value as a string.
    #[serde(default)]
    pub value: String,
}

impl SingleValueExtendedProperty {
    /// The property `id` with `value` (numbers, times and booleans as strings too).
    pub fn new(id: &ExtendedPropertyId, value: impl Into<String>) -> Self {
        SingleValueExtendedProperty {
            id: id.to_string(),
            value: value.into(),
        }
    }
}

/// `multiValueLegacyExtendedProperty`: `{id, value: [string]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MultiValueExtendedProperty {
    /// Property id, an `…Array` type (e.g. `StringArray {guid} Name Tags`).
    pub id: String,
    /// The values, as strings.
    #[serde(default)]
    pub value: Vec<String>,
}

impl MultiValueExtendedProperty {
    /// The multi-value property `id` with `values`.
    pub fn new<I, S>(id: &ExtendedPropertyId, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        MultiValueExtendedProperty {
            id: id.to_string(),
            value: values.into_iter().map(Into::into).collect(),
        }
    }
}

/// The value of `id` among `single` (compared as Graph compares ids).
pub(crate) fn single_value<'a>(
    single: &'a [SingleValueExtendedProperty],
    id: &ExtendedPropertyId,
) -> Option<&'a str> {
    single
        .iter()
        .find(|p| id.matches(&p.id))
        .map(|p| p.value.as_str())
}

/// The values of `id` among `multi`.
pub(crate) fn multi_value<'a>(
    multi: &'a [MultiValueExtendedProperty],
    id: &ExtendedPropertyId,
) -> Option<&'a [String]> {
    multi
        .iter()
        .find(|p| id.matches(&p.id))
        .map(|p| p.value.as_slice())
}

/// Sets `id` to `value` in `single`, replacing an earlier value of the same property.
pub(crate) fn set_single(
    single: &mut Vec<SingleValueExtendedProperty>,
    id: &ExtendedPropertyId,
    value: String,
) {
    single.retain(|p| !id.matches(&p.id));
    single.push(SingleValueExtendedProperty::new(id, value));
}

/// Sets `id` to `values` in `multi`, replacing earlier values of the same property.
pub(crate) fn set_multi(
    multi: &mut Vec<MultiValueExtendedProperty>,
    id: &ExtendedPropertyId,
    values: Vec<String>,
) {
    multi.retain(|p| !id.matches(&p.id));
    multi.push(MultiValueExtendedProperty::new(id, values));
}

/// What Graph would refuse: an id in none of the three forms, a single value under an
/// `…Array` type or a list under a single type.
pub(crate) fn check(
    single: &[SingleValueExtendedProperty],
    multi: &[MultiValueExtendedProperty],
) -> Result<(), InvalidRequest> {
    for (id, want_multi) in single
        .iter()
        .map(|p| (&p.id, false))
        .chain(multi.iter().map(|p| (&p.id, true)))
    {
        let parsed: ExtendedPropertyId = id.parse()?;
        if parsed.multi_value != want_multi {
            let why = if want_multi {
                "a multi-value property needs an …Array type (ExtendedPropertyId::multi_value)"
            } else {
                "an …Array type takes a list of values (a multi-value property)"
            };
            return Err(bad_id(id.clone(), why));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_round_trip_and_compare_like_graph() {
        for text in [
            "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color",
            "Integer {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Id 0x8012",
            "SystemTime 0x3FEF",
            "StringArray {66f5a359-4659-4830-9070-00047ec6ac6e} Name Palette",
        ] {
            let id: ExtendedPropertyId = text.parse().unwrap();
            assert_eq!(id.to_string(), text);
        }
        let upper: ExtendedPropertyId =
            "String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name TestProperty"
                .parse()
                .unwrap();
        assert!(upper.matches("string {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name TestProperty"));
        assert!(!upper.matches("String {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name testproperty"));
        assert!(
            !upper.matches("StringArray {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name TestProperty")
        );
        for bad in [
            "",
            "String",
            "Text 0x1234",
            "String 0xZZ",
            "String {not-a-guid} Name X",
            "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name ",
            "String {66f5a359-4659-4830-9070-00047ec6ac6e} Label X",
        ] {
            assert!(bad.parse::<ExtendedPropertyId>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn single_and_multi_values_must_match_the_type() {
        let tags = ExtendedPropertyId::named(
            MapiPropertyType::String,
            "66f5a359-4659-4830-9070-00047ec6ac6e",
            "Tags",
        )
        .unwrap();
        let as_single = [SingleValueExtendedProperty::new(
            &tags.clone().multi_value(),
            "x",
        )];
        assert!(check(&as_single, &[]).is_err());
        let as_multi = [MultiValueExtendedProperty::new(&tags, ["x"])];
        assert!(check(&[], &as_multi).is_err());
        let hand_made = [SingleValueExtendedProperty {
            id: "Color".into(),
            value: "Green".into(),
        }];
        assert!(check(&hand_made, &[]).is_err());
        let fine = [MultiValueExtendedProperty::new(
            &tags.multi_value(),
            ["a", "b"],
        )];
        assert!(check(&[], &fine).is_ok());
    }
}
