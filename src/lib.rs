//! # daily-sync
//!
//! Typed, checked, throttled and leak-free app data for web apps built on the daily-js **call
//! object**: ephemeral app messages (`sendAppMessage`), per-participant state (`setUserData`) and
//! room-wide state (`setMeetingSessionData`), with event streams that clean up after themselves,
//! and a local room that behaves like a Daily call with no Daily account.
//!
//! The layers, each a module with one job:
//! - [`payload`]: sizes measured as daily-js measures them, limits, [`Recipient`], [`Error`];
//! - `sys`: the raw bindings to a call object (wasm only);
//! - `events`: one JS listener per event name, fanned out to RAII subscriptions and `Stream`s;
//! - `messages`, `user_data`, [`session`]: the three mechanisms;
//! - [`local`]: the local room (a pure room model, plus its transports in wasm);
//! - `rest`: the REST client for backends;
//! - `js`: the `#[wasm_bindgen]` exports that make the npm package.
#![deny(missing_docs, missing_debug_implementations)]
#![forbid(unsafe_code)]

pub mod channel;
pub mod payload;
pub mod session;

#[cfg(feature = "local-room")]
pub mod local;
#[cfg(feature = "rest")]
pub mod rest;

pub use payload::{Error, Recipient};

#[cfg(feature = "bench")]
pub mod bench;

mod daily_errors;
pub mod events;
pub mod js;
pub mod messages;
mod sync;
pub mod sys;
pub mod user_data;
pub use sync::DailySync;
