//! Small complex types shared by messages and events.

use serde::{Deserialize, Serialize};

use crate::error::InvalidRequest;

/// `emailAddress`: an address and an optional display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EmailAddress {
    /// The SMTP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `recipient`: who a message is from or to.
///
/// ```
/// use msgraph_outlook::models::Recipient;
/// let alex = Recipient::named("Alex Wilber", "alexw@contoso.com");
/// assert_eq!(
///     serde_json::to_value(&alex).unwrap(),
///     serde_json::json!({"emailAddress": {"address": "alexw@contoso.com", "name": "Alex Wilber"}})
/// );
/// let plain: Recipient = "adele@contoso.com".into();
/// assert_eq!(plain.address(), Some("adele@contoso.com"));
/// // "Name <address>", as in a mail header, is understood too:
/// let adele: Recipient = "Adele Vance <adele@contoso.com>".into();
/// assert_eq!((adele.name(), adele.address()), (Some("Adele Vance"), Some("adele@contoso.com")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Recipient {
    /// The address.
    #[serde(default)]
    pub email_address: EmailAddress,
}

impl Recipient {
    /// A recipient with just an address.
    pub fn new(address: impl Into<String>) -> Self {
        Recipient {
            email_address: EmailAddress {
                address: Some(address.into()),
                name: None,
            },
        }
    }

    /// A recipient with a display name.
    pub fn named(name: impl Into<String>, address: impl Into<String>) -> Self {
        Recipient {
            email_address: EmailAddress {
                address: Some(address.into()),
                name: Some(name.into()),
            },
        }
    }

    /// Parses an RFC 5322 mailbox, as written in a `To:` header: `adele@contoso.com`,
    /// `<adele@contoso.com>`, `Adele Vance <adele@contoso.com>` or, when the display name
    /// has a special character (`,` `;` `:` `@` `<` `>` …), `"Vance, Adele" <adele@contoso.com>`
    /// (`\"` and `\\` escape inside quotes). Whitespace around the parts is ignored.
    /// Anything else is [`InvalidRequest::InvalidAddress`], whose message shows these forms.
    /// Comments (`(…)`), groups and encoded words (`=?utf-8?…?=`) are not understood.
    ///
    /// `Message::to("…")` and every other `impl Into<Recipient>` parse a `&str` or `String`
    /// this way; input that does not parse is kept as an address and refused when sent.
    ///
    /// ```
    /// use msgraph_outlook::models::Recipient;
    /// let quoted = Recipient::parse(r#""Vance, Adele" <adele@contoso.com>"#).unwrap();
    /// assert_eq!(quoted.name(), Some("Vance, Adele"));
    /// assert_eq!(quoted.address(), Some("adele@contoso.com"));
    /// assert_eq!(Recipient::parse("adele@contoso.com").unwrap().name(), None);
    /// let err = Recipient::parse("Vance, Adele <adele@contoso.com>").unwrap_err();
    /// assert!(err.to_string().contains(r#"Adele Vance <adele@contoso.com>"#));
    /// ```
    pub fn parse(input: &str) -> Result<Recipient, InvalidRequest> {
        let invalid = || InvalidRequest::InvalidAddress {
            address: input.to_string(),
        };
        let text = input.trim();
        let Some(angled) = text.strip_suffix('>') else {
            check_address(text).map_err(|_| invalid())?;
            return Ok(Recipient::new(text));
        };
        // An address has no '<', so the last one opens the angle-addr.
        let open = angled.rfind('<').ok_or_else(invalid)?;
        let address = angled[open + 1..].trim();
        check_address(address).map_err(|_| invalid())?;
        match display_name(angled[..open].trim()).ok_or_else(invalid)? {
            Some(name) => Ok(Recipient::named(name, address)),
            None => Ok(Recipient::new(address)),
        }
    }

    /// The SMTP address, if any.
    pub fn address(&self) -> Option<&str> {
        self.email_address.address.as_deref()
    }

    /// The display name, if any.
    pub fn name(&self) -> Option<&str> {
        self.email_address.name.as_deref()
    }
}

/// An RFC 5322 display name (`phrase`): atoms and quoted strings, whitespace folded to one
/// space; `None` when empty, nothing when it has an unquoted special character.
fn display_name(phrase: &str) -> Option<Option<String>> {
    let mut name = String::new();
    let mut chars = phrase.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => name.push(chars.next()?),
                    c => name.push(c),
                }
            },
            c if c.is_whitespace() => {
                if !name.ends_with(' ') {
                    name.push(' ');
                }
            }
            // RFC 5322 `specials` (but '.', which obs-phrase allows: "Adele J. Vance").
            '(' | ')' | '<' | '>' | '[' | ']' | ':' | ';' | '@' | '\\' | ',' => return None,
            c => name.push(c),
        }
    }
    let name = name.trim();
    Some((!name.is_empty()).then(|| name.to_string()))
}

impl std::str::FromStr for Recipient {
    type Err = InvalidRequest;

    /// [`Recipient::parse`].
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Recipient::parse(input)
    }
}

/// [`Recipient::parse`]; input that does not parse becomes the address as given, which
/// the checks before sending refuse with [`InvalidRequest::InvalidAddress`].
impl From<&str> for Recipient {
    fn from(input: &str) -> Self {
        Recipient::parse(input).unwrap_or_else(|_| Recipient::new(input))
    }
}

/// As `From<&str>`.
impl From<String> for Recipient {
    fn from(input: String) -> Self {
        Recipient::parse(&input).unwrap_or_else(|_| Recipient::new(input))
    }
}

/// `bodyType`: Graph answers in lower case; the docs' examples send `HTML`/`Text`, accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum BodyType {
    /// Plain text.
    #[serde(alias = "Text", alias = "TEXT")]
    Text,
    /// HTML.
    #[serde(alias = "HTML", alias = "Html")]
    Html,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `itemBody`: the body of a message or event.
