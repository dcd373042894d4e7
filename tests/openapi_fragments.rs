//! Tests for openapi-fragments/ and the test-support validator in tests/support/openapi.rs:
//! the fragments load and all $refs resolve, the corrected sendMail doc examples pass, the
//! uncorrected ones and typical client mistakes fail with a JSON path in the message; the same
//! for the calendar fragments (events, responses, getSchedule, findMeetingTimes), plus Graph's
//! documented event, calendar and schedule answers against the response schemas; and for sharing
//! and delegation (calendarPermissions, mailboxSettings, events addressed through a shared or
//! delegated calendar) with the documented examples in tests/fixtures/delegation/.

#[path = "support/openapi.rs"]
mod openapi;

use openapi::{assert_request_conforms, fragments, Fragments};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const ME: &str = "/me/sendMail";
const USER: &str = "/users/adele%40contoso.com/sendMail";
const USER_GUID: &str = "/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/sendMail";
const JSON: &str = "application/json";

fn body(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn send_json(path: &str, v: &Value) -> Result<(), Vec<String>> {
    fragments().validate_request("POST", path, JSON, &body(v))
}

/// Expects a failure on both sendMail paths and returns the violations (of /me/sendMail).
fn expect_fail(v: &Value) -> Vec<String> {
    for p in [USER, USER_GUID] {
        assert!(send_json(p, v).is_err(), "expected {p} to reject: {v:#}");
    }
    send_json(ME, v).expect_err(&format!("expected /me/sendMail to reject: {v:#}"))
}

/// Asserts some violation starts with `path_prefix` (e.g. "$.message.id:") and contains `needle`.
fn assert_violation(errors: &[String], path_prefix: &str, needle: &str) {
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(path_prefix) && e.contains(needle)),
        "no violation at '{path_prefix}' containing '{needle}'; got:\n  {}",
        errors.join("\n  ")
    );
}

fn fragments_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi-fragments")
}

// ------------------------------------------------------------------------------------------
// Doc examples (seeds/graph-user-sendmail.md), corrected forms.
// Corrections: saveToSentItems is a JSON boolean; Example 5's fields move inside "message";
// bodyType values use the CSDL spelling "text"/"html" (the docs write "Text"/"HTML").
// ------------------------------------------------------------------------------------------

fn example1_corrected() -> Value {
    json!({
      "message": {
        "subject": "Meet for lunch?",
        "body": { "contentType": "text", "content": "The new cafeteria is open." },
        "toRecipients": [ { "emailAddress": { "address": "frannis@contoso.com" } } ],
        "ccRecipients": [ { "emailAddress": { "address": "danas@contoso.com" } } ]
      },
      "saveToSentItems": false
    })
}

fn example2_corrected() -> Value {
    json!({
      "message": {
        "subject": "9/9/2018: concert",
        "body": { "contentType": "html", "content": "The group represents Nevada." },
        "toRecipients": [ { "emailAddress": { "address": "AlexW@contoso.com" } } ],
        "internetMessageHeaders": [
          { "name": "x-custom-header-group-name", "value": "Nevada" },
          { "name": "x-custom-header-group-id", "value": "NV001" }
        ]
      }
    })
}

fn example3_corrected() -> Value {
    json!({
      "message": {
        "subject": "Meet for lunch?",
        "body": { "contentType": "text", "content": "The new cafeteria is open." },
        "toRecipients": [ { "emailAddress": { "address": "meganb@contoso.com" } } ],
        "attachments": [ {
          "@odata.type": "#microsoft.graph.fileAttachment",
          "name": "attachment.txt",
          "contentType": "text/plain",
          "contentBytes": "SGVsbG8gV29ybGQh"
        } ]
      }
    })
}

const EXAMPLE4_MIME: &str = "\
RnJvbTogQWRlbGUgVmFuY2UgPEFkZWxlVkBjb250b3NvLmNvbT4KVG86IEFsZXggV2lsYmVyIDxB
bGV4V0Bjb250b3NvLmNvbT4KU3ViamVjdDpUZXN0IE1lc3NhZ2UKQ29udGVudC1UeXBlOiBtdWx0
aXBhcnQvbWl4ZWQ7Cglib3VuZGFyeT0iXzAwNF9UWVpQUjA0TUI2OTgxNzNGRDAwMjE1MkQ1QURC
OEZCNDdDOEJDQVRZWlBSMDRNQjY5ODFhcGNwXyIKTUlNRS1WZXJzaW9uOiAxLjAKCi0tXzAwNF9U
WVpQUjA0TUI2OTgxNzNGRDAwMjE1MkQ1QURCOEZCNDdDOEJDQVRZWlBSMDRNQjY5ODFhcGNwXwpD
b250ZW50LVR5cGU6IG11bHRpcGFydC9hbHRlcm5hdGl2ZTsKCWJvdW5kYXJ5PSJfMDAwX1RZWlBS
MDRNQjY5ODE3M0ZEMDAyMTUyRDVBREI4RkI0N0M4QkNBVFlaUFIwNE1CNjk4MWFwY3BfIgoKLS1f
MDAwX1RZWlBSMDRNQjY5ODE3M0ZEMDAyMTUyRDVBREI4RkI0N0M4QkNBVFlaUFIwNE1CNjk4MWFw
Y3BfCkNvbnRlbnQtVHlwZTogdGV4dC9wbGFpbjsgY2hhcnNldD0iaXNvLTg4NTktMSIKQ29udGVu
dC1UcmFuc2Zlci1FbmNvZGluZzogcXVvdGVkLXByaW50YWJsZQoKdGVzdCB0ZXh0IGJvZHkKCgot
LV8wMDBfVFlaUFIwNE1CNjk4MTczRkQwMDIxNTJENUFEQjhGQjQ3QzhCQ0FUWVpQUjA0TUI2OTgx
YXBjcF8KQ29udGVudC1UeXBlOiB0ZXh0L2h0bWw7IGNoYXJzZXQ9Imlzby04ODU5LTEiCkNvbnRl
bnQtVHJhbnNmZXItRW5jb2Rpbmc6IHF1b3RlZC1wcmludGFibGUKCjxodG1sPgo8aGVhZD4KPC9o
ZWFkPgo8Ym9keT4KdGVzdCBodG1sIGJvZHkKPC9ib2R5Pgo8L2h0bWw+CgotLV8wMDBfVFlaUFIw
NE1CNjk4MTczRkQwMDIxNTJENUFEQjhGQjQ3QzhCQ0FUWVpQUjA0TUI2OTgxYXBjcF8tLQoKLS1f
MDA0X1RZWlBSMDRNQjY5ODE3M0ZEMDAyMTUyRDVBREI4RkI0N0M4QkNBVFlaUFIwNE1CNjk4MWFw
Y3BfCkNvbnRlbnQtVHlwZTogdGV4dC9wbGFpbjsKQ29udGVudC1EaXNwb3NpdGlvbjogYXR0YWNo
bWVudDsKICAgICAgICBmaWxlbmFtZT0idGVzdC50eHQiCgp0aGlzIGlzIHRoZSBhdHRhY2htZW50
IHRleHQKCi0tXzAwNF9UWVpQUjA0TUI2OTgxNzNGRDAwMjE1MkQ1QURCOEZCNDdDOEJDQVRZWlBS
MDRNQjY5ODFhcGNwXy0t";

fn example5_corrected() -> Value {
    json!({
      "message": {
        "subject": "Please respond by Friday",
        "toRecipients": [ { "emailAddress": { "address": "meganb@contoso.com" } } ],
        "flag": {
          "flagStatus": "flagged",
          "startDateTime": { "dateTime": "2023-08-30T12:13:00", "timeZone": "Eastern Standard Time" },
          "dueDateTime": { "dateTime": "2023-09-01T17:00:00", "timeZone": "Eastern Standard Time" }
        }
      }
    })
}

/// The docs' Example 1 verbatim.
fn example1_docs() -> Value {
    json!({
      "message": {
        "subject": "Meet for lunch?",
        "body": { "contentType": "Text", "content": "The new cafeteria is open." },
        "toRecipients": [ { "emailAddress": { "address": "frannis@contoso.com" } } ],
        "ccRecipients": [ { "emailAddress": { "address": "danas@contoso.com" } } ]
      },
      "saveToSentItems": "false"
    })
}

/// The docs' Example 5 verbatim (message fields at the top level).
fn example5_docs() -> Value {
    json!({
      "subject": "Please respond by Friday",
      "toRecipients": [ { "emailAddress": { "address": "meganb@contoso.com" } } ],
      "flag": {
        "flagStatus": "flagged",
        "startDateTime": { "dateTime": "2023-08-30T12:13:00", "timeZone": "Eastern Standard Time" },
        "dueDateTime": { "dateTime": "2023-09-01T17:00:00", "timeZone": "Eastern Standard Time" }
      }
    })
}

/// Applies `edit` to a copy of the corrected Example 3 (has body, recipients and an attachment).
fn example3_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut v = example3_corrected();
    edit(&mut v);
    v
}

// ------------------------------------------------------------------------------------------
// Loading
// ------------------------------------------------------------------------------------------

#[test]
fn every_fragment_parses_and_all_refs_resolve() {
    // Independent of the validator: every YAML file parses as an OpenAPI 3.0.1 document.
    let mut count = 0;
    for dir in ["paths", "schemas"] {
        for entry in std::fs::read_dir(fragments_dir().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let doc: Value = serde_yaml_ng::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(doc["openapi"], "3.0.1", "{}", path.display());
            assert!(doc["info"]["title"].is_string(), "{}", path.display());
            assert!(doc["paths"].is_object(), "{}", path.display());
            count += 1;
        }
    }
    assert!(
        count >= 10,
        "expected the sendMail path file and 9+ schema files, found {count}"
    );

    let f = Fragments::load(&fragments_dir()).unwrap_or_else(|p| panic!("{}", p.join("\n")));
    assert_eq!(f.files().len(), count);
    let problems = f.lint();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Sanity: the cached instance is the same content.
    assert_eq!(fragments().files(), f.files());
    for name in [
        "microsoft.graph.message",
        "microsoft.graph.recipient",
        "microsoft.graph.emailAddress",
        "microsoft.graph.itemBody",
        "microsoft.graph.bodyType",
        "microsoft.graph.attachment",
        "microsoft.graph.fileAttachment",
        "microsoft.graph.itemAttachment",
        "microsoft.graph.followupFlag",
        "microsoft.graph.followupFlagStatus",
        "microsoft.graph.dateTimeTimeZone",
        "microsoft.graph.internetMessageHeader",
        "microsoft.graph.singleValueLegacyExtendedProperty",
        "microsoft.graph.importance",
        "microsoft.graph.ODataErrors.ODataError",
        "microsoft.graph.ODataErrors.InnerError",
        "microsoft.graph.event",
        "microsoft.graph.attendee",
        "microsoft.graph.attendeeBase",
        "microsoft.graph.responseStatus",
        "microsoft.graph.responseType",
        "microsoft.graph.timeSlot",
        "microsoft.graph.location",
        "microsoft.graph.locationType",
        "microsoft.graph.physicalAddress",
        "microsoft.graph.outlookGeoCoordinates",
        "microsoft.graph.patternedRecurrence",
        "microsoft.graph.recurrencePattern",
        "microsoft.graph.recurrenceRange",
        "microsoft.graph.dayOfWeek",
        "microsoft.graph.weekIndex",
        "microsoft.graph.recurrencePatternType",
        "microsoft.graph.recurrenceRangeType",
        "microsoft.graph.onlineMeetingInfo",
        "microsoft.graph.onlineMeetingProviderType",
        "microsoft.graph.freeBusyStatus",
        "microsoft.graph.sensitivity",
        "microsoft.graph.eventType",
        "microsoft.graph.calendar",
        "microsoft.graph.eventMessage",
        "microsoft.graph.eventMessageRequest",
        "microsoft.graph.eventMessageResponse",
        "microsoft.graph.meetingMessageType",
        "microsoft.graph.meetingRequestType",
        "microsoft.graph.scheduleInformation",
        "microsoft.graph.scheduleItem",
        "microsoft.graph.workingHours",
        "microsoft.graph.timeZoneBase",
        "microsoft.graph.freeBusyError",
        "microsoft.graph.meetingTimeSuggestionsResult",
        "microsoft.graph.meetingTimeSuggestion",
        "microsoft.graph.attendeeAvailability",
        "microsoft.graph.locationConstraint",
        "microsoft.graph.locationConstraintItem",
        "microsoft.graph.timeConstraint",
        "microsoft.graph.activityDomain",
        "msgraphOutlook.acceptParameters",
        "msgraphOutlook.tentativeOrDeclineParameters",
        "msgraphOutlook.cancelParameters",
        "msgraphOutlook.eventForwardParameters",
        "msgraphOutlook.getScheduleParameters",
        "msgraphOutlook.findMeetingTimesParameters",
        "microsoft.graph.calendarPermission",
        "microsoft.graph.calendarRoleType",
        "microsoft.graph.calendarPermissionCollectionResponse",
        "msgraphOutlook.calendarPermissionCreate",
        "msgraphOutlook.calendarPermissionUpdate",
        "microsoft.graph.mailboxSettings",
        "microsoft.graph.automaticRepliesSetting",
        "microsoft.graph.automaticRepliesStatus",
        "microsoft.graph.externalAudienceScope",
        "microsoft.graph.localeInfo",
        "microsoft.graph.delegateMeetingMessageDeliveryOptions",
        "microsoft.graph.userPurpose",
        "microsoft.graph.convertIdResult",
        "microsoft.graph.genericError",
        "microsoft.graph.exchangeIdFormat",
        "msgraphOutlook.translateExchangeIdsParameters",
        "microsoft.graph.mailFolder",
        "msgraphOutlook.deltaRemoved",
        "msgraphOutlook.mailFolderDeltaPage",
        "msgraphOutlook.eventDeltaPage",
    ] {
        assert!(
            f.schema_names().iter().any(|n| n == name),
            "missing schema {name}"
        );
    }
}

