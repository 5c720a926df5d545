//! The `daily-sync/local` entry: `createLocalCallObject`, a call object on the local room.

use wasm_bindgen::prelude::*;

/// `createLocalCallObject(options)`: a call object with daily-js's surface, in a local room that
/// needs no Daily account. Participants of the same `room` (default "local") in this page and in
/// other tabs of this browser are in one room.
#[wasm_bindgen(js_name = createLocalCallObject, unchecked_return_type = "LocalCallObject")]
pub fn create_local_call_object(
    #[wasm_bindgen(unchecked_param_type = "LocalCallObjectOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    crate::local::create_local_call_object(options)
}
