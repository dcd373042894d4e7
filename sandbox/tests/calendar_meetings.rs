//! The meeting flow between sandbox users: invitations and attendee copies, updates,
//! responses (with new time proposals), cancellation and forwarding.

mod common;

use common::*;
use serde_json::{json, Value};

/// Adele organizes a meeting with Alex; returns (sandbox, client, adele token, alex
/// token, organizer's event).
async fn meeting_setup(
    extra: Value,
) -> (
    msgraph_outlook_sandbox::Sandbox,
    reqwest::Client,
    String,
    String,
    Value,
) {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let alex = sb.delegated_token("alex@contoso.com");
    let mut body = event_body(
        "Design review",
        "2026-12-01T15:00:00",
        "2026-12-01T16:00:00",
        &["alex@contoso.com"],
    );
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    let resp = post_json(
        &client,
        &format!("{}/me/events", sb.base_url()),
        &adele,
        &body,
    )
    .await;
    let (status, ev) = status_json(resp).await;
    assert_eq!(status, 201, "{ev}");
    (sb, client, adele, alex, ev)
}

async fn inbox(
    sb: &msgraph_outlook_sandbox::Sandbox,
    client: &reqwest::Client,
    token: &str,
) -> Vec<Value> {
    let (status, body) = get_json(
        client,
        &format!("{}/me/mailFolders/inbox/messages", sb.base_url()),
        token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    values(&body)
}

async fn my_events(
    sb: &msgraph_outlook_sandbox::Sandbox,
    client: &reqwest::Client,
    token: &str,
) -> Vec<Value> {
    let (status, body) = get_json(client, &format!("{}/me/events", sb.base_url()), token).await;
    assert_eq!(status, 200, "{body}");
    values(&body)
}

fn attendee<'a>(ev: &'a Value, address: &str) -> &'a Value {
    ev["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["emailAddress"]["address"] == address)
        .expect("attendee present")
}

