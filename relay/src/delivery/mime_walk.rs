//! Walking a MIME message as it streams from the spool file (the draft path): the header
//! section and the text bodies are kept in memory, every other part is decoded into its
//! own file, so a 100 MB message costs a few buffers, not 100 MB.

use super::decode::Decoder;
use mail_parser::{MessageParser, MimeHeaders};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};

/// A part header longer than this is cut (the rest is ignored).
const MAX_PART_HEADER: usize = 64 * 1024;
/// Decoded bytes are written to the part's file in chunks of about this size.
const WRITE_CHUNK: usize = 256 * 1024;
/// A text body larger than this (encoded) becomes an attachment (`body.txt`, `body.html`):
/// the draft's body goes in one request, which Graph limits to 4 MB, and it would be held
/// whole in memory.
pub const MAX_TEXT_BODY: usize = 1024 * 1024;

/// A text body candidate: its header and its raw (still encoded) lines, decoded later by
/// `mail-parser` with its charset.
#[derive(Debug)]
pub struct TextPart {
    /// `html` or `plain`.
    pub subtype: String,
    /// The part as it appears in the message (header and encoded body).
    pub raw: Vec<u8>,
    /// Where the body starts in `raw`.
    header_len: usize,
}

/// A part decoded into a file.
#[derive(Debug)]
pub struct FilePart {
    /// The file name to give it.
    pub name: String,
    /// `type/subtype`.
    pub content_type: String,
    /// `Content-ID` without angle brackets, for parts shown inline.
    pub content_id: Option<String>,
    /// Where the decoded bytes are.
    pub path: PathBuf,
    /// How many.
    pub size: u64,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// The message's header section.
    pub header: Vec<u8>,
    /// The first `text/plain` and the first `text/html` part that are not attachments.
    pub texts: Vec<TextPart>,
    /// Every other leaf part, in order.
    pub files: Vec<FilePart>,
}

// Always boxed in `State::Body`: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
enum Sink {
    Text(TextPart),
    File {
        part: FilePart,
        file: tokio::fs::File,
        decoder: Decoder,
        buffer: Vec<u8>,
    },
}

enum State {
    /// Before the first boundary of a multipart, or after its last.
    Skip,
    /// Reading a part's header.
    Header(Vec<u8>),
    /// In a leaf part's body.
    Body(Box<Sink>),
}

/// Walks `reader` (a whole message), writing non-text parts into files under `dir`.
pub async fn walk<R: AsyncRead + Unpin>(reader: R, dir: &Path) -> std::io::Result<Walked> {
    tokio::fs::create_dir_all(dir).await?;
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut walked = Walked::default();
    let mut boundaries: Vec<Vec<u8>> = Vec::new();
    let mut line = Vec::new();
    // The message's own header section.
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            break;
        }
        walked.header.extend_from_slice(&line);
        if is_blank(&line) {
            break;
        }
    }
    let header = walked.header.clone();
    let mut state = begin(&header, &mut boundaries, &mut walked, dir).await?;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            break;
        }
        if let Some((level, closing)) = boundary(&line, &boundaries) {
            finish(std::mem::replace(&mut state, State::Skip), &mut walked).await?;
            boundaries.truncate(level + 1);
            if closing {
                boundaries.pop();
            } else {
                state = State::Header(Vec::new());
            }
            continue;
        }
        match &mut state {
            State::Skip => {}
            State::Header(buffer) => {
                if buffer.len() < MAX_PART_HEADER {
                    buffer.extend_from_slice(&line);
                }
                if is_blank(&line) {
                    let header = std::mem::take(buffer);
                    state = begin(&header, &mut boundaries, &mut walked, dir).await?;
                }
            }
            State::Body(sink) => {
                if let Sink::Text(text) = sink.as_mut() {
                    if text.raw.len() + line.len() > MAX_TEXT_BODY {
                        let text = std::mem::replace(text, TextPart::empty());
                        **sink = spill(text, walked.files.len(), dir).await?;
                    }
                }
                write(sink, &line).await?
            }
        }
    }
    finish(state, &mut walked).await?;
    Ok(walked)
}

fn is_blank(line: &[u8]) -> bool {
    line == b"\r\n" || line == b"\n"
}

/// Which open boundary `line` is (its depth in the stack) and whether it closes it.
fn boundary(line: &[u8], boundaries: &[Vec<u8>]) -> Option<(usize, bool)> {
    let rest = line.strip_prefix(b"--")?;
    let mut end = rest.len();
    while end > 0 && matches!(rest[end - 1], b'\r' | b'\n' | b' ' | b'\t') {
        end -= 1;
    }
    let rest = &rest[..end];
    boundaries.iter().enumerate().rev().find_map(|(level, b)| {
        if rest == b.as_slice() {
            Some((level, false))
        } else if rest.len() == b.len() + 2 && rest.starts_with(b) && rest.ends_with(b"--") {
            Some((level, true))
        } else {
            None
        }
    })
}

