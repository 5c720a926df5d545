//! The local room: a stand-in for a Daily call that needs no Daily account.

mod call_object;
pub mod protocol;
pub mod room;
pub mod sim;
mod transport;

pub use call_object::{create_local_call_object, local_call_object, LocalCallOptions, LocalRoomBridge};
