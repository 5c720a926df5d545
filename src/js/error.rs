//! Errors at the JS boundary: every error the JS API throws or rejects with is an `Error` with a
//! string `kind` and the fields of its kind.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::payload::Error;

fn set(target: &JsValue, key: &str, value: JsValue) {
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value);
}

impl From<Error> for JsValue {
    fn from(error: Error) -> JsValue {
        let js: JsValue = js_sys::Error::new(&error.message()).into();
        set(&js, "kind", error.kind().into());
        match error {
            Error::PayloadTooLarge { size, limit } => {
                set(&js, "size", (size as f64).into());
                set(&js, "limit", (limit as f64).into());
            }
            Error::Http { status, error, info } => {
                set(&js, "status", status.into());
                set(&js, "error", error.into());
                set(&js, "info", info.into());
            }
            Error::Daily { cause, .. } => set(&js, "cause", cause),
            _ => {}
        }
        js
    }
}

/// The error for a JS argument that is not what a function takes.
pub(crate) fn invalid(what: impl Into<String>) -> Error {
    Error::InvalidArgument(what.into())
}

/// Refuses values that have no JSON form at their top level, before they reach daily-js (whose
/// own check for these is a confusing TypeError or nothing at all).
pub(crate) fn check_serializable(data: &JsValue, what: &str) -> Result<(), Error> {
    let why = if data.is_undefined() {
        "is undefined"
    } else if data.is_function() {
        "is a function"
    } else if data.is_symbol() {
        "is a Symbol"
    } else if data.is_bigint() {
        "is a BigInt"
    } else {
        return Ok(());
    };
    Err(Error::NotSerializable([what, " ", why, ", which has no JSON form"].concat()))
}