#[test]
fn every_operation_the_crate_calls_is_described() {
    let mut expected: Vec<(String, String)> = Vec::new();
    for mailbox in ["/me", "/users/{user-id}"] {
        let mut add = |method: &str, path: &str| {
            expected.push((method.to_string(), format!("{mailbox}{path}")))
        };
        add("POST", "/sendMail");
        add("GET", "/messages");
        add("POST", "/messages");
        add("GET", "/mailFolders/{mailFolder-id}/messages");
        add("POST", "/mailFolders/{mailFolder-id}/messages");
        add("GET", "/mailFolders/{mailFolder-id}/messages/delta");
        add("GET", "/mailFolders/delta");
        add("GET", "/calendarView/delta");
        for method in ["GET", "PATCH", "DELETE"] {
            add(method, "/messages/{message-id}");
        }
        add("GET", "/messages/{message-id}/$value");
        add("GET", "/messages/{message-id}/attachments");
        add("POST", "/messages/{message-id}/attachments");
        add("GET", "/messages/{message-id}/attachments/{attachment-id}");
        add(
            "DELETE",
            "/messages/{message-id}/attachments/{attachment-id}",
        );
        add(
            "POST",
            "/messages/{message-id}/attachments/createUploadSession",
        );
        for action in [
            "send",
            "reply",
            "replyAll",
            "forward",
            "createReply",
            "createReplyAll",
            "createForward",
            "move",
            "copy",
            "permanentDelete",
        ] {
            add("POST", &format!("/messages/{{message-id}}/{action}"));
        }
        // Mail folders (issue 19).
        add("GET", "/mailFolders");
        add("POST", "/mailFolders");
        for method in ["GET", "PATCH", "DELETE"] {
            add(method, "/mailFolders/{mailFolder-id}");
        }
        add("GET", "/mailFolders/{mailFolder-id}/childFolders");
        add("POST", "/mailFolders/{mailFolder-id}/childFolders");
        for action in ["move", "copy", "permanentDelete"] {
            add("POST", &format!("/mailFolders/{{mailFolder-id}}/{action}"));
        }
        // Calendar.
        add("GET", "/events");
        add("POST", "/events");
        add("GET", "/calendars/{calendar-id}/events");
        add("POST", "/calendars/{calendar-id}/events");
        add("GET", "/calendars");
        add("GET", "/calendarView");
        add("GET", "/calendars/{calendar-id}/calendarView");
        for method in ["GET", "PATCH", "DELETE"] {
            add(method, "/events/{event-id}");
        }
        add("GET", "/events/{event-id}/instances");
        for action in [
            "accept",
            "tentativelyAccept",
            "decline",
            "cancel",
            "forward",
        ] {
            add("POST", &format!("/events/{{event-id}}/{action}"));
        }
        add("GET", "/events/{event-id}/attachments");
        add("POST", "/events/{event-id}/attachments");
        add("GET", "/events/{event-id}/attachments/{attachment-id}");
        add("DELETE", "/events/{event-id}/attachments/{attachment-id}");
        add("POST", "/events/{event-id}/attachments/createUploadSession");
        add("POST", "/calendar/getSchedule");
        add("POST", "/findMeetingTimes");
        // The primary calendar (its owner is the mailbox's own address) and one calendar.
        add("GET", "/calendar");
        add("GET", "/calendars/{calendar-id}");
        // Sharing and delegation: calendar permissions and mailbox settings.
        for calendar in ["/calendar", "/calendars/{calendar-id}"] {
            add("GET", &format!("{calendar}/calendarPermissions"));
            add("POST", &format!("{calendar}/calendarPermissions"));
            for method in ["GET", "PATCH", "DELETE"] {
                add(
                    method,
                    &format!("{calendar}/calendarPermissions/{{calendarPermission-id}}"),
                );
            }
        }
        add("GET", "/mailboxSettings");
        add("PATCH", "/mailboxSettings");
        add("POST", "/getMailTips");
        // Master categories and Inbox rules.
        for collection in [
            "/outlook/masterCategories",
            "/mailFolders/inbox/messageRules",
        ] {
            let item = if collection.ends_with("Categories") {
                format!("{collection}/{{outlookCategory-id}}")
            } else {
                format!("{collection}/{{messageRule-id}}")
            };
            add("GET", collection);
            add("POST", collection);
            for method in ["GET", "PATCH", "DELETE"] {
                add(method, &item);
            }
        }
        add("GET", "/mailboxSettings/automaticRepliesSetting");
        add("POST", "/translateExchangeIds");
        // Events addressed through the calendar they were read from (shared or delegated
        // calendars: the ids belong to that calendar's mailbox copy).
        let event = "/calendars/{calendar-id}/events/{event-id}";
        for method in ["GET", "PATCH", "DELETE"] {
            add(method, event);
        }
        add("GET", &format!("{event}/instances"));
        for action in [
            "accept",
            "tentativelyAccept",
            "decline",
            "cancel",
            "forward",
        ] {
            add("POST", &format!("{event}/{action}"));
        }
        add("GET", &format!("{event}/attachments"));
        add("POST", &format!("{event}/attachments"));
        add("GET", &format!("{event}/attachments/{{attachment-id}}"));
        add("DELETE", &format!("{event}/attachments/{{attachment-id}}"));
        add("POST", &format!("{event}/attachments/createUploadSession"));
    }
    // Not under a mailbox: JSON batching carries the operations above.
    expected.push(("POST".to_string(), "/$batch".to_string()));
    // Change-notification subscriptions (not under a mailbox either).
    for (method, path) in [
        ("GET", "/subscriptions"),
        ("POST", "/subscriptions"),
        ("GET", "/subscriptions/{subscription-id}"),
        ("PATCH", "/subscriptions/{subscription-id}"),
        ("DELETE", "/subscriptions/{subscription-id}"),
        ("POST", "/subscriptions/{subscription-id}/reauthorize"),
    ] {
        expected.push((method.to_string(), path.to_string()));
    }
    expected.sort();
    assert_eq!(fragments().operations(), expected);
}

fn scratch_fragments(files: &[(&str, &str)]) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "oa-fragments-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const HEADER: &str = "openapi: 3.0.1\ninfo: {title: t, version: v}\npaths: {}\n";

#[test]
fn loader_rejects_broken_refs_unsupported_keywords_and_open_objects() {
    let dir = scratch_fragments(&[
        (
            "schemas/a.yaml",
            &format!(
                "{HEADER}components:\n  schemas:\n    A:\n      type: object\n      properties:\n        b:\n          $ref: 'b.yaml#/components/schemas/Missing'\n        c:\n          $ref: '../nowhere.yaml#/x'\n      additionalProperties: false\n    P:\n      type: string\n      pattern: '^x-'\n    Open:\n      type: object\n      properties:\n        z: {{type: string}}\n"
            ),
        ),
        ("schemas/b.yaml", &format!("{HEADER}components:\n  schemas:\n    B: {{type: string}}\n")),
        ("paths/bad.yaml", "openapi: 3.0.1\ninfo: [unterminated\n"),
    ]);
    let problems = Fragments::load(&dir)
        .err()
        .expect("broken fragments must not load");
    let all = problems.join("\n");
    assert!(all.contains("paths/bad.yaml: YAML parse error"), "{all}");
    assert!(
        all.contains("'/components/schemas/Missing' not found in schemas/b.yaml"),
        "{all}"
    );
    assert!(all.contains("no fragment file 'nowhere.yaml'"), "{all}");
    assert!(all.contains("keyword 'pattern' is not supported"), "{all}");
    assert!(all.contains("#/components/schemas/Open: object schema with properties must declare additionalProperties"), "{all}");
    let _ = std::fs::remove_dir_all(dir);
}

// ------------------------------------------------------------------------------------------
// Corrected doc examples pass on both paths
// ------------------------------------------------------------------------------------------

#[test]
fn corrected_json_examples_pass_on_me_and_users_paths() {
    for (name, ex) in [
        ("example 1", example1_corrected()),
        ("example 2", example2_corrected()),
        ("example 3", example3_corrected()),
        ("example 5", example5_corrected()),
    ] {
        for path in [ME, USER, USER_GUID] {
            if let Err(e) = send_json(path, &ex) {
                panic!("{name} on {path} should pass:\n  {}", e.join("\n  "));
            }
        }
        assert_request_conforms("POST", ME, "application/json; charset=utf-8", &body(&ex));
        assert_request_conforms(
            "post",
            "/Users/AdeleV@contoso.com/SENDMAIL",
            "Application/JSON",
            &body(&ex),
        );
    }
}

#[test]
fn constructed_facts_example_and_deferred_send_pass() {
    // GRAPH-FACTS §1.1 constructed example plus a deferred-send extended property (§3) and an
    // open extension.
    let v = json!({
      "message": {
        "@odata.type": "#microsoft.graph.message",
        "subject": "Quarterly report",
        "importance": "high",
        "body": { "contentType": "html", "content": "<p>See <b>attached</b>.</p>" },
        "toRecipients":  [ { "emailAddress": { "address": "alice@contoso.com", "name": "Alice" } } ],
        "ccRecipients":  [ { "emailAddress": { "address": "bob@contoso.com" } } ],
        "bccRecipients": [ { "emailAddress": { "address": "audit@contoso.com" } } ],
        "replyTo":       [ { "emailAddress": { "address": "team@contoso.com" } } ],
        "from": { "emailAddress": { "address": "shared@contoso.com" } },
        "isDeliveryReceiptRequested": true,
        "isReadReceiptRequested": false,
        "categories": ["Red category"],
        "internetMessageHeaders": [ { "name": "x-app-correlation-id", "value": "42" } ],
        "attachments": [
          {
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "report.txt",
            "contentType": "text/plain",
            "contentBytes": "SGVsbG8gV29ybGQh"
          },
          {
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "logo.png",
            "isInline": true,
            "contentId": "img1",
            "contentBytes": "iVBORw0KGgo+/w=="
          },
          {
            "@odata.type": "#microsoft.graph.itemAttachment",
            "name": "forwarded",
            "item": {
              "@odata.type": "#microsoft.graph.message",
              "subject": "inner",
              "body": { "contentType": "text", "content": "x" }
            }
          }
        ],
        "singleValueExtendedProperties": [ { "id": "SystemTime 0x3FEF", "value": "2026-06-10T09:00:00Z" } ],
        "extensions": [ {
          "@odata.type": "#microsoft.graph.openTypeExtension",
          "extensionName": "com.contoso.tracking",
          "ticket": 4711
        } ]
      },
      "saveToSentItems": false
    });
    assert_request_conforms("POST", ME, JSON, &body(&v));
    assert_request_conforms("POST", USER, JSON, &body(&v));
    // Nullable properties may be null.
    let nulls = json!({ "message": { "subject": null, "importance": null, "flag": null,
                                     "toRecipients": [ { "emailAddress": { "address": "a@b.c", "name": null } } ] } });
    assert_request_conforms("POST", ME, JSON, &body(&nulls));
}

#[test]
fn mime_example_4_passes_as_text_plain() {
    for path in [ME, USER, USER_GUID] {
        assert_request_conforms("POST", path, "text/plain", EXAMPLE4_MIME.as_bytes());
        // CRLF-wrapped, unwrapped single line, trailing newline, charset parameter.
        let crlf = EXAMPLE4_MIME.replace('\n', "\r\n") + "\r\n";
        assert_request_conforms(
            "POST",
            path,
            "text/plain; charset=us-ascii",
            crlf.as_bytes(),
        );
        let one_line = EXAMPLE4_MIME.replace('\n', "");
        assert_request_conforms("POST", path, "text/plain", one_line.as_bytes());
    }
}

// ------------------------------------------------------------------------------------------
// Uncorrected doc examples fail
// ------------------------------------------------------------------------------------------

#[test]
fn docs_example_1_with_string_false_fails() {
    let errors = expect_fail(&example1_docs());
    assert_violation(
        &errors,
        "$.saveToSentItems:",
        "expected boolean, found string \"false\"",
    );
    // Only the doc bug, with the casing corrected: still fails, only on saveToSentItems.
    let mut v = example1_corrected();
    v["saveToSentItems"] = json!("false");
    let errors = expect_fail(&v);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_violation(&errors, "$.saveToSentItems:", "expected boolean");
}

#[test]
fn docs_bodytype_casing_fails_by_design() {
    // Graph accepts "Text"/"HTML"; the fragments require the CSDL spelling (deliberate tightening).
    let errors = expect_fail(&example1_docs());
    assert_violation(
        &errors,
        "$.message.body.contentType:",
        "\"Text\" is not one of the allowed values",
    );
    let mut v = example2_corrected();
    v["message"]["body"]["contentType"] = json!("HTML");
    assert_violation(&expect_fail(&v), "$.message.body.contentType:", "\"HTML\"");
}

#[test]
fn docs_example_5_with_fields_outside_message_fails() {
    let errors = expect_fail(&example5_docs());
    assert_violation(&errors, "$:", "missing required property 'message'");
    assert_violation(&errors, "$.subject:", "unknown property 'subject'");
    assert_violation(
        &errors,
        "$.toRecipients:",
        "unknown property 'toRecipients'",
    );
    assert_violation(&errors, "$.flag:", "unknown property 'flag'");
}

// ------------------------------------------------------------------------------------------
// Typical client mistakes fail with a JSON path
// ------------------------------------------------------------------------------------------

#[test]
fn misspelled_property_fails() {
    let v = example3_with(|v| {
        let to = v["message"]
            .as_object_mut()
            .unwrap()
            .remove("toRecipients")
            .unwrap();
        v["message"]["toRecipient"] = to;
    });
    let errors = expect_fail(&v);
    assert_violation(
        &errors,
        "$.message.toRecipient:",
        "unknown property 'toRecipient'",
    );
    assert_violation(&errors, "$.message.toRecipient:", "microsoft.graph.message");
}

#[test]
fn pascal_case_action_parameters_fail() {
    let v = json!({ "Message": example1_corrected()["message"].clone(), "SaveToSentItems": false });
    let errors = expect_fail(&v);
    assert_violation(&errors, "$:", "missing required property 'message'");
    assert_violation(&errors, "$.Message:", "unknown property 'Message'");
    assert_violation(&errors, "$.SaveToSentItems:", "unknown property");
}

#[test]
fn wrong_enum_fails() {
    let v = example3_with(|v| v["message"]["body"]["contentType"] = json!("markdown"));
    assert_violation(
        &expect_fail(&v),
        "$.message.body.contentType:",
        "\"markdown\" is not one of the allowed values [\"text\", \"html\"]",
    );
    let v = example3_with(|v| v["message"]["importance"] = json!("urgent"));
    assert_violation(&expect_fail(&v), "$.message.importance:", "\"urgent\"");
    let mut v = example5_corrected();
    v["message"]["flag"]["flagStatus"] = json!("Flagged");
    assert_violation(
        &expect_fail(&v),
        "$.message.flag.flagStatus:",
        "\"Flagged\"",
    );
}

#[test]
fn missing_email_address_fails() {
    let v = example3_with(|v| {
        v["message"]["toRecipients"][0]["emailAddress"] = json!({ "name": "Megan" })
    });
    let errors = expect_fail(&v);
    assert_violation(
        &errors,
        "$.message.toRecipients[0].emailAddress:",
        "missing required property 'address'",
    );
    let v =
        example3_with(|v| v["message"]["ccRecipients"] = json!([ { "address": "x@contoso.com" } ]));
    let errors = expect_fail(&v);
    assert_violation(
        &errors,
        "$.message.ccRecipients[0]:",
        "missing required property 'emailAddress'",
    );
    assert_violation(
        &errors,
        "$.message.ccRecipients[0].address:",
        "unknown property",
    );
}

