//! Request and response over app messages: ask one participant, or everyone, and get an answer
//! or a precise error.
//!
//! - [`core`]: which requests wait for whom and until when, pure and clock-free;
//! - `driver`: the core on a live call object, over the channel layer's reserved channel.

pub mod core;
#[cfg_attr(not(feature = "npm-channels"), allow(dead_code))]
pub(crate) mod driver;

pub use self::core::{RpcCode, Timeouts};
