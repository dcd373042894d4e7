//! When to renew: at a random point between 75 % and 85 % of a subscription's lifetime, so
//! many subscriptions created together do not all renew in the same second, and a renewal
//! that fails still has most of a day (of a week's lifetime) to be retried.

use chrono::{DateTime, Duration, Utc};

/// A small seedable generator (SplitMix64): jitter needs spread, not secrecy, and tests
/// need a fixed sequence.
#[derive(Debug, Clone)]
pub(crate) struct Jitter {
    state: u64,
    /// Fractions of the lifetime, in per mille.
    range: (u32, u32),
}

/// Renew between 75 % and 85 % of the lifetime.
pub(crate) const DEFAULT_RANGE: (u32, u32) = (750, 850);

impl Jitter {
    pub(crate) fn new(seed: u64, range: (u32, u32)) -> Self {
        Jitter { state: seed, range }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The renewal time of a subscription valid from `from` until `expires`.
    pub(crate) fn renew_at(
        &mut self,
        from: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let (low, high) = self.range;
        let span = u64::from(high.saturating_sub(low)) + 1;
        let per_mille = i64::from(low) + (self.next_u64() % span) as i64;
        let lifetime = (expires - from).max(Duration::zero());
        let millis = lifetime.num_milliseconds().saturating_mul(per_mille) / 1000;
        from + Duration::milliseconds(millis)
    }
}

/// A seed from the system CSPRNG (so two processes do not renew in step).
pub(crate) fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    // A failing system generator only costs spread: fall back to the time.
    if crate::random::fill(&mut bytes).is_err() {
        return Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
    }
    u64::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn renewal_falls_between_75_and_85_percent_and_is_reproducible() {
        let from = Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap();
        let expires = from + Duration::minutes(10_000);
        let mut a = Jitter::new(42, DEFAULT_RANGE);
        let mut b = Jitter::new(42, DEFAULT_RANGE);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..1000 {
            let at = a.renew_at(from, expires);
            assert_eq!(at, b.renew_at(from, expires));
            assert!(at >= from + Duration::minutes(7_500), "{at}");
            assert!(at <= from + Duration::minutes(8_500), "{at}");
            seen.insert(at);
        }
        // Spread, not one fixed point.
        assert!(seen.len() > 50, "{}", seen.len());
        assert_eq!(
            Jitter::new(1, (800, 800)).renew_at(from, expires),
            from + Duration::minutes(8_000)
        );
        // An already-expired subscription renews at once.
        assert_eq!(
            Jitter::new(1, DEFAULT_RANGE).renew_at(from, from - Duration::minutes(1)),
            from
        );
    }
}
