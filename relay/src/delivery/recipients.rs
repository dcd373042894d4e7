//! Who a message is sent from and to whom (issue 17 item 5).
//!
//! - The **sending mailbox**: the one the submission fixed (`envelope.mailbox`, an SMTP
//!   user's), else `[delivery] mailbox`, else the envelope sender's own, else `From`'s.
//! - The **recipients are the envelope's** (`RCPT TO`): someone named in `To`/`Cc` who is
//!   in the envelope keeps their place there; everyone else in the envelope receives the
//!   message as `Bcc`. Someone named in the headers but **not** in the envelope does not
//!   receive it and is left out of the recipients Graph sees (on the draft path their name
//!   disappears from `To`/`Cc`; see `relay/README.md`).

use crate::config::DeliveryConfig;
use crate::envelope::Envelope;
use crate::spool::Record;

/// One recipient: an address and, when the headers gave one, a display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    /// The address.
    pub address: String,
    /// The display name from the header, if any.
    pub name: Option<String>,
}

/// The recipients Graph is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipients {
    /// `To` names that are envelope recipients.
    pub to: Vec<Addressee>,
    /// `Cc` names that are envelope recipients.
    pub cc: Vec<Addressee>,
    /// Envelope recipients named in neither `To` nor `Cc`.
    pub bcc: Vec<Addressee>,
    /// Header recipients (`To`, `Cc`, `Bcc`) not in the envelope: they do not receive it.
    pub dropped: Vec<String>,
    /// Some of `dropped` are in `To`/`Cc`: the recipients must be given explicitly (the
    /// MIME path would deliver to them); a `Bcc` header is simply removed.
    pub dropped_visible: bool,
}

impl Recipients {
    /// Splits the envelope recipients `rcpt_to` by the header lists. Addresses compare
    /// case-insensitively; each envelope recipient appears once.
    pub fn split(
        rcpt_to: &[String],
        header_to: &[Addressee],
        header_cc: &[Addressee],
        header_bcc: &[Addressee],
    ) -> Recipients {
        let in_envelope = |a: &str| rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(a));
        let mut placed: Vec<String> = Vec::new();
        let mut take = |list: &[Addressee], dropped: &mut Vec<String>| {
            let mut kept = Vec::new();
            for a in list {
                let key = a.address.to_ascii_lowercase();
                if !in_envelope(&a.address) {
                    if !dropped.contains(&key) {
                        dropped.push(key);
                    }
                } else if !placed.contains(&key) {
                    placed.push(key);
                    kept.push(a.clone());
                }
            }
            kept
        };
        let mut dropped = Vec::new();
        let to = take(header_to, &mut dropped);
        let cc = take(header_cc, &mut dropped);
        let dropped_visible = !dropped.is_empty();
        for a in header_bcc {
            let key = a.address.to_ascii_lowercase();
            if !in_envelope(&a.address) && !dropped.contains(&key) {
                dropped.push(key);
            }
        }
        let mut bcc: Vec<Addressee> = Vec::new();
        for r in rcpt_to {
            let key = r.to_ascii_lowercase();
            if !placed.contains(&key) {
                placed.push(key);
                // A Bcc header's display name is kept when it names an envelope recipient.
                let name = header_bcc
                    .iter()
                    .find(|a| a.address.eq_ignore_ascii_case(r))
                    .and_then(|a| a.name.clone());
                bcc.push(Addressee {
                    address: r.clone(),
                    name,
                });
            }
        }
        Recipients {
            to,
            cc,
            bcc,
            dropped,
            dropped_visible,
        }
    }
}

/// The mailbox `record` is sent from (see the module docs); `None` when nothing names
/// one (a null sender without `From` and no configured mailbox).
pub fn sending_mailbox(record: &Record, config: &DeliveryConfig) -> Option<String> {
    mailbox_for(&record.envelope, record.header_from.as_deref(), config)
}

/// The sending mailbox for `envelope` (and the `From` address once the header is known).
pub fn mailbox_for(
    envelope: &Envelope,
    header_from: Option<&str>,
    config: &DeliveryConfig,
) -> Option<String> {
    [
        envelope.mailbox.as_deref(),
        config.mailbox.as_deref(),
        Some(envelope.mail_from.as_str()),
        header_from,
    ]
    .into_iter()
    .flatten()
    .find(|m| !m.trim().is_empty())
    .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(address: &str) -> Addressee {
        Addressee {
            address: address.into(),
            name: None,
        }
    }

    #[test]
    fn envelope_only_recipients_become_bcc_and_header_only_ones_are_dropped() {
        let rcpt = vec![
            "alex@contoso.com".to_string(),
            "MEGAN@contoso.com".to_string(),
            "hidden@contoso.com".to_string(),
        ];
        let split = Recipients::split(
            &rcpt,
            &[a("Alex@contoso.com"), a("outsider@contoso.com")],
            &[a("megan@contoso.com"), a("alex@contoso.com")],
            &[a("other@contoso.com")],
        );
        assert_eq!(split.to, vec![a("Alex@contoso.com")]);
        assert_eq!(split.cc, vec![a("megan@contoso.com")]);
        assert_eq!(split.bcc, vec![a("hidden@contoso.com")]);
        assert_eq!(
            split.dropped,
            vec![
                "outsider@contoso.com".to_string(),
                "other@contoso.com".to_string()
            ]
        );
    }
}
