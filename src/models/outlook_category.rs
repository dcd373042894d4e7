//! Master categories: the mailbox's list of category names and colours
//! (`…/outlook/masterCategories`; GRAPH-FACTS-2 §7.3; "outlookCategory resource type",
//! <https://learn.microsoft.com/graph/api/resources/outlookcategory>). Items carry
//! categories by `displayName` (a message's `categories`), not by id.

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;

wire_enum! {
    /// `categoryColor`: one of 25 preset colours, or none. What each preset looks like
    /// depends on the client; Outlook desktop's mapping is given per variant.
    ///
    /// ```
    /// use msgraph_outlook::models::CategoryColor;
    /// assert_eq!(CategoryColor::Preset9.as_str(), "preset9");
    /// assert_eq!(CategoryColor::preset(9), Some(CategoryColor::Preset9));
    /// // A value this crate does not know is kept as Graph sent it.
    /// assert_eq!(CategoryColor::from("preset25"), CategoryColor::Other("preset25".into()));
    /// ```
    pub enum CategoryColor {
        /// `none`: no colour (-1).
        None = "none",
        /// `preset0`: red.
        Preset0 = "preset0",
        /// `preset1`: orange.
        Preset1 = "preset1",
        /// `preset2`: brown.
        Preset2 = "preset2",
        /// `preset3`: yellow.
        Preset3 = "preset3",
        /// `preset4`: green.
        Preset4 = "preset4",
        /// `preset5`: teal.
        Preset5 = "preset5",
        /// `preset6`: olive.
        Preset6 = "preset6",
        /// `preset7`: blue.
        Preset7 = "preset7",
        /// `preset8`: purple.
        Preset8 = "preset8",
        /// `preset9`: cranberry.
        Preset9 = "preset9",
        /// `preset10`: steel.
        Preset10 = "preset10",
        /// `preset11`: dark steel.
        Preset11 = "preset11",
        /// `preset12`: gray.
        Preset12 = "preset12",
        /// `preset13`: dark gray.
        Preset13 = "preset13",
        /// `preset14`: black.
        Preset14 = "preset14",
        /// `preset15`: dark red.
        Preset15 = "preset15",
        /// `preset16`: dark orange.
        Preset16 = "preset16",
        /// `preset17`: dark brown.
        Preset17 = "preset17",
        /// `preset18`: dark yellow.
        Preset18 = "preset18",
        /// `preset19`: dark green.
        Preset19 = "preset19",
        /// `preset20`: dark teal.
        Preset20 = "preset20",
        /// `preset21`: dark olive.
        Preset21 = "preset21",
        /// `preset22`: dark blue.
        Preset22 = "preset22",
        /// `preset23`: dark purple.
        Preset23 = "preset23",
        /// `preset24`: dark cranberry.
        Preset24 = "preset24",
    }
}

impl CategoryColor {
    /// `preset{n}` for `n` in 0..=24, else `None` (the Rust `Option`).
    pub fn preset(n: u8) -> Option<CategoryColor> {
        (n <= 24).then(|| CategoryColor::from(format!("preset{n}").as_str()))
    }
}

/// `outlookCategory`: one entry of the master category list. `displayName` is unique in
/// the mailbox and cannot be changed after creation; only `color` can
/// (GRAPH-FACTS-2 §8).
///
/// ```
/// use msgraph_outlook::models::{CategoryColor, OutlookCategory};
/// let read: OutlookCategory = serde_json::from_value(serde_json::json!({
///     "id": "7b34c8f7-2a0c-4a23-97f2-7f3cbe6f8b8f",
///     "displayName": "Project expenses",
///     "color": "preset9"
/// }))?;
/// assert_eq!(read.display_name.as_deref(), Some("Project expenses"));
/// assert_eq!(read.color, Some(CategoryColor::Preset9));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OutlookCategory {
    /// The category's id (a GUID), set by Exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The name items are tagged with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Its colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<CategoryColor>,
}
