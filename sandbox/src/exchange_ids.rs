//! The five id formats of `translateExchangeIds` (`exchangeIdFormat`, GRAPH-FACTS-2 §7.6;
//! "user: translateExchangeIds", <https://learn.microsoft.com/graph/api/user-translateexchangeids>)
//! and how the sandbox spells one item's id in each, so that every conversion round-trips:
//!
//! * `restId`: the item's `id` as the sandbox returns it; `restImmutableEntryId`: the
//!   `id` returned with `Prefer: IdType="ImmutableId"` (events have one id that never
//!   changes, so both are the same for them).
//! * `ewsId`: the REST id in standard base64 (`-` → `+`, `_` → `/`): REST ids are EWS
//!   ids made URL-safe [unconfirmed: not stated by the docs; as EWS and REST ids of one
//!   item are commonly observed to differ].
//! * `entryId` / `immutableEntryId`: binary ids "in URL-safe base64": standard base64
//!   with `+` → `-`, `/` → `_`, the trailing `=` removed and their count (`0`, `1` or
//!   `2`) appended, as the docs describe. The binary is the sandbox's own (Exchange's is
//!   a MAPI entry id): four zero flag bytes, a 16-byte provider id, a byte telling the
//!   two formats apart, then the REST id (`entryId`, which changes on a move like a MAPI
//!   entry id) or the immutable id (`immutableEntryId`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// An `exchangeIdFormat` value.
// The members' names are Graph's, `Id` suffix included.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdFormat {
    EntryId,
    EwsId,
    ImmutableEntryId,
    RestId,
    RestImmutableEntryId,
}

/// Every format with its wire name (CSDL `exchangeIdFormat`).
const NAMES: [(IdFormat, &str); 5] = [
    (IdFormat::EntryId, "entryId"),
    (IdFormat::EwsId, "ewsId"),
    (IdFormat::ImmutableEntryId, "immutableEntryId"),
    (IdFormat::RestId, "restId"),
    (IdFormat::RestImmutableEntryId, "restImmutableEntryId"),
];

/// The sandbox's "provider id" in its binary ids.
const PROVIDER: [u8; 16] = *b"msgraph-sandbox!";
const ENTRY_MARK: u8 = 1;
const IMMUTABLE_MARK: u8 = 2;

impl IdFormat {
    /// Reads a wire name (case-insensitive, as OData enum members are matched).
    pub(crate) fn parse(name: &str) -> Option<IdFormat> {
        NAMES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(f, _)| *f)
    }
}

/// One item's ids: its REST id and its immutable REST id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ItemIds<'a> {
    pub rest: &'a str,
    pub immutable: &'a str,
}

/// What an input id names once decoded: the REST id or the immutable REST id of an item
/// (`Either` for an EWS id, which may be the EWS form of either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    Rest(String),
    Immutable(String),
    Either(String),
}

/// The id of an item in `format`.
pub(crate) fn encode(ids: ItemIds<'_>, format: IdFormat) -> String {
    match format {
        IdFormat::RestId => ids.rest.to_string(),
        IdFormat::RestImmutableEntryId => ids.immutable.to_string(),
        IdFormat::EwsId => ids.rest.replace('-', "+").replace('_', "/"),
        IdFormat::EntryId => binary(ENTRY_MARK, ids.rest),
        IdFormat::ImmutableEntryId => binary(IMMUTABLE_MARK, ids.immutable),
    }
}

/// Decodes an input id of `format`; `None` when it is not well-formed.
pub(crate) fn decode(id: &str, format: IdFormat) -> Option<Key> {
    let url_safe = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='))
    };
    match format {
        IdFormat::RestId => url_safe(id).then(|| Key::Rest(id.to_string())),
        IdFormat::RestImmutableEntryId => url_safe(id).then(|| Key::Immutable(id.to_string())),
        IdFormat::EwsId => {
            let standard = !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
            standard.then(|| Key::Either(id.replace('+', "-").replace('/', "_")))
        }
        IdFormat::EntryId => from_binary(id, ENTRY_MARK).map(Key::Rest),
        IdFormat::ImmutableEntryId => from_binary(id, IMMUTABLE_MARK).map(Key::Immutable),
    }
}

