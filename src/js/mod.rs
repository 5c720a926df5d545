//! The `#[wasm_bindgen]` exports that make the npm package `daily-sync`, with their TypeScript types.

mod channel;
mod error;
mod sync;
mod types;

pub use types::{DailySyncOptionsArg, LocalCallObjectOptionsArg, RecipientArg};

pub use channel::JsChannel as Channel;
pub(crate) use sync::recipient_from_js;
pub use sync::JsDailySync as DailySync;
