//! Fault injection (throttling, unavailability, connections cut off after the request
//! was applied) and Outlook's concurrency limit per app and mailbox (GRAPH-FACTS §8).
//!
//! All of this state lives behind its own mutex ([`crate::state::AppState::faults`], shared with every [`InFlight`] slot), separate
//! from the mailbox store; critical sections are short and never span an `.await`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Outlook's limit of concurrent requests per app and mailbox (GRAPH-FACTS §8.1).
pub(crate) const DEFAULT_CONCURRENCY_LIMIT: usize = 4;

/// Random fault injection for Graph requests (paths under `/v1.0`; never the token
/// endpoint). Set it with [`Sandbox::set_faults`](crate::Sandbox::set_faults).
///
/// For every Graph request one uniform random number decides: below `throttle` the
/// request is throttled, below `throttle + unavailable` it is answered as unavailable,
/// below `throttle + unavailable + cut_off` its connection is cut off; otherwise it is
/// served normally (if the shares add up to more than 1.0, the later ones get what is
/// left). Sequences queued with
/// [`Sandbox::fail_next`](crate::Sandbox::fail_next) take precedence.
///
/// Requests inside a JSON batch (`POST /v1.0/$batch`) draw too, each on its own (Graph
/// evaluates them individually against its limits), after the `$batch` request itself
/// drew; for them [`Sandbox::fail_next_in_batch`](crate::Sandbox::fail_next_in_batch)
/// takes precedence. A throttled or unavailable inner request gets its `429` / `503`
/// inside the batch answer; a cut-off one is applied and then the connection of the
/// whole batch is closed without a response once every inner request ran.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Share (`0.0..=1.0`) of Graph requests answered `429 TooManyRequests` with
    /// `Retry-After`. Graph did not act on them: nothing is applied.
    pub throttle: f64,
    /// Share (`0.0..=1.0`) of Graph requests answered `503 serviceNotAvailable` with
    /// `Retry-After`. Nothing is applied.
    pub unavailable: f64,
    /// Share (`0.0..=1.0`) of Graph requests that are read and **applied** (a `sendMail`
    /// is delivered), after which the connection is closed without any HTTP response.
    pub cut_off: f64,
    /// Value of the `Retry-After` header on injected `429`/`503` answers and on `429`s of
    /// the concurrency limit, sent in whole seconds (sub-second parts round up; the
    /// default `0` sends `Retry-After: 0`).
    pub retry_after: Duration,
    /// Seed of the random draws; the same seed gives the same sequence of faults for the
    /// same sequence of requests. `None` seeds from the clock.
    pub seed: Option<u64>,
}

/// One injected fault, for [`Sandbox::fail_next`](crate::Sandbox::fail_next).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// `429 Too Many Requests` with Graph's throttling body and `Retry-After`; the request
    /// is not applied.
    Throttle,
    /// `503 Service Unavailable` with a Graph error body and `Retry-After`; the request is
    /// not applied.
    Unavailable,
    /// The request is read and applied, then the connection is closed without a response
    /// (the client cannot know the outcome).
    CutOff,
}

/// Fault-injection and concurrency state of one sandbox.
#[derive(Debug)]
pub(crate) struct FaultState {
    faults: Faults,
    rng: XorShift64,
    queue: VecDeque<Fault>,
    /// Faults queued for requests inside JSON batches (`Sandbox::fail_next_in_batch`).
    batch_queue: VecDeque<Fault>,
    injected: usize,
    limit: Option<usize>,
    latency: Duration,
    /// In-flight requests per (caller, mailbox object id).
    in_flight: HashMap<(String, String), usize>,
    /// In-flight requests per mailbox object id (all callers).
    mailbox_in_flight: HashMap<String, usize>,
    /// Highest value `mailbox_in_flight` reached per mailbox object id.
    max_in_flight: HashMap<String, usize>,
    rejections: usize,
}

impl Default for FaultState {
    fn default() -> Self {
        FaultState {
            faults: Faults::default(),
            rng: XorShift64::new(clock_seed()),
            queue: VecDeque::new(),
            batch_queue: VecDeque::new(),
            injected: 0,
            limit: Some(DEFAULT_CONCURRENCY_LIMIT),
            latency: Duration::ZERO,
            in_flight: HashMap::new(),
            mailbox_in_flight: HashMap::new(),
            max_in_flight: HashMap::new(),
            rejections: 0,
        }
    }
}

