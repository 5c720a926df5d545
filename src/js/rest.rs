//! The `daily-sync/rest` entry: `DailyRestClient`, the npm package's REST client for Node and edge runtimes (through fetch).

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::payload::Error;
use crate::rest::{check_base_url, failure_of, ApiKey, RetryPolicy, SendAppMessage, DAILY_API, DEFAULT_TIMEOUT_MS};

#[wasm_bindgen(module = "/src/rest/fetch.js")]
extern "C" {
    fn post(url: &str, authorization: &str, body: &str, timeout_ms: f64) -> Promise;
    fn sleep(ms: f64) -> Promise;
}

#[wasm_bindgen]
extern "C" {
    /// `new DailyRestClient(options)`'s options.
    #[wasm_bindgen(typescript_type = "DailyRestClientOptions")]
    pub type DailyRestClientOptionsArg;
}

fn field(options: &JsValue, key: &str) -> JsValue {
    Reflect::get(options, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `options[key]` as a whole number from `min` to `max` (`None` when absent). A fraction is taken
/// down only where it stays within bounds; anything else is refused, never silently changed.
fn whole_number(options: &JsValue, key: &str, min: u64, max: u64) -> Result<Option<u64>, Error> {
    let value = field(options, key);
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.is_finite() && n.floor() >= min as f64 && n <= max as f64 => Ok(Some(n as u64)),
        _ => Err(Error::InvalidArgument(format!("options.{key} must be a number from {min} to {max}"))),
    }
}

/// What a send resolves with: `{ sent }`, Daily's `sent` when its answer has one (`"true"`), else
/// `true`, so that an answer without JSON still tells the app the message went out.
fn sent(answer: &JsValue) -> JsValue {
    let sent = if answer.is_object() { field(answer, "sent") } else { JsValue::UNDEFINED };
    let sent = if sent.is_string() { sent } else { JsValue::TRUE };
    let result = js_sys::Object::new();
    let _ = Reflect::set(&result, &JsValue::from_str("sent"), &sent);
    result.into()
}

/// The most retries a client makes after the first attempt.
const MAX_RETRIES: u64 = 10;
/// The longest timeout a JS timer can wait (2^31 - 1 ms, about 24.8 days); a longer one fires at once.
const MAX_TIMEOUT_MS: u64 = 2_147_483_647;

/// Sends app messages into rooms through Daily's REST API. Server side only.
#[wasm_bindgen(js_name = DailyRestClient)]
#[derive(Debug, Clone)]
pub struct JsRestClient {
    key: ApiKey,
    base: String,
    timeout_ms: u64,
    retry: RetryPolicy,
}

#[wasm_bindgen(js_class = DailyRestClient)]
impl JsRestClient {
    /// `new DailyRestClient({ apiKey, baseUrl?, timeoutMs?, retries? })`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: DailyRestClientOptionsArg) -> Result<JsRestClient, JsValue> {
        let options = JsValue::from(options);
        if !options.is_object() {
            return Err(Error::InvalidArgument("options must be an object with an apiKey".into()).into());
        }
        let key = field(&options, "apiKey")
            .as_string()
            .ok_or_else(|| Error::InvalidArgument("options.apiKey must be a string".into()))?;
        let base = match field(&options, "baseUrl") {
            url if url.is_undefined() => DAILY_API.to_owned(),
            url => url.as_string().ok_or_else(|| Error::InvalidArgument("options.baseUrl must be a string".into()))?,
        };
        check_base_url(&base)?;
        let mut retry = RetryPolicy::default();
        if let Some(retries) = whole_number(&options, "retries", 0, MAX_RETRIES)? {
            retry.max_retries = retries as u32;
        }
        match field(&options, "retryServerErrors") {
            value if value.is_undefined() => {}
            value => {
                retry.retry_server_errors = value
                    .as_bool()
                    .ok_or_else(|| Error::InvalidArgument("options.retryServerErrors must be a boolean".into()))?;
            }
        }
        Ok(JsRestClient {
            key: ApiKey::new(key)?,
            base,
            timeout_ms: whole_number(&options, "timeoutMs", 1, MAX_TIMEOUT_MS)?.unwrap_or(DEFAULT_TIMEOUT_MS),
            retry,
        })
    }

    /// Sends `data` (a plain object within 4096 characters) into `roomName`, to `'*'` (everyone)
    /// or one session id; resolves with `{ sent }`: Daily's `"true"`, or `true` for a success
    /// answer without that field.
    #[wasm_bindgen(js_name = sendAppMessage, unchecked_return_type = "Promise<{ sent: string | true }>")]
    pub fn send_app_message(
        &self,
        room_name: JsValue,
        data: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] recipient: Option<JsValue>,
    ) -> Promise {
        let client = self.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let recipient = match recipient.filter(|r| !r.is_undefined() && !r.is_null()) {
                None => None,
                Some(r) => Some(r.as_string().ok_or_else(|| {
                    Error::InvalidRecipient("the recipient must be '*' or a session id (a string)".into())
                })?),
            };
            let request = client.request(&room_name, &data, recipient.as_deref())?;
            client.send(&request).await
        })
    }
}

