//! How a local room's participants reach each other: a bus that delivers each wire text to every
//! other participant of the room. In one page (memory, with optional injected latency, jitter and
//! loss), across tabs of one browser (BroadcastChannel, which also links participants in one page),
//! or through the dev server (WebSocket relay).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::link::{Link, SplitMix64};

/// Where a transport hands what it receives.
pub(crate) type Inbox = Rc<dyn Fn(String)>;
/// An inbox as the bus holds it: it does not keep a participant alive.
type WeakInbox = Weak<dyn Fn(String)>;

/// One participant's end of the room's bus.
pub(crate) enum Transport {
    Memory(MemoryEnd),
    Broadcast {
        channel: web_sys::BroadcastChannel,
        _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    },
    WebSocket {
        socket: web_sys::WebSocket,
        /// Texts sent before the socket opened, sent when it does.
        queued: Rc<RefCell<Vec<String>>>,
        _handlers: [Closure<dyn FnMut(JsValue)>; 3],
    },
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transport::Memory(_) => "Transport::Memory",
            Transport::Broadcast { .. } => "Transport::Broadcast",
            Transport::WebSocket { .. } => "Transport::WebSocket",
        })
    }
}

/// Links in one page, by room name: the participants' inboxes and each room's network conditions.
struct MemoryRoom {
    members: Vec<(u64, WeakInbox)>,
    link: Link,
    random: SplitMix64,
}

thread_local! {
    static MEMORY_ROOMS: RefCell<litemap::LiteMap<String, MemoryRoom>> = const { RefCell::new(litemap::LiteMap::new()) };
    static NEXT_MEMBER: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A participant's place on an in-page bus; leaving the bus when dropped.
pub(crate) struct MemoryEnd {
    room: String,
    id: u64,
    _inbox: Inbox,
}

impl Drop for MemoryEnd {
    fn drop(&mut self) {
        MEMORY_ROOMS.with(|rooms| {
            let mut rooms = rooms.borrow_mut();
            if let Some(room) = rooms.get_mut(&self.room) {
                room.members.retain(|(id, _)| *id != self.id);
                if room.members.is_empty() {
                    rooms.remove(&self.room);
                }
            }
        });
    }
}

impl Transport {
    /// Joins the in-page bus of `room`. The first participant's `link` sets the room's conditions.
    pub(crate) fn memory(room: &str, link: Link, seed: u64, inbox: Inbox) -> Transport {
        let id = NEXT_MEMBER.with(|next| {
            next.set(next.get() + 1);
            next.get()
        });
        MEMORY_ROOMS.with(|rooms| {
            let mut rooms = rooms.borrow_mut();
            let entry = rooms.entry(room.to_owned()).or_insert_with(|| MemoryRoom {
                members: Vec::new(),
                link,
                random: SplitMix64::new(seed),
            });
            entry.members.push((id, Rc::downgrade(&inbox)));
        });
        Transport::Memory(MemoryEnd { room: room.to_owned(), id, _inbox: inbox })
    }

    /// Joins the BroadcastChannel of `room`: every tab of this browser, and this page.
    pub(crate) fn broadcast(room: &str, inbox: Inbox) -> Result<Transport, JsValue> {
        let channel = web_sys::BroadcastChannel::new(&["daily-sync/", room].concat())?;
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(text) = event.data().as_string() {
                inbox(text);
            }
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Ok(Transport::Broadcast { channel, _on_message: on_message })
    }

    /// Connects to a relay (the dev server) at `url`. What is sent before the socket opens waits
    /// for it; `on_lost` runs if the socket fails or closes (the room is then gone).
    pub(crate) fn websocket(url: &str, inbox: Inbox, on_lost: Rc<dyn Fn()>) -> Result<Transport, JsValue> {
        let socket = web_sys::WebSocket::new(url)?;
        let queued: Rc<RefCell<Vec<String>>> = Rc::new(RefCell::new(Vec::new()));
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let data = js_sys::Reflect::get(&event, &"data".into()).unwrap_or(JsValue::UNDEFINED);
            if let Some(text) = data.as_string() {
                inbox(text);
            }
        });
        let (for_open, open_socket) = (queued.clone(), socket.clone());
        let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            for text in for_open.borrow_mut().drain(..) {
                let _ = open_socket.send_with_str(&text);
            }
        });
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |_| on_lost());
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        // A failed connection fires `error` then `close`: `close` alone covers both.
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Transport::WebSocket { socket, queued, _handlers: [on_message, on_open, on_close] })
    }

    /// Sends one wire text to every other participant.
    pub(crate) fn send(&self, text: String) {
        match self {
            Transport::Memory(end) => deliver_in_page(end, text),
            Transport::Broadcast { channel, .. } => {
                let _ = channel.post_message(&JsValue::from_str(&text));
            }
            Transport::WebSocket { socket, queued, .. } => {
                match socket.ready_state() {
                    web_sys::WebSocket::OPEN => {
                        let _ = socket.send_with_str(&text);
                    }
                    web_sys::WebSocket::CONNECTING => queued.borrow_mut().push(text),
                    _ => {} // closing or closed: the room is gone, and on_lost said so
                }
            }
        }
    }
}

impl Drop for Transport {
    fn drop(&mut self) {
        match self {
            Transport::Memory(_) => {}
            Transport::Broadcast { channel, .. } => {
                channel.set_onmessage(None);
                channel.close();
            }
            Transport::WebSocket { socket, .. } => {
                socket.set_onmessage(None);
                socket.set_onopen(None);
                socket.set_onclose(None);
                let _ = socket.close();
            }
        }
    }
}

/// Delivers asynchronously (a microtask, or a timer when the room has latency), so a participant
/// is never re-entered while it is sending.
fn deliver_in_page(from: &MemoryEnd, text: String) {
    let deliveries: Vec<(WeakInbox, Option<u64>)> = MEMORY_ROOMS.with(|rooms| {
        let mut rooms = rooms.borrow_mut();
        let Some(room) = rooms.get_mut(&from.room) else { return Vec::new() };
        let link = room.link;
        let random = &mut room.random;
        room.members
            .iter()
            .filter(|(id, _)| *id != from.id)
            .filter_map(|(_, inbox)| {
                if link.drop_rate > 0.0 && random.chance(link.drop_rate) {
                    return None;
                }
                let delay = link.latency_ms + if link.jitter_ms > 0 { random.up_to(link.jitter_ms) } else { 0 };
                Some((inbox.clone(), (delay > 0).then_some(delay)))
            })
            .collect()
    });
    for (inbox, delay) in deliveries {
        let text = text.clone();
        let deliver = move || {
            if let Some(inbox) = inbox.upgrade() {
                inbox(text);
            }
        };
        match delay {
            None => crate::sys::queue_microtask(&Closure::once_into_js(deliver)),
            Some(ms) => {
                Timeout::new(ms.min(u32::MAX as u64) as u32, deliver).forget();
            }
        }
    }
}