#[tokio::test]
async fn create_with_attendees_delivers_requests_and_copies() {
    let (sb, client) = setup().await;
    sb.add_user("carol@contoso.com");
    let adele = sb.delegated_token("adele@contoso.com");
    let alex = sb.delegated_token("alex@contoso.com");
    let carol = sb.delegated_token("carol@contoso.com");
    let base = sb.base_url();
    let body = json!({
        "subject": "Design review",
        "body": {"contentType": "html", "content": "<p>Agenda</p>"},
        "start": {"dateTime": "2026-12-01T15:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-12-01T16:00:00", "timeZone": "W. Europe Standard Time"},
        "location": {"displayName": "Room 1"},
        "attendees": [
            {"emailAddress": {"address": "Alex@Contoso.com", "name": "Alex"}, "type": "required"},
            {"emailAddress": {"address": "carol@contoso.com"}, "type": "optional"},
            {"emailAddress": {"address": "bob@fabrikam.com"}, "type": "required"}
        ]
    });
    let resp = post_json(&client, &format!("{base}/me/events"), &adele, &body).await;
    let (status, ev) = status_json(resp).await;
    assert_eq!(status, 201, "{ev}");
    assert_eq!(ev["isOrganizer"], true);
    assert_eq!(
        ev["responseStatus"],
        json!({"response": "organizer", "time": "0001-01-01T00:00:00Z"})
    );
    assert_eq!(
        ev["organizer"]["emailAddress"]["address"],
        "adele@contoso.com"
    );
    assert_eq!(
        ev["start"],
        json!({"dateTime": "2026-12-01T14:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(ev["originalStartTimeZone"], "W. Europe Standard Time");
    assert_eq!(
        ev["@odata.etag"],
        format!("W/\"{}\"", ev["changeKey"].as_str().unwrap())
    );
    let created = ev["createdDateTime"].as_str().unwrap();
    assert_eq!(created.len(), 28, "7 fractional digits and Z: {created}");
    assert!(created.ends_with('Z'));
    assert_eq!(ev["locations"][0]["displayName"], "Room 1");
    assert_eq!(ev["type"], "singleInstance");
    assert_eq!(ev["allowNewTimeProposals"], true);
    assert_eq!(ev["responseRequested"], true);
    assert!(ev.get("attachments").is_none());
    for a in ev["attendees"].as_array().unwrap() {
        assert_eq!(
            a["status"],
            json!({"response": "none", "time": "0001-01-01T00:00:00Z"})
        );
    }

    // Alex: a meeting request in the Inbox and a tentative copy in the calendar.
    let msgs = inbox(&sb, &client, &alex).await;
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m["@odata.type"], "#microsoft.graph.eventMessageRequest");
    assert_eq!(m["meetingMessageType"], "meetingRequest");
    assert_eq!(m["meetingRequestType"], "newMeetingRequest");
    assert_eq!(m["subject"], "Design review");
    assert_eq!(m["from"]["emailAddress"]["address"], "adele@contoso.com");
    assert_eq!(m["sender"]["emailAddress"]["address"], "adele@contoso.com");
    assert_eq!(
        m["startDateTime"],
        json!({"dateTime": "2026-12-01T14:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(m["endDateTime"]["dateTime"], "2026-12-01T15:00:00.0000000");
    assert_eq!(m["location"]["displayName"], "Room 1");
    assert_eq!(m["isOutOfDate"], false);
    assert_eq!(m["isDelegated"], false);
    assert_eq!(m["isAllDay"], false);
    assert_eq!(m["type"], "singleInstance");
    assert_eq!(m["previousStartDateTime"], Value::Null);
    assert_eq!(m["previousLocation"], Value::Null);
    assert_eq!(m["body"]["content"], "<p>Agenda</p>");
    assert!(m.get("@sbx.iCalUId").is_none());
    let copies = my_events(&sb, &client, &alex).await;
    assert_eq!(copies.len(), 1);
    let copy = &copies[0];
    assert_eq!(copy["iCalUId"], ev["iCalUId"]);
    assert_ne!(copy["id"], ev["id"]);
    assert_eq!(copy["isOrganizer"], false);
    assert_eq!(copy["responseStatus"]["response"], "notResponded");
    assert_eq!(copy["showAs"], "tentative");
    assert_eq!(
        copy["organizer"]["emailAddress"]["address"],
        "adele@contoso.com"
    );

    // $expand=microsoft.graph.eventMessage/event inlines Alex's copy (any case).
    for expand in [
        "microsoft.graph.eventMessage/event",
        "microsoft.graph.eventmessage/event",
    ] {
        let (status, got) = get_json(
            &client,
            &format!(
                "{base}/me/messages/{}?$expand={expand}",
                m["id"].as_str().unwrap()
            ),
            &alex,
        )
        .await;
        assert_eq!(status, 200, "{got}");
        assert_eq!(got["event"]["id"], copy["id"], "{expand}");
        assert_eq!(got["meetingMessageType"], "meetingRequest");
    }

    // Carol is optional: Cc of her request.
    let msgs = inbox(&sb, &client, &carol).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        msgs[0]["ccRecipients"][0]["emailAddress"]["address"],
        "carol@contoso.com"
    );
    // The external attendee's request left the sandbox; a copy is in Sent Items.
    let out = sb.outbound();
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0]["@odata.type"],
        "#microsoft.graph.eventMessageRequest"
    );
    assert!(out[0].get("@sbx.iCalUId").is_none());
    assert_eq!(sb.messages("adele@contoso.com", "sentitems").len(), 1);
    // The Sandbox API sees the same events.
    assert_eq!(sb.events("alex@contoso.com")[0]["id"], copy["id"]);
}

#[tokio::test]
async fn transaction_id_deduplicates_creation() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let mut body = event_body(
        "Retry me",
        "2026-12-01T15:00:00",
        "2026-12-01T16:00:00",
        &["alex@contoso.com"],
    );
    body["transactionId"] = json!("7E163156-7762-4BEB-A1C6-729EA81755A7");
    let url = format!("{}/me/events", sb.base_url());
    let (s1, first) = status_json(post_json(&client, &url, &adele, &body).await).await;
    let (s2, second) = status_json(post_json(&client, &url, &adele, &body).await).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(
        first["transactionId"],
        "7E163156-7762-4BEB-A1C6-729EA81755A7"
    );
    assert_eq!(sb.events("adele@contoso.com").len(), 1);
    assert_eq!(sb.events("alex@contoso.com").len(), 1);
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 1);
}

