//! SMTP replies: a code, an enhanced status code (RFC 3463, advertised as
//! `ENHANCEDSTATUSCODES`, RFC 2034) and text, one or several lines.

use std::borrow::Cow;

/// One reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The lines of text; each after the code (and the enhanced code, if any).
    lines: Vec<Cow<'static, str>>,
    enhanced: Option<&'static str>,
}

impl Reply {
    /// A one-line reply with an enhanced status code.
    pub fn new(code: u16, enhanced: &'static str, text: impl Into<Cow<'static, str>>) -> Reply {
        Reply {
            code,
            lines: vec![text.into()],
            enhanced: Some(enhanced),
        }
    }

    /// A reply without an enhanced status code (greeting, `EHLO`, `354`, `334`: RFC 2034
    /// §3 leaves them out).
    pub fn plain(code: u16, lines: Vec<Cow<'static, str>>) -> Reply {
        Reply {
            code,
            lines,
            enhanced: None,
        }
    }

    /// The wire form: `250-first\r\n250 last\r\n`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let separator = if i == last { ' ' } else { '-' };
            out.extend_from_slice(format!("{}{separator}", self.code).as_bytes());
            if let Some(enhanced) = self.enhanced {
                out.extend_from_slice(enhanced.as_bytes());
                if !line.is_empty() {
                    out.push(b' ');
                }
            }
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
}

// The replies the session gives, in one place so the codes are reviewed together
// (RFC 5321 §4.2, enhanced codes from RFC 3463 and the RFCs named).

/// `250 2.0.0 Ok` (RSET, NOOP, MAIL, RCPT).
pub fn ok() -> Reply {
    Reply::new(250, "2.0.0", "Ok")
}

/// `221 2.0.0 Bye`.
pub fn bye() -> Reply {
    Reply::new(221, "2.0.0", "Bye")
}

/// `354`, the go-ahead for the message.
pub fn start_data() -> Reply {
    Reply::plain(354, vec!["End data with <CR><LF>.<CR><LF>".into()])
}

/// `250 2.0.0 Ok: queued as ID`, only after the spool committed the message.
pub fn queued(id: &str) -> Reply {
    Reply::new(250, "2.0.0", format!("Ok: queued as {id}"))
}

/// `500 5.5.1`: an unknown command.
pub fn unrecognized() -> Reply {
    Reply::new(500, "5.5.1", "Command unrecognized")
}

/// `500 5.5.2`: a command line over 1,000 octets (RFC 5321 §4.5.3.1.4/.6: "500 Line too
/// long").
pub fn line_too_long() -> Reply {
    Reply::new(500, "5.5.2", "Line too long")
}

/// `500 5.5.6`: an AUTH response line over the SASL buffer (RFC 4954 §6).
pub fn auth_line_too_long() -> Reply {
    Reply::new(500, "5.5.6", "Authentication Exchange line is too long")
}

/// `500 5.5.2`: a command line with a bare LF, a bare CR or NUL (the kinds of input SMTP
/// smuggling relies on: refused, never guessed at).
pub fn bad_line_ending() -> Reply {
    Reply::new(
        500,
        "5.5.2",
        "Syntax error: command lines end with <CR><LF> and contain no bare <CR>, <LF> or NUL",
    )
}

/// `501 5.5.4`: wrong arguments.
pub fn syntax(text: &'static str) -> Reply {
    Reply::new(501, "5.5.4", text)
}

/// `503 5.5.1`: a command out of order.
pub fn bad_sequence(text: &'static str) -> Reply {
    Reply::new(503, "5.5.1", text)
}

/// `502 5.5.1`: a command this server does not offer (here, or at all).
pub fn not_implemented(text: &'static str) -> Reply {
    Reply::new(502, "5.5.1", text)
}

/// `555 5.5.4`: an unknown `MAIL`/`RCPT` parameter (RFC 5321 §4.1.1.11).
pub fn unknown_parameter() -> Reply {
    Reply::new(
        555,
        "5.5.4",
        "MAIL FROM/RCPT TO parameters not recognized or not implemented",
    )
}

/// `553 5.6.7`: a non-ASCII address without `SMTPUTF8` (RFC 6531).
pub fn utf8_address_without_smtputf8() -> Reply {
    Reply::new(
        553,
        "5.6.7",
        "Non-ASCII addresses need the SMTPUTF8 parameter",
    )
}

/// `552 5.3.4`: over the size limit (RFC 1870 §6.1).
pub fn too_large(limit: u64) -> Reply {
    Reply::new(
        552,
        "5.3.4",
        format!("Message size exceeds the limit of {limit} bytes"),
    )
}

