//! The `notification_body` fuzz target's property on stable, in CI: its seed corpus
//! (`fuzz/corpus/notification_body/`) and 4,000 deterministic mutations of it go through the
//! parser (`fuzz/src/lib.rs`'s `check_notification_body`, compiled in here) and through
//! the whole receiver, which must answer 202 to what parses and 400 to what does not,
//! and never panic.

#[allow(dead_code)] // the other targets' checks come along
#[path = "../fuzz/src/lib.rs"]
mod fuzz_checks;

use http::HeaderMap;
use msgraph_outlook::notifications::{parse_collection, Notifications};

const MUTATIONS: usize = 4000;

/// Tokens that steer mutations towards JSON the parser has to think about.
const DICTIONARY: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "0",
    "-1",
    "1e999",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"value\":",
    "\"validationTokens\":",
    "\"encryptedContent\":",
    "\"lifecycleEvent\":\"missed\"",
    "\"changeType\":\"created\"",
    "\"resourceData\":{}",
    "\"subscriptionExpirationDateTime\":\"2026-13-40T99:00:00Z\"",
    "\"@odata.type\":1",
];

/// xorshift64*: deterministic, so a failure reproduces with the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            2 => {
                let token = DICTIONARY[rng.below(DICTIONARY.len())];
                out.splice(at..at, token.bytes());
            }
            3 => out.insert(at, rng.next() as u8),
            4 => out.truncate(at),
            _ => {
                let end = (at + rng.below(64)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
        }
    }
    out
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/notification_body");
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.display().to_string(), std::fs::read(&path).unwrap())
        })
        .collect();
    seeds.sort();
    seeds
}

#[test]
fn every_seed_is_a_notification_body() {
    let seeds = seeds();
    assert_eq!(seeds.len(), 4);
    for (name, bytes) in &seeds {
        assert!(parse_collection(bytes).is_some(), "{name} does not parse");
        fuzz_checks::check_notification_body(bytes);
    }
}

#[tokio::test]
async fn mutated_bodies_never_panic_and_get_202_or_400() {
    let seeds = seeds();
    let (receiver, mut incoming) = Notifications::builder().build().unwrap();
    receiver.register(
        "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
        "secretClientValue-7d1f",
    );
    let mut rng = Rng(0x5EED_2026_1207_0018);
    let (mut parsed, mut refused) = (0, 0);
    for i in 0..MUTATIONS {
        let (name, seed) = &seeds[i % seeds.len()];
        let body = mutate(&mut rng, seed);
        fuzz_checks::check_notification_body(&body);
        let expected = if parse_collection(&body).is_some() {
            parsed += 1;
            202
        } else {
            refused += 1;
            400
        };
        let chunk = bytes::Bytes::from(body.clone());
        let answer = receiver
            .handle(
                "POST",
                None,
                &HeaderMap::new(),
                futures_util::stream::iter([Ok::<_, std::convert::Infallible>(chunk)]),
            )
            .await;
        assert_eq!(
            answer.status,
            expected,
            "mutation {i} of {name}: {}",
            String::from_utf8_lossy(&body)
        );
        while incoming.try_recv().is_some() {}
    }
    // Both paths were exercised, or the mutations prove nothing.
    assert!(
        parsed > 100 && refused > 100,
        "parsed {parsed}, refused {refused}"
    );
}