#[test]
fn wrong_odata_type_fails() {
    let v = example3_with(|v| {
        v["message"]["attachments"][0]["@odata.type"] = json!("#microsoft.graph.fileAttachments")
    });
    assert_violation(
        &expect_fail(&v),
        "$.message.attachments[0]['@odata.type']:",
        "unknown @odata.type '#microsoft.graph.fileAttachments'",
    );
    // Missing @odata.type on an attachment.
    let v = example3_with(|v| {
        v["message"]["attachments"][0]
            .as_object_mut()
            .unwrap()
            .remove("@odata.type");
    });
    assert_violation(
        &expect_fail(&v),
        "$.message.attachments[0]:",
        "missing required property '@odata.type'",
    );
    // Without '#'.
    let v = example3_with(|v| {
        v["message"]["attachments"][0]["@odata.type"] = json!("microsoft.graph.fileAttachment")
    });
    assert_violation(
        &expect_fail(&v),
        "$.message.attachments[0]['@odata.type']:",
        "unknown @odata.type",
    );
    // Wrong type annotation on the message itself and on a recipient.
    let v = example3_with(|v| v["message"]["@odata.type"] = json!("#microsoft.graph.eventMessage"));
    assert_violation(
        &expect_fail(&v),
        "$.message['@odata.type']:",
        "not one of the allowed values",
    );
    let v = example3_with(|v| {
        v["message"]["toRecipients"][0]["@odata.type"] = json!("#microsoft.graph.attendee")
    });
    assert_violation(
        &expect_fail(&v),
        "$.message.toRecipients[0]['@odata.type']:",
        "not one of the allowed values",
    );
}

#[test]
fn non_base64_content_bytes_fails() {
    for bad in [
        "Hello World!",
        "SGVsbG8gV29ybGQh\n",
        "SGVsbG8gV29ybGQ",
        "SGVsbG8_V29ybGQh",
    ] {
        let v = example3_with(|v| v["message"]["attachments"][0]["contentBytes"] = json!(bad));
        assert_violation(
            &expect_fail(&v),
            "$.message.attachments[0].contentBytes:",
            "not valid standard base64",
        );
    }
    let v = example3_with(|v| {
        v["message"]["attachments"][0]
            .as_object_mut()
            .unwrap()
            .remove("contentBytes");
    });
    assert_violation(
        &expect_fail(&v),
        "$.message.attachments[0]:",
        "missing required property 'contentBytes'",
    );
}

#[test]
fn read_only_properties_fail() {
    let v = example3_with(|v| v["message"]["id"] = json!("AAMkAGI2TG93AAA="));
    assert_violation(&expect_fail(&v), "$.message.id:", "'id' is readOnly");
    for (prop, val) in [
        ("changeKey", json!("CQAAABYAAAB")),
        ("createdDateTime", json!("2026-01-01T00:00:00Z")),
        ("isDraft", json!(false)),
        ("hasAttachments", json!(true)),
        (
            "webLink",
            json!("https://outlook.office365.com/owa/?ItemID=x"),
        ),
        ("bodyPreview", json!("The new cafeteria")),
        ("conversationId", json!("AAQkAGI2")),
    ] {
        let v = example3_with(|v| v["message"][prop] = val.clone());
        assert_violation(&expect_fail(&v), &format!("$.message.{prop}:"), "readOnly");
    }
    let v = example3_with(|v| v["message"]["attachments"][0]["size"] = json!(12));
    assert_violation(
        &expect_fail(&v),
        "$.message.attachments[0].size:",
        "readOnly",
    );
    // The same value is fine where readOnly does not apply (server responses).
    let msg = example3_with(|v| v["message"]["id"] = json!("AAMk"))["message"].clone();
    assert!(fragments()
        .validate_schema("microsoft.graph.message", &msg)
        .is_err());
    fragments()
        .validate_response_schema("microsoft.graph.message", &msg)
        .unwrap();
}

#[test]
fn graph_rules_beyond_types_fail() {
    // > 5 internetMessageHeaders.
    let headers: Vec<Value> = (0..6)
        .map(|i| json!({ "name": format!("x-h{i}"), "value": "v" }))
        .collect();
    let v = example3_with(|v| v["message"]["internetMessageHeaders"] = json!(headers));
    assert_violation(
        &expect_fail(&v),
        "$.message.internetMessageHeaders:",
        "more than maxItems 5",
    );
    // Header names must start with x-.
    let v = example3_with(|v| {
        v["message"]["internetMessageHeaders"] =
            json!([{ "name": "In-Reply-To", "value": "<a@b>" }])
    });
    assert_violation(
        &expect_fail(&v),
        "$.message.internetMessageHeaders[0].name:",
        "must start with 'x-'",
    );
    // dueDateTime without startDateTime.
    let mut v = example5_corrected();
    v["message"]["flag"]
        .as_object_mut()
        .unwrap()
        .remove("startDateTime");
    assert_violation(
        &expect_fail(&v),
        "$.message.flag:",
        "dueDateTime requires startDateTime",
    );
    // dateTimeTimeZone.dateTime with an offset / malformed.
    for bad in [
        "2023-08-30T12:13:00Z",
        "2023-08-30 12:13:00",
        "2023-02-30T12:13:00",
    ] {
        let mut v = example5_corrected();
        v["message"]["flag"]["startDateTime"]["dateTime"] = json!(bad);
        assert_violation(
            &expect_fail(&v),
            "$.message.flag.startDateTime.dateTime:",
            bad,
        );
    }
    // null where CSDL says non-nullable; wrong item type in an array.
    let v = example3_with(|v| v["message"]["toRecipients"] = json!(null));
    assert_violation(
        &expect_fail(&v),
        "$.message.toRecipients:",
        "null is not allowed",
    );
    let v = example3_with(|v| v["message"]["toRecipients"] = json!(["meganb@contoso.com"]));
    assert_violation(
        &expect_fail(&v),
        "$.message.toRecipients[0]:",
        "expected object, found string",
    );
    // Not an object at all.
    assert_violation(
        &expect_fail(&json!([1, 2])),
        "$:",
        "expected object, found array",
    );
}

#[test]
fn mime_with_invalid_base64_fails() {
    for bad in [
        "From: Adele Vance <AdeleV@contoso.com>\nTo: Alex\nSubject: plain MIME, not base64\n\nhi\n",
        "RnJvbTogQWRlbGUgVmFuY2UgPEFkZWxlVkBjb250b3NvLmNvbT4KVG86IEFsZXggV2lsYmVyIDxB\nbGV4V0Bjb250b3NvLmNvbT4KU3ViamVjdDpUZXN0IE1lc3NhZ2UK=", // bad padding
        "RnJvbTog\rQWRlbGUg", // lone CR
        "RnJvbTog QWRlbGUg",  // space
    ] {
        for path in [ME, USER] {
            let errors = fragments()
                .validate_request("POST", path, "text/plain", bad.as_bytes())
                .expect_err(bad);
            assert_violation(&errors, "$:", "not valid standard base64");
        }
    }
    // The MIME body must not be sent as JSON, and JSON must not be sent as text/plain.
    assert!(fragments()
        .validate_request("POST", ME, JSON, EXAMPLE4_MIME.as_bytes())
        .is_err());
    assert!(fragments()
        .validate_request("POST", ME, "text/plain", &body(&example1_corrected()))
        .is_err());
    // Empty body.
    let errors = fragments()
        .validate_request("POST", ME, "text/plain", b"")
        .unwrap_err();
    assert_violation(&errors, "POST /me/sendMail:", "required but empty");
}

#[test]
fn unknown_operation_or_media_type_is_an_error() {
    let ok = body(&example1_corrected());
    let f = fragments();
    let e = f.validate_request("GET", ME, JSON, &ok).unwrap_err();
    assert_violation(
        &e,
        "/me/sendMail matches /me/sendMail",
        "defines no GET operation",
    );
    let e = f
        .validate_request("POST", "/me/contacts", JSON, &ok)
        .unwrap_err();
    assert_violation(
        &e,
        "no operation in openapi-fragments matches POST /me/contacts",
        "POST /me/sendMail",
    );
    assert!(f
        .validate_request("POST", "/me/sendMails", JSON, &ok)
        .is_err());
    assert!(f
        .validate_request("POST", "/users//sendMail", JSON, &ok)
        .is_err());
    assert!(f
        .validate_request("POST", "/users/a/b/sendMail", JSON, &ok)
        .is_err());
    let e = f
        .validate_request("POST", ME, "application/xml", &ok)
        .unwrap_err();
    assert_violation(
        &e,
        "POST /me/sendMail:",
        "media type 'application/xml' is not accepted",
    );
    assert!(f
        .validate_request("POST", ME, "message/rfc822", EXAMPLE4_MIME.as_bytes())
        .is_err());
    let e = f
        .validate_request("POST", ME, JSON, b"{not json")
        .unwrap_err();
    assert_violation(&e, "$:", "not valid JSON");
    // Full URLs and query strings are tolerated.
    f.validate_request(
        "POST",
        "https://graph.microsoft.com/v1.0/users/adele%40contoso.com/sendMail?x=1",
        JSON,
        &ok,
    )
    .unwrap();
}

#[test]
fn unknown_schema_name_is_an_error() {
    let e = fragments()
        .validate_schema("microsoft.graph.nope", &json!({}))
        .unwrap_err();
    assert!(
        e[0].contains("unknown schema 'microsoft.graph.nope'"),
        "{e:?}"
    );
}

#[test]
#[should_panic(expected = "$.message.toRecipient: unknown property 'toRecipient'")]
fn assert_request_conforms_panics_with_violations() {
    let v = json!({ "message": { "toRecipient": [] } });
    assert_request_conforms("POST", ME, JSON, &body(&v));
}

// ------------------------------------------------------------------------------------------
// Error body schema (what the sandbox should return)
// ------------------------------------------------------------------------------------------

#[test]
fn odata_error_schema() {
    let f = fragments();
    let good = json!({
      "error": {
        "code": "ErrorItemNotFound",
        "message": "The specified object was not found in the store.",
        "innerError": {
          "date": "2026-11-22T10:15:02",
          "request-id": "24e7991e-01ae-4cc2-8e06-532a96fd8948",
          "client-request-id": "24e7991e-01ae-4cc2-8e06-532a96fd8948"
        }
      }
    });
    f.validate_response_schema("microsoft.graph.ODataErrors.ODataError", &good)
        .unwrap();
    f.validate_schema("microsoft.graph.ODataErrors.ODataError", &good)
        .unwrap();
    let mime = json!({ "error": { "code": "ErrorMimeContentInvalidBase64String",
                                   "message": "Invalid base64 string for MIME content." } });
    f.validate_response_schema("microsoft.graph.ODataErrors.ODataError", &mime)
        .unwrap();

    let mut with_offset = good.clone();
    with_offset["error"]["innerError"]["date"] = json!("2026-11-22T10:15:02Z");
    let e = f
        .validate_response_schema("microsoft.graph.ODataErrors.ODataError", &with_offset)
        .unwrap_err();
    assert_violation(&e, "$.error.innerError.date:", "carries a UTC offset");

    let mut typo = good.clone();
    typo["error"]["innerError"]["requestId"] = json!("x");
    let e = f
        .validate_response_schema("microsoft.graph.ODataErrors.ODataError", &typo)
        .unwrap_err();
    assert_violation(&e, "$.error.innerError.requestId:", "unknown property");

    let e = f
        .validate_response_schema(
            "microsoft.graph.ODataErrors.ODataError",
            &json!({ "error": { "code": "x" } }),
        )
        .unwrap_err();
    assert_violation(&e, "$.error:", "missing required property 'message'");
}

// ------------------------------------------------------------------------------------------
// Calendar: events, meeting responses, getSchedule, findMeetingTimes
// ------------------------------------------------------------------------------------------

/// The mailbox prefixes every calendar operation is described under.
const MAILBOXES: [&str; 3] = [
    "/me",
    "/users/adele%40contoso.com",
    "/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd",
];
const EVENT_ID: &str = "AAMkAGI2TG93AAA=";
const CALENDAR_ID: &str = "AAMkAGI2TGuLAAA=";

/// Validates `v` as the JSON body of `method {mailbox}{suffix}` for every mailbox prefix;
/// the results must agree. Returns the result for /me.
fn calendar_request(method: &str, suffix: &str, v: &Value) -> Result<(), Vec<String>> {
    let results: Vec<_> = MAILBOXES
        .iter()
        .map(|m| fragments().validate_request(method, &format!("{m}{suffix}"), JSON, &body(v)))
        .collect();
    for (m, r) in MAILBOXES.iter().zip(&results).skip(1) {
        assert_eq!(
            r.is_ok(),
            results[0].is_ok(),
            "{method} {m}{suffix} and /me{suffix} disagree: {r:?} vs {:?}",
            results[0]
        );
    }
    results.into_iter().next().unwrap()
}

fn calendar_ok(method: &str, suffix: &str, v: &Value) {
    if let Err(e) = calendar_request(method, suffix, v) {
        panic!(
            "{method} {suffix} should pass:\n  {}\nbody: {v:#}",
            e.join("\n  ")
        );
    }
}

fn calendar_fail(method: &str, suffix: &str, v: &Value) -> Vec<String> {
    calendar_request(method, suffix, v)
        .expect_err(&format!("expected {method} {suffix} to reject: {v:#}"))
}

fn event_path(rest: &str) -> String {
    format!("/events/{EVENT_ID}{rest}")
}

/// GRAPH-FACTS §5.1, constructed create example (POST /me/events -> 201).
fn facts_create_event() -> Value {
    json!({
      "subject": "Design review",
      "body": { "contentType": "html", "content": "Agenda: ..." },
      "start": { "dateTime": "2026-12-01T15:00:00", "timeZone": "W. Europe Standard Time" },
      "end":   { "dateTime": "2026-12-01T16:00:00", "timeZone": "W. Europe Standard Time" },
      "location": { "displayName": "Room 1" },
      "attendees": [
        { "emailAddress": { "address": "alice@contoso.com", "name": "Alice" }, "type": "required" },
        { "emailAddress": { "address": "room1@contoso.com" }, "type": "resource" }
      ],
      "isOnlineMeeting": true,
      "onlineMeetingProvider": "teamsForBusiness",
      "allowNewTimeProposals": true,
      "responseRequested": true,
      "transactionId": "7E163156-7762-4BEB-A1C6-729EA81755A7"
    })
}

