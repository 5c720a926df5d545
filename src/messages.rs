//! Ephemeral app messages: `sendAppMessage` and the `app-message` event.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::JsValue;

use crate::daily_errors::{classify, not_joined};
use crate::events::{typed_stream_impls, EventStream};
use crate::payload::{json_len, Error, Recipient};
use crate::sys::CallObject;

/// The serializer every outgoing value goes through: JSON-compatible, so Rust maps become plain
/// objects (not JS `Map`s, which JSON.stringify writes as `{}`).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::NotSerializable(e.to_string()))
}

/// The recipient as daily-js takes it: `'*'`, a session id, or an array of them.
pub(crate) fn recipient_to_js(to: &Recipient) -> JsValue {
    match to {
        Recipient::All => JsValue::from_str("*"),
        Recipient::One(id) => JsValue::from_str(id),
        Recipient::Many(ids) => ids.iter().map(|id| JsValue::from_str(id)).collect::<js_sys::Array>().into(),
    }
}

/// Sends an already-converted payload. daily-js measures and checks the size itself (it knows the
/// room's actual limit), so the size is computed only when it refuses.
pub(crate) fn send_js(
    call: &CallObject,
    data: &JsValue,
    to: &Recipient,
    size: impl FnOnce() -> Option<usize>,
) -> Result<(), Error> {
    to.validate()?;
    call.send_app_message(data, &recipient_to_js(to)).map(drop).map_err(|thrown| match classify(thrown, size) {
        Error::NotJoined(_) if call.state() == "left-meeting" => not_joined("sendAppMessage()", true),
        error => error,
    })
}

/// Sends `data` as an app message to `to`.
pub(crate) fn send<T: Serialize + ?Sized>(call: &CallObject, data: &T, to: &Recipient) -> Result<(), Error> {
    let value = to_js(data)?;
    send_js(call, &value, to, || json_len(data).ok())
}

/// An app message as received.
#[derive(Debug, Clone, PartialEq)]
pub struct AppMessage<T> {
    /// The payload, decoded.
    pub data: T,
    /// The sender's session id.
    pub from_id: String,
}

/// An incoming payload that did not decode as the expected type. The stream goes on after it.
#[derive(Debug, Clone)]
pub struct DecodeError {
    /// What did not fit.
    pub message: String,
    /// The payload as it arrived.
    pub raw: JsValue,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an incoming payload did not decode: {}", self.message)
    }
}

impl std::error::Error for DecodeError {}

thread_local! {
    /// The JS strings of the keys read from events, each made on first use and kept for the page's
    /// life (a handful of literals): one made per read costs a UTF-8 decode and a new JS string.
    static KEYS: RefCell<Vec<(&'static str, &'static JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// `key`'s JS string. The table is not borrowed once this returns, so a getter that reads an event
/// again while one is being read finds it free.
fn interned(key: &'static str) -> &'static JsValue {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        // The same literal is the same pointer: compared first, so a lookup rarely reads the text.
        let same = |known: &&str| std::ptr::eq(*known, key) || *known == key;
        if let Some((_, value)) = keys.iter().find(|(known, _)| same(known)) {
            return *value;
        }
        let value: &'static JsValue = Box::leak(Box::new(JsValue::from_str(key)));
        keys.push((key, value));
        value
    })
}

/// `object[key]`, `undefined` when reading it throws (a peer's payload must not stop a stream).
pub(crate) fn get(object: &JsValue, key: &'static str) -> JsValue {
    js_sys::Reflect::get(object, interned(key)).unwrap_or(JsValue::UNDEFINED)
}

pub(crate) fn decode<T: DeserializeOwned>(value: JsValue, raw: &JsValue) -> Result<T, DecodeError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| DecodeError { message: e.to_string(), raw: raw.clone() })
}

/// The senders' ids seen last, most recent first: a sender's `fromId` is read out of JS once, not
/// with each of its messages (a JS string comparison costs less than a decode into a `String`).
#[derive(Default)]
struct SenderIds(Vec<(JsValue, String)>);

impl SenderIds {
    const KEPT: usize = 4;

    /// The most recent sender's `fromId` as JS has it (`undefined` before the first).
    fn last_js(&self) -> Option<&JsValue> {
        self.0.first().map(|(js, _)| js)
    }

    /// The most recent sender's id.
    fn last(&self) -> Option<String> {
        self.0.first().map(|(_, id)| id.clone())
    }

    fn get(&mut self, js: &JsValue) -> Option<String> {
        if let Some(at) = self.0.iter().position(|(known, _)| known == js) {
            let entry = self.0.remove(at);
            let id = entry.1.clone();
            self.0.insert(0, entry);
            return Some(id);
        }
        let id = js.as_string()?;
        self.0.insert(0, (js.clone(), id.clone()));
        self.0.truncate(Self::KEPT);
        Some(id)
    }
}

/// Reads one `app-message` event: `None` for a channel's chunk, which is not a plain app message,
/// and for an event that is not a message from anyone (not an object, no string `fromId`), skipped
/// as the JS API skips it: error items are for messages whose data does not decode.
/// A message from the last sender costs one call into JS, as reading its `data` does.
fn read_message<T: DeserializeOwned>(
    payload: JsValue,
    senders: &mut SenderIds,
) -> Option<Result<AppMessage<T>, DecodeError>> {
    use crate::sys::message_kind::{CHUNK, NOT_OBJECT, NO_SENDER, SAME_SENDER};
    let undefined = JsValue::UNDEFINED;
    let last = senders.last_js().unwrap_or(&undefined);
    // `undefined` is also the data of a message that has none: it takes the longer way.
    let mut data = crate::sys::same_sender_data(&payload, last);
    let from_id = if data.is_undefined() {
        let from_id = match crate::sys::app_message_kind(&payload, last) {
            CHUNK => return None,
            NOT_OBJECT | NO_SENDER => return None,
            SAME_SENDER => senders.last(),
            _ => senders.get(&get(&payload, "fromId")),
        };
        data = get(&payload, "data");
        from_id
    } else {
        senders.last()
    };
    let from_id = from_id?;
    Some(decode(data, &payload).map(|data| AppMessage { data, from_id }))
}

/// A typed `Stream` of app messages. Dropping it unsubscribes.
///
/// ```no_run
/// # async fn demo(sync: daily_sync::DailySync) {
/// use futures::StreamExt;
/// #[derive(serde::Deserialize)]
/// struct Reaction { emoji: String }
/// let mut reactions = sync.app_messages::<Reaction>().unwrap();
/// while let Some(Ok(message)) = reactions.next().await {
///     println!("{} from {}", message.data.emoji, message.from_id);
/// }
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AppMessages<T> {
    events: EventStream,
    senders: SenderIds,
    _type: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> AppMessages<T> {
    pub(crate) fn new(call: &CallObject) -> Result<Self, Error> {
        let events = EventStream::new(call, "app-message").map_err(|e| classify(e, || None))?;
        Ok(AppMessages { events, senders: SenderIds::default(), _type: PhantomData })
    }
}

impl<T: DeserializeOwned> Stream for AppMessages<T> {
    type Item = Result<AppMessage<T>, DecodeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match Pin::new(&mut this.events).poll_next(cx) {
                Poll::Ready(Some(payload)) => {
                    // A channel's chunk is the channel layer's, never a plain app message.
                    if let Some(message) = read_message(payload, &mut this.senders) {
                        return Poll::Ready(Some(message));
                    }
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

typed_stream_impls!(AppMessages<T>);
