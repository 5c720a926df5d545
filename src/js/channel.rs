//! The `daily-sync/channels` entry's wasm: `ChannelCore`, one channel over one call object. It cuts
//! messages into app messages, puts them back together in order, and hands each delivery to one
//! JS function; npm/channels.js feeds it the call's events (from the one JS listener per event)
//! and fans its deliveries out to iterators and callbacks.

use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use crate::channel::driver::{self, Item, SinkGuard};
use crate::channel::history::Entry;
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
                Item::Message { data, from, seq, replay: false } => {
                    deliver.call3(&JsValue::NULL, &JsValue::from_str(from), &(*seq as f64).into(), data)
                }
                Item::Message { data, from, seq, replay: true } => deliver.apply(
                    &JsValue::NULL,
                    &Array::of5(
                        &JsValue::from_str(from),
                        &(*seq as f64).into(),
                        data,
                        &JsValue::UNDEFINED,
                        &JsValue::TRUE,
                    ),
                ),
                Item::Gap { from, first, last } => deliver.apply(
                    &JsValue::NULL,
                    &Array::of4(
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

    /// A participant joined (`participant-joined`'s participant).
    pub fn joined(&self, participant: JsValue) {
        if let Some(id) = self.core.newcomer(&participant) {
            self.core.joined(&id);
        }
    }

    /// A participant left (`participant-left`), by session id.
    pub fn left(&self, id: &str) {
        self.core.left(id);
    }

    /// Keeps the last `capacity` broadcasts, sent or received, for members that open it late.
    #[wasm_bindgen(js_name = keepHistory)]
    pub fn keep_history(&self, capacity: u32) {
        self.core.keep_history(capacity as usize);
    }

    /// The broadcasts kept, oldest first, as `[fromId, seq, data]` (what a late member is sent).
    pub fn history(&self) -> Array {
        self.core
            .history()
            .into_iter()
            .map(|entry| Array::of3(&JsValue::from_str(&entry.from), &(entry.seq as f64).into(), &entry.data))
            .collect()
    }

    /// This member opened the channel late: live broadcasts wait for the history.
    #[wasm_bindgen(js_name = startFetch)]
    pub fn start_fetch(&self) {
        self.core.start_fetch();
    }

    /// The history a peer sent (`[fromId, seq, data]` entries, oldest first; undefined: none
    /// could be had): delivered as replays, then the broadcasts held meanwhile. Malformed
    /// entries (a peer's) are skipped.
    pub fn replayed(&self, fetched: JsValue) {
        let fetched = Array::is_array(&fetched).then(|| {
            Array::from(&fetched)
                .iter()
                .filter_map(|entry| {
                    if !Array::is_array(&entry) {
                        return None;
                    }
                    let entry = Array::from(&entry);
                    let from = entry.get(0).as_string().filter(|from| !from.is_empty())?;
                    let seq = entry.get(1).as_f64().filter(|seq| *seq >= 0.0 && seq.fract() == 0.0 && *seq < 9.0e15)?;
                    Some(Entry { from, seq: seq as u64, data: entry.get(2) })
                })
                .collect()
        });
        self.core.replayed(fetched);
    }

    /// Stops listening: no more deliveries, no timer.
    pub fn close(&mut self) {
        self.sink = None;
        self.core.close();
    }
}
