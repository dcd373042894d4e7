//! Reading `DATA`: dot-unstuffing (RFC 5321 §4.5.2) and the end marker `CRLF . CRLF`,
//! streamed chunk by chunk into the spool, never holding the message in memory. Only the
//! exact `<CRLF>.<CRLF>` ends the data: a `.` line after a bare LF is content (accepting
//! other endings is what SMTP smuggling exploits). Once the spool refuses more (too large,
//! or a write error), the rest is read and discarded up to the end marker, so the client
//! hears its `552`/`451` in step.

use super::connection::Connection;
use crate::spool::{Incoming, SpoolError};
use std::io;

/// Where the unstuffer is within a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a line (after CRLF, or at the start of the data).
    LineStart,
    /// Inside a line.
    Middle,
    /// Just after a CR inside a line.
    Cr,
    /// A `.` at the start of a line, not yet emitted.
    Dot,
    /// `.` then CR at the start of a line.
    DotCr,
}

/// The dot-unstuffing state machine.
#[derive(Debug)]
pub struct Unstuffer {
    state: State,
}

impl Default for Unstuffer {
    fn default() -> Self {
        Unstuffer {
            state: State::LineStart,
        }
    }
}

impl Unstuffer {
    /// Unstuffs `input` into `out`. Returns how many bytes of `input` belong to the data
    /// (with the end marker) once the end marker is seen, `None` when all of `input` was
    /// data.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Option<usize> {
        for (i, &byte) in input.iter().enumerate() {
            self.state = match (self.state, byte) {
                (State::LineStart, b'.') => State::Dot,
                (State::DotCr, b'\n') => return Some(i + 1),
                (State::Dot, b'\r') => State::DotCr,
                (State::DotCr, _) => {
                    // `.` CR x: the dot was stuffing; the CR is content.
                    out.push(b'\r');
                    self.after_content(byte, out)
                }
                // A dot followed by more text: the dot was stuffing (deleted).
                (_, _) => self.after_content(byte, out),
            };
        }
        None
    }

    fn after_content(&self, byte: u8, out: &mut Vec<u8>) -> State {
        out.push(byte);
        match (self.state, byte) {
            (State::Cr | State::DotCr, b'\n') => State::LineStart,
            (_, b'\r') => State::Cr,
            _ => State::Middle,
        }
    }
}

/// How `DATA` went.
#[derive(Debug)]
pub enum DataOutcome {
    /// The end marker was read; the spool took everything.
    Complete,
    /// The end marker was read; the spool refused part of it.
    Refused(SpoolError),
    /// The client closed the connection before the end marker.
    Eof,
}

/// Reads the data after `354` into `incoming` (which is left as it is; the caller commits
/// it on [`DataOutcome::Complete`]).
pub async fn read_data(
    connection: &mut Connection,
    incoming: &mut Incoming,
) -> io::Result<DataOutcome> {
    let mut unstuffer = Unstuffer::default();
    let mut out = Vec::with_capacity(16 * 1024);
    let mut refused: Option<SpoolError> = None;
    loop {
        let buf = connection.fill().await?;
        if buf.is_empty() {
            return Ok(DataOutcome::Eof);
        }
        out.clear();
        let end = unstuffer.feed(buf, &mut out);
        let used = end.unwrap_or(buf.len());
        connection.consume(used);
        if refused.is_none() && !out.is_empty() {
            if let Err(e) = incoming.write(&out).await {
                refused = Some(e);
            }
        }
        if end.is_some() {
            return Ok(match refused {
                None => DataOutcome::Complete,
                Some(e) => DataOutcome::Refused(e),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unstuff(chunks: &[&[u8]]) -> (Vec<u8>, Option<usize>) {
        let mut unstuffer = Unstuffer::default();
        let mut out = Vec::new();
        let mut end = None;
        for chunk in chunks {
            end = unstuffer.feed(chunk, &mut out);
            if end.is_some() {
                break;
            }
        }
        (out, end)
    }

    #[test]
    fn removes_stuffed_dots_and_stops_at_the_end_marker() {
        let (out, end) = unstuff(&[b"a\r\n..b\r\n.c\r\n.\r\nQUIT\r\n"]);
        assert_eq!(out, b"a\r\n.b\r\nc\r\n");
        assert_eq!(end, Some(15));
    }

    #[test]
    fn end_marker_split_across_chunks() {
        let (out, end) = unstuff(&[b"x\r", b"\n.", b"\r", b"\nrest"]);
        assert_eq!(out, b"x\r\n");
        assert_eq!(end, Some(1));
    }

    #[test]
    fn empty_message_and_bare_lf_dot_is_content() {
        assert_eq!(unstuff(&[b".\r\n"]), (Vec::new(), Some(3)));
        let (out, end) = unstuff(&[b"a\n.\nb\r\n.\r\n"]);
        assert_eq!(out, b"a\n.\nb\r\n");
        assert_eq!(end, Some(10));
        let (out, end) = unstuff(&[b".\rx\r\n.\r\n"]);
        assert_eq!(out, b"\rx\r\n");
        assert!(end.is_some());
    }
}
