//! The crate's one error type. Each variant is one `kind` of the JS API's errors.

use core::fmt;

/// Everything that can go wrong, in Rust and (through `kind`) in JavaScript.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The payload is over Daily's limit; both measured in `JSON.stringify` characters.
    PayloadTooLarge {
        /// The payload's size.
        size: usize,
        /// The limit it broke.
        limit: usize,
    },
    /// The call has not joined (or has left); the message names the method.
    NotJoined(String),
    /// The value has no JSON form (a cycle, a BigInt, a function, a Symbol, undefined).
    NotSerializable(String),
    /// The recipient is not `'*'`, a session id or a non-empty list of them.
    InvalidRecipient(String),
    /// Session data must be a plain object: not an array, not a `Map`, not null.
    NotPlainObject,
    /// The data of an app message sent through Daily's REST API must be a plain object, as Daily's
    /// endpoint takes only a JSON object.
    NotPlainAppMessage,
    /// The object given is not a daily-js call object (or the call is not in call-object mode).
    NotCallObject(String),
    /// Any other malformed argument or option.
    InvalidArgument(String),
    /// The handle was disposed.
    Disposed,
    /// Daily's REST API answered with an error status.
    Http {
        /// The HTTP status.
        status: u16,
        /// Daily's error kind, such as `invalid-request-error`.
        error: String,
        /// Daily's explanation.
        info: String,
    },
    /// The request did not reach the server or its answer did not come back.
    Network(String),
    /// No answer in time.
    Timeout,
    /// A request to a participant failed ([`rpc`](crate::rpc)): its code (`unsupported-method`,
    /// `recipient-not-found`, `application-error`, `connection-timeout`, `response-timeout`,
    /// `recipient-left` or `cancelled`) and what happened.
    Rpc {
        /// The code.
        code: &'static str,
        /// What happened; for `application-error`, the handler's own message.
        message: String,
        /// For `application-error`: the data the handler failed with
        /// (`RpcFailure::with_data`, or a JS handler's thrown
        /// `data`), as the JS API's `error.data`.
        #[cfg(any(doc, rust_api))]
        data: Option<serde_json::Value>,
    },
    /// Any other error thrown by daily-js, with the original.
    Daily {
        /// The original error's message.
        message: String,
        /// The original thrown value.
        cause: wasm_bindgen::JsValue,
    },
}

impl Error {
    /// The error's `kind`, as the JS API reports it.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::PayloadTooLarge { .. } => "payload-too-large",
            Error::NotJoined(_) => "not-joined",
            Error::NotSerializable(_) => "not-serializable",
            Error::InvalidRecipient(_) => "invalid-recipient",
            Error::NotPlainObject | Error::NotPlainAppMessage => "not-plain-object",
            Error::NotCallObject(_) => "not-call-object",
            Error::InvalidArgument(_) => "invalid-argument",
            Error::Disposed => "disposed",
            Error::Http { .. } => "http",
            Error::Network(_) => "network",
            Error::Timeout => "timeout",
            Error::Rpc { .. } => "rpc",
            Error::Daily { .. } => "daily",
        }
    }
}

impl Error {
    /// The message, built without `core::fmt` (which would add kilobytes to every app's wasm).
    pub fn message(&self) -> String {
        let text = |parts: &[&str]| parts.concat();
        match self {
            Error::PayloadTooLarge { size, limit } => text(&[
                "payload too large: ",
                &decimal(*size as u64),
                " characters, the limit is ",
                &decimal(*limit as u64),
            ]),
            Error::NotJoined(m) => text(&["not joined: ", m]),
            Error::NotSerializable(m) => text(&["not serializable to JSON: ", m]),
            Error::InvalidRecipient(m) => text(&["invalid recipient: ", m]),
            Error::NotPlainObject => {
                "session data must be a plain object (not an array, a Map or null): keep other values under a key, such as { items: [...] }".into()
            }
            Error::NotPlainAppMessage => {
                "app message data must be a plain object (not an array, a Map or null): Daily's REST API takes only an object, so keep other values under a key, such as { items: [...] }".into()
            }
            Error::NotCallObject(m) => text(&["not a call object: ", m]),
            Error::InvalidArgument(m) => text(&["invalid argument: ", m]),
            Error::Disposed => "this DailySync was disposed: create a new one for the call".into(),
            Error::Http { status, error, info } => {
                text(&["HTTP ", &decimal(u64::from(*status)), ": ", error, ": ", info])
            }
            Error::Network(m) => text(&["network error: ", m]),
            Error::Timeout => {
                "the request timed out: Daily's API did not answer in time, and the message may have been delivered, so it was not sent again".into()
            }
            Error::Rpc { message, .. } => message.clone(),
            Error::Daily { message, .. } => text(&["daily-js: ", message]),
        }
    }
}

/// A number in decimal, without `core::fmt`.
pub(crate) fn decimal(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().map(|&d| char::from(d)).collect()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

impl From<super::Unserializable> for Error {
    fn from(e: super::Unserializable) -> Self {
        Error::NotSerializable(e.0)
    }
}
