//! A tiny RFC 5322 / MIME parser: just enough to turn the base64 MIME body of
//! `sendMail` into a message (headers, body, attachments).
//!
//! Handles CRLF and bare-LF line endings, folded header lines, RFC 2047 encoded words
//! (`B` and `Q`; UTF-8, US-ASCII, ISO-8859-1/Windows-1252), address lists, nested
//! `multipart/*`, and `base64` / `quoted-printable` transfer encodings.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// A parsed message.
#[derive(Debug, Clone, Default)]
pub(crate) struct ParsedMime {
    pub subject: Option<String>,
    /// `(display name, address)`.
    pub from: Vec<(Option<String>, String)>,
    pub to: Vec<(Option<String>, String)>,
    pub cc: Vec<(Option<String>, String)>,
    pub bcc: Vec<(Option<String>, String)>,
    pub reply_to: Vec<(Option<String>, String)>,
    pub message_id: Option<String>,
    pub importance: Option<String>,
    pub x_headers: Vec<(String, String)>,
    pub body: String,
    pub body_is_html: bool,
    pub attachments: Vec<MimeAttachment>,
}

/// An attachment part.
#[derive(Debug, Clone)]
pub(crate) struct MimeAttachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub is_inline: bool,
    pub content_id: Option<String>,
}

/// Why MIME content could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MimeError {
    /// The content has no header section.
    NoHeaders,
}

/// Splits raw bytes into (header lines unfolded, body bytes).
fn split_message(raw: &[u8]) -> (Vec<(String, String)>, &[u8]) {
    // Find the first empty line (CRLF CRLF or LF LF, or LF CRLF).
    let mut i = 0;
    let mut header_end = raw.len();
    let mut body_start = raw.len();
    // An empty first line means no headers at all.
    if raw.starts_with(b"\r\n") {
        return (Vec::new(), &raw[2..]);
    }
    if raw.starts_with(b"\n") {
        return (Vec::new(), &raw[1..]);
    }
    while i < raw.len() {
        if raw[i] == b'\n' {
            let rest = &raw[i + 1..];
            if rest.starts_with(b"\r\n") {
                header_end = i + 1;
                body_start = i + 3;
                break;
            }
            if rest.starts_with(b"\n") {
                header_end = i + 1;
                body_start = i + 2;
                break;
            }
        }
        i += 1;
    }
    let head = String::from_utf8_lossy(&raw[..header_end]).into_owned();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    (headers, &raw[body_start.min(raw.len())..])
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `type/subtype; a=b; c="d"` → (lower-case type, params with lower-case names).
fn parse_params(value: &str) -> (String, Vec<(String, String)>) {
    let parts = split_unquoted(value, ';');
    let main = parts
        .first()
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let mut params = Vec::new();
    for p in parts.iter().skip(1) {
        if let Some((k, v)) = p.split_once('=') {
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            // RFC 2231 `name*=utf-8''a%20b` (single segment only).
            if let Some(base) = k.strip_suffix('*') {
                let decoded = match v.splitn(3, '\'').collect::<Vec<_>>().as_slice() {
                    [_, _, text] => percent_decode(text),
                    _ => v.to_string(),
                };
                params.push((base.to_string(), decoded));
            } else {
                params.push((k, decode_words(v)));
            }
        }
    }
    (main, params)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = hex_byte(&b[i + 1..i + 3]) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Splits on `sep` outside double quotes (and, for addresses, outside `<>`).
fn split_unquoted(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut angle = false;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                in_quotes = !in_quotes;
                cur.push(c);
            }
            '<' if !in_quotes => {
                angle = true;
                cur.push(c);
            }
            '>' if !in_quotes => {
                angle = false;
                cur.push(c);
            }
            c if c == sep && !in_quotes && !angle => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Parses an address list: `A <a@x>, "B, C" <b@x>, c@x`. Group syntax is flattened.
pub(crate) fn parse_addresses(value: &str) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    for item in split_unquoted(value, ',') {
        let mut item = item.trim().to_string();
        // `group: a@x, b@x;` – drop the group label and terminator.
        if let Some(i) = item.find(':') {
            if !item[..i].contains('<') && !item[..i].contains('"') && !item[..i].contains('@') {
                item = item[i + 1..].trim().to_string();
            }
        }
        let item = item.trim_end_matches(';').trim();
        if item.is_empty() {
            continue;
        }
        if let (Some(lt), Some(gt)) = (item.rfind('<'), item.rfind('>')) {
            if lt < gt {
                let address = item[lt + 1..gt].trim().to_string();
                let name = item[..lt].trim();
                let name = name
                    .strip_prefix('"')
                    .and_then(|n| n.strip_suffix('"'))
                    .map(|n| n.replace("\\\"", "\"").replace("\\\\", "\\"))
                    .unwrap_or_else(|| name.to_string());
                let name = decode_words(&name);
                let name = (!name.trim().is_empty()).then(|| name.trim().to_string());
                if !address.is_empty() {
                    out.push((name, address));
                }
                continue;
            }
        }
        // Bare address, possibly with a trailing (comment).
        let address = item.split_whitespace().next().unwrap_or("").to_string();
        if !address.is_empty() {
            out.push((None, address));
        }
    }
    out
}

/// Decodes bytes in a charset to a String (UTF-8 lossy; Latin-1 family byte-per-char).
fn decode_charset(bytes: &[u8], charset: &str) -> String {
    let cs = charset.to_ascii_lowercase();
    if cs.is_empty() || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        // iso-8859-1, windows-1252 (approximation) and anything else.
        match std::str::from_utf8(bytes) {
            Ok(s) if cs != "iso-8859-1" && cs != "latin1" && cs != "windows-1252" => s.to_string(),
            _ => bytes.iter().map(|&b| b as char).collect(),
        }
    }
}

