//! Per-address limits: new connections per minute, and failed `AUTH` attempts (slowed past
//! a first threshold, then the address refused for a while). Time comes from a [`Clock`]
//! so tests move it instead of waiting. Memory is bounded: each address keeps at most
//! `limit` timestamps, and idle addresses are dropped when the table grows.

use crate::clock::Clock;
use crate::config::SmtpConfig;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Past this many tracked addresses, idle ones are pruned.
const PRUNE_AT: usize = 10_000;

/// What a failed `AUTH` leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureVerdict {
    /// How long to wait before answering `535`.
    pub delay: Duration,
    /// The address is now refused: answer `421` and close.
    pub locked_out: bool,
}

#[derive(Debug, Default)]
struct Failures {
    recent: VecDeque<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct Table {
    connections: HashMap<IpAddr, VecDeque<DateTime<Utc>>>,
    failures: HashMap<IpAddr, Failures>,
}

/// The limits, shared by every listener and session.
#[derive(Debug, Clone)]
pub struct RateLimits {
    clock: Arc<dyn Clock>,
    table: Arc<Mutex<Table>>,
    per_minute: u32,
    delay_after: u32,
    delay: Duration,
    lockout_after: u32,
    window: chrono::Duration,
    lockout: chrono::Duration,
}

fn seconds(s: u64) -> chrono::Duration {
    // `SmtpConfig::problems` bounds the settings; the clamp keeps this total anyway.
    chrono::Duration::seconds(s.min(crate::config::smtp::MAX_SECS) as i64)
}

impl RateLimits {
    /// The limits of `config`, timed by `clock`.
    pub fn new(config: &SmtpConfig, clock: Arc<dyn Clock>) -> RateLimits {
        RateLimits {
            clock,
            table: Arc::default(),
            per_minute: config.connections_per_minute,
            delay_after: config.auth_failures_before_delay,
            delay: Duration::from_secs(config.auth_failure_delay_secs),
            lockout_after: config.auth_failures_before_lockout,
            window: seconds(config.auth_failure_window_secs),
            lockout: seconds(config.auth_lockout_secs),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a new connection from `addr`; `false` when it is one too many this minute.
    pub fn allow_connection(&self, addr: IpAddr) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let now = self.clock.now();
        let since = now - chrono::Duration::seconds(60);
        let mut table = self.table();
        if table.connections.len() > PRUNE_AT {
            table
                .connections
                .retain(|_, times| times.back().is_some_and(|t| *t > since));
        }
        let times = table.connections.entry(addr).or_default();
        while times.front().is_some_and(|t| *t <= since) {
            times.pop_front();
        }
        if times.len() >= self.per_minute as usize {
            return false;
        }
        times.push_back(now);
        true
    }

    /// Whether `addr` is refused after too many failed authentications.
    pub fn locked_out(&self, addr: IpAddr) -> bool {
        let now = self.clock.now();
        let mut table = self.table();
        let Some(failures) = table.failures.get_mut(&addr) else {
            return false;
        };
        match failures.locked_until {
            Some(until) if until > now => true,
            Some(_) => {
                failures.locked_until = None;
                false
            }
            None => false,
        }
    }

    /// Counts a failed authentication from `addr`.
    pub fn record_failure(&self, addr: IpAddr) -> FailureVerdict {
        let now = self.clock.now();
        let since = now - self.window;
        let mut table = self.table();
        if table.failures.len() > PRUNE_AT {
            table.failures.retain(|_, f| {
                f.locked_until.is_some_and(|t| t > now)
                    || f.recent.back().is_some_and(|t| *t > since)
            });
        }
        let failures = table.failures.entry(addr).or_default();
        while failures.recent.front().is_some_and(|t| *t <= since) {
            failures.recent.pop_front();
        }
        failures.recent.push_back(now);
        let count = failures.recent.len() as u32;
        let locked_out = self.lockout_after > 0 && count >= self.lockout_after;
        if locked_out {
            failures.locked_until = Some(now + self.lockout);
            failures.recent.clear();
        }
        FailureVerdict {
            delay: if count > self.delay_after {
                self.delay
            } else {
                Duration::ZERO
            },
            locked_out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::TimeZone;

    fn limits(clock: &ManualClock) -> RateLimits {
        let config = SmtpConfig {
            connections_per_minute: 2,
            auth_failures_before_delay: 1,
            auth_failure_delay_secs: 5,
            auth_failures_before_lockout: 3,
            auth_failure_window_secs: 600,
            auth_lockout_secs: 900,
            ..SmtpConfig::default()
        };
        RateLimits::new(&config, Arc::new(clock.clone()))
    }

    #[test]
    fn connections_per_minute_per_address() {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap());
        let limits = limits(&clock);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limits.allow_connection(a));
        assert!(limits.allow_connection(a));
        assert!(!limits.allow_connection(a));
        assert!(limits.allow_connection(b));
        clock.advance(Duration::from_secs(60));
        assert!(limits.allow_connection(a));
    }

    #[test]
    fn failures_are_slowed_then_locked_out_for_a_while() {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap());
        let limits = limits(&clock);
        let a: IpAddr = "2001:db8::7".parse().unwrap();
        let first = limits.record_failure(a);
        assert_eq!(
            first,
            FailureVerdict {
                delay: Duration::ZERO,
                locked_out: false
            }
        );
        let second = limits.record_failure(a);
        assert_eq!(
            second,
            FailureVerdict {
                delay: Duration::from_secs(5),
                locked_out: false
            }
        );
        assert!(!limits.locked_out(a));
        assert!(limits.record_failure(a).locked_out);
        assert!(limits.locked_out(a));
        clock.advance(Duration::from_secs(899));
        assert!(limits.locked_out(a));
        clock.advance(Duration::from_secs(1));
        assert!(!limits.locked_out(a));
        // Failures older than the window no longer count.
        limits.record_failure(a);
        clock.advance(Duration::from_secs(600));
        assert_eq!(limits.record_failure(a).delay, Duration::ZERO);
    }
}
