//! Extended properties on events (issue 15 item 6): the documented create example
//! ("Create single-value extended property", Request 1: an event) answers 201 without
//! the property; PATCH merges; `$expand` with `$filter=id eq '…'` returns it; a
//! `$filter` on the value selects events; multi-value properties work the same way.

mod common;

use common::{assert_graph_error, get_json, patch_json, post_json, setup, status_json};
use serde_json::{json, Value};

const FUN: &str = "String {66f5a359-4659-4830-9070-00040ec6ac6e} Name Fun";
const COLOR: &str = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color";

fn enc(s: &str) -> String {
    s.replace('%', "%25")
        .replace(' ', "%20")
        .replace('{', "%7B")
        .replace('}', "%7D")
        .replace('\'', "%27")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace(':', "%3A")
}

/// Request 1 of the docs page, verbatim.
fn documented_event() -> Value {
    json!({
      "subject": "Celebrate Thanksgiving",
      "body": {"contentType": "HTML", "content": "Let's get together!"},
      "start": {"dateTime": "2015-11-26T18:00:00", "timeZone": "Pacific Standard Time"},
      "end": {"dateTime": "2015-11-26T23:00:00", "timeZone": "Pacific Standard Time"},
      "attendees": [
        {"emailAddress": {"address": "Terrie@contoso.com", "name": "Terrie Barrera"}, "type": "Required"}
      ],
      "singleValueExtendedProperties": [
         {"id": FUN, "value": "Food"}
      ]
    })
}

