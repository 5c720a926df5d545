//! The Rust API's presence: [`PresenceHandle`], made by
//! [`DailySync::presence`](crate::DailySync::presence). It runs the pure [`Presence`] core with real
//! time, on the same wire as the JS API's `sync.presence()`, so Rust and JS peers share a name.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use super::core::{Change, Presence};
use super::{auto_interval, wire};
use crate::convert::{decode, get, to_js, DecodeError};
use crate::events::Subscription;
use crate::payload::Error;
use crate::sys::{now, CallObject, DeadlineTimer};

/// The options of [`DailySync::presence`](crate::DailySync::presence).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresenceOptions {
    /// At most one message per this many ms (16 or more); `None`: `'auto'`, by the room's size
    /// (see [`auto_interval`]).
    pub interval_ms: Option<u32>,
    /// A participant whose value is not set again within this many ms is gone (for "typing…");
    /// `None`: kept until it leaves.
    pub stale_ms: Option<u32>,
}

/// A participant's presence changed: its new value, or `None` when it is gone (it left, or went
/// stale past `stale_ms`).
#[derive(Debug, Clone, PartialEq)]
pub struct PresenceChange<T> {
    /// The participant's session id.
    pub session_id: String,
    /// Its value; `None`: gone.
    pub value: Option<T>,
}

#[derive(Default)]
struct Changes {
    items: VecDeque<Change<JsValue>>,
    waker: Option<Waker>,
}

struct State {
    call: CallObject,
    name: String,
    /// Whether the interval follows the room's size.
    auto: bool,
    presence: Presence<JsValue>,
    timer: DeadlineTimer,
    /// The open change streams (a dropped one is forgotten on the next change).
    streams: Vec<Weak<RefCell<Changes>>>,
}

impl State {
    fn report(&mut self, changes: impl IntoIterator<Item = Change<JsValue>>) {
        let changes: Vec<_> = changes.into_iter().collect();
        if changes.is_empty() {
            return;
        }
        self.streams.retain(|stream| {
            let Some(stream) = stream.upgrade() else { return false };
            let mut stream = stream.borrow_mut();
            stream.items.extend(changes.iter().cloned());
            if let Some(waker) = stream.waker.take() {
                waker.wake();
            }
            true
        });
    }

    fn retune(&mut self) {
        if self.auto {
            let size = self
                .call
                .participants()
                .ok()
                .and_then(|all| all.dyn_into::<js_sys::Object>().ok())
                .map_or(0, |all| js_sys::Object::keys(&all).length() as usize);
            self.presence.set_interval(auto_interval(size));
        }
    }
}

impl Drop for State {
    /// The handle is gone: every open stream ends.
    fn drop(&mut self) {
        for stream in self.streams.drain(..).filter_map(|stream| stream.upgrade()) {
            let waker = stream.borrow_mut().waker.take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

/// Runs what is due, then sets the timer for the next deadline.
fn drive(state: &Rc<RefCell<State>>) {
    let mut s = state.borrow_mut();
    let at = now();
    let (out, gone) = s.presence.tick(at);
    if let Some(out) = out {
        wire::send(&s.call, &s.name, &out, "*");
    }
    s.report(gone);
    let deadline = s.presence.next_deadline();
    let weak = Rc::downgrade(state);
    s.timer.set(deadline, at, move || {
        move || {
            if let Some(state) = weak.upgrade() {
                state.borrow_mut().timer.clear();
                drive(&state);
            }
        }
    });
}

/// The presence `name` of `T` values of one DailySync: set the local value at any rate, read the
/// others', follow their changes. Dropping it stops it (nothing more sent, no listener left).
///
/// ```no_run
/// # async fn demo(sync: daily_sync::DailySync) -> Result<(), daily_sync::Error> {
/// use daily_sync::PresenceOptions;
/// use futures::StreamExt;
/// #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// struct Cursor { x: f64, y: f64 }
/// let cursors = sync.presence::<Cursor>("cursor", &PresenceOptions { interval_ms: Some(50), stale_ms: None })?;
/// cursors.set(&Cursor { x: 0.5, y: 0.25 })?; // any rate: at most one app message per 50 ms
/// let mut changes = cursors.changes();
/// while let Some(Ok(change)) = changes.next().await {
///     match change.value {
///         Some(cursor) => println!("{} is at {}, {}", change.session_id, cursor.x, cursor.y),
///         None => println!("{} is gone", change.session_id),
///     }
/// }
/// # Ok(()) }
/// ```
pub struct PresenceHandle<T> {
    state: Rc<RefCell<State>>,
    _subscriptions: Vec<Subscription>,
    _type: PhantomData<fn(T) -> T>,
}

impl<T> fmt::Debug for PresenceHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresenceHandle").field("name", &self.state.borrow().name).finish_non_exhaustive()
    }
}

impl<T: Serialize + DeserializeOwned> PresenceHandle<T> {
    pub(crate) fn new(call: &CallObject, name: &str, options: &PresenceOptions) -> Result<Self, Error> {
        if name.is_empty() {
            return Err(Error::InvalidArgument("a presence name must not be empty".into()));
        }
        if options.interval_ms.is_some_and(|ms| ms < 16) {
            return Err(Error::InvalidArgument("the presence interval must be at least 16 ms".into()));
        }
        let interval = options.interval_ms.map_or(auto_interval(0), u64::from);
        let state = Rc::new(RefCell::new(State {
            call: call.clone(),
            name: name.to_owned(),
            auto: options.interval_ms.is_none(),
            presence: Presence::new(interval, options.stale_ms.map(u64::from)),
            timer: DeadlineTimer::default(),
            streams: Vec::new(),
        }));
        state.borrow_mut().retune();
        let (on_message, on_join, on_leave) = (Rc::downgrade(&state), Rc::downgrade(&state), Rc::downgrade(&state));
        let own = name.to_owned();
        let subscriptions = [
            Subscription::new(call, "app-message", move |event| {
                let Some(state) = on_message.upgrade() else { return };
                let data = get(event, "data");
                if get(&data, "$ds").is_undefined()
                    || get(&data, "c").as_string().as_deref() != Some("$p")
                    || get(&data, "n").as_string().as_deref() != Some(own.as_str())
                {
                    return;
                }
                let (Some(from), Some(seq)) = (get(event, "fromId").as_string(), get(&data, "q").as_f64()) else {
                    return;
                };
                if !(seq >= 1.0 && seq.fract() == 0.0) {
                    return;
                }
                {
                    let mut s = state.borrow_mut();
                    let change = s.presence.receive(now(), &from, seq as u64, get(&data, "v"));
                    s.report(change);
                }
                drive(&state);
            }),
            Subscription::new(call, "participant-joined", move |event| {
                let Some(state) = on_join.upgrade() else { return };
                let mut s = state.borrow_mut();
                if let Some(id) = get(&get(event, "participant"), "session_id").as_string() {
                    if let Some(out) = s.presence.current() {
                        wire::send(&s.call, &s.name, &out, &id);
                    }
                }
                s.retune();
            }),
            Subscription::new(call, "participant-left", move |event| {
                let Some(state) = on_leave.upgrade() else { return };
                let mut s = state.borrow_mut();
                if let Some(id) = get(&get(event, "participant"), "session_id").as_string() {
                    let change = s.presence.left(&id);
                    s.report(change);
                }
                s.retune();
            }),
        ];
        let subscriptions = subscriptions
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|thrown| crate::daily_errors::classify(thrown, || None))?;
        Ok(PresenceHandle { state, _subscriptions: subscriptions, _type: PhantomData })
    }

