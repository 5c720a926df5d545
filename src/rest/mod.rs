//! A client for Daily's REST endpoint `POST /rooms/{room_name}/send-app-message`, for backends:
//! Node and edge runtimes through the npm package's `DailyRestClient` (fetch), native Rust through
//! [`native::RestClient`] (feature `rest-native`, reqwest).
//!
//! **The API key is a secret of your backend: never put it in browser code.** Here it appears only
//! in the `Authorization` header; errors, logs and `Debug` output never show it.
//!
//! This module is the part that needs no network: validating a request, building its path and
//! body, reading Daily's answer, and the retry policy, so it is tested natively.

#[cfg(feature = "rest-native")]
pub mod native;

use core::fmt;

use crate::payload::{check_size, json_len, Error, APP_MESSAGE_LIMIT};

/// Daily's API root.
pub const DAILY_API: &str = "https://api.daily.co/v1";

/// Checks an API root such as [`DAILY_API`]: an absolute `http://` or `https://` URL with a host.
pub fn check_base_url(base: &str) -> Result<(), Error> {
    let scheme_end = base.find("://").unwrap_or(0);
    let scheme = base[..scheme_end].to_ascii_lowercase();
    let host = base[scheme_end..].trim_start_matches("://").split(['/', '?', '#']).next().unwrap_or("");
    if !(scheme == "http" || scheme == "https")
        || host.is_empty()
        || base.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::InvalidArgument(
            "the base URL must be an absolute http:// or https:// URL, such as https://api.daily.co/v1".into(),
        ));
    }
    Ok(())
}

/// A Daily API key, which never shows in `Debug` output or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key; an empty one is refused.
    /// Surrounding whitespace (a key read from a file or an environment variable often ends in a
    /// newline) is dropped; a key with a character an HTTP header cannot carry is refused here
    /// rather than failing each request as a network error.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::InvalidArgument("the API key is empty".into()));
        }
        if !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Error::InvalidArgument(
                "the API key holds a space, a control character or a non-ASCII character".into(),
            ));
        }
        Ok(ApiKey(key.to_owned()))
    }

    /// The `Authorization` header's value.
    pub fn bearer(&self) -> String {
        ["Bearer ", &self.0].concat()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// How often and how patiently to retry a request: the delay doubles from `base_delay_ms` up to
/// `max_delay_ms`, and a `Retry-After` header is honoured within that cap. The default, 2 retries
/// from 500 ms, keeps a request under about 2 s of waiting: a notification that late is still
/// worth sending, one later is better reported.
///
/// `send-app-message` is not idempotent, so only what cannot have been delivered is retried: a
/// `429` (Daily refused it unread). A `5xx` may come after the message went out, so it is retried
/// only with `retry_server_errors`, for apps that prefer a duplicate to a loss. A network failure
/// or a timeout is never retried: it cannot tell whether the request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: none).
    pub max_retries: u32,
    /// The first retry's delay.
    pub base_delay_ms: u64,
    /// No delay is longer.
    pub max_delay_ms: u64,
    /// Retry `5xx` answers too, at the risk of delivering a message twice (default false).
    pub retry_server_errors: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 2, base_delay_ms: 500, max_delay_ms: 4000, retry_server_errors: false }
    }
}

impl RetryPolicy {
    /// Whether an answer with this status is worth another try under this policy.
    pub fn retries_status(&self, status: u16) -> bool {
        status == 429 || (self.retry_server_errors && (500..600).contains(&status))
    }

    /// The delay before retry number `retry` (1 for the first), or `None` when retries are used up.
    pub fn delay(&self, retry: u32, retry_after_secs: Option<u64>) -> Option<u64> {
        if retry == 0 || retry > self.max_retries {
            return None;
        }
        let doubling = self.base_delay_ms.saturating_mul(1u64 << (retry - 1).min(32));
        let wanted = retry_after_secs.map_or(doubling, |secs| secs.saturating_mul(1000).max(doubling));
        Some(wanted.min(self.max_delay_ms))
    }
}

/// The default time to wait for Daily's answer to one attempt.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// A checked request: the path under the API root and the JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendAppMessage {
    /// `/rooms/{room_name}/send-app-message`, the room name percent-encoded.
    pub path: String,
    /// `{"data":…,"recipient":…}`.
    pub body: String,
}

impl SendAppMessage {
    /// Checks a request as Daily would, before it is sent: a non-empty room name, `data` a JSON
    /// object within 4096 characters, `recipient` `'*'` or a non-empty session id.
    pub fn new(room: &str, data: &serde_json::Value, recipient: Option<&str>) -> Result<Self, Error> {
        if !data.is_object() {
            return Err(Error::NotPlainAppMessage);
        }
        Self::from_json(room, &data.to_string(), json_len(data)?, recipient)
    }

