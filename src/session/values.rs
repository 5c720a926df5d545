//! The value the Rust API's session driver holds: a `serde_json::Value`, measured without building
//! a JS value. (The JS API's throttle holds interned ids instead: src/js/session.rs.)

use wasm_bindgen::JsValue;

use super::driver::SessionValue;
use super::throttle::Entry;
use crate::payload::{json_len, Error};

/// Measures a Rust value by walking it, with no JS value built.
pub(crate) fn rust_entry(value: serde_json::Value) -> Result<Entry<serde_json::Value>, Error> {
    let size = json_len(&value)?;
    Ok(Entry { value, size })
}

impl SessionValue for serde_json::Value {
    fn from_js(value: JsValue) -> Option<Entry<Self>> {
        let value: serde_json::Value = serde_wasm_bindgen::from_value(value).ok()?;
        rust_entry(value).ok()
    }

    fn to_js(&self) -> JsValue {
        crate::convert::to_js(self).unwrap_or(JsValue::NULL)
    }
}