/// Decodes RFC 2047 encoded words (`=?charset?B|Q?text?=`); whitespace between adjacent
/// encoded words is dropped.
pub(crate) fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        let after = &rest[start + 2..];
        let decoded = (|| {
            let (charset, after) = after.split_once('?')?;
            let (enc, after) = after.split_once('?')?;
            let end = after.find("?=")?;
            let text = &after[..end];
            let bytes = if enc.eq_ignore_ascii_case("b") {
                STANDARD.decode(text.trim()).ok()?
            } else if enc.eq_ignore_ascii_case("q") {
                qp_decode(&text.replace('_', " "), true)
            } else {
                return None;
            };
            let charset = charset.split('*').next().unwrap_or(charset);
            let consumed = s.len() - after.len() + end + 2;
            Some((decode_charset(&bytes, charset), consumed))
        })();
        match decoded {
            Some((text, consumed_abs)) => {
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &s[consumed_abs..];
                last_was_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = after;
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses two hex digits.
fn hex_byte(two: &[u8]) -> Option<u8> {
    if !two.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let s = std::str::from_utf8(two).ok()?;
    u8::from_str_radix(s, 16).ok()
}

/// Quoted-printable decoding (soft line breaks removed). `header` mode leaves CR/LF alone.
fn qp_decode(s: &str, header: bool) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            if !header && b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if !header && b.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if i + 2 < b.len() {
                if let Some(v) = hex_byte(&b[i + 1..i + 3]) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Decodes a part body by its `Content-Transfer-Encoding`.
fn decode_transfer(body: &[u8], encoding: &str) -> Vec<u8> {
    match encoding.trim().to_ascii_lowercase().as_str() {
        "base64" => {
            let compact: Vec<u8> = body
                .iter()
                .copied()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            STANDARD
                .decode(&compact)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&compact))
                .unwrap_or_default()
        }
        "quoted-printable" => qp_decode(&String::from_utf8_lossy(body), false),
        _ => body.to_vec(),
    }
}

/// Splits a multipart body into its parts (bytes of each part, headers included).
fn split_multipart<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delim = format!("--{boundary}");
    let d = delim.as_bytes();
    let mut parts = Vec::new();
    // Find line starts that begin with the delimiter.
    let mut starts: Vec<(usize, usize, bool)> = Vec::new(); // (line_start, content_start, is_close)
    let mut line_start = 0;
    while line_start <= body.len() {
        let line_end = body[line_start..]
            .iter()
            .position(|&c| c == b'\n')
            .map(|p| line_start + p)
            .unwrap_or(body.len());
        let line = &body[line_start..line_end];
        if line.starts_with(d) {
            let tail = &line[d.len()..];
            let is_close = tail.starts_with(b"--");
            starts.push((line_start, (line_end + 1).min(body.len()), is_close));
            if is_close {
                break;
            }
        }
        if line_end >= body.len() {
            break;
        }
        line_start = line_end + 1;
    }
    for w in starts.windows(2) {
        let (_, content_start, is_close) = w[0];
        if is_close {
            break;
        }
        let mut end = w[1].0;
        // The line break before a delimiter belongs to the delimiter.
        if end > content_start && body[end - 1] == b'\n' {
            end -= 1;
            if end > content_start && body[end - 1] == b'\r' {
                end -= 1;
            }
        }
        parts.push(&body[content_start..end.max(content_start)]);
    }
    // Tolerate a missing closing delimiter: the last part runs to the end.
    if let Some(&(_, content_start, false)) = starts.last() {
        parts.push(&body[content_start..]);
    }
    parts
}

