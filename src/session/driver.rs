//! Drives a [`Throttle`] with real time: a gloo-timers timeout for the trailing edge, the call
//! object's `setMeetingSessionData` for sends, and its `meeting-session-state-updated` and
//! `joined-meeting` events for the room's state.

use std::cell::RefCell;
use std::fmt;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;

use super::throttle::{Entry, Outgoing, Throttle};
use crate::convert::get;
use crate::daily_errors::classify;
use crate::events::Subscription;
use crate::held::HeldCount;
use crate::payload::{Error, SESSION_DATA_LIMIT};
use crate::sys::{console_warn, now, CallObject, DeadlineTimer};

/// A value the driver can hold: it knows its size and how to become a JS value when it is sent.
pub trait SessionValue: Clone + PartialEq + 'static {
    /// Reads one value of an incoming state; `None` for values with no JSON form (dropped, as
    /// JSON.stringify would).
    fn from_js(value: JsValue) -> Option<Entry<Self>>;
    /// The value as the call object takes it.
    fn to_js(&self) -> JsValue;
}

/// The throttle, its timer and its subscriptions.
pub(crate) struct Driver<V: SessionValue> {
    call: CallObject,
    throttle: RefCell<Throttle<V>>,
    timer: RefCell<DeadlineTimer>,
    subscriptions: RefCell<Vec<Subscription>>,
    /// With `queue_until_joined`: changes made before join are held (not refused) and sent on
    /// join, each counted with the DailySync's held messages (the JS API's one queue).
    held: Option<HeldCount>,
}

impl<V: SessionValue> fmt::Debug for Driver<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver").field("pending", &self.throttle.borrow().has_pending()).finish()
    }
}

impl<V: SessionValue> Driver<V> {
    /// A driver not yet subscribed to the room's events ([`remote`](Self::remote),
    /// [`on_joined`](Self::on_joined) and [`on_left`](Self::on_left) take them).
    fn detached(call: CallObject, interval_ms: u64, held: Option<HeldCount>) -> Rc<Self> {
        let driver = Rc::new(Driver {
            call,
            throttle: RefCell::new(Throttle::new(interval_ms, SESSION_DATA_LIMIT)),
            timer: RefCell::default(),
            subscriptions: RefCell::new(Vec::new()),
            held,
        });
        if driver.joined() {
            driver.on_joined();
        }
        driver
    }

    /// Starts following the room's session state on `call`, through its own subscriptions. With
    /// `queue_until_joined`, changes made before join are held and sent on join.
    pub(crate) fn new(call: CallObject, interval_ms: u64, held: Option<HeldCount>) -> Result<Rc<Self>, Error> {
        let driver = Self::detached(call.clone(), interval_ms, held);
        let weak = Rc::downgrade(&driver);
        // Each listener holds the driver weakly: the driver owns the subscriptions.
        let subscribe = |event, on: fn(&Rc<Self>, &JsValue)| {
            let driver = weak.clone();
            let callback: Box<dyn Fn(&JsValue)> = Box::new(move |payload| {
                if let Some(driver) = driver.upgrade() {
                    on(&driver, payload);
                }
            });
            Subscription::new(&call, event, callback).map_err(|thrown| classify(thrown, || None))
        };
        let subscriptions = vec![
            subscribe("meeting-session-state-updated", |driver, event| {
                driver.remote(&get(&get(event, "meetingSessionState"), "data"));
            })?,
            subscribe("joined-meeting", |driver, _| driver.on_joined())?,
            subscribe("left-meeting", |driver, _| driver.on_left())?,
        ];
        *driver.subscriptions.borrow_mut() = subscriptions;
        Ok(driver)
    }

    /// The call left: nothing can be sent any more, so pending changes are dropped, with a warning.
    pub(crate) fn on_left(&self) {
        self.timer.borrow_mut().clear();
        if self.throttle.borrow_mut().discard_pending() {
            console_warn("daily-sync: the call left before pending session data could be sent; it was dropped");
        }
    }

    fn joined(&self) -> bool {
        self.call.joined()
    }

    /// The call joined: the room's state is read at once, and what was held is sent.
    pub(crate) fn on_joined(self: &Rc<Self>) {
        if let Ok(state) = self.call.meeting_session_state() {
            self.remote(&get(&state, "data"));
        }
        if self.throttle.borrow().has_pending() {
            self.pump();
        }
    }

    /// Takes in the room's state; pending local changes stay on top of it.
    pub(crate) fn remote(&self, data: &JsValue) {
        if !data.is_object() {
            return; // a garbage state from a peer is ignored, never fatal
        }
        let Ok(entries) = crate::sys::object_entries(data) else { return };
        // Measured before the throttle is borrowed: a value's toJSON may call back in.
        let state: Vec<_> = entries
            .iter()
            .filter_map(|pair| {
                let pair: js_sys::Array = pair.unchecked_into();
                let key = pair.get(0).as_string()?;
                Some((key, V::from_js(pair.get(1))?))
            })
            .collect();
        self.throttle.borrow_mut().remote(state, now());
    }

