//! The `daily-sync/channels` entry's wasm: `ChannelCore`, one channel over one call object. It cuts
//! messages into app messages, puts them back together in order, and hands each delivery to one
//! JS function; npm/channels.js feeds it the call's events (from the one JS listener per event)
//! and fans its deliveries out to iterators and callbacks.

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::channel::driver::{self, Item, SinkGuard};
use crate::convert::{check_serializable, invalid, recipient_from_js};
use crate::sys::CallObject;

/// One channel on one call object.
#[wasm_bindgen(js_name = ChannelCore)]
#[derive(Debug)]
pub struct JsChannelCore {
    core: Rc<driver::ChannelCore>,
    sink: Option<SinkGuard>,
}

#[wasm_bindgen(js_class = ChannelCore)]
impl JsChannelCore {
    /// The channel `name` on `call`, for messages up to `max_size` characters of JSON (`undefined`:
    /// 1 MiB). `deliver(fromId, seq, data)` gets each message, `deliver(fromId, first, undefined,
    /// last)` each gap.
    #[wasm_bindgen(constructor)]
    pub fn new(call: JsValue, name: JsValue, max_size: JsValue, deliver: Function) -> Result<JsChannelCore, JsValue> {
        let call = CallObject::from_js(call).map_err(crate::payload::Error::NotCallObject)?;
        let name = name.as_string().ok_or_else(|| invalid("the channel name must be a string"))?;
        let max_size = match max_size.as_f64() {
            None if max_size.is_undefined() => crate::channel::codec::DEFAULT_MAX_SIZE,
            Some(size) if size >= 1.0 && size.is_finite() => size as usize,
            _ => return Err(invalid("options.maxSize must be a number, at least 1").into()),
        };
        let core = driver::ChannelCore::detached(&call, &name, max_size)?;
        let sink = core.subscribe(move |item| {
            // A throwing JS function is the JS side's to report; the channel goes on.
            let _ = match item {
                Item::Message { data, from, seq } => {
                    deliver.call3(&JsValue::NULL, &JsValue::from_str(from), &(*seq as f64).into(), data)
                }
                Item::Gap { from, first, last } => deliver.apply(
                    &JsValue::NULL,
                    &js_sys::Array::of4(
                        &JsValue::from_str(from),
                        &(*first as f64).into(),
                        &JsValue::UNDEFINED,
                        &(*last as f64).into(),
                    ),
                ),
            };
        });
        Ok(JsChannelCore { core, sink: Some(sink) })
    }

    /// Sends `data` to `'*'`, a session id or a list of them; returns its sequence number once
    /// every chunk is handed to the call object.
    pub fn send(&self, data: JsValue, to: JsValue) -> Result<f64, JsValue> {
        check_serializable(&data, "the message")?;
        let to = recipient_from_js(&to)?;
        Ok(self.core.send(&data, &to)? as f64)
    }

    /// An `app-message` event of the call (npm/channels.js passes those that carry a chunk).
    pub fn receive(&self, event: JsValue) {
        self.core.receive(&event);
    }

    /// A participant joined (`participant-joined`), by session id.
    pub fn joined(&self, id: &str) {
        self.core.joined(id);
    }

    /// A participant left (`participant-left`), by session id.
    pub fn left(&self, id: &str) {
        self.core.left(id);
    }

    /// Stops listening: no more deliveries, no timer.
    pub fn close(&mut self) {
        self.sink = None;
        self.core.close();
    }
}