#[tokio::test]
async fn tentative_with_proposed_new_time_reaches_the_organizer() {
    let (sb, client, adele, alex, ev) = meeting_setup(json!({})).await;
    let base = sb.base_url();
    let copy_id = my_events(&sb, &client, &alex).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = post_json(
        &client,
        &format!("{base}/me/events/{copy_id}/tentativelyAccept"),
        &alex,
        &json!({
            "comment": "Can we do next day?",
            "sendResponse": true,
            "proposedNewTime": {
                "start": {"dateTime": "2026-12-02T07:00:00", "timeZone": "Pacific Standard Time"},
                "end": {"dateTime": "2026-12-02T08:00:00", "timeZone": "Pacific Standard Time"}
            }
        }),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(resp.text().await.unwrap(), "");

    let msgs = inbox(&sb, &client, &adele).await;
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m["@odata.type"], "#microsoft.graph.eventMessageResponse");
    assert_eq!(m["meetingMessageType"], "meetingTenativelyAccepted");
    assert_eq!(m["responseType"], "tentativelyAccepted");
    assert_eq!(m["subject"], "New Time Proposed: Design review");
    assert_eq!(m["from"]["emailAddress"]["address"], "alex@contoso.com");
    assert_eq!(m["body"]["content"], "Can we do next day?");
    assert_eq!(
        m["proposedNewTime"],
        json!({"start": {"dateTime": "2026-12-02T15:00:00.0000000", "timeZone": "UTC"},
               "end": {"dateTime": "2026-12-02T16:00:00.0000000", "timeZone": "UTC"}})
    );
    assert_eq!(
        m["startDateTime"]["dateTime"],
        "2026-12-01T15:00:00.0000000"
    );
    let (_, expanded) = get_json(
        &client,
        &format!(
            "{base}/me/messages/{}?$expand=microsoft.graph.eventMessage/event",
            m["id"].as_str().unwrap()
        ),
        &adele,
    )
    .await;
    assert_eq!(expanded["event"]["id"], ev["id"]);

    let (_, org) = get_json(
        &client,
        &format!("{base}/me/events/{}", ev["id"].as_str().unwrap()),
        &adele,
    )
    .await;
    let a = attendee(&org, "alex@contoso.com");
    assert_eq!(a["status"]["response"], "tentativelyAccepted");
    assert_eq!(
        a["proposedNewTime"]["start"]["dateTime"],
        "2026-12-02T15:00:00.0000000"
    );
    assert_ne!(org["changeKey"], ev["changeKey"]);
    let (_, copy) = get_json(&client, &format!("{base}/me/events/{copy_id}"), &alex).await;
    assert_eq!(copy["responseStatus"]["response"], "tentativelyAccepted");
    assert_eq!(copy["showAs"], "tentative");

    // The organizer takes the proposal: a full update, everyone back to "none".
    let resp = patch_json(
        &client,
        &format!("{base}/me/events/{}", ev["id"].as_str().unwrap()),
        &adele,
        &json!({"start": {"dateTime": "2026-12-02T15:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2026-12-02T16:00:00", "timeZone": "UTC"}}),
        None,
    )
    .await;
    let (status, updated) = status_json(resp).await;
    assert_eq!(status, 200, "{updated}");
    let a = attendee(&updated, "alex@contoso.com");
    assert_eq!(a["status"]["response"], "none");
    assert!(a.get("proposedNewTime").is_none());
    let msgs = inbox(&sb, &client, &alex).await;
    let update = msgs
        .iter()
        .find(|m| m["meetingRequestType"] == "fullUpdate")
        .expect("full update");
    assert_eq!(
        update["previousStartDateTime"]["dateTime"],
        "2026-12-01T15:00:00.0000000"
    );
    assert_eq!(
        update["startDateTime"]["dateTime"],
        "2026-12-02T15:00:00.0000000"
    );
    assert_eq!(update["previousLocation"], Value::Null);
    let (_, copy) = get_json(&client, &format!("{base}/me/events/{copy_id}"), &alex).await;
    assert_eq!(copy["responseStatus"]["response"], "notResponded");
    assert_eq!(copy["start"]["dateTime"], "2026-12-02T15:00:00.0000000");
}

