//! Channels: typed, ordered messages of any size (up to a configurable cap) over app messages.
//!
//! Each message of a named channel (`chat`, `reaction`, `cursor`, ...) travels as one or more app
//! messages ("chunks"); each receiver gathers them per sender and channel, restores their order
//! and reports what was lost.
//! - `codec`: the wire format, and splitting a message's JSON text into chunks;
//! - `reassembly`: the receiver, pure and clock-free (the time is passed in).
//! - `history`: the last messages a member keeps for late members, and their replay, pure;
//! - `driver`: a channel on a live call object, the reassembler fed from its `app-message` events.

internal_mod!(codec);
pub(crate) mod driver;
internal_mod!(history);
internal_mod!(reassembly);
mod typed;

pub use typed::{Channel, ChannelIssue, ChannelMessage, ChannelMessages};
