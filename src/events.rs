//! Event subscriptions on a call object. daily-js's call object is an EventEmitter that warns past
//! ten listeners and stops at a listener that throws, so each (call object, event name) pair gets
//! exactly one JS listener, shared by every subscriber and fanned out here. Every subscription is an
//! owned value: dropping it unsubscribes, and dropping the last removes the JS listener.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use futures_core::{FusedStream, Stream};
use wasm_bindgen::prelude::*;

use crate::sys::CallObject;

/// A subscriber owns the payload it is given: the last one gets the listener's own, the others a
/// clone (a clone is a call into JS, which a lone stream then never pays).
type Subscriber = Rc<dyn Fn(JsValue)>;

/// The one JS listener for one event name on one call object, and its subscribers.
struct Hub {
    call: CallObject,
    event: &'static str,
    listener: Option<Closure<dyn FnMut(JsValue)>>,
    subscribers: Vec<(u64, Subscriber)>,
    next_id: u64,
}

thread_local! {
    /// Live hubs, so that two subscribers on the same call object share one JS listener.
    static HUBS: RefCell<Vec<Weak<RefCell<Hub>>>> = const { RefCell::new(Vec::new()) };
}

fn hub_for(call: &CallObject, event: &'static str) -> Result<Rc<RefCell<Hub>>, JsValue> {
    let found = HUBS.with(|hubs| {
        let mut hubs = hubs.borrow_mut();
        hubs.retain(|weak| weak.strong_count() > 0);
        hubs.iter().filter_map(Weak::upgrade).find(|hub| {
            let hub = hub.borrow();
            hub.listener.is_some() && hub.event == event && hub.call == *call
        })
    });
    if let Some(hub) = found {
        return Ok(hub);
    }
    let hub =
        Rc::new(RefCell::new(Hub { call: call.clone(), event, listener: None, subscribers: Vec::new(), next_id: 0 }));
    let weak = Rc::downgrade(&hub);
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |payload: JsValue| dispatch(&weak, payload));
    call.on(event, listener.as_ref().unchecked_ref())?;
    hub.borrow_mut().listener = Some(listener);
    HUBS.with(|hubs| hubs.borrow_mut().push(Rc::downgrade(&hub)));
    Ok(hub)
}

/// Calls every subscriber without holding a borrow, so a subscriber may subscribe or unsubscribe.
fn dispatch(hub: &Weak<RefCell<Hub>>, payload: JsValue) {
    let Some(hub) = hub.upgrade() else { return };
    let mut index = 0;
    loop {
        let (subscriber, last) = {
            let hub = hub.borrow();
            match hub.subscribers.get(index) {
                Some((_, subscriber)) => (subscriber.clone(), index + 1 == hub.subscribers.len()),
                None => break,
            }
        };
        if last {
            subscriber(payload);
            break;
        }
        subscriber(payload.clone());
        index += 1;
    }
}

impl Hub {
    fn remove_listener(&mut self) {
        if let Some(listener) = self.listener.take() {
            // A call object that throws from off() (destroyed, say) has dropped its listeners anyway.
            let _ = self.call.off(self.event, listener.as_ref().unchecked_ref());
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.remove_listener();
    }
}

/// A live subscription to one event of one call object; dropping it unsubscribes.
#[must_use = "dropping a Subscription unsubscribes at once"]
pub struct Subscription {
    hub: Rc<RefCell<Hub>>,
    id: u64,
}

impl Subscription {
    /// Subscribes `callback` to `event` on `call`. Fails only if the call object's `on` throws.
    pub fn new(call: &CallObject, event: &'static str, callback: impl Fn(&JsValue) + 'static) -> Result<Self, JsValue> {
        Self::owning(call, event, move |payload| callback(&payload))
    }

    /// [`Subscription::new`] for a `callback` that keeps the payload.
    fn owning(call: &CallObject, event: &'static str, callback: impl Fn(JsValue) + 'static) -> Result<Self, JsValue> {
        let hub = hub_for(call, event)?;
        let id = {
            let mut inner = hub.borrow_mut();
            inner.next_id += 1;
            let id = inner.next_id;
            inner.subscribers.push((id, Rc::new(callback)));
            id
        };
        Ok(Subscription { hub, id })
    }