#[derive(Default)]
struct Collected {
    html: Option<String>,
    text: Option<String>,
    attachments: Vec<MimeAttachment>,
}

fn walk(headers: &[(String, String)], body: &[u8], out: &mut Collected, depth: usize) {
    let (ctype, params) = parse_params(header(headers, "Content-Type").unwrap_or("text/plain"));
    let ctype = if ctype.is_empty() {
        "text/plain".to_string()
    } else {
        ctype
    };
    let (disposition, dparams) = parse_params(header(headers, "Content-Disposition").unwrap_or(""));
    let encoding = header(headers, "Content-Transfer-Encoding").unwrap_or("7bit");

    if ctype.starts_with("multipart/") && depth < 16 {
        if let Some(boundary) = param(&params, "boundary") {
            for part in split_multipart(body, boundary) {
                let (h, b) = split_message(part);
                walk(&h, b, out, depth + 1);
            }
            return;
        }
    }

    let name = param(&dparams, "filename")
        .or_else(|| param(&params, "name"))
        .map(str::to_string);
    let content_id = header(headers, "Content-ID").map(|v| {
        v.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string()
    });
    let is_text = ctype == "text/plain" || ctype == "text/html";
    let is_attachment = disposition == "attachment"
        || (!is_text && depth > 0)
        || (disposition == "inline" && name.is_some() && !is_text);
    let decoded = decode_transfer(body, encoding);
    if is_attachment {
        let is_inline = disposition != "attachment" && content_id.is_some();
        out.attachments.push(MimeAttachment {
            name: name.unwrap_or_else(|| "attachment".to_string()),
            content_type: ctype,
            bytes: decoded,
            is_inline,
            content_id,
        });
        return;
    }
    let text = decode_charset(&decoded, param(&params, "charset").unwrap_or("utf-8"));
    if ctype == "text/html" {
        if out.html.is_none() {
            out.html = Some(text);
        }
    } else if out.text.is_none() {
        out.text = Some(text);
    }
}