impl FaultState {
    /// Replaces the random fault configuration and reseeds the generator.
    pub(crate) fn set_faults(&mut self, faults: Faults) {
        self.rng = XorShift64::new(faults.seed.unwrap_or_else(clock_seed));
        self.faults = faults;
    }

    /// Queues `n` copies of `fault` for the next Graph requests.
    pub(crate) fn fail_next(&mut self, n: usize, fault: Fault) {
        self.queue.extend(std::iter::repeat(fault).take(n));
    }

    /// Queues `n` copies of `fault` for the next requests executed inside JSON batches.
    pub(crate) fn fail_next_in_batch(&mut self, n: usize, fault: Fault) {
        self.batch_queue.extend(std::iter::repeat(fault).take(n));
    }

    /// Decides the fault (if any) of the next Graph request received over HTTP (the
    /// `$batch` request itself included) and counts it.
    pub(crate) fn next_fault(&mut self) -> Option<Fault> {
        let fault = self.queue.pop_front().or_else(|| self.draw());
        if fault.is_some() {
            self.injected += 1;
        }
        fault
    }

    /// Decides the fault (if any) of the next request executed inside a JSON batch
    /// (queued in-batch faults first, then the random shares) and counts it.
    pub(crate) fn next_batch_fault(&mut self) -> Option<Fault> {
        let fault = self.batch_queue.pop_front().or_else(|| self.draw());
        if fault.is_some() {
            self.injected += 1;
        }
        fault
    }

    fn draw(&mut self) -> Option<Fault> {
        let share = |s: f64| {
            if s.is_finite() {
                s.clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        let t = share(self.faults.throttle);
        let u = share(self.faults.unavailable);
        let c = share(self.faults.cut_off);
        if t + u + c <= 0.0 {
            return None;
        }
        let x = self.rng.next_f64();
        if x < t {
            Some(Fault::Throttle)
        } else if x < t + u {
            Some(Fault::Unavailable)
        } else if x < t + u + c {
            Some(Fault::CutOff)
        } else {
            None
        }
    }

    /// `Retry-After` in whole seconds (rounded up).
    pub(crate) fn retry_after_secs(&self) -> u64 {
        let d = self.faults.retry_after;
        d.as_secs() + u64::from(d.subsec_nanos() > 0)
    }

    /// Number of faults injected so far.
    pub(crate) fn injected(&self) -> usize {
        self.injected
    }

    /// Sets the concurrency limit (`Some(0)` counts as no limit).
    pub(crate) fn set_limit(&mut self, limit: Option<usize>) {
        self.limit = limit.filter(|&l| l > 0);
    }

    /// Artificial latency of Graph requests.
    pub(crate) fn latency(&self) -> Duration {
        self.latency
    }

    /// Sets the artificial latency.
    pub(crate) fn set_latency(&mut self, latency: Duration) {
        self.latency = latency;
    }

    /// Highest number of requests in flight at once for that mailbox object id.
    pub(crate) fn max_in_flight(&self, mailbox_id: &str) -> usize {
        self.max_in_flight.get(mailbox_id).copied().unwrap_or(0)
    }

    /// Requests refused by the concurrency limit so far.
    pub(crate) fn rejections(&self) -> usize {
        self.rejections
    }

    /// Takes a slot for (caller, mailbox); `false` (and counted) when the limit is
    /// reached.
    fn acquire(&mut self, caller: &str, mailbox_id: &str) -> bool {
        let key = (caller.to_string(), mailbox_id.to_string());
        let current = self.in_flight.get(&key).copied().unwrap_or(0);
        if self.limit.is_some_and(|l| current >= l) {
            self.rejections += 1;
            return false;
        }
        self.in_flight.insert(key, current + 1);
        let total = self
            .mailbox_in_flight
            .entry(mailbox_id.to_string())
            .or_insert(0);
        *total += 1;
        let total = *total;
        let max = self
            .max_in_flight
            .entry(mailbox_id.to_string())
            .or_insert(0);
        *max = (*max).max(total);
        true
    }

    /// Gives back a slot taken by [`FaultState::acquire`].
    fn release(&mut self, caller: &str, mailbox_id: &str) {
        let key = (caller.to_string(), mailbox_id.to_string());
        if let Some(n) = self.in_flight.get_mut(&key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.in_flight.remove(&key);
            }
        }
        if let Some(n) = self.mailbox_in_flight.get_mut(mailbox_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.mailbox_in_flight.remove(mailbox_id);
            }
        }
    }
}

