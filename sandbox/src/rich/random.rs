//! Random bytes for keys and identifiers, from the operating system's CSPRNG through
//! aws-lc-rs (AES keys must be unpredictable; uuid's v4 bytes are not meant as keys).

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// `N` random bytes.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .expect("the system random number generator");
    out
}
