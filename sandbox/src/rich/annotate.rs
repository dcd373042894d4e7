//! The decrypted `data` of a rich notification is the resource "similar to that
//! returned by a GET message operation", with only the `$select`ed properties and
//! OData type annotations. The docs' decrypted example
//! (learn.microsoft.com/graph/outlook-change-notifications-overview, "Notifications
//! with resource data") shows the three forms used here:
//! `"receivedDateTime@odata.type":"#DateTimeOffset"` beside a DateTimeOffset,
//! `"importance@odata.type":"#microsoft.graph.importance"` beside an enum, and
//! `"@odata.type":"#microsoft.graph.recipient"` inside each complex value (nested
//! ones too). Collections are annotated as OData's full metadata does,
//! `"toRecipients@odata.type":"#Collection(microsoft.graph.recipient)"`
//! \[unconfirmed\]: the example has no collection-valued property. Strings, booleans,
//! numbers and nulls carry no annotation (JSON already says what they are).

use serde_json::{Map, Value};

/// The Outlook entity a rendered resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entity {
    /// `microsoft.graph.message`.
    Message,
    /// `microsoft.graph.event`.
    Event,
}

/// How a property is annotated.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `Edm.DateTimeOffset`.
    DateTimeOffset,
    /// `Edm.Date`.
    Date,
    /// A `microsoft.graph` enum type.
    Enum(&'static str),
    /// A collection of a `microsoft.graph` enum type.
    EnumCollection(&'static str),
    /// A `microsoft.graph` complex type.
    Complex(&'static str),
    /// A collection of a `microsoft.graph` complex type.
    ComplexCollection(&'static str),
}

/// The annotated kind of `owner.name`, for the properties the sandbox renders (names
/// and types from the v1.0 `message`, `event` and complex-type resource pages).
fn kind(owner: &str, name: &str) -> Option<Kind> {
    use Kind::*;
    Some(match (owner, name) {
        ("message" | "event", "createdDateTime" | "lastModifiedDateTime") => DateTimeOffset,
        ("message" | "event", "importance") => Enum("importance"),
        ("message" | "event", "body") => Complex("itemBody"),
        ("message", "receivedDateTime" | "sentDateTime") => DateTimeOffset,
        ("message", "inferenceClassification") => Enum("inferenceClassificationType"),
        ("message", "from" | "sender") => Complex("recipient"),
        ("message", "toRecipients" | "ccRecipients" | "bccRecipients" | "replyTo") => {
            ComplexCollection("recipient")
        }
        ("message", "uniqueBody") => Complex("itemBody"),
        ("message", "flag") => Complex("followupFlag"),
        ("message", "internetMessageHeaders") => ComplexCollection("internetMessageHeader"),
        ("event", "originalStart") => DateTimeOffset,
        ("event", "sensitivity") => Enum("sensitivity"),
        ("event", "showAs") => Enum("freeBusyStatus"),
        ("event", "type") => Enum("eventType"),
        ("event", "onlineMeetingProvider") => Enum("onlineMeetingProviderType"),
        ("event", "start" | "end") => Complex("dateTimeTimeZone"),
        ("event", "location") => Complex("location"),
        ("event", "locations") => ComplexCollection("location"),
        ("event", "attendees") => ComplexCollection("attendee"),
        ("event", "organizer") => Complex("recipient"),
        ("event", "responseStatus") => Complex("responseStatus"),
        ("event", "recurrence") => Complex("patternedRecurrence"),
        ("event", "onlineMeeting") => Complex("onlineMeetingInfo"),
        ("recipient" | "attendee", "emailAddress") => Complex("emailAddress"),
        ("attendee", "type") => Enum("attendeeType"),
        ("attendee", "status") => Complex("responseStatus"),
        ("attendee", "proposedNewTime") => Complex("timeSlot"),
        ("timeSlot", "start" | "end") => Complex("dateTimeTimeZone"),
        ("responseStatus", "response") => Enum("responseType"),
        ("responseStatus", "time") => DateTimeOffset,
        ("itemBody", "contentType") => Enum("bodyType"),
        ("followupFlag", "flagStatus") => Enum("followupFlagStatus"),
        ("followupFlag", "completedDateTime" | "dueDateTime" | "startDateTime") => {
            Complex("dateTimeTimeZone")
        }
        ("location", "locationType") => Enum("locationType"),
        ("location", "uniqueIdType") => Enum("locationUniqueIdType"),
        ("location", "address") => Complex("physicalAddress"),
        ("location", "coordinates") => Complex("outlookGeoCoordinates"),
        ("patternedRecurrence", "pattern") => Complex("recurrencePattern"),
        ("patternedRecurrence", "range") => Complex("recurrenceRange"),
        ("recurrencePattern", "type") => Enum("recurrencePatternType"),
        ("recurrencePattern", "daysOfWeek") => EnumCollection("dayOfWeek"),
        ("recurrencePattern", "firstDayOfWeek") => Enum("dayOfWeek"),
        ("recurrencePattern", "index") => Enum("weekIndex"),
        ("recurrenceRange", "type") => Enum("recurrenceRangeType"),
        ("recurrenceRange", "startDate" | "endDate") => Date,
        _ => return None,
    })
}

/// `resource` (a rendered message or event, already cut down to the subscription's
/// `$select`) with Graph's type annotations added. Members already starting with `@`
/// (`@odata.etag`, …) are kept as they are.
pub(crate) fn annotate(entity: Entity, resource: &Value) -> Value {
    let owner = match entity {
        Entity::Message => "message",
        Entity::Event => "event",
    };
    match resource {
        Value::Object(members) => Value::Object(annotate_members(owner, members)),
        other => other.clone(),
    }
}

fn annotate_members(owner: &str, members: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in members {
        let kind = if name.starts_with('@') || value.is_null() {
            None
        } else {
            kind(owner, name)
        };
        let annotation = match kind {
            None => None,
            Some(Kind::DateTimeOffset) => Some("#DateTimeOffset".to_string()),
            Some(Kind::Date) => Some("#Date".to_string()),
            Some(Kind::Enum(t)) => Some(format!("#microsoft.graph.{t}")),
            Some(Kind::EnumCollection(t) | Kind::ComplexCollection(t)) => {
                Some(format!("#Collection(microsoft.graph.{t})"))
            }
            // A complex value carries its type inside.
            Some(Kind::Complex(_)) => None,
        };
        if let Some(annotation) = annotation {
            out.insert(format!("{name}@odata.type"), Value::String(annotation));
        }
        let value = match (kind, value) {
            (Some(Kind::Complex(t)), Value::Object(inner)) => complex(t, inner),
            (Some(Kind::ComplexCollection(t)), Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .map(|item| match item {
                        Value::Object(inner) => complex(t, inner),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            (_, other) => other.clone(),
        };
        out.insert(name.clone(), value);
    }
    out
}

/// A complex value: its own `@odata.type`, then its members annotated.
fn complex(type_name: &str, members: &Map<String, Value>) -> Value {
    let mut out = annotate_members(type_name, members);
    out.insert(
        "@odata.type".into(),
        Value::String(format!("#microsoft.graph.{type_name}")),
    );
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_docs_example_comes_out_as_documented() {
        let rendered = json!({
            "receivedDateTime": "2021-12-30T10:53:35Z",
            "subject": "TEST MESSAGE FOR RICH NOTIFICATIONS",
            "bodyPreview": "Hello,\r\n\r\nWhat\u{2019}s up?\r\n\r\nThanks\r\nMegan",
            "importance": "normal",
            "from": {"emailAddress": {"name": "Megan Brown", "address": "Megan.Brown@microsoft.com"}}
        });
        assert_eq!(
            annotate(Entity::Message, &rendered),
            json!({
                "receivedDateTime@odata.type": "#DateTimeOffset",
                "receivedDateTime": "2021-12-30T10:53:35Z",
                "subject": "TEST MESSAGE FOR RICH NOTIFICATIONS",
                "bodyPreview": "Hello,\r\n\r\nWhat\u{2019}s up?\r\n\r\nThanks\r\nMegan",
                "importance@odata.type": "#microsoft.graph.importance",
                "importance": "normal",
                "from": {
                    "@odata.type": "#microsoft.graph.recipient",
                    "emailAddress": {
                        "@odata.type": "#microsoft.graph.emailAddress",
                        "name": "Megan Brown",
                        "address": "Megan.Brown@microsoft.com"
                    }
                }
            })
        );
    }

    #[test]
    fn collections_nulls_and_odata_members() {
        let rendered = json!({
            "@odata.etag": "W/\"x\"",
            "id": "AAMk",
            "toRecipients": [{"emailAddress": {"address": "a@contoso.com"}}],
            "sender": null,
            "categories": ["Red"],
            "isRead": false
        });
        assert_eq!(
            annotate(Entity::Message, &rendered),
            json!({
                "@odata.etag": "W/\"x\"",
                "id": "AAMk",
                "toRecipients@odata.type": "#Collection(microsoft.graph.recipient)",
                "toRecipients": [{
                    "@odata.type": "#microsoft.graph.recipient",
                    "emailAddress": {"@odata.type": "#microsoft.graph.emailAddress", "address": "a@contoso.com"}
                }],
                "sender": null,
                "categories": ["Red"],
                "isRead": false
            })
        );
    }

    #[test]
    fn events_annotate_times_and_attendees() {
        let rendered = json!({
            "start": {"dateTime": "2026-12-07T10:00:00.0000000", "timeZone": "UTC"},
            "showAs": "busy",
            "attendees": [{"type": "required", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                           "emailAddress": {"address": "b@contoso.com"}}]
        });
        assert_eq!(
            annotate(Entity::Event, &rendered),
            json!({
                "start": {"@odata.type": "#microsoft.graph.dateTimeTimeZone",
                          "dateTime": "2026-12-07T10:00:00.0000000", "timeZone": "UTC"},
                "showAs@odata.type": "#microsoft.graph.freeBusyStatus",
                "showAs": "busy",
                "attendees@odata.type": "#Collection(microsoft.graph.attendee)",
                "attendees": [{
                    "@odata.type": "#microsoft.graph.attendee",
                    "type@odata.type": "#microsoft.graph.attendeeType",
                    "type": "required",
                    "status": {"@odata.type": "#microsoft.graph.responseStatus",
                               "response@odata.type": "#microsoft.graph.responseType",
                               "response": "none",
                               "time@odata.type": "#DateTimeOffset",
                               "time": "0001-01-01T00:00:00Z"},
                    "emailAddress": {"@odata.type": "#microsoft.graph.emailAddress", "address": "b@contoso.com"}
                }]
            })
        );
    }
}