    /// The event this subscription listens to.
    pub fn event(&self) -> &'static str {
        self.hub.borrow().event
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut hub = self.hub.borrow_mut();
        hub.subscribers.retain(|(id, _)| *id != self.id);
        if hub.subscribers.is_empty() {
            hub.remove_listener();
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription").field("event", &self.event()).field("id", &self.id).finish()
    }
}

/// How many undelivered payloads a stream keeps for a consumer that is not polling; past it the
/// oldest are dropped and counted, so a stalled consumer cannot be made to hold unbounded memory.
pub const STREAM_BUFFER: usize = 65_536;

#[derive(Default)]
struct Buffer {
    /// Each payload with the index of its event in the stream's list.
    items: VecDeque<(usize, JsValue)>,
    waker: Option<Waker>,
    dropped: u64,
}

/// A `Stream` of the raw payloads of one event (or of several, in the order they came); the typed
/// streams decode on top of it. Dropping it removes its subscriptions.
#[must_use = "streams do nothing unless polled"]
pub struct EventStream {
    buffer: Rc<RefCell<Buffer>>,
    subscriptions: Vec<Subscription>,
}

impl EventStream {
    /// Subscribes to `event` on `call`.
    pub fn new(call: &CallObject, event: &'static str) -> Result<Self, JsValue> {
        Self::of(call, &[event])
    }

    /// Subscribes to each of `events` on `call`, into one stream.
    pub fn of(call: &CallObject, events: &[&'static str]) -> Result<Self, JsValue> {
        let buffer = Rc::new(RefCell::new(Buffer::default()));
        let subscriptions = events
            .iter()
            .enumerate()
            .map(|(index, event)| {
                let sink = Rc::downgrade(&buffer);
                Subscription::owning(call, event, move |payload| {
                    let Some(buffer) = sink.upgrade() else { return };
                    let mut buffer = buffer.borrow_mut();
                    if buffer.items.len() >= STREAM_BUFFER {
                        buffer.items.pop_front();
                        buffer.dropped += 1;
                    }
                    buffer.items.push_back((index, payload));
                    if let Some(waker) = buffer.waker.take() {
                        waker.wake();
                    }
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(EventStream { buffer, subscriptions })
    }

    /// How many payloads were dropped because the consumer fell more than [`STREAM_BUFFER`] behind.
    pub fn dropped(&self) -> u64 {
        self.buffer.borrow().dropped
    }

    /// The next payload with the index of its event in the list the stream was made with.
    pub fn poll_tagged(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, JsValue)>> {
        let mut buffer = self.buffer.borrow_mut();
        match buffer.items.pop_front() {
            Some(item) => Poll::Ready(Some(item)),
            None => {
                buffer.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Stream for EventStream {
    type Item = JsValue;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<JsValue>> {
        self.poll_tagged(cx).map(|item| item.map(|(_, payload)| payload))
    }
}

impl FusedStream for EventStream {
    /// A subscription never ends by itself: it ends when dropped.
    fn is_terminated(&self) -> bool {
        false
    }
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let events: Vec<&str> = self.subscriptions.iter().map(Subscription::event).collect();
        f.debug_struct("EventStream").field("events", &events).field("buffered", &self.buffer.borrow().items.len()).finish()
    }
}

/// What every typed stream over an [`EventStream`] (in a field `events`) has alike: it is a
/// `FusedStream` that never ends (a call object's events do not), and its `Debug` shows the
/// subscription.
macro_rules! typed_stream_impls {
    ($($name:ident<$t:ident>),* $(,)?) => {$(
        impl<$t: serde::de::DeserializeOwned> futures_core::FusedStream for $name<$t> {
            fn is_terminated(&self) -> bool {
                false
            }
        }

        impl<$t> std::fmt::Debug for $name<$t> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).field("events", &self.events).finish()
            }
        }
    )*};
}
pub(crate) use typed_stream_impls;
