//! `[smtp]`: the SMTP listener and who may submit (used by the [`smtp`](crate::smtp)
//! module).
//!
//! ```toml
//! [smtp]
//! listen = ["0.0.0.0:587"]          # plain + STARTTLS (submission, RFC 6409)
//! listen_tls = ["0.0.0.0:465"]      # implicit TLS (RFC 8314)
//! hostname = "relay.contoso.com"
//! tls_cert = "/etc/msgraph-relay/cert.pem"
//! tls_key = "/etc/msgraph-relay/key.pem"
//! allowed_networks = ["10.1.2.0/24"] # may submit without AUTH (printers, scanners)
//! allowed_senders = ["scanner@contoso.com"]
//!
//! [[smtp.users]]
//! name = "app1"
//! password_hash = "$argon2id$v=19$m=19456,t=2,p=1$…"   # msgraph-relay hash-password
//! allowed_senders = ["@contoso.com"]
//! mailbox = "noreply@contoso.com"
//! ```
//!
//! Who may submit:
//! - a client in `allowed_networks` may submit without `AUTH` (it may still authenticate);
//! - any other client must authenticate (`530 5.7.0` at `MAIL FROM` otherwise) when
//!   `require_auth = true` (the default); with `require_auth = false` it is refused at
//!   connect (`554 5.7.1`), so `allowed_networks` becomes a pure IP allow-list. An empty
//!   `allowed_networks` with `require_auth = false` would be an open relay and is refused.
//! - The reverse path (`MAIL FROM`) must match the authenticated user's `allowed_senders`
//!   or the global `allowed_senders` (clients without `AUTH`: the global list only).
//!   Entries are exact addresses, `@domain` for a whole domain, `<>` for the null sender
//!   and `*` for anyone; matching ignores case. Nothing matches an empty list.
//!
//! Password hashes are argon2 PHC strings (`msgraph-relay hash-password`). They are not
//! secrets in the sense of a client secret (a hash cannot be replayed as a password), so
//! they live in the file itself; still keep the file readable by the relay only, since a
//! leaked hash allows offline guessing of weak passwords.

use ipnet::IpNet;
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// The longest duration any `*_secs` setting may have: one year.
pub const MAX_SECS: u64 = 365 * 24 * 3600;

