//! The sandbox's whole state – users, mailboxes, tokens – behind one
//! `std::sync::Mutex` (see [`crate::state::AppState`]). Critical sections are short and never
//! span an `.await`.

use std::collections::HashMap;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

pub(crate) mod calendar;
pub(crate) mod delta;
pub(crate) mod draft;
mod folder;
pub(crate) mod identity;
mod ids;
pub(crate) mod mailbox_state;
pub(crate) mod organize;

pub(crate) use folder::{Folder, ROOT as ROOT_FOLDER};
pub(crate) use ids::{opaque_id, random_b64, random_bytes};

/// Default lifetime of access tokens issued by the sandbox's endpoints (Entra's usual
/// `expires_in`, as in the docs' examples).
pub(crate) const TOKEN_SECONDS: i64 = 3599;

/// One stored message: its full Graph JSON (including the properties Graph only returns
/// on request: `internetMessageHeaders`, `attachments`, `singleValueExtendedProperties`).
#[derive(Debug, Clone)]
pub(crate) struct StoredMessage {
    pub seq: u64,
    pub folder_id: String,
    pub json: Map<String, Value>,
    /// The original MIME text when the message was created from MIME (served by
    /// `$value` until the message is changed).
    pub mime: Option<Vec<u8>>,
}

/// A user with a mailbox.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    pub address: String,
    pub display_name: String,
    pub folders: Vec<Folder>,
    pub messages: Vec<StoredMessage>,
    /// Calendars; the first is the default calendar.
    pub calendars: Vec<calendar::Calendar>,
    /// Events of all calendars and the removed ones (see `StoredEvent::calendar_id`).
    pub events: Vec<calendar::StoredEvent>,
    /// `false` for a user without an Exchange Online mailbox
    /// (`Sandbox::add_user_without_mailbox`): every mailbox path answers `404
    /// MailboxNotEnabledForRESTAPI`, and nothing is delivered to it.
    pub has_mailbox: bool,
    /// The `mailboxSettings` resource (GRAPH-FACTS §6.3), full form.
    pub settings: Map<String, Value>,
    /// The master category list (`outlook/masterCategories`).
    pub categories: Vec<organize::Category>,
    /// The Inbox's rules (`mailFolders/inbox/messageRules`), in creation order.
    pub rules: Vec<organize::MessageRule>,
}

impl User {
    /// Finds a folder by well-known name (case-insensitive) or id.
    pub(crate) fn folder(&self, name_or_id: &str) -> Option<&Folder> {
        self.folders.iter().find(|f| f.is(name_or_id))
    }

    /// This user without its messages, events and calendars: what building a message
    /// needs, at a cost independent of the mailbox's size.
    pub(crate) fn without_items(&self) -> User {
        User {
            id: self.id.clone(),
            address: self.address.clone(),
            display_name: self.display_name.clone(),
            folders: self.folders.clone(),
            messages: Vec::new(),
            calendars: Vec::new(),
            events: Vec::new(),
            has_mailbox: self.has_mailbox,
            settings: self.settings.clone(),
            categories: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// `{"emailAddress":{"name","address"}}` of this mailbox.
    pub(crate) fn recipient(&self) -> Value {
        serde_json::json!({"emailAddress": {"name": self.display_name, "address": self.address}})
    }
}

/// An Exchange mailbox permission one user holds on another user's mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Right {
    /// "Full Access": every mail and calendar path of the mailbox.
    FullAccess,
    /// "Send As": send with `from` = the owner, `sender` = the owner.
    SendAs,
    /// "Send on Behalf": send with `from` = the owner, `sender` = the delegate.
    SendOnBehalf,
}

/// `delegate` (user id) holds `right` on the mailbox of `owner` (user id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    pub owner: String,
    pub delegate: String,
    pub right: Right,
}

/// What a token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Application token (client credentials) of that client id.
    App(String),
    /// Delegated token of that user (object id).
    Delegated(String),
}

/// A minted access token.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub kind: TokenKind,
    pub expires_at: DateTime<Utc>,
    /// The Graph permissions the token carries: the `scp` list of a delegated token,
    /// the `roles` of an app-only token (see [`crate::scopes`]).
    pub permissions: Vec<String>,
}

