//! The `resource` of a subscription, spelled as Graph documents it for Outlook
//! (GRAPH-FACTS-2 §1.1, §4.1; "Change notifications for Outlook resources in Microsoft
//! Graph", <https://learn.microsoft.com/graph/outlook-change-notifications-overview>).

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::error::InvalidRequest;
use crate::models::{FolderRef, MailboxRef};

/// Characters escaped in a user or folder id inside `resource`. The resource is a path
/// relative to the Graph root that Graph resolves itself, not a URL this crate requests:
/// `@` and `:` stay as they are (the docs' own example is
/// `users/AAD-UPN:3f8c2a71-…@contoso.com/mailFolders('inbox')/messages`); only what would
/// end the segment or start the query or a fragment (`/`, `?`, `#`), `%` itself, and what
/// is never valid in a URL are escaped. [unconfirmed: that Graph percent-decodes them.]
const ID_IN_RESOURCE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Characters escaped in a `$filter` expression: only those that would end the query
/// parameter (`&`, `#`) and `%`; spaces stay, as in the docs' `$filter=isRead eq false`.
const FILTER_IN_RESOURCE: &AsciiSet = &CONTROLS.add(b'#').add(b'%').add(b'&');

/// Message properties Graph refuses in a rich subscription's `$select` (GRAPH-FACTS-2 §4.1).
const NOT_SELECTABLE: [&str; 2] = ["body", "uniqueBody"];

/// What a subscription watches: one of the Outlook resources Graph documents
/// (GRAPH-FACTS-2 §1.1), built from typed handles.
///
/// ```
/// use msgraph_outlook::api::{MailboxRef, SubscriptionResource};
/// use msgraph_outlook::models::WellKnownFolder;
///
/// let adele = MailboxRef::User("622eaaff-0683-4862-9de4-f2ec83c2bd98".into());
/// let inbox = SubscriptionResource::folder_messages(&adele, WellKnownFolder::Inbox);
/// assert_eq!(
///     inbox.as_str(),
///     "users/622eaaff-0683-4862-9de4-f2ec83c2bd98/mailFolders('inbox')/messages"
/// );
/// assert_eq!(SubscriptionResource::events(&MailboxRef::Me).as_str(), "me/events");
///
/// // Rich notifications carry the selected properties.
/// let rich = SubscriptionResource::messages(&adele).select(["subject", "from"]);
/// assert_eq!(
///     rich.as_str(),
///     "users/622eaaff-0683-4862-9de4-f2ec83c2bd98/messages?$select=subject,from"
/// );
/// ```
///
/// Name the mailbox by its object id where you can: Graph recommends it, since a user
/// principal name can be ambiguous and then creation fails now and then with
/// `503 Mailbox info is stale` ([`SubscriptionFailure::MailboxInfoStale`](super::SubscriptionFailure::MailboxInfoStale)).
/// A UPN that begins with a GUID (`3f8c2a71-…@contoso.com`) is sent with the `AAD-UPN:`
/// prefix the docs ask for, so Graph does not read it as a mailbox GUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionResource {
    /// The path without query options (`users/{id}/messages`).
    base: String,
    select: Vec<String>,
    filter: Option<String>,
    /// `base` with its query options: what `as_str` returns.
    path: String,
    /// Why it cannot be sent, found while building it (reported by `check`).
    problem: Option<String>,
}

impl SubscriptionResource {
    fn new(mailbox: &MailboxRef, rest: &str) -> Self {
        let (base, problem) = match mailbox {
            MailboxRef::Me => (format!("me/{rest}"), None),
            MailboxRef::User(id) => {
                let problem = id
                    .trim()
                    .is_empty()
                    .then(|| "a subscription needs a user id, and it is empty".to_string());
                (format!("users/{}/{rest}", user_in_resource(id)), problem)
            }
        };
        SubscriptionResource {
            path: base.clone(),
            base,
            select: Vec::new(),
            filter: None,
            problem,
        }
    }

