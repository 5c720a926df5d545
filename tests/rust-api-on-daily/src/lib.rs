//! The Rust API on the real daily-js: one exported scenario per behaviour, each run by
//! tests/page/rust-api-real-daily.test.mjs on real daily-js call objects joined offline to the
//! stand-in call machine (tests/js/daily-stand-in/). A scenario's promise rejects with the first
//! expectation that failed, what was expected and what came. Only the crate's public API is used.
//! Built by scripts/build-rust-api-on-daily.sh.

#[macro_use]
mod harness;

mod channels;
mod lifecycle;
mod messages;
mod requests;
mod state;
