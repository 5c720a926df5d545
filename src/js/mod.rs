//! The `#[wasm_bindgen]` exports of the npm package, one module per entry; `scripts/build.sh`
//! builds each entry's wasm with only its own feature on, so an entry loads only its own code.
//! The hand-written ES modules in `npm/` wrap these into the public JS API.

#[cfg(feature = "npm-channels")]
mod channel;
#[cfg(feature = "npm-local")]
mod local;
#[cfg(feature = "npm-ordered")]
mod ordered;
#[cfg(feature = "npm-channels")]
mod presence_core;
#[cfg(feature = "npm-rest")]
mod rest;
#[cfg(feature = "npm-channels")]
mod rpc;
#[cfg(feature = "npm-core")]
mod session;
