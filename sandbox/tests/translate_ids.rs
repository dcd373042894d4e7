//! `POST …/translateExchangeIds` (GRAPH-FACTS-2 §7.6) consistent with the sandbox's ids:
//! `restId` is the `id` the sandbox returns, `restImmutableEntryId` the one returned with
//! `Prefer: IdType="ImmutableId"`, `ewsId` the REST id in standard base64, and the binary
//! formats in the documented URL-safe base64; every pair round-trips and translated ids
//! work in `GET …/messages/{id}`.

mod common;

use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::json;

const ADELE: &str = "adele@contoso.com";
const FORMATS: [&str; 5] = [
    "entryId",
    "ewsId",
    "immutableEntryId",
    "restId",
    "restImmutableEntryId",
];

/// Translates `ids` from `from` to `to` as Adele; asserts that each succeeded and
/// returns the target ids.
async fn convert(sb: &Sandbox, ids: &[impl AsRef<str>], from: &str, to: &str) -> Vec<String> {
    let ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    let token = sb.delegated_token(ADELE);
    let (status, body) = post_path(
        sb,
        &token,
        "/me/translateExchangeIds",
        &json!({"inputIds": ids, "sourceIdType": from, "targetIdType": to}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let value = values(&body);
    assert_eq!(value.len(), ids.len());
    value
        .iter()
        .zip(&ids)
        .map(|(r, id)| {
            assert_eq!(r["sourceId"], *id, "{r}");
            assert!(r.get("errorDetails").is_none(), "{from}→{to}: {r}");
            r["targetId"].as_str().unwrap().to_string()
        })
        .collect()
}

/// A sandbox where Adele has a message in her Inbox and an event; returns (REST id,
/// immutable id) of the message and the event's id.
async fn mailbox() -> (Sandbox, reqwest::Client, (String, String), String) {
    let (sb, client) = setup().await;
    let alex = sb.delegated_token("alex@contoso.com");
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &alex,
        &json!({"message": {"subject": "Stored in EWS days", "toRecipients": [{"emailAddress": {"address": ADELE}}]}}),
    )
    .await;
    assert_eq!(resp.status(), 202);
    let token = sb.delegated_token(ADELE);
    let url = format!(
        "{}/me/mailFolders/inbox/messages?$select=subject",
        sb.base_url()
    );
    let (_, rest) = get_json(&client, &url, &token).await;
    let (_, immutable) =
        status_json(get_prefer(&client, &url, &token, "IdType=\"ImmutableId\"").await).await;
    let ids = (
        rest["value"][0]["id"].as_str().unwrap().to_string(),
        immutable["value"][0]["id"].as_str().unwrap().to_string(),
    );
    assert_ne!(ids.0, ids.1);
    let event = sb.add_event(
        ADELE,
        json!({
            "subject": "Review",
            "start": {"dateTime": "2026-12-01T15:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-01T16:00:00", "timeZone": "UTC"},
        }),
    );
    let event_id = event["id"].as_str().unwrap().to_string();
    (sb, client, ids, event_id)
}

#[tokio::test]
async fn rest_ids_to_immutable_and_ews_forms_and_back() {
    let (sb, _, (rest, immutable), event) = mailbox().await;
    // The docs' example: restId → restImmutableEntryId.
    assert_eq!(
        convert(&sb, &[rest.as_str()], "restId", "restImmutableEntryId").await,
        [immutable.as_str()]
    );
    // ewsId is the REST id in standard base64.
    let ews = convert(&sb, &[rest.as_str()], "restId", "ewsId").await;
    assert_eq!(ews, [rest.replace('-', "+").replace('_', "/")]);
    assert_eq!(convert(&sb, &ews, "ewsId", "restId").await, [rest.as_str()]);
    // The migrant's path: stored EWS ids → immutable Graph ids.
    assert_eq!(
        convert(&sb, &ews, "ewsId", "restImmutableEntryId").await,
        [immutable.as_str()]
    );
    // Binary formats are URL-safe base64 ending in the padding count.
    let entry = convert(&sb, &[rest.as_str()], "restId", "entryId").await;
    assert!(entry[0].ends_with(['0', '1', '2']), "{}", entry[0]);
    assert!(!entry[0].contains(['+', '/', '=']), "{}", entry[0]);
    let immutable_entry = convert(&sb, &[rest.as_str()], "restId", "immutableEntryId").await;
    assert_ne!(entry, immutable_entry);
    // Events too; their REST id never changes, so it is their immutable id as well.
    assert_eq!(
        convert(&sb, &[event.as_str()], "restId", "restImmutableEntryId").await,
        [event.as_str()]
    );
}

#[tokio::test]
async fn every_format_pair_round_trips_and_works_in_get() {
    let (sb, client, (rest, immutable), event) = mailbox().await;
    let token = sb.delegated_token(ADELE);
    for (item, id) in [("message", &rest), ("event", &event)] {
        for from in FORMATS {
            let source = convert(&sb, &[id.as_str()], "restId", from).await;
            for to in FORMATS {
                let there = convert(&sb, &source, from, to).await;
                let back = convert(&sb, &there, to, from).await;
                assert_eq!(back, source, "{item}: {from} → {to} → {from}");
            }
        }
    }
    // A translated id addresses the message in GET.
    for to in ["restId", "restImmutableEntryId"] {
        let ews = convert(&sb, &[rest.as_str()], "restId", "ewsId").await;
        let id = &convert(&sb, &ews, "ewsId", to).await[0];
        let (status, got) = get_json(
            &client,
            &format!("{}/me/messages/{id}?$select=subject", sb.base_url()),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{got}");
        assert_eq!(got["subject"], "Stored in EWS days");
    }
    // The immutable id survives a move; the entry id (like MAPI's) does not.
    let entry_before = convert(
        &sb,
        &[immutable.as_str()],
        "restImmutableEntryId",
        "entryId",
    )
    .await;
    let resp = post_json(
        &client,
        &format!("{}/me/messages/{rest}/move", sb.base_url()),
        &token,
        &json!({"destinationId": "archive"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let moved_rest = convert(&sb, &[immutable.as_str()], "restImmutableEntryId", "restId").await;
    assert_ne!(moved_rest, [rest.as_str()]);
    assert_eq!(
        sb.messages(ADELE, "archive")[0]["id"],
        moved_rest[0].as_str()
    );
    let entry_after = convert(
        &sb,
        &[immutable.as_str()],
        "restImmutableEntryId",
        "entryId",
    )
    .await;
    assert_ne!(entry_before, entry_after);
}

#[tokio::test]
async fn bad_ids_get_error_details_in_place() {
    let (sb, _, (rest, _), _) = mailbox().await;
    let token = sb.delegated_token(ADELE);
    // PascalCase parameter names (the CSDL's) and enum values in any case.
    let (status, body) = post_path(
        &sb,
        &token,
        "/me/translateExchangeIds",
        &json!({
            "InputIds": [rest, "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAEMAAAiIsqMbYjsT5e-T7KzowPTAAAYbvZDAAA=", "not an id!"],
            "SourceIdType": "RESTID",
            "TargetIdType": "ewsId",
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let origin = sb.authority_url();
    assert_eq!(
        body,
        json!({
            "@odata.context": format!("{origin}/v1.0/$metadata#Collection(microsoft.graph.convertIdResult)"),
            "value": [
                {"sourceId": rest, "targetId": rest.replace('-', "+").replace('_', "/")},
                {
                    "sourceId": "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAEMAAAiIsqMbYjsT5e-T7KzowPTAAAYbvZDAAA=",
                    "errorDetails": {"code": "ErrorItemNotFound", "message": "The specified object was not found in the store."},
                },
                {
                    "sourceId": "not an id!",
                    "errorDetails": {"code": "ErrorInvalidIdMalformed", "message": "Id is malformed."},
                },
            ],
        })
    );

    // A binary id ending in a non-ASCII character is malformed (it was a panic).
    let (status, body) = post_path(
        &sb,
        &token,
        "/me/translateExchangeIds",
        &json!({"inputIds": ["AAMké"], "sourceIdType": "entryId", "targetIdType": "restId"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["value"],
        json!([{
            "sourceId": "AAMké",
            "errorDetails": {"code": "ErrorInvalidIdMalformed", "message": "Id is malformed."},
        }])
    );

    // Another mailbox's id is not found in this one.
    let alex_sent = sb.messages("alex@contoso.com", "sentitems")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, body) = post_path(
        &sb,
        &token,
        "/me/translateExchangeIds",
        &json!({"inputIds": [alex_sent], "sourceIdType": "restId", "targetIdType": "entryId"}),
    )
    .await;
    assert_eq!(
        body["value"][0]["errorDetails"]["code"],
        "ErrorItemNotFound"
    );
    // A REST id given as an entry id is malformed.
    let (_, body) = post_path(
        &sb,
        &token,
        "/me/translateExchangeIds",
        &json!({"inputIds": [rest], "sourceIdType": "entryId", "targetIdType": "restId"}),
    )
    .await;
    assert_eq!(
        body["value"][0]["errorDetails"]["code"],
        "ErrorInvalidIdMalformed"
    );
}

#[tokio::test]
async fn more_than_1000_ids_and_bad_parameters_are_refused() {
    let (sb, _, (rest, _), _) = mailbox().await;
    let token = sb.delegated_token(ADELE);
    let ids = vec![rest.clone(); 1000];
    let (status, body) = post_path(
        &sb,
        &token,
        "/me/translateExchangeIds",
        &json!({"inputIds": ids, "sourceIdType": "restId", "targetIdType": "restImmutableEntryId"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(values(&body).len(), 1000);

    let ids = vec![rest.clone(); 1001];
    let (status, body) = post_path(
        &sb,
        &token,
        "/me/translateExchangeIds",
        &json!({"inputIds": ids, "sourceIdType": "restId", "targetIdType": "restImmutableEntryId"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &body,
        "ErrorInvalidParameter",
        "The number of ids in 'inputIds' (1001) exceeds the maximum of 1000.",
    );

    let (status, body) = post_path(
        &sb,
        &token,
        "/me/translateExchangeIds",
        &json!({"inputIds": [rest], "sourceIdType": "hexEntryId", "targetIdType": "restId"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &body,
        "ErrorInvalidParameter",
        "The value 'hexEntryId' of the parameter 'sourceIdType' is not a valid exchangeIdFormat.",
    );
    let (status, body) = post_path(
        &sb,
        &token,
        "/me/translateExchangeIds",
        &json!({"sourceIdType": "restId", "targetIdType": "ewsId"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &body,
        "ErrorInvalidParameter",
        "The parameter 'inputIds' is missing.",
    );
}

#[tokio::test]
async fn user_scopes_suffice_and_mail_read_alone_does_not() {
    let (sb, client, (rest, immutable), _) = mailbox().await;
    let body = json!({"inputIds": [rest], "sourceIdType": "restId", "targetIdType": "restImmutableEntryId"});
    // `User.ReadBasic.All` (the least privileged) and `User.Read`, each alone.
    let path = format!("/users/{ADELE}/translateExchangeIds");
    for scope in ["User.ReadBasic.All", "User.Read"] {
        let token = sb.delegated_token_with_scopes(ADELE, &[scope]);
        for path in ["/me/translateExchangeIds", path.as_str()] {
            let (status, out) = post_path(&sb, &token, path, &body).await;
            assert_eq!(status, 200, "{scope} {path}: {out}");
            assert_eq!(out["value"][0]["targetId"], immutable.as_str());
        }
    }
    let mail_read = sb.delegated_token_with_scopes(ADELE, &["Mail.Read"]);
    let (status, err) = post_path(&sb, &mail_read, "/me/translateExchangeIds", &body).await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorAccessDenied", DENIED);
    // Application permissions are "Not supported." (current docs page).
    let app = app_token(&sb, &client).await;
    let (status, _) = post_path(
        &sb,
        &app,
        &format!("/users/{ADELE}/translateExchangeIds"),
        &body,
    )
    .await;
    assert_eq!(status, 403);
}
