//! `sendmail` (also when the binary is invoked through a symlink named `sendmail`): reads
//! an RFC 5322 message from stdin and queues it in the spool, exiting 0 only once it is
//! durable (or, with `--direct`, delivered).
//!
//! The envelope sender is `-f`/`-r`, else the From header's address, else `[sendmail]
//! default_sender`, else the user's login name `@` the host name. A message without From
//! gets `From: "<-F name>" <sender>`; one without Date gets the current date; Bcc and
//! Resent-Bcc fields are always removed (with `-t` their addresses are recipients).
//! Recipients are the arguments, plus with `-t` those of To, Cc and Bcc (as Postfix does).

mod args;
mod direct;
mod input;

pub use args::{parse, SendmailArgs};

use super::exit::{CliResult, Failure, DATAERR, TEMPFAIL, UNAVAILABLE, USAGE};
use super::load;
use input::{read_header, Pieces};
use msgraph_relay::config::Config;
use msgraph_relay::envelope::{Envelope, MAX_RECIPIENTS};
use msgraph_relay::spool::{Spool, SpoolError, State};
use tokio::io::AsyncRead;

/// Runs `sendmail` with the parsed arguments, reading the message from `stdin` (`-bp` is
/// dispatched to `queue list` before this).
pub async fn run(config: &Config, args: &SendmailArgs, stdin: impl AsyncRead + Unpin) -> CliResult {
    if args.smtp_session {
        return Err(Failure::new(
            USAGE,
            "-bs (SMTP on stdin) is not supported: submit over SMTP to `msgraph-relay serve`",
        ));
    }
    let spool = load::spool(config).await?;
    if !args.extract_recipients && args.recipients.is_empty() {
        return Err(Failure::new(
            USAGE,
            "no recipients: give addresses as arguments, or -t to read them from the message",
        ));
    }
    let mut recipients = Vec::new();
    for recipient in &args.recipients {
        let address = bare(recipient);
        if !is_address(&address) {
            return Err(Failure::new(
                USAGE,
                format!("recipient {recipient:?} is not an email address (the relay has no local mailboxes)"),
            ));
        }
        recipients.push(address);
    }

    let mut pieces = Pieces::new(stdin, !args.ignore_dots);
    let mut header = read_header(&mut pieces)
        .await
        .map_err(|e| Failure::new(DATAERR, e))?;
    let found = header.addresses();
    if args.extract_recipients {
        recipients.extend(found.recipients.iter().map(|r| bare(r)));
    }
    dedupe(&mut recipients);
    if recipients.is_empty() {
        return Err(Failure::new(DATAERR, "no recipients in To, Cc or Bcc (-t)"));
    }
    if let Some(bad) = recipients.iter().find(|r| !is_address(r)) {
        return Err(Failure::new(
            DATAERR,
            format!("recipient {bad:?} in the message is not an email address"),
        ));
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(Failure::new(
            DATAERR,
            format!(
                "{} recipients: Graph takes at most {MAX_RECIPIENTS} per message",
                recipients.len()
            ),
        ));
    }
    let sender = match (&args.sender, &found.from, &config.sendmail.default_sender) {
        (Some(sender), _, _) => bare(sender),
        (None, Some(from), _) => from.clone(),
        (None, None, Some(default)) => default.clone(),
        (None, None, None) => format!("{}@{}", login_name(), host_name()),
    };
    header.remove(&["bcc", "resent-bcc"]);
    if !header.has("date") {
        header.prepend("Date", &chrono::Utc::now().to_rfc2822());
    }
    if !header.has("from") {
        if sender.is_empty() {
            return Err(Failure::new(
                DATAERR,
                "the message has no From and the envelope sender is empty (-f '<>')",
            ));
        }
        header.prepend("From", &from_value(args.full_name.as_deref(), &sender));
    }

    let mut envelope = Envelope::new(sender, recipients);
    envelope.mailbox = config.sendmail.mailbox.clone();
    let id = spool_message(
        &spool,
        config.sendmail.max_message_size,
        header,
        pieces,
        envelope,
    )
    .await?;
    if args.direct {
        return direct_delivery(config, &spool, &id).await;
    }
    Ok(())
}

