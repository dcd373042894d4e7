//! Parsing one command line (without its CRLF) into a [`Command`]; a line that does not
//! parse yields the reply to give instead.

use super::reply::{self, Reply};

/// One SMTP command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `EHLO domain`.
    Ehlo(String),
    /// `HELO domain`.
    Helo(String),
    /// `STARTTLS`.
    StartTls,
    /// `AUTH mechanism [initial-response]`.
    Auth {
        /// The SASL mechanism, upper case.
        mechanism: String,
        /// The initial response (RFC 4954 §4), still base64.
        initial: Option<String>,
    },
    /// `MAIL FROM:<path> [parameters]`.
    Mail {
        /// The reverse path without angle brackets; empty for `<>`.
        from: String,
        /// `SIZE=` (RFC 1870).
        size: Option<u64>,
        /// `SMTPUTF8` (RFC 6531).
        smtputf8: bool,
    },
    /// `RCPT TO:<path>`.
    Rcpt {
        /// The forward path without angle brackets.
        to: String,
    },
    /// `DATA`.
    Data,
    /// `RSET`.
    Rset,
    /// `NOOP [string]`.
    Noop,
    /// `QUIT`.
    Quit,
    /// `VRFY string`.
    Vrfy,
    /// `EXPN string`.
    Expn,
    /// `HELP [string]`.
    Help,
}

impl Command {
    /// Parses a command line. `line` holds no CR, LF or NUL (the line reader refused those).
    pub fn parse(line: &str) -> Result<Command, Reply> {
        let (verb, rest) = match line.find(' ') {
            Some(i) => (&line[..i], line[i + 1..].trim()),
            None => (line, ""),
        };
        let no_args = |command: Command| {
            if rest.is_empty() {
                Ok(command)
            } else {
                Err(reply::syntax("Syntax error: no parameters allowed"))
            }
        };
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" | "HELO" => {
                let domain = rest.split(' ').next().unwrap_or("");
                if domain.is_empty() {
                    return Err(reply::syntax("Syntax error: EHLO/HELO needs a domain"));
                }
                if verb.eq_ignore_ascii_case("EHLO") {
                    Ok(Command::Ehlo(domain.to_string()))
                } else {
                    Ok(Command::Helo(domain.to_string()))
                }
            }
            "STARTTLS" => no_args(Command::StartTls),
            "AUTH" => {
                let mut words = rest.split(' ').filter(|w| !w.is_empty());
                let mechanism = words
                    .next()
                    .ok_or_else(|| reply::syntax("Syntax error: AUTH needs a mechanism"))?
                    .to_ascii_uppercase();
                let initial = words.next().map(str::to_string);
                if words.next().is_some() {
                    return Err(reply::syntax("Syntax error: AUTH mechanism [response]"));
                }
                Ok(Command::Auth { mechanism, initial })
            }
            "MAIL" => parse_mail(rest),
            "RCPT" => {
                let (to, params) =
                    split_path(rest, "TO:").ok_or_else(reply::bad_recipient_syntax)?;
                if to.is_empty() || !is_mailbox(&to) {
                    return Err(reply::bad_recipient_syntax());
                }
                // No RCPT parameters are offered (no DSN): RFC 5321 §4.1.1.11.
                if !params.trim().is_empty() {
                    return Err(reply::unknown_parameter());
                }
                Ok(Command::Rcpt { to })
            }
            "DATA" => no_args(Command::Data),
            "RSET" => no_args(Command::Rset),
            "QUIT" => no_args(Command::Quit),
            "NOOP" => Ok(Command::Noop),
            "HELP" => Ok(Command::Help),
            "VRFY" if rest.is_empty() => Err(reply::syntax("Syntax error: VRFY needs an argument")),
            "VRFY" => Ok(Command::Vrfy),
            "EXPN" => Ok(Command::Expn),
            _ => Err(reply::unrecognized()),
        }
    }
}

fn parse_mail(rest: &str) -> Result<Command, Reply> {
    let (from, params) = split_path(rest, "FROM:").ok_or_else(reply::bad_sender_syntax)?;
    if !from.is_empty() && !is_mailbox(&from) {
        return Err(reply::bad_sender_syntax());
    }
    let mut size = None;
    let mut smtputf8 = false;
    for param in params.split(' ').filter(|p| !p.is_empty()) {
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (param, None),
        };
        match (key.to_ascii_uppercase().as_str(), value) {
            ("SIZE", Some(v)) => {
                size = Some(
                    v.parse::<u64>()
                        .map_err(|_| reply::syntax("Syntax error: SIZE=digits"))?,
                );
            }
            // 8BITMIME (RFC 6152): 7BIT and 8BITMIME bodies are stored as received.
            ("BODY", Some(v))
                if v.eq_ignore_ascii_case("7BIT") || v.eq_ignore_ascii_case("8BITMIME") => {}
            ("SMTPUTF8", None) => smtputf8 = true,
            // RFC 4954 §5: the AUTH parameter is accepted and ignored by a submission server
            // that trusts only its own authentication.
            ("AUTH", Some(_)) => {}
            _ => return Err(reply::unknown_parameter()),
        }
    }
    Ok(Command::Mail {
        from,
        size,
        smtputf8,
    })
}

