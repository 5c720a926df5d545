//! Conversions at the JS boundary, shared by every entry's exports and by the local room: reading
//! a caller's recipient and values safely, and the JS face of [`Error`] (an `Error` with a `kind`).

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use crate::payload::{Error, Recipient};

#[wasm_bindgen(module = "/src/convert.js")]
extern "C" {
    /// `'array'`, `'plain'`, `'object'`, `'hostile'` (inspecting it threw) or the `typeof`.
    #[wasm_bindgen(js_name = kindOf)]
    pub(crate) fn kind_of(value: &JsValue) -> String;

    /// A copy of an array-like, or `null` when reading it throws.
    #[wasm_bindgen(js_name = copyArray)]
    fn copy_array(value: &JsValue) -> JsValue;
}

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
            Error::Rpc { code, .. } => set(&js, "code", code.into()),
            _ => {}
        }
        js
    }
}

/// The error for a JS argument that is not what a function takes.
#[cfg_attr(not(feature = "npm-channels"), allow(dead_code))]
pub(crate) fn invalid(what: impl Into<String>) -> Error {
    Error::InvalidArgument(what.into())
}

/// Refuses values that have no JSON form at their top level, before they reach daily-js (whose
/// own check for these is a confusing TypeError or nothing at all).
#[cfg_attr(not(feature = "npm-channels"), allow(dead_code))]
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
    Err(Error::NotSerializable([what, " ", why].concat()))
}

/// Reads `to` as daily-js takes it: `'*'` (or nothing), a session id, or a non-empty array of ids.
#[cfg_attr(not(any(feature = "local-room", feature = "npm-channels")), allow(dead_code))]
pub(crate) fn recipient_from_js(to: &JsValue) -> Result<Recipient, Error> {
    let recipient = if to.is_undefined() || to.is_null() {
        Recipient::All
    } else if let Some(id) = to.as_string() {
        Recipient::from(id)
    } else if kind_of(to) == "array" {
        let ids = copy_array(to);
        if ids.is_null() {
            return Err(Error::InvalidRecipient("reading the list of session ids threw".into()));
        }
        let ids: Array = ids.unchecked_into();
        let ids = ids
            .iter()
            .map(|id| id.as_string().ok_or_else(|| Error::InvalidRecipient("every session id must be a string".into())))
            .collect::<Result<Vec<_>, _>>()?;
        Recipient::Many(ids)
    } else {
        return Err(Error::InvalidRecipient("expected '*', a session id or an array of session ids".into()));
    };
    recipient.validate()?;
    Ok(recipient)
}
