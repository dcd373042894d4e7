//! The `resource` of a subscription (GRAPH-FACTS-2 §1.1): which mailbox, which
//! collection (messages of the mailbox or of one folder, or events), and the
//! `$select` / `$filter` it carries. Parsing only; resolving the mailbox and folder
//! against the store is the route's job.
//!
//! Accepted forms (segment names case-insensitive, a leading `/` optional):
//! `me/messages`, `users/{id}/messages`, `me/mailFolders/{id}/messages`,
//! `me/mailFolders('{id}')/messages` (and `users/{id}/…`, `users('{id}')/…`),
//! `me/events`, `users/{id}/events`; `{id}` of a user is an object id or a UPN, with
//! `@` possibly percent-encoded (`%40`) and `AAD-UPN:` before a UPN that begins with a GUID; a folder is an id or a well-known name.

use crate::url::{parse_query, percent_decode};

/// The mailbox a resource names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MailboxKey {
    /// `me/…`: the signed-in user.
    Me,
    /// `users/{id or UPN}/…`.
    User(String),
}

/// The collection a resource watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Collection {
    /// Messages of the whole mailbox (`None`) or of one folder (id or well-known
    /// name, as written).
    Messages { folder: Option<String> },
    /// Events of the mailbox's calendars.
    Events,
}

/// The one `$filter` the sandbox applies: `isRead eq true|false` (GRAPH-FACTS-2 §1.1,
/// the documented example). Other filters are accepted and not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    IsRead(bool),
}

/// A parsed `resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resource {
    pub mailbox: MailboxKey,
    pub collection: Collection,
    /// `$select`, split on commas.
    pub select: Option<Vec<String>>,
    pub filter: Option<Filter>,
    /// Names of the other query options (`$top`, `$expand`, …), lower-cased.
    pub other_options: Vec<(String, String)>,
}

/// A user key without the `AAD-UPN:` prefix that Graph asks for on a UPN beginning with
/// a GUID (`users/AAD-UPN:3f8c2a71-…@contoso.com/messages`; "Outlook change notifications
/// overview", GRAPH-FACTS-2 §1.1).
fn user_key(key: &str) -> String {
    const PREFIX: &str = "aad-upn:";
    match key.get(..PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(PREFIX) => key[PREFIX.len()..].to_string(),
        _ => key.to_string(),
    }
}

/// Parses `resource`; `None` when it is not one of the supported forms.
pub(crate) fn parse(resource: &str) -> Option<Resource> {
    let (path, query) = match resource.split_once('?') {
        Some((p, q)) => (p, q),
        None => (resource, ""),
    };
    let mut segs: Vec<(String, Option<String>)> = Vec::new();
    for raw in path.trim_matches('/').split('/') {
        let seg = percent_decode(raw, false);
        segs.push(split_key(&seg)?);
    }
    // `users('{id}')` and `mailFolders('{id}')` carry their key in parentheses; fold
    // them into the `name / key` form.
    let mut flat: Vec<String> = Vec::new();
    for (name, key) in segs {
        flat.push(name);
        if let Some(k) = key {
            flat.push(k);
        }
    }
    let lower: Vec<String> = flat.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let (mailbox, rest) = match l.as_slice() {
        ["me", ..] => (MailboxKey::Me, 1),
        ["users", _, ..] if !flat[1].is_empty() => (MailboxKey::User(user_key(&flat[1])), 2),
        _ => return None,
    };
    let collection = match &l[rest..] {
        ["messages"] => Collection::Messages { folder: None },
        ["mailfolders", _, "messages"] if !flat[rest + 1].is_empty() => Collection::Messages {
            folder: Some(flat[rest + 1].clone()),
        },
        ["events"] => Collection::Events,
        _ => return None,
    };
    let mut select = None;
    let mut filter = None;
    let mut other_options = Vec::new();
    for (k, v) in parse_query(query) {
        match k.to_ascii_lowercase().as_str() {
            "$select" => {
                select = Some(
                    v.split(',')
                        .map(|f| f.trim().to_string())
                        .filter(|f| !f.is_empty())
                        .collect(),
                )
            }
            "$filter" => filter = parse_filter(&v),
            other => other_options.push((other.to_string(), v)),
        }
    }
    Some(Resource {
        mailbox,
        collection,
        select,
        filter,
        other_options,
    })
}

/// `name('key')` → (`name`, `Some(key)`); `name` → (`name`, `None`).
fn split_key(seg: &str) -> Option<(String, Option<String>)> {
    match seg.split_once('(') {
        None => Some((seg.to_string(), None)),
        Some((name, rest)) => {
            let key = rest.strip_suffix(')')?.trim();
            let key = key
                .strip_prefix('\'')
                .and_then(|k| k.strip_suffix('\''))
                .unwrap_or(key);
            Some((name.to_string(), Some(key.to_string())))
        }
    }
}

/// `isRead eq true|false` (case-insensitive, any spacing).
fn parse_filter(text: &str) -> Option<Filter> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["isread", "eq", "true"] => Some(Filter::IsRead(true)),
        ["isread", "eq", "false"] => Some(Filter::IsRead(false)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_forms() {
        let r = parse("me/mailFolders('Inbox')/messages").unwrap();
        assert_eq!(r.mailbox, MailboxKey::Me);
        assert_eq!(
            r.collection,
            Collection::Messages {
                folder: Some("Inbox".into())
            }
        );
        let r = parse("/users/adele%40contoso.com/mailfolders/inbox/messages").unwrap();
        assert_eq!(r.mailbox, MailboxKey::User("adele@contoso.com".into()));
        let r = parse("Users('7f1c')/Events").unwrap();
        assert_eq!(r.mailbox, MailboxKey::User("7f1c".into()));
        assert_eq!(r.collection, Collection::Events);
        let r = parse("me/messages?$select=Subject,bodyPreview&$filter=isRead eq false").unwrap();
        assert_eq!(
            r.select,
            Some(vec!["Subject".to_string(), "bodyPreview".to_string()])
        );
        assert_eq!(r.filter, Some(Filter::IsRead(false)));
        assert!(parse("me/mailFolders").is_none());
        assert!(parse("me/calendars/abc/events").is_none());
        assert!(parse("me/contacts").is_none());
        assert!(parse("users//messages").is_none());
    }

    #[test]
    fn aad_upn_prefix_names_the_user_after_it() {
        let r = parse("users/AAD-UPN:3f8c2a71-0000-4000-8000-000000000000@contoso.com/messages")
            .unwrap();
        assert_eq!(
            r.mailbox,
            MailboxKey::User("3f8c2a71-0000-4000-8000-000000000000@contoso.com".into())
        );
        let r = parse("users/aad-upn:adele%40contoso.com/events").unwrap();
        assert_eq!(r.mailbox, MailboxKey::User("adele@contoso.com".into()));
    }
}
