//! Content-Transfer-Encoding decoding one line at a time (base64, quoted-printable,
//! 7bit/8bit/binary), so that a part is decoded while it is read from the spool file and
//! never held whole.

use base64::Engine as _;

/// Base64 that accepts input with or without `=` padding.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Base64,
    QuotedPrintable,
    Identity,
}

/// Decodes the lines of one part's body.
#[derive(Debug)]
pub struct Decoder {
    encoding: Encoding,
    /// Base64 characters not yet decoded (fewer than four).
    carry: Vec<u8>,
    /// The previous line's break, written only once another line follows (the break
    /// before a boundary belongs to the boundary).
    pending_break: Vec<u8>,
}

impl Decoder {
    /// A decoder for this `Content-Transfer-Encoding` (identity when unknown).
    pub fn new(transfer_encoding: Option<&str>) -> Self {
        let encoding = match transfer_encoding.map(|e| e.trim().to_ascii_lowercase()) {
            Some(e) if e == "base64" => Encoding::Base64,
            Some(e) if e == "quoted-printable" => Encoding::QuotedPrintable,
            _ => Encoding::Identity,
        };
        Decoder {
            encoding,
            carry: Vec::new(),
            pending_break: Vec::new(),
        }
    }

    /// Decodes one line (with its line break) and appends the result to `out`.
    pub fn line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        match self.encoding {
            Encoding::Base64 => {
                self.carry.extend(
                    line.iter()
                        .copied()
                        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')),
                );
                let whole = self.carry.len() / 4 * 4;
                if whole > 0 {
                    // Malformed base64 decodes as far as it can; the rest is dropped.
                    let _ = BASE64.decode_vec(&self.carry[..whole], out);
                    self.carry.drain(..whole);
                }
            }
            Encoding::Identity => {
                let (content, line_break) = split_break(line);
                out.append(&mut self.pending_break);
                out.extend_from_slice(content);
                self.pending_break = line_break.to_vec();
            }
            Encoding::QuotedPrintable => {
                let (content, line_break) = split_break(line);
                out.append(&mut self.pending_break);
                let content = trim_end_spaces(content);
                let (content, soft) = match content.strip_suffix(b"=") {
                    Some(rest) => (rest, true),
                    None => (content, false),
                };
                decode_qp(content, out);
                if !soft {
                    self.pending_break = line_break.to_vec();
                }
            }
        }
    }

    /// Ends the part: whatever base64 is left.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.encoding == Encoding::Base64 && !self.carry.is_empty() {
            let _ = BASE64.decode_vec(&self.carry, out);
            self.carry.clear();
        }
        self.pending_break.clear();
    }
}

fn split_break(line: &[u8]) -> (&[u8], &[u8]) {
    if let Some(content) = line.strip_suffix(b"\r\n") {
        (content, b"\r\n")
    } else if let Some(content) = line.strip_suffix(b"\n") {
        (content, b"\n")
    } else {
        (line, b"")
    }
}

fn trim_end_spaces(mut s: &[u8]) -> &[u8] {
    while let Some((last, rest)) = s.split_last() {
        if *last == b' ' || *last == b'\t' {
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn decode_qp(content: &[u8], out: &mut Vec<u8>) {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut i = 0;
    while i < content.len() {
        if content[i] == b'=' {
            if let (Some(h), Some(l)) = (
                content.get(i + 1).copied().and_then(hex),
                content.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(content[i]);
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(encoding: &str, lines: &[&[u8]]) -> Vec<u8> {
        let mut decoder = Decoder::new(Some(encoding));
        let mut out = Vec::new();
        for line in lines {
            decoder.line(line, &mut out);
        }
        decoder.finish(&mut out);
        out
    }

    #[test]
    fn base64_lines_of_any_length_decode_to_the_bytes() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let lines: Vec<Vec<u8>> = text
            .as_bytes()
            .chunks(57)
            .map(|c| [c, b"\r\n"].concat())
            .collect();
        let refs: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
        assert_eq!(decode("base64", &refs), bytes);
        assert_eq!(decode("BASE64", &[b"aGk=\r\n"]), b"hi");
    }

    #[test]
    fn quoted_printable_and_identity_drop_the_break_before_the_boundary() {
        assert_eq!(
            decode(
                "quoted-printable",
                &[b"Gr=C3=BC=\r\n", b"sse  \r\n", b"end\r\n"]
            ),
            "Grüsse\r\nend".as_bytes()
        );
        assert_eq!(decode("7bit", &[b"a\r\n", b"b\r\n"]), b"a\r\nb");
    }
}
