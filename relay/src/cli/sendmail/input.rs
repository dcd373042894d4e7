//! Reading a message from stdin as sendmail does: the header section is read (bounded) and
//! rewritten (Bcc removed, From and Date added when missing), then the body is streamed
//! to the spool in pieces of at most [`PIECE`] bytes, never held whole in memory. Without
//! `-i`, a line holding only `.` ends the input.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};

/// The most bytes read at once (a longer line arrives in several pieces).
pub const PIECE: usize = 64 * 1024;
/// The longest header section accepted.
pub const MAX_HEADER: usize = 1024 * 1024;

/// stdin, in pieces: whole lines, or parts of a line longer than [`PIECE`].
#[derive(Debug)]
pub struct Pieces<R> {
    reader: BufReader<R>,
    dot_ends: bool,
    at_line_start: bool,
    done: bool,
}

impl<R: AsyncRead + Unpin> Pieces<R> {
    /// Reads `input`; `dot_ends`: a lone `.` line ends it (sendmail without `-i`).
    pub fn new(input: R, dot_ends: bool) -> Self {
        Pieces {
            reader: BufReader::with_capacity(PIECE, input),
            dot_ends,
            at_line_start: true,
            done: false,
        }
    }

    /// Whether the next piece starts a line.
    pub fn at_line_start(&self) -> bool {
        self.at_line_start
    }

    /// The next piece into `buf` (cleared first); `false` at the end of the input.
    pub async fn next(&mut self, buf: &mut Vec<u8>) -> std::io::Result<bool> {
        buf.clear();
        if self.done {
            return Ok(false);
        }
        let started_line = self.at_line_start;
        let n = (&mut self.reader)
            .take(PIECE as u64)
            .read_until(b'\n', buf)
            .await?;
        if n == 0 {
            self.done = true;
            return Ok(false);
        }
        self.at_line_start = buf.ends_with(b"\n");
        if started_line && self.dot_ends && matches!(buf.as_slice(), b".\n" | b".\r\n" | b".") {
            self.done = true;
            buf.clear();
            return Ok(false);
        }
        Ok(true)
    }
}

/// The header section as read: its fields (each with its continuation lines), and the
/// first piece of the body when the body began without a blank line.
#[derive(Debug, Default)]
pub struct Header {
    /// The fields, raw.
    pub fields: Vec<Vec<u8>>,
    /// A line that is not a header field ended the header section: it belongs to the body.
    pub body_start: Option<Vec<u8>>,
    /// The input ended within the header section.
    pub input_ended: bool,
}

fn is_field_start(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && line[..colon]
            .iter()
            .all(|&b| (33..=126).contains(&b) && b != b':')
}

/// Reads the header section. `Err` is the data error line.
pub async fn read_header<R: AsyncRead + Unpin>(pieces: &mut Pieces<R>) -> Result<Header, String> {
    let mut header = Header::default();
    let mut size = 0usize;
    let mut buf = Vec::new();
    let mut first = true;
    loop {
        let line_start = pieces.at_line_start();
        if !pieces
            .next(&mut buf)
            .await
            .map_err(|e| format!("cannot read the message from stdin: {e}"))?
        {
            header.input_ended = true;
            return Ok(header);
        }
        size += buf.len();
        if size > MAX_HEADER {
            return Err(format!(
                "the header section is longer than {MAX_HEADER} bytes"
            ));
        }
        let is_first = std::mem::take(&mut first);
        if !line_start {
            // The rest of a long line (of a field, or of a skipped mbox line).
            if let Some(field) = header.fields.last_mut() {
                field.extend_from_slice(&buf);
            }
        } else if is_first && buf.starts_with(b"From ") {
            // An mbox separator line, as `mail` programs sometimes pass on: not a header.
        } else if matches!(buf.as_slice(), b"\n" | b"\r\n") {
            return Ok(header);
        } else if buf.starts_with(b" ") || buf.starts_with(b"\t") {
            match header.fields.last_mut() {
                Some(field) => field.extend_from_slice(&buf),
                None => {
                    header.body_start = Some(buf);
                    return Ok(header);
                }
            }
        } else if is_field_start(&buf) {
            header.fields.push(buf.clone());
        } else {
            header.body_start = Some(buf);
            return Ok(header);
        }
    }
}

impl Header {
    /// The field's name, lowercased.
    fn name(field: &[u8]) -> String {
        let colon = field.iter().position(|&b| b == b':').unwrap_or(0);
        String::from_utf8_lossy(&field[..colon])
            .trim()
            .to_ascii_lowercase()
    }

