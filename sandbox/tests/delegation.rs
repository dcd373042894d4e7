//! Calendar sharing and delegation: `calendarPermissions`, what sharees and delegates
//! may do in another user's calendar (through `/users/{owner}/…` and through their
//! copy of the calendar in `/me/calendars`), and meetings created on the owner's
//! behalf.

mod common;

use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";
const MEGAN: &str = "megan.bowen@contoso.com";

/// `base64("ExchangePublishedUser." + address)`: the id scheme of the docs' create
/// example.
fn permission_id(address: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("ExchangePublishedUser.{address}"))
}

fn my_organization() -> Value {
    json!({
        "id": "RGVmYXVsdA==",
        "isRemovable": false,
        "isInsideOrganization": true,
        "role": "freeBusyRead",
        "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read", "write"],
        "emailAddress": {"name": "My Organization"}
    })
}

fn access_denied(body: &Value) {
    assert_graph_error(
        body,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    );
}

fn calendar_denied(body: &Value) {
    assert_graph_error(
        body,
        "DelegatedCalendarAccessDenied",
        "Access is denied. Check credentials and try again.",
    );
}

async fn delete(client: &reqwest::Client, url: &str, token: &str) -> (u16, Option<Value>) {
    let resp = client
        .delete(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).ok())
}

async fn patch(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    status_json(patch_json(client, url, token, body, None).await).await
}

