//! `DailySync`, the JS API's entry point: one per call object the app wants to sync over.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;

#[cfg(feature = "channels")]
use super::channel::JsChannel;
use super::error::{check_serializable, invalid};
use super::types::{DailySyncOptionsArg, RecipientArg};
#[cfg(feature = "channels")]
use crate::channel::live::ChannelCore;
use crate::daily_errors::js_json_len;
use crate::events::Subscription;
use crate::messages::{self, get};
use crate::payload::{Error, Recipient};
use crate::session::driver::Driver;
use crate::session::JsJson;
use crate::sys::CallObject;

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    /// The async iterator handed to JS (see iterator.js).
    #[derive(Debug, Clone)]
    pub(crate) type EventIterator;

    #[wasm_bindgen(constructor)]
    fn new(kind: &str, close: &Function) -> EventIterator;

    #[wasm_bindgen(method)]
    pub(crate) fn push(this: &EventIterator, payload: &JsValue);

    #[wasm_bindgen(method)]
    fn end(this: &EventIterator);

    #[wasm_bindgen(js_name = shapeParticipant)]
    fn shape_participant(participant: &JsValue) -> JsValue;

    fn settle(promise: &js_sys::Promise, map_error: &Function) -> js_sys::Promise;

    #[wasm_bindgen(js_name = kindOf)]
    pub(crate) fn kind_of(value: &JsValue) -> String;

    #[wasm_bindgen(js_name = copyArray)]
    fn copy_array(value: &JsValue) -> JsValue;
}

/// What feeds an iterator (an event subscription, a channel's sink guard): dropped when it ends.
type Feeder = Box<dyn std::any::Any>;

/// What a `DailySync` owns: the call object, its live iterators and their subscriptions.
#[derive(Debug)]
pub(crate) struct SyncState {
    pub(crate) call: CallObject,
    disposed: Cell<bool>,
    /// Each live iterator with what feeds it (an event subscription or a channel's sink guard),
    /// dropped when the iterator ends.
    iterators: RefCell<Vec<(u32, EventIterator, Feeder)>>,
    /// The channels made with `channel()`, one per name.
    #[cfg(feature = "channels")]
    channels: RefCell<Vec<Rc<ChannelCore>>>,
    next_iterator: Cell<u32>,
    /// One closure per DailySync, bound to an iterator id for each iterator, that ends it.
    close_iterator: Closure<dyn Fn(u32)>,
    /// Turns a daily-js rejection into this library's Error.
    map_rejection: Closure<dyn Fn(JsValue) -> JsValue>,
    session: Rc<Driver<JsJson>>,
}

impl SyncState {
    pub(crate) fn check_live(&self) -> Result<(), Error> {
        if self.disposed.get() {
            Err(Error::Disposed)
        } else {
            Ok(())
        }
    }

    /// A new async iterator over `event`, fed by a subscription that lives until the iterator ends.
    fn iterator(&self, event: &'static str) -> Result<EventIterator, Error> {
        self.iterator_with(event, event, |sink| move |payload: &JsValue| sink.push(payload))
    }

    /// An async iterator whose items `feed` makes from each `event` payload; `kind` picks the
    /// iterator's JS-side shaping (see iterator.js).
    fn iterator_with<F: Fn(&JsValue) + 'static>(
        &self,
        event: &'static str,
        kind: &str,
        feed: impl FnOnce(EventIterator) -> F,
    ) -> Result<EventIterator, Error> {
        self.fed_iterator(kind, |iterator| {
            let subscription = Subscription::new(&self.call, event, feed(iterator))
                .map_err(|thrown| crate::daily_errors::classify(thrown, || None))?;
            Ok(Box::new(subscription))
        })
    }

    /// An async iterator fed by what `start` sets up (and returns, to be dropped when it ends).
    pub(crate) fn fed_iterator(
        &self,
        kind: &str,
        start: impl FnOnce(EventIterator) -> Result<Feeder, Error>,
    ) -> Result<EventIterator, Error> {
        self.check_live()?;
        let id = self.next_iterator.get().wrapping_add(1);
        self.next_iterator.set(id);
        let close: &Function = self.close_iterator.as_ref().unchecked_ref();
        let bound: Function = close.bind1(&JsValue::NULL, &id.into()).unchecked_into();
        let iterator = EventIterator::new(kind, &bound);
        let feeder = start(iterator.clone())?;
        self.iterators.borrow_mut().push((id, iterator.clone(), feeder));
        Ok(iterator)
    }

    /// The channel named `name`, made on first use.
    #[cfg(feature = "channels")]
    pub(crate) fn channel(&self, name: &str, max_size: usize) -> Result<Rc<ChannelCore>, Error> {
        self.check_live()?;
        if let Some(core) = self.channels.borrow().iter().find(|core| core.name() == name) {
            return Ok(core.clone());
        }
        let core = ChannelCore::new(&self.call, name, max_size)?;
        self.channels.borrow_mut().push(core.clone());
        Ok(core)
    }

    fn end_iterators(&self) {
        // Taken out first: ending an iterator calls back into close_iterator.
        let iterators = std::mem::take(&mut *self.iterators.borrow_mut());
        for (_, iterator, feeder) in iterators {
            drop(feeder);
            iterator.end();
        }
        #[cfg(feature = "channels")]
        for channel in std::mem::take(&mut *self.channels.borrow_mut()) {
            channel.close();
        }
    }
}

