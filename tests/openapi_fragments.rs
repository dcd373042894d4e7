//! Tests for openapi-fragments/ and the test-support validator in tests/support/openapi.rs:
//! the fragments load and all $refs resolve, the corrected sendMail doc examples pass, the
//! uncorrected ones and typical client mistakes fail with a JSON path in the message.

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
        ] {
            add("POST", &format!("/messages/{{message-id}}/{action}"));
        }
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
        .validate_request("POST", "/me/events", JSON, &ok)
        .unwrap_err();
    assert_violation(
        &e,
        "no operation in openapi-fragments matches POST /me/events",
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
