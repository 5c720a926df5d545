//! The `#[wasm_bindgen]` exports that make the npm package `daily-sync`, with their TypeScript types.

mod error;
mod sync;
mod types;

pub use sync::JsDailySync as DailySync;
