//! Conversions at the JS boundary, shared by the Rust API, every entry's exports and the local
//! room: Rust values to JS and back (serde, JSON-compatible), fields read from events, a caller's
//! recipient and values read safely, and the JS face of [`Error`] (an `Error` with a `kind`).

use std::cell::RefCell;
use std::fmt;

use js_sys::{Array, Reflect};
use serde::{de::DeserializeOwned, Serialize};
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

/// The serializer every outgoing value goes through: JSON-compatible, so Rust maps become plain
/// objects (not JS `Map`s, which JSON.stringify writes as `{}`).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::NotSerializable(e.to_string()))
}

/// The recipient as daily-js takes it: `'*'`, a session id, or an array of them.
pub(crate) fn recipient_to_js(to: &Recipient) -> JsValue {
    match to {
        Recipient::All => JsValue::from_str("*"),
        Recipient::One(id) => JsValue::from_str(id),
        Recipient::Many(ids) => ids.iter().map(|id| JsValue::from_str(id)).collect::<js_sys::Array>().into(),
    }
}

/// An incoming payload that did not decode as the expected type. The stream goes on after it.
#[derive(Debug, Clone)]
pub struct DecodeError {
    /// What did not fit.
    pub message: String,
    /// The payload as it arrived.
    pub raw: JsValue,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an incoming payload did not decode: {}", self.message)
    }
}

impl std::error::Error for DecodeError {}

thread_local! {
    /// The JS strings of the keys read from events, each made on first use and kept for the page's
    /// life (a handful of literals): one made per read costs a UTF-8 decode and a new JS string.
    static KEYS: RefCell<Vec<(&'static str, &'static JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// `key`'s JS string. The table is not borrowed once this returns, so a getter that reads an event
/// again while one is being read finds it free.
fn interned(key: &'static str) -> &'static JsValue {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        // The same literal is the same pointer: compared first, so a lookup rarely reads the text.
        let same = |known: &&str| std::ptr::eq(*known, key) || *known == key;
        if let Some((_, value)) = keys.iter().find(|(known, _)| same(known)) {
            return *value;
        }
        let value: &'static JsValue = Box::leak(Box::new(JsValue::from_str(key)));
        keys.push((key, value));
        value
    })
}

/// `object[key]`, `undefined` when reading it throws (a peer's payload must not stop a stream).
pub(crate) fn get(object: &JsValue, key: &'static str) -> JsValue {
    js_sys::Reflect::get(object, interned(key)).unwrap_or(JsValue::UNDEFINED)
}

pub(crate) fn decode<T: DeserializeOwned>(value: JsValue, raw: &JsValue) -> Result<T, DecodeError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| DecodeError { message: e.to_string(), raw: raw.clone() })
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