/// Parses an RFC 5322 message.
pub(crate) fn parse(raw: &[u8]) -> Result<ParsedMime, MimeError> {
    let (headers, body) = split_message(raw);
    if headers.is_empty() {
        return Err(MimeError::NoHeaders);
    }
    let addrs = |name: &str| -> Vec<(Option<String>, String)> {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| parse_addresses(v))
            .collect()
    };
    let mut m = ParsedMime {
        subject: header(&headers, "Subject").map(decode_words),
        from: addrs("From"),
        to: addrs("To"),
        cc: addrs("Cc"),
        bcc: addrs("Bcc"),
        reply_to: addrs("Reply-To"),
        message_id: header(&headers, "Message-ID").map(|v| v.trim().to_string()),
        ..ParsedMime::default()
    };
    m.importance = header(&headers, "Importance")
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| v == "low" || v == "normal" || v == "high")
        .or_else(|| {
            header(&headers, "X-Priority").and_then(|v| match v.trim().chars().next() {
                Some('1') | Some('2') => Some("high".to_string()),
                Some('4') | Some('5') => Some("low".to_string()),
                Some('3') => Some("normal".to_string()),
                _ => None,
            })
        });
    m.x_headers = headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with("x-"))
        .map(|(n, v)| (n.clone(), decode_words(v)))
        .collect();
    let mut c = Collected::default();
    walk(&headers, body, &mut c, 0);
    match (c.html, c.text) {
        (Some(h), _) => {
            m.body = h;
            m.body_is_html = true;
        }
        (None, Some(t)) => m.body = t,
        (None, None) => {}
    }
    m.attachments = c.attachments;
    Ok(m)
}

/// Decodes the base64 request body of a MIME `sendMail` (whitespace, CR/LF ignored).
pub(crate) fn decode_base64_body(body: &[u8]) -> Option<Vec<u8>> {
    let compact: Vec<u8> = body
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return None;
    }
    STANDARD.decode(&compact).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words() {
        assert_eq!(decode_words("=?utf-8?B?SGVsbG8gV8O2cmxk?="), "Hello Wörld");
        assert_eq!(
            decode_words("=?UTF-8?Q?Gr=C3=BC=C3=9Fe_dich?="),
            "Grüße dich"
        );
        assert_eq!(decode_words("=?utf-8?Q?a?= =?utf-8?Q?b?= c"), "ab c");
        assert_eq!(decode_words("plain"), "plain");
        assert_eq!(decode_words("=?iso-8859-1?Q?caf=E9?="), "café");
    }

    #[test]
    fn addresses() {
        let a = parse_addresses("\"Wilber, Alex\" <AlexW@contoso.com>, bob@x.org, Carol <c@x.org>");
        assert_eq!(
            a,
            vec![
                (Some("Wilber, Alex".into()), "AlexW@contoso.com".into()),
                (None, "bob@x.org".into()),
                (Some("Carol".into()), "c@x.org".into())
            ]
        );
    }

    #[test]
    fn simple_text_message_crlf_and_folding() {
        let raw = b"From: a@x.org\r\nTo: b@x.org\r\nSubject: =?utf-8?B?SGk=?=\r\n folded\r\nX-Custom: 1\r\n\r\nHello\r\n";
        let m = parse(raw).unwrap();
        assert_eq!(m.subject.as_deref(), Some("Hi folded"));
        assert_eq!(m.body, "Hello\r\n");
        assert!(!m.body_is_html);
        assert_eq!(m.x_headers, vec![("X-Custom".to_string(), "1".to_string())]);
    }

    #[test]
    fn no_headers() {
        assert_eq!(parse(b"\r\njust a body").unwrap_err(), MimeError::NoHeaders);
    }

    #[test]
    fn base64_attachment_and_qp() {
        let raw = "From: a@x.org\nTo: b@x.org\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nGr=C3=BC=\nsse\n--XX\nContent-Type: application/octet-stream; name=\"a.bin\"\nContent-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.bin\nContent-Transfer-Encoding: base64\n\nAAEC\nAw==\n--XX--\n";
        let m = parse(raw.as_bytes()).unwrap();
        assert_eq!(m.body, "Grüsse");
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].name, "résumé.bin");
        assert_eq!(m.attachments[0].bytes, vec![0, 1, 2, 3]);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for raw in [
            "Subject: =?\n\n",
            "Subject: =?utf-8?B?\n\n",
            "Subject: =?utf-8?Q?=E?=\n\n=",
            "From: <>, \"unterminated\n\nx",
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>é</p>",
            "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nend=\n=4",
            "Content-Type: application/pdf; name*=utf-8''%E2%82\n\nx",
            "X: y",
        ] {
            let _ = parse(raw.as_bytes());
        }
        let m = parse(b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>x</p>").unwrap();
        assert_eq!(m.body, "<p>x</p>");
    }
}