/// The mutable state.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub users: Vec<User>,
    pub tokens: HashMap<String, TokenInfo>,
    pub token_requests: usize,
    pub outbound: Vec<Value>,
    /// Messages held in an Outbox until their deferred send time (GRAPH-FACTS §3).
    pub pending: Vec<PendingSend>,
    /// Offset of the sandbox clock from the real clock.
    pub clock_offset: chrono::Duration,
    /// `Sandbox::set_token_lifetime`: lifetime in seconds of access tokens the
    /// endpoints issue (`None`: [`TOKEN_SECONDS`]).
    pub token_seconds: Option<i64>,
    /// Bytes of file attachments uploaded through upload sessions, by blob id (shared,
    /// never base64-encoded in storage; see `message::BLOB_KEY`).
    pub blobs: HashMap<String, Arc<Vec<u8>>>,
    /// Open attachment upload sessions, by session id (GRAPH-FACTS §4.3).
    pub uploads: HashMap<String, UploadSession>,
    /// `Sandbox::fail_next_upload_range`: the next range PUT answers 500.
    pub fail_next_upload: usize,
    /// Delta state ([`crate::delta`]): snapshots (`id → changeKey`) behind delta
    /// tokens.
    pub delta_snapshots: HashMap<String, delta::Snapshot>,
    /// Pages of a delta round not yet fetched, by skip token.
    pub delta_pages: HashMap<String, delta::Pages>,
    /// Mailbox rights granted with `Sandbox::grant_*`.
    pub grants: Vec<Grant>,
    /// While a calendar request of a delegate is being applied (under the lock): the
    /// signed-in user acting in another user's calendar. Meeting messages sent
    /// meanwhile get that user as `sender` (GRAPH-FACTS §6.1).
    pub acting: Option<usize>,
    /// Identity-platform flows: device codes, authorization codes, refresh tokens,
    /// certificates, … (see [`identity::AuthState`]).
    pub auth: identity::AuthState,
    /// `Sandbox::set_verified_domains`: the tenant's verified domains; `None`: the
    /// domains of the sandbox's users.
    pub verified_domains: Option<Vec<String>>,
    /// Sending limits, their per-mailbox bookkeeping and the maximum message sizes
    /// (`Sandbox::set_sending_limits`, `Sandbox::set_max_message_size`).
    pub limits: crate::sending_limits::LimitsState,
    /// Change-notification subscriptions and their deliveries
    /// ([`crate::subscriptions`]).
    pub subscriptions: crate::subscriptions::Subscriptions,
    /// Mailbox full, custom MailTip and automatic-reply history, by user id
    /// ([`mailbox_state`]).
    pub mailbox_state: HashMap<String, mailbox_state::MailboxState>,
    /// The delivery cascade running inbox rules and automatic replies
    /// ([`crate::arrival::Cascade`]).
    pub arrival: crate::arrival::Cascade,
    seq: u64,
}

/// One attachment upload session (GRAPH-FACTS §4.3).
#[derive(Debug)]
pub(crate) struct UploadSession {
    /// The opaque `authtoken` of the upload URL.
    pub token: String,
    pub user_id: String,
    /// The message or event the file will be attached to.
    pub item_kind: ItemKind,
    pub item_id: String,
    pub name: String,
    pub content_type: String,
    pub is_inline: bool,
    pub content_id: Option<String>,
    /// Declared total size in bytes.
    pub size: u64,
    /// Bytes received so far (allocated once with the declared size).
    pub data: Vec<u8>,
    pub expires: DateTime<Utc>,
}

/// Kind of Outlook item that carries attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Message,
    Event,
}

/// A submitted message with `PidTagDeferredSendTime` in the future: it waits in the
/// sender's Outbox as the message `outbox_id` and is delivered at `due`, unless that
/// Outbox message was deleted first.
#[derive(Debug, Clone)]
pub(crate) struct PendingSend {
    pub user_id: String,
    pub outbox_id: String,
    pub draft: draft::Draft,
    pub save_to_sent: bool,
    pub due: DateTime<Utc>,
}

impl Store {
    /// The sandbox clock: real time plus the offset set by `advance_clock` / `set_clock`.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }

    /// Next sequence number (orders messages newest-first).
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Adds a user (idempotent, case-insensitive on the address); returns its object id.
    pub(crate) fn add_user(&mut self, address: &str) -> String {
        let address = address.trim();
        if let Some(u) = self.user_by_address(address) {
            return u.id.clone();
        }
        let id = uuid::Uuid::new_v4().to_string();
        let folders = folder::default_folders();
        let archive = folders
            .iter()
            .find(|f| f.is("archive"))
            .map(|f| f.id.clone())
            .unwrap_or_default();
        let settings = crate::settings::defaults(&archive, self.now());
        self.users.push(User {
            id: id.clone(),
            address: address.to_string(),
            display_name: display_name_for(address),
            folders,
            messages: Vec::new(),
            calendars: vec![calendar::Calendar::new_default()],
            events: Vec::new(),
            has_mailbox: true,
            settings,
            categories: organize::default_categories(),
            rules: Vec::new(),
        });
        id
    }

