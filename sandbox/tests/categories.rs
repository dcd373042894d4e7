//! The master category list, `…/outlook/masterCategories` (GRAPH-FACTS-2 §7.3): list,
//! create, get, update (colour only), delete, and the permissions they need.

mod common;

use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.com";

fn url(sb: &Sandbox, tail: &str) -> String {
    format!("{}/me/outlook/masterCategories{tail}", sb.base_url())
}

/// `(displayName, color)` of each category of a list answer.
fn names_and_colors(body: &Value) -> Vec<(String, String)> {
    values(body)
        .iter()
        .map(|c| {
            (
                c["displayName"].as_str().unwrap_or("").to_string(),
                c["color"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn is_guid(s: &Value) -> bool {
    s.as_str().is_some_and(|s| {
        uuid_like(s) && s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
    })
}

fn uuid_like(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[tokio::test]
async fn a_new_mailbox_lists_outlooks_six_default_categories() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    let (status, body) = get_json(&client, &url(&sb, ""), &token).await;
    assert_eq!(status, 200, "{body}");
    let user_id = sb.add_user(ADELE);
    assert_eq!(
        body["@odata.context"],
        format!(
            "{}/v1.0/$metadata#users('{user_id}')/outlook/masterCategories",
            sb.authority_url()
        )
    );
    let expected: Vec<(String, String)> = [
        ("Red category", "preset0"),
        ("Orange category", "preset1"),
        ("Yellow category", "preset3"),
        ("Green category", "preset4"),
        ("Blue category", "preset7"),
        ("Purple category", "preset8"),
    ]
    .iter()
    .map(|(n, c)| (n.to_string(), c.to_string()))
    .collect();
    assert_eq!(names_and_colors(&body), expected);
    for c in values(&body) {
        assert!(is_guid(&c["id"]), "{c}");
        assert_eq!(c.as_object().unwrap().len(), 3, "{c}");
    }
}

#[tokio::test]
async fn create_get_update_colour_and_delete() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    let user_id = sb.add_user(ADELE);
    let (status, created) = status_json(
        post_json(
            &client,
            &url(&sb, ""),
            &token,
            &json!({"displayName": "Project expenses", "color": "preset9"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert!(is_guid(&created["id"]));
    let entity_context = format!(
        "{}/v1.0/$metadata#users('{user_id}')/outlook/masterCategories/$entity",
        sb.authority_url()
    );
    assert_eq!(
        created,
        json!({
            "@odata.context": entity_context,
            "id": id,
            "displayName": "Project expenses",
            "color": "preset9",
        })
    );

    let (status, got) = get_json(&client, &url(&sb, &format!("/{id}")), &token).await;
    assert_eq!(status, 200);
    assert_eq!(got, created);

    // Only the colour changes.
    let (status, updated) = status_json(
        patch_json(
            &client,
            &url(&sb, &format!("/{id}")),
            &token,
            &json!({"color": "preset15"}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        updated,
        json!({
            "@odata.context": entity_context,
            "id": id,
            "displayName": "Project expenses",
            "color": "preset15",
        })
    );
    let (_, list) = get_json(&client, &url(&sb, ""), &token).await;
    assert_eq!(
        names_and_colors(&list).last().cloned(),
        Some(("Project expenses".to_string(), "preset15".to_string()))
    );

    let resp = delete(&client, &url(&sb, &format!("/{id}")), &token).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(resp.text().await.unwrap(), "");
    let (status, body) = get_json(&client, &url(&sb, &format!("/{id}")), &token).await;
    assert_eq!(status, 404);
    assert_graph_error(
        &body,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    );
    let (_, list) = get_json(&client, &url(&sb, ""), &token).await;
    assert_eq!(values(&list).len(), 6);
    let resp = delete(&client, &url(&sb, &format!("/{id}")), &token).await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn the_display_name_cannot_change_and_must_be_unique() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    let (_, created) = status_json(
        post_json(
            &client,
            &url(&sb, ""),
            &token,
            &json!({"displayName": "Travel", "color": "preset2"}),
        )
        .await,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    let (status, body) = status_json(
        patch_json(
            &client,
            &url(&sb, &format!("/{id}")),
            &token,
            &json!({"displayName": "Trips"}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &body,
        "ErrorInvalidParameter",
        "The displayName of a category can't be changed after it is created.",
    );
    // The same name again is no change.
    let (status, body) = status_json(
        patch_json(
            &client,
            &url(&sb, &format!("/{id}")),
            &token,
            &json!({"displayName": "Travel", "color": "none"}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["color"], "none");

    let (status, body) = status_json(
        post_json(
            &client,
            &url(&sb, ""),
            &token,
            &json!({"displayName": "travel", "color": "preset3"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert_graph_error(
        &body,
        "Conflict",
        "A category with the name 'travel' already exists in the master list.",
    );
    let (_, list) = get_json(&client, &url(&sb, ""), &token).await;
    assert_eq!(
        names_and_colors(&list).last().cloned(),
        Some(("Travel".to_string(), "none".to_string()))
    );
    assert_eq!(values(&list).len(), 7);
}

#[tokio::test]
async fn bad_bodies_are_refused_before_anything_changes() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    let cases = [
        (
            json!({"displayName": "X", "color": "preset25"}),
            "RequestBodyRead",
            "Cannot convert the literal 'preset25' to the expected type 'microsoft.graph.categoryColor'.",
        ),
        (
            json!({"displayName": "X", "colour": "preset1"}),
            "BadRequest",
            "The property 'colour' does not exist on type 'microsoft.graph.outlookCategory'. Make sure to only use property names that are defined by the type or mark the type as open type.",
        ),
        (
            json!({"color": "preset1"}),
            "ErrorInvalidParameter",
            "The property 'displayName' is required and can't be empty.",
        ),
    ];
    for (body, code, message) in cases {
        let (status, answer) =
            status_json(post_json(&client, &url(&sb, ""), &token, &body).await).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_graph_error(&answer, code, message);
    }
    let (_, list) = get_json(&client, &url(&sb, ""), &token).await;
    assert_eq!(values(&list).len(), 6);
}

#[tokio::test]
async fn reading_needs_mailbox_settings_read_and_writing_read_write() {
    let (sb, client) = setup().await;
    let reader = sb.delegated_token_with_scopes(ADELE, &["MailboxSettings.Read"]);
    let (status, body) = get_json(&client, &url(&sb, ""), &reader).await;
    assert_eq!(status, 200, "{body}");
    let first = values(&body)[0]["id"].as_str().unwrap().to_string();

    let (status, body) = status_json(
        post_json(
            &client,
            &url(&sb, ""),
            &reader,
            &json!({"displayName": "Nope", "color": "preset1"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    assert_graph_error(&body, "ErrorAccessDenied", DENIED);
    let resp = delete(&client, &url(&sb, &format!("/{first}")), &reader).await;
    assert_eq!(resp.status(), 403);

    // Mail.ReadWrite is not enough to read the list either.
    let mail = sb.delegated_token_with_scopes(ADELE, &["Mail.ReadWrite"]);
    let (status, body) = get_json(&client, &url(&sb, ""), &mail).await;
    assert_eq!(status, 403);
    assert_graph_error(&body, "ErrorAccessDenied", DENIED);

    let writer = sb.delegated_token_with_scopes(ADELE, &["MailboxSettings.ReadWrite"]);
    let (_, list) = get_json(&client, &url(&sb, ""), &writer).await;
    assert_eq!(values(&list).len(), 6, "nothing was created or deleted");
}

#[tokio::test]
async fn an_app_manages_any_users_list() {
    let (sb, client) = setup().await;
    let token = app_token(&sb, &client).await;
    let users_url = format!(
        "{}/users/alex@contoso.com/outlook/masterCategories",
        sb.base_url()
    );
    let (status, created) = status_json(
        post_json(
            &client,
            &users_url,
            &token,
            &json!({"displayName": "Billing", "color": "preset24"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let alex = sb.delegated_token("alex@contoso.com");
    let (_, list) = get_json(&client, &url(&sb, ""), &alex).await;
    assert_eq!(
        names_and_colors(&list).last().cloned(),
        Some(("Billing".to_string(), "preset24".to_string()))
    );
    // Adele's list is her own.
    let adele = sb.delegated_token(ADELE);
    let (_, list) = get_json(&client, &url(&sb, ""), &adele).await;
    assert_eq!(values(&list).len(), 6);
}
