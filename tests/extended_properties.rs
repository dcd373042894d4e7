//! Extended (MAPI) properties on messages and events against mockito: typed ids set on
//! create and update, read back with `$expand=…($filter=id eq '…')`, lists filtered by value,
//! and ids Graph would refuse caught before sending ("Outlook extended properties overview").

mod common;

use common::*;
use mockito::Matcher;
use msgraph_outlook::models::{
    DateTimeTimeZone, Event, EventPatch, ExtendedPropertyId, MapiPropertyType, Message,
    MessagePatch, SingleValueExtendedProperty,
};
use msgraph_outlook::{Error, InvalidRequest};
use serde_json::json;

const GUID_NS: &str = "66f5a359-4659-4830-9070-00047ec6ac6e";
const COLOR: &str = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color";
const PALETTE: &str = "StringArray {66f5a359-4659-4830-9070-00047ec6ac6e} Name Palette";

fn color() -> ExtendedPropertyId {
    ExtendedPropertyId::named(MapiPropertyType::String, GUID_NS, "Color").unwrap()
}

fn palette() -> ExtendedPropertyId {
    ExtendedPropertyId::named(
        MapiPropertyType::String,
        &format!("{{{GUID_NS}}}"),
        "Palette",
    )
    .unwrap()
    .multi_value()
}

/// A GET on `path` with the query option `name=value` (decoded), answered with `body`.
async fn expect_get(
    server: &mut mockito::ServerGuard,
    path: &str,
    name: &str,
    value: &str,
    body: serde_json::Value,
) -> mockito::Mock {
    server
        .mock("GET", format!("/v1.0{path}").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_header("client-request-id", Matcher::Regex(GUID.into()))
        .match_query(Matcher::UrlEncoded(name.into(), value.into()))
        .with_header("request-id", REQUEST_ID)
        .with_body(body.to_string())
        .expect(1)
        .create_async()
        .await
}

#[tokio::test]
async fn a_draft_carries_single_and_multi_value_properties() {
    let mut server = server().await;
    let create = expect_json(
        &mut server,
        "POST",
        "/me/messages",
        json!({
            "subject": "Palette",
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
            "singleValueExtendedProperties": [{"id": COLOR, "value": "Green"}],
            "multiValueExtendedProperties": [{"id": PALETTE, "value": ["Green", "Blue"]}]
        }),
    )
    .with_status(201)
    .with_body(graph_message("AAMkColor=", "Palette").to_string())
    .create_async()
    .await;
    let draft = Message::new()
        .subject("Palette")
        .to("alex@contoso.com")
        .extended_property(&color(), "Red")
        // A second value of the same property replaces the first.
        .extended_property(&color(), "Green")
        .multi_value_extended_property(&palette(), ["Green", "Blue"]);
    let created = client(&server).me().create_draft(draft).await.unwrap();
    create.assert_async().await;
    assert_eq!(created.id.as_deref(), Some("AAMkColor="));
}

#[tokio::test]
async fn a_patch_sets_properties_and_a_read_expands_one_back() {
    let mut server = server().await;
    let patch = expect_json(
        &mut server,
        "PATCH",
        "/me/messages/AAMkColor=",
        json!({
            "singleValueExtendedProperties": [
                {"id": COLOR, "value": "Blue"},
                {"id": "SystemTime 0x3FEF", "value": "2026-06-10T09:00:00Z"}
            ]
        }),
    )
    .with_body(graph_message("AAMkColor=", "Palette").to_string())
    .create_async()
    .await;
    let mut answer = graph_message("AAMkColor=", "Palette");
    // Graph echoes a GUID the way it likes; ids compare as Graph compares them.
    answer["singleValueExtendedProperties"] = json!([
        {"id": "String {66F5A359-4659-4830-9070-00047EC6AC6E} Name Color", "value": "Blue"}
    ]);
    let get = expect_get(
        &mut server,
        "/me/messages/AAMkColor=",
        "$expand",
        &format!("singleValueExtendedProperties($filter=id eq '{COLOR}')"),
        answer,
    )
    .await;
    let message = client(&server).me().message("AAMkColor=");
    message
        .update(
            MessagePatch::new()
                .extended_property(&color(), "Blue")
                .extended_property(
                    &ExtendedPropertyId::DEFERRED_SEND_TIME,
                    "2026-06-10T09:00:00Z",
                ),
        )
        .await
        .unwrap();
    let read = message
        .get()
        .with_extended_property(&color())
        .await
        .unwrap();
    patch.assert_async().await;
    get.assert_async().await;
    assert_eq!(read.extended_property_value(&color()), Some("Blue"));
    assert_eq!(
        read.extended_property_value(&ExtendedPropertyId::DEFERRED_SEND_TIME),
        None
    );
}

/// "Get resource instances filtered by extended property": `$filter=…/any(ep: …)`.
#[tokio::test]
async fn a_list_is_filtered_by_a_property_value() {
    let mut server = server().await;
    let list = expect_get(
        &mut server,
        "/me/mailFolders/inbox/messages",
        "$filter",
        &format!(
            "singleValueExtendedProperties/any(ep: ep/id eq '{COLOR}' and ep/value eq 'Green')"
        ),
        json!({"value": [graph_message("AAMkGreen=", "Palette")]}),
    )
    .await;
    let found = client(&server)
        .me()
        .list_messages()
        .in_folder("inbox")
        .filter(color().filter_eq("Green"))
        .collect()
        .await
        .unwrap();
    list.assert_async().await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.as_deref(), Some("AAMkGreen="));
}