    /// Index of the user with that address (case-insensitive) and a mailbox.
    pub(crate) fn mailbox_by_address(&self, address: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|u| u.has_mailbox && u.address.eq_ignore_ascii_case(address))
    }

    /// Whether the user `delegate_idx` holds `right` on the mailbox `owner_idx`.
    pub(crate) fn has_right(&self, owner_idx: usize, delegate_idx: usize, right: Right) -> bool {
        let (owner, delegate) = (&self.users[owner_idx].id, &self.users[delegate_idx].id);
        self.grants
            .iter()
            .any(|g| g.right == right && &g.owner == owner && &g.delegate == delegate)
    }

    /// Grants `right` on `owner`'s mailbox to `delegate` (both added when missing).
    pub(crate) fn grant(&mut self, owner: &str, delegate: &str, right: Right) {
        let owner = self.add_user(owner);
        let delegate = self.add_user(delegate);
        let g = Grant {
            owner,
            delegate,
            right,
        };
        if !self.grants.contains(&g) {
            self.grants.push(g);
        }
    }

    /// Finds a user by SMTP address / UPN (case-insensitive).
    pub(crate) fn user_by_address(&self, address: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.address.eq_ignore_ascii_case(address))
    }

    /// Index of a user by object id or UPN (case-insensitive).
    pub(crate) fn user_index(&self, id_or_upn: &str) -> Option<usize> {
        self.users.iter().position(|u| {
            u.id.eq_ignore_ascii_case(id_or_upn) || u.address.eq_ignore_ascii_case(id_or_upn)
        })
    }

    /// Index of a user by object id.
    pub(crate) fn user_index_by_id(&self, id: &str) -> Option<usize> {
        self.users.iter().position(|u| u.id == id)
    }

    /// Mints and remembers a token carrying `permissions` (`scp` or `roles`).
    pub(crate) fn mint_token(
        &mut self,
        kind: TokenKind,
        lifetime: chrono::Duration,
        permissions: Vec<String>,
    ) -> String {
        let token = format!("sbx{}", URL_SAFE.encode(random_bytes(33)));
        self.tokens.insert(
            token.clone(),
            TokenInfo {
                kind,
                // The sandbox clock, so moving it expires tokens (issue 15, item 19).
                expires_at: self.now() + lifetime,
                permissions,
            },
        );
        token
    }

    /// Lifetime in seconds of access tokens issued by the endpoints (`expires_in`).
    pub(crate) fn token_seconds(&self) -> i64 {
        self.token_seconds.unwrap_or(TOKEN_SECONDS)
    }

    /// Whether `address` is inside the organization: its domain is one of the tenant's
    /// verified domains. This decides `calendarPermission.isInsideOrganization`
    /// (GRAPH-FACTS §6.2; the resource page,
    /// https://learn.microsoft.com/graph/api/resources/calendarpermission, describes it
    /// as the sharee or delegate being in the calendar owner's organization).
    pub(crate) fn is_inside_organization(&self, address: &str) -> bool {
        let Some((_, domain)) = address.trim().rsplit_once('@') else {
            return false;
        };
        match &self.verified_domains {
            Some(list) => list.iter().any(|d| d.eq_ignore_ascii_case(domain)),
            None => self.has_domain(domain),
        }
    }

    /// Whether any sandbox user has an address in that domain (case-insensitive).
    pub(crate) fn has_domain(&self, domain: &str) -> bool {
        self.users.iter().any(|u| {
            u.address
                .rsplit_once('@')
                .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain))
        })
    }
}

/// Display name derived from the local part: `alex.wilber@…` → `Alex Wilber`.
pub(crate) fn display_name_for(address: &str) -> String {
    let local = address.split('@').next().unwrap_or(address);
    local
        .split(['.', '_', '-'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_user_is_idempotent_case_insensitive() {
        let mut s = Store::default();
        let a = s.add_user("Adele@Contoso.com");
        let b = s.add_user("adele@contoso.com");
        assert_eq!(a, b);
        assert_eq!(s.users.len(), 1);
        // The root and the seven well-known folders.
        assert_eq!(s.users[0].folders.len(), 8);
    }

    #[test]
    fn display_names() {
        assert_eq!(display_name_for("alex.wilber@contoso.com"), "Alex Wilber");
        assert_eq!(display_name_for("adele@contoso.com"), "Adele");
    }
}
