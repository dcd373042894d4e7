//! `Mailbox::translate_exchange_ids` (`POST …/translateExchangeIds`): exact requests on the
//! wire (mockito, checked against openapi-fragments/), chunks of 1,000, per-id results in
//! input order, local refusals, and the sandbox's ids converted and used.

mod common;

#[path = "support/sandbox_clients.rs"]
mod clients;

use common::{client, expect_json_answered, expect_no_request, server};
use msgraph_outlook::api::MAX_TRANSLATE_IDS;
use msgraph_outlook::auth::StaticToken;
use msgraph_outlook::models::{ConvertIdResult, ExchangeIdFormat, GenericError, Message};
use msgraph_outlook::GraphClient;
use msgraph_outlook::{Error, InvalidRequest};
use serde_json::{json, Value};

/// `n` stored EWS ids, `ews-0`, `ews-1`, ….
fn ews_ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("ews-{i}")).collect()
}

/// Graph's answer converting each id to `rest-…`.
fn converted(ids: &[String]) -> Value {
    let value: Vec<Value> = ids
        .iter()
        .map(|id| json!({"sourceId": id, "targetId": id.replace("ews", "rest")}))
        .collect();
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.convertIdResult)",
        "value": value
    })
}

#[tokio::test]
async fn posts_the_documented_body_and_reads_per_id_results() {
    let mut server = server().await;
    let mock = expect_json_answered(
        &mut server,
        "POST",
        "/users/adele@contoso.com/translateExchangeIds",
        json!({
            "inputIds": ["AAMkAGI1-ews", "AAMkAGI2-ews"],
            "sourceIdType": "ewsId",
            "targetIdType": "restImmutableEntryId"
        }),
        200,
        json!({"value": [
            {"sourceId": "AAMkAGI1-ews", "targetId": "AAkALgAA-immutable"},
            {"sourceId": "AAMkAGI2-ews", "errorDetails": {"code": "ErrorInvalidIdMalformed", "message": "Id is malformed."}}
        ]}),
    )
    .await;
    let results = client(&server)
        .user("adele@contoso.com")
        .translate_exchange_ids(
            ["AAMkAGI1-ews", "AAMkAGI2-ews"],
            ExchangeIdFormat::EwsId,
            ExchangeIdFormat::RestImmutableEntryId,
        )
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].result(), Ok("AAkALgAA-immutable"));
    let error: &GenericError = results[1].result().unwrap_err();
    assert_eq!(error.code.as_deref(), Some("ErrorInvalidIdMalformed"));
    assert_eq!(error.message.as_deref(), Some("Id is malformed."));
    assert_eq!(results[1].target_id, None);
    assert_eq!(
        serde_json::to_value(&results[1]).unwrap(),
        json!({"sourceId": "AAMkAGI2-ews", "errorDetails": {"code": "ErrorInvalidIdMalformed", "message": "Id is malformed."}})
    );
}

#[tokio::test]
async fn two_thousand_five_hundred_ids_are_three_posts_answered_in_input_order() {
    assert_eq!(MAX_TRANSLATE_IDS, 1000);
    let ids = ews_ids(2500);
    let mut server = server().await;
    let mut mocks = Vec::new();
    for chunk in ids.chunks(1000) {
        mocks.push(
            expect_json_answered(
                &mut server,
                "POST",
                "/me/translateExchangeIds",
                json!({"inputIds": chunk, "sourceIdType": "ewsId", "targetIdType": "restId"}),
                200,
                converted(chunk),
            )
            .await,
        );
    }
    let results = client(&server)
        .me()
        .translate_exchange_ids(
            ids.clone(),
            ExchangeIdFormat::EwsId,
            ExchangeIdFormat::RestId,
        )
        .await
        .unwrap();
    for mock in &mocks {
        mock.assert_async().await;
    }
    let targets: Vec<&str> = results.iter().map(|r| r.result().unwrap()).collect();
    let expected: Vec<String> = (0..2500).map(|i| format!("rest-{i}")).collect();
    assert_eq!(targets, expected);
}

#[tokio::test]
async fn an_answer_out_of_order_or_short_is_put_back_in_input_order() {
    let mut server = server().await;
    let mock = expect_json_answered(
        &mut server,
        "POST",
        "/me/translateExchangeIds",
        json!({"inputIds": ["a", "b", "c"], "sourceIdType": "restId", "targetIdType": "ewsId"}),
        200,
        json!({"value": [{"sourceId": "c", "targetId": "C"}, {"sourceId": "a", "targetId": "A"}]}),
    )
    .await;
    let results = client(&server)
        .me()
        .translate_exchange_ids(
            ["a", "b", "c"],
            ExchangeIdFormat::RestId,
            ExchangeIdFormat::EwsId,
        )
        .await
        .unwrap();
    mock.assert_async().await;
    let sources: Vec<Option<&str>> = results.iter().map(|r| r.source_id.as_deref()).collect();
    assert_eq!(sources, [Some("a"), Some("b"), Some("c")]);
    assert_eq!(results[0].result(), Ok("A"));
    assert_eq!(results[2].result(), Ok("C"));
    let missing: &ConvertIdResult = &results[1];
    assert_eq!(missing.target_id, None);
    assert_eq!(missing.error_details.as_ref().unwrap().code, None);
}