fn option_number(options: &JsValue, key: &str) -> Result<Option<f64>, Error> {
    let value = Reflect::get(options, &JsValue::from_str(key))
        .map_err(|_| invalid(["options.", key, " cannot be read"].concat()))?;
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(invalid(["options.", key, " must be a finite number of milliseconds"].concat())),
    }
}

/// The smallest session-data interval: one animation frame.
pub(crate) const MIN_SESSION_INTERVAL_MS: f64 = 16.0;

/// Reads `to` as daily-js takes it: `'*'` (or nothing), a session id, or a non-empty array of ids.
pub(crate) fn recipient_from_js(to: &JsValue) -> Result<Recipient, Error> {
    let recipient = if to.is_undefined() || to.is_null() {
        Recipient::All
    } else if let Some(id) = to.as_string() {
        Recipient::from(id)
    } else if kind_of(to) == "array" {
        let ids = copy_array(to);
        if ids.is_null() {
            return Err(Error::InvalidRecipient("reading the list of session ids threw".into()));
        }
        let ids: Array = ids.unchecked_into();
        let ids = ids
            .iter()
            .map(|id| id.as_string().ok_or_else(|| Error::InvalidRecipient("every session id must be a string".into())))
            .collect::<Result<Vec<_>, _>>()?;
        Recipient::Many(ids)
    } else {
        return Err(Error::InvalidRecipient("expected '*', a session id or an array of session ids".into()));
    };
    recipient.validate()?;
    Ok(recipient)
}

/// The own enumerable entries of a plain object (what daily-js accepts as session data).
fn own_entries(data: &JsValue) -> Result<Vec<(String, JsValue)>, Error> {
    match kind_of(data).as_str() {
        "plain" => {}
        "hostile" => return Err(Error::NotSerializable("inspecting the object threw".into())),
        _ => return Err(Error::NotPlainObject),
    }
    let entries = crate::sys::object_entries(data).map_err(|thrown| {
        let message = thrown.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()));
        Error::NotSerializable(["reading the object threw: ", &message.unwrap_or_default()].concat())
    })?;
    Ok(entries
        .iter()
        .filter_map(|pair| {
            let pair: Array = pair.unchecked_into();
            Some((pair.get(0).as_string()?, pair.get(1)))
        })
        .collect())
}

/// The local view as a fresh plain object.
fn view_object(throttle: &crate::session::throttle::Throttle<JsJson>) -> JsValue {
    let pairs: Array = throttle.view().map(|(key, value)| Array::of2(&JsValue::from_str(key), value.value())).collect();
    // fromEntries defines own properties, so a key named "__proto__" stays a key.
    js_sys::Object::from_entries(&pairs).map(JsValue::from).unwrap_or_else(|_| js_sys::Object::new().into())
}

/// Syncs app data over one daily-js call object (or a local one).
#[wasm_bindgen(js_name = DailySync)]
#[derive(Debug)]
pub struct JsDailySync {
    state: Rc<SyncState>,
}

impl Drop for JsDailySync {
    /// `free()` and `[Symbol.dispose]` (what `using` calls) dispose too: nothing pending is lost.
    fn drop(&mut self) {
        self.dispose();
    }
}