/// A request counted as in flight for (caller, mailbox); the slot is given back on drop,
/// also when the client goes away and the handler future is dropped mid-way.
#[derive(Debug)]
pub(crate) struct InFlight {
    faults: Arc<Mutex<FaultState>>,
    caller: String,
    mailbox_id: String,
}

impl InFlight {
    /// Takes a slot, or `None` when `caller` already has the limit of requests in flight
    /// for that mailbox.
    pub(crate) fn acquire(
        faults: &Arc<Mutex<FaultState>>,
        caller: &str,
        mailbox_id: &str,
    ) -> Option<Self> {
        if !lock(faults).acquire(caller, mailbox_id) {
            return None;
        }
        Some(InFlight {
            faults: faults.clone(),
            caller: caller.to_string(),
            mailbox_id: mailbox_id.to_string(),
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.faults).release(&self.caller, &self.mailbox_id);
    }
}

/// xorshift64* – small, fast, deterministic; good enough for picking faults.
#[derive(Debug, Clone)]
struct XorShift64(u64);

impl XorShift64 {
    fn new(seed: u64) -> Self {
        // splitmix64 of the seed, so that small or similar seeds give unrelated streams
        // and the state is never zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        XorShift64(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn clock_seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0x1234_5678)
}

/// Locks the fault state, also after a panic elsewhere (the state stays usable).
fn lock(m: &Mutex<FaultState>) -> MutexGuard<'_, FaultState> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_faults_come_first_and_are_counted() {
        let mut s = FaultState::default();
        s.fail_next(2, Fault::CutOff);
        s.fail_next(1, Fault::Throttle);
        assert_eq!(s.next_fault(), Some(Fault::CutOff));
        assert_eq!(s.next_fault(), Some(Fault::CutOff));
        assert_eq!(s.next_fault(), Some(Fault::Throttle));
        assert_eq!(s.next_fault(), None);
        assert_eq!(s.injected(), 3);
    }

    #[test]
    fn batch_queue_is_separate() {
        let mut s = FaultState::default();
        s.fail_next(1, Fault::Unavailable);
        s.fail_next_in_batch(1, Fault::Throttle);
        assert_eq!(s.next_batch_fault(), Some(Fault::Throttle));
        assert_eq!(s.next_batch_fault(), None);
        assert_eq!(s.next_fault(), Some(Fault::Unavailable));
        assert_eq!(s.injected(), 2);
    }

    #[test]
    fn seeded_draws_are_deterministic_and_respect_shares() {
        let faults = Faults {
            throttle: 0.5,
            unavailable: 0.25,
            cut_off: 0.0,
            retry_after: Duration::from_millis(1500),
            seed: Some(7),
        };
        let run = || {
            let mut s = FaultState::default();
            s.set_faults(faults.clone());
            (0..10_000).map(|_| s.next_fault()).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let count = |f| a.iter().filter(|x| **x == f).count();
        assert!((4700..5300).contains(&count(Some(Fault::Throttle))));
        assert!((2250..2750).contains(&count(Some(Fault::Unavailable))));
        assert_eq!(count(Some(Fault::CutOff)), 0);
        let mut s = FaultState::default();
        s.set_faults(faults);
        assert_eq!(s.retry_after_secs(), 2);
    }

    #[test]
    fn slots_per_caller_and_mailbox() {
        let mut s = FaultState::default();
        for _ in 0..4 {
            assert!(s.acquire("app:x", "m1"));
        }
        assert!(!s.acquire("app:x", "m1"));
        assert!(s.acquire("app:x", "m2"));
        assert!(s.acquire("user:y", "m1"));
        assert_eq!(s.max_in_flight("m1"), 5);
        s.release("app:x", "m1");
        assert!(s.acquire("app:x", "m1"));
        assert_eq!(s.rejections(), 1);
        s.set_limit(Some(0));
        for _ in 0..10 {
            assert!(s.acquire("app:x", "m1"));
        }
    }
}
