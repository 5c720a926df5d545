//! The network conditions of a local room's bus: a delivery's latency, its jitter and its loss,
//! drawn from a seed so that a run is reproducible. The in-page transport applies them to real
//! deliveries (`createLocalCallObject`'s `network` option); the simulated bus of the tests
//! ([`sim`](super::sim)) to virtual ones.

/// A tiny seeded PRNG (SplitMix64): enough for reproducible jitter and loss, no dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator for a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..=max`.
    pub fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(n) => self.next_u64() % n,
            None => self.next_u64(),
        }
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// How the bus treats each delivery.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// The least latency, in ms.
    pub latency_ms: u64,
    /// The most extra latency, drawn uniformly in `0..=jitter_ms` for each delivery.
    pub jitter_ms: u64,
    /// The probability that one delivery is lost.
    pub drop_rate: f64,
}

impl Link {
    /// Delivery at once, in order, nothing lost: the in-page transport.
    pub const INSTANT: Link = Link { latency_ms: 0, jitter_ms: 0, drop_rate: 0.0 };
}
