//! Issue 16's documented requests end to end against the sandbox, with the state read back:
//! MIME replies and forwards, an inline attachment through an upload session, online meetings,
//! extended properties.

#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;

use msgraph_outlook::models::{
    Attachment, DateTimeTimeZone, Event, EventPatch, ExtendedPropertyId, MapiPropertyType, Message,
    MessagePatch, OnlineMeetingProviderType,
};
use msgraph_outlook::GraphClient;
use msgraph_outlook_sandbox::Sandbox;
use sandbox_clients::delegated;

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";
const MEGAN: &str = "megan@contoso.com";

async fn sandbox() -> (Sandbox, GraphClient, GraphClient) {
    let sandbox = Sandbox::start().await.unwrap();
    for user in [ADELE, ALEX, MEGAN] {
        sandbox.add_user(user);
    }
    let (adele, alex) = (delegated(&sandbox, ADELE), delegated(&sandbox, ALEX));
    (sandbox, adele, alex)
}

/// Alex mails Adele; returns the id of Adele's copy.
async fn question(adele: &GraphClient, alex: &GraphClient, subject: &str) -> String {
    alex.me()
        .send_mail(Message::new().subject(subject).to(ADELE))
        .await
        .unwrap();
    let inbox = adele
        .me()
        .list_messages()
        .in_folder("inbox")
        .filter(format!("subject eq '{subject}'"))
        .collect()
        .await
        .unwrap();
    assert_eq!(inbox.len(), 1);
    inbox[0].id.clone().unwrap()
}

#[tokio::test]
async fn a_mime_reply_reaches_the_sender_and_a_mime_forward_draft_waits_in_drafts() {
    let (sandbox, adele, alex) = sandbox().await;
    let id = question(&adele, &alex, "Lunch on Friday?").await;
    let original = adele.me().message(id);
    // No To: the reply goes to the original's sender.
    original
        .reply_mime(
            b"Subject: RE: Lunch on Friday?\r\nContent-Type: text/plain\r\n\r\nCount me in.\r\n"
                .to_vec(),
        )
        .send()
        .await
        .unwrap();
    let inbox = sandbox.messages(ALEX, "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["subject"], "RE: Lunch on Friday?");
    assert_eq!(inbox[0]["from"]["emailAddress"]["address"], ADELE);

    let draft = original
        .forward_mime(
            format!("To: {MEGAN}\r\nSubject: FW: Lunch on Friday?\r\n\r\nFYI\r\n").into_bytes(),
        )
        .create_draft()
        .await
        .unwrap();
    assert_eq!(draft.is_draft, Some(true));
    let drafts = sandbox.messages(ADELE, "drafts");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0]["subject"], "FW: Lunch on Friday?");
    assert_eq!(
        drafts[0]["toRecipients"][0]["emailAddress"]["address"],
        MEGAN
    );
    assert!(sandbox.messages(MEGAN, "inbox").is_empty(), "only a draft");
}

