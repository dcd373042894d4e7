//! `[sendmail]`: the `sendmail` command line.

use serde::Deserialize;

/// `[sendmail]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SendmailConfig {
    /// `default_sender`: the envelope sender (and From, when the message has none) when
    /// neither `-f`/`-r` nor a From header gives one. Without it: the user's login name
    /// `@` the host name.
    pub default_sender: Option<String>,
    /// `mailbox`: send everything `sendmail` queues from this mailbox (as `from`/`sender`
    /// per delivery's rules) instead of the sender's own.
    pub mailbox: Option<String>,
    /// `max_message_size`: the largest message accepted on stdin, in bytes (default 35 MB,
    /// Exchange Online's default maximum send size).
    pub max_message_size: u64,
}

impl Default for SendmailConfig {
    fn default() -> Self {
        SendmailConfig {
            default_sender: None,
            mailbox: None,
            max_message_size: 35 * 1024 * 1024,
        }
    }
}

impl super::problem::Validate for SendmailConfig {
    fn validate(&self, section: &str, problems: &mut Vec<super::problem::Problem>) {
        for (key, value) in [
            ("default_sender", &self.default_sender),
            ("mailbox", &self.mailbox),
        ] {
            if let Some(address) = value {
                let ok = address
                    .rsplit_once('@')
                    .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
                    && !address.contains(|c: char| c.is_whitespace() || "<>,;".contains(c));
                if !ok {
                    problems.push(super::problem::Problem::new(
                        format!("{section}.{key}"),
                        format!("{address:?} is not an email address"),
                    ));
                }
            }
        }
        if self.max_message_size == 0 {
            problems.push(super::problem::Problem::new(
                format!("{section}.max_message_size"),
                "is 0",
            ));
        }
    }
}
