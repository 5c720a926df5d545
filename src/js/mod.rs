//! The `#[wasm_bindgen]` exports that make the npm package `daily-sync`, with their TypeScript types.

#[cfg(feature = "channels")]
mod channel;
mod error;
mod sync;
mod types;

pub use types::{DailySyncOptionsArg, LocalCallObjectOptionsArg, RecipientArg};

#[cfg(feature = "channels")]
pub use channel::JsChannel as Channel;
#[cfg(feature = "rest")]
pub(crate) use sync::kind_of;
#[cfg(any(feature = "local-room", feature = "channels"))]
pub(crate) use sync::recipient_from_js;
pub use sync::JsDailySync as DailySync;