#[wasm_bindgen(js_class = DailySync)]
impl JsDailySync {
    /// `new DailySync(call, { sessionDataIntervalMs })`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "DailyCallLike")] call: JsValue,
        options: Option<DailySyncOptionsArg>,
    ) -> Result<JsDailySync, JsValue> {
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        let call = CallObject::from_js(call).map_err(Error::NotCallObject)?;
        let interval = if options.is_undefined() || options.is_null() {
            None
        } else if options.is_object() {
            option_number(&options, "sessionDataIntervalMs")?
        } else {
            return Err(invalid("options must be an object").into());
        };
        let interval = interval.unwrap_or(1000.0);
        if interval < MIN_SESSION_INTERVAL_MS {
            return Err(invalid("options.sessionDataIntervalMs must be at least 16").into());
        }
        let session = Driver::new(call.clone(), interval as u64)?;
        let state = Rc::new_cyclic(|weak: &Weak<SyncState>| {
            let weak = weak.clone();
            SyncState {
                call,
                disposed: Cell::new(false),
                iterators: RefCell::new(Vec::new()),
                #[cfg(feature = "channels")]
                channels: RefCell::new(Vec::new()),
                next_iterator: Cell::new(0),
                session,
                map_rejection: Closure::new(|thrown: JsValue| crate::daily_errors::classify(thrown, || None).into()),
                close_iterator: Closure::new(move |id: u32| {
                    if let Some(state) = weak.upgrade() {
                        state.iterators.borrow_mut().retain(|(other, _, _)| *other != id);
                    }
                }),
            }
        });
        Ok(JsDailySync { state })
    }

    /// Sends an ephemeral message to `'*'` (everyone else), one session id, or a list of them.
    #[wasm_bindgen(js_name = sendAppMessage)]
    pub fn send_app_message(&self, data: JsValue, to: Option<RecipientArg>) -> Result<(), JsValue> {
        self.state.check_live()?;
        check_serializable(&data, "the message")?;
        let to = recipient_from_js(&to.map_or(JsValue::UNDEFINED, JsValue::from))?;
        match messages::send_js(&self.state.call, &data, &to, || js_json_len(&data)) {
            // daily-js checks the join state first; a value with no JSON form is the more useful
            // answer, and finding out costs nothing on the happy path.
            Err(Error::NotJoined(_)) if js_json_len(&data).is_none() => {
                Err(Error::NotSerializable("the message has no JSON form (a cycle or a BigInt)".into()).into())
            }
            result => Ok(result?),
        }
    }

    /// An async iterator of `{ data, fromId }`; `break` or `return()` unsubscribes.
    #[wasm_bindgen(js_name = appMessages, unchecked_return_type = "AsyncIterableIterator<AppMessage>")]
    pub fn app_messages(&self) -> Result<JsValue, JsValue> {
        Ok(self.state.iterator("app-message")?.into())
    }

    /// Sets the local participant's userData (`undefined` removes it); allowed before join.
    #[wasm_bindgen(js_name = setUserData, unchecked_return_type = "Promise<void>")]
    pub fn set_user_data(&self, data: JsValue) -> js_sys::Promise {
        let started = (|| {
            self.state.check_live()?;
            if !data.is_undefined() {
                check_serializable(&data, "userData")?;
            }
            // daily-js's own errors say how large the data was, so no measuring here.
            self.state.call.set_user_data(&data).map_err(|thrown| crate::daily_errors::classify(thrown, || None))
        })();
        match started {
            Ok(promise) => settle(&promise, self.state.map_rejection.as_ref().unchecked_ref()),
            Err(error) => js_sys::Promise::reject(&error.into()),
        }
    }

    /// Everyone in the call, the local participant included: `{ sessionId, userId, userName, local, owner, userData }`.
    #[wasm_bindgen(unchecked_return_type = "Participant[]")]
    pub fn participants(&self) -> Result<Array, JsValue> {
        self.state.check_live()?;
        let all = self.state.call.participants().map_err(|thrown| crate::daily_errors::classify(thrown, || None))?;
        let list = Array::new();
        if all.is_object() {
            for participant in js_sys::Object::values(all.unchecked_ref()).iter() {
                let shaped = shape_participant(&participant);
                if !shaped.is_undefined() {
                    list.push(&shaped);
                }
            }
        }
        Ok(list)
    }

    /// An async iterator of participants as they change; `break` or `return()` unsubscribes.
    #[wasm_bindgen(js_name = participantUpdates, unchecked_return_type = "AsyncIterableIterator<Participant>")]
    pub fn participant_updates(&self) -> Result<JsValue, JsValue> {
        Ok(self.state.iterator("participant-updated")?.into())
    }

    /// Replaces the room-wide state, throttled: at most one write per interval, the last always sent.
    #[wasm_bindgen(js_name = setSessionData)]
    pub fn set_session_data(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] data: JsValue,
    ) -> Result<(), JsValue> {
        self.state.check_live()?;
        let entries = own_entries(&data)?
            .into_iter()
            .filter_map(|(key, value)| JsJson::measure(value).transpose().map(|entry| entry.map(|e| (key, e))))
            .collect::<Result<Vec<_>, Error>>()?;
        self.state.session.set(entries)?;
        Ok(())
    }

    /// Shallow-merges `patch` into the room-wide state, throttled; a key set to `undefined` is deleted.
    #[wasm_bindgen(js_name = mergeSessionData)]
    pub fn merge_session_data(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] patch: JsValue,
    ) -> Result<(), JsValue> {
        self.state.check_live()?;
        let entries = own_entries(&patch)?
            .into_iter()
            .map(|(key, value)| Ok((key, JsJson::measure(value)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        self.state.session.merge(entries)?;
        Ok(())
    }

    /// Sends pending session data now, whatever the interval.
    #[wasm_bindgen(js_name = flushSessionData)]
    pub fn flush_session_data(&self) -> Result<(), JsValue> {
        self.state.check_live()?;
        self.state.session.flush()?;
        Ok(())
    }

    /// The local view of the room-wide state: the room's state with pending local changes applied.
    #[wasm_bindgen(js_name = sessionData, unchecked_return_type = "Record<string, unknown>")]
    pub fn session_data(&self) -> Result<JsValue, JsValue> {
        self.state.check_live()?;
        Ok(self.state.session.with_view(view_object))
    }

    /// An async iterator of `{ data, topology }` each time the room's state arrives; `data` is the
    /// local view (pending local changes applied). `break` or `return()` unsubscribes.
    #[wasm_bindgen(js_name = sessionStates, unchecked_return_type = "AsyncIterableIterator<SessionState>")]
    pub fn session_states(&self) -> Result<JsValue, JsValue> {
        let session = Rc::downgrade(&self.state.session);
        let iterator = self.state.iterator_with("meeting-session-state-updated", "identity", move |sink| {
            move |event: &JsValue| {
                let state = get(event, "meetingSessionState");
                let Some(session) = session.upgrade() else { return };
                if !get(&state, "data").is_object() {
                    return; // garbage from a peer: skipped, the iterator goes on
                }
                let item = js_sys::Object::new();
                let _ = Reflect::set(&item, &"data".into(), &session.with_view(view_object));
                let topology = get(&state, "topology");
                let _ = Reflect::set(
                    &item,
                    &"topology".into(),
                    &if topology.is_string() { topology } else { "none".into() },
                );
                sink.push(&item);
            }
        })?;
        Ok(iterator.into())
    }

    #[cfg(feature = "channels")]
    /// The channel `name`: messages of any size up to `maxSize` (default 1 MiB of JSON), cut into
    /// app messages that fit and put back together, in order, on every receiver.
    pub fn channel(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ChannelOptions")] options: Option<JsValue>,
    ) -> Result<JsChannel, JsValue> {
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let max_size = if options.is_object() { option_number(&options, "maxSize")? } else { None };
        let max_size = match max_size {
            None => crate::channel::codec::DEFAULT_MAX_SIZE,
            Some(size) if size >= 1.0 => size as usize,
            Some(_) => return Err(invalid("options.maxSize must be at least 1").into()),
        };
        let name = name.as_string().ok_or_else(|| invalid("the channel name must be a string"))?;
        let core = self.state.channel(&name, max_size)?;
        Ok(JsChannel::new(core, self.state.clone()))
    }

    /// Sends pending session data, ends every iterator and removes every listener this DailySync
    /// added. Calling it again does nothing.
    pub fn dispose(&self) {
        if self.state.disposed.replace(true) {
            return;
        }
        self.state.end_iterators();
        let _ = self.state.session.close();
    }

    /// Whether `dispose()` was called.
    #[wasm_bindgen(getter)]
    pub fn disposed(&self) -> bool {
        self.state.disposed.get()
    }
}