/// Splits `FROM:<path> params` into the path (without brackets and any source route) and
/// the parameters. A space after the colon is tolerated, as common clients send it.
fn split_path(rest: &str, keyword: &str) -> Option<(String, String)> {
    // `get`, not indexing: the line is UTF-8 and may split a character here.
    let head = rest.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = rest[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = closing_bracket(rest)?;
    let mut path = &rest[..end];
    // An obsolete source route `@a,@b:user@host` (RFC 5321 §4.1.1.3): keep the mailbox.
    if path.starts_with('@') {
        path = path.split_once(':')?.1;
    }
    Some((path.to_string(), rest[end + 1..].to_string()))
}

/// The index of the `>` closing the path, skipping quoted strings in the local part.
fn closing_bracket(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// `local@domain`: a non-empty (possibly quoted) local part and a domain without spaces,
/// brackets or a second `@`.
fn is_mailbox(path: &str) -> bool {
    let Some(at) = path.rfind('@') else {
        return false;
    };
    let (local, domain) = (&path[..at], &path[at + 1..]);
    let local_ok = if local.starts_with('"') {
        local.len() >= 2 && local.ends_with('"')
    } else {
        !local.is_empty()
            && !local.contains(|c: char| c.is_whitespace() || "<>()[],;:\"".contains(c))
    };
    let domain_ok = !domain.is_empty()
        && !domain.contains(|c: char| c.is_whitespace() || "<>()@,;:\"\\".contains(c));
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_with_parameters() {
        assert_eq!(
            Command::parse("mail FROM:<adele@contoso.com> SIZE=1234 BODY=8BITMIME SMTPUTF8"),
            Ok(Command::Mail {
                from: "adele@contoso.com".into(),
                size: Some(1234),
                smtputf8: true
            })
        );
        assert_eq!(
            Command::parse("MAIL FROM:<>"),
            Ok(Command::Mail {
                from: String::new(),
                size: None,
                smtputf8: false
            })
        );
        assert_eq!(
            Command::parse("MAIL FROM: <@relay.example:a@b.example>"),
            Ok(Command::Mail {
                from: "a@b.example".into(),
                size: None,
                smtputf8: false
            })
        );
        assert_eq!(
            Command::parse("MAIL FROM:<a@b> BODY=BINARYMIME")
                .unwrap_err()
                .code,
            555
        );
        assert_eq!(Command::parse("MAIL FROM:a@b").unwrap_err().code, 501);
        assert_eq!(Command::parse("MAIL FROM:<a b@c>").unwrap_err().code, 501);
        assert_eq!(
            Command::parse("MAIL FROM:<a@b> SIZE=x").unwrap_err().code,
            501
        );
    }

    #[test]
    fn rcpt_and_others() {
        assert_eq!(
            Command::parse("RCPT TO:<\"john doe\"@contoso.com>"),
            Ok(Command::Rcpt {
                to: "\"john doe\"@contoso.com".into()
            })
        );
        assert_eq!(Command::parse("RCPT TO:<>").unwrap_err().code, 501);
        assert_eq!(
            Command::parse("RCPT TO:<a@b> NOTIFY=NEVER")
                .unwrap_err()
                .code,
            555
        );
        assert_eq!(Command::parse("DATA x").unwrap_err().code, 501);
        assert_eq!(Command::parse("EHLO").unwrap_err().code, 501);
        assert_eq!(Command::parse("VRFY").unwrap_err().code, 501);
        assert_eq!(Command::parse("BDAT 10").unwrap_err().code, 500);
        // Multi-byte characters where a keyword is expected: refused, never a panic.
        assert_eq!(Command::parse("MAIL FRΩΩ:<a@b>").unwrap_err().code, 501);
        assert_eq!(Command::parse("RCPT ΩΩ:<a@b>").unwrap_err().code, 501);
        assert_eq!(Command::parse("ΩΩΩ").unwrap_err().code, 500);
        assert_eq!(
            Command::parse("auth plain AGFAYg=="),
            Ok(Command::Auth {
                mechanism: "PLAIN".into(),
                initial: Some("AGFAYg==".into())
            })
        );
    }
}