    /// Every message of a mailbox (`me/messages`, `users/{id}/messages`).
    pub fn messages(mailbox: &MailboxRef) -> Self {
        SubscriptionResource::new(mailbox, "messages")
    }

    /// The messages of one folder: `users/{id}/mailFolders('inbox')/messages` for a
    /// well-known folder (the docs' spelling), `users/{id}/mailFolders/{folder-id}/messages`
    /// for a folder id.
    pub fn folder_messages(mailbox: &MailboxRef, folder: impl Into<FolderRef>) -> Self {
        let folder = folder.into();
        let rest = match &folder {
            FolderRef::WellKnown(name) => format!("mailFolders('{}')/messages", name.as_str()),
            other => format!(
                "mailFolders/{}/messages",
                utf8_percent_encode(other.as_str(), ID_IN_RESOURCE)
            ),
        };
        let mut resource = SubscriptionResource::new(mailbox, &rest);
        if folder.as_str().trim().is_empty() && resource.problem.is_none() {
            resource.problem =
                Some("a folder subscription needs a folder id, and it is empty".into());
        }
        resource
    }

    /// The events of a mailbox's calendars (`me/events`, `users/{id}/events`).
    pub fn events(mailbox: &MailboxRef) -> Self {
        SubscriptionResource::new(mailbox, "events")
    }

    /// Only these properties in rich notifications (`$select` in the resource; needed with
    /// [`CreateSubscription::include_resource_data`](super::CreateSubscription::include_resource_data)).
    /// Graph refuses `body` and `uniqueBody` there: asking for them is an
    /// [`InvalidRequest`] when the subscription is sent, and nothing is sent.
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.select = properties.into_iter().map(Into::into).collect();
        for property in &self.select {
            let name = property.trim();
            if NOT_SELECTABLE.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                self.problem.get_or_insert_with(|| {
                    format!(
                        "Graph does not send {name:?} in rich notifications ($select=Body,UniqueBody \
                         is refused): read the message when its notification arrives"
                    )
                });
            } else if name.is_empty() || !name.chars().all(is_property_char) {
                self.problem
                    .get_or_insert_with(|| format!("{property:?} is not a property name"));
            }
        }
        self.rebuild()
    }

    /// Only changes of items matching an OData filter (`$filter` in the resource). With
    /// `isRead eq false`, a message that becomes read is reported as `deleted` and one
    /// marked unread as `created` (GRAPH-FACTS-2 §1.1).
    pub fn filter(mut self, expression: impl Into<String>) -> Self {
        self.filter = Some(expression.into());
        self.rebuild()
    }

    fn rebuild(mut self) -> Self {
        let mut options = Vec::new();
        if !self.select.is_empty() {
            let names: Vec<&str> = self.select.iter().map(|s| s.trim()).collect();
            options.push(format!("$select={}", names.join(",")));
        }
        if let Some(filter) = &self.filter {
            options.push(format!(
                "$filter={}",
                utf8_percent_encode(filter, FILTER_IN_RESOURCE)
            ));
        }
        self.path = if options.is_empty() {
            self.base.clone()
        } else {
            format!("{}?{}", self.base, options.join("&"))
        };
        self
    }

    /// The resource as Graph's `resource` property spells it.
    pub fn as_str(&self) -> &str {
        &self.path
    }

    /// Refuses what Graph would refuse, before anything is sent.
    pub(crate) fn check(&self) -> Result<(), InvalidRequest> {
        match &self.problem {
            Some(reason) => Err(InvalidRequest::InvalidValue {
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }
}

impl std::fmt::Display for SubscriptionResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path)
    }
}

/// Property names: letters, digits, `_`, and the `.`/`/` of a type cast
/// (`microsoft.graph.eventMessage/meetingMessageType`).
fn is_property_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/')
}