    /// [`new`](Self::new) for data already written as JSON: `data` is the JSON text of an object
    /// and `data_len` its length in UTF-16 units (what `JSON.stringify` gives, in JS).
    pub fn from_json(room: &str, data: &str, data_len: usize, recipient: Option<&str>) -> Result<Self, Error> {
        if room.is_empty() {
            return Err(Error::InvalidArgument("the room name is empty".into()));
        }
        check_size(data_len, APP_MESSAGE_LIMIT)?;
        let recipient = recipient.unwrap_or("*");
        if recipient.is_empty() {
            return Err(Error::InvalidRecipient("the recipient must be '*' or a session id".into()));
        }
        let recipient = serde_json::to_string(recipient).unwrap_or_default();
        let body = [r#"{"data":"#, data, r#","recipient":"#, &recipient, "}"].concat();
        Ok(SendAppMessage { path: ["/rooms/", &percent_encode(room), "/send-app-message"].concat(), body })
    }

    /// The full URL under `base` (Daily's API root, or a dev server's `/v1`).
    pub fn url(&self, base: &str) -> String {
        [base.trim_end_matches('/'), &self.path].concat()
    }
}

/// Reads Daily's answer: `Ok` for a 2xx, else [`Error::Http`] with Daily's `error` and `info`.
pub fn read_answer(status: u16, body: &str) -> Result<(), Error> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    #[derive(serde::Deserialize, Default)]
    struct Failure {
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        info: Option<String>,
    }
    let failure: Failure = serde_json::from_str(body).unwrap_or_default();
    Err(failure_of(status, failure.error, failure.info, body))
}

/// The error for a non-2xx answer, from the `error` and `info` of its JSON body (each `None` when
/// missing or not a string): Daily's words, or the start of the body when it has none.
pub fn failure_of(status: u16, error: Option<String>, info: Option<String>, body: &str) -> Error {
    Error::Http {
        status,
        error: error.unwrap_or_else(|| "unknown-error".into()),
        info: info.unwrap_or_else(|| body.chars().take(200).collect()),
    }
}

/// Percent-encodes a path segment: everything but RFC 3986's unreserved characters.
pub fn percent_encode(segment: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_are_checked_before_they_are_sent() {
        let ok = SendAppMessage::new("my room/ü", &json!({"text": "hi"}), None).unwrap();
        assert_eq!(ok.path, "/rooms/my%20room%2F%C3%BC/send-app-message");
        assert_eq!(ok.body, r#"{"data":{"text":"hi"},"recipient":"*"}"#);
        assert_eq!(
            ok.url("http://127.0.0.1:8080/v1/"),
            "http://127.0.0.1:8080/v1/rooms/my%20room%2F%C3%BC/send-app-message"
        );
        assert_eq!(SendAppMessage::new("", &json!({}), None).unwrap_err().kind(), "invalid-argument");
        let array = SendAppMessage::new("r", &json!([1]), None).unwrap_err();
        assert_eq!(array.kind(), "not-plain-object");
        assert!(array.message().starts_with("app message data must be a plain object"), "{array}");
        assert_eq!(SendAppMessage::new("r", &json!({}), Some("")).unwrap_err().kind(), "invalid-recipient");
        let big = json!({ "t": "x".repeat(4090) });
        match SendAppMessage::new("r", &big, Some("abc")) {
            Err(Error::PayloadTooLarge { size: 4098, limit: 4096 }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn answers_become_typed_errors() {
        assert!(read_answer(200, r#"{"sent":"true"}"#).is_ok());
        match read_answer(400, r#"{"error":"invalid-request-error","info":"missing required field"}"#) {
            Err(Error::Http { status: 400, error, info }) => {
                assert_eq!((error.as_str(), info.as_str()), ("invalid-request-error", "missing required field"))
            }
            other => panic!("unexpected {other:?}"),
        }
        match read_answer(502, "<html>bad gateway</html>") {
            Err(Error::Http { status: 502, error, .. }) => assert_eq!(error, "unknown-error"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn retries_back_off_and_stop() {
        let policy = RetryPolicy::default();
        assert!(policy.retries_status(429), "Daily refused it unread");
        assert!(!policy.retries_status(503) && !policy.retries_status(500), "it may have been delivered");
        assert!(!policy.retries_status(400) && !policy.retries_status(401));
        let opted_in = RetryPolicy { retry_server_errors: true, ..policy };
        assert!(opted_in.retries_status(503) && opted_in.retries_status(429) && !opted_in.retries_status(404));
        assert_eq!(policy.delay(1, None), Some(500));
        assert_eq!(policy.delay(2, None), Some(1000));
        assert_eq!(policy.delay(3, None), None, "two retries by default");
        assert_eq!(policy.delay(1, Some(2)), Some(2000), "Retry-After is honoured");
        assert_eq!(policy.delay(1, Some(600)), Some(4000), "within the cap");
    }

    #[test]
    fn the_key_never_shows() {
        let key = ApiKey::new("sk_live_secret").unwrap();
        assert!(!format!("{key:?}").contains("secret"));
        assert_eq!(key.bearer(), "Bearer sk_live_secret");
        assert!(ApiKey::new("  ").is_err());
    }

    #[test]
    fn keys_are_trimmed_and_header_safe() {
        assert_eq!(ApiKey::new("sk_1\n").unwrap().bearer(), "Bearer sk_1", "a trailing newline is dropped");
        for bad in ["sk 1", "sk\n1", "sk\u{0}1", "clé"] {
            assert!(matches!(ApiKey::new(bad), Err(Error::InvalidArgument(_))), "{bad:?}");
        }
    }

    #[test]
    fn base_urls_are_absolute_http_urls() {
        for good in [DAILY_API, "http://127.0.0.1:8080/v1", "HTTPS://api.daily.co/v1/"] {
            assert!(check_base_url(good).is_ok(), "{good}");
        }
        for bad in ["", "*", "api.daily.co/v1", "ftp://host/v1", "https://", "https:///v1", "https://a b/v1", "/v1"] {
            assert!(matches!(check_base_url(bad), Err(Error::InvalidArgument(_))), "{bad:?}");
        }
    }
}