#[tokio::test]
async fn documented_event_example_creates_the_property() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = sb.delegated_token("adele@contoso.com");
    let (status, created) = status_json(
        post_json(
            &client,
            &format!("{base}/me/events"),
            &token,
            &documented_event(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    // The answer does not include the new property (documented).
    assert!(created.get("singleValueExtendedProperties").is_none());
    assert_eq!(created["subject"], "Celebrate Thanksgiving");
    let id = created["id"].as_str().unwrap();

    // A plain GET does not return it either.
    let (status, plain) = get_json(&client, &format!("{base}/me/events/{id}"), &token).await;
    assert_eq!(status, 200);
    assert!(plain.get("singleValueExtendedProperties").is_none());

    // $expand with $filter=id eq '…' (id compared with its type word ignoring case).
    let expand = enc(&format!(
        "singleValueExtendedProperties($filter=id eq '{}')",
        FUN.replace("String", "string")
    ));
    let (status, got) = get_json(
        &client,
        &format!("{base}/me/events/{id}?$select=subject&$expand={expand}"),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["subject"], "Celebrate Thanksgiving");
    assert_eq!(
        got["singleValueExtendedProperties"],
        json!([{"id": FUN, "value": "Food"}])
    );
    // An id that is not there: an empty list.
    let other = enc(&format!(
        "singleValueExtendedProperties($filter=id eq '{COLOR}')"
    ));
    let (_, got) = get_json(
        &client,
        &format!("{base}/me/events/{id}?$expand={other}"),
        &token,
    )
    .await;
    assert_eq!(got["singleValueExtendedProperties"], json!([]));
}

#[tokio::test]
async fn patch_merges_and_filter_selects_by_value() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = sb.delegated_token("adele@contoso.com");
    let mut ids = Vec::new();
    for (subject, color) in [("Green one", "Green"), ("Red one", "Red"), ("None", "")] {
        let mut body = json!({
            "subject": subject,
            "start": {"dateTime": "2026-12-01T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-01T11:00:00", "timeZone": "UTC"},
        });
        if !color.is_empty() {
            body["singleValueExtendedProperties"] = json!([{"id": COLOR, "value": color}]);
        }
        let (status, ev) =
            status_json(post_json(&client, &format!("{base}/me/events"), &token, &body).await)
                .await;
        assert_eq!(status, 201, "{ev}");
        ids.push(ev["id"].as_str().unwrap().to_string());
    }

    // PATCH an existing event: 200, the property replaced by id, another added.
    let resp = patch_json(
        &client,
        &format!("{base}/me/events/{}", ids[1]),
        &token,
        &json!({"singleValueExtendedProperties": [
            {"id": COLOR, "value": "Green"},
            {"id": "Integer 0x3FEF", "value": "7"}
        ]}),
        None,
    )
    .await;
    let (status, patched) = status_json(resp).await;
    assert_eq!(status, 200, "{patched}");
    assert!(patched.get("singleValueExtendedProperties").is_none());
    let (_, got) = get_json(
        &client,
        &format!(
            "{base}/me/events/{}?$select=subject&$expand=singleValueExtendedProperties",
            ids[1]
        ),
        &token,
    )
    .await;
    assert_eq!(
        got["singleValueExtendedProperties"],
        json!([{"id": COLOR, "value": "Green"}, {"id": "Integer 0x3fef", "value": "7"}])
    );

    // $filter on the value (case-insensitive, documented) over the list.
    let filter = enc(&format!(
        "singleValueExtendedProperties/any(ep: ep/id eq '{COLOR}' and ep/value eq 'green')"
    ));
    let (status, list) = get_json(
        &client,
        &format!("{base}/me/events?$filter={filter}&$select=subject"),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let subjects: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Green one", "Red one"]);

    // The same filter on calendarView.
    let (status, view) = get_json(
        &client,
        &format!(
            "{base}/me/calendarView?startDateTime=2026-12-01T00:00:00Z&endDateTime=2026-12-02T00:00:00Z&$filter={filter}"
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["value"].as_array().unwrap().len(), 2);

    // A lambda the sandbox cannot evaluate is refused like other invalid filters.
    let bad = enc("singleValueExtendedProperties/any(ep: ep/name eq 'x')");
    let (status, err) = get_json(&client, &format!("{base}/me/events?$filter={bad}"), &token).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ErrorInvalidUrlQueryFilter",
        "The query filter contains one or more invalid nodes.",
    );
}

#[tokio::test]
async fn multi_value_properties_on_events() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = sb.delegated_token("adele@contoso.com");
    let tags = "StringArray {66f5a359-4659-4830-9070-00049ec6ac6e} Name Palette";
    let (status, ev) = status_json(
        post_json(
            &client,
            &format!("{base}/me/events"),
            &token,
            &json!({
                "subject": "Tagged",
                "start": {"dateTime": "2026-12-02T10:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2026-12-02T11:00:00", "timeZone": "UTC"},
                "multiValueExtendedProperties": [{"id": tags, "value": ["Green", "Yellow"]}]
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{ev}");
    let id = ev["id"].as_str().unwrap();
    let expand = enc(&format!(
        "multiValueExtendedProperties($filter=id eq '{tags}')"
    ));
    let (status, got) = get_json(
        &client,
        &format!("{base}/me/events/{id}?$expand={expand}"),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        got["multiValueExtendedProperties"],
        json!([{"id": tags, "value": ["Green", "Yellow"]}])
    );
    assert!(got.get("singleValueExtendedProperties").is_none());

    // A multi-value property needs an array of strings; nothing changes.
    let resp = patch_json(
        &client,
        &format!("{base}/me/events/{id}"),
        &token,
        &json!({"multiValueExtendedProperties": [{"id": tags, "value": "Green"}]}),
        None,
    )
    .await;
    let (status, err) = status_json(resp).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ErrorInvalidExtendedProperty",
        &format!(
            "The value of the multi-value extended property '{tags}' must be an array of strings."
        ),
    );
    let (_, got) = get_json(
        &client,
        &format!("{base}/me/events/{id}?$expand={expand}"),
        &token,
    )
    .await;
    assert_eq!(
        got["multiValueExtendedProperties"][0]["value"],
        json!(["Green", "Yellow"])
    );
}

/// Messages share the mechanism: multi-value properties on a draft, merged by PATCH.
#[tokio::test]
async fn multi_value_properties_on_messages_too() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = sb.delegated_token("adele@contoso.com");
    let tags = "StringArray {66f5a359-4659-4830-9070-00049ec6ac6e} Name Palette";
    let (status, draft) = status_json(
        post_json(
            &client,
            &format!("{base}/me/messages"),
            &token,
            &json!({
                "subject": "Tagged draft",
                "multiValueExtendedProperties": [{"id": tags, "value": ["Red"]}]
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    assert!(draft.get("multiValueExtendedProperties").is_none());
    let id = draft["id"].as_str().unwrap();
    let resp = patch_json(
        &client,
        &format!("{base}/me/messages/{id}"),
        &token,
        &json!({"multiValueExtendedProperties": [{"id": tags, "value": ["Red", "Blue"]}]}),
        None,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let (status, got) = get_json(
        &client,
        &format!("{base}/me/messages/{id}?$select=subject&$expand=multiValueExtendedProperties"),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(
        got["multiValueExtendedProperties"],
        json!([{"id": tags, "value": ["Red", "Blue"]}])
    );
    assert!(got.get("singleValueExtendedProperties").is_none());
}
