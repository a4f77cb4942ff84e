//! Where a client's `Sec-WebSocket-Key` and masking keys come from.
//!
//! RFC 6455 §5.3: the masking key "MUST be derived from a strong source of entropy", so that
//! a script in a browser cannot predict the bytes an intermediary sees. The core holds no
//! global randomness: every key is drawn from a [`KeySource`] the caller can replace, which
//! makes a whole exchange reproducible byte for byte under a fixed source.

use alloc::boxed::Box;

/// A source of random bytes for handshake keys and masking keys.
///
/// Only a client draws keys: 16 bytes for `Sec-WebSocket-Key` and 4 per frame sent. A
/// source is `Send + Sync` so that the connection holding it is too (it is only ever
/// called through `&mut`, so being `Sync` costs an implementation nothing).
///
/// ```
/// use wswire::KeySource;
/// /// Every key all zeros: fine for a test, never for a real connection.
/// struct Zeros;
/// impl KeySource for Zeros {
///     fn fill(&mut self, buf: &mut [u8]) {
///         buf.fill(0);
///     }
/// }
/// ```
pub trait KeySource: Send + Sync {
    /// Fills `buf` with fresh random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

impl<K: KeySource + ?Sized> KeySource for Box<K> {
    fn fill(&mut self, buf: &mut [u8]) {
        (**self).fill(buf);
    }
}

/// The operating system's randomness, drawn 1 KiB at a time so that a client sending
/// small frames does not make a system call per frame.
///
/// # Panics
/// `fill` panics if the operating system cannot provide randomness at all, which on the
/// platforms `getrandom` supports does not happen once the system has booted; there is no
/// safe way to mask frames without it.
#[cfg(feature = "getrandom")]
#[derive(Debug, Clone)]
pub struct OsRandom {
    pool: Box<[u8; OS_POOL]>,
    used: usize,
}

/// Bytes drawn from the operating system at once: a system call per 256 frames.
#[cfg(feature = "getrandom")]
const OS_POOL: usize = 1024;

#[cfg(feature = "getrandom")]
impl OsRandom {
    /// A source with an empty pool; the first key fills it.
    pub fn new() -> Self {
        Self {
            pool: Box::new([0; OS_POOL]),
            used: OS_POOL,
        }
    }
}

#[cfg(feature = "getrandom")]
impl Default for OsRandom {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "getrandom")]
impl KeySource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(self.pool.len()) {
            if self.pool.len() - self.used < chunk.len() {
                getrandom::fill(&mut self.pool[..])
                    .expect("the operating system's randomness failed");
                self.used = 0;
            }
            let next = self.used + chunk.len();
            chunk.copy_from_slice(&self.pool[self.used..next]);
            // Never hand out the same bytes twice.
            self.pool[self.used..next].fill(0);
            self.used = next;
        }
    }
}

/// A predictable source (SplitMix64) for tests and fuzzing: the same seed gives the same
/// keys. Never use it on a real connection.
///
/// ```
/// use wswire::{KeySource, SeededKeys};
/// let (mut a, mut b) = (SeededKeys::new(7), SeededKeys::new(7));
/// let (mut x, mut y) = ([0u8; 16], [0u8; 16]);
/// a.fill(&mut x);
/// b.fill(&mut y);
/// assert_eq!(x, y);
/// ```
#[derive(Debug, Clone)]
pub struct SeededKeys {
    state: u64,
}

impl SeededKeys {
    /// A source whose output is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl KeySource for SeededKeys {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "getrandom")]
    #[test]
    fn os_random_spans_pool_refills() {
        let mut source = OsRandom::new();
        let mut big = [0u8; 1000];
        source.fill(&mut big);
        // 1000 bytes of real randomness are all zero with probability 2^-8000.
        assert!(big.iter().any(|&b| b != 0));
        let mut keys = [[0u8; 4]; 100];
        for key in &mut keys {
            source.fill(key);
        }
        assert!(keys.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn seeded_keys_differ_by_seed_and_call() {
        let mut a = SeededKeys::new(1);
        let mut b = SeededKeys::new(2);
        let (mut x1, mut x2, mut y) = ([0u8; 4], [0u8; 4], [0u8; 4]);
        a.fill(&mut x1);
        a.fill(&mut x2);
        b.fill(&mut y);
        assert_ne!(x1, x2);
        assert_ne!(x1, y);
    }
}