/// POST JSON; the body is `Value::Null` when empty (202s).
async fn post(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    let resp = post_json(client, url, token, body).await;
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Owner `owner` grants `to` the role on its primary calendar (as the owner would,
/// over HTTP); returns the created permission.
async fn share(sb: &Sandbox, client: &reqwest::Client, owner: &str, to: &str, role: &str) -> Value {
    let token = sb.delegated_token(owner);
    let (status, p) = post(
        client,
        &format!("{}/me/calendar/calendarPermissions", sb.base_url()),
        &token,
        &json!({
            "emailAddress": {"address": to},
            "isInsideOrganization": true,
            "isRemovable": true,
            "role": role
        }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    p
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

fn recipient(name: &str, address: &str) -> Value {
    json!({"emailAddress": {"name": name, "address": address}})
}

#[tokio::test]
async fn permissions_start_with_my_organization_and_support_crud() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token(ADELE);
    let base = sb.base_url();
    let adele_id = sb.add_user(ADELE);
    let url = format!("{base}/me/calendar/calendarPermissions");

    let (status, list) = get_json(&client, &url, &adele).await;
    assert_eq!(status, 200);
    assert_eq!(
        list,
        json!({
            "@odata.context": format!("{}/v1.0/$metadata#users('{adele_id}')/calendar/calendarPermissions", sb.authority_url()),
            "value": [my_organization()]
        })
    );

    // Create: 200 OK and the full object, as the docs show it.
    let (status, created) = post(
        &client,
        &url,
        &adele,
        &json!({
            "@odata.type": "#microsoft.graph.calendarPermission",
            "emailAddress": {"name": "Alex Wilber", "address": ALEX},
            "isInsideOrganization": true,
            "isRemovable": true,
            "role": "read"
        }),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let alex_perm = json!({
        "id": permission_id(ALEX),
        "isRemovable": true,
        "isInsideOrganization": true,
        "role": "read",
        "allowedRoles": ["freeBusyRead", "limitedRead", "read", "write",
                         "delegateWithoutPrivateEventAccess", "delegateWithPrivateEventAccess"],
        "emailAddress": {"name": "Alex Wilber", "address": ALEX}
    });
    let entity_context = format!(
        "{}/v1.0/$metadata#users('{adele_id}')/calendar/calendarPermissions/$entity",
        sb.authority_url()
    );
    let mut expected = json!({"@odata.context": entity_context});
    expected
        .as_object_mut()
        .unwrap()
        .extend(alex_perm.as_object().unwrap().clone());
    assert_eq!(created, expected);

    // Listed before "My Organization"; GET by id; /users/{id} prefix works too.
    let (_, list) = get_json(&client, &url, &adele).await;
    assert_eq!(list["value"], json!([alex_perm, my_organization()]));
    let item_url = format!(
        "{base}/users/{}/calendar/calendarPermissions/{}",
        "adele%40contoso.com",
        permission_id(ALEX)
    );
    let (status, got) = get_json(&client, &item_url, &adele).await;
    assert_eq!(status, 200);
    assert_eq!(got, expected);

    // PATCH: only the role, within allowedRoles.
    let (status, updated) = patch(&client, &item_url, &adele, &json!({"role": "write"})).await;
    assert_eq!(status, 200, "{updated}");
    expected["role"] = json!("write");
    assert_eq!(updated, expected);
    let (status, err) = patch(&client, &item_url, &adele, &json!({"role": "none"})).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "ErrorInvalidParameter");
    let (status, err) = patch(&client, &item_url, &adele, &json!({"role": "owner"})).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "RequestBodyRead");
    let (status, err) = patch(
        &client,
        &item_url,
        &adele,
        &json!({"emailAddress": {"address": MEGAN}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "ErrorInvalidParameter");
    let (status, err) = patch(&client, &item_url, &adele, &json!({"color": "red"})).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "BadRequest",
        "The property 'color' does not exist on type 'microsoft.graph.calendarPermission'. Make sure to only use property names that are defined by the type or mark the type as open type.",
    );

    // "My Organization": its role can change, it can't be removed.
    let org_url = format!("{url}/RGVmYXVsdA==");
    let (status, org) = patch(&client, &org_url, &adele, &json!({"role": "limitedRead"})).await;
    assert_eq!(status, 200);
    assert_eq!(org["role"], "limitedRead");
    let (status, err) = delete(&client, &org_url, &adele).await;
    assert_eq!(status, 400);
    assert_eq!(err.unwrap()["error"]["code"], "ErrorCannotDeleteObject");

    // A person outside the organization: up to `read`, named by the address.
    let (status, ext) = post(
        &client,
        &url,
        &adele,
        &json!({"emailAddress": {"address": "admin@fabrikam.com"}, "role": "read"}),
    )
    .await;
    assert_eq!(status, 200, "{ext}");
    assert_eq!(ext["isInsideOrganization"], false);
    assert_eq!(
        ext["allowedRoles"],
        json!(["freeBusyRead", "limitedRead", "read"])
    );
    assert_eq!(
        ext["emailAddress"],
        json!({"name": "admin@fabrikam.com", "address": "admin@fabrikam.com"})
    );
    let (status, err) = post(
        &client,
        &url,
        &adele,
        &json!({"emailAddress": {"address": "other@fabrikam.com"}, "role": "write"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "ErrorInvalidParameter");

    // DELETE → 204, then 404.
    let (status, body) = delete(&client, &item_url, &adele).await;
    assert_eq!((status, body), (204, None));
    let (status, err) = get_json(&client, &item_url, &adele).await;
    assert_eq!(status, 404);
    assert_graph_error(
        &err,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    );
    let (status, _) = delete(&client, &item_url, &adele).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn secondary_calendars_have_no_delegate_roles() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token(ADELE);
    let base = sb.base_url();
    let (status, cal) = post(
        &client,
        &format!("{base}/me/calendars"),
        &adele,
        &json!({"name": "Kids parties"}),
    )
    .await;
    assert_eq!(status, 201, "{cal}");
    assert_eq!(cal["isDefaultCalendar"], false);
    assert_eq!(cal["name"], "Kids parties");
    let url = format!(
        "{base}/users/{ADELE}/calendars/{}/calendarPermissions",
        id_of(&cal)
    );
    let (status, list) = get_json(&client, &url, &adele).await;
    assert_eq!(status, 200);
    assert_eq!(list["value"], json!([my_organization()]));
    let (status, p) = post(
        &client,
        &url,
        &adele,
        &json!({"emailAddress": {"name": "Alex", "address": ALEX}, "role": "write"}),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        p["allowedRoles"],
        json!(["freeBusyRead", "limitedRead", "read", "write"])
    );
    let (status, err) = post(
        &client,
        &url,
        &adele,
        &json!({"emailAddress": {"address": MEGAN}, "role": "delegateWithPrivateEventAccess"}),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "ErrorInvalidParameter");
}

#[tokio::test]
async fn non_owners_see_no_permissions_and_cannot_change_them() {
    let (sb, client) = setup().await;
    let alex = sb.delegated_token(ALEX);
    let base = sb.base_url();
    share(&sb, &client, ADELE, ALEX, "delegateWithPrivateEventAccess").await;
    let url = format!("{base}/users/{ADELE}/calendar/calendarPermissions");
    let (status, list) = get_json(&client, &url, &alex).await;
    assert_eq!(status, 200);
    assert_eq!(list["value"], json!([]));
    let (status, err) = post(
        &client,
        &url,
        &alex,
        &json!({"emailAddress": {"address": MEGAN}, "role": "read"}),
    )
    .await;
    assert_eq!(status, 403);
    access_denied(&err);
    let (status, _) = get_json(&client, &format!("{url}/RGVmYXVsdA=="), &alex).await;
    assert_eq!(status, 404);
    let (status, err) = delete(&client, &format!("{url}/{}", permission_id(ALEX)), &alex).await;
    assert_eq!(status, 403);
    access_denied(&err.unwrap());
}

#[tokio::test]
async fn calendar_access_follows_the_role() {
    let (sb, client) = setup().await;
    let alex = sb.delegated_token(ALEX);
    let base = sb.base_url();
    let ev = sb.add_event(
        ADELE,
        event_body(
            "Planning",
            "2026-12-01T15:00:00",
            "2026-12-01T16:00:00",
            &[],
        ),
    );
    let events_url = format!("{base}/users/{ADELE}/events");
    let body = event_body("By Alex", "2026-12-02T15:00:00", "2026-12-02T16:00:00", &[]);

    // No permission ("My Organization" = freeBusyRead): reads and writes refused.
    for url in [
        events_url.clone(),
        format!("{base}/users/{ADELE}/calendar"),
        format!("{base}/users/{ADELE}/calendars"),
        format!("{events_url}/{}", id_of(&ev)),
        format!(
            "{base}/users/{ADELE}/calendarView?startDateTime=2026-12-01T00:00:00Z&endDateTime=2026-12-03T00:00:00Z"
        ),
    ] {
        let (status, err) = get_json(&client, &url, &alex).await;
        assert_eq!(status, 403, "{url}");
        calendar_denied(&err);
    }
    let (status, err) = post(&client, &events_url, &alex, &body).await;
    assert_eq!(status, 403);
    access_denied(&err);
    let (status, err) = delete(&client, &format!("{events_url}/{}", id_of(&ev)), &alex).await;
    assert_eq!(status, 403);
    access_denied(&err.unwrap());
    // Mail paths need Full Access.
    let (status, err) = get_json(&client, &format!("{base}/users/{ADELE}/messages"), &alex).await;
    assert_eq!(status, 403);
    access_denied(&err);
    // getSchedule stays open to everyone in the organization.
    let (status, sched) = post(
        &client,
        &format!("{base}/users/{ADELE}/calendar/getSchedule"),
        &alex,
        &json!({
            "Schedules": [ADELE],
            "StartTime": {"dateTime": "2026-12-01T15:00:00", "timeZone": "UTC"},
            "EndTime": {"dateTime": "2026-12-01T16:00:00", "timeZone": "UTC"},
            "AvailabilityViewInterval": 60
        }),
    )
    .await;
    assert_eq!(status, 200, "{sched}");
    assert_eq!(sched["value"][0]["availabilityView"], "2");

    // "My Organization" raised to read: everyone may read, nobody may write.
    let adele = sb.delegated_token(ADELE);
    let (status, _) = patch(
        &client,
        &format!("{base}/me/calendar/calendarPermissions/RGVmYXVsdA=="),
        &adele,
        &json!({"role": "read"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, list) = get_json(&client, &events_url, &alex).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(values(&list).len(), 1);
    let (status, err) = post(&client, &events_url, &alex, &body).await;
    assert_eq!(status, 403);
    access_denied(&err);

    // Alex's own `read`: the calendar as he sees it through Adele's mailbox.
    share(&sb, &client, ADELE, ALEX, "read").await;
    let (status, cal) = get_json(&client, &format!("{base}/users/{ADELE}/calendar"), &alex).await;
    assert_eq!(status, 200);
    assert_eq!(cal["canEdit"], false);
    assert_eq!(cal["canShare"], false);
    assert_eq!(cal["canViewPrivateItems"], false);
    let (status, err) = patch(
        &client,
        &format!("{events_url}/{}", id_of(&ev)),
        &alex,
        &json!({"subject": "x"}),
    )
    .await;
    assert_eq!(status, 403);
    access_denied(&err);
}

#[tokio::test]
async fn write_sharee_manages_meetings_on_the_owners_behalf() {
    let (sb, client) = setup().await;
    let alex = sb.delegated_token(ALEX);
    let megan = sb.delegated_token(MEGAN);
    let base = sb.base_url();
    share(&sb, &client, ADELE, ALEX, "write").await;

    // Created through /users/{owner}/events (percent-encoded @): Adele organizes.
    let events_url = format!("{base}/users/adele%40contoso.com/events");
    let (status, ev) = post(
        &client,
        &events_url,
        &alex,
        &event_body(
            "Budget",
            "2026-12-01T15:00:00",
            "2026-12-01T16:00:00",
            &[MEGAN],
        ),
    )
    .await;
    assert_eq!(status, 201, "{ev}");
    assert_eq!(ev["organizer"], recipient("Adele", ADELE));
    assert_eq!(ev["isOrganizer"], true);
    let owner_copy = &sb.events(ADELE)[0];
    assert_eq!(owner_copy["id"], ev["id"]);
    assert_eq!(owner_copy["organizer"], recipient("Adele", ADELE));

    // Megan's invitation: from Adele, sent by Alex.
    let (_, inbox) = get_json(
        &client,
        &format!("{base}/me/mailFolders/inbox/messages"),
        &megan,
    )
    .await;
    let req = &values(&inbox)[0];
    assert_eq!(req["meetingMessageType"], "meetingRequest");
    assert_eq!(req["from"], recipient("Adele", ADELE));
    assert_eq!(req["sender"], recipient("Alex", ALEX));
    assert_eq!(
        req["toRecipients"],
        json!([recipient("Megan Bowen", MEGAN)])
    );
    let (_, copies) = get_json(&client, &format!("{base}/me/events"), &megan).await;
    assert_eq!(values(&copies)[0]["organizer"], recipient("Adele", ADELE));

    // Update and delete through /users/{owner}/events/{id}.
    let ev_url = format!("{events_url}/{}", id_of(&ev));
    let (status, updated) =
        patch(&client, &ev_url, &alex, &json!({"subject": "Budget 2027"})).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["subject"], "Budget 2027");
    assert_eq!(sb.events(ADELE)[0]["subject"], "Budget 2027");
    let msgs = sb.messages(MEGAN, "inbox");
    assert_eq!(msgs[0]["meetingRequestType"], "informationalUpdate");
    assert_eq!(msgs[0]["sender"], recipient("Alex", ALEX));
    let (status, _) = delete(&client, &ev_url, &alex).await;
    assert_eq!(status, 204);
    assert!(sb.events(ADELE).is_empty());
    let msgs = sb.messages(MEGAN, "inbox");
    assert_eq!(msgs[0]["meetingMessageType"], "meetingCancelled");
    assert_eq!(msgs[0]["from"], recipient("Adele", ADELE));
    assert_eq!(msgs[0]["sender"], recipient("Alex", ALEX));

    // The same through Alex's copy of the calendar, and through Adele's calendar id.
    let (_, cals) = get_json(&client, &format!("{base}/me/calendars"), &alex).await;
    let copy = values(&cals)[1].clone();
    assert_eq!(copy["canEdit"], true);
    assert_eq!(copy["canViewPrivateItems"], false);
    let (status, ev) = post(
        &client,
        &format!("{base}/me/calendars/{}/events", id_of(&copy)),
        &alex,
        &event_body(
            "Offsite",
            "2026-12-02T15:00:00",
            "2026-12-02T16:00:00",
            &[MEGAN],
        ),
    )
    .await;
    assert_eq!(status, 201, "{ev}");
    assert_eq!(ev["organizer"], recipient("Adele", ADELE));
    let invitation = &sb.messages(MEGAN, "inbox")[0];
    assert_eq!(invitation["subject"], "Offsite");
    assert_eq!(invitation["from"], recipient("Adele", ADELE));
    assert_eq!(invitation["sender"], recipient("Alex", ALEX));
    let adele = sb.delegated_token(ADELE);
    let (_, own) = get_json(&client, &format!("{base}/me/calendar"), &adele).await;
    let (status, got) = get_json(
        &client,
        &format!(
            "{base}/users/{ADELE}/calendars/{}/events/{}",
            id_of(&own),
            id_of(&ev)
        ),
        &alex,
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["subject"], "Offsite");
}

#[tokio::test]
async fn shared_calendar_appears_in_the_sharees_mailbox() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token(ADELE);
    let alex = sb.delegated_token(ALEX);
    let megan = sb.delegated_token(MEGAN);
    let base = sb.base_url();
    share(
        &sb,
        &client,
        ADELE,
        ALEX,
        "delegateWithoutPrivateEventAccess",
    )
    .await;
    // A sharee with only limitedRead does not get a copy.
    share(&sb, &client, MEGAN, ALEX, "limitedRead").await;
    let alex_id = sb.add_user(ALEX);
    let (_, own) = get_json(&client, &format!("{base}/me/calendar"), &adele).await;

    let (status, list) = get_json(&client, &format!("{base}/me/calendars"), &alex).await;
    assert_eq!(status, 200);
    let cals = values(&list);
    assert_eq!(cals.len(), 2, "{list}");
    assert_eq!(cals[0]["isDefaultCalendar"], true);
    let shared = cals[1].clone();
    let shared_id = id_of(&shared);
    assert_ne!(shared_id, id_of(&own));
    assert_eq!(
        shared,
        json!({
            "id": shared_id,
            "name": "Adele",
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": false,
            "changeKey": own["changeKey"],
            "canShare": false,
            "canViewPrivateItems": false,
            "canEdit": true,
            "isRemovable": true,
            "isTallyingResponses": true,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "owner": {"name": "Adele", "address": ADELE}
        })
    );
    let cal_url = format!("{base}/me/calendars/{shared_id}");
    let (status, got) = get_json(&client, &cal_url, &alex).await;
    assert_eq!(status, 200);
    let mut expected = json!({
        "@odata.context": format!("{}/v1.0/$metadata#users('{alex_id}')/calendars/$entity", sb.authority_url())
    });
    expected
        .as_object_mut()
        .unwrap()
        .extend(shared.as_object().unwrap().clone());
    assert_eq!(got, expected);
    // Only Alex's mailbox knows that id.
    let (status, _) = get_json(&client, &format!("{base}/me/calendars/{shared_id}"), &megan).await;
    assert_eq!(status, 404);

    // Create there with an attendee: Adele organizes, Megan hears from Adele via Alex.
    let (status, ev) = post(
        &client,
        &format!("{cal_url}/events"),
        &alex,
        &event_body(
            "Christmas dinner",
            "2026-12-24T18:00:00",
            "2026-12-24T22:00:00",
            &[MEGAN],
        ),
    )
    .await;
    assert_eq!(status, 201, "{ev}");
    assert_eq!(ev["organizer"], recipient("Adele", ADELE));
    assert_eq!(
        ev["@odata.context"],
        format!(
            "{}/v1.0/$metadata#users('{alex_id}')/calendars('{shared_id}')/events/$entity",
            sb.authority_url()
        )
    );
    let invitation = &sb.messages(MEGAN, "inbox")[0];
    assert_eq!(invitation["from"], recipient("Adele", ADELE));
    assert_eq!(invitation["sender"], recipient("Alex", ALEX));
    let (_, got) = get_json(&client, &format!("{base}/me/events/{}", id_of(&ev)), &adele).await;
    assert_eq!(got["organizer"], recipient("Adele", ADELE));
    assert_eq!(got["isOrganizer"], true);

    // Read, view, update, delete through the copy.
    let ev_url = format!("{cal_url}/events/{}", id_of(&ev));
    let (status, list) = get_json(&client, &format!("{cal_url}/events"), &alex).await;
    assert_eq!(status, 200);
    assert_eq!(values(&list).len(), 1);
    let (status, view) = get_json(
        &client,
        &format!("{cal_url}/calendarView?startDateTime=2026-12-24T00:00:00Z&endDateTime=2026-12-25T00:00:00Z"),
        &alex,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(values(&view)[0]["id"], ev["id"]);
    let (status, got) = get_json(&client, &ev_url, &alex).await;
    assert_eq!(status, 200);
    assert_eq!(got["subject"], "Christmas dinner");
    let (status, att) = post(
        &client,
        &format!("{ev_url}/attachments"),
        &alex,
        &json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "menu.txt", "contentBytes": "bWVudQ=="}),
    )
    .await;
    assert_eq!(status, 201, "{att}");
    let (status, _) = patch(
        &client,
        &ev_url,
        &alex,
        &json!({"location": {"displayName": "Alex' home"}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(sb.events(ADELE)[0]["location"]["displayName"], "Alex' home");
    let (status, err) = post(&client, &format!("{ev_url}/accept"), &alex, &json!({})).await;
    assert_eq!(
        status, 400,
        "the organizer's event can't be accepted: {err}"
    );
    let (status, _) = delete(&client, &ev_url, &alex).await;
    assert_eq!(status, 204);
    assert!(sb.events(ADELE).is_empty());

    // The owner revokes the permission: the copy is gone.
    let (status, _) = delete(
        &client,
        &format!(
            "{base}/me/calendar/calendarPermissions/{}",
            permission_id(ALEX)
        ),
        &adele,
    )
    .await;
    assert_eq!(status, 204);
    let (_, list) = get_json(&client, &format!("{base}/me/calendars"), &alex).await;
    assert_eq!(values(&list).len(), 1);
    let (status, _) = get_json(&client, &cal_url, &alex).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn private_events_are_hidden_unless_delegate_with_private_access() {
    let (sb, client) = setup().await;
    let alex = sb.delegated_token(ALEX);
    let megan = sb.delegated_token(MEGAN);
    let base = sb.base_url();
    let mut private = event_body("Doctor", "2026-12-01T09:00:00", "2026-12-01T10:00:00", &[]);
    private["sensitivity"] = json!("private");
    let private = sb.add_event(ADELE, private);
    sb.add_event(
        ADELE,
        event_body("Standup", "2026-12-01T11:00:00", "2026-12-01T11:15:00", &[]),
    );
    share(&sb, &client, ADELE, ALEX, "write").await;
    share(&sb, &client, ADELE, MEGAN, "delegateWithPrivateEventAccess").await;
    let url = format!("{base}/users/{ADELE}/calendar/events");

    let (_, list) = get_json(&client, &url, &alex).await;
    let subjects: Vec<Value> = values(&list).iter().map(|e| e["subject"].clone()).collect();
    assert_eq!(subjects, [json!("Standup")]);
    let (status, _) = get_json(&client, &format!("{url}/{}", id_of(&private)), &alex).await;
    assert_eq!(status, 404);

    let (_, list) = get_json(&client, &url, &megan).await;
    assert_eq!(values(&list).len(), 2);
    let (status, got) = get_json(&client, &format!("{url}/{}", id_of(&private)), &megan).await;
    assert_eq!(status, 200);
    assert_eq!(got["subject"], "Doctor");
    let (_, cals) = get_json(&client, &format!("{base}/me/calendars"), &megan).await;
    assert_eq!(values(&cals)[1]["canViewPrivateItems"], true);
}

#[tokio::test]
async fn calendars_by_id_paths_work_for_own_calendars() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token(ADELE);
    let alex = sb.delegated_token(ALEX);
    let base = sb.base_url();
    let (_, cal) = get_json(&client, &format!("{base}/me/calendar"), &adele).await;
    let cal_url = format!("{base}/users/{ADELE}/calendars/{}", id_of(&cal));
    let (status, ev) = post(
        &client,
        &format!("{cal_url}/events"),
        &adele,
        &event_body(
            "Sync",
            "2026-12-01T15:00:00",
            "2026-12-01T16:00:00",
            &[ALEX],
        ),
    )
    .await;
    assert_eq!(status, 201, "{ev}");
    let ev_url = format!("{cal_url}/events/{}", id_of(&ev));
    let (status, _) = post(
        &client,
        &format!("{ev_url}/attachments"),
        &adele,
        &json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentBytes": "YQ=="}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, atts) = get_json(&client, &format!("{ev_url}/attachments"), &adele).await;
    assert_eq!(status, 200);
    assert_eq!(values(&atts).len(), 1);
    let (status, inst) = get_json(
        &client,
        &format!("{ev_url}/instances?startDateTime=2026-12-01T00:00:00Z&endDateTime=2026-12-02T00:00:00Z"),
        &adele,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(inst["value"], json!([]));
    let (status, _) = post(
        &client,
        &format!("{ev_url}/forward"),
        &adele,
        &json!({"ToRecipients": [{"emailAddress": {"address": MEGAN}}], "Comment": "FYI"}),
    )
    .await;
    assert_eq!(status, 202);

    // Alex answers under /me/calendars/{his calendar}/events/{copy}/…
    let (_, alex_cal) = get_json(&client, &format!("{base}/me/calendar"), &alex).await;
    let copy = &sb.events(ALEX)[0];
    let copy_url = format!(
        "{base}/me/calendars/{}/events/{}",
        id_of(&alex_cal),
        id_of(copy)
    );
    let (status, _) = post(
        &client,
        &format!("{copy_url}/tentativelyAccept"),
        &alex,
        &json!({"Comment": "Probably", "SendResponse": true}),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(
        sb.events(ADELE)[0]["attendees"][0]["status"]["response"],
        "tentativelyAccepted"
    );
    let (status, _) = post(
        &client,
        &format!("{ev_url}/cancel"),
        &adele,
        &json!({"Comment": "Off"}),
    )
    .await;
    assert_eq!(status, 202);
    assert!(sb.events(ADELE).is_empty());
}

#[tokio::test]
async fn delegate_answers_meeting_requests_for_the_owner() {
    let (sb, client) = setup().await;
    let alex = sb.delegated_token(ALEX);
    let base = sb.base_url();
    share(
        &sb,
        &client,
        ADELE,
        ALEX,
        "delegateWithoutPrivateEventAccess",
    )
    .await;
    let ev = sb.add_event(
        MEGAN,
        event_body(
            "Review",
            "2026-12-03T10:00:00",
            "2026-12-03T11:00:00",
            &[ADELE],
        ),
    );
    let copy = &sb.events(ADELE)[0];
    // PascalCase parameters, through Adele's mailbox.
    let (status, err) = post(
        &client,
        &format!("{base}/users/{ADELE}/events/{}/accept", id_of(copy)),
        &alex,
        &json!({"Comment": "Adele will attend.", "SendResponse": true}),
    )
    .await;
    assert_eq!(status, 202, "{err}");
    assert_eq!(
        sb.events(ADELE)[0]["responseStatus"]["response"],
        "accepted"
    );
    let response = &sb.messages(MEGAN, "inbox")[0];
    assert_eq!(response["meetingMessageType"], "meetingAccepted");
    assert_eq!(response["from"], recipient("Adele", ADELE));
    assert_eq!(response["sender"], recipient("Alex", ALEX));
    assert_eq!(
        sb.events(MEGAN)[0]["attendees"][0]["status"]["response"],
        "accepted"
    );
    let _ = ev;
}

#[tokio::test]
async fn app_tokens_reach_every_mailbox() {
    let (sb, client) = setup().await;
    let app = app_token(&sb, &client).await;
    let base = sb.base_url();
    for path in [
        "messages",
        "mailFolders",
        "calendar",
        "calendars",
        "events",
        "mailboxSettings",
        "calendar/calendarPermissions",
    ] {
        let (status, body) = get_json(&client, &format!("{base}/users/{ALEX}/{path}"), &app).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, p) = post(
        &client,
        &format!("{base}/users/{ALEX}/calendar/calendarPermissions"),
        &app,
        &json!({"emailAddress": {"address": ADELE}, "role": "delegateWithPrivateEventAccess"}),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        p["emailAddress"],
        json!({"name": "Adele", "address": ADELE})
    );
    let (status, _) = post(
        &client,
        &format!("{base}/users/{ALEX}/events"),
        &app,
        &event_body("By app", "2026-12-01T15:00:00", "2026-12-01T16:00:00", &[]),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = post(
        &client,
        &format!("{base}/users/{ALEX}/sendMail"),
        &app,
        &json!({"Message": {"subject": "From app", "toRecipients": [{"emailAddress": {"address": ADELE}}]}, "SaveToSentItems": true}),
    )
    .await;
    assert_eq!(status, 202);
    let got = &sb.messages(ADELE, "inbox")[0];
    assert_eq!(got["from"], recipient("Alex", ALEX));
    assert_eq!(got["sender"], recipient("Alex", ALEX));
}
