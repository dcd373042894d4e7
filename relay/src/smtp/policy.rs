//! Who may submit: the network allow-list, whether `AUTH` is needed, and which reverse
//! paths a client may use (rules in [`config::smtp`](crate::config::smtp)).

use crate::config::smtp::{Network, SmtpConfig, SmtpUser};
use std::net::IpAddr;

/// What a new connection may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// In `allowed_networks`: may submit without `AUTH`.
    Trusted,
    /// Elsewhere, with `require_auth`: must authenticate before `MAIL`.
    MustAuthenticate,
    /// Elsewhere, without `require_auth`: refused at connect.
    Refused,
}

/// The access rules of `[smtp]`.
#[derive(Debug, Clone)]
pub struct AccessPolicy {
    allowed_networks: Vec<Network>,
    require_auth: bool,
    allowed_senders: Vec<String>,
}

impl AccessPolicy {
    /// The rules in `config`.
    pub fn new(config: &SmtpConfig) -> AccessPolicy {
        AccessPolicy {
            allowed_networks: config.allowed_networks.clone(),
            require_auth: config.require_auth,
            allowed_senders: config.allowed_senders.clone(),
        }
    }

    /// What a client connecting from `addr` may do.
    pub fn admit(&self, addr: IpAddr) -> Admission {
        if self.allowed_networks.iter().any(|n| n.contains(addr)) {
            Admission::Trusted
        } else if self.require_auth {
            Admission::MustAuthenticate
        } else {
            Admission::Refused
        }
    }

    /// Whether `sender` (the reverse path, empty for `<>`) may be used by `user` (`None`:
    /// a client without `AUTH`, which gets the global list only).
    pub fn sender_allowed(&self, sender: &str, user: Option<&SmtpUser>) -> bool {
        let user_rules = user.map(|u| u.allowed_senders.as_slice()).unwrap_or(&[]);
        user_rules
            .iter()
            .chain(&self.allowed_senders)
            .any(|rule| sender_matches(rule, sender))
    }
}

/// One allowed-senders rule against a reverse path: `*` anyone, `<>` the null sender,
/// `@domain` any address at that domain, else the exact address; case ignored.
pub fn sender_matches(rule: &str, sender: &str) -> bool {
    match rule {
        "*" => true,
        "<>" => sender.is_empty(),
        _ if sender.is_empty() => false,
        _ => match rule.strip_prefix('@') {
            Some(domain) => sender
                .rsplit_once('@')
                .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain)),
            None => rule.eq_ignore_ascii_case(sender),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(sender_matches("@Contoso.com", "adele@contoso.COM"));
        assert!(!sender_matches("@contoso.com", "adele@sub.contoso.com"));
        assert!(!sender_matches("@contoso.com", ""));
        assert!(sender_matches("Adele@contoso.com", "adele@contoso.com"));
        assert!(!sender_matches("adele@contoso.com", "alex@contoso.com"));
        assert!(sender_matches("<>", ""));
        assert!(!sender_matches("<>", "a@b"));
        assert!(sender_matches("*", "anyone@anywhere"));
    }

    #[test]
    fn admission() {
        let mut config = SmtpConfig {
            allowed_networks: vec![
                "10.0.0.0/8".parse().unwrap(),
                "2001:db8::/32".parse().unwrap(),
            ],
            ..SmtpConfig::default()
        };
        let policy = AccessPolicy::new(&config);
        assert_eq!(
            policy.admit("10.1.2.3".parse().unwrap()),
            Admission::Trusted
        );
        assert_eq!(
            policy.admit("::ffff:10.1.2.3".parse().unwrap()),
            Admission::Trusted
        );
        assert_eq!(
            policy.admit("2001:db8::1".parse().unwrap()),
            Admission::Trusted
        );
        assert_eq!(
            policy.admit("192.0.2.1".parse().unwrap()),
            Admission::MustAuthenticate
        );
        config.require_auth = false;
        let policy = AccessPolicy::new(&config);
        assert_eq!(
            policy.admit("192.0.2.1".parse().unwrap()),
            Admission::Refused
        );
    }
}
