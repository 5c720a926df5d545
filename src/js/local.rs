//! The `daily-sync/local` entry's wasm: the Rust half of a local call object. The entry's JS
//! (`createLocalCallObject`) makes the call object at once and this half once the wasm has loaded,
//! as daily-js loads its call machine by `join()`.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::local::LocalRoomBridge;

/// The room's Rust half for a call object made by `createLocalCallObject`, from the options its
/// `localSettings` checked. Not for direct use.
#[doc(hidden)]
#[wasm_bindgen(js_name = localRoomBridge)]
pub fn local_room_bridge(settings: Array) -> LocalRoomBridge {
    LocalRoomBridge::from_settings(&settings)
}