/// The seed's meeting update (ews-update-appointments-meetings.md, "Team building exercise has
/// moved!") as a Graph PATCH: new subject and location, the whole attendee list (with the
/// projector as a resource).
fn seed_meeting_update() -> Value {
    json!({
      "subject": "Team building exercise has moved!",
      "location": { "displayName": "4567 Contoso Way, Redmond, OH 33333, USA" },
      "attendees": [
        { "type": "required",
          "emailAddress": { "address": "Mack.Chaves@contoso.com", "name": "Mack.Chaves@contoso.com" } },
        { "type": "required",
          "emailAddress": { "address": "Sadie.Daniels@contoso.com", "name": "Sadie.Daniels@contoso.com" } },
        { "type": "required", "emailAddress": { "address": "alisa@contoso.com" } },
        { "type": "resource", "emailAddress": { "address": "dlpprojector@contoso.com" } }
      ]
    })
}

/// GRAPH-FACTS §5.4 tentativelyAccept example with a proposed new time.
fn facts_tentatively_accept() -> Value {
    json!({ "comment": "Can we do next day?", "sendResponse": true,
      "proposedNewTime": { "start": { "dateTime": "2026-12-02T15:00:00", "timeZone": "UTC" },
                           "end":   { "dateTime": "2026-12-02T16:00:00", "timeZone": "UTC" } } })
}

/// The calendar-getschedule doc example (addresses as in the brief).
fn get_schedule_example() -> Value {
    json!({
      "schedules": ["adelev@contoso.com", "meganb@contoso.com"],
      "startTime": { "dateTime": "2019-03-15T09:00:00", "timeZone": "Pacific Standard Time" },
      "endTime":   { "dateTime": "2019-03-15T18:00:00", "timeZone": "Pacific Standard Time" },
      "availabilityViewInterval": 60
    })
}

/// The user-findmeetingtimes doc example, corrected: isOrganizerOptional,
/// returnSuggestionReasons and minimumAttendeePercentage as JSON boolean / number (the doc
/// sends the strings "false", "true", "100").
fn find_meeting_times_corrected() -> Value {
    json!({
      "attendees": [ { "type": "required",
                       "emailAddress": { "name": "Alex Wilbur", "address": "alexw@contoso.onmicrosoft.com" } } ],
      "locationConstraint": {
        "isRequired": false,
        "suggestLocation": false,
        "locations": [ { "resolveAvailability": false, "displayName": "Conf room Hood" } ]
      },
      "timeConstraint": {
        "activityDomain": "work",
        "timeSlots": [ {
          "start": { "dateTime": "2019-04-16T09:00:00", "timeZone": "Pacific Standard Time" },
          "end":   { "dateTime": "2019-04-18T17:00:00", "timeZone": "Pacific Standard Time" }
        } ]
      },
      "isOrganizerOptional": false,
      "meetingDuration": "PT1H",
      "returnSuggestionReasons": true,
      "minimumAttendeePercentage": 100
    })
}

#[test]
fn documented_event_bodies_pass() {
    let create = facts_create_event();
    calendar_ok("POST", "/events", &create);
    calendar_ok("POST", &format!("/calendars/{CALENDAR_ID}/events"), &create);
    // The same event as a weekly series (recurrence as the client writes it) with an open
    // extension and a file attachment inline.
    let mut series = create.clone();
    series["recurrence"] = json!({
      "pattern": { "type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"] },
      "range": { "type": "numbered", "startDate": "2026-12-07", "numberOfOccurrences": 6 }
    });
    series["showAs"] = json!("tentative");
    series["sensitivity"] = json!("private");
    series["isReminderOn"] = json!(true);
    series["reminderMinutesBeforeStart"] = json!(15);
    series["categories"] = json!(["Red category"]);
    series["locations"] = json!([{
      "displayName": "Conf Room Rainier", "locationType": "conferenceRoom",
      "locationEmailAddress": "rainier@contoso.com",
      "address": { "street": "1 Microsoft Way", "city": "Redmond", "state": "WA",
                   "countryOrRegion": "USA", "postalCode": "98052" },
      "coordinates": { "latitude": 47.64, "longitude": -122.13 }
    }]);
    series["attachments"] = json!([{ "@odata.type": "#microsoft.graph.fileAttachment",
                                     "name": "agenda.txt", "contentBytes": "SGVsbG8gV29ybGQh" }]);
    calendar_ok("POST", "/events", &series);
    let mut until = series.clone();
    until["recurrence"]["range"] = json!({ "type": "endDate", "startDate": "2026-12-07", "endDate": "2027-01-31",
                "recurrenceTimeZone": "W. Europe Standard Time" });
    calendar_ok("POST", "/events", &until);

    // The seed's update, and the organizer accepting a proposal by moving the meeting.
    let path = event_path("");
    calendar_ok("PATCH", &path, &seed_meeting_update());
    calendar_ok(
        "PATCH",
        &path,
        &json!({ "start": { "dateTime": "2026-12-02T15:00:00", "timeZone": "UTC" },
                 "end":   { "dateTime": "2026-12-02T16:00:00", "timeZone": "UTC" } }),
    );
    // null clears a nullable property (e.g. stops a series, removes the location).
    calendar_ok(
        "PATCH",
        &path,
        &json!({ "recurrence": null, "location": null }),
    );
    // Reads and deletes carry no body.
    for (method, suffix) in [
        ("GET", "/events?$top=10".to_string()),
        ("GET", path.clone()),
        ("DELETE", path.clone()),
        ("GET", "/calendars".to_string()),
        ("GET", format!("/calendars/{CALENDAR_ID}/events")),
        (
            "GET",
            "/calendarView?startDateTime=2026-12-01T00:00:00Z&endDateTime=2026-12-08T00:00:00Z"
                .to_string(),
        ),
        (
            "GET",
            format!("/calendars/{CALENDAR_ID}/calendarView?startDateTime=2026-12-01T00:00:00Z&endDateTime=2026-12-08T00:00:00Z"),
        ),
        (
            "GET",
            event_path("/instances?startDateTime=2026-12-01T00:00:00Z&endDateTime=2027-01-01T00:00:00Z"),
        ),
        ("GET", event_path("/attachments")),
        ("GET", event_path("/attachments/AAMkAGI2AAABEgAQAA==")),
        ("DELETE", event_path("/attachments/AAMkAGI2AAABEgAQAA==")),
    ] {
        for m in MAILBOXES {
            fragments()
                .validate_request(method, &format!("{m}{suffix}"), JSON, b"")
                .unwrap_or_else(|e| panic!("{method} {m}{suffix}: {e:?}"));
        }
    }
    let e = fragments()
        .validate_request("GET", &format!("/me{path}"), JSON, &body(&create))
        .unwrap_err();
    assert_violation(&e, "GET /me/events/{event-id}:", "declares no request body");
}

#[test]
fn documented_action_bodies_pass() {
    // §5.4: tentativelyAccept and decline take proposedNewTime; accept does not.
    for action in ["/tentativelyAccept", "/decline"] {
        calendar_ok("POST", &event_path(action), &facts_tentatively_accept());
        calendar_ok(
            "POST",
            &event_path(action),
            &json!({ "comment": "No, thanks.", "sendResponse": false }),
        );
        calendar_ok("POST", &event_path(action), &json!({}));
    }
    calendar_ok(
        "POST",
        &event_path("/accept"),
        &json!({ "comment": "See you there.", "sendResponse": true }),
    );
    calendar_ok("POST", &event_path("/accept"), &json!({}));
    // §5.3: cancel {comment}.
    calendar_ok(
        "POST",
        &event_path("/cancel"),
        &json!({ "comment": "Cancelling for this week due to all hands" }),
    );
    calendar_ok(
        "POST",
        &event_path("/forward"),
        &json!({ "toRecipients": [ { "emailAddress": { "address": "danas@contoso.com", "name": "Dana Swope" } } ],
                 "comment": "Dana, hope you can make this meeting." }),
    );
    // Attachments: the message attachment shapes, and createUploadSession (not matched as an
    // attachment id).
    calendar_ok(
        "POST",
        &event_path("/attachments"),
        &json!({ "@odata.type": "#microsoft.graph.fileAttachment", "name": "menu.txt",
                 "contentBytes": "SGVsbG8gV29ybGQh" }),
    );
    calendar_ok(
        "POST",
        &event_path("/attachments/createUploadSession"),
        &json!({ "AttachmentItem": { "attachmentType": "file", "name": "flower.jpg",
                                      "size": 3483322, "contentType": "image/jpeg" } }),
    );
    let e = calendar_fail(
        "POST",
        &event_path("/attachments/createUploadSession"),
        &json!({ "attachmentItem": { "attachmentType": "file", "name": "a", "size": 1 } }),
    );
    assert_violation(&e, "$.attachmentItem:", "unknown property");
}

#[test]
fn documented_scheduling_bodies_pass() {
    calendar_ok("POST", "/calendar/getSchedule", &get_schedule_example());
    let mut v = get_schedule_example();
    v.as_object_mut()
        .unwrap()
        .remove("availabilityViewInterval");
    calendar_ok("POST", "/calendar/getSchedule", &v);

    calendar_ok("POST", "/findMeetingTimes", &find_meeting_times_corrected());
    calendar_ok("POST", "/findMeetingTimes", &json!({}));
    calendar_ok(
        "POST",
        "/findMeetingTimes",
        &json!({ "attendees": [ { "type": "resource", "emailAddress": { "address": "room1@contoso.com" } } ],
                 "meetingDuration": "PT2H30M", "maxCandidates": 5, "minimumAttendeePercentage": 49.5,
                 "timeConstraint": { "activityDomain": "unrestricted", "timeSlots": [] } }),
    );
}

#[test]
fn docs_find_meeting_times_example_with_strings_fails_by_design() {
    let mut v = find_meeting_times_corrected();
    v["isOrganizerOptional"] = json!("false");
    v["returnSuggestionReasons"] = json!("true");
    v["minimumAttendeePercentage"] = json!("100");
    let e = calendar_fail("POST", "/findMeetingTimes", &v);
    assert_violation(&e, "$.isOrganizerOptional:", "expected boolean");
    assert_violation(&e, "$.returnSuggestionReasons:", "expected boolean");
    assert_violation(&e, "$.minimumAttendeePercentage:", "expected number");
    assert_eq!(e.len(), 3, "{e:?}");
}

