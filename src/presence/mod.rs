//! Presence: per-participant state that changes many times a second (a pointer, "typing…", a
//! level meter), latest wins.
//!
//! - Sending: a value may be set at any rate; at most one message per interval carries the latest
//!   value: the first at once, then one on the trailing edge of each interval, so the last value
//!   always goes out.
//! - Receiving: each sender's messages are numbered, so a late one never overwrites a newer
//!   value; a participant that leaves, or whose value is not set again within `stale_ms`, is gone.
//!
//! `core` decides what to send when, pure and clock-free (the time is passed in, in ms); the Rust
//! API's handle and the channels entry's JS driver send and receive the messages.

internal_mod!(core);
#[cfg(any(doc, rust_api))]
mod handle;
// The wire format is src/js/presence_core.rs's too; that driver keeps its own copy of these few lines,
// because calling this one made the channels entry a byte over its budget.
#[cfg(any(doc, rust_api))]
mod wire;

#[cfg(any(doc, rust_api))]
pub use handle::{PresenceChange, PresenceChanges, PresenceHandle, PresenceOptions};

/// The interval of `intervalMs: 'auto'` for a room of `participants`: 50 ms for up to 5, then
/// 10 ms more per participant (each message reaches everyone, so the room's traffic grows with the
/// square of its size), at most 1000 ms.
pub fn auto_interval(participants: usize) -> u64 {
    (50 + 10 * participants.saturating_sub(5) as u64).min(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auto_interval_grows_with_the_room() {
        assert_eq!(auto_interval(2), 50);
        assert_eq!(auto_interval(15), 150);
        assert_eq!(auto_interval(1000), 1000);
    }
}
