//! `queue list|show ID|retry ID|--all|delete ID` (and `sendmail -bp`, `mailq`): the
//! operator's view of the spool.

use super::exit::{CliResult, Failure, NOINPUT, TEMPFAIL, USAGE};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use msgraph_relay::spool::{QueueId, Record, Spool, SpoolError, State};

/// The `queue` subcommands.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Lists the messages not yet sent (with --all-states: also sent ones).
    List {
        /// Also messages already sent (kept for the delivery log until pruned).
        #[arg(long)]
        all_states: bool,
    },
    /// Shows everything the spool knows about one message.
    Show {
        /// Queue id.
        id: String,
    },
    /// Makes a queued or failed message due now (an unknown one is checked in the
    /// sending mailbox now; it is never resent blindly).
    Retry {
        /// Queue id.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Every queued, unknown or failed message.
        #[arg(long)]
        all: bool,
    },
    /// Removes a message that is not being sent.
    Delete {
        /// Queue id.
        id: String,
    },
}

/// More rows than this are not listed (the count says how many there are).
const LIST_LIMIT: usize = 10_000;

fn spool_failure(e: SpoolError) -> Failure {
    match e {
        SpoolError::NotFound(_) => Failure::new(NOINPUT, e.to_string()),
        SpoolError::WrongState { .. } => Failure::new(TEMPFAIL, e.to_string()),
        e => Failure::new(TEMPFAIL, e.to_string()),
    }
}

fn parse_id(text: &str) -> Result<QueueId, Failure> {
    QueueId::parse(text).ok_or_else(|| {
        Failure::new(
            USAGE,
            format!("{text:?} is not a queue id (16 hexadecimal digits)"),
        )
    })
}

/// Runs a `queue` subcommand at `now`.
pub async fn run(spool: &Spool, command: QueueCommand, now: DateTime<Utc>) -> CliResult {
    match command {
        QueueCommand::List { all_states } => list(spool, all_states, now).await,
        QueueCommand::Show { id } => {
            let record = spool.get(&parse_id(&id)?).await.map_err(spool_failure)?;
            print!("{}", show(&record, now));
            Ok(())
        }
        QueueCommand::Retry { id: Some(id), .. } => {
            let id = parse_id(&id)?;
            let state = spool.retry_now(&id, now).await.map_err(spool_failure)?;
            println!("{id}: {}", retry_outcome(state));
            Ok(())
        }
        QueueCommand::Retry { id: None, .. } => {
            let records = spool
                .list(&[State::Queued, State::Unknown, State::Failed], LIST_LIMIT)
                .await
                .map_err(spool_failure)?;
            for record in &records {
                match spool.retry_now(&record.id, now).await {
                    Ok(state) => println!("{}: {}", record.id, retry_outcome(state)),
                    // Sent or being sent meanwhile: nothing to retry.
                    Err(SpoolError::WrongState { .. } | SpoolError::NotFound(_)) => {}
                    Err(e) => return Err(spool_failure(e)),
                }
            }
            println!("{} message(s) due now", records.len());
            Ok(())
        }
        QueueCommand::Delete { id } => {
            let id = parse_id(&id)?;
            spool.delete(&id).await.map_err(spool_failure)?;
            println!("{id}: deleted");
            Ok(())
        }
    }
}

fn retry_outcome(state: State) -> &'static str {
    match state {
        State::Unknown => {
            "the sending mailbox is checked now (outcome unknown: never resent unchecked)"
        }
        _ => "due now",
    }
}

/// The table of `queue list`.
pub async fn list(spool: &Spool, all_states: bool, now: DateTime<Utc>) -> CliResult {
    let states: &[State] = if all_states {
        &[]
    } else {
        &[State::Queued, State::Sending, State::Unknown, State::Failed]
    };
    let records = spool
        .list(states, LIST_LIMIT)
        .await
        .map_err(spool_failure)?;
    print!("{}", table(&records, now));
    Ok(())
}

/// `3d4h`, `5m`, `12s`.
fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - since).num_seconds().max(0);
    match secs {
        s if s >= 86_400 => format!("{}d{}h", s / 86_400, s % 86_400 / 3600),
        s if s >= 3600 => format!("{}h{}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn clip(text: &str, width: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= width {
        return one_line;
    }
    let mut out: String = one_line.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The listing: a header row, one row per message, then the count.
pub fn table(records: &[Record], now: DateTime<Utc>) -> String {
    let mut out = format!(
        "{:<16}  {:<7}  {:>6}  {:>3}  {:<30}  {:>4}  {:>9}  {:<30}  {}\n",
        "ID", "STATE", "AGE", "TRY", "FROM", "RCPT", "SIZE", "SUBJECT", "LAST ERROR"
    );
    for r in records {
        let from = if r.envelope.mail_from.is_empty() {
            "<>"
        } else {
            &r.envelope.mail_from
        };
        out += &format!(
            "{:<16}  {:<7}  {:>6}  {:>3}  {:<30}  {:>4}  {:>9}  {:<30}  {}\n",
            r.id,
            r.state,
            age(r.created_at, now),
            r.attempts,
            clip(from, 30),
            r.envelope.rcpt_to.len(),
            r.size,
            clip(r.subject.as_deref().unwrap_or(""), 30),
            clip(r.last_error.as_deref().unwrap_or(""), 80),
        );
    }
    let s = if records.len() == 1 { "" } else { "s" };
    out += &format!("{} message{s}\n", records.len());
    out
}

/// Everything about one message, `key: value` per line.
pub fn show(r: &Record, now: DateTime<Utc>) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    let mut lines = vec![
        ("id", r.id.to_string()),
        ("state", r.state.to_string()),
        ("message-id", r.message_id.clone()),
        ("message-id added", r.message_id_added.to_string()),
        ("mail from", r.envelope.mail_from.clone()),
        ("rcpt to", r.envelope.rcpt_to.join(", ")),
        ("smtp user", opt(&r.envelope.smtp_user)),
        (
            "client",
            r.envelope
                .client_addr
                .map(|a| a.to_string())
                .unwrap_or_else(|| "sendmail".to_string()),
        ),
        ("header from", opt(&r.header_from)),
        ("subject", opt(&r.subject)),
        ("size", r.size.to_string()),
        ("attempts", r.attempts.to_string()),
        (
            "created",
            format!(
                "{} ({} ago)",
                r.created_at.to_rfc3339(),
                age(r.created_at, now)
            ),
        ),
        ("next attempt", r.next_attempt_at.to_rfc3339()),
        (
            "unknown since",
            r.unknown_since
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "-".into()),
        ),
        ("mailbox", opt(&r.mailbox)),
        ("path", opt(&r.path)),
        ("last error", opt(&r.last_error)),
        ("request-id", opt(&r.request_id)),
        ("client-request-id", opt(&r.client_request_id)),
        ("updated", r.updated_at.to_rfc3339()),
    ];
    if let Some(mailbox) = &r.envelope.mailbox {
        lines.insert(7, ("envelope mailbox", mailbox.clone()));
    }
    lines
        .into_iter()
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect()
}
