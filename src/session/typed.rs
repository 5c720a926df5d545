//! [`SessionData`], the Rust API's typed handle on the room-wide state.

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{Map, Value};

use super::driver::Driver;
use super::values::rust_entry;
use crate::convert::{get, DecodeError};
use crate::events::{typed_stream_impls, EventStream};
use crate::payload::Error;
use crate::sys::CallObject;

/// A throttled handle on the meeting session state, typed as `S` (a struct or map that serializes
/// to a JSON object), from [`DailySync::session_data`](crate::DailySync::session_data). The
/// handles of one DailySync share its one throttle, so they see each other's pending changes and
/// never overwrite each other's merges. What is pending is flushed when the window ends, on
/// [`flush`](Self::flush), and when the DailySync and its last handle are dropped.
///
/// ```no_run
/// # fn demo(sync: &daily_sync::DailySync) -> Result<(), daily_sync::Error> {
/// #[derive(serde::Serialize, serde::Deserialize, Default)]
/// struct Stage { current_speaker: Option<String> }
/// let stage = sync.session_data::<Stage>()?;
/// stage.merge(&serde_json::json!({ "current_speaker": "a1b2" }))?;   // sent at most once a second
/// assert_eq!(stage.get().unwrap().current_speaker.as_deref(), Some("a1b2")); // seen locally at once
/// # Ok(()) }
/// ```
pub struct SessionData<S> {
    driver: Rc<Driver<Value>>,
    call: CallObject,
    _type: PhantomData<fn() -> S>,
}

fn to_object<T: Serialize + ?Sized>(value: &T) -> Result<Map<String, Value>, Error> {
    match serde_json::to_value(value).map_err(|e| Error::NotSerializable(e.to_string()))? {
        Value::Object(map) => Ok(map),
        _ => Err(Error::NotPlainObject),
    }
}

fn decode_view<S: DeserializeOwned>(driver: &Driver<Value>) -> Result<S, DecodeError> {
    let map: Map<String, Value> = driver.with_view(|t| t.view().map(|(k, v)| (k.to_owned(), v.clone())).collect());
    serde_json::from_value(Value::Object(map))
        .map_err(|e| DecodeError { message: e.to_string(), raw: wasm_bindgen::JsValue::UNDEFINED })
}

impl<S: Serialize + DeserializeOwned> SessionData<S> {
    /// A handle over the DailySync's one throttle.
    pub(crate) fn new(call: &CallObject, driver: Rc<Driver<Value>>) -> Self {
        SessionData { driver, call: call.clone(), _type: PhantomData }
    }

    /// Replaces the whole state (throttled). Refused over 102400 characters, before anything is held.
    pub fn set(&self, state: &S) -> Result<(), Error> {
        let entries =
            to_object(state)?.into_iter().map(|(k, v)| Ok((k, rust_entry(v)?))).collect::<Result<_, Error>>()?;
        self.driver.set(entries)
    }

    /// Shallow-merges the top-level keys of `patch` (throttled); nested values are replaced.
    pub fn merge<P: Serialize + ?Sized>(&self, patch: &P) -> Result<(), Error> {
        let entries =
            to_object(patch)?.into_iter().map(|(k, v)| Ok((k, Some(rust_entry(v)?)))).collect::<Result<_, Error>>()?;
        self.driver.merge(entries)
    }

    /// Deletes top-level keys (throttled).
    pub fn delete<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> Result<(), Error> {
        self.driver.merge(keys.into_iter().map(|k| (k.to_owned(), None)).collect())
    }

    /// Sends what is pending now.
    pub fn flush(&self) -> Result<(), Error> {
        self.driver.flush()
    }

    /// The local view: the room's state with pending local changes applied.
    pub fn get(&self) -> Result<S, DecodeError> {
        decode_view(&self.driver)
    }

    /// Flushes what is pending and drops this handle (the throttle goes on for the others).
    pub fn close(self) -> Result<(), Error> {
        self.driver.flush()
    }

    /// A stream of the local view each time the room's state arrives. Dropping it unsubscribes.
    pub fn states(&self) -> Result<SessionStates<S>, Error> {
        let events = EventStream::new(&self.call, "meeting-session-state-updated")
            .map_err(|thrown| crate::daily_errors::classify(thrown, || None))?;
        Ok(SessionStates { events, driver: self.driver.clone(), _type: PhantomData })
    }
}

impl<S> fmt::Debug for SessionData<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionData").field("driver", &self.driver).finish()
    }
}

/// A `Stream` of the session state (the local view) as the room's state arrives.
#[must_use = "streams do nothing unless polled"]
pub struct SessionStates<S> {
    events: EventStream,
    driver: Rc<Driver<Value>>,
    _type: PhantomData<fn() -> S>,
}

impl<S: DeserializeOwned> Stream for SessionStates<S> {
    type Item = Result<S, DecodeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.events).poll_next(cx) {
            Poll::Ready(Some(event)) => {
                // The driver took the state in first (it subscribed first); an event with no
                // object state is garbage from a peer and is reported, not fatal.
                let state = get(&get(&event, "meetingSessionState"), "data");
                if !state.is_object() {
                    return Poll::Ready(Some(Err(DecodeError {
                        message: "the session state is not an object".into(),
                        raw: event,
                    })));
                }
                Poll::Ready(Some(decode_view(&self.driver)))
            }
            other => other.map(|_| None),
        }
    }
}

typed_stream_impls!(SessionStates<S>);
