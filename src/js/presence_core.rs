//! The `daily-sync/channels` entry's presence: `PresenceCore`, one per DailySync and name. It runs
//! [`Presence`](crate::presence::core::Presence) with real time: it sends the latest value at most
//! once per interval, drops late messages, expires silent participants, and hands each change to
//! one JS function; npm/presence.js feeds it the call's events and fans the changes out.
//!
//! On the wire a presence message is an app message `{ $ds: 1, c: '$p', n: name, q: seq, v: value }`:
//! the `$ds` marker keeps it off the plain app-message subscriptions.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::convert::get;
use crate::presence::core::{Change, Outgoing, Presence};
use crate::sys::{now, CallObject, DeadlineTimer};

struct State {
    call: CallObject,
    /// Whether the interval follows the room's size (`intervalMs: 'auto'`).
    auto: bool,
    name: String,
    presence: Presence<JsValue>,
    on_change: Function,
    timer: DeadlineTimer,
}

/// Presence of one name on one call object.
#[wasm_bindgen(js_name = PresenceCore)]
pub struct JsPresenceCore {
    state: Rc<RefCell<State>>,
}

impl std::fmt::Debug for JsPresenceCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresenceCore").finish_non_exhaustive()
    }
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a plain object's own data property does not throw.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// Sends `out` to `to` (`'*'` or a session id). A send that fails (the call left, a value too
/// large) is dropped: presence is the latest value, and the next one goes out as usual.
fn send(state: &State, out: &Outgoing<JsValue>, to: &str) {
    let message = Object::new();
    set(&message, "$ds", &1.into());
    set(&message, "c", &"$p".into());
    set(&message, "n", &JsValue::from_str(&state.name));
    set(&message, "q", &(out.seq as f64).into());
    set(&message, "v", &out.value);
    let _ = state.call.send_app_message(&message, &JsValue::from_str(to));
}

fn report(on_change: &Function, changes: Vec<Change<JsValue>>) {
    for change in changes {
        let value = change.value.unwrap_or(JsValue::UNDEFINED);
        // A throwing JS function is the JS side's to report.
        let _ = on_change.call2(&JsValue::NULL, &JsValue::from_str(&change.from), &value);
    }
}

impl JsPresenceCore {
    /// Runs what is due, then sets the timer for the next deadline.
    fn drive(state: &Rc<RefCell<State>>) {
        let (changes, on_change) = {
            let mut s = state.borrow_mut();
            let (out, gone) = s.presence.tick(now());
            if let Some(out) = out {
                send(&s, &out, "*");
            }
            let deadline = s.presence.next_deadline();
            let weak: Weak<RefCell<State>> = Rc::downgrade(state);
            s.timer.set(deadline, now(), move || {
                move || {
                    if let Some(state) = weak.upgrade() {
                        state.borrow_mut().timer.clear();
                        JsPresenceCore::drive(&state);
                    }
                }
            });
            (gone, s.on_change.clone())
        };
        report(&on_change, changes);
    }
}

#[wasm_bindgen(js_class = PresenceCore)]
impl JsPresenceCore {
    /// Presence `name` on `call`, sending at most once per `interval_ms` (undefined: `'auto'`, by
    /// the room's size), forgetting participants silent for `stale_ms` (undefined: kept until they
    /// leave). `on_change(sessionId, value)` gets each change (`value` undefined: gone).
    #[wasm_bindgen(constructor)]
    pub fn new(
        call: JsValue,
        name: String,
        interval_ms: Option<f64>,
        stale_ms: Option<f64>,
        on_change: Function,
    ) -> Result<JsPresenceCore, JsValue> {
        let call = CallObject::from_js(call).map_err(crate::payload::Error::NotCallObject)?;
        let interval = interval_ms.map_or(crate::presence::auto_interval(0), |ms| ms as u64);
        let presence = Presence::new(interval, stale_ms.map(|ms| ms as u64));
        let state =
            State { call, auto: interval_ms.is_none(), name, presence, on_change, timer: DeadlineTimer::default() };
        Ok(JsPresenceCore { state: Rc::new(RefCell::new(state)) })
    }

    /// The local value changed: sent now, or on the trailing edge of the interval.
    pub fn set(&self, value: JsValue) {
        {
            let mut s = self.state.borrow_mut();
            if let Some(out) = s.presence.set(now(), value) {
                send(&s, &out, "*");
            }
        }
        JsPresenceCore::drive(&self.state);
    }

    /// The room has `participants`: an `'auto'` interval follows.
    #[wasm_bindgen(js_name = roomSize)]
    pub fn room_size(&self, participants: u32) {
        let mut s = self.state.borrow_mut();
        if s.auto {
            s.presence.set_interval(crate::presence::auto_interval(participants as usize));
        }
    }

    /// A presence app message of this name (npm/presence.js passes those).
    pub fn receive(&self, event: &JsValue) {
        let data = get(event, "data");
        let (Some(from), Some(seq)) = (get(event, "fromId").as_string(), get(&data, "q").as_f64()) else { return };
        if !(seq >= 1.0 && seq.fract() == 0.0) {
            return;
        }
        let change = self.state.borrow_mut().presence.receive(now(), &from, seq as u64, get(&data, "v"));
        let on_change = self.state.borrow().on_change.clone();
        report(&on_change, change.into_iter().collect());
        JsPresenceCore::drive(&self.state);
    }

    /// A participant joined: it gets the local value at once, so it never waits for a change.
    pub fn joined(&self, id: &str) {
        let s = self.state.borrow();
        if let Some(out) = s.presence.current() {
            send(&s, &out, id);
        }
    }

    /// A participant left: gone.
    pub fn left(&self, id: &str) {
        let change = self.state.borrow_mut().presence.left(id);
        let on_change = self.state.borrow().on_change.clone();
        report(&on_change, change.into_iter().collect());
    }

    /// The others' values: `[sessionId, value, updatedAt (ms)]`.
    pub fn others(&self) -> js_sys::Array {
        let s = self.state.borrow();
        s.presence
            .others()
            .map(|(from, value, at)| js_sys::Array::of3(&JsValue::from_str(from), value, &(at as f64).into()))
            .collect()
    }

    /// Stops: no timer, nothing more sent.
    pub fn close(&self) {
        self.state.borrow_mut().timer.clear();
    }
}
