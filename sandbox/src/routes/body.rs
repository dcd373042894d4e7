//! Reading request bodies without holding more than needed: bodies nobody will use
//! (unknown paths, requests whose token was refused) are read and thrown away chunk
//! by chunk, so a client can send 50 MB there without the process growing by 50 MB.

use axum::body::Body;
use http_body_util::BodyExt as _;

/// What was read of a request body.
#[derive(Debug, Default)]
pub(super) struct ReadBody {
    /// The bytes kept (empty when over the limit or when discarding).
    pub bytes: Vec<u8>,
    /// More than the kept limit arrived (or the body could not be read).
    pub too_large: bool,
    /// Bytes received, kept or not.
    pub size: u64,
}

/// Bytes read at most from one body; beyond it the sandbox stops reading and the
/// connection is closed after the answer.
pub(super) const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// Reads `body`, keeping at most `keep` bytes (`0`: keep nothing, just count). Reading
/// stops after [`DRAIN_LIMIT`] bytes. A read error counts as too large, as before: the
/// handler answers with its size error or sees no body.
pub(super) async fn read(mut body: Body, keep: usize) -> ReadBody {
    let mut out = ReadBody::default();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            out.too_large = true;
            out.bytes = Vec::new();
            break;
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        out.size += data.len() as u64;
        if !out.too_large && keep > 0 {
            if out.bytes.len() + data.len() <= keep {
                out.bytes.extend_from_slice(&data);
            } else {
                out.too_large = true;
                out.bytes = Vec::new();
            }
        }
        if out.size > DRAIN_LIMIT {
            out.too_large = true;
            break;
        }
    }
    out
}
