//! Secrets in the configuration: given inline, in a file (`*_file`) or in an environment
//! variable (`*_env`), and never shown by `Debug`.

use super::problem::Problem;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A secret string. `Debug` prints `<redacted>`; the value is only reachable through
/// [`expose`](Self::expose).
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The three places one secret may come from: `key`, `key_file`, `key_env`.
#[derive(Debug, Clone, Copy)]
pub struct SecretSource<'a> {
    /// The TOML key of the inline value (`graph.client_secret`); the others are this plus
    /// `_file` and `_env`.
    pub key: &'a str,
    /// The inline value.
    pub value: Option<&'a SecretString>,
    /// A file holding it (a trailing newline is dropped).
    pub file: Option<&'a Path>,
    /// An environment variable holding it.
    pub env: Option<&'a str>,
}

impl SecretSource<'_> {
    /// Whether any of the three is set.
    pub fn is_set(&self) -> bool {
        self.value.is_some() || self.file.is_some() || self.env.is_some()
    }

    /// The secret, read from wherever it was given; `Ok(None)` when none of the three is
    /// set. Exactly one may be set.
    pub fn resolve(&self) -> Result<Option<SecretString>, Problem> {
        let set = [
            self.value.is_some(),
            self.file.is_some(),
            self.env.is_some(),
        ];
        if set.iter().filter(|s| **s).count() > 1 {
            return Err(Problem::new(
                self.key,
                format!(
                    "set only one of {0}, {0}_file and {0}_env",
                    self.key.rsplit('.').next().unwrap_or(self.key)
                ),
            ));
        }
        if let Some(value) = self.value {
            if value.expose().trim().is_empty() {
                return Err(Problem::new(self.key, "is empty"));
            }
            return Ok(Some(value.clone()));
        }
        if let Some(path) = self.file {
            let key = format!("{}_file", self.key);
            let text = std::fs::read_to_string(path)
                .map_err(|e| Problem::new(&key, format!("cannot read {}: {e}", path.display())))?;
            let text = text.trim_end_matches(['\r', '\n']);
            if text.trim().is_empty() {
                return Err(Problem::new(key, format!("{} is empty", path.display())));
            }
            return Ok(Some(SecretString::new(text)));
        }
        if let Some(name) = self.env {
            let key = format!("{}_env", self.key);
            return match std::env::var(name) {
                Ok(value) if !value.trim().is_empty() => Ok(Some(SecretString::new(value))),
                Ok(_) => Err(Problem::new(
                    key,
                    format!("environment variable {name} is empty"),
                )),
                Err(_) => Err(Problem::new(
                    key,
                    format!("environment variable {name} is not set"),
                )),
            };
        }
        Ok(None)
    }

    /// Like [`resolve`](Self::resolve), but a missing secret is a problem too.
    pub fn require(&self, why: &str) -> Result<SecretString, Problem> {
        self.resolve()?.ok_or_else(|| {
            Problem::new(
                self.key,
                format!(
                    "missing (set {0}, {0}_file or {0}_env): {why}",
                    self.key.rsplit('.').next().unwrap_or(self.key)
                ),
            )
        })
    }
}

/// A path given in the configuration, read whole (certificates, keys): the problem names
/// the key and the path.
pub fn read_file(key: &str, path: &PathBuf) -> Result<Vec<u8>, Problem> {
    std::fs::read(path)
        .map_err(|e| Problem::new(key, format!("cannot read {}: {e}", path.display())))
}
