//! The two kinds of value the session driver holds: a JS value with its JSON text (the JS API),
//! and a `serde_json::Value` (the Rust API, measured without building a JS value).

use js_sys::JsString;
use wasm_bindgen::{JsCast, JsValue};

use super::driver::SessionValue;
use super::throttle::Entry;
use crate::payload::{json_len, Error};

/// A JS value and its `JSON.stringify` text, measured once; equal when the texts are equal.
#[derive(Debug, Clone)]
pub struct JsJson {
    value: JsValue,
    json: JsString,
}

impl PartialEq for JsJson {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

impl JsJson {
    /// Measures `value` with one `JSON.stringify`. `Ok(None)` for values JSON leaves out
    /// (undefined, functions, Symbols); an error for cycles and BigInts.
    pub fn measure(value: JsValue) -> Result<Option<Entry<JsJson>>, Error> {
        let json = js_sys::JSON::stringify(&value).map_err(|thrown| {
            let message = thrown.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()));
            Error::NotSerializable(message.unwrap_or_else(|| "JSON.stringify failed".into()))
        })?;
        if json.is_undefined() {
            return Ok(None);
        }
        let size = json.length() as usize;
        Ok(Some(Entry { value: JsJson { value, json }, size }))
    }

    /// The value itself.
    pub fn value(&self) -> &JsValue {
        &self.value
    }
}

impl SessionValue for JsJson {
    fn from_js(value: JsValue) -> Option<Entry<Self>> {
        JsJson::measure(value).ok().flatten()
    }

    fn to_js(&self) -> JsValue {
        self.value.clone()
    }
}

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
        crate::messages::to_js(self).unwrap_or(JsValue::NULL)
    }
}
