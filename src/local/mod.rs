//! The local room: a stand-in for a Daily call that needs no Daily account.

mod driver;
internal_mod!(link);
internal_mod!(protocol);
internal_mod!(room);
internal_mod!(
    /// Only the tests run rooms on a simulated bus.
    #[cfg(any(test, feature = "internals"))]
    sim
);
mod transport;

pub use driver::{local_call_object, LocalCallOptions};
// The Rust half of the local entry's call object (src/js/local.rs), not API.
#[cfg(feature = "npm-local")]
pub(crate) use driver::LocalRoomBridge;