///
/// ```
/// use msgraph_outlook::models::ItemBody;
/// assert_eq!(
///     serde_json::to_value(ItemBody::html("<p>Hi</p>")).unwrap(),
///     serde_json::json!({"contentType": "html", "content": "<p>Hi</p>"})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ItemBody {
    /// Text or HTML.
    pub content_type: BodyType,
    /// The content.
    #[serde(default)]
    pub content: String,
}

impl ItemBody {
    /// A plain-text body.
    pub fn text(content: impl Into<String>) -> Self {
        ItemBody {
            content_type: BodyType::Text,
            content: content.into(),
        }
    }

    /// An HTML body.
    pub fn html(content: impl Into<String>) -> Self {
        ItemBody {
            content_type: BodyType::Html,
            content: content.into(),
        }
    }
}

/// `importance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Importance {
    /// Low.
    Low,
    /// Normal (the default).
    Normal,
    /// High.
    High,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `dateTimeTimeZone`: a wall-clock time (no offset) and the zone it is in (GRAPH-FACTS §4.6).
///
/// ```
/// use msgraph_outlook::models::DateTimeTimeZone;
/// let due = DateTimeTimeZone::new("2026-09-01T17:00:00", "Eastern Standard Time");
/// assert_eq!(due.time_zone, "Eastern Standard Time");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DateTimeTimeZone {
    /// `YYYY-MM-DDTHH:MM:SS[.fffffff]`, without offset.
    pub date_time: String,
    /// A Windows or supported IANA zone name.
    #[serde(default)]
    pub time_zone: String,
}

impl DateTimeTimeZone {
    /// A time in a zone.
    pub fn new(date_time: impl Into<String>, time_zone: impl Into<String>) -> Self {
        DateTimeTimeZone {
            date_time: date_time.into(),
            time_zone: time_zone.into(),
        }
    }
}

/// Checks that `address` has the shape `local@domain`: Graph rejects anything else, and an
/// address that silently goes nowhere is worse than an error.
pub(crate) fn check_address(address: &str) -> Result<(), InvalidRequest> {
    // Nearly every address is ASCII: one pass over its bytes, no Unicode tables.
    let ok = match address.is_ascii() {
        true => ascii_address_ok(address.as_bytes()),
        false => address_ok(address),
    };
    match ok {
        true => Ok(()),
        false => Err(InvalidRequest::InvalidAddress {
            address: address.to_string(),
        }),
    }
}

/// [`address_ok`] for an ASCII address, byte by byte.
fn ascii_address_ok(address: &[u8]) -> bool {
    let Some(at) = address.iter().rposition(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&address[..at], &address[at + 1..]);
    let (Some(first), Some(last)) = (domain.first(), domain.last()) else {
        return false;
    };
    if local.is_empty() || matches!(first, b'.' | b'-') || matches!(last, b'.' | b'-') {
        return false;
    }
    let local_ok = local.iter().all(|&b| allowed_in_local_part(b as char));
    let mut previous = 0u8;
    let domain_ok = domain.iter().all(|&b| {
        let ok = (b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && !(b == b'.' && previous == b'.');
        previous = b;
        ok
    });
    local_ok && domain_ok
}

/// `local@domain`: a local part of allowed characters, a domain of letters, digits, dots and
/// hyphens that neither starts nor ends with a dot or a hyphen and has no empty label.
fn address_ok(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.chars().all(allowed_in_local_part)
        && !domain.is_empty()
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

/// Whether `c` may appear in the local part of an address as Graph takes it: not `@`,
/// whitespace, a control character or a character that delimits addresses.
fn allowed_in_local_part(c: char) -> bool {
    match c {
        // Most addresses are ASCII: decided without Unicode tables.
        '!'..='~' => !matches!(
            c,
            '@' | '<' | '>' | ',' | ';' | '"' | '(' | ')' | '[' | ']' | '\\'
        ),
        _ => !c.is_ascii() && !c.is_whitespace() && !c.is_control(),
    }
}

/// `genericError`: an error code and message, per item of an answer (a `convertIdResult`'s
/// `errorDetails`; a `mailTips`' `error`, whose `mailTipsError` has the same two properties).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GenericError {
    /// The error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The error message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_pass_and_the_general_check_agree() {
        let cases = [
            ("adele@contoso.com", true),
            ("a.b+tag@mail.contoso.co.uk", true),
            ("o'brien@contoso.com", true),
            ("first.last@sub-domain.contoso.com", true),
            ("a@b@contoso.com", false), // the last '@' splits: "a@b" has an '@'
            ("@contoso.com", false),
            ("adele@", false),
            ("adele", false),
            ("adele@.contoso.com", false),
            ("adele@contoso.com.", false),
            ("adele@-contoso.com", false),
            ("adele@contoso-.com", true), // labels are not checked one by one
            ("adele@contoso..com", false),
            ("adele@contoso_com", false),
            ("ad ele@contoso.com", false),
            ("adele@con toso.com", false),
            ("<adele>@contoso.com", false),
            ("adele,alex@contoso.com", false),
            ("adele@contoso.com\n", false),
            ("a@b", true),
        ];
        for (address, valid) in cases {
            assert_eq!(ascii_address_ok(address.as_bytes()), valid, "{address:?}");
            assert_eq!(address_ok(address), valid, "{address:?}");
            assert_eq!(check_address(address).is_ok(), valid, "{address:?}");
        }
        // Not ASCII: the general check.
        assert!(check_address("josé@exemple.fr").is_ok());
        assert!(check_address("adele@bücher.de").is_ok());
        assert!(check_address("adele\u{a0}x@contoso.com").is_err());
    }
}