    /// Whether a field with this (lowercase) name is present.
    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|f| Self::name(f) == name)
    }

    /// Removes every field with one of these (lowercase) names.
    pub fn remove(&mut self, names: &[&str]) {
        self.fields
            .retain(|f| !names.contains(&Self::name(f).as_str()));
    }

    /// Adds a field (at the top, where MTAs put theirs).
    pub fn prepend(&mut self, name: &str, value: &str) {
        self.fields
            .insert(0, format!("{name}: {value}\n").into_bytes());
    }

    /// The addresses of the fields `To`, `Cc`, `Bcc` (for `-t`) and `From`.
    pub fn addresses(&self) -> Addresses {
        let mut raw: Vec<u8> = self.fields.concat();
        raw.extend_from_slice(b"\n");
        let mut found = Addresses::default();
        let Some(message) = mail_parser::MessageParser::default().parse_headers(&raw[..]) else {
            return found;
        };
        let list = |address: Option<&mail_parser::Address<'_>>| -> Vec<String> {
            address
                .map(|a| {
                    a.iter()
                        .filter_map(|addr| addr.address())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        found.recipients = [message.to(), message.cc(), message.bcc()]
            .into_iter()
            .flat_map(list)
            .collect();
        found.from = list(message.from()).into_iter().next();
        found
    }

    /// The header section to store: the fields and the blank line.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.fields.concat();
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
        out
    }
}

/// Addresses named in the header section.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Addresses {
    /// To, Cc and Bcc, in that order.
    pub recipients: Vec<String>,
    /// The first From address.
    pub from: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn header(input: &[u8], dot_ends: bool) -> (Header, Vec<Vec<u8>>) {
        let mut pieces = Pieces::new(input, dot_ends);
        let header = read_header(&mut pieces).await.unwrap();
        let mut rest = Vec::new();
        let mut buf = Vec::new();
        while pieces.next(&mut buf).await.unwrap() {
            rest.push(buf.clone());
        }
        (header, rest)
    }

    #[tokio::test]
    async fn folded_fields_bcc_removed_and_addresses() {
        let input = b"From: Cron <cron@contoso.com>\nTo: alex@contoso.com,\n  adele@contoso.com\nBcc: secret@contoso.com\nSubject: x\n\nbody\n.\nmore\n";
        let (mut h, rest) = header(input, false).await;
        assert_eq!(
            h.addresses(),
            Addresses {
                recipients: vec![
                    "alex@contoso.com".into(),
                    "adele@contoso.com".into(),
                    "secret@contoso.com".into()
                ],
                from: Some("cron@contoso.com".into()),
            }
        );
        h.remove(&["bcc"]);
        assert_eq!(
            String::from_utf8(h.to_bytes()).unwrap(),
            "From: Cron <cron@contoso.com>\nTo: alex@contoso.com,\n  adele@contoso.com\nSubject: x\n\n"
        );
        assert_eq!(
            rest,
            [b"body\n".to_vec(), b".\n".to_vec(), b"more\n".to_vec()]
        );
    }

    #[tokio::test]
    async fn lone_dot_ends_input_without_i() {
        let (_, rest) = header(b"Subject: x\n\nbody\n.\nafter\n", true).await;
        assert_eq!(rest, [b"body\n".to_vec()]);
        let (_, rest) = header(b"Subject: x\n\n..\n.x\n", true).await;
        assert_eq!(rest, [b"..\n".to_vec(), b".x\n".to_vec()]);
    }

    #[tokio::test]
    async fn body_without_blank_line_and_mbox_line() {
        let (h, rest) = header(
            b"From alex Mon Dec  7 05:00:00 2026\nSubject: s\nhello world\nbye\n",
            true,
        )
        .await;
        assert_eq!(h.fields, [b"Subject: s\n".to_vec()]);
        assert_eq!(h.body_start.as_deref(), Some(&b"hello world\n"[..]));
        assert_eq!(rest, [b"bye\n".to_vec()]);
    }

    #[tokio::test]
    async fn long_lines_come_in_bounded_pieces() {
        let mut input = b"Subject: s\n\n".to_vec();
        input.extend(std::iter::repeat_n(b'a', PIECE * 2 + 10));
        input.extend_from_slice(b"\n.\n");
        let (_, rest) = header(&input, true).await;
        let sizes: Vec<usize> = rest.iter().map(Vec::len).collect();
        assert_eq!(sizes, [PIECE, PIECE, 11]);
    }
}