/// `452 4.5.3`: one recipient too many (RFC 5321 §4.5.3.1.10).
pub fn too_many_recipients() -> Reply {
    Reply::new(452, "4.5.3", "Too many recipients")
}

/// `451 4.3.0`: the spool could not take the message; the client keeps it and retries.
pub fn spool_failed() -> Reply {
    Reply::new(
        451,
        "4.3.0",
        "Error: queue file write error, try again later",
    )
}

/// `530 5.7.0` (RFC 4954 §6).
pub fn auth_required() -> Reply {
    Reply::new(530, "5.7.0", "Authentication required")
}

/// `538 5.7.11` (RFC 4954 §6).
pub fn encryption_required() -> Reply {
    Reply::new(
        538,
        "5.7.11",
        "Encryption required for requested authentication mechanism",
    )
}

/// `235 2.7.0` (RFC 4954 §6).
pub fn auth_ok() -> Reply {
    Reply::new(235, "2.7.0", "Authentication successful")
}

/// `535 5.7.8` (RFC 4954 §6).
pub fn auth_failed() -> Reply {
    Reply::new(535, "5.7.8", "Authentication credentials invalid")
}

/// `504 5.5.4`: an unknown SASL mechanism (RFC 4954 §4).
pub fn unknown_mechanism() -> Reply {
    Reply::new(504, "5.5.4", "Unrecognized authentication type")
}

/// `501 5.0.0`: the client cancelled with `*` (RFC 4954 §4).
pub fn auth_cancelled() -> Reply {
    Reply::new(501, "5.0.0", "Authentication cancelled")
}

/// `501 5.5.2`: a SASL response that is not base64 (RFC 4954 §4).
pub fn auth_bad_base64() -> Reply {
    Reply::new(501, "5.5.2", "Cannot decode response")
}

/// `550 5.7.1`: the reverse path is not one this client may use.
pub fn sender_not_allowed() -> Reply {
    Reply::new(550, "5.7.1", "Sender address not allowed for this client")
}

/// `501 5.1.7`: a reverse path that does not parse.
pub fn bad_sender_syntax() -> Reply {
    Reply::new(501, "5.1.7", "Bad sender address syntax")
}

/// `501 5.1.3`: a forward path that does not parse.
pub fn bad_recipient_syntax() -> Reply {
    Reply::new(501, "5.1.3", "Bad recipient address syntax")
}

/// `252 2.0.0`: VRFY is not answered (RFC 5321 §3.5.3).
pub fn cannot_verify() -> Reply {
    Reply::new(
        252,
        "2.0.0",
        "Cannot VRFY user, but will accept message and attempt delivery",
    )
}

/// `214 2.0.0`: HELP.
pub fn help() -> Reply {
    Reply::new(
        214,
        "2.0.0",
        "Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP VRFY HELP QUIT",
    )
}

/// `220 2.0.0` before the TLS handshake (RFC 3207 §4).
pub fn ready_for_tls() -> Reply {
    Reply::new(220, "2.0.0", "Ready to start TLS")
}

/// `421 4.4.2`: a command (or the connection) took too long.
pub fn timeout(hostname: &str) -> Reply {
    Reply::new(
        421,
        "4.4.2",
        format!("{hostname} Error: timeout exceeded, closing connection"),
    )
}

/// `421 4.3.2`: the relay is shutting down.
pub fn shutting_down(hostname: &str) -> Reply {
    Reply::new(
        421,
        "4.3.2",
        format!("{hostname} Service shutting down, closing connection"),
    )
}

/// `421 4.3.2`: all connection slots are taken.
pub fn too_many_connections(hostname: &str) -> Reply {
    Reply::new(
        421,
        "4.3.2",
        format!("{hostname} Too many connections, try again later"),
    )
}

/// `421 4.7.0`: this address connects too often.
pub fn connection_rate(hostname: &str) -> Reply {
    Reply::new(
        421,
        "4.7.0",
        format!("{hostname} Too many connections from your address, try again later"),
    )
}

/// `421 4.7.0`: this address failed to authenticate too often.
pub fn locked_out(hostname: &str) -> Reply {
    Reply::new(
        421,
        "4.7.0",
        format!("{hostname} Too many failed authentications from your address, try again later"),
    )
}

/// `554 5.7.1` at connect: this address may not submit.
pub fn access_denied(hostname: &str) -> Reply {
    Reply::new(
        554,
        "5.7.1",
        format!("{hostname} Access denied for your address"),
    )
}
