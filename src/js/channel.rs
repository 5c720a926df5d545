//! `Channel`, the JS face of a message channel: typed, chunked, ordered messages past 4096
//! characters, made by `sync.channel(name, { maxSize })`.

use std::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::error::check_serializable;
use super::sync::{recipient_from_js, SyncState};
use super::types::RecipientArg;
use crate::channel::live::{ChannelCore, Item};

fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in entries {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// A named channel of messages of any size up to its `maxSize`, ordered per sender.
#[wasm_bindgen(js_name = Channel)]
#[derive(Debug)]
pub struct JsChannel {
    core: Rc<ChannelCore>,
    state: Rc<SyncState>,
}

impl JsChannel {
    pub(crate) fn new(core: Rc<ChannelCore>, state: Rc<SyncState>) -> Self {
        JsChannel { core, state }
    }
}

#[wasm_bindgen(js_class = Channel)]
impl JsChannel {
    /// The channel's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.core.name().to_owned()
    }

    /// Sends `data` to `'*'`, a session id or a list of them; resolves once every chunk is handed
    /// to the call object.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn send(&self, data: JsValue, to: Option<RecipientArg>) -> js_sys::Promise {
        let sent = (|| {
            self.state.check_live()?;
            check_serializable(&data, "the message")?;
            let to = recipient_from_js(&to.map_or(JsValue::UNDEFINED, JsValue::from))?;
            self.core.send(&data, &to)
        })();
        match sent {
            Ok(_) => js_sys::Promise::resolve(&JsValue::UNDEFINED),
            Err(error) => js_sys::Promise::reject(&error.into()),
        }
    }

    /// An async iterator of `{ data, fromId, seq }`, in order per sender; `break` unsubscribes.
    #[wasm_bindgen(unchecked_return_type = "AsyncIterableIterator<ChannelMessage>")]
    pub fn messages(&self) -> Result<JsValue, JsValue> {
        let core = self.core.clone();
        let iterator = self.state.fed_iterator("identity", move |sink| {
            Ok(Box::new(core.subscribe(move |item| {
                if let Item::Message { data, from, seq } = item {
                    sink.push(&object(&[
                        ("data", data.clone()),
                        ("fromId", from.into()),
                        ("seq", (*seq as f64).into()),
                    ]));
                }
            })))
        })?;
        Ok(iterator.into())
    }

    /// An async iterator of `{ fromId, first, last }`: messages of a sender that were lost (or
    /// given up on after a timeout); `break` unsubscribes.
    #[wasm_bindgen(unchecked_return_type = "AsyncIterableIterator<ChannelGap>")]
    pub fn gaps(&self) -> Result<JsValue, JsValue> {
        let core = self.core.clone();
        let iterator = self.state.fed_iterator("identity", move |sink| {
            Ok(Box::new(core.subscribe(move |item| {
                if let Item::Gap { from, first, last } = item {
                    sink.push(&object(&[
                        ("fromId", from.into()),
                        ("first", (*first as f64).into()),
                        ("last", (*last as f64).into()),
                    ]));
                }
            })))
        })?;
        Ok(iterator.into())
    }
}

#[wasm_bindgen(typescript_custom_section)]
const CHANNEL_TYPES: &'static str = r#"
/** Options of `sync.channel(name, options)`. */
export interface ChannelOptions {
  /** The largest message, in JSON.stringify characters (default 1 MiB); the same on every end. */
  maxSize?: number;
}

/** A message of a channel. */
export interface ChannelMessage<T = unknown> {
  data: T;
  fromId: string;
  /** The sender's sequence number on this channel, from 0. */
  seq: number;
}

/** Messages of a sender that will not arrive. */
export interface ChannelGap {
  fromId: string;
  first: number;
  last: number;
}
"#;