    /// Refuses changes before join, as daily-js does (which the throttle would otherwise hold).
    fn check_joined(&self) -> Result<(), Error> {
        match &self.held {
            _ if self.joined() => Ok(()),
            Some(held) => crate::held::held_room(held),
            None => Err(crate::daily_errors::not_joined("a session-data write", self.call.state() == "left-meeting")),
        }
    }

    /// Counts a change taken before join with the DailySync's held sends.
    fn count_held(&self) {
        if let Some(held) = self.held.as_ref().filter(|_| !self.joined()) {
            held.set(held.get() + 1);
        }
    }

    /// Replaces the whole state.
    pub(crate) fn set(self: &Rc<Self>, state: Vec<(String, Entry<V>)>) -> Result<(), Error> {
        self.check_joined()?;
        self.throttle.borrow_mut().set(state)?;
        self.count_held();
        self.pump();
        Ok(())
    }

    /// Shallow-merges a patch; `None` deletes a key.
    pub(crate) fn merge(self: &Rc<Self>, patch: Vec<(String, Option<Entry<V>>)>) -> Result<(), Error> {
        self.check_joined()?;
        self.throttle.borrow_mut().merge(patch)?;
        self.count_held();
        self.pump();
        Ok(())
    }

    /// Sends what is pending now, whatever the window.
    pub(crate) fn flush(&self) -> Result<(), Error> {
        if !self.joined() {
            return Ok(()); // held until join (`queue_until_joined`), or nothing can be sent
        }
        // The timer stays: when it fires it finds nothing to send, and sets the next one (the end
        // of the sent update's in-flight window).
        let outgoing = self.throttle.borrow_mut().flush(now());
        match outgoing {
            Some(outgoing) => self.send(outgoing),
            None => Ok(()),
        }
    }

    /// Runs the local view through `f`.
    pub(crate) fn with_view<R>(&self, f: impl FnOnce(&Throttle<V>) -> R) -> R {
        f(&self.throttle.borrow())
    }

    /// Stops following the room: pending changes are flushed first (dropped, with a warning, when
    /// the call is not joined).
    pub(crate) fn close(&self) -> Result<(), Error> {
        let flushed = if self.joined() {
            self.flush()
        } else {
            if self.throttle.borrow_mut().discard_pending() {
                console_warn("daily-sync: session data held until join was dropped: the DailySync and its handles were dropped first");
            }
            Ok(())
        };
        self.timer.borrow_mut().clear();
        self.subscriptions.borrow_mut().clear();
        flushed
    }

    /// Sends what the window allows now, and sets the timer for the trailing edge.
    fn pump(self: &Rc<Self>) {
        if !self.joined() {
            return; // held until join: on_joined pumps
        }
        let now = now();
        let outgoing = self.throttle.borrow_mut().poll(now);
        if let Some(outgoing) = outgoing {
            if let Err(error) = self.send(outgoing) {
                console_warn(&["daily-sync: a session-data update could not be sent: ", &error.message()].concat());
            }
        }
        let deadline = self.throttle.borrow().next_deadline();
        self.timer.borrow_mut().set(deadline, now, || {
            let driver = Rc::downgrade(self);
            move || fire(&driver)
        });
    }

    fn send(&self, outgoing: Outgoing<V>) -> Result<(), Error> {
        let pairs = outgoing.data.iter().map(|(key, value)| {
            let value = value.as_ref().map_or(JsValue::UNDEFINED, SessionValue::to_js);
            js_sys::Array::of2(&JsValue::from_str(key), &value)
        });
        // fromEntries defines own properties, so a key named "__proto__" stays a key.
        let data = js_sys::Object::from_entries(&pairs.collect::<js_sys::Array>())
            .map_err(|thrown| classify(thrown, || None))?;
        self.call
            .set_meeting_session_data(&data, outgoing.strategy.as_str())
            .map(drop)
            .map_err(|thrown| classify(thrown, || None))
    }
}

/// The last owner (the DailySync or a handle) is gone: what is pending is flushed, and the room's
/// events are no longer followed.
impl<V: SessionValue> Drop for Driver<V> {
    fn drop(&mut self) {
        if let Err(error) = self.close() {
            console_warn(&["daily-sync: pending session data could not be sent: ", &error.message()].concat());
        }
    }
}

fn fire<V: SessionValue>(driver: &Weak<Driver<V>>) {
    if let Some(driver) = driver.upgrade() {
        driver.timer.borrow_mut().clear();
        if driver.joined() {
            driver.pump();
        } else if driver.throttle.borrow_mut().discard_pending() {
            console_warn("daily-sync: the call left before pending session data could be sent; it was dropped");
        }
    }
}
