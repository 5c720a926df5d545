//! Ephemeral app messages: `sendAppMessage` and the `app-message` event.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;

pub use crate::convert::DecodeError;
use crate::convert::{decode, get, recipient_to_js, to_js};
// Re-exported: some event readers import it from here.
use crate::daily_errors::{classify, not_joined};
use crate::events::{typed_stream_impls, EventStream};
use crate::payload::{json_len, Error, Recipient};
use crate::sys::CallObject;

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

#[wasm_bindgen(inline_js = "export function app_message_kind(payload, sender) {
  if (payload === null || typeof payload !== 'object') return 0;
  let data, fromId;
  try { data = payload.data; } catch {}
  try { if (data !== null && typeof data === 'object' && data.$ds !== undefined) return 1; } catch {}
  try { fromId = payload.fromId; } catch {}
  if (typeof fromId !== 'string') return 2;
  return fromId === sender ? 3 : 4;
}
export function same_sender_data(payload, sender) {
  if (payload === null || typeof payload !== 'object') return undefined;
  try {
    const data = payload.data;
    if (data !== null && typeof data === 'object' && data.$ds !== undefined) return undefined;
    return payload.fromId === sender ? data : undefined;
  } catch {
    return undefined;
  }
}")]
extern "C" {
    /// What an `app-message` payload is, in one call: [`message_kind`] as a number. A getter or an
    /// `in` trap that throws reads as absent.
    pub(crate) fn app_message_kind(payload: &JsValue, sender: &JsValue) -> u32;

    /// The `data` of a plain app message from `sender`, `undefined` for anything else: the Rust
    /// streams' one call into JS for most messages (the same sender sends many in a row).
    pub(crate) fn same_sender_data(payload: &JsValue, sender: &JsValue) -> JsValue;
}

/// What [`app_message_kind`] says of an `app-message` payload.
pub(crate) mod message_kind {
    /// Not an object.
    pub(crate) const NOT_OBJECT: u32 = 0;
    /// A channel's chunk (its `data` has the [`CHUNK_MARKER`](crate::payload::CHUNK_MARKER)).
    pub(crate) const CHUNK: u32 = 1;
    /// No string `fromId`.
    pub(crate) const NO_SENDER: u32 = 2;
    /// A message from `sender` (and 4: from someone else).
    pub(crate) const SAME_SENDER: u32 = 3;
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
    use message_kind::{CHUNK, NOT_OBJECT, NO_SENDER, SAME_SENDER};
    let undefined = JsValue::UNDEFINED;
    let last = senders.last_js().unwrap_or(&undefined);
    // `undefined` is also the data of a message that has none: it takes the longer way.
    let mut data = same_sender_data(&payload, last);
    let from_id = if data.is_undefined() {
        let from_id = match app_message_kind(&payload, last) {
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
