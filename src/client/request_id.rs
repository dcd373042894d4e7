//! `client-request-id` values: random version 4 UUIDs from a per-thread generator that the
//! operating system seeds once, rather than one `getrandom` system call per request. These
//! ids tie a request to Graph's logs. They must be unique, but they are not secrets.

use std::cell::Cell;

thread_local! {
    /// Two SplitMix64 streams, one for each half of the id, seeded from the OS (128 bits).
    static STATE: (Cell<u64>, Cell<u64>) = {
        let seed = uuid::Uuid::new_v4().as_u128();
        (Cell::new(seed as u64), Cell::new((seed >> 64) as u64))
    };
}

/// SplitMix64: a full-period generator over 2^64 states with well-mixed output.
fn next(state: &Cell<u64>) -> u64 {
    let s = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
    state.set(s);
    let mut z = s;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A fresh id, lowercase and hyphenated (`0f8fad5b-d9cb-469f-a165-70867728950e`).
pub(crate) fn new_client_request_id() -> String {
    let random = STATE.with(|(high, low)| (u128::from(next(high)) << 64) | u128::from(next(low)));
    let id = uuid::Builder::from_random_bytes(random.to_le_bytes()).into_uuid();
    id.hyphenated()
        .encode_lower(&mut uuid::Uuid::encode_buffer())
        .to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_are_version_4_uuids_and_do_not_repeat() {
        let ids: HashSet<String> = (0..10_000).map(|_| new_client_request_id()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(100) {
            let uuid = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(uuid.get_version_num(), 4, "{id}");
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{id}");
            assert_eq!(id, &uuid.hyphenated().to_string());
        }
    }

    #[test]
    fn threads_draw_different_ids() {
        let other = std::thread::spawn(new_client_request_id).join().unwrap();
        let here = new_client_request_id();
        assert_ne!(other, here);
    }
}