#[tokio::test]
async fn events_carry_set_and_read_back_properties() {
    let mut server = server().await;
    let booking =
        ExtendedPropertyId::named(MapiPropertyType::String, GUID_NS, "BookingRef").unwrap();
    let booking_id = format!("String {{{GUID_NS}}} Name BookingRef");
    let create = expect_json(
        &mut server,
        "POST",
        "/me/events",
        json!({
            "subject": "Offsite",
            "start": {"dateTime": "2026-12-01T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-01T17:00:00", "timeZone": "UTC"},
            "transactionId": "b1c2d3e4-0000-4000-8000-000000000001",
            "singleValueExtendedProperties": [{"id": booking_id, "value": "BK-1042"}],
            "multiValueExtendedProperties": [{"id": PALETTE, "value": ["Teal"]}]
        }),
    )
    .with_status(201)
    .with_body(json!({"id": "AAMkEvt=", "subject": "Offsite"}).to_string())
    .create_async()
    .await;
    let patch = expect_json(
        &mut server,
        "PATCH",
        "/me/events/AAMkEvt=",
        json!({"multiValueExtendedProperties": [{"id": PALETTE, "value": ["Teal", "Navy"]}]}),
    )
    .with_body(json!({"id": "AAMkEvt=", "subject": "Offsite"}).to_string())
    .create_async()
    .await;
    let get = expect_get(
        &mut server,
        "/me/events/AAMkEvt=",
        "$expand",
        &format!("multiValueExtendedProperties($filter=id eq '{PALETTE}')"),
        json!({"id": "AAMkEvt=", "subject": "Offsite",
               "multiValueExtendedProperties": [{"id": PALETTE, "value": ["Teal", "Navy"]}]}),
    )
    .await;

    let me = client(&server).me();
    let event = Event::new(
        "Offsite",
        DateTimeTimeZone::new("2026-12-01T09:00:00", "UTC"),
        DateTimeTimeZone::new("2026-12-01T17:00:00", "UTC"),
    )
    .transaction_id("b1c2d3e4-0000-4000-8000-000000000001")
    .extended_property(&booking, "BK-1042")
    .multi_value_extended_property(&palette(), ["Teal"]);
    me.create_event(event).await.unwrap();
    let handle = me.event("AAMkEvt=");
    handle
        .update(EventPatch::new().multi_value_extended_property(&palette(), ["Teal", "Navy"]))
        .await
        .unwrap();
    let read = handle
        .get()
        .with_extended_property(&palette())
        .await
        .unwrap();
    create.assert_async().await;
    patch.assert_async().await;
    get.assert_async().await;
    assert_eq!(
        read.multi_value_extended_property_values(&palette()),
        Some(&["Teal".to_string(), "Navy".to_string()][..])
    );
}

#[tokio::test]
async fn ids_graph_would_refuse_are_caught_before_sending() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    // A typed error whose text points to the documented forms.
    let is_bad_id = |err: &Error| {
        matches!(
            err,
            Error::InvalidRequest(InvalidRequest::InvalidExtendedPropertyId { .. })
        ) && err.to_string().contains("(use ExtendedPropertyId)")
    };

    // Bad GUID or empty name: refused when the id is made.
    for (guid, name) in [("not-a-guid", "Color"), (GUID_NS, " ")] {
        let err = ExtendedPropertyId::named(MapiPropertyType::String, guid, name).unwrap_err();
        assert!(is_bad_id(&err.into()), "{guid} {name}");
    }
    // A list under a single-value type, a single value under an array type.
    let err = me
        .create_draft(Message::new().multi_value_extended_property(&color(), ["a"]))
        .await
        .unwrap_err();
    assert!(is_bad_id(&err), "{err:?}");
    let err = me
        .event("AAMkEvt=")
        .update(EventPatch::new().extended_property(&palette(), "a"))
        .await
        .unwrap_err();
    assert!(is_bad_id(&err), "{err:?}");
    // A hand-made id in none of the documented forms.
    let err = me
        .message("AAMkColor=")
        .update(
            MessagePatch::new().extended_properties(vec![serde_json::from_value::<
                SingleValueExtendedProperty,
            >(
                json!({"id": "Color", "value": "Green"}),
            )
            .unwrap()]),
        )
        .await
        .unwrap_err();
    assert!(is_bad_id(&err), "{err:?}");
    none.assert_async().await;
}
