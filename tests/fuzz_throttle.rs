//! Fuzzing of `session::throttle::Throttle::remote` (the room's session state, as peers wrote
//! it). The runner and the keys: `tests/fuzz/`.

#![cfg(all(not(target_arch = "wasm32"), feature = "local-room", feature = "rest"))]

mod fuzz;

use std::collections::HashSet;
use std::fmt::Debug;

use daily_sync::payload::{json_str_len, object_len, SESSION_DATA_LIMIT};
use daily_sync::session::throttle::{Entry, Throttle};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use fuzz::json::key;
use fuzz::{fuzz, fuzz_tests};

// ------------------------------------------------------------------------------------------------
// The session throttle's remote states

/// A value that knows its own size, so the view's size can be checked.
#[derive(Debug, Clone, PartialEq)]
struct Sized_ {
    id: u8,
    size: usize,
}

#[derive(Debug, Clone)]
enum ThrottleOp {
    Remote(Vec<(String, u8, usize)>, u64),
    Set(Vec<(String, u8, usize)>),
    Merge(Vec<(String, Option<(u8, usize)>)>),
    Poll(u64),
    Flush(u64),
}

/// A value's JSON length: a JS string is at most 2^30 long; absurd sizes only test for panics.
fn size() -> BoxedStrategy<usize> {
    prop_oneof![16 => 1usize..200, 2 => 1usize..200_000, 2 => 1usize..(1 << 30), 1 => any::<usize>()].boxed()
}

fn throttle_op() -> BoxedStrategy<ThrottleOp> {
    let entries = prop::collection::vec((key(), 0u8..4, size()), 0..8);
    let step = prop_oneof![0u64..2000, Just(u64::MAX / 2)];
    prop_oneof![
        3 => (entries.clone(), step.clone()).prop_map(|(e, t)| ThrottleOp::Remote(e, t)),
        1 => entries.prop_map(ThrottleOp::Set),
        2 => prop::collection::vec((key(), prop::option::of((0u8..4, size()))), 0..6).prop_map(ThrottleOp::Merge),
        2 => step.clone().prop_map(ThrottleOp::Poll),
        1 => step.prop_map(ThrottleOp::Flush),
    ]
    .boxed()
}

fn entry(id: u8, size: usize) -> Entry<Sized_> {
    Entry { value: Sized_ { id, size }, size }
}

fn run_throttle_case(ops: Vec<ThrottleOp>) -> Result<(), TestCaseError> {
    let realistic = ops.iter().all(|op| match op {
        ThrottleOp::Remote(entries, _) | ThrottleOp::Set(entries) => entries.iter().all(|e| e.2 <= 1 << 30),
        ThrottleOp::Merge(patch) => patch.iter().all(|(_, v)| v.is_none_or(|v| v.1 <= 1 << 30)),
        _ => true,
    });
    let mut throttle: Throttle<Sized_> = Throttle::new(1000, SESSION_DATA_LIMIT);
    let mut now = 0u64;
    for op in ops {
        match op {
            ThrottleOp::Remote(entries, step) => {
                now = now.saturating_add(step);
                throttle.remote(entries.into_iter().map(|(k, id, size)| (k, entry(id, size))), now);
            }
            ThrottleOp::Set(entries) => {
                let _ = throttle.set(entries.into_iter().map(|(k, id, size)| (k, entry(id, size))));
            }
            ThrottleOp::Merge(patch) => {
                let _ = throttle.merge(patch.into_iter().map(|(k, v)| (k, v.map(|(id, size)| entry(id, size)))));
            }
            ThrottleOp::Poll(step) => {
                now = now.saturating_add(step);
                let _ = throttle.poll(now);
            }
            ThrottleOp::Flush(step) => {
                now = now.saturating_add(step);
                let _ = throttle.flush(now);
                prop_assert!(!throttle.has_pending(), "pending after a flush");
            }
        }
        let view: Vec<(&str, &Sized_)> = throttle.view().map(|(k, v)| (k.as_str(), v)).collect();
        let keys: HashSet<&str> = view.iter().map(|(k, _)| *k).collect();
        prop_assert_eq!(keys.len(), view.len(), "a key twice in the view");
        for (key, value) in &view {
            prop_assert_eq!(throttle.get(*key), Some(*value));
        }
        // With sizes a JS string can have, the running size is the view's exact JSON length.
        if realistic {
            let expected = object_len(view.iter().map(|(k, v)| (json_str_len(k), v.size)));
            prop_assert_eq!(throttle.size(), expected);
        }
    }
    Ok(())
}

fuzz_tests!(throttle_takes_any_remote_state, long_throttle_takes_any_remote_state, |run| {
    fuzz(
        "Throttle::remote (with set, merge, poll, flush)",
        run.cases(256, 150_000),
        prop::collection::vec(throttle_op(), 1..40),
        run_throttle_case,
    );
});