/// A user id or UPN as it goes in `resource`: a UPN that begins with a GUID gets the
/// `AAD-UPN:` prefix (the Outlook overview's "Example 2"), then the id is escaped.
fn user_in_resource(id: &str) -> String {
    let id = id.trim();
    let prefixed = match id.split_once('@') {
        Some((local, _)) if is_guid(local) => format!("AAD-UPN:{id}"),
        _ => id.to_string(),
    };
    utf8_percent_encode(&prefixed, ID_IN_RESOURCE).to_string()
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hex digits.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::WellKnownFolder;

    fn user(id: &str) -> MailboxRef {
        MailboxRef::User(id.into())
    }

    #[test]
    fn documented_paths_for_me_and_users() {
        let cases = [
            (
                SubscriptionResource::messages(&MailboxRef::Me),
                "me/messages",
            ),
            (
                SubscriptionResource::events(&user("a@contoso.com")),
                "users/a@contoso.com/events",
            ),
            (
                SubscriptionResource::folder_messages(&MailboxRef::Me, WellKnownFolder::SentItems),
                "me/mailFolders('sentitems')/messages",
            ),
            (
                SubscriptionResource::folder_messages(&user("u1"), "AQMkAGI2TAAA="),
                "users/u1/mailFolders/AQMkAGI2TAAA=/messages",
            ),
        ];
        for (resource, expected) in cases {
            assert_eq!(resource.as_str(), expected);
            assert_eq!(resource.check(), Ok(()));
        }
    }

    #[test]
    fn a_upn_that_begins_with_a_guid_gets_the_aad_upn_prefix() {
        let upn = "3f8c2a71-6d45-4e9b-a237-81c5f0d762ae@contoso.com";
        assert_eq!(
            SubscriptionResource::folder_messages(&user(upn), WellKnownFolder::Inbox).as_str(),
            "users/AAD-UPN:3f8c2a71-6d45-4e9b-a237-81c5f0d762ae@contoso.com/mailFolders('inbox')/messages"
        );
        // Already prefixed, or an object id: as given.
        let prefixed = format!("AAD-UPN:{upn}");
        assert_eq!(
            SubscriptionResource::messages(&user(&prefixed)).as_str(),
            format!("users/{prefixed}/messages")
        );
        assert_eq!(
            SubscriptionResource::messages(&user("3f8c2a71-6d45-4e9b-a237-81c5f0d762ae")).as_str(),
            "users/3f8c2a71-6d45-4e9b-a237-81c5f0d762ae/messages"
        );
    }

    #[test]
    fn ids_cannot_break_out_of_their_segment() {
        let resource = SubscriptionResource::folder_messages(&user("a/b?c#d%e"), "f/g?h");
        assert_eq!(
            resource.as_str(),
            "users/a%2Fb%3Fc%23d%25e/mailFolders/f%2Fg%3Fh/messages"
        );
    }

    #[test]
    fn select_and_filter_become_query_options() {
        let resource = SubscriptionResource::messages(&MailboxRef::Me)
            .select([
                "Subject",
                " bodyPreview",
                "microsoft.graph.eventMessage/meetingMessageType",
            ])
            .filter("isRead eq false & #x");
        assert_eq!(
            resource.as_str(),
            "me/messages?$select=Subject,bodyPreview,microsoft.graph.eventMessage/meetingMessageType\
             &$filter=isRead eq false %26 %23x"
        );
        assert_eq!(resource.check(), Ok(()));
    }

    #[test]
    fn body_and_unique_body_empty_ids_and_odd_names_are_refused() {
        for resource in [
            SubscriptionResource::messages(&MailboxRef::Me).select(["subject", "Body"]),
            SubscriptionResource::messages(&MailboxRef::Me).select(["UNIQUEBODY"]),
            SubscriptionResource::messages(&MailboxRef::Me).select(["subject&$top=1"]),
            SubscriptionResource::messages(&MailboxRef::Me).select([""]),
            SubscriptionResource::messages(&user(" ")),
            SubscriptionResource::folder_messages(&MailboxRef::Me, ""),
        ] {
            assert!(
                matches!(resource.check(), Err(InvalidRequest::InvalidValue { .. })),
                "{resource}"
            );
        }
    }
}