/// `[smtp]`. Every field has a documented default; see the [module docs](self).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// Plain listeners offering `STARTTLS` (when a certificate is configured). Default
    /// `["127.0.0.1:2525"]`: loopback, so a fresh install is never reachable from the
    /// network, and an unprivileged port, so it runs without `CAP_NET_BIND_SERVICE`.
    /// Devices on the network need `0.0.0.0:587` (the submission port, RFC 6409).
    pub listen: Vec<SocketAddr>,
    /// Implicit-TLS listeners (RFC 8314, usually port 465). Default none. Needs
    /// `tls_cert` and `tls_key`.
    pub listen_tls: Vec<SocketAddr>,
    /// The name in the greeting and the `EHLO` answer. Default
    /// `msgraph-relay.localdomain`.
    pub hostname: String,
    /// PEM file with the certificate chain for `STARTTLS` and `listen_tls`.
    pub tls_cert: Option<PathBuf>,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub tls_key: Option<PathBuf>,
    /// Allow `AUTH` on a connection without TLS (default `false`: `538 5.7.11`). Only for
    /// devices that cannot do TLS, on a trusted network.
    pub allow_auth_without_tls: bool,
    /// The largest message accepted, in bytes (advertised as `SIZE`); the sending
    /// mailbox's own maximum may lower it per message. Default 36,700,160 (35 MB,
    /// Exchange Online's default maximum send size, GRAPH-FACTS §6.3, read as MiB
    /// \[unconfirmed\]).
    pub max_message_size: u64,
    /// Recipients per message, at most 500 (Graph's limit); the next `RCPT TO` gets
    /// `452 4.5.3`. Default 500.
    pub max_recipients: usize,
    /// Networks (CIDR, or a single address) whose clients may submit without `AUTH`.
    /// Default none.
    pub allowed_networks: Vec<Network>,
    /// Whether clients outside `allowed_networks` may connect and authenticate (`true`,
    /// the default) or are refused at connect (`false`).
    pub require_auth: bool,
    /// Senders anyone allowed to submit may use (see the module docs). Default none.
    pub allowed_senders: Vec<String>,
    /// SMTP users (`[[smtp.users]]`).
    pub users: Vec<SmtpUser>,
    /// Concurrent connections over all listeners; beyond, `421 4.3.2`. Default 100.
    pub max_connections: usize,
    /// New connections per minute from one address; beyond, `421 4.7.0`. `0` means no
    /// limit. Default 60.
    pub connections_per_minute: u32,
    /// Failed `AUTH` attempts from one address (within `auth_failure_window_secs`) after
    /// which each further failure is answered only after `auth_failure_delay_secs`.
    /// Default 3.
    pub auth_failures_before_delay: u32,
    /// The delay of a failed `AUTH` answer once `auth_failures_before_delay` is reached.
    /// Default 2 s.
    pub auth_failure_delay_secs: u64,
    /// Failed `AUTH` attempts from one address (within the window) after which the
    /// address is refused (`421 4.7.0`) for `auth_lockout_secs`. Default 10.
    pub auth_failures_before_lockout: u32,
    /// How long a failed `AUTH` attempt counts. Default 900 s.
    pub auth_failure_window_secs: u64,
    /// How long an address is refused after too many failures. Default 900 s.
    pub auth_lockout_secs: u64,
    /// Time to wait for each command or each piece of `DATA` (RFC 5321 §4.5.3.2.7:
    /// 5 minutes); then `421 4.4.2` and the connection is closed. Default 300 s.
    pub command_timeout_secs: u64,
    /// The longest a connection may last, whatever it does. Default 1,800 s.
    pub connection_timeout_secs: u64,
    /// On shutdown, how long a session may take to finish the transaction it is in
    /// before it is closed with `421`. Default 30 s.
    pub shutdown_grace_secs: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            listen: vec![SocketAddr::from(([127, 0, 0, 1], 2525))],
            listen_tls: Vec::new(),
            hostname: "msgraph-relay.localdomain".to_string(),
            tls_cert: None,
            tls_key: None,
            allow_auth_without_tls: false,
            max_message_size: 35 * 1024 * 1024,
            max_recipients: crate::envelope::MAX_RECIPIENTS,
            allowed_networks: Vec::new(),
            require_auth: true,
            allowed_senders: Vec::new(),
            users: Vec::new(),
            max_connections: 100,
            connections_per_minute: 60,
            auth_failures_before_delay: 3,
            auth_failure_delay_secs: 2,
            auth_failures_before_lockout: 10,
            auth_failure_window_secs: 900,
            auth_lockout_secs: 900,
            command_timeout_secs: 300,
            connection_timeout_secs: 1800,
            shutdown_grace_secs: 30,
        }
    }
}

/// `[[smtp.users]]`: one SMTP user.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpUser {
    /// The user name given in `AUTH`.
    pub name: String,
    /// The argon2 PHC string of the password (`msgraph-relay hash-password`).
    pub password_hash: String,
    /// Senders this user may use besides the global `allowed_senders`.
    #[serde(default)]
    pub allowed_senders: Vec<String>,
    /// The mailbox this user's mail is sent from (as/on behalf of the sender), instead of
    /// the sender's own.
    #[serde(default)]
    pub mailbox: Option<String>,
}

impl fmt::Debug for SmtpUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The hash stays out of logs all the same: it allows offline guessing.
        f.debug_struct("SmtpUser")
            .field("name", &self.name)
            .field("password_hash", &"<argon2 hash>")
            .field("allowed_senders", &self.allowed_senders)
            .field("mailbox", &self.mailbox)
            .finish()
    }
}

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), or a single
/// address (`192.0.2.7`, meaning `/32` or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network(pub IpNet);

impl Network {
    /// Whether `addr` is in this network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = match addr {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(addr),
            v4 => v4,
        };
        self.0.contains(&addr)
    }
}

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<IpNet>()
            .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
            .map(Network)
            .map_err(|_| format!("{s:?} is neither a CIDR network nor an IP address"))
    }
}