    /// The presence's name.
    pub fn name(&self) -> String {
        self.state.borrow().name.clone()
    }

    /// Sets the local value: sent now, or on the trailing edge of the interval (a newer value set
    /// meanwhile replaces it), so the last value always goes out. Fails with `NotSerializable`
    /// for a value with no JSON form; a send that fails later (the call left) is dropped.
    pub fn set(&self, value: &T) -> Result<(), Error> {
        let value = to_js(value)?;
        {
            let mut s = self.state.borrow_mut();
            if let Some(out) = s.presence.set(now(), value) {
                wire::send(&s.call, &s.name, &out, "*");
            }
        }
        drive(&self.state);
        Ok(())
    }

    /// The others' values: `(session id, value, when it was last updated in ms since the epoch)`.
    /// A value that does not decode as `T` is left out.
    pub fn get(&self) -> Vec<(String, T, u64)> {
        let s = self.state.borrow();
        s.presence
            .others()
            .filter_map(|(from, value, at)| decode(value.clone(), value).ok().map(|v| (from.to_owned(), v, at)))
            .collect()
    }

    /// A `Stream` of the others' changes from now on. A value that does not decode as `T` is an
    /// error item, and the stream goes on. Dropping it unsubscribes.
    pub fn changes(&self) -> PresenceChanges<T> {
        let changes = Rc::new(RefCell::new(Changes::default()));
        self.state.borrow_mut().streams.push(Rc::downgrade(&changes));
        PresenceChanges { changes, _type: PhantomData }
    }
}

/// The changes of a [`PresenceHandle`]; see [`PresenceHandle::changes`]. It ends when the handle
/// is dropped.
#[must_use = "streams do nothing unless polled"]
pub struct PresenceChanges<T> {
    changes: Rc<RefCell<Changes>>,
    _type: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for PresenceChanges<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresenceChanges").field("pending", &self.changes.borrow().items.len()).finish()
    }
}

impl<T: DeserializeOwned> Stream for PresenceChanges<T> {
    type Item = Result<PresenceChange<T>, DecodeError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut changes = self.changes.borrow_mut();
        if let Some(change) = changes.items.pop_front() {
            let value = match change.value {
                None => None,
                Some(value) => match decode(value.clone(), &value) {
                    Ok(value) => Some(value),
                    Err(error) => return Poll::Ready(Some(Err(error))),
                },
            };
            return Poll::Ready(Some(Ok(PresenceChange { session_id: change.from, value })));
        }
        // Only the handle's state holds a weak reference: with the handle gone, nothing more comes.
        if Rc::weak_count(&self.changes) == 0 {
            return Poll::Ready(None);
        }
        changes.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}