#[test]
fn proposed_new_time_on_accept_fails() {
    let e = calendar_fail("POST", &event_path("/accept"), &facts_tentatively_accept());
    assert_violation(
        &e,
        "$.proposedNewTime:",
        "unknown property 'proposedNewTime' (schema msgraphOutlook.acceptParameters)",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    // A proposal needs the response to be sent (Graph answers 400 otherwise).
    let mut v = facts_tentatively_accept();
    v["sendResponse"] = json!(false);
    for action in ["/tentativelyAccept", "/decline"] {
        let e = calendar_fail("POST", &event_path(action), &v);
        assert_violation(&e, "$:", "proposedNewTime requires sendResponse");
    }
    // A time slot needs both ends, each without an offset.
    let mut v = facts_tentatively_accept();
    v["proposedNewTime"].as_object_mut().unwrap().remove("end");
    let e = calendar_fail("POST", &event_path("/decline"), &v);
    assert_violation(
        &e,
        "$.proposedNewTime:",
        "missing required property 'end' (schema microsoft.graph.timeSlot)",
    );
    let mut v = facts_tentatively_accept();
    v["proposedNewTime"]["start"]["dateTime"] = json!("2026-12-02T15:00:00+01:00");
    let e = calendar_fail("POST", &event_path("/tentativelyAccept"), &v);
    assert_violation(
        &e,
        "$.proposedNewTime.start.dateTime:",
        "carries a UTC offset",
    );
}

#[test]
fn action_parameter_mistakes_fail() {
    // PascalCase (the event-cancel doc writes "Comment"; the client sends camelCase).
    let e = calendar_fail(
        "POST",
        &event_path("/cancel"),
        &json!({ "Comment": "Cancelling" }),
    );
    assert_violation(&e, "$.Comment:", "unknown property 'Comment'");
    let e = calendar_fail(
        "POST",
        &event_path("/accept"),
        &json!({ "sendResponse": "true" }),
    );
    assert_violation(&e, "$.sendResponse:", "expected boolean");
    // forward needs at least one recipient.
    let e = calendar_fail(
        "POST",
        &event_path("/forward"),
        &json!({ "comment": "FYI" }),
    );
    assert_violation(&e, "$:", "missing required property 'toRecipients'");
    let e = calendar_fail(
        "POST",
        &event_path("/forward"),
        &json!({ "toRecipients": [] }),
    );
    assert_violation(&e, "$.toRecipients:", "fewer than minItems 1");
    let e = calendar_fail(
        "POST",
        &event_path("/forward"),
        &json!({ "toRecipients": [ { "emailAddress": { "name": "Dana" } } ] }),
    );
    assert_violation(
        &e,
        "$.toRecipients[0].emailAddress:",
        "missing required property 'address'",
    );
    // Actions answer 202 with an empty body but take one: an empty request body is refused.
    let e = fragments()
        .validate_request("POST", &format!("/me{}", event_path("/accept")), JSON, b"")
        .unwrap_err();
    assert_violation(
        &e,
        "POST /me/events/{event-id}/accept:",
        "required but empty",
    );
}

#[test]
fn read_only_event_properties_fail_in_requests() {
    for (prop, val) in [
        ("id", json!(EVENT_ID)),
        (
            "organizer",
            json!({ "emailAddress": { "address": "adelev@contoso.com" } }),
        ),
        ("changeKey", json!("nfZyf7VcrEKLNoU37KWlkQAAA0x0+w==")),
        ("iCalUId", json!("040000008200E00074C5B7101A82E008")),
        ("isOrganizer", json!(true)),
        ("responseStatus", json!({ "response": "organizer" })),
        ("type", json!("singleInstance")),
        (
            "webLink",
            json!("https://outlook.office365.com/owa/?itemid=x"),
        ),
        (
            "onlineMeeting",
            json!({ "joinUrl": "https://teams.microsoft.com/l/x" }),
        ),
        ("createdDateTime", json!("2026-11-01T10:00:00Z")),
        (
            "@odata.etag",
            json!("W/\"IiLKjG2I7E+Xv0+ys6MD0wAEd5/kNQ==\""),
        ),
    ] {
        let mut create = facts_create_event();
        create[prop] = val.clone();
        let e = calendar_fail("POST", "/events", &create);
        let at = if prop.starts_with('@') {
            format!("$['{prop}']:")
        } else {
            format!("$.{prop}:")
        };
        assert_violation(&e, &at, &format!("'{prop}' is readOnly"));
        assert_eq!(e.len(), 1, "{prop}: {e:?}");
        let mut patch = seed_meeting_update();
        patch[prop] = val;
        let e = calendar_fail("PATCH", &event_path(""), &patch);
        assert_violation(&e, &at, "readOnly");
    }
    // An attendee's response is the server's too.
    let mut patch = seed_meeting_update();
    patch["attendees"][0]["status"] =
        json!({ "response": "accepted", "time": "2026-11-01T10:00:00Z" });
    let e = calendar_fail("PATCH", &event_path(""), &patch);
    assert_violation(&e, "$.attendees[0].status:", "readOnly");
}

#[test]
fn event_body_mistakes_fail() {
    // Bad enum values (case-sensitive CSDL spelling).
    let mut v = seed_meeting_update();
    v["attendees"][1]["type"] = json!("mandatory");
    let e = calendar_fail("PATCH", &event_path(""), &v);
    assert_violation(
        &e,
        "$.attendees[1].type:",
        "\"mandatory\" is not one of the allowed values [\"required\", \"optional\", \"resource\"]",
    );
    for (prop, bad) in [
        ("showAs", json!("away")),
        ("sensitivity", json!("Private")),
        ("onlineMeetingProvider", json!("teams")),
        ("importance", json!("urgent")),
    ] {
        let mut v = facts_create_event();
        v[prop] = bad.clone();
        let e = calendar_fail("POST", "/events", &v);
        assert_violation(
            &e,
            &format!("$.{prop}:"),
            "is not one of the allowed values",
        );
    }
    // dateTimeTimeZone.dateTime must be local (no offset) and well formed.
    for bad in [
        "2026-12-01T15:00:00Z",
        "2026-12-01T15:00:00-08:00",
        "2026-12-01",
    ] {
        let mut v = facts_create_event();
        v["start"]["dateTime"] = json!(bad);
        let e = calendar_fail("POST", "/events", &v);
        assert_violation(&e, "$.start.dateTime:", bad);
    }
    // An attendee is not a bare address; a typo is an unknown property.
    let mut v = seed_meeting_update();
    v["attendees"][3] = json!("dlpprojector@contoso.com");
    let e = calendar_fail("PATCH", &event_path(""), &v);
    assert_violation(&e, "$.attendees[3]:", "expected object, found string");
    let mut v = facts_create_event();
    v["attendee"] = v["attendees"].clone();
    let e = calendar_fail("POST", "/events", &v);
    assert_violation(
        &e,
        "$.attendee:",
        "unknown property 'attendee' (schema microsoft.graph.event)",
    );
    // Recurrence: a pattern without a range, a misspelled range type, a date-time as a date.
    let mut v = facts_create_event();
    v["recurrence"] = json!({ "pattern": { "type": "daily", "interval": 1 } });
    let e = calendar_fail("POST", "/events", &v);
    assert_violation(&e, "$.recurrence:", "missing required property 'range'");
    v["recurrence"]["range"] = json!({ "type": "endsOn", "startDate": "2026-12-07T00:00:00" });
    let e = calendar_fail("POST", "/events", &v);
    assert_violation(&e, "$.recurrence.range.type:", "\"endsOn\"");
    assert_violation(
        &e,
        "$.recurrence.range.startDate:",
        "longer than maxLength 10",
    );
    v["recurrence"]["range"] = json!({ "type": "noEnd", "startDate": "2026-12-07" });
    v["recurrence"]["pattern"]["daysOfWeek"] = json!(["Monday"]);
    let e = calendar_fail("POST", "/events", &v);
    assert_violation(&e, "$.recurrence.pattern.daysOfWeek[0]:", "\"Monday\"");
    // More than 500 attendees.
    let many: Vec<Value> = (0..501)
        .map(|i| json!({ "type": "optional", "emailAddress": { "address": format!("u{i}@contoso.com") } }))
        .collect();
    let mut v = facts_create_event();
    v["attendees"] = json!(many);
    let e = calendar_fail("POST", "/events", &v);
    assert_violation(&e, "$.attendees:", "more than maxItems 500");
}

#[test]
fn scheduling_body_mistakes_fail() {
    // availabilityViewInterval is an Int32.
    for bad in [json!(60.5), json!("60")] {
        let mut v = get_schedule_example();
        v["availabilityViewInterval"] = bad;
        let e = calendar_fail("POST", "/calendar/getSchedule", &v);
        assert_violation(&e, "$.availabilityViewInterval:", "expected integer");
    }
    let mut v = get_schedule_example();
    v["availabilityViewInterval"] = json!(4_294_967_296u64);
    let e = calendar_fail("POST", "/calendar/getSchedule", &v);
    assert_violation(&e, "$.availabilityViewInterval:", "outside the Int32 range");
    // Offsets are not allowed in startTime / endTime.
    let mut v = get_schedule_example();
    v["endTime"]["dateTime"] = json!("2019-03-15T18:00:00Z");
    let e = calendar_fail("POST", "/calendar/getSchedule", &v);
    assert_violation(&e, "$.endTime.dateTime:", "carries a UTC offset");
    // Required parameters, at least one schedule, camelCase names.
    let e = calendar_fail(
        "POST",
        "/calendar/getSchedule",
        &json!({ "schedules": [], "startTime": { "dateTime": "2019-03-15T09:00:00" } }),
    );
    assert_violation(&e, "$.schedules:", "fewer than minItems 1");
    assert_violation(&e, "$:", "missing required property 'endTime'");
    let e = calendar_fail(
        "POST",
        "/calendar/getSchedule",
        &json!({ "Schedules": ["AlexW@contoso.com"],
                 "StartTime": { "dateTime": "2018-08-06T09:00:00", "timeZone": "Pacific Standard Time" },
                 "EndTime": { "dateTime": "2018-08-06T18:00:00", "timeZone": "Pacific Standard Time" },
                 "availabilityViewInterval": "15" }),
    );
    assert_violation(&e, "$:", "missing required property 'schedules'");
    assert_violation(&e, "$.Schedules:", "unknown property 'Schedules'");
    assert_violation(&e, "$.availabilityViewInterval:", "expected integer");
    // findMeetingTimes: a duration is ISO 8601, an attendee is an attendeeBase.
    let mut v = find_meeting_times_corrected();
    v["meetingDuration"] = json!("60");
    let e = calendar_fail("POST", "/findMeetingTimes", &v);
    assert_violation(&e, "$.meetingDuration:", "must start with 'P'");
    let mut v = find_meeting_times_corrected();
    v["attendees"][0]["type"] = json!("Required");
    v["attendees"][0]["status"] = json!({ "response": "none" });
    let e = calendar_fail("POST", "/findMeetingTimes", &v);
    assert_violation(&e, "$.attendees[0].type:", "\"Required\"");
    assert_violation(
        &e,
        "$.attendees[0].status:",
        "unknown property 'status' (schema microsoft.graph.attendeeBase)",
    );
    let mut v = find_meeting_times_corrected();
    v["timeConstraint"]["activityDomain"] = json!("weekend");
    v["locationConstraint"]["locations"][0]["resolveAvailability"] = json!("false");
    let e = calendar_fail("POST", "/findMeetingTimes", &v);
    assert_violation(&e, "$.timeConstraint.activityDomain:", "\"weekend\"");
    assert_violation(
        &e,
        "$.locationConstraint.locations[0].resolveAvailability:",
        "expected boolean",
    );
}

// ------------------------------------------------------------------------------------------
// Calendar answers from the Graph docs against the response schemas. Entity and complex-type
// schemas (like message) do not declare the top-level "@odata.context" of a single-item answer
// or navigation-link annotations ("calendar@odata.navigationLink"); those are left out here.
// ------------------------------------------------------------------------------------------

#[test]
fn documented_event_answer_conforms() {
    // event-get doc, Response 1 (body shortened; @odata.context and calendar links left out).
    let event = json!({
      "@odata.etag": "W/\"IiLKjG2I7E+Xv0+ys6MD0wAEd5/kNQ==\"",
      "id": "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAENAAAiIsqMbYjsT5e-T7KzowPTAAAa_WKzAAA=",
      "subject": "New Product Regulations Touchpoint",
      "bodyPreview": "New Product Regulations Strategy Online Touchpoint Meeting",
      "hideAttendees": false,
      "body": { "contentType": "html", "content": "<html><body>New Product Regulations Strategy Online Touchpoint Meeting</body></html>" },
      "start": { "dateTime": "2014-11-03T17:00:00.0000000", "timeZone": "UTC" },
      "end": { "dateTime": "2014-11-03T17:30:00.0000000", "timeZone": "UTC" },
      "location": { "displayName": "Conf Room Rainier", "locationType": "default",
                    "uniqueId": "Conf Room Rainier", "uniqueIdType": "private" },
      "attendees": [
        { "type": "required", "status": { "response": "none", "time": "0001-01-01T00:00:00Z" },
          "emailAddress": { "name": "Engineering", "address": "engineering@M365x214355.onmicrosoft.com" } },
        { "type": "required", "status": { "response": "none", "time": "0001-01-01T00:00:00Z" },
          "emailAddress": { "name": "Irvin Sayers", "address": "IrvinS@M365x214355.onmicrosoft.com" } }
      ],
      "organizer": { "emailAddress": { "name": "Engineering",
                                       "address": "engineering@M365x214355.onmicrosoft.com" } }
    });
    let f = fragments();
    f.validate_response_schema("microsoft.graph.event", &event)
        .unwrap_or_else(|e| panic!("{}", e.join("\n")));
    // The same body is not a request: it carries server-set properties.
    let e = f
        .validate_schema("microsoft.graph.event", &event)
        .unwrap_err();
    for at in [
        "$['@odata.etag']:",
        "$.id:",
        "$.bodyPreview:",
        "$.organizer:",
        "$.attendees[0].status:",
    ] {
        assert_violation(&e, at, "readOnly");
    }
    // A page of events (calendarView / list) with a series occurrence.
    let mut occurrence = event.clone();
    occurrence["type"] = json!("occurrence");
    occurrence["seriesMasterId"] =
        json!("AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OAB=");
    occurrence["originalStart"] = json!("2014-11-03T17:00:00Z");
    occurrence["responseStatus"] =
        json!({ "response": "organizer", "time": "0001-01-01T00:00:00Z" });
    occurrence["recurrence"] = json!(null);
    occurrence["onlineMeeting"] = json!({ "joinUrl": "https://teams.microsoft.com/l/meetup-join/x",
                                          "tollFreeNumbers": [], "phones": [] });
    let page = json!({
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('48d31887-5fad-4d73-a9f5-3c356e68a038')/calendarView",
      "value": [event, occurrence],
      "@odata.nextLink": "https://graph.microsoft.com/v1.0/me/calendarView?startDateTime=2014-11-01T00:00:00Z&endDateTime=2014-11-30T00:00:00Z&$skip=2"
    });
    f.validate_response_schema("microsoft.graph.eventCollectionResponse", &page)
        .unwrap_or_else(|e| panic!("{}", e.join("\n")));
    // A misspelled server property still fails.
    let mut bad = page.clone();
    bad["value"][1]["type"] = json!("Occurrence");
    let e = f
        .validate_response_schema("microsoft.graph.eventCollectionResponse", &bad)
        .unwrap_err();
    assert_violation(&e, "$.value[1].type:", "\"Occurrence\"");
}

#[test]
fn documented_calendar_list_answer_conforms() {
    // user-list-calendars doc response.
    let page = json!({
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#me/calendars",
      "value": [ {
        "@odata.id": "https://graph.microsoft.com/v1.0/users('ddfcd489-628b-40d7-b48b-57002df800e5@1717622f-1d94-4d0c-9d74-709fad664b77')/calendars('AAMkAGI2TGuLAAA=')",
        "id": "AAMkAGI2TGuLAAA=",
        "name": "Calendar",
        "color": "auto",
        "changeKey": "nfZyf7VcrEKLNoU37KWlkQAAA0x0+w==",
        "canShare": true,
        "canViewPrivateItems": true,
        "hexColor": "",
        "canEdit": true,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "isTallyingResponses": true,
        "isRemovable": false,
        "owner": { "name": "Samantha Booth", "address": "samanthab@contoso.com" }
      } ]
    });
    fragments()
        .validate_response_schema("microsoft.graph.calendarCollectionResponse", &page)
        .unwrap_or_else(|e| panic!("{}", e.join("\n")));
}

#[test]
fn documented_schedule_answers_conform() {
    // calendar-getschedule doc response (the second schedule shortened to two items).
    let answer = json!({
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
      "value": [
        {
          "scheduleId": "adelev@contoso.com",
          "availabilityView": "000220000",
          "scheduleItems": [ {
            "isPrivate": false, "status": "busy", "subject": "Let's go for lunch", "location": "Harry's Bar",
            "start": { "dateTime": "2019-03-15T12:00:00.0000000", "timeZone": "Pacific Standard Time" },
            "end":   { "dateTime": "2019-03-15T14:00:00.0000000", "timeZone": "Pacific Standard Time" }
          } ],
          "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000",
            "timeZone": { "name": "Pacific Standard Time" }
          }
        },
        {
          "scheduleId": "meganb@contoso.com",
          "availabilityView": "200220010",
          "scheduleItems": [
            { "status": "busy",
              "start": { "dateTime": "2019-03-15T08:30:00.0000000", "timeZone": "Pacific Standard Time" },
              "end":   { "dateTime": "2019-03-15T09:30:00.0000000", "timeZone": "Pacific Standard Time" } },
            { "status": "tentative",
              "start": { "dateTime": "2019-03-15T16:00:00.0000000", "timeZone": "Pacific Standard Time" },
              "end":   { "dateTime": "2019-03-15T17:00:00.0000000", "timeZone": "Pacific Standard Time" } }
          ],
          "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000",
            "timeZone": {
              "@odata.type": "#microsoft.graph.customTimeZone",
              "bias": 480,
              "name": "Customized Time Zone",
              "standardOffset": { "time": "02:00:00.0000000", "dayOccurrence": 1, "dayOfWeek": "sunday",
                                  "month": 11, "year": 0 },
              "daylightOffset": { "daylightBias": -60, "time": "02:00:00.0000000", "dayOccurrence": 2,
                                  "dayOfWeek": "sunday", "month": 3, "year": 0 }
            }
          }
        },
        {
          "scheduleId": "nobody@contoso.com",
          "error": { "message": "The result set contains too many calendar entries.", "responseCode": "5006" }
        }
      ]
    });
    let f = fragments();
    f.validate_response_schema("msgraphOutlook.scheduleInformationCollection", &answer)
        .unwrap_or_else(|e| panic!("{}", e.join("\n")));
    let mut bad = answer.clone();
    bad["value"][0]["scheduleItems"][0]["status"] = json!("away");
    bad["value"][1]["workingHours"]["timeZone"]["bias"] = json!("480");
    let e = f
        .validate_response_schema("msgraphOutlook.scheduleInformationCollection", &bad)
        .unwrap_err();
    assert_violation(&e, "$.value[0].scheduleItems[0].status:", "\"away\"");
    assert_violation(&e, "$.value[1].workingHours.timeZone:", "oneOf");

    // user-findmeetingtimes doc response (one suggestion; @odata.context left out).
    let suggestions = json!({
      "emptySuggestionsReason": "",
      "meetingTimeSuggestions": [ {
        "confidence": 100,
        "order": 1,
        "organizerAvailability": "free",
        "suggestionReason": "Suggested because it is one of the nearest times when all attendees are available.",
        "attendeeAvailability": [ { "availability": "free",
                                    "attendee": { "emailAddress": { "address": "alexw@contoso.onmicrosoft.com" } } } ],
        "locations": [ { "displayName": "Conf room Hood" } ],
        "meetingTimeSlot": {
          "start": { "dateTime": "2019-04-18T16:00:00.0000000", "timeZone": "Pacific Standard Time" },
          "end":   { "dateTime": "2019-04-18T17:00:00.0000000", "timeZone": "Pacific Standard Time" }
        }
      } ]
    });
    f.validate_response_schema("microsoft.graph.meetingTimeSuggestionsResult", &suggestions)
        .unwrap_or_else(|e| panic!("{}", e.join("\n")));
    let empty =
        json!({ "emptySuggestionsReason": "AttendeesUnavailable", "meetingTimeSuggestions": [] });
    f.validate_response_schema("microsoft.graph.meetingTimeSuggestionsResult", &empty)
        .unwrap();
}

