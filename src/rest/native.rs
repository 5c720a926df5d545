//! The REST client for native Rust backends, on reqwest (feature `rest-native`).
//!
//! ```no_run
//! # async fn notify() -> Result<(), daily_sync::Error> {
//! use daily_sync::rest::native::RestClient;
//! let client = RestClient::new(std::env::var("DAILY_API_KEY").unwrap_or_default())?;
//! client.send_app_message("my-room", &serde_json::json!({ "type": "notification", "text": "Recording started" }), None).await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use super::{read_answer, ApiKey, RetryPolicy, SendAppMessage, DAILY_API, DEFAULT_TIMEOUT_MS};
use crate::payload::Error;

/// Sends app messages into rooms through Daily's REST API.
#[derive(Debug, Clone)]
pub struct RestClient {
    http: reqwest::Client,
    key: ApiKey,
    base: String,
    timeout: Duration,
    retry: RetryPolicy,
}

impl RestClient {
    /// A client for Daily's API with `api_key`, the default timeout and retry policy.
    pub fn new(api_key: impl Into<String>) -> Result<Self, Error> {
        Ok(RestClient {
            http: reqwest::Client::new(),
            key: ApiKey::new(api_key)?,
            base: DAILY_API.to_owned(),
            timeout: Duration::from_millis(DEFAULT_TIMEOUT_MS),
            retry: RetryPolicy::default(),
        })
    }

    /// Another API root, such as the dev server's `http://127.0.0.1:8080/v1`.
    pub fn with_base_url(mut self, base: impl Into<String>) -> Self {
        self.base = base.into();
        self
    }

    /// How long to wait for one attempt's answer.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How to retry: after `429` answers, and after `5xx` ones only with `retry_server_errors`.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sends `data` (a JSON object within 4096 characters) into `room`, to everyone (`None` or
    /// `"*"`) or one session id.
    pub async fn send_app_message(
        &self,
        room: &str,
        data: &serde_json::Value,
        recipient: Option<&str>,
    ) -> Result<(), Error> {
        let request = SendAppMessage::new(room, data, recipient)?;
        let url = request.url(&self.base);
        let mut retry = 0;
        loop {
            let sent = self
                .http
                .post(&url)
                .header(reqwest::header::AUTHORIZATION, self.key.bearer())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(request.body.clone())
                .timeout(self.timeout)
                .send()
                .await;
            let (error, retry_after) = match sent {
                Err(e) if e.is_timeout() => (Error::Timeout, None),
                // reqwest's error text names the URL, never the headers: the key stays out.
                Err(e) => (Error::Network(e.to_string()), None),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse().ok());
                    let body = response.text().await.unwrap_or_default();
                    match read_answer(status, &body) {
                        Ok(()) => return Ok(()),
                        Err(error) => (error, retry_after),
                    }
                }
            };
            let retryable = matches!(&error, Error::Http { status, .. } if self.retry.retries_status(*status));
            retry += 1;
            match self.retry.delay(retry, retry_after).filter(|_| retryable) {
                Some(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                None => return Err(error),
            }
        }
    }
}