impl<'de> Deserialize<'de> for Network {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl SmtpConfig {
    /// Everything wrong with this section, one sentence each (empty when it is usable).
    /// `check-config` prints them; [`SmtpServer::bind`](crate::smtp::SmtpServer::bind)
    /// refuses to start with any.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.listen.is_empty() && self.listen_tls.is_empty() {
            problems.push("smtp: neither `listen` nor `listen_tls` names an address".into());
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => problems.push("smtp: `tls_cert` is set but `tls_key` is not".into()),
            (None, Some(_)) => problems.push("smtp: `tls_key` is set but `tls_cert` is not".into()),
            (None, None) if !self.listen_tls.is_empty() => {
                problems.push("smtp: `listen_tls` needs `tls_cert` and `tls_key`".into())
            }
            _ => {}
        }
        if self.max_recipients == 0 || self.max_recipients > crate::envelope::MAX_RECIPIENTS {
            problems.push(format!(
                "smtp: `max_recipients` is {}; it must be 1 to {} (Graph's limit)",
                self.max_recipients,
                crate::envelope::MAX_RECIPIENTS
            ));
        }
        if self.max_message_size == 0 {
            problems.push("smtp: `max_message_size` is 0".into());
        }
        if self.max_connections == 0 {
            problems.push("smtp: `max_connections` is 0".into());
        }
        if self.command_timeout_secs == 0 || self.connection_timeout_secs == 0 {
            problems.push("smtp: timeouts must be at least 1 second".into());
        }
        // Bounded so that deadlines computed from them never overflow.
        for (name, secs) in [
            ("command_timeout_secs", self.command_timeout_secs),
            ("connection_timeout_secs", self.connection_timeout_secs),
            ("shutdown_grace_secs", self.shutdown_grace_secs),
            ("auth_failure_delay_secs", self.auth_failure_delay_secs),
            ("auth_failure_window_secs", self.auth_failure_window_secs),
            ("auth_lockout_secs", self.auth_lockout_secs),
        ] {
            if secs > MAX_SECS {
                problems.push(format!(
                    "smtp: `{name}` is {secs}; at most {MAX_SECS} (one year)"
                ));
            }
        }
        if !self.require_auth && self.allowed_networks.is_empty() {
            problems.push(
                "smtp: `require_auth = false` refuses every client outside `allowed_networks`, \
                 which is empty, so nobody could submit: name the networks allowed or set \
                 `require_auth = true`"
                    .into(),
            );
        }
        for sender in &self.allowed_senders {
            if let Err(e) = check_sender_rule(sender) {
                problems.push(format!("smtp.allowed_senders: {e}"));
            }
        }
        let mut names = std::collections::HashSet::new();
        for user in &self.users {
            if user.name.is_empty() {
                problems.push("smtp.users: a user has an empty `name`".into());
            }
            if !names.insert(user.name.as_str()) {
                problems.push(format!("smtp.users: user {:?} appears twice", user.name));
            }
            let hash = argon2::PasswordHash::new(&user.password_hash)
                .map_err(|e| e.to_string())
                .and_then(|hash| match hash.algorithm.as_str() {
                    "argon2id" | "argon2i" | "argon2d" => Ok(()),
                    other => Err(format!("algorithm {other}")),
                });
            if let Err(e) = hash {
                problems.push(format!(
                    "smtp.users: user {:?}: `password_hash` is not an argon2 PHC string ({e}); \
                     make one with `msgraph-relay hash-password`",
                    user.name
                ));
            }
            for sender in &user.allowed_senders {
                if let Err(e) = check_sender_rule(sender) {
                    problems.push(format!(
                        "smtp.users: user {:?}: allowed_senders: {e}",
                        user.name
                    ));
                }
            }
        }
        problems
    }
}

fn check_sender_rule(rule: &str) -> Result<(), String> {
    let ok = match rule {
        "*" | "<>" => true,
        _ => match rule.strip_prefix('@') {
            Some(domain) => !domain.is_empty() && !domain.contains('@'),
            None => rule.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && !domain.is_empty() && !domain.contains('@')
            }),
        },
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{rule:?} is not an address, `@domain`, `<>` or `*`"
        ))
    }
}
