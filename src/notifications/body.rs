//! Reading a request body up to a limit, without ever holding more than the limit (plus
//! the chunk that crossed it, which the HTTP server already holds).

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

/// Why a body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// `Content-Length` or the bytes streamed so far exceed the limit.
    TooLarge,
    /// The body stream failed (the client went away, a chunked encoding error).
    Broken,
}

/// The body, if it fits in `limit` bytes. A `Content-Length` over the limit is refused
/// before the first byte is read; a body without one is counted while it streams and
/// dropped as soon as it crosses the limit.
pub(crate) async fn read_limited<B, E>(
    headers: &http::HeaderMap,
    body: B,
    limit: usize,
) -> Result<Vec<u8>, BodyError>
where
    B: Stream<Item = Result<Bytes, E>>,
{
    let declared = content_length(headers);
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    // Trust the declared length for the first allocation only up to the limit.
    let mut buf = Vec::with_capacity(declared.map_or(0, |len| len as usize).min(limit));
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(_) => return Err(BodyError::Broken),
        };
        if chunk.len() > limit - buf.len() {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}