#[test]
fn meeting_messages_use_the_v1_spelling() {
    // Constructed from the eventMessageResponse properties (GRAPH-FACTS §5.5): an attendee's
    // tentative answer with a proposal, as it arrives in the organizer's mailbox.
    let answer = json!({
      "@odata.type": "#microsoft.graph.eventMessageResponse",
      "@odata.etag": "W/\"CQAAABYAAAAiIsqMbYjsT5e/T7KzowPTAAAEd5/k\"",
      "id": "AAMkADYAAAImV_jAAA=",
      "subject": "Tentative: Design review",
      "isRead": false,
      "isDraft": false,
      "from": { "emailAddress": { "name": "Alice", "address": "alice@contoso.com" } },
      "toRecipients": [ { "emailAddress": { "name": "Adele Vance", "address": "adelev@contoso.com" } } ],
      "receivedDateTime": "2026-11-20T09:15:00Z",
      "meetingMessageType": "meetingTenativelyAccepted",
      "responseType": "tentativelyAccepted",
      "type": "singleInstance",
      "isAllDay": false,
      "isDelegated": false,
      "isOutOfDate": false,
      "startDateTime": { "dateTime": "2026-12-01T14:00:00.0000000", "timeZone": "UTC" },
      "endDateTime": { "dateTime": "2026-12-01T15:00:00.0000000", "timeZone": "UTC" },
      "location": { "displayName": "Room 1" },
      "recurrence": null,
      "proposedNewTime": {
        "start": { "dateTime": "2026-12-02T15:00:00.0000000", "timeZone": "UTC" },
        "end":   { "dateTime": "2026-12-02T16:00:00.0000000", "timeZone": "UTC" }
      }
    });
    let f = fragments();
    f.validate_response_schema("microsoft.graph.eventMessageResponse", &answer)
        .unwrap_or_else(|e| panic!("{}", e.join("\n")));
    // The corrected spelling from beta examples is not a v1.0 member.
    let mut beta = answer.clone();
    beta["meetingMessageType"] = json!("meetingTentativelyAccepted");
    let e = f
        .validate_response_schema("microsoft.graph.eventMessageResponse", &beta)
        .unwrap_err();
    assert_violation(
        &e,
        "$.meetingMessageType:",
        "\"meetingTentativelyAccepted\" is not one of the allowed values",
    );
    // @odata.type names the exact derived type.
    let e = f
        .validate_response_schema("microsoft.graph.eventMessageRequest", &answer)
        .unwrap_err();
    assert_violation(&e, "$['@odata.type']:", "not one of the allowed values");
    assert_violation(&e, "$.responseType:", "unknown property 'responseType'");
    let mut request = answer.clone();
    let o = request.as_object_mut().unwrap();
    o.remove("responseType");
    o.remove("proposedNewTime");
    o.insert(
        "@odata.type".into(),
        json!("#microsoft.graph.eventMessageRequest"),
    );
    o.insert("meetingMessageType".into(), json!("meetingRequest"));
    o.insert("meetingRequestType".into(), json!("newMeetingRequest"));
    o.insert("responseRequested".into(), json!(true));
    o.insert("allowNewTimeProposals".into(), json!(true));
    f.validate_response_schema("microsoft.graph.eventMessageRequest", &request)
        .unwrap_or_else(|e| panic!("{}", e.join("\n")));
}

// ------------------------------------------------------------------------------------------
// Sharing and delegation: calendarPermissions, mailboxSettings, events addressed through a
// shared or delegated calendar. The documented examples are in tests/fixtures/delegation/
// (sources and edits in its README.md).
// ------------------------------------------------------------------------------------------

const PERMISSION_ID: &str = "RGVmYXVsdA==";

fn delegation_fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/delegation")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A single-item answer without its top-level "@odata.context" (README, Single-item answers).
fn without_context(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("@odata.context");
    v
}

fn response_ok(schema: &str, v: &Value) {
    fragments()
        .validate_response_schema(schema, v)
        .unwrap_or_else(|e| panic!("{schema}:\n  {}\nbody: {v:#}", e.join("\n  ")));
}

/// The calendar-permission collection paths of the primary calendar and of a given calendar.
fn permission_collections() -> [String; 2] {
    [
        "/calendar/calendarPermissions".to_string(),
        format!("/calendars/{CALENDAR_ID}/calendarPermissions"),
    ]
}

/// "/calendars/{CALENDAR_ID}/events/{EVENT_ID}{rest}": an event read through that calendar.
fn calendar_event_path(rest: &str) -> String {
    format!("/calendars/{CALENDAR_ID}/events/{EVENT_ID}{rest}")
}

#[test]
fn documented_calendar_permission_bodies_pass() {
    // "Create calendarPermission" request (POST .../calendar/calendarPermissions).
    let create = delegation_fixture("calendar-permission-create-request.json");
    // "Update calendarPermission" request: role is the only updatable property.
    let update = delegation_fixture("calendar-permission-update-request.json");
    assert_eq!(update, json!({ "role": "write" }));
    for collection in permission_collections() {
        calendar_ok("POST", &collection, &create);
        // Only the required emailAddress, and a delegate role.
        calendar_ok(
            "POST",
            &collection,
            &json!({ "emailAddress": { "address": "meganb@contoso.com" } }),
        );
        calendar_ok(
            "POST",
            &collection,
            &json!({ "emailAddress": { "name": "Megan Bowen", "address": "meganb@contoso.com" },
                     "role": "delegateWithPrivateEventAccess" }),
        );
        let item = format!("{collection}/{PERMISSION_ID}");
        calendar_ok("PATCH", &item, &update);
        calendar_ok(
            "PATCH",
            &item,
            &json!({ "role": "delegateWithoutPrivateEventAccess" }),
        );
        // Reads and deletes carry no body.
        for (method, suffix) in [
            ("GET", collection.clone()),
            ("GET", item.clone()),
            ("DELETE", item.clone()),
        ] {
            for m in MAILBOXES {
                fragments()
                    .validate_request(method, &format!("{m}{suffix}"), JSON, b"")
                    .unwrap_or_else(|e| panic!("{method} {m}{suffix}: {e:?}"));
            }
        }
    }
}

#[test]
fn calendar_permission_mistakes_fail() {
    let item = format!("/calendar/calendarPermissions/{PERMISSION_ID}");
    // Only role can be updated (GRAPH-FACTS §6.2): the sharee is fixed once created.
    let e = calendar_fail(
        "PATCH",
        &item,
        &json!({ "role": "read", "emailAddress": { "address": "adelev@contoso.com" } }),
    );
    assert_violation(&e, "$.emailAddress:", "'emailAddress' is readOnly");
    assert_eq!(e.len(), 1, "{e:?}");
    for (property, value) in [
        ("isRemovable", json!(false)),
        ("isInsideOrganization", json!(true)),
        ("allowedRoles", json!(["read", "write"])),
        ("id", json!(PERMISSION_ID)),
    ] {
        let mut v = json!({ "role": "read" });
        v[property] = value;
        let e = calendar_fail("PATCH", &item, &v);
        assert_violation(&e, &format!("$.{property}:"), "readOnly");
    }
    // An unknown role, the casing of a role, and a PATCH without the role.
    let e = calendar_fail("PATCH", &item, &json!({ "role": "editor" }));
    assert_violation(&e, "$.role:", "\"editor\" is not one of the allowed values");
    let e = calendar_fail("PATCH", &item, &json!({ "role": "Write" }));
    assert_violation(&e, "$.role:", "\"Write\"");
    let e = calendar_fail("PATCH", &item, &json!({ "role": null }));
    assert_violation(&e, "$.role:", "null is not allowed");
    let e = calendar_fail("PATCH", &item, &json!({}));
    assert_violation(&e, "$:", "missing required property 'role'");
    // Sending back the documented answer is not an update.
    let e = calendar_fail(
        "PATCH",
        &item,
        &delegation_fixture("calendar-permission-update-response.json"),
    );
    for at in [
        "$.id:",
        "$.emailAddress:",
        "$.allowedRoles:",
        "$.isRemovable:",
    ] {
        assert_violation(&e, at, "readOnly");
    }

    for collection in permission_collections() {
        // A create needs the sharee.
        let mut v = delegation_fixture("calendar-permission-create-request.json");
        v.as_object_mut().unwrap().remove("emailAddress");
        let e = calendar_fail("POST", &collection, &v);
        assert_violation(&e, "$:", "missing required property 'emailAddress'");
        let e = calendar_fail(
            "POST",
            &collection,
            &json!({ "emailAddress": { "name": "Samantha Booth" }, "role": "read" }),
        );
        assert_violation(&e, "$.emailAddress:", "missing required property 'address'");
        let e = calendar_fail(
            "POST",
            &collection,
            &json!({ "emailAddress": { "address": "samanthab@contoso.com" }, "role": "reader",
                     "allowedRoles": ["read"], "isRemovable": "true" }),
        );
        assert_violation(&e, "$.role:", "\"reader\"");
        assert_violation(&e, "$.allowedRoles:", "readOnly");
        assert_violation(&e, "$.isRemovable:", "expected boolean");
        // A sharee is a plain emailAddress, not a recipient.
        let e = calendar_fail(
            "POST",
            &collection,
            &json!({ "emailAddress": { "emailAddress": { "address": "samanthab@contoso.com" } } }),
        );
        assert_violation(&e, "$.emailAddress.emailAddress:", "unknown property");
    }
}

#[test]
fn documented_mailbox_settings_patches_pass() {
    // "Share or delegate a calendar in Outlook": the owner lets delegates and the owner receive
    // meeting requests and responses (GRAPH-FACTS §6.3).
    let delegate = delegation_fixture("mailbox-settings-patch-request.json");
    assert_eq!(
        delegate,
        json!({ "delegateMeetingMessageDeliveryOptions": "sendToDelegateAndPrincipal" })
    );
    calendar_ok("PATCH", "/mailboxSettings", &delegate);
    for option in [
        "sendToDelegateOnly",
        "sendToDelegateAndInformationToPrincipal",
    ] {
        calendar_ok(
            "PATCH",
            "/mailboxSettings",
            &json!({ "delegateMeetingMessageDeliveryOptions": option }),
        );
    }
    // "Update user mailbox settings" Example 1 as documented: it sends the answer's
    // "@odata.context" and the status "Scheduled"; both fail by design.
    let documented = delegation_fixture("mailbox-settings-patch-automatic-replies-request.json");
    let e = calendar_fail("PATCH", "/mailboxSettings", &documented);
    assert_violation(&e, "$['@odata.context']:", "unknown property");
    assert_violation(
        &e,
        "$.automaticRepliesSetting.status:",
        "\"Scheduled\" is not one of the allowed values",
    );
    assert_eq!(e.len(), 2, "{e:?}");
    // Corrected: without "@odata.context", status in the CSDL spelling.
    let mut corrected = without_context(documented);
    corrected["automaticRepliesSetting"]["status"] = json!("scheduled");
    calendar_ok("PATCH", "/mailboxSettings", &corrected);
    // More settings at once, as the client writes them.
    calendar_ok(
        "PATCH",
        "/mailboxSettings",
        &json!({
          "automaticRepliesSetting": {
            "status": "alwaysEnabled", "externalAudience": "contactsOnly",
            "internalReplyMessage": "<p>Out until Monday.</p>", "externalReplyMessage": "Out until Monday."
          },
          "timeZone": "W. Europe Standard Time",
          "language": { "locale": "de-DE" },
          "dateFormat": "dd.MM.yyyy",
          "timeFormat": "HH:mm",
          "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000",
            "timeZone": { "name": "W. Europe Standard Time" }
          }
        }),
    );
    // Reads carry no body.
    for m in MAILBOXES {
        fragments()
            .validate_request("GET", &format!("{m}/mailboxSettings"), JSON, b"")
            .unwrap();
    }
}

#[test]
fn mailbox_settings_mistakes_fail() {
    let e = calendar_fail(
        "PATCH",
        "/mailboxSettings",
        &json!({ "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnlyy" }),
    );
    assert_violation(
        &e,
        "$.delegateMeetingMessageDeliveryOptions:",
        "\"sendToDelegateOnlyy\" is not one of the allowed values",
    );
    // userPurpose is read-only (mailboxSettings resource type).
    let e = calendar_fail(
        "PATCH",
        "/mailboxSettings",
        &json!({ "userPurpose": "shared" }),
    );
    assert_violation(&e, "$.userPurpose:", "'userPurpose' is readOnly");
    // Enum casing, a dateTime with an offset, a misspelled property, a day name.
    let e = calendar_fail(
        "PATCH",
        "/mailboxSettings",
        &json!({
          "automaticRepliesSetting": {
            "status": "scheduled", "externalAudience": "All",
            "scheduledStartDateTime": { "dateTime": "2026-12-20T18:00:00Z", "timeZone": "UTC" },
            "scheduledEndDate": { "dateTime": "2026-12-28T18:00:00", "timeZone": "UTC" }
          },
          "workingHours": { "daysOfWeek": ["Monday"] }
        }),
    );
    assert_violation(&e, "$.automaticRepliesSetting.externalAudience:", "\"All\"");
    assert_violation(
        &e,
        "$.automaticRepliesSetting.scheduledStartDateTime.dateTime:",
        "",
    );
    assert_violation(
        &e,
        "$.automaticRepliesSetting.scheduledEndDate:",
        "unknown property",
    );
    assert_violation(&e, "$.workingHours.daysOfWeek[0]:", "\"Monday\"");
    // The settings are not a collection: no POST.
    let e = fragments()
        .validate_request("POST", "/me/mailboxSettings", JSON, b"{}")
        .unwrap_err();
    assert_violation(
        &e,
        "/me/mailboxSettings matches",
        "defines no POST operation",
    );
}