#[tokio::test]
async fn a_large_inline_image_is_attached_with_its_content_id() {
    let (_sandbox, adele, _alex) = sandbox().await;
    let me = adele.me();
    let draft = me
        .create_draft(
            Message::new()
                .subject("Q3 chart")
                .to(ALEX)
                .html_body(r#"<p>Chart:</p><img src="cid:chart_q3">"#),
        )
        .await
        .unwrap();
    let message = me.message(draft.id.unwrap());
    let image: Vec<u8> = (0..3_500_000u32).map(|i| (i % 253) as u8).collect();
    let id = message
        .attachments()
        .upload("chart.png", "image/png", image.len() as u64, &image[..])
        .inline("chart_q3")
        .send()
        .await
        .unwrap();
    let id = id.expect("the id from the final Location");
    let Attachment::File(file) = message.attachments().get(&id).await.unwrap() else {
        panic!("not a file attachment")
    };
    assert_eq!(file.is_inline, Some(true));
    assert_eq!(file.content_id.as_deref(), Some("chart_q3"));
    assert_eq!(file.name, "chart.png");
    assert!(file.content_bytes == image, "the bytes arrive intact");
}

#[tokio::test]
async fn online_meetings_get_a_join_url_only_with_an_allowed_provider() {
    let (_sandbox, adele, _alex) = sandbox().await;
    let me = adele.me();
    let calendar = me.default_calendar().await.unwrap();
    assert_eq!(
        calendar.allowed_online_meeting_providers,
        [OnlineMeetingProviderType::TeamsForBusiness]
    );
    assert_eq!(
        calendar.default_online_meeting_provider,
        Some(OnlineMeetingProviderType::TeamsForBusiness)
    );
    let slot = |hour: u32| {
        (
            DateTimeTimeZone::new(format!("2026-12-0{hour}T15:00:00"), "UTC"),
            DateTimeTimeZone::new(format!("2026-12-0{hour}T16:00:00"), "UTC"),
        )
    };
    let (start, end) = slot(1);
    let teams = me
        .create_event(Event::new("Sync", start, end).teams_meeting())
        .await
        .unwrap();
    let join = teams.join_url().expect("a join URL").to_string();
    assert!(join.starts_with("https://"), "{join}");
    // Read back: the same meeting.
    let read = me.event(teams.id.unwrap()).get().await.unwrap();
    assert_eq!(read.join_url(), Some(join.as_str()));

    let (start, end) = slot(2);
    let consumer = me
        .create_event(
            Event::new("Chat", start, end)
                .online_meeting(OnlineMeetingProviderType::SkypeForConsumer),
        )
        .await
        .unwrap();
    assert!(!calendar.allows_online_meeting(OnlineMeetingProviderType::SkypeForConsumer));
    assert_eq!(consumer.join_url(), None);

    let (start, end) = slot(3);
    let plain = me
        .create_event(Event::new("Review", start, end))
        .await
        .unwrap();
    assert_eq!(plain.join_url(), None);
    let online = me
        .event(plain.id.unwrap())
        .update(EventPatch::new().is_online_meeting(true))
        .await
        .unwrap();
    assert_eq!(online.event.is_online_meeting, Some(true));
    assert!(online.event.join_url().is_some());
}

#[tokio::test]
async fn a_message_property_is_set_updated_and_read_back_only_when_expanded() {
    let (_sandbox, adele, _alex) = sandbox().await;
    let me = adele.me();
    let color = ExtendedPropertyId::named(
        MapiPropertyType::String,
        "66f5a359-4659-4830-9070-00047ec6ac6e",
        "Color",
    )
    .unwrap();
    let created = me
        .create_draft(
            Message::new()
                .subject("Palette")
                .extended_property(&color, "Green"),
        )
        .await
        .unwrap();
    // The create answer never carries it (GRAPH-FACTS §3).
    assert_eq!(created.extended_property_value(&color), None);
    let message = me.message(created.id.unwrap());
    let plain = message.get().await.unwrap();
    assert_eq!(plain.extended_property_value(&color), None, "not expanded");
    let read = message.get().with_extended_property(&color).await.unwrap();
    assert_eq!(read.extended_property_value(&color), Some("Green"));

    message
        .update(MessagePatch::new().extended_property(&color, "Blue"))
        .await
        .unwrap();
    let read = message.get().with_extended_property(&color).await.unwrap();
    assert_eq!(read.extended_property_value(&color), Some("Blue"));
    assert_eq!(read.single_value_extended_properties.len(), 1);
}

/// Needs the sandbox's extended properties on events, multi-value properties and `$filter`
/// by value (issue 15).
#[tokio::test]
async fn event_and_multi_value_properties_round_trip_and_lists_filter_by_value() {
    let (_sandbox, adele, _alex) = sandbox().await;
    let me = adele.me();
    let ns = "66f5a359-4659-4830-9070-00047ec6ac6e";
    let booking = ExtendedPropertyId::named(MapiPropertyType::String, ns, "BookingRef").unwrap();
    let palette = ExtendedPropertyId::named(MapiPropertyType::String, ns, "Palette")
        .unwrap()
        .multi_value();
    let event = me
        .create_event(
            Event::new(
                "Offsite",
                DateTimeTimeZone::new("2026-12-04T09:00:00", "UTC"),
                DateTimeTimeZone::new("2026-12-04T17:00:00", "UTC"),
            )
            .extended_property(&booking, "BK-1042")
            .multi_value_extended_property(&palette, ["Teal"]),
        )
        .await
        .unwrap();
    let handle = me.event(event.id.clone().unwrap());
    handle
        .update(EventPatch::new().multi_value_extended_property(&palette, ["Teal", "Navy"]))
        .await
        .unwrap();
    let read = handle.get().with_extended_property(&booking).await.unwrap();
    assert_eq!(read.extended_property_value(&booking), Some("BK-1042"));
    let read = handle.get().with_extended_property(&palette).await.unwrap();
    assert_eq!(
        read.multi_value_extended_property_values(&palette),
        Some(&["Teal".to_string(), "Navy".to_string()][..])
    );
    let found = me
        .list_events()
        .filter(booking.filter_eq("BK-1042"))
        .collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, event.id);
    let none = me
        .list_events()
        .filter(booking.filter_eq("BK-9999"))
        .collect()
        .await
        .unwrap();
    assert!(none.is_empty());

    // Messages: multi-value too, and a list filtered by value.
    let color = ExtendedPropertyId::named(MapiPropertyType::String, ns, "Color").unwrap();
    for (subject, value) in [("Green one", "Green"), ("Blue one", "Blue")] {
        me.create_draft(
            Message::new()
                .subject(subject)
                .extended_property(&color, value)
                .multi_value_extended_property(&palette, [value, "White"]),
        )
        .await
        .unwrap();
    }
    let green = me
        .list_messages()
        .filter(color.filter_eq("Green"))
        .collect()
        .await
        .unwrap();
    assert_eq!(green.len(), 1);
    assert_eq!(green[0].subject.as_deref(), Some("Green one"));
    let read = me
        .message(green[0].id.clone().unwrap())
        .get()
        .with_extended_property(&palette)
        .await
        .unwrap();
    assert_eq!(
        read.multi_value_extended_property_values(&palette),
        Some(&["Green".to_string(), "White".to_string()][..])
    );
}