fn binary(mark: u8, id: &str) -> String {
    let mut bytes = Vec::with_capacity(21 + id.len());
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(&PROVIDER);
    bytes.push(mark);
    bytes.extend_from_slice(id.as_bytes());
    url_safe_base64(&bytes)
}

fn from_binary(id: &str, mark: u8) -> Option<String> {
    let bytes = from_url_safe_base64(id)?;
    let rest = bytes.strip_prefix(&[0u8, 0, 0, 0][..])?;
    let rest = rest.strip_prefix(&PROVIDER[..])?;
    let (&m, rest) = rest.split_first()?;
    if m != mark || rest.is_empty() {
        return None;
    }
    String::from_utf8(rest.to_vec()).ok()
}

/// The docs' URL-safe base64 of a binary id.
pub(crate) fn url_safe_base64(bytes: &[u8]) -> String {
    let b64 = STANDARD.encode(bytes);
    let trimmed = b64.trim_end_matches('=');
    let padding = b64.len() - trimmed.len();
    format!("{}{padding}", trimmed.replace('+', "-").replace('/', "_"))
}

/// The inverse of [`url_safe_base64`]; `None` when malformed (non-ASCII text
/// included).
pub(crate) fn from_url_safe_base64(text: &str) -> Option<Vec<u8>> {
    if !text.is_ascii() {
        return None;
    }
    let (body, count) = text.split_at(text.len().checked_sub(1)?);
    let padding = match count {
        "0" => 0,
        "1" => 1,
        "2" => 2,
        _ => return None,
    };
    let mut b64 = body.replace('-', "+").replace('_', "/");
    b64.push_str(&"=".repeat(padding));
    STANDARD.decode(b64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_safe_base64_as_documented() {
        // 0xfb 0xff → "+/8=" in standard base64.
        assert_eq!(url_safe_base64(&[0xfb, 0xff]), "-_81");
        assert_eq!(url_safe_base64(&[1, 2, 3]), "AQID0");
        assert_eq!(url_safe_base64(&[1]), "AQ2");
        assert_eq!(from_url_safe_base64("-_81").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(from_url_safe_base64("AQ2").unwrap(), vec![1]);
        assert!(from_url_safe_base64("AQ3").is_none());
        assert!(from_url_safe_base64("").is_none());
        // A client's non-ASCII text is malformed, not a panic.
        assert!(from_url_safe_base64("AQé").is_none());
        assert!(from_url_safe_base64("é").is_none());
        assert_eq!(decode("AAMké", IdFormat::ImmutableEntryId), None);
    }

    #[test]
    fn every_format_round_trips() {
        let ids = ItemIds {
            rest: "AAMkAGI2-_x=",
            immutable: "AAkALgAA_-y=",
        };
        for (f, _) in NAMES {
            let text = encode(ids, f);
            let want = match f {
                IdFormat::RestId | IdFormat::EntryId => Key::Rest(ids.rest.into()),
                IdFormat::EwsId => Key::Either(ids.rest.into()),
                _ => Key::Immutable(ids.immutable.into()),
            };
            assert_eq!(decode(&text, f), Some(want), "{f:?}");
        }
        assert_eq!(encode(ids, IdFormat::EwsId), "AAMkAGI2+/x=");
        // An entry id is not an immutable entry id.
        let entry = encode(ids, IdFormat::EntryId);
        assert_eq!(decode(&entry, IdFormat::ImmutableEntryId), None);
        assert_eq!(decode("AAMkA+", IdFormat::RestId), None);
        assert_eq!(decode("AAMkA-", IdFormat::EwsId), None);
        assert_eq!(IdFormat::parse("RESTID"), Some(IdFormat::RestId));
        assert_eq!(IdFormat::parse("hexEntryId"), None);
    }
}