#[test]
fn delegated_event_requests_pass_through_the_calendar() {
    // "Create Outlook events in a shared or delegated calendar", step 2: the delegate creates
    // the meeting in the owner's calendar (POST /me/calendars/{id}/events). As documented it
    // writes "contentType": "HTML", which fails by design (the client sends "html").
    let documented = delegation_fixture("delegated-event-create-request.json");
    let create = format!("/calendars/{CALENDAR_ID}/events");
    let e = calendar_fail("POST", &create, &documented);
    assert_violation(&e, "$.body.contentType:", "\"HTML\"");
    assert_eq!(e.len(), 1, "{e:?}");
    let mut corrected = documented.clone();
    corrected["body"]["contentType"] = json!("html");
    calendar_ok("POST", &create, &corrected);

    // The event read through that calendar is updated, answered and deleted at the same
    // calendar; the bodies are the ones of .../events/{event-id}.
    let event = calendar_event_path("");
    calendar_ok("PATCH", &event, &seed_meeting_update());
    calendar_ok("PATCH", &event, &json!({ "location": null }));
    for action in ["/tentativelyAccept", "/decline"] {
        calendar_ok(
            "POST",
            &calendar_event_path(action),
            &facts_tentatively_accept(),
        );
    }
    calendar_ok(
        "POST",
        &calendar_event_path("/accept"),
        &json!({ "comment": "See you there.", "sendResponse": true }),
    );
    calendar_ok(
        "POST",
        &calendar_event_path("/cancel"),
        &json!({ "comment": "Cancelled." }),
    );
    calendar_ok(
        "POST",
        &calendar_event_path("/forward"),
        &json!({ "toRecipients": [ { "emailAddress": { "address": "danas@contoso.com" } } ] }),
    );
    calendar_ok(
        "POST",
        &calendar_event_path("/attachments"),
        &json!({ "@odata.type": "#microsoft.graph.fileAttachment", "name": "menu.txt",
                 "contentBytes": "SGVsbG8gV29ybGQh" }),
    );
    calendar_ok(
        "POST",
        &calendar_event_path("/attachments/createUploadSession"),
        &json!({ "AttachmentItem": { "attachmentType": "file", "name": "flower.jpg",
                                      "size": 3483322, "contentType": "image/jpeg" } }),
    );
    // The same mistakes fail there as on .../events/{event-id}.
    let mut bad = seed_meeting_update();
    bad["organizer"] = json!({ "emailAddress": { "address": "alexw@contoso.com" } });
    let e = calendar_fail("PATCH", &event, &bad);
    assert_violation(&e, "$.organizer:", "readOnly");
    let e = calendar_fail(
        "POST",
        &calendar_event_path("/accept"),
        &facts_tentatively_accept(),
    );
    assert_violation(&e, "$.proposedNewTime:", "unknown property");
    let e = calendar_fail(
        "POST",
        &calendar_event_path("/attachments"),
        &json!({ "name": "menu.txt", "contentBytes": "SGVsbG8gV29ybGQh" }),
    );
    assert!(e.iter().any(|v| v.contains("@odata.type")), "{e:?}");
    // Reads and deletes carry no body.
    for (method, suffix) in [
        ("GET", format!("/calendars/{CALENDAR_ID}")),
        ("GET", "/calendar".to_string()),
        ("GET", event.clone()),
        ("DELETE", event.clone()),
        (
            "GET",
            calendar_event_path(
                "/instances?startDateTime=2026-12-01T00:00:00Z&endDateTime=2027-01-01T00:00:00Z",
            ),
        ),
        ("GET", calendar_event_path("/attachments")),
        (
            "GET",
            calendar_event_path("/attachments/AAMkAGI2AAABEgAQAA=="),
        ),
        (
            "DELETE",
            calendar_event_path("/attachments/AAMkAGI2AAABEgAQAA=="),
        ),
    ] {
        for m in MAILBOXES {
            fragments()
                .validate_request(method, &format!("{m}{suffix}"), JSON, b"")
                .unwrap_or_else(|e| panic!("{method} {m}{suffix}: {e:?}"));
        }
    }
    let e = fragments()
        .validate_request("GET", &format!("/me{event}"), JSON, &body(&corrected))
        .unwrap_err();
    assert_violation(
        &e,
        "GET /me/calendars/{calendar-id}/events/{event-id}:",
        "declares no request body",
    );
}

#[test]
fn documented_calendar_permission_answers_conform() {
    for name in [
        "calendar-permissions-list.json",
        "calendar-permissions-list-delegate.json",
    ] {
        let page = delegation_fixture(name);
        response_ok(
            "microsoft.graph.calendarPermissionCollectionResponse",
            &page,
        );
        // "My Organization" has no address and cannot be removed.
        let my_org = &page["value"][1];
        assert_eq!(my_org["emailAddress"], json!({ "name": "My Organization" }));
        assert_eq!(my_org["isRemovable"], json!(false));
    }
    for name in [
        "calendar-permission-get.json",
        "calendar-permission-create-response.json",
        "calendar-permission-update-response.json",
    ] {
        response_ok(
            "microsoft.graph.calendarPermission",
            &without_context(delegation_fixture(name)),
        );
    }
    // The create answer echoes the request's sharee and role.
    let created = delegation_fixture("calendar-permission-create-response.json");
    let request = delegation_fixture("calendar-permission-create-request.json");
    assert_eq!(created["emailAddress"], request["emailAddress"]);
    assert_eq!(created["role"], request["role"]);
    // A role outside the v1.0 enum still fails in an answer.
    let mut bad = delegation_fixture("calendar-permissions-list-delegate.json");
    bad["value"][0]["allowedRoles"][5] = json!("delegate");
    let e = fragments()
        .validate_response_schema("microsoft.graph.calendarPermissionCollectionResponse", &bad)
        .unwrap_err();
    assert_violation(&e, "$.value[0].allowedRoles[5]:", "\"delegate\"");
}

#[test]
fn documented_mailbox_settings_answers_conform() {
    for name in [
        "mailbox-settings-get.json",
        "mailbox-settings-patch-response.json",
        "mailbox-settings-patch-automatic-replies-response.json",
    ] {
        response_ok(
            "microsoft.graph.mailboxSettings",
            &without_context(delegation_fixture(name)),
        );
    }
    let settings = delegation_fixture("mailbox-settings-get.json");
    assert_eq!(
        settings["delegateMeetingMessageDeliveryOptions"],
        json!("sendToDelegateOnly")
    );
    // An answer may carry the read-only userPurpose.
    let mut with_purpose = without_context(settings);
    with_purpose["userPurpose"] = json!("user");
    response_ok("microsoft.graph.mailboxSettings", &with_purpose);
    // "Get user mailbox settings" Example 1 as documented does not match the v1.0 CSDL:
    // capitalised enum members and userPurpose as an object ({"value": "user"}).
    let e = fragments()
        .validate_response_schema(
            "microsoft.graph.mailboxSettings",
            &without_context(delegation_fixture("mailbox-settings-get-all.json")),
        )
        .unwrap_err();
    assert_violation(&e, "$.automaticRepliesSetting.status:", "\"Scheduled\"");
    assert_violation(&e, "$.automaticRepliesSetting.externalAudience:", "\"All\"");
    assert_violation(&e, "$.userPurpose:", "expected string");
    assert_eq!(e.len(), 3, "{e:?}");
}

#[test]
fn documented_shared_and_delegated_calendar_answers_conform() {
    // "Get shared or delegated Outlook calendar and its events": a sharee's /me/calendars with
    // the shared "Kids parties" calendar; "Create Outlook events in a shared or delegated
    // calendar", step 1: a delegate's /me/calendars with the owner's primary calendar.
    for (name, can_edit) in [
        ("shared-calendars-list.json", false),
        ("delegated-calendars-list.json", true),
    ] {
        let page = delegation_fixture(name);
        response_ok("microsoft.graph.calendarCollectionResponse", &page);
        let own = &page["value"][0];
        let other = &page["value"][1];
        assert_eq!(own["canShare"], json!(true), "{name}");
        // GRAPH-FACTS §6.1: owner is not the signed-in user, canShare false.
        assert_ne!(own["owner"], other["owner"], "{name}");
        assert_eq!(
            other["owner"]["address"],
            json!("AlexW@contoso.OnMicrosoft.com")
        );
        assert_eq!(other["canShare"], json!(false), "{name}");
        assert_eq!(other["canEdit"], json!(can_edit), "{name}");
        // Each calendar also conforms on its own (GET /calendars/{id}).
        response_ok("microsoft.graph.calendar", other);
    }

    // Step 2/3: the meeting request the attendees get is from the owner, sent by the delegate;
    // the event's organizer is the owner.
    let request = without_context(delegation_fixture("delegated-meeting-request-message.json"));
    response_ok("microsoft.graph.eventMessage", &request);
    assert_eq!(request["meetingMessageType"], json!("meetingRequest"));
    assert_eq!(
        request["from"]["emailAddress"]["address"],
        json!("AlexW@contoso.OnMicrosoft.com")
    );
    assert_eq!(
        request["sender"]["emailAddress"]["address"],
        json!("AdeleV@contoso.OnMicrosoft.com")
    );
    assert_eq!(request["event"]["organizer"], request["from"]);
    // Step 5: the attendee's tentative answer reaches the delegate (v1.0 spelling).
    let answer = without_context(delegation_fixture(
        "delegated-meeting-response-message.json",
    ));
    response_ok("microsoft.graph.eventMessage", &answer);
    assert_eq!(
        answer["meetingMessageType"],
        json!("meetingTenativelyAccepted")
    );
    assert_eq!(
        answer["toRecipients"][0]["emailAddress"]["address"],
        json!("AdeleV@contoso.OnMicrosoft.com")
    );
    // Step 6: the owner's event; nothing in it names the delegate.
    let event = without_context(delegation_fixture("delegated-event-owner-get.json"));
    response_ok("microsoft.graph.event", &event);
    assert_eq!(event["isOrganizer"], json!(true));
    assert_eq!(event["organizer"], request["from"]);
    assert!(!event.to_string().contains("AdeleV@"), "{event:#}");
    assert_eq!(
        event["attendees"][1]["status"]["response"],
        json!("tentativelyAccepted")
    );
}

/// The six answer actions take base64 MIME as text/plain (Example 2 of each action's page),
/// validated like sendMail's; plain MIME (not encoded) and JSON sent as text/plain fail.
#[test]
fn answer_actions_take_base64_mime_as_text_plain() {
    let id = "AAMkAGI2TG93AAA%3D";
    for action in [
        "reply",
        "replyAll",
        "forward",
        "createReply",
        "createReplyAll",
        "createForward",
    ] {
        for path in [
            format!("/me/messages/{id}/{action}"),
            format!("/users/adele%40contoso.com/messages/{id}/{action}"),
        ] {
            assert_request_conforms("POST", &path, "text/plain", EXAMPLE4_MIME.as_bytes());
            let errors = fragments()
                .validate_request(
                    "POST",
                    &path,
                    "text/plain",
                    b"Subject: RE: plain MIME, not base64\n\nhi\n",
                )
                .expect_err(&path);
            assert_violation(&errors, "$:", "not valid standard base64");
            assert!(fragments()
                .validate_request(
                    "POST",
                    &path,
                    "text/plain",
                    &body(&json!({"comment": "hi"}))
                )
                .is_err());
        }
    }
}

// ------------------------------------------------------------------------------------------
// getMailTips: the "user: getMailTips" doc example (request and answer), typical mistakes.
// ------------------------------------------------------------------------------------------

#[test]
fn get_mail_tips_doc_example_passes_and_mistakes_fail() {
    let example = json!({
        "EmailAddresses": ["danas@contoso.onmicrosoft.com", "fannyd@contoso.onmicrosoft.com"],
        "MailTipsOptions": "automaticReplies, mailboxFullStatus"
    });
    for path in ["/me/getMailTips", "/users/adele%40contoso.com/getMailTips"] {
        fragments()
            .validate_request("POST", path, JSON, &body(&example))
            .unwrap();
    }
    // The flags enum is one comma-separated string, not an array.
    let array =
        json!({"EmailAddresses": ["a@contoso.com"], "MailTipsOptions": ["automaticReplies"]});
    let errors = fragments()
        .validate_request("POST", "/me/getMailTips", JSON, &body(&array))
        .unwrap_err();
    assert_violation(&errors, "$.MailTipsOptions", "");
    let missing = json!({"MailTipsOptions": "maxMessageSize"});
    let errors = fragments()
        .validate_request("POST", "/me/getMailTips", JSON, &body(&missing))
        .unwrap_err();
    assert_violation(&errors, "$", "EmailAddresses");
    let empty = json!({"EmailAddresses": [], "MailTipsOptions": "maxMessageSize"});
    assert!(fragments()
        .validate_request("POST", "/me/getMailTips", JSON, &body(&empty))
        .is_err());

    // The doc example's answer (message shortened) conforms.
    let answer = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.mailTips)",
        "value": [
            {
                "emailAddress": {"name": "", "address": "danas@contoso.onmicrosoft.com"},
                "automaticReplies": {
                    "message": "<div>Hi, I am on vacation right now.</div>",
                    "messageLanguage": {"locale": "en-US", "displayName": "English (United States)"},
                    "scheduledStartTime": {"dateTime": "2018-08-07T02:00:00.0000000", "timeZone": "UTC"},
                    "scheduledEndTime": {"dateTime": "2018-08-09T02:00:00.0000000", "timeZone": "UTC"}
                },
                "mailboxFull": false
            },
            {
                "emailAddress": {"name": "", "address": "fannyd@contoso.onmicrosoft.com"},
                "automaticReplies": {"message": ""},
                "mailboxFull": false
            }
        ]
    });
    fragments()
        .validate_response_schema("msgraphOutlook.mailTipsCollection", &answer)
        .unwrap();
    let wrong = json!({"value": [{"maxMessageSize": "35 MB"}]});
    let errors = fragments()
        .validate_response_schema("msgraphOutlook.mailTipsCollection", &wrong)
        .unwrap_err();
    assert_violation(&errors, "$.value[0].maxMessageSize", "");
}

