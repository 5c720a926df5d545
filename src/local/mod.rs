//! The local room: a stand-in for a Daily call that needs no Daily account.

pub mod protocol;
pub mod room;
pub mod sim;
