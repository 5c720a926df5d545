//! The `#[wasm_bindgen]` exports that make the npm package `daily-sync`, with their TypeScript types.

mod error;
mod sync;
mod types;

pub use types::{DailySyncOptionsArg, LocalCallObjectOptionsArg, RecipientArg};

#[cfg(feature = "local-room")]
pub(crate) use sync::recipient_from_js;
pub use sync::JsDailySync as DailySync;