impl JsRestClient {
    fn request(&self, room: &JsValue, data: &JsValue, recipient: Option<&str>) -> Result<SendAppMessage, Error> {
        let room = room.as_string().ok_or_else(|| Error::InvalidArgument("the room name must be a string".into()))?;
        match crate::convert::kind_of(data).as_str() {
            "plain" => {}
            "hostile" => return Err(Error::NotSerializable("inspecting the data threw".into())),
            _ => return Err(Error::NotPlainAppMessage),
        }
        let text = js_sys::JSON::stringify(data)
            .ok()
            .filter(|text| text.is_string())
            .ok_or_else(|| Error::NotSerializable("the data holds a cycle or a BigInt".into()))?;
        let len = text.length() as usize;
        SendAppMessage::from_json(&room, &String::from(text), len, recipient)
    }

    /// Sends `request`, retrying as the policy says; a network failure keeps what fetch threw as
    /// the error's `cause`.
    async fn send(&self, request: &SendAppMessage) -> Result<JsValue, JsValue> {
        let url = request.url(&self.base);
        let authorization = self.key.bearer();
        let mut retry = 0;
        loop {
            let outcome = JsFuture::from(post(&url, &authorization, &request.body, self.timeout_ms as f64))
                .await
                .unwrap_or(JsValue::UNDEFINED);
            let failure = field(&outcome, "failure").as_string();
            let status = field(&outcome, "status").as_f64().map(|s| s as u16);
            let error = match (failure.as_deref(), status) {
                (Some("timeout"), _) => Error::Timeout,
                (Some(_), _) | (None, None) => {
                    Error::Network(field(&outcome, "message").as_string().unwrap_or_default())
                }
                (None, Some(status)) => {
                    let body = field(&outcome, "body").as_string().unwrap_or_default();
                    let answer = js_sys::JSON::parse(&body).unwrap_or(JsValue::UNDEFINED);
                    if (200..300).contains(&status) {
                        return Ok(sent(&answer));
                    }
                    let text = |key| if answer.is_object() { field(&answer, key).as_string() } else { None };
                    failure_of(status, text("error"), text("info"), &body)
                }
            };
            let retryable = matches!(&error, Error::Http { status, .. } if self.retry.retries_status(*status));
            retry += 1;
            let retry_after = field(&outcome, "retryAfter").as_string().and_then(|s| s.trim().parse().ok());
            match self.retry.delay(retry, retry_after).filter(|_| retryable) {
                Some(ms) => {
                    let _ = JsFuture::from(sleep(ms as f64)).await;
                }
                None => {
                    let network = matches!(error, Error::Network(_));
                    let js = JsValue::from(error);
                    if network {
                        let _ = Reflect::set(&js, &JsValue::from_str("cause"), &field(&outcome, "cause"));
                    }
                    return Err(js);
                }
            }
        }
    }
}
