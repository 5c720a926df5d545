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
            Error::NotPlainObject => "not-plain-object",
            Error::NotCallObject(_) => "not-call-object",
            Error::InvalidArgument(_) => "invalid-argument",
            Error::Disposed => "disposed",
            Error::Http { .. } => "http",
            Error::Network(_) => "network",
            Error::Timeout => "timeout",
            Error::Daily { .. } => "daily",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::PayloadTooLarge { size, limit } => {
                write!(f, "payload too large: {size} characters, the limit is {limit}")
            }
            Error::NotJoined(m) => write!(f, "not joined: {m}"),
            Error::NotSerializable(m) => write!(f, "not serializable to JSON: {m}"),
            Error::InvalidRecipient(m) => write!(f, "invalid recipient: {m}"),
            Error::NotPlainObject => f.write_str("session data must be a plain object (not an array, a Map or null)"),
            Error::NotCallObject(m) => write!(f, "not a daily-js call object: {m}"),
            Error::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            Error::Disposed => f.write_str("this DailySync was disposed"),
            Error::Http { status, error, info } => write!(f, "HTTP {status}: {error}: {info}"),
            Error::Network(m) => write!(f, "network error: {m}"),
            Error::Timeout => f.write_str("the request timed out"),
            Error::Daily { message, .. } => write!(f, "daily-js: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<super::Unserializable> for Error {
    fn from(e: super::Unserializable) -> Self {
        Error::NotSerializable(e.0)
    }
}
