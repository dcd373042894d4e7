//! `Mailbox::master_categories` (`…/outlook/masterCategories`): the exact requests on the
//! wire (mockito, checked against openapi-fragments/), typed answers, colours Graph may add
//! kept, local refusals, and the whole life of a category in the sandbox.

mod common;

#[path = "support/sandbox_clients.rs"]
mod clients;

use common::{client, expect_bare, expect_json_answered, expect_no_request, server};
use mockito::Matcher;
use msgraph_outlook::models::{CategoryColor, OutlookCategory};
use msgraph_outlook::{Error, InvalidRequest};
use serde_json::{json, Value};

const ID: &str = "7b34c8f7-2a0c-4a23-97f2-7f3cbe6f8b8f";

fn category(id: &str, name: &str, color: &str) -> Value {
    json!({"id": id, "displayName": name, "color": color})
}

#[tokio::test]
async fn create_get_update_colour_delete_on_the_wire() {
    let mut server = server().await;
    let base = "/users/adele@contoso.com/outlook/masterCategories";
    let create = expect_json_answered(
        &mut server,
        "POST",
        base,
        json!({"displayName": "Project expenses", "color": "preset9"}),
        201,
        category(ID, "Project expenses", "preset9"),
    )
    .await;
    let get = expect_bare(&mut server, "GET", &format!("{base}/{ID}"))
        .with_body(category(ID, "Project expenses", "preset9").to_string())
        .create_async()
        .await;
    let update = expect_json_answered(
        &mut server,
        "PATCH",
        &format!("{base}/{ID}"),
        json!({"color": "preset15"}),
        200,
        category(ID, "Project expenses", "preset15"),
    )
    .await;
    let delete = expect_bare(&mut server, "DELETE", &format!("{base}/{ID}"))
        .with_status(204)
        .create_async()
        .await;

    let categories = client(&server)
        .user("adele@contoso.com")
        .master_categories();
    let created = categories
        .create("Project expenses", CategoryColor::Preset9)
        .await
        .unwrap();
    let expected: OutlookCategory =
        serde_json::from_value(category(ID, "Project expenses", "preset9")).unwrap();
    assert_eq!(created, expected);
    assert_eq!(categories.get(ID).await.unwrap(), expected);
    let recoloured = categories
        .update_color(ID, CategoryColor::Preset15)
        .await
        .unwrap();
    assert_eq!(recoloured.color, Some(CategoryColor::Preset15));
    assert_eq!(recoloured.display_name.as_deref(), Some("Project expenses"));
    categories.delete(ID).await.unwrap();
    for mock in [create, get, update, delete] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn list_reads_every_page_and_keeps_colours_graph_may_add() {
    let mut server = server().await;
    let next = format!(
        "{}/me/outlook/masterCategories?$skip=2",
        common::base_url(&server)
    );
    let page1 = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('adele')/outlook/masterCategories",
        "@odata.nextLink": next,
        "value": [category("c-1", "Red category", "preset0"), category("c-2", "Nothing", "none")]
    });
    let page2 = json!({"value": [category("c-3", "Future", "preset25")]});
    let first = expect_bare(&mut server, "GET", "/me/outlook/masterCategories")
        .with_body(page1.to_string())
        .create_async()
        .await;
    let second = server
        .mock("GET", "/v1.0/me/outlook/masterCategories")
        .match_query(Matcher::UrlEncoded("$skip".into(), "2".into()))
        .with_body(page2.to_string())
        .expect(1)
        .create_async()
        .await;
    let all = client(&server)
        .me()
        .master_categories()
        .list()
        .collect()
        .await
        .unwrap();
    first.assert_async().await;
    second.assert_async().await;
    let colors: Vec<CategoryColor> = all.iter().map(|c| c.color.clone().unwrap()).collect();
    assert_eq!(
        colors,
        [
            CategoryColor::Preset0,
            CategoryColor::None,
            CategoryColor::Other("preset25".into())
        ]
    );
    // Written back, the unknown colour is what Graph sent.
    assert_eq!(
        serde_json::to_value(&all[2]).unwrap(),
        category("c-3", "Future", "preset25")
    );
    assert_eq!(CategoryColor::preset(24), Some(CategoryColor::Preset24));
    assert_eq!(CategoryColor::preset(25), None);
}

