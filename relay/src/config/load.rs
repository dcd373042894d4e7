//! Reading the configuration file and checking it whole (`check-config`).

use super::problem::{Problem, Validate};
use super::Config;
use std::path::{Path, PathBuf};

/// Where the configuration is read from when neither `--config` nor
/// `MSGRAPH_RELAY_CONFIG` says.
pub const DEFAULT_PATH: &str = "/etc/msgraph-relay/relay.toml";

/// Why the configuration could not be read at all.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the configuration's shape.
    Parse {
        /// The file.
        path: PathBuf,
        /// Its line (1-based), when known.
        line: Option<usize>,
        /// What is wrong, with its key.
        problem: Problem,
    },
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Read { path, error } => {
                write!(
                    f,
                    "cannot read the configuration {}: {error}",
                    path.display()
                )
            }
            LoadError::Parse {
                path,
                line: Some(line),
                problem,
            } => write!(f, "{}:{line}: {problem}", path.display()),
            LoadError::Parse { path, problem, .. } => write!(f, "{}: {problem}", path.display()),
        }
    }
}

impl std::error::Error for LoadError {}

impl Config {
    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Config, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|error| LoadError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Config::parse(&text).map_err(|(line, problem)| LoadError::Parse {
            path: path.to_path_buf(),
            line,
            problem,
        })
    }

    /// Parses configuration text; a failure names the key and the line.
    pub fn parse(text: &str) -> Result<Config, (Option<usize>, Problem)> {
        let line_of = |span: Option<std::ops::Range<usize>>| {
            span.map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
        };
        let deserializer = toml::Deserializer::parse(text).map_err(|e| {
            (
                line_of(e.span()),
                Problem::new("(file)", e.message().trim().to_string()),
            )
        })?;
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let key = match e.path().to_string() {
                path if path == "." => "(file)".to_string(),
                path => path,
            };
            let inner = e.into_inner();
            (
                line_of(inner.span()),
                Problem::new(key, inner.message().trim().to_string()),
            )
        })
    }

    /// Everything wrong with this configuration, one problem per key (empty when it is
    /// usable): files that cannot be read, secrets that cannot be resolved, PEM that does
    /// not parse, and each section's own checks.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        self.graph.validate("graph", &mut problems);
        self.spool.validate("spool", &mut problems);
        self.log.validate("log", &mut problems);
        self.sendmail.validate("sendmail", &mut problems);
        self.smtp.validate("smtp", &mut problems);
        self.delivery.validate("delivery", &mut problems);
        problems
    }
}

impl Validate for super::SpoolConfig {
    fn validate(&self, section: &str, problems: &mut Vec<Problem>) {
        if self.dir.as_os_str().is_empty() {
            problems.push(Problem::new(format!("{section}.dir"), "is empty"));
        } else if let Some(file) = self.dir.ancestors().find(|p| p.is_file()) {
            problems.push(Problem::new(
                format!("{section}.dir"),
                format!("{} is a file, not a directory", file.display()),
            ));
        }
        if self.hostname.trim().is_empty() || self.hostname.contains(['<', '>', '@', ' ']) {
            problems.push(Problem::new(
                format!("{section}.hostname"),
                "must be a host name (the right-hand side of added Message-IDs)",
            ));
        }
        match self.database_source().resolve() {
            Err(problem) => problems.push(problem),
            Ok(Some(url)) => {
                let url = url.expose();
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    problems.push(Problem::new(
                        format!("{section}.database"),
                        "must be a postgres:// URL",
                    ));
                } else if let Err(e) = super::database::parse_url(url) {
                    // The parser's message never repeats the password.
                    problems.push(Problem::new(format!("{section}.database"), e));
                }
            }
            Ok(None) => {}
        }
        if let Some(path) = &self.database_ca_file {
            if let Err(problem) =
                super::secret::read_file(&format!("{section}.database_ca_file"), path)
            {
                problems.push(problem);
            }
        }
    }
}

/// `[smtp]` reports its problems as sentences that start with their key (`smtp.users: …`);
/// the TLS files are read and parsed here, as `serve` would.
impl Validate for super::SmtpConfig {
    fn validate(&self, section: &str, problems: &mut Vec<Problem>) {
        for sentence in self.problems() {
            problems.push(match sentence.split_once(": ") {
                Some((key, message)) if key.starts_with(section) => Problem::new(key, message),
                _ => Problem::new(section, sentence),
            });
        }
        if let Some(path) = &self.tls_cert {
            let key = format!("{section}.tls_cert");
            match std::fs::read(path) {
                Err(e) => problems.push(Problem::new(
                    key,
                    format!("cannot read {}: {e}", path.display()),
                )),
                Ok(pem) => {
                    let certs = rustls_pemfile::certs(&mut &pem[..]).collect::<Result<Vec<_>, _>>();
                    if !matches!(certs, Ok(certs) if !certs.is_empty()) {
                        problems.push(Problem::new(
                            key,
                            format!("{} holds no PEM certificate", path.display()),
                        ));
                    }
                }
            }
        }
        if let Some(path) = &self.tls_key {
            let key = format!("{section}.tls_key");
            match std::fs::read(path) {
                Err(e) => problems.push(Problem::new(
                    key,
                    format!("cannot read {}: {e}", path.display()),
                )),
                // The key itself is never quoted.
                Ok(pem) => {
                    if !matches!(rustls_pemfile::private_key(&mut &pem[..]), Ok(Some(_))) {
                        problems.push(Problem::new(
                            key,
                            format!("{} holds no PEM private key", path.display()),
                        ));
                    }
                }
            }
        }
    }
}

// Besides these, `[delivery]`'s checks are the types' own (parse errors name the key).

impl Validate for super::DeliveryConfig {
    fn validate(&self, section: &str, problems: &mut Vec<Problem>) {
        // A claim must outlive the time from claim to attempt; 0 would let no attempt start.
        if self.lease < std::time::Duration::from_secs(1) {
            problems.push(Problem::new(
                format!("{section}.lease"),
                "must be at least 1 (seconds)",
            ));
        }
    }
}
