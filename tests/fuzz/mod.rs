//! What the fuzz tests (`tests/fuzz_*.rs`, one test binary per target) share: the runner, the
//! wire texts of every kind and their mutations, and JSON-ish texts.
//!
//! Fuzzing, natively, of every decoder of peer data. What other participants (a tab on the same
//! BroadcastChannel, a relay, a chunk sender, Daily's REST API) send reaches these functions
//! unchecked, so none may panic, none may let a peer grow a participant's state without bound,
//! and none may let garbage change what the local participant is or says:
//!
//! - `tests/fuzz_room.rs`: `local::room::Node::receive`;
//! - `tests/fuzz_protocol.rs`: `local::protocol`'s `parse_header`, `SessionData::parse`, `Json::parse`;
//! - `tests/fuzz_channel.rs`: `channel::reassembly::Reassembler` (the chunk reassembler);
//! - `tests/fuzz_throttle.rs`: `session::throttle::Throttle::remote`;
//! - `tests/fuzz_rest.rs`: `rest::read_answer`.
//!
//! Each has a short run in `cargo test` and an `#[ignore]`d long run:
//! `cargo test --release --test 'fuzz_*' -- --ignored --nocapture` prints each run's cases
//! and time (`--test fuzz_room` and so on for one target). Runs are seeded at random (failures
//! print the minimal input; nothing is written to the repository). `FUZZ_SCALE=10` multiplies
//! every run's cases.

// Each test binary uses part of this module.
#![allow(dead_code)]

use std::fmt::Debug;
use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

pub mod json;
pub mod wire;

// ------------------------------------------------------------------------------------------------
// The runner

/// The everyday fuzz run of a target, or the long one (`--ignored`).
#[derive(Debug, Clone, Copy)]
pub enum Run {
    Short,
    Long,
}

impl Run {
    pub fn cases(self, short: u32, long: u32) -> u32 {
        match self {
            Run::Short => short,
            Run::Long => long,
        }
    }
}

/// A fuzz target as two tests: `$short`, the everyday run, and `$long`, the long one (ignored,
/// run by hand); `$body` runs with `$run` saying which.
macro_rules! fuzz_tests {
    ($short:ident, $long:ident, |$run:ident| $body:block) => {
        #[test]
        fn $short() {
            let $run = $crate::fuzz::Run::Short;
            $body
        }

        #[test]
        #[ignore = "long fuzz run: cargo test --release --test 'fuzz_*' -- --ignored --nocapture"]
        fn $long() {
            let $run = $crate::fuzz::Run::Long;
            $body
        }
    };
}
pub(crate) use fuzz_tests;

/// Runs `test` on `cases` inputs from `strategy` (times `FUZZ_SCALE`), printing the count and the
/// time; panics with proptest's minimal failing input.
pub fn fuzz<S>(name: &str, cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let scale: u32 = std::env::var("FUZZ_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let cases = cases.saturating_mul(scale);
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 4096, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let start = Instant::now();
    let result = runner.run(&strategy, test);
    eprintln!("fuzz {name}: {cases} cases in {:.2?}", start.elapsed());
    if let Err(error) = result {
        panic!("fuzz {name}: {error}");
    }
}

pub fn fail(why: impl Into<String>) -> TestCaseError {
    TestCaseError::fail(why.into())
}
