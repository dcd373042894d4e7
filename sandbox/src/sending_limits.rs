//! Exchange Online's per-mailbox sending limits (GRAPH-FACTS §8.3, GRAPH-FACTS-2 §6.4) and
//! its maximum message size, as bookkeeping only: what a submission may do now. The
//! Outbox and the non-delivery report live in [`crate::outbox`].

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

/// Exchange Online's default maximum message size, 35 MB, in bytes as MailTips
/// `maxMessageSize` reports it. 35 × 1024 × 1024 is \[unconfirmed\]: no Microsoft page
/// gives the byte value ("Exchange Online limits" says 35 MB; GRAPH-FACTS §8.3).
pub(crate) const DEFAULT_MAX_MESSAGE_SIZE: u64 = 35 * 1024 * 1024;

/// Opt-in sending limits applied to every mailbox, each on its own (off by default:
/// `SendingLimits::default()`). Set with
/// [`Sandbox::set_sending_limits`](crate::Sandbox::set_sending_limits).
///
/// * `messages_per_minute`: at most this many messages leave one mailbox in any rolling
///   minute of the sandbox clock. Further sends are still accepted (`202`) but wait in
///   the sender's Outbox and go out later at that rate, as Exchange does with API
///   submissions ("accepted, queued, delivery throttled"; 30 a minute in Exchange
///   Online).
/// * `recipients_per_day`: at most this many recipients (to + cc + bcc) in a rolling 24
///   hours per mailbox (10,000 in Exchange Online). A message that would exceed it is
///   accepted (`202`) and saved to Sent Items but not delivered; the sender gets a
///   non-delivery report `550 5.1.90` in its Inbox. What Graph itself answers then is
///   \[unconfirmed\] (Microsoft documents the NDR only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendingLimits {
    /// Messages per rolling minute per mailbox; `None`: no limit.
    pub messages_per_minute: Option<u32>,
    /// Recipients per rolling 24 hours per mailbox; `None`: no limit.
    pub recipients_per_day: Option<u32>,
}

/// What a submission may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Release {
    /// Deliver at once.
    Now,
    /// Wait in the Outbox until then.
    At(DateTime<Utc>),
    /// Over the daily recipient limit: not delivered, a non-delivery report instead.
    OverDailyRecipients,
}

/// One mailbox's sending history, as far as the limits look back.
#[derive(Debug, Default)]
struct SendLog {
    /// When each message left or will leave the Outbox, oldest first; only those that
    /// still count for the rolling minute.
    releases: VecDeque<DateTime<Utc>>,
    /// (submission time, recipients) of the messages of the last 24 hours.
    recipients: VecDeque<(DateTime<Utc>, u64)>,
    /// The most messages the Outbox held at once.
    max_outbox: usize,
}

/// Limits and their bookkeeping, part of the store.
#[derive(Debug, Default)]
pub(crate) struct LimitsState {
    pub limits: SendingLimits,
    /// By user object id.
    logs: HashMap<String, SendLog>,
    /// `Sandbox::set_max_message_size`, by user object id.
    max_message_size: HashMap<String, u64>,
}

impl LimitsState {
    /// Decides when a message of `recipients` recipients submitted at `now` from mailbox
    /// `user_id` may leave, and records it.
    pub(crate) fn release(
        &mut self,
        user_id: &str,
        now: DateTime<Utc>,
        recipients: u64,
    ) -> Release {
        let limits = self.limits;
        let log = self.logs.entry(user_id.to_string()).or_default();
        if let Some(per_day) = limits.recipients_per_day {
            let day_ago = now - Duration::hours(24);
            while log.recipients.front().is_some_and(|(t, _)| *t <= day_ago) {
                log.recipients.pop_front();
            }
            let used: u64 = log.recipients.iter().map(|(_, n)| n).sum();
            if used + recipients > u64::from(per_day) {
                return Release::OverDailyRecipients;
            }
            log.recipients.push_back((now, recipients));
        }
        let Some(per_minute) = limits.messages_per_minute.map(|n| n.max(1) as usize) else {
            return Release::Now;
        };
        let minute = Duration::minutes(1);
        while log.releases.front().is_some_and(|t| *t <= now - minute) {
            log.releases.pop_front();
        }
        // The earliest time at which the rolling minute ending there holds fewer than
        // `per_minute` releases, never before a message already waiting (first in,
        // first out).
        let last = log.releases.back().copied().unwrap_or(now);
        let due = if log.releases.len() < per_minute {
            now.max(last)
        } else {
            (log.releases[log.releases.len() - per_minute] + minute).max(last)
        };
        log.releases.push_back(due);
        if due <= now {
            Release::Now
        } else {
            Release::At(due)
        }
    }

    /// Notes that mailbox `user_id`'s Outbox now holds `len` messages.
    pub(crate) fn note_outbox_len(&mut self, user_id: &str, len: usize) {
        let log = self.logs.entry(user_id.to_string()).or_default();
        log.max_outbox = log.max_outbox.max(len);
    }

    /// The most messages mailbox `user_id`'s Outbox held at once.
    pub(crate) fn max_outbox_len(&self, user_id: &str) -> usize {
        self.logs.get(user_id).map_or(0, |l| l.max_outbox)
    }

    /// The maximum message size of mailbox `user_id`, in bytes.
    pub(crate) fn max_message_size(&self, user_id: &str) -> u64 {
        self.max_message_size
            .get(user_id)
            .copied()
            .unwrap_or(DEFAULT_MAX_MESSAGE_SIZE)
    }

    /// Sets the maximum message size of mailbox `user_id`.
    pub(crate) fn set_max_message_size(&mut self, user_id: &str, bytes: u64) {
        self.max_message_size.insert(user_id.to_string(), bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap() + Duration::seconds(secs)
    }

    #[test]
    fn rolling_minute_paces_first_in_first_out() {
        let mut s = LimitsState {
            limits: SendingLimits {
                messages_per_minute: Some(2),
                recipients_per_day: None,
            },
            ..LimitsState::default()
        };
        let got: Vec<Release> = (0..5).map(|_| s.release("u", t(0), 1)).collect();
        assert_eq!(
            got,
            [
                Release::Now,
                Release::Now,
                Release::At(t(60)),
                Release::At(t(60)),
                Release::At(t(120)),
            ]
        );
        // Another mailbox is not held back.
        assert_eq!(s.release("v", t(0), 1), Release::Now);
        // Later submissions queue behind the waiting ones.
        assert_eq!(s.release("u", t(90), 1), Release::At(t(120)));
        assert_eq!(s.release("u", t(500), 1), Release::Now);
    }

    #[test]
    fn daily_recipients_roll_over_24_hours() {
        let mut s = LimitsState {
            limits: SendingLimits {
                messages_per_minute: None,
                recipients_per_day: Some(5),
            },
            ..LimitsState::default()
        };
        assert_eq!(s.release("u", t(0), 3), Release::Now);
        assert_eq!(s.release("u", t(10), 3), Release::OverDailyRecipients);
        assert_eq!(s.release("u", t(20), 2), Release::Now);
        assert_eq!(s.release("u", t(30), 1), Release::OverDailyRecipients);
        assert_eq!(s.release("u", t(24 * 3600), 3), Release::Now);
    }
}
