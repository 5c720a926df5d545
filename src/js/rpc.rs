//! The `daily-sync/channels` entry's request and response: `RpcCore`, one per DailySync. It sends
//! requests and answers over the reserved channel, keeps their deadlines, and hands each request
//! for a handled method, and each outcome of this side's requests, to one JS function each;
//! npm/rpc.js runs the handlers and settles the promises.

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::convert::invalid;
use crate::rpc::core::Timeouts;
use crate::rpc::driver::{Request, RpcDriver, Settled};
use crate::sys::CallObject;

/// Request and response on one call object.
#[wasm_bindgen(js_name = RpcCore)]
#[derive(Debug)]
pub struct JsRpcCore {
    driver: Rc<RpcDriver>,
}

/// `timeoutMs` and `connectionTimeoutMs` as npm/rpc.js read them (undefined: the defaults).
fn timeouts(timeout_ms: Option<f64>, connection_ms: Option<f64>) -> Timeouts {
    let response = timeout_ms.map_or(Timeouts::RESPONSE_MS, |ms| ms as u64);
    let mut timeouts = Timeouts::new(response);
    if let Some(ms) = connection_ms {
        timeouts.connection = (ms as u64).min(response);
    }
    timeouts
}

/// Checks that `method` is a non-empty string.
fn method_of(method: &JsValue) -> Result<(), JsValue> {
    match method.dyn_ref::<js_sys::JsString>() {
        Some(method) if method.length() > 0 => Ok(()),
        _ => Err(invalid("the method must be a non-empty string").into()),
    }
}

#[wasm_bindgen(js_class = RpcCore)]
impl JsRpcCore {
    /// Request and response on `call`. `on_request(fromId, id, method, payload)` gets each new
    /// request for a handled method, already acknowledged; `on_settled(id, to, value, error)` each
    /// outcome of this side's requests (`error` undefined when it was answered).
    #[wasm_bindgen(constructor)]
    pub fn new(call: JsValue, on_request: Function, on_settled: Function) -> Result<JsRpcCore, JsValue> {
        let call = CallObject::from_js(call).map_err(crate::payload::Error::NotCallObject)?;
        let driver = RpcDriver::detached(
            &call,
            move |request: Request| {
                // A throwing JS function is the JS side's to report.
                let _ = on_request.call4(
                    &JsValue::NULL,
                    &request.from_value,
                    &(request.id as f64).into(),
                    &request.method_value,
                    &request.payload,
                );
            },
            move |settled: Settled| {
                let (value, error) = match settled.result {
                    Ok(value) => (value, JsValue::UNDEFINED),
                    Err((code, message, data)) => {
                        let error: JsValue = crate::payload::Error::Rpc {
                            code: code.as_str(),
                            message,
                            #[cfg(any(doc, rust_api))]
                            data: None,
                        }
                        .into();
                        if !data.is_undefined() {
                            let _ = js_sys::Reflect::set(&error, &"data".into(), &data);
                        }
                        (JsValue::UNDEFINED, error)
                    }
                };
                let _ =
                    on_settled.call4(&JsValue::NULL, &(settled.id as f64).into(), &settled.to_value, &value, &error);
            },
        );
        Ok(JsRpcCore { driver })
    }

    /// Says whether this side has a handler for `method`.
    #[wasm_bindgen(js_name = setHandled)]
    pub fn set_handled(&self, method: &str, handled: bool) {
        self.driver.set_handled(method, handled);
    }

    /// Sends a request to `to` (`present`: whether it is in the call); returns its id.
    pub fn request(
        &self,
        to: JsValue,
        present: bool,
        method: JsValue,
        payload: JsValue,
        timeout_ms: Option<f64>,
        connection_ms: Option<f64>,
    ) -> Result<f64, JsValue> {
        let to = match to.as_string() {
            Some(to) if !to.is_empty() && to != "*" => to,
            _ => return Err(crate::payload::Error::InvalidRecipient("a request goes to one session id".into()).into()),
        };
        // The channel layer refuses a payload with no JSON form (not-serializable) as it sends.
        method_of(&method)?;
        let id = self.driver.request(&to, present, &method, &payload, timeouts(timeout_ms, connection_ms))?;
        Ok(id as f64)
    }

    /// Sends one request to each of `everyone` (session ids); returns its id.
    #[wasm_bindgen(js_name = requestAll)]
    pub fn request_all(
        &self,
        everyone: Vec<String>,
        method: JsValue,
        payload: JsValue,
        timeout_ms: Option<f64>,
        connection_ms: Option<f64>,
    ) -> Result<f64, JsValue> {
        method_of(&method)?;
        let id = self.driver.request_all(&everyone, &method, &payload, timeouts(timeout_ms, connection_ms))?;
        Ok(id as f64)
    }

    /// Answers request `id` of `to` with `value`, or (when `failed`) with the handler's failure:
    /// its `message` and `data`.
    pub fn respond(
        &self,
        to: JsValue,
        id: f64,
        failed: bool,
        value: JsValue,
        message: JsValue,
        data: JsValue,
    ) -> Result<(), JsValue> {
        let Some(to) = self.driver.id_of(&to) else {
            return Err(crate::payload::Error::InvalidRecipient("a request goes to one session id".into()).into());
        };
        let message = message.as_string().unwrap_or_default();
        let result = if failed { Err((message.as_str(), &data)) } else { Ok(&value) };
        Ok(self.driver.respond(&to, id as u64, result)?)
    }

    /// Cancels request `id`.
    pub fn cancel(&self, id: f64) {
        self.driver.cancel(id as u64);
    }

    /// An `app-message` event of the call (npm/rpc.js passes those of the reserved channel).
    pub fn receive(&self, event: JsValue) {
        self.driver.receive(&event);
    }

    /// A participant joined (`participant-joined`'s participant).
    pub fn joined(&self, participant: JsValue) {
        self.driver.joined(&participant);
    }

    /// A participant left, by session id: its requests fail with `recipient-left`.
    pub fn left(&self, id: &str) {
        self.driver.left(id);
    }

    /// Stops: what is pending settles as cancelled; no more deliveries, no timer.
    pub fn close(&self) {
        self.driver.close();
    }
}
