//! Reading and editing a message's header section (shared by both delivery paths).

use super::recipients::Addressee;
use crate::spool::{Record, Spool, SpoolError};

/// The recipients and author a message's headers name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderAddresses {
    /// `To`.
    pub to: Vec<Addressee>,
    /// `Cc`.
    pub cc: Vec<Addressee>,
    /// `Bcc`.
    pub bcc: Vec<Addressee>,
    /// The first address of `From`.
    pub from: Option<Addressee>,
}

/// The addresses of one parsed header value.
pub fn addressees(address: Option<&mail_parser::Address<'_>>) -> Vec<Addressee> {
    address
        .map(|list| {
            list.iter()
                .filter_map(|a| {
                    Some(Addressee {
                        address: a.address()?.to_string(),
                        name: a.name().map(str::to_string).filter(|n| !n.is_empty()),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

impl HeaderAddresses {
    /// Reads them from a header section.
    pub fn parse(header: &[u8]) -> HeaderAddresses {
        let Some(message) = mail_parser::MessageParser::default().parse_headers(header) else {
            return HeaderAddresses::default();
        };
        HeaderAddresses {
            to: addressees(message.to()),
            cc: addressees(message.cc()),
            bcc: addressees(message.bcc()),
            from: addressees(message.from()).into_iter().next(),
        }
    }
}

/// `record`'s header section (at most 256 KiB of it), read from its spool file.
pub async fn read(spool: &Spool, record: &Record) -> Result<Vec<u8>, SpoolError> {
    use tokio::io::AsyncBufReadExt;
    let body = spool.open_body(record).await?;
    let mut reader = tokio::io::BufReader::new(body);
    let mut header = Vec::new();
    while header.len() < 256 * 1024 {
        let before = header.len();
        if reader.read_until(b'\n', &mut header).await? == 0 {
            break;
        }
        if matches!(&header[before..], b"\r\n" | b"\n") {
            break;
        }
    }
    Ok(header)
}

/// Where the header section ends in `message`: the offset just after the blank line (or
/// the whole message when there is none).
pub fn header_end(message: &[u8]) -> usize {
    message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| message.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap_or(message.len())
}

/// `header` (a header section) without the fields named in `names` (case-insensitive),
/// continuation lines included.
pub fn without_fields(header: &[u8], names: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len());
    let mut skipping = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        if !continuation {
            skipping = names.iter().any(|name| {
                line.len() > name.len()
                    && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
                    && line[name.len()] == b':'
            });
        }
        if !skipping {
            out.extend_from_slice(line);
        }
    }
    out
}

/// One header line `Name: a, "Name" <b>\r\n` for these addresses.
pub fn address_field(name: &str, list: &[Addressee]) -> Vec<u8> {
    let items: Vec<String> = list
        .iter()
        .map(|a| match &a.name {
            Some(n) => format!("\"{}\" <{}>", n.replace(['"', '\\'], ""), a.address),
            None => format!("<{}>", a.address),
        })
        .collect();
    format!("{name}: {}\r\n", items.join(",\r\n "))
        .replace(['\0'], "")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcc_fields_are_removed_with_their_continuation_lines() {
        let header =
            b"To: a@x\r\nBcc: b@x,\r\n c@x\r\nbcc: d@x\r\nSubject: Bcc: in subject\r\n\r\n";
        assert_eq!(
            without_fields(header, &["Bcc"]),
            b"To: a@x\r\nSubject: Bcc: in subject\r\n\r\n".to_vec()
        );
        assert_eq!(header_end(b"A: b\r\n\r\nbody"), 8);
    }
}