#[tokio::test]
async fn proposal_refused_when_the_organizer_does_not_allow_it() {
    let (sb, client, adele, alex, _ev) =
        meeting_setup(json!({"allowNewTimeProposals": false})).await;
    let base = sb.base_url();
    let copy_id = my_events(&sb, &client, &alex).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("{base}/me/events/{copy_id}/tentativelyAccept");
    let (status, body) =
        status_json(post_json(&client, &url, &alex, &json!({"proposedNewTime": slot()})).await)
            .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "ErrorInvalidRequest");
    assert!(inbox(&sb, &client, &adele).await.is_empty());
}

fn slot() -> Value {
    json!({"start": {"dateTime": "2026-12-02T15:00:00", "timeZone": "UTC"},
           "end": {"dateTime": "2026-12-02T16:00:00", "timeZone": "UTC"}})
}

#[tokio::test]
async fn proposal_refused_without_response_or_valid_slot() {
    let (sb, client, adele, alex, ev2) = meeting_setup(json!({})).await;
    let slot = slot();
    let base = sb.base_url();
    let copy_id = my_events(&sb, &client, &alex).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("{base}/me/events/{copy_id}/decline");
    let (status, body) = status_json(
        post_json(
            &client,
            &url,
            &alex,
            &json!({"proposedNewTime": slot, "sendResponse": false}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let backwards = json!({"start": slot["end"], "end": slot["start"]});
    let (status, _) =
        status_json(post_json(&client, &url, &alex, &json!({"proposedNewTime": backwards})).await)
            .await;
    assert_eq!(status, 400);
    // accept has no proposedNewTime parameter.
    let (status, body) = status_json(
        post_json(
            &client,
            &format!("{base}/me/events/{copy_id}/accept"),
            &alex,
            &json!({"proposedNewTime": slot}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &body,
        "BadRequest",
        "The parameter 'proposedNewTime' in the request payload is not a valid parameter for the operation 'accept'.",
    );
    // The organizer cannot answer the own meeting.
    let (status, _) = status_json(
        post_json(
            &client,
            &format!("{base}/me/events/{}/accept", ev2["id"].as_str().unwrap()),
            &adele,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    // Nothing reached the organizer, the copy is unchanged.
    assert!(inbox(&sb, &client, &adele).await.is_empty());
    assert_eq!(
        my_events(&sb, &client, &alex).await[0]["responseStatus"]["response"],
        "notResponded"
    );
}

#[tokio::test]
async fn pascal_case_accept_and_silent_decline() {
    let (sb, client, adele, alex, ev) = meeting_setup(json!({"showAs": "oof"})).await;
    let base = sb.base_url();
    let copy_id = my_events(&sb, &client, &alex).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = post_json(
        &client,
        &format!("{base}/me/events/{copy_id}/accept"),
        &alex,
        &json!({"@odata.type": "#microsoft.graph.acceptParameters", "Comment": "Sure", "SendResponse": true}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    let msgs = inbox(&sb, &client, &adele).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["meetingMessageType"], "meetingAccepted");
    assert_eq!(msgs[0]["responseType"], "accepted");
    assert_eq!(msgs[0]["subject"], "Accepted: Design review");
    assert_eq!(msgs[0]["proposedNewTime"], Value::Null);
    let (_, copy) = get_json(&client, &format!("{base}/me/events/{copy_id}"), &alex).await;
    assert_eq!(copy["responseStatus"]["response"], "accepted");
    assert_eq!(copy["showAs"], "oof");
    let (_, org) = get_json(
        &client,
        &format!("{base}/me/events/{}", ev["id"].as_str().unwrap()),
        &adele,
    )
    .await;
    assert_eq!(
        attendee(&org, "alex@contoso.com")["status"]["response"],
        "accepted"
    );

    // Declining without a response: no message, the event leaves Alex's calendar.
    let resp = post_json(
        &client,
        &format!("{base}/me/events/{copy_id}/decline"),
        &alex,
        &json!({"SendResponse": false}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(inbox(&sb, &client, &adele).await.len(), 1);
    assert!(my_events(&sb, &client, &alex).await.is_empty());
    let (status, _) = get_json(&client, &format!("{base}/me/events/{copy_id}"), &alex).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn cancel_is_for_organizers() {
    let (sb, client, adele, alex, ev) = meeting_setup(json!({})).await;
    let base = sb.base_url();
    let copy_id = my_events(&sb, &client, &alex).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = status_json(
        post_json(
            &client,
            &format!("{base}/me/events/{copy_id}/cancel"),
            &alex,
            &json!({"comment": "no"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &body,
        "ErrorInvalidRequest",
        "Your request can't be completed. You need to be an organizer to cancel a meeting.",
    );

    let ev_id = ev["id"].as_str().unwrap();
    let resp = post_json(
        &client,
        &format!("{base}/me/events/{ev_id}/cancel"),
        &adele,
        &json!({"Comment": "Sorry, postponed"}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    let msgs = inbox(&sb, &client, &alex).await;
    let c = msgs
        .iter()
        .find(|m| m["meetingMessageType"] == "meetingCancelled")
        .expect("cancellation");
    assert_eq!(c["@odata.type"], "#microsoft.graph.eventMessage");
    assert_eq!(c["subject"], "Canceled: Design review");
    assert_eq!(c["body"]["content"], "Sorry, postponed");
    let copy = &my_events(&sb, &client, &alex).await[0];
    assert_eq!(copy["isCancelled"], true);
    assert!(my_events(&sb, &client, &adele).await.is_empty());
    let (status, _) = get_json(&client, &format!("{base}/me/events/{ev_id}"), &adele).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn updates_notify_kept_added_and_removed_attendees() {
    let (sb, client, adele, alex, ev) = meeting_setup(json!({})).await;
    sb.add_user("carol@contoso.com");
    let carol = sb.delegated_token("carol@contoso.com");
    let base = sb.base_url();
    let url = format!("{base}/me/events/{}", ev["id"].as_str().unwrap());

    // A new location: an informational update with previousLocation.
    let resp = patch_json(
        &client,
        &url,
        &adele,
        &json!({"location": {"displayName": "Room 2"}}),
        None,
    )
    .await;
    let (status, updated) = status_json(resp).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["locations"], json!([updated["location"]]));
    let msgs = inbox(&sb, &client, &alex).await;
    let info = msgs
        .iter()
        .find(|m| m["meetingRequestType"] == "informationalUpdate")
        .expect("update");
    assert_eq!(info["location"]["displayName"], "Room 2");
    assert_eq!(info["previousLocation"]["displayName"], "");
    assert_eq!(info["previousStartDateTime"], Value::Null);
    assert_eq!(
        my_events(&sb, &client, &alex).await[0]["location"]["displayName"],
        "Room 2"
    );

    // Swap Alex for Carol: Carol is invited, Alex's meeting is cancelled.
    let resp = patch_json(
        &client,
        &url,
        &adele,
        &json!({"attendees": [{"emailAddress": {"address": "carol@contoso.com"}, "type": "required"}]}),
        None,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let carol_msgs = inbox(&sb, &client, &carol).await;
    assert_eq!(carol_msgs.len(), 1);
    assert_eq!(carol_msgs[0]["meetingRequestType"], "newMeetingRequest");
    assert_eq!(my_events(&sb, &client, &carol).await.len(), 1);
    let alex_msgs = inbox(&sb, &client, &alex).await;
    assert!(alex_msgs
        .iter()
        .any(|m| m["meetingMessageType"] == "meetingCancelled"));
    assert_eq!(my_events(&sb, &client, &alex).await[0]["isCancelled"], true);

    // Read-only properties are refused.
    let (status, body) = status_json(
        patch_json(
            &client,
            &url,
            &adele,
            &json!({"organizer": {"emailAddress": {"address": "x@y.z"}}}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn forward_invites_recipients_without_changing_the_meeting() {
    let (sb, client, adele, alex, ev) = meeting_setup(json!({})).await;
    sb.add_user("carol@contoso.com");
    let carol = sb.delegated_token("carol@contoso.com");
    let base = sb.base_url();
    let copy_id = my_events(&sb, &client, &alex).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = post_json(
        &client,
        &format!("{base}/me/events/{copy_id}/forward"),
        &alex,
        &json!({"ToRecipients": [{"emailAddress": {"address": "carol@contoso.com", "name": "Carol"}}], "Comment": "FYI"}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    let msgs = inbox(&sb, &client, &carol).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        msgs[0]["@odata.type"],
        "#microsoft.graph.eventMessageRequest"
    );
    assert_eq!(
        msgs[0]["from"]["emailAddress"]["address"],
        "alex@contoso.com"
    );
    assert_eq!(msgs[0]["subject"], "FW: Design review");
    let copies = my_events(&sb, &client, &carol).await;
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0]["responseStatus"]["response"], "notResponded");
    assert_eq!(
        copies[0]["organizer"]["emailAddress"]["address"],
        "adele@contoso.com"
    );
    let (_, org) = get_json(
        &client,
        &format!("{base}/me/events/{}", ev["id"].as_str().unwrap()),
        &adele,
    )
    .await;
    assert_eq!(org["attendees"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn add_event_seeds_a_meeting() {
    let (sb, _client) = setup().await;
    let ev = sb.add_event(
        "adele@contoso.com",
        event_body(
            "Seeded",
            "2026-12-03T09:00:00",
            "2026-12-03T09:30:00",
            &["alex@contoso.com"],
        ),
    );
    assert_eq!(ev["isOrganizer"], true);
    assert_eq!(sb.events("adele@contoso.com").len(), 1);
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox[0]["meetingRequestType"], "newMeetingRequest");
    assert_eq!(sb.events("alex@contoso.com")[0]["iCalUId"], ev["iCalUId"]);
}

#[tokio::test]
async fn hidden_attendees_and_declines_reach_the_organizer() {
    let (sb, client) = setup().await;
    sb.add_user("carol@contoso.com");
    let adele = sb.delegated_token("adele@contoso.com");
    let carol = sb.delegated_token("carol@contoso.com");
    let base = sb.base_url();
    let mut body = event_body(
        "Town hall",
        "2026-12-04T15:00:00",
        "2026-12-04T16:00:00",
        &["alex@contoso.com", "carol@contoso.com"],
    );
    body["hideAttendees"] = json!(true);
    let (_, ev) =
        status_json(post_json(&client, &format!("{base}/me/events"), &adele, &body).await).await;
    // Each attendee sees only themselves, in the request and in the copy.
    let msgs = inbox(&sb, &client, &carol).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["toRecipients"].as_array().unwrap().len(), 1);
    let copy = &my_events(&sb, &client, &carol).await[0];
    assert_eq!(copy["attendees"].as_array().unwrap().len(), 1);
    assert_eq!(
        copy["attendees"][0]["emailAddress"]["address"],
        "carol@contoso.com"
    );

    let resp = post_json(
        &client,
        &format!("{base}/me/events/{}/decline", copy["id"].as_str().unwrap()),
        &carol,
        &json!({"comment": "Out that day"}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    let msgs = inbox(&sb, &client, &adele).await;
    assert_eq!(msgs[0]["meetingMessageType"], "meetingDeclined");
    assert_eq!(msgs[0]["subject"], "Declined: Town hall");
    let (_, org) = get_json(
        &client,
        &format!("{base}/me/events/{}", ev["id"].as_str().unwrap()),
        &adele,
    )
    .await;
    assert_eq!(
        attendee(&org, "carol@contoso.com")["status"]["response"],
        "declined"
    );
    assert_eq!(
        attendee(&org, "alex@contoso.com")["status"]["response"],
        "none"
    );
    assert!(my_events(&sb, &client, &carol).await.is_empty());
    // The expanded event of Carol's request is gone with the declined copy.
    let req_msg = &inbox(&sb, &client, &carol).await[0];
    let (_, got) = get_json(
        &client,
        &format!(
            "{base}/me/messages/{}?$expand=microsoft.graph.eventMessage/event",
            req_msg["id"].as_str().unwrap()
        ),
        &carol,
    )
    .await;
    assert_eq!(got["event"], Value::Null);
}
