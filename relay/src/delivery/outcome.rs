//! What an attempt's error means for the message (issue 17 items 7 and 8), read from how
//! `msgraph-outlook` reports it: [`Error::OutcomeUnknown`] is its "Graph may have acted"
//! (504, timeout, connection dropped after the request was written), a
//! [`TransportErrorKind::Connect`] failure is "nothing was sent", and a Graph error answer
//! carries its status, code and `Retry-After`.

use msgraph_outlook::{Error, TransportErrorKind};
use std::time::Duration;

/// Graph codes that mean Exchange stopped this mailbox from sending (GRAPH-FACTS-2 §6.4):
/// the mailbox is paused, its messages wait (they are not failed at once).
pub const MAILBOX_BLOCKED_CODES: [&str; 4] = [
    "ErrorExceededMessageLimit",
    "ErrorMessageSubmissionBlocked",
    "ErrorQuotaExceeded",
    "ErrorAccountSuspend",
];

/// How an attempt ended, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Graph may have taken it: look for it in the sending mailbox before any resend.
    Unknown,
    /// Graph did not act on it; try again later (after `retry_after` when Graph said).
    Transient {
        /// Graph's `Retry-After`.
        retry_after: Option<Duration>,
        /// A 429 or 503 (counted as throttling).
        throttled: bool,
    },
    /// Exchange blocked the mailbox from sending: pause it, the message waits.
    MailboxBlocked,
    /// It can never succeed: fail now.
    Permanent,
}

/// Sorts a failed attempt.
pub fn classify(error: &Error) -> Verdict {
    if error.is_outcome_unknown() {
        return Verdict::Unknown;
    }
    let blocked = error.graph_error().is_some_and(|e| {
        e.code
            .as_deref()
            .into_iter()
            .chain(e.inner_codes.iter().map(String::as_str))
            .any(|c| MAILBOX_BLOCKED_CODES.contains(&c))
    });
    if blocked {
        return Verdict::MailboxBlocked;
    }
    match error {
        Error::Transport(t) if t.kind == TransportErrorKind::Connect => Verdict::Transient {
            retry_after: None,
            throttled: false,
        },
        // Only idempotent requests (lookups) report other transport errors: nothing to check.
        Error::Transport(_) => Verdict::Transient {
            retry_after: None,
            throttled: false,
        },
        // No token: an operator can fix the sign-in before the message gets too old.
        Error::Auth(_) | Error::Config(_) => Verdict::Transient {
            retry_after: None,
            throttled: false,
        },
        Error::InvalidRequest(_) => Verdict::Permanent,
        _ => match error.status() {
            Some(429 | 503) => Verdict::Transient {
                retry_after: error.retry_after(),
                throttled: true,
            },
            Some(408) => Verdict::Transient {
                retry_after: error.retry_after(),
                throttled: false,
            },
            // Graph may have acted before failing (504 is already OutcomeUnknown).
            Some(s) if s >= 500 => Verdict::Unknown,
            // A 2xx Graph did not document (e.g. 200 for 202): it took the message.
            Some(s) if s < 300 => Verdict::Unknown,
            Some(_) => Verdict::Permanent,
            None => Verdict::Transient {
                retry_after: None,
                throttled: false,
            },
        },
    }
}

/// The error as the spool and the log keep it: Graph's code first (`ErrorSendAsDenied`),
/// then the text.
pub fn describe(error: &Error) -> String {
    match error.graph_error().and_then(|e| e.code.clone()) {
        Some(code) => format!("{code}: {error}"),
        None => error.to_string(),
    }
}

/// The delay before retry number `attempts` (1 for the first retry): Graph's
/// `Retry-After` when given, else `initial` doubled per attempt up to `max`.
pub fn backoff(
    attempts: u32,
    retry_after: Option<Duration>,
    initial: Duration,
    max: Duration,
) -> Duration {
    if let Some(wait) = retry_after {
        return wait;
    }
    let exponent = attempts.saturating_sub(1).min(20);
    initial.saturating_mul(1 << exponent).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use msgraph_outlook::GraphError;

    fn graph(status: u16, code: &str) -> Error {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
        Error::Graph(Box::new(GraphError::from_body(status, body.as_bytes())))
    }

    #[test]
    fn graph_answers_are_sorted_by_what_they_mean_for_the_message() {
        assert_eq!(
            classify(&graph(400, "ErrorInvalidRecipients")),
            Verdict::Permanent
        );
        assert_eq!(
            classify(&graph(404, "ErrorInvalidUser")),
            Verdict::Permanent
        );
        for code in MAILBOX_BLOCKED_CODES {
            assert_eq!(
                classify(&graph(403, code)),
                Verdict::MailboxBlocked,
                "{code}"
            );
        }
        assert_eq!(
            classify(&graph(429, "TooManyRequests")),
            Verdict::Transient {
                retry_after: None,
                throttled: true
            }
        );
        assert_eq!(
            classify(&graph(408, "RequestTimeout")),
            Verdict::Transient {
                retry_after: None,
                throttled: false
            }
        );
        // Graph may have acted before a server error.
        assert_eq!(
            classify(&graph(500, "InternalServerError")),
            Verdict::Unknown
        );
        assert_eq!(classify(&graph(502, "BadGateway")), Verdict::Unknown);
        assert_eq!(
            describe(&graph(403, "ErrorSendAsDenied")),
            "ErrorSendAsDenied: Graph returned 403 ErrorSendAsDenied: m"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_retry_after_wins() {
        let (i, m) = (Duration::from_secs(60), Duration::from_secs(3600));
        assert_eq!(backoff(1, None, i, m), Duration::from_secs(60));
        assert_eq!(backoff(3, None, i, m), Duration::from_secs(240));
        assert_eq!(backoff(30, None, i, m), Duration::from_secs(3600));
        assert_eq!(
            backoff(3, Some(Duration::from_secs(7)), i, m),
            Duration::from_secs(7)
        );
    }
}
