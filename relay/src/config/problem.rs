//! What `check-config` reports: one problem per line, each with the TOML key it is about.

use std::fmt;

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The TOML key, dotted (`graph.client_secret_file`, `smtp.users[0].password_hash`).
    pub key: String,
    /// What is wrong, never quoting a secret.
    pub message: String,
}

impl Problem {
    /// A problem with `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// A configuration section that can say what is wrong with it. Each section's owner
/// implements it next to the section; `Config::problems` asks every section.
pub trait Validate {
    /// Appends every problem of this section (keys prefixed with `section`).
    fn validate(&self, section: &str, problems: &mut Vec<Problem>);
}
