//! The master category list, `…/outlook/masterCategories` (GRAPH-FACTS-2 §7.3;
//! "outlookCategory resource type"
//! <https://learn.microsoft.com/graph/api/resources/outlookcategory>): list, get, create
//! (201), update (colour only, 200: "Update outlookCategory",
//! <https://learn.microsoft.com/graph/api/outlookcategory-update>), delete (204: "Delete
//! Outlook category", <https://learn.microsoft.com/graph/api/outlookcategory-delete>).
//! Deleting a category leaves the items that carry its name alone, as Outlook does
//! (items reference categories by `displayName`).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::request::{json_object, MailRequest};
use crate::graph_error::{empty_response, json_response, GraphError};
use crate::store::organize::Category;
use crate::store::Store;

/// The type name in OData errors.
const TYPE: &str = "outlookCategory";

/// `categoryColor` (CSDL): `none` and `preset0` … `preset24`, in Graph's spelling;
/// `None` for anything else (compared case-insensitively).
fn color(value: &str) -> Option<String> {
    if value.eq_ignore_ascii_case("none") {
        return Some("none".into());
    }
    let n = value
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("preset"))
        .and_then(|_| value[6..].parse::<u8>().ok())
        .filter(|n| *n <= 24 && !value[6..].starts_with('+'))?;
    Some(format!("preset{n}"))
}

/// The `color` of a body, checked.
fn color_of(v: &Value) -> Result<String, GraphError> {
    let text = v.as_str().unwrap_or("");
    color(text).ok_or_else(|| GraphError::not_enum_member(text, "categoryColor"))
}

fn entity(req: &MailRequest<'_>, store: &Store, c: &Category) -> Value {
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(req.context_url(store, "outlook/masterCategories/$entity")),
    );
    if let Value::Object(m) = c.json() {
        out.extend(m);
    }
    Value::Object(out)
}

/// `GET …/outlook/masterCategories` → `200 {@odata.context, value}` in creation order.
pub(super) fn list(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let value: Vec<Value> = store.users[req.user_idx]
        .categories
        .iter()
        .map(Category::json)
        .collect();
    let body = json!({
        "@odata.context": req.context_url(&store, "outlook/masterCategories"),
        "value": value,
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST …/outlook/masterCategories` with `{"displayName", "color"}` → `201` + the
/// category with a new GUID ("Create outlookCategory",
/// <https://learn.microsoft.com/graph/api/outlookuser-post-mastercategories>).
/// `displayName` is required and unique in the mailbox ("The displayName value must be
/// unique in a user's master list", resource page; compared case-insensitively
/// [unconfirmed]); Graph's answer to a duplicate is not documented: the sandbox sends
/// `409 Conflict` [unconfirmed status, code and text]. A missing `color` is `none`
/// [unconfirmed].
pub(super) fn create(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let mut name = None;
    let mut colour = "none".to_string();
    for (key, value) in body.iter().filter(|(k, _)| !k.starts_with('@')) {
        match key.to_ascii_lowercase().as_str() {
            "displayname" => name = value.as_str().map(str::trim).map(str::to_string),
            "color" => colour = color_of(value)?,
            // Read-only; ignored as Graph ignores server-set ids [unconfirmed].
            "id" => {}
            _ => return Err(GraphError::unknown_property(key, TYPE)),
        }
    }
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        // [unconfirmed] Graph's code and text for a missing displayName.
        return Err(GraphError::invalid_parameter(
            "The property 'displayName' is required and can't be empty.",
        ));
    };
    let mut store = req.state.lock();
    let list = &mut store.users[req.user_idx].categories;
    if list
        .iter()
        .any(|c| c.display_name.eq_ignore_ascii_case(&name))
    {
        // [unconfirmed] status, code and text.
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!("A category with the name '{name}' already exists in the master list."),
        ));
    }
    let c = Category::new(&name, &colour);
    list.push(c.clone());
    Ok(json_response(StatusCode::CREATED, &entity(req, &store, &c)))
}

/// `GET …/outlook/masterCategories/{id}` → `200` + the category, `404
/// ErrorItemNotFound` when there is none with that id.
pub(super) fn get(req: &MailRequest<'_>, id: &str) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let c = store.users[req.user_idx]
        .categories
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(id))
        .ok_or_else(GraphError::item_not_found)?;
    Ok(json_response(StatusCode::OK, &entity(req, &store, c)))
}

/// `PATCH …/outlook/masterCategories/{id}` with `{"color"}` → `200` + the category.
/// "You can't modify the displayName property once you have created the category"
/// (Update outlookCategory): a different `displayName` is refused with 400 (code and
/// text [unconfirmed]); the unchanged one is accepted.
pub(super) fn update(req: &MailRequest<'_>, id: &str) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let mut store = req.state.lock();
    let c = store.users[req.user_idx]
        .categories
        .iter_mut()
        .find(|c| c.id.eq_ignore_ascii_case(id))
        .ok_or_else(GraphError::item_not_found)?;
    let mut colour = None;
    for (key, value) in body.iter().filter(|(k, _)| !k.starts_with('@')) {
        match key.to_ascii_lowercase().as_str() {
            "color" => colour = Some(color_of(value)?),
            "displayname" if value.as_str() == Some(c.display_name.as_str()) => {}
            "displayname" => {
                return Err(GraphError::invalid_parameter(
                    "The displayName of a category can't be changed after it is created.",
                ))
            }
            "id" if value.as_str() == Some(c.id.as_str()) => {}
            "id" => {
                return Err(GraphError::invalid_parameter(
                    "The property 'id' is read-only.",
                ))
            }
            _ => return Err(GraphError::unknown_property(key, TYPE)),
        }
    }
    if let Some(colour) = colour {
        c.color = colour;
    }
    let c = c.clone();
    Ok(json_response(StatusCode::OK, &entity(req, &store, &c)))
}

/// `DELETE …/outlook/masterCategories/{id}` → `204`.
pub(super) fn delete(req: &MailRequest<'_>, id: &str) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    let list = &mut store.users[req.user_idx].categories;
    let pos = list
        .iter()
        .position(|c| c.id.eq_ignore_ascii_case(id))
        .ok_or_else(GraphError::item_not_found)?;
    list.remove(pos);
    Ok(empty_response(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::color;

    #[test]
    fn colors_are_none_and_presets_0_to_24() {
        assert_eq!(color("none").as_deref(), Some("none"));
        assert_eq!(color("None").as_deref(), Some("none"));
        assert_eq!(color("preset0").as_deref(), Some("preset0"));
        assert_eq!(color("Preset24").as_deref(), Some("preset24"));
        assert_eq!(color("preset25"), None);
        assert_eq!(color("preset"), None);
        assert_eq!(color("preset+1"), None);
        assert_eq!(color("red"), None);
        assert_eq!(color(""), None);
    }
}