// ------------------------------------------------------------------------------------------
// Subscriptions: the GRAPH-FACTS-2 §1.4 and §4.1 doc examples, renewals, typical mistakes, and
// the Outlook overview's answer.
// ------------------------------------------------------------------------------------------

fn subscription_create_example() -> Value {
    json!({
        "changeType": "created,updated,deleted",
        "notificationUrl": "https://hooks.example.com/graph/notify?tenant=contoso",
        "lifecycleNotificationUrl": "https://hooks.example.com/graph/lifecycle",
        "resource": "users/622eaaff-0683-4862-9de4-f2ec83c2bd98/mailFolders('inbox')/messages",
        "expirationDateTime": "2026-12-14T09:00:00.0000000Z",
        "clientState": "b9c1e0d2",
        "latestSupportedTlsVersion": "v1_2"
    })
}

#[test]
fn subscription_doc_examples_pass_and_mistakes_fail() {
    let create = |v: &Value| fragments().validate_request("POST", "/subscriptions", JSON, &body(v));
    create(&subscription_create_example()).unwrap();
    // The rich-notification example; the docs' shortened certificate ("…QBqWA==") is not valid
    // base64 any more, so its padding is dropped here.
    let rich = json!({
        "changeType": "created",
        "notificationUrl": "https://hooks.example.com/graph/notify",
        "resource": "users/622eaaff-0683-4862-9de4-f2ec83c2bd98/messages?$select=Subject,bodyPreview,importance,receivedDateTime,from",
        "expirationDateTime": "2026-12-08T09:00:00Z",
        "clientState": "secretClientValue",
        "includeResourceData": true,
        "encryptionCertificate": "MIIDMzCCAhugAwIBAgIQE7D+++Dk1hKQBqWA",
        "encryptionCertificateId": "testCertificateId"
    });
    create(&rich).unwrap();

    let with = |edit: &dyn Fn(&mut Value)| {
        let mut v = subscription_create_example();
        edit(&mut v);
        create(&v).unwrap_err()
    };
    assert_violation(
        &with(&|v| v["clientState"] = json!("x".repeat(129))),
        "$.clientState",
        "",
    );
    assert_violation(
        &with(&|v| v["latestSupportedTlsVersion"] = json!("1.2")),
        "$.latestSupportedTlsVersion",
        "",
    );
    assert_violation(
        &with(&|v| v["expirationDateTime"] = json!("next week")),
        "$.expirationDateTime",
        "",
    );
    assert_violation(
        &with(&|v| {
            v.as_object_mut().unwrap().remove("resource");
        }),
        "$",
        "resource",
    );
    assert_violation(&with(&|v| v["id"] = json!("5522bd62")), "$", "id");
    assert_violation(
        &with(&|v| v["ChangeType"] = json!("created")),
        "$",
        "ChangeType",
    );
    assert_violation(
        &with(&|v| v["encryptionCertificateId"] = json!("k".repeat(129))),
        "$.encryptionCertificateId",
        "",
    );

    // Renewal; the lifecycle URL is only settable at creation.
    let patch = |v: &Value| {
        fragments().validate_request(
            "PATCH",
            "/subscriptions/5522bd62-7c96-4530-85b0-00b916f6151a",
            JSON,
            &body(v),
        )
    };
    patch(&json!({"expirationDateTime": "2026-12-14T09:00:00Z"})).unwrap();
    patch(&json!({"encryptionCertificate": "MIIDMzCC", "encryptionCertificateId": "next-key"}))
        .unwrap();
    let errors =
        patch(&json!({"lifecycleNotificationUrl": "https://hooks.example.com/l"})).unwrap_err();
    assert_violation(&errors, "$", "lifecycleNotificationUrl");

    // The Outlook overview's answer, and a list page with clientState null and a next link.
    let answer = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
        "id": "5522bd62-7c96-4530-85b0-00b916f6151a",
        "resource": "users/622eaaff-0683-4862-9de4-f2ec83c2bd98/mailFolders('inbox')/messages",
        "applicationId": "507c3b9a-67b8-463d-88a2-15a8cefb2111", "changeType": "created,updated,deleted",
        "clientState": "b9c1", "notificationUrl": "https://hooks.example.com/graph/notify?tenant=contoso",
        "lifecycleNotificationUrl": "https://hooks.example.com/graph/lifecycle",
        "expirationDateTime": "2026-12-14T09:00:00Z", "creatorId": "a4c7bd34-4f3b-46b7-a25d-b63c1e2a2842",
        "includeResourceData": null, "latestSupportedTlsVersion": "v1_2",
        "encryptionCertificate": null, "encryptionCertificateId": null, "notificationUrlAppId": null,
        "notificationQueryOptions": null, "notificationContentType": null
    });
    fragments()
        .validate_response_schema("microsoft.graph.subscription", &answer)
        .unwrap();
    let mut listed = answer.clone();
    listed.as_object_mut().unwrap().remove("@odata.context");
    listed["clientState"] = Value::Null;
    let page = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions",
        "@odata.nextLink": "https://graph.microsoft.com/v1.0/subscriptions?$skiptoken=abc",
        "value": [listed]
    });
    fragments()
        .validate_response_schema("msgraphOutlook.subscriptionCollection", &page)
        .unwrap();
}

// ------------------------------------------------------------------------------------------
// Mail folders (GRAPH-FACTS-2 §7.1): create, rename, move/copy bodies.
// ------------------------------------------------------------------------------------------

#[test]
fn mail_folder_bodies_pass_and_typical_mistakes_fail() {
    let f = fragments();
    for prefix in ["/me", "/users/adele%40contoso.com"] {
        let ok = |method: &str, path: &str, v: Value| {
            f.validate_request(method, &format!("{prefix}{path}"), JSON, &body(&v))
                .unwrap_or_else(|e| panic!("{method} {prefix}{path}: {}", e.join("\n")))
        };
        // The "Create mailFolder" doc example.
        ok(
            "POST",
            "/mailFolders",
            json!({"displayName": "Clutter", "isHidden": true}),
        );
        ok(
            "POST",
            "/mailFolders/inbox/childFolders",
            json!({"displayName": "Invoices"}),
        );
        ok(
            "PATCH",
            "/mailFolders/AAMkAGFolder=",
            json!({"displayName": "Invoices 2026"}),
        );
        for action in ["move", "copy"] {
            ok(
                "POST",
                &format!("/mailFolders/AAMkAGFolder=/{action}"),
                json!({"destinationId": "archive"}),
            );
        }
        // permanentDelete of a folder and of a message take no body.
        for path in [
            "/mailFolders/AAMkAGFolder=/permanentDelete",
            "/messages/AAMkAGMsg=/permanentDelete",
        ] {
            f.validate_request("POST", &format!("{prefix}{path}"), JSON, b"")
                .unwrap();
            assert!(f
                .validate_request("POST", &format!("{prefix}{path}"), JSON, b"{}")
                .is_err());
        }
    }
    let fail = |method: &str, path: &str, v: Value| {
        f.validate_request(method, path, JSON, &body(&v))
            .expect_err(&format!("expected {method} {path} to reject {v}"))
    };
    // The name is required and not empty; isHidden is set only at creation.
    assert_violation(
        &fail("POST", "/me/mailFolders", json!({"isHidden": false})),
        "$:",
        "displayName",
    );
    assert_violation(
        &fail("POST", "/me/mailFolders", json!({"displayName": ""})),
        "$.displayName:",
        "",
    );
    assert_violation(
        &fail(
            "PATCH",
            "/me/mailFolders/AAMkAGFolder=",
            json!({"displayName": "X", "isHidden": true}),
        ),
        "$.isHidden:",
        "",
    );
    // Counts and the parent are Graph's to set.
    assert_violation(
        &fail(
            "POST",
            "/me/mailFolders/inbox/childFolders",
            json!({"displayName": "X", "parentFolderId": "AAMk0"}),
        ),
        "$.parentFolderId:",
        "",
    );
    // The CSDL's PascalCase spelling is not what the client sends.
    assert_violation(
        &fail(
            "POST",
            "/me/mailFolders/AAMkAGFolder=/move",
            json!({"DestinationId": "archive"}),
        ),
        "$",
        "destinationId",
    );
}

// ------------------------------------------------------------------------------------------
// Master categories and Inbox rules: the "Create outlookCategory", "Update outlookCategory"
// and "Create rule" doc examples pass; a rename, a colour Graph does not define and a single
// redirectTo recipient fail.
// ------------------------------------------------------------------------------------------

#[test]
fn category_and_rule_doc_examples_pass_and_mistakes_fail() {
    let create = json!({"displayName": "Project expenses", "color": "preset9"});
    let rule = json!({
        "displayName": "From partner", "sequence": 2, "isEnabled": true,
        "conditions": {"senderContains": ["adele"]},
        "actions": {
            "forwardTo": [{"emailAddress": {"name": "Alex Wilbur", "address": "AlexW@contoso.onmicrosoft.com"}}],
            "stopProcessingRules": true
        }
    });
    for mailbox in ["/me", "/users/adele%40contoso.com"] {
        let categories = format!("{mailbox}/outlook/masterCategories");
        let rules = format!("{mailbox}/mailFolders/inbox/messageRules");
        fragments()
            .validate_request("POST", &categories, JSON, &body(&create))
            .unwrap();
        fragments()
            .validate_request(
                "PATCH",
                &format!("{categories}/7b34c8f7"),
                JSON,
                &body(&json!({"color": "preset15"})),
            )
            .unwrap();
        fragments()
            .validate_request("POST", &rules, JSON, &body(&rule))
            .unwrap();
        fragments()
            .validate_request(
                "PATCH",
                &format!("{rules}/AQAAAJ5dZqA="),
                JSON,
                &body(&json!({"isEnabled": false})),
            )
            .unwrap();
    }
    let patch = |value: Value| {
        fragments()
            .validate_request(
                "PATCH",
                "/me/outlook/masterCategories/7b34c8f7",
                JSON,
                &body(&value),
            )
            .unwrap_err()
    };
    // A category cannot be renamed.
    let errors = patch(json!({"displayName": "Renamed", "color": "preset1"}));
    assert_violation(&errors, "$.displayName", "");
    let errors = patch(json!({"color": "preset25"}));
    assert_violation(&errors, "$.color", "");
    let errors = patch(json!({"color": "Preset1"}));
    assert_violation(&errors, "$.color", "");
    let post = |value: Value| {
        fragments()
            .validate_request(
                "POST",
                "/me/mailFolders/inbox/messageRules",
                JSON,
                &body(&value),
            )
            .unwrap_err()
    };
    // redirectTo is a collection (CSDL), not the single recipient of the resource page.
    let errors = post(json!({"displayName": "R", "sequence": 1,
        "actions": {"redirectTo": {"emailAddress": {"address": "a@contoso.com"}}}}));
    assert_violation(&errors, "$.actions.redirectTo", "");
    let errors = post(json!({"displayName": "R", "sequence": 1}));
    assert_violation(&errors, "$", "actions");
    let errors = post(json!({"displayName": "R", "sequence": 1, "hasError": false,
        "actions": {"delete": true}}));
    assert_violation(&errors, "$.hasError", "");
    let errors = post(json!({"displayName": "R", "sequence": 1,
        "conditions": {"senderContain": ["x"]}, "actions": {"delete": true}}));
    assert_violation(&errors, "$.conditions.senderContain", "");
    let errors = post(json!({"displayName": "R", "sequence": 1,
        "conditions": {"messageActionFlag": "followup"}, "actions": {"delete": true}}));
    assert_violation(&errors, "$.conditions.messageActionFlag", "");

    // The documented answers conform.
    fragments()
        .validate_response_schema(
            "microsoft.graph.outlookCategory",
            &json!({"id": "7b34c8f7", "displayName": "Project expenses", "color": "preset9"}),
        )
        .unwrap();
    fragments()
        .validate_response_schema(
            "microsoft.graph.messageRule",
            &json!({
                "id": "AQAAAJ5dZqA=", "displayName": "From partner", "sequence": 2,
                "isEnabled": true, "hasError": false, "isReadOnly": false,
                "conditions": {"senderContains": ["ADELE"]},
                "actions": {"stopProcessingRules": true,
                    "forwardTo": [{"emailAddress": {"name": "Alex Wilbur", "address": "AlexW@contoso.onmicrosoft.com"}}]}
            }),
        )
        .unwrap();
}

// ------------------------------------------------------------------------------------------
// translateExchangeIds (GRAPH-FACTS-2 §7.6): the doc example, the 1,000-id maximum, typical
// mistakes, and a per-id error answer.
// ------------------------------------------------------------------------------------------

#[test]
fn translate_exchange_ids_doc_example_passes_and_mistakes_fail() {
    let example = json!({
        "inputIds": ["{rest-formatted-id-1}", "{rest-formatted-id-2}"],
        "sourceIdType": "restId",
        "targetIdType": "restImmutableEntryId"
    });
    for path in [
        "/me/translateExchangeIds",
        "/users/adele%40contoso.com/translateExchangeIds",
    ] {
        fragments()
            .validate_request("POST", path, JSON, &body(&example))
            .unwrap();
    }
    let path = "/me/translateExchangeIds";
    let too_many: Vec<String> = (0..1001).map(|i| format!("id-{i}")).collect();
    let over = json!({"inputIds": too_many, "sourceIdType": "ewsId", "targetIdType": "restId"});
    assert!(fragments()
        .validate_request("POST", path, JSON, &body(&over))
        .is_err());
    let unknown = json!({"inputIds": ["a"], "sourceIdType": "EwsId", "targetIdType": "restId"});
    let errors = fragments()
        .validate_request("POST", path, JSON, &body(&unknown))
        .unwrap_err();
    assert_violation(&errors, "$.sourceIdType", "");
    let pascal = json!({"InputIds": ["a"], "SourceIdType": "ewsId", "TargetIdType": "restId"});
    assert!(fragments()
        .validate_request("POST", path, JSON, &body(&pascal))
        .is_err());

    let answer = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.convertIdResult)",
        "value": [
            {"sourceId": "{rest-formatted-id-1}", "targetId": "{rest-immutable-formatted-id-1}"},
            {"sourceId": "{rest-formatted-id-2}", "errorDetails": {"code": "ErrorInvalidIdMalformed", "message": "Id is malformed."}}
        ]
    });
    fragments()
        .validate_response_schema("msgraphOutlook.convertIdResultCollection", &answer)
        .unwrap();
    let wrong = json!({"value": [{"sourceId": "a", "target": "b"}]});
    assert!(fragments()
        .validate_response_schema("msgraphOutlook.convertIdResultCollection", &wrong)
        .is_err());
}