/// Starts an entity with this header: a multipart opens a boundary, a leaf gets a sink.
async fn begin(
    header: &[u8],
    boundaries: &mut Vec<Vec<u8>>,
    walked: &mut Walked,
    dir: &Path,
) -> std::io::Result<State> {
    let parsed = MessageParser::default().parse_headers(header);
    let content_type = parsed.as_ref().and_then(|m| m.content_type());
    let (ctype, subtype) = content_type
        .map(|ct| {
            (
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or_default().to_ascii_lowercase(),
            )
        })
        .unwrap_or_else(|| ("text".to_string(), "plain".to_string()));
    if ctype == "multipart" {
        if let Some(b) = content_type.and_then(|ct| ct.attribute("boundary")) {
            boundaries.push(b.as_bytes().to_vec());
            return Ok(State::Skip);
        }
    }
    let disposition_attachment = parsed
        .as_ref()
        .and_then(|m| m.content_disposition())
        .is_some_and(|d| d.is_attachment());
    let text_body = ctype == "text"
        && (subtype == "plain" || subtype == "html")
        && !disposition_attachment
        && !walked.texts.iter().any(|t| t.subtype == subtype);
    if text_body {
        return Ok(State::Body(Box::new(Sink::Text(TextPart {
            subtype,
            raw: header.to_vec(),
            header_len: header.len(),
        }))));
    }
    let message = parsed.as_ref();
    let content_id = message
        .and_then(|m| m.content_id())
        .map(|id| id.trim_matches(['<', '>']).to_string())
        .filter(|id| !id.is_empty() && !disposition_attachment && ctype != "message");
    let name = message
        .and_then(|m| m.attachment_name())
        .map(str::to_string)
        .unwrap_or_else(|| match ctype.as_str() {
            "message" => "message.eml".to_string(),
            _ => "attachment".to_string(),
        });
    let path = dir.join(format!("part{}", walked.files.len() + 1));
    let file = tokio::fs::File::create(&path).await?;
    let encoding = message.and_then(|m| m.content_transfer_encoding());
    Ok(State::Body(Box::new(Sink::File {
        part: FilePart {
            name,
            content_type: format!("{ctype}/{subtype}"),
            content_id,
            path,
            size: 0,
        },
        file,
        decoder: Decoder::new(encoding),
        buffer: Vec::with_capacity(WRITE_CHUNK + 4096),
    })))
}

impl TextPart {
    fn empty() -> TextPart {
        TextPart {
            subtype: String::new(),
            raw: Vec::new(),
            header_len: 0,
        }
    }
}

/// Turns a text body grown too large into a file part holding what it has so far, decoded.
async fn spill(text: TextPart, files: usize, dir: &Path) -> std::io::Result<Sink> {
    let (header, body) = text.raw.split_at(text.header_len);
    let parsed = MessageParser::default().parse_headers(header);
    let encoding = parsed.as_ref().and_then(|m| m.content_transfer_encoding());
    let mut decoder = Decoder::new(encoding);
    let mut buffer = Vec::with_capacity(WRITE_CHUNK + 4096);
    for line in body.split_inclusive(|&b| b == b'\n') {
        decoder.line(line, &mut buffer);
    }
    let path = dir.join(format!("part{}", files + 1));
    let mut file = tokio::fs::File::create(&path).await?;
    file.write_all(&buffer).await?;
    let name = match text.subtype.as_str() {
        "html" => "body.html",
        _ => "body.txt",
    };
    Ok(Sink::File {
        part: FilePart {
            name: name.to_string(),
            content_type: format!("text/{}", text.subtype),
            content_id: None,
            path,
            size: buffer.len() as u64,
        },
        file,
        decoder,
        buffer: Vec::with_capacity(WRITE_CHUNK + 4096),
    })
}

async fn write(sink: &mut Sink, line: &[u8]) -> std::io::Result<()> {
    match sink {
        Sink::Text(text) => text.raw.extend_from_slice(line),
        Sink::File {
            part,
            file,
            decoder,
            buffer,
        } => {
            decoder.line(line, buffer);
            if buffer.len() >= WRITE_CHUNK {
                file.write_all(buffer).await?;
                part.size += buffer.len() as u64;
                buffer.clear();
            }
        }
    }
    Ok(())
}

async fn finish(state: State, walked: &mut Walked) -> std::io::Result<()> {
    let State::Body(sink) = state else {
        return Ok(());
    };
    match *sink {
        Sink::Text(text) => walked.texts.push(text),
        Sink::File {
            mut part,
            mut file,
            mut decoder,
            mut buffer,
        } => {
            decoder.finish(&mut buffer);
            file.write_all(&buffer).await?;
            file.flush().await?;
            part.size += buffer.len() as u64;
            walked.files.push(part);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nested_parts_are_split_into_texts_and_decoded_files() {
        let message = b"From: a@x\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n\
preamble\r\n--m\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n\
--a\r\nContent-Type: text/plain\r\n\r\nplain\r\n--a\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n--a--\r\n\
--m\r\nContent-Type: image/png\r\nContent-ID: <img1>\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n\
--m\r\nContent-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\r\nline 1\r\nline 2\r\n\
--m--\r\nepilogue\r\n";
        let dir = std::env::temp_dir().join(format!("walk-{}", std::process::id()));
        let walked = walk(&message[..], &dir).await.unwrap();
        assert_eq!(
            walked.header,
            b"From: a@x\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
        );
        let texts: Vec<(&str, &[u8])> = walked
            .texts
            .iter()
            .map(|t| (t.subtype.as_str(), t.raw.as_slice()))
            .collect();
        assert_eq!(
            texts,
            [
                ("plain", &b"Content-Type: text/plain\r\n\r\nplain\r\n"[..]),
                (
                    "html",
                    &b"Content-Type: text/html\r\n\r\n<b>html</b>\r\n"[..]
                ),
            ]
        );
        let files: Vec<_> = walked
            .files
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.content_type.as_str(),
                    f.content_id.as_deref(),
                    std::fs::read(&f.path).unwrap(),
                    f.size,
                )
            })
            .collect();
        assert_eq!(
            files,
            [
                ("attachment", "image/png", Some("img1"), b"hi".to_vec(), 2),
                (
                    "notes.txt",
                    "text/plain",
                    None,
                    b"line 1\r\nline 2".to_vec(),
                    14
                ),
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
