//! What daily-js's throws mean. daily-js reports every problem as a plain `Error` with a message
//! (its wording is stable across versions and is imitated by the local room), so the kind is read
//! from the message. Sizes are computed here, on the error path only. What each text means is
//! conformance/errors.json, which this and npm/errors.js are tested against.

use wasm_bindgen::{JsCast, JsValue};

use crate::payload::Error;

/// Classifies a value thrown (or a rejection) by a call-object method. `size` measures the payload,
/// called only when daily-js says it was too large without saying by how much.
pub(crate) fn classify(thrown: JsValue, size: impl FnOnce() -> Option<usize>) -> Error {
    let message = match thrown.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => thrown.as_string().unwrap_or_else(|| "a non-Error value was thrown".to_owned()),
    };
    let is_type_error = thrown.has_type::<js_sys::TypeError>();
    if let Some(at) = message.find(" only supported after join") {
        not_joined(&message[..at], false)
    } else if let Some(limit) = number_after(&message, "Max size is ") {
        // sendAppMessage: "Message data too large. Max size is 4096"
        Error::PayloadTooLarge { size: size().unwrap_or(limit + 1), limit }
    } else if message.contains("is too large (") {
        // "userData is too large (5000 characters). Maximum size suppported is 4096."
        let size = number_after(&message, "too large (").or_else(size).unwrap_or(0);
        let limit = number_after(&message, "Maximum size suppported is ").unwrap_or(0);
        Error::PayloadTooLarge { size, limit }
    } else if message.contains("plain (map-like) object") {
        Error::NotPlainObject
    } else if message.contains("only supported on custom callObject") {
        Error::NotCallObject(
            [&message, "; DailySync needs Daily.createCallObject()'s, not a Daily Prebuilt frame's"].concat(),
        )
    } else if message.contains("serializable to JSON")
        || (is_type_error && (message.contains("circular") || message.contains("BigInt")))
    {
        // "userData must be serializable to JSON: <why>" reads "not serializable to JSON: userData (<why>)".
        Error::NotSerializable(match message.split_once(" must be serializable to JSON") {
            Some((subject, why)) => match why.strip_prefix(": ") {
                Some(why) => [subject, " (", why, ")"].concat(),
                None => [subject, why].concat(),
            },
            None => message,
        })
    } else {
        Error::Daily { message, cause: thrown }
    }
}

/// The `NotJoined` error for `method` (such as `sendAppMessage()`), worded for a call that has not
/// joined yet or (`left`) has left the meeting. Worded as npm/errors.js words it.
pub(crate) fn not_joined(method: &str, left: bool) -> Error {
    Error::NotJoined(if left {
        ["the call has left the meeting, so ", method, " cannot reach anyone; join again to send"].concat()
    } else {
        [
            method,
            " works once the call has joined; await call.join() first, or create the DailySync with \
             SyncOptions { queue_until_joined: true, .. } to hold sends until the join",
        ]
        .concat()
    })
}

fn number_after(message: &str, prefix: &str) -> Option<usize> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    rest[..digits].parse().ok()
}

/// The length of `JSON.stringify(value)` in UTF-16 units; `None` if it has no JSON form.
pub(crate) fn js_json_len(value: &JsValue) -> Option<usize> {
    js_sys::JSON::stringify(value).ok().filter(|s| !s.is_undefined()).map(|s| s.length() as usize)
}
