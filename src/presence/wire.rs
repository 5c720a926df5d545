//! A presence message on the wire, as the Rust API sends it (src/js/presence_core.rs, the npm channels
//! entry's driver, sends the same): an app message `{ $ds: 1, c: '$p', n: name, q: seq, v: value }`;
//! the `$ds` marker keeps it off the plain app-message subscriptions.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use super::core::Outgoing;
use crate::sys::CallObject;

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a plain object's own data property does not throw.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// Sends `out` of presence `name` to `to` (`'*'` or a session id). A send that fails (the call
/// left, a value too large) is dropped: presence is the latest value, and the next one goes out
/// as usual.
pub(crate) fn send(call: &CallObject, name: &str, out: &Outgoing<JsValue>, to: &str) {
    let message = Object::new();
    set(&message, "$ds", &1.into());
    set(&message, "c", &"$p".into());
    set(&message, "n", &JsValue::from_str(name));
    set(&message, "q", &(out.seq as f64).into());
    set(&message, "v", &out.value);
    let _ = call.send_app_message(&message, &JsValue::from_str(to));
}
