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
//! - [`Call`]: a call object made, joined and left from Rust;
//! - `messages`, `user_data`, [`session`]: the three mechanisms;
//! - [`local`]: the local room (a pure room model, plus its transports in wasm);
//! - `rest`: the REST client for backends;
//! - `convert`: conversions at the JS boundary (recipients, the JS face of [`Error`]);
//! - `js`: the `#[wasm_bindgen]` exports that make the npm package, one module per entry (behind the
//!   `npm-*` features, which a Rust app never turns on).
#![deny(missing_docs, missing_debug_implementations)]
#![deny(unsafe_code)]

/// A module of the crate's internals: public (and hidden from the docs) only with the `internals`
/// feature, which the dev server and this crate's tests turn on; crate-private otherwise.
macro_rules! internal_mod {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        pub mod $name;
        $(#[$meta])*
        #[cfg(not(feature = "internals"))]
        #[allow(dead_code, unreachable_pub)]
        pub(crate) mod $name;
    };
}

pub mod channel;
pub mod ordered;
pub mod payload;
pub mod presence;
pub mod rpc;
pub mod session;

#[cfg(feature = "local-room")]
pub mod local;
#[cfg(feature = "rest")]
pub mod rest;

#[cfg(any(doc, rust_api))]
pub use ordered::handle::{Ordered, OrderedApply, OrderedOp};
pub use payload::{Error, Recipient};
#[cfg(any(doc, rust_api))]
pub use presence::{PresenceChange, PresenceChanges, PresenceHandle, PresenceOptions};
#[cfg(any(doc, rust_api))]
pub use rpc::{RequestOptions, RpcFailure, RpcHandler, RpcRequest, RpcRequestAll};

#[cfg(feature = "bench")]
pub mod bench;

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod call;
/// The constants both implementations share, against conformance/constants.json.
#[cfg(test)]
mod conformance;
pub(crate) mod convert;
mod daily_errors;
mod held;
internal_mod!(events);
#[cfg(not(rust_api))]
mod js;
pub mod messages;
mod sync;
internal_mod!(sys);
pub mod user_data;
pub use call::{Call, CallOptions, JoinOptions};
pub use held::MAX_HELD;
pub use messages::{AppMessage, DecodeError};
#[cfg(any(doc, rust_api))]
pub use sync::ChannelOptions;
pub use sync::{DailySync, SyncOptions};
pub use user_data::{Participant, ParticipantAction, ParticipantEvent};

/// The allocator of the npm entries: talc, fast where the local room allocates
/// and frees a lot (a message, a participant list, a session state at a time) and smaller than
/// Rust's default, dlmalloc. A plain free list was smaller still, but slowed a room of 128
/// participants in one page to a halt.
#[cfg(all(
    any(
        feature = "npm-core",
        feature = "npm-local",
        feature = "npm-rest",
        feature = "npm-channels",
        feature = "npm-ordered"
    ),
    target_arch = "wasm32"
))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
