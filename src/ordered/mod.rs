//! Ordered room state: every change goes through one participant, the *orderer*, which applies
//! batches of ops one at a time and writes the result into session data.
//!
//! Session data is last-writer-wins per key, so two participants that each read, change and write
//! a counter lose one change. Here only the orderer writes the keys that ops change, from its own
//! copy of them, so no change is lost. The orderer is the longest present participant; when it
//! leaves the next one takes over from session data.
//!
//! Exactly once: a batch is named by its caller's session id and a counter that caller raises by
//! one per batch (it sends the next only once the last is settled). The orderer keeps, in the
//! session data it writes (under [`RESERVED_KEY`]), the last counter applied per caller, so a
//! successor that takes over knows what was applied and a retried batch is not applied again.
//!
//! - `core`: the orderer's bookkeeping, pure; `ops` and `value`: the ops and the JSON they change;
//! - `handle`: the Rust API's [`Ordered`](crate::Ordered), from
//!   [`DailySync::ordered`](crate::DailySync::ordered).

internal_mod!(core);
#[cfg(any(doc, rust_api))]
pub mod handle;
internal_mod!(ops);
internal_mod!(value);

/// The session-data key the orderer keeps its bookkeeping in: `{ v, applied: { [sessionId]: n } }`.
pub const RESERVED_KEY: &str = "$ordered";