async fn spool_message(
    spool: &Spool,
    limit: u64,
    header: input::Header,
    mut pieces: Pieces<impl AsyncRead + Unpin>,
    envelope: Envelope,
) -> Result<msgraph_relay::spool::QueueId, Failure> {
    let failure = |e: SpoolError| match e {
        SpoolError::TooLarge { limit } => Failure::new(
            DATAERR,
            format!("the message is larger than {limit} bytes ([sendmail] max_message_size)"),
        ),
        e => Failure::new(TEMPFAIL, format!("cannot queue the message: {e}")),
    };
    let mut incoming = spool.start(limit).await.map_err(failure)?;
    incoming.write(&header.to_bytes()).await.map_err(failure)?;
    if let Some(first) = &header.body_start {
        incoming.write(first).await.map_err(failure)?;
    }
    let mut buf = Vec::new();
    if !header.input_ended {
        while pieces.next(&mut buf).await.map_err(|e| {
            Failure::new(DATAERR, format!("cannot read the message from stdin: {e}"))
        })? {
            incoming.write(&buf).await.map_err(failure)?;
        }
    }
    incoming.commit(envelope).await.map_err(failure)
}

async fn direct_delivery(
    config: &Config,
    spool: &Spool,
    id: &msgraph_relay::spool::QueueId,
) -> CliResult {
    let record = direct::deliver(config, spool, id).await?;
    match record.state {
        State::Sent => Ok(()),
        State::Failed => Err(Failure::new(
            UNAVAILABLE,
            format!(
                "{id}: delivery failed: {}",
                record.last_error.as_deref().unwrap_or("no reason recorded")
            ),
        )),
        state => Err(Failure::new(
            TEMPFAIL,
            format!(
                "{id}: {state} after one attempt ({}); `msgraph-relay serve` takes it from here",
                record.last_error.as_deref().unwrap_or("not attempted")
            ),
        )),
    }
}

/// `<a@b>` → `a@b`.
fn bare(address: &str) -> String {
    address
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

fn is_address(address: &str) -> bool {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !address
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || "<>,;".contains(c))
        }
        None => false,
    }
}

fn dedupe(list: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    list.retain(|a| seen.insert(a.to_ascii_lowercase()));
}

/// `"Full Name" <sender>`, the name quoted (or RFC 2047-encoded when not ASCII).
fn from_value(full_name: Option<&str>, sender: &str) -> String {
    use base64::Engine;
    match full_name.map(str::trim).filter(|n| !n.is_empty()) {
        None => sender.to_string(),
        Some(name) if name.is_ascii() => {
            let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{quoted}\" <{sender}>")
        }
        Some(name) => format!(
            "=?UTF-8?B?{}?= <{sender}>",
            base64::engine::general_purpose::STANDARD.encode(name)
        ),
    }
}

/// The invoking user's login name: `LOGNAME`, `USER`, else the password database.
fn login_name() -> String {
    for var in ["LOGNAME", "USER"] {
        if let Ok(name) = std::env::var(var) {
            if !name.trim().is_empty() {
                return name;
            }
        }
    }
    // SAFETY: getpwuid returns a pointer into static storage or null; the name is copied
    // out at once, in this single-threaded start of the command.
    unsafe {
        let entry = libc::getpwuid(libc::getuid());
        if !entry.is_null() && !(*entry).pw_name.is_null() {
            return std::ffi::CStr::from_ptr((*entry).pw_name)
                .to_string_lossy()
                .into_owned();
        }
    }
    format!("uid{}", unsafe { libc::getuid() })
}

/// The host name (`gethostname`).
fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; the result is NUL-terminated on success.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(0);
    match std::str::from_utf8(&buf[..end]) {
        Ok(name) if ok && !name.is_empty() => name.to_string(),
        _ => "localhost".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_header_values() {
        assert_eq!(from_value(None, "a@x.com"), "a@x.com");
        assert_eq!(
            from_value(Some("Cron \"d\""), "a@x.com"),
            "\"Cron \\\"d\\\"\" <a@x.com>"
        );
        assert_eq!(
            from_value(Some("Jörg"), "a@x.com"),
            "=?UTF-8?B?SsO2cmc=?= <a@x.com>"
        );
    }

    #[test]
    fn addresses() {
        assert!(is_address("alex@contoso.com"));
        assert!(!is_address("root"));
        assert!(!is_address("a b@x.com"));
        assert_eq!(bare(" <a@x.com> "), "a@x.com");
    }
}