#[tokio::test]
async fn refuses_locally_what_graph_would_refuse() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    let cases = [
        (
            Vec::<String>::new(),
            ExchangeIdFormat::EwsId,
            "translateExchangeIds needs at least one id",
        ),
        (
            vec!["a".into(), " ".into()],
            ExchangeIdFormat::EwsId,
            "translateExchangeIds: an id is empty",
        ),
        (
            vec!["a".into()],
            ExchangeIdFormat::Other("binaryId".into()),
            "\"binaryId\" is not an exchangeIdFormat Graph documents",
        ),
    ];
    for (ids, from, reason) in cases {
        let refused = me
            .translate_exchange_ids(ids, from, ExchangeIdFormat::RestId)
            .await;
        match refused {
            Err(Error::InvalidRequest(InvalidRequest::InvalidValue { reason: r })) => {
                assert_eq!(r, reason)
            }
            other => panic!("{other:?}"),
        }
    }
    none.assert_async().await;
}

#[tokio::test]
async fn a_failed_chunk_fails_the_whole_conversion() {
    let ids = ews_ids(1500);
    let mut server = server().await;
    let first = expect_json_answered(
        &mut server,
        "POST",
        "/me/translateExchangeIds",
        json!({"inputIds": &ids[..1000], "sourceIdType": "ewsId", "targetIdType": "restId"}),
        200,
        converted(&ids[..1000]),
    )
    .await;
    let second = expect_json_answered(
        &mut server,
        "POST",
        "/me/translateExchangeIds",
        json!({"inputIds": &ids[1000..], "sourceIdType": "ewsId", "targetIdType": "restId"}),
        400,
        common::graph_error("ErrorInvalidParameter", "Invalid parameter."),
    )
    .await;
    let failed = client(&server)
        .me()
        .translate_exchange_ids(ids, ExchangeIdFormat::EwsId, ExchangeIdFormat::RestId)
        .await
        .unwrap_err();
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(failed.status(), Some(400));
    assert_eq!(failed.graph_code(), Some("ErrorInvalidParameter"));
}

#[tokio::test]
async fn sandbox_ews_ids_become_immutable_ids_that_get_the_message() {
    let sandbox = clients::sandbox_with_clock_set(&["adele@contoso.com", "alex@contoso.com"]).await;
    // A program that stores ids: immutable ids on every request.
    let adele = GraphClient::builder()
        .cloud(clients::cloud(&sandbox))
        .token_provider(StaticToken::delegated(
            sandbox.delegated_token("adele@contoso.com"),
        ))
        .immutable_ids()
        .build()
        .unwrap();
    let me = adele.me();
    for subject in ["Plan", "Budget"] {
        me.send_mail(
            Message::new()
                .subject(subject)
                .text_body("v1")
                .to("alex@contoso.com"),
        )
        .await
        .unwrap();
    }
    // The stored EWS ids of an EWS program: made here from the REST ids of the sent copies.
    let sent = sandbox.messages("adele@contoso.com", "sentitems");
    let rest_ids: Vec<String> = sent
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    let ews = me
        .translate_exchange_ids(
            rest_ids.clone(),
            ExchangeIdFormat::RestId,
            ExchangeIdFormat::EwsId,
        )
        .await
        .unwrap();
    let ews_ids: Vec<String> = ews
        .iter()
        .map(|r| r.result().unwrap().to_string())
        .collect();
    assert_eq!(ews[0].source_id.as_deref(), Some(rest_ids[0].as_str()));
    assert_ne!(ews_ids[0], rest_ids[0]);

    let mut stored = ews_ids.clone();
    stored.push("not an id".into());
    let immutable = me
        .translate_exchange_ids(
            stored,
            ExchangeIdFormat::EwsId,
            ExchangeIdFormat::RestImmutableEntryId,
        )
        .await
        .unwrap();
    assert_eq!(immutable.len(), 3);
    assert_eq!(
        immutable[2].result().unwrap_err().code.as_deref(),
        Some("ErrorInvalidIdMalformed")
    );
    for (result, expected) in immutable.iter().zip(&sent) {
        let id = result.result().unwrap();
        let message = me.message(id).get().await.unwrap();
        assert_eq!(
            message.subject,
            expected["subject"].as_str().map(String::from)
        );
        // With immutable ids on, Graph answers with the same id.
        assert_eq!(message.id.as_deref(), Some(id));
    }
    // And back: the immutable id translates to the REST id the sandbox lists.
    let back = me
        .translate_exchange_ids(
            [immutable[0].result().unwrap()],
            ExchangeIdFormat::RestImmutableEntryId,
            ExchangeIdFormat::RestId,
        )
        .await
        .unwrap();
    assert_eq!(back[0].result(), Ok(rest_ids[0].as_str()));
}

#[tokio::test]
async fn sandbox_refuses_an_app_only_token_as_the_docs_list_no_application_permission() {
    let sandbox = clients::sandbox_with_clock_set(&["adele@contoso.com"]).await;
    let refused = clients::app(&sandbox)
        .user("adele@contoso.com")
        .translate_exchange_ids(["AAMk"], ExchangeIdFormat::EwsId, ExchangeIdFormat::RestId)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused}");
    assert_eq!(refused.graph_code(), Some("ErrorAccessDenied"), "{refused}");
}