#[tokio::test]
async fn refuses_locally_what_graph_would_refuse() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let categories = client(&server).me().master_categories();
    fn refused<T>(r: Result<T, Error>) -> bool {
        matches!(
            r,
            Err(Error::InvalidRequest(InvalidRequest::InvalidValue { .. }))
        )
    }
    assert!(refused(
        categories.create("  ", CategoryColor::Preset1).await
    ));
    assert!(refused(
        categories
            .create("Blue", CategoryColor::Other("preset25".into()))
            .await
    ));
    assert!(refused(
        categories.update_color("", CategoryColor::Preset1).await
    ));
    assert!(refused(
        categories
            .update_color(ID, CategoryColor::Other("teal".into()))
            .await
    ));
    assert!(refused(categories.get(" ").await));
    assert!(refused(categories.delete("").await));
    none.assert_async().await;
}

#[tokio::test]
async fn graph_errors_are_typed() {
    let mut server = server().await;
    let mock = expect_bare(&mut server, "GET", "/me/outlook/masterCategories/missing")
        .with_status(404)
        .with_body(
            common::graph_error(
                "ErrorItemNotFound",
                "The specified object was not found in the store.",
            )
            .to_string(),
        )
        .create_async()
        .await;
    let err = client(&server)
        .me()
        .master_categories()
        .get("missing")
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert!(err.is_not_found());
    assert_eq!(err.graph_code(), Some("ErrorItemNotFound"));
}

#[tokio::test]
async fn sandbox_category_life_with_state_read_back() {
    let sandbox = clients::sandbox_with_clock_set(&["adele@contoso.com"]).await;
    let me = clients::delegated(&sandbox, "adele@contoso.com").me();
    let categories = me.master_categories();
    let before = categories.list().collect().await.unwrap();

    let expenses = categories
        .create("Project expenses", CategoryColor::Preset9)
        .await
        .unwrap();
    let id = expenses.id.clone().unwrap();
    assert_eq!(expenses.display_name.as_deref(), Some("Project expenses"));
    assert_eq!(expenses.color, Some(CategoryColor::Preset9));
    let plain = categories
        .create("Plain", CategoryColor::None)
        .await
        .unwrap();

    // A second category of the same name is refused by the sandbox (Graph: unique names).
    let duplicate = categories
        .create("Project expenses", CategoryColor::Preset1)
        .await
        .unwrap_err();
    assert_eq!(duplicate.status(), Some(409));

    let recoloured = categories
        .update_color(&id, CategoryColor::Preset15)
        .await
        .unwrap();
    assert_eq!(recoloured.color, Some(CategoryColor::Preset15));
    let mut expected = expenses.clone();
    expected.color = Some(CategoryColor::Preset15);
    assert_eq!(categories.get(&id).await.unwrap(), expected);

    let names = |list: &[OutlookCategory]| -> Vec<(String, CategoryColor)> {
        list.iter()
            .map(|c| (c.display_name.clone().unwrap(), c.color.clone().unwrap()))
            .collect()
    };
    let after_create = categories.list().collect().await.unwrap();
    assert_eq!(after_create.len(), before.len() + 2);
    let added: Vec<_> = names(&after_create[before.len()..]);
    assert_eq!(
        added,
        [
            ("Project expenses".to_string(), CategoryColor::Preset15),
            ("Plain".to_string(), CategoryColor::None)
        ]
    );

    categories.delete(&id).await.unwrap();
    assert!(categories.get(&id).await.unwrap_err().is_not_found());
    let left = categories.list().collect().await.unwrap();
    assert_eq!(left.len(), before.len() + 1);
    assert_eq!(left.last(), Some(&plain));

    // The requests were the documented ones.
    let paths: Vec<(String, String)> = sandbox
        .graph_requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .filter(|(_, p)| p.contains("masterCategories"))
        .take(2)
        .collect();
    assert_eq!(
        paths,
        [
            ("GET".into(), "/v1.0/me/outlook/masterCategories".into()),
            ("POST".into(), "/v1.0/me/outlook/masterCategories".into())
        ]
    );
}
