//! Shared by the criterion benches and the example benchmarks (`bench_e2e`, `upload_memory`;
//! included there with `#[path]`): realistic Graph payloads (list pages of messages and events
//! shaped like Graph's answers, GRAPH-FACTS §4, §5; tests/fixtures/calendar/*.json; outgoing
//! messages) and the process's memory readings.

// Each user takes a part of this module.
#![allow(dead_code)]

use msgraph_outlook::models::{FileAttachment, Message};

pub mod child_process;

/// A Graph-length item id (152 characters of base64url, like Exchange's).
pub fn item_id(kind: &str, n: usize) -> String {
    let stem = format!("AAMkAGI2THVSAAA{kind}{n:08}");
    let mut id = stem.clone();
    while id.len() < 148 {
        id.push_str("AAAAAAEMAAAiIsqMbYjsT5e-T7KzowPTAAAYNKZ");
    }
    id.truncate(148);
    id.push_str("AAA=");
    id
}

fn recipient(name: &str, address: &str) -> String {
    format!(r#"{{"emailAddress":{{"name":"{name}","address":"{address}"}}}}"#)
}

/// One message as `GET /users/{id}/messages` returns it (every default property, HTML body).
pub fn message_json(n: usize) -> String {
    let id = item_id("BGAAA", n);
    let body = "<html><head><meta http-equiv=\\\"Content-Type\\\" content=\\\"text/html; charset=utf-8\\\"></head><body><div dir=\\\"ltr\\\"><p>Hi team,</p><p>The quarterly numbers are in. Revenue is up 4% on the quarter, driven by the new subscription tier; churn is flat. Please review the attached deck before Thursday's meeting and send comments to the thread.</p><p>Agenda:</p><ul><li>Q3 results</li><li>Hiring plan</li><li>Roadmap for the next two quarters</li></ul><p>Thanks,<br>Megan</p></div></body></html>";
    let preview = "Hi team, The quarterly numbers are in. Revenue is up 4% on the quarter, driven by the new subscription tier; churn is flat. Please review the attached deck before Thursday's meeting and send comments to the thread.";
    format!(
        concat!(
            r#"{{"@odata.etag":"W/\"CQAAABYAAAAiIsqMbYjsT5e/T7KzowPTAAAYNKZ{n}\"","id":"{id}","#,
            r#""createdDateTime":"2026-11-02T09:{mm:02}:11Z","lastModifiedDateTime":"2026-11-02T09:{mm:02}:13Z","#,
            r#""changeKey":"CQAAABYAAAAiIsqMbYjsT5e/T7KzowPTAAAYNKZ{n}","categories":["Blue category"],"#,
            r#""receivedDateTime":"2026-11-02T09:{mm:02}:12Z","sentDateTime":"2026-11-02T09:{mm:02}:10Z","#,
            r#""hasAttachments":true,"internetMessageId":"<MWHPR1601MB1179{n}@MWHPR1601MB1179.namprd16.prod.outlook.com>","#,
            r#""subject":"Quarterly review #{n}","bodyPreview":"{preview}","importance":"normal","#,
            r#""parentFolderId":"AQMkAGI2TAAA{n}AAAAEMAAAA=","conversationId":"AAQkAGI2TQ{n}lAAQAJfnVb4kBkZFk-rI8k1bKnQ=","#,
            r#""conversationIndex":"AQHW9SZBAQHW9SZB{n}","isDeliveryReceiptRequested":false,"isReadReceiptRequested":false,"#,
            r#""isRead":{read},"isDraft":false,"webLink":"https://outlook.office365.com/owa/?ItemID={id}&exvsurl=1&viewmodel=ReadMessageItem","#,
            r#""inferenceClassification":"focused","body":{{"contentType":"html","content":"{body}"}},"#,
            r#""sender":{megan},"from":{megan},"toRecipients":[{adele},{alex}],"ccRecipients":[{lynne}],"#,
            r#""bccRecipients":[],"replyTo":[],"flag":{{"flagStatus":"notFlagged"}}}}"#
        ),
        n = n,
        id = id,
        mm = n % 60,
        preview = preview,
        read = n % 3 == 0,
        body = body,
        megan = recipient("Megan Bowen", "MeganB@contoso.com"),
        adele = recipient("Adele Vance", "AdeleV@contoso.com"),
        alex = recipient("Alex Wilber", "AlexW@contoso.com"),
        lynne = recipient("Lynne Robbins", "LynneR@contoso.com"),
    )
}

/// One event as a calendarView returns it (online meeting, attendees, locations).
pub fn event_json(n: usize) -> String {
    let id = item_id("BGAAE", n);
    let day = 1 + n % 28;
    let hour = 8 + n % 9;
    format!(
        concat!(
            r#"{{"@odata.etag":"W/\"ZlnW4RIAV06KYYwlrfNZvQAAKGW{n}==\"","id":"{id}","#,
            r#""createdDateTime":"2026-10-20T17:01:11.7405186Z","lastModifiedDateTime":"2026-10-21T08:13:44.1289931Z","#,
            r#""changeKey":"ZlnW4RIAV06KYYwlrfNZvQAAKGW{n}==","categories":[],"transactionId":null,"#,
            r#""originalStartTimeZone":"Pacific Standard Time","originalEndTimeZone":"Pacific Standard Time","#,
            r#""iCalUId":"040000008200E00074C5B7101A82E00800000000D3D70B8A6A17D7010000000000000000100000007466591{n}","#,
            r#""uid":"040000008200E00074C5B7101A82E00800000000D3D70B8A6A17D7010000000000000000100000007466591{n}","#,
            r#""reminderMinutesBeforeStart":15,"isReminderOn":true,"hasAttachments":false,"#,
            r#""subject":"Project sync {n}","bodyPreview":"Weekly sync on the migration from EWS to Graph. Agenda in the body.","#,
            r#""importance":"normal","sensitivity":"normal","isAllDay":false,"isCancelled":false,"isOrganizer":false,"#,
            r#""responseRequested":true,"seriesMasterId":null,"showAs":"busy","type":"singleInstance","#,
            r#""webLink":"https://outlook.office365.com/owa/?itemid={id}&exvsurl=1&path=/calendar/item","#,
            r#""onlineMeetingUrl":null,"isOnlineMeeting":true,"onlineMeetingProvider":"teamsForBusiness","#,
            r#""allowNewTimeProposals":true,"isDraft":false,"hideAttendees":false,"#,
            r#""responseStatus":{{"response":"accepted","time":"2026-10-21T08:13:44Z"}},"#,
            r#""body":{{"contentType":"html","content":"<html><head></head><body><p>Weekly sync on the migration from EWS to Graph.</p><p>Agenda: status, blockers, next steps.</p></body></html>"}},"#,
            r#""start":{{"dateTime":"2026-11-{day:02}T{hour:02}:00:00.0000000","timeZone":"UTC"}},"#,
            r#""end":{{"dateTime":"2026-11-{day:02}T{hour:02}:30:00.0000000","timeZone":"UTC"}},"#,
            r#""location":{{"displayName":"Conf Room Rainier","locationType":"default","uniqueId":"Conf Room Rainier","uniqueIdType":"private"}},"#,
            r#""locations":[{{"displayName":"Conf Room Rainier","locationType":"default","uniqueId":"Conf Room Rainier","uniqueIdType":"private"}}],"#,
            r#""recurrence":null,"#,
            r#""attendees":["#,
            r#"{{"type":"required","status":{{"response":"accepted","time":"2026-10-21T08:13:44Z"}},"emailAddress":{{"name":"Adele Vance","address":"AdeleV@contoso.com"}}}},"#,
            r#"{{"type":"required","status":{{"response":"tentativelyAccepted","time":"2026-10-21T09:02:10Z"}},"emailAddress":{{"name":"Alex Wilber","address":"AlexW@contoso.com"}}}},"#,
            r#"{{"type":"optional","status":{{"response":"none","time":"0001-01-01T00:00:00Z"}},"emailAddress":{{"name":"Lynne Robbins","address":"LynneR@contoso.com"}}}}],"#,
            r#""organizer":{{"emailAddress":{{"name":"Megan Bowen","address":"MeganB@contoso.com"}}}},"#,
            r#""onlineMeeting":{{"joinUrl":"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{n}%40thread.v2/0"}}}}"#
        ),
        n = n,
        id = id,
        day = day,
        hour = hour,
    )
}

/// A page of `items`, with a next link when given (`{"value":[...],"@odata.nextLink":...}`).
pub fn page_json(context: &str, items: &[String], next_link: Option<&str>) -> String {
    let mut page = format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#{context}","value":["#
    );
    page.push_str(&items.join(","));
    page.push(']');
    if let Some(link) = next_link {
        page.push_str(&format!(r#","@odata.nextLink":"{link}""#));
    }
    page.push('}');
    page
}

/// `count` messages from [`message_json`] as one list page.
pub fn message_page(count: usize, next_link: Option<&str>) -> String {
    let items: Vec<String> = (0..count).map(message_json).collect();
    page_json("users('MeganB%40contoso.com')/messages", &items, next_link)
}

/// `count` events from [`event_json`] as one calendarView page.
pub fn event_page(count: usize) -> String {
    let items: Vec<String> = (0..count).map(event_json).collect();
    page_json("users('MeganB%40contoso.com')/calendarView", &items, None)
}

/// A typical outgoing message: HTML body, two To, one Cc (what the end-to-end run sends).
pub fn typical_message() -> Message {
    Message::new()
        .subject("Quarterly review")
        .html_body(
            "<p>Hi team,</p><p>The quarterly numbers are in. Revenue is up 4% on the quarter, \
             driven by the new subscription tier; churn is flat. Please review the attached \
             deck before Thursday's meeting.</p><p>Thanks,<br>Megan</p>",
        )
        .to("adele@contoso.com")
        .to("alex@contoso.com")
        .cc("lynne@contoso.com")
}

/// A message with `recipients` To recipients and one attachment of `attachment_bytes`.
pub fn big_message(recipients: usize, attachment_bytes: usize) -> Message {
    let mut message = typical_message();
    message.to_recipients.clear();
    message.cc_recipients.clear();
    for i in 0..recipients {
        message = message.to(format!("recipient{i}@contoso.com"));
    }
    // Not all one byte: base64 and the JSON writer see realistic, mixed data.
    let data: Vec<u8> = (0..attachment_bytes)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect();
    message.attach(FileAttachment::new("deck.pdf", "application/pdf", data))
}

/// An RFC 5322 message of about `size` bytes: headers, a text part and a base64 attachment
/// part in 76-character lines, as a mail client writes it.
pub fn mime_message(size: usize) -> Vec<u8> {
    let mut mime = String::from(concat!(
        "From: Megan Bowen <MeganB@contoso.com>\r\n",
        "To: Adele Vance <AdeleV@contoso.com>, Alex Wilber <AlexW@contoso.com>\r\n",
        "Subject: Quarterly review\r\n",
        "Date: Mon, 2 Nov 2026 09:00:00 +0000\r\n",
        "Message-ID: <quarterly-review@contoso.com>\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n",
        "\r\n",
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
        "The quarterly numbers are in; the deck is attached.\r\n",
        "--b1\r\nContent-Type: application/pdf; name=\"deck.pdf\"\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "Content-Disposition: attachment; filename=\"deck.pdf\"\r\n\r\n",
    ));
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0u64;
    while mime.len() + 78 + 8 < size {
        for _ in 0..76 {
            i = i.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            mime.push(alphabet[(i >> 58) as usize] as char);
        }
        mime.push_str("\r\n");
    }
    mime.push_str("--b1--\r\n");
    mime.into_bytes()
}

/// `VmHWM` (peak) or `VmRSS` (current) from /proc/self/status, in KiB (0 where
/// unavailable). Used by the example benchmarks, which measure memory.
pub fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with(field))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// Criterion's settings for both benches: quick, so the whole `scripts/bench` run stays
/// within a few minutes on 2 cores.
pub fn criterion_config() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
        .sample_size(20)
        .without_plots()
}
