//! Local rooms over WebSocket: `GET /v1/rooms/{room}/ws`.
//!
//! Why a dumb relay: a local room's participants agree among themselves (the protocol in
//! `daily_sync::local::protocol`), so the server only has to carry each text frame to every
//! other connection of the room, unread. It reads a message's routing header for one thing:
//! the sender's session id, from the `from` of the first message of this protocol version for
//! this room, so that when the connection drops it can forge that participant's `leave` (which
//! the participant could not send itself) and the others see it go at once rather than after
//! their peer timeout.
//!
//! Bounds, so that no client can make the server hold without limit: a text over
//! [`MAX_WIRE_LEN`] (512 KiB) is dropped, a frame over [`MAX_READ_LEN`] cannot be read and ends
//! its connection, binary frames are ignored, and a client that does not read its messages is cut
//! off once [`QUEUE_LEN`] wait for it (the others then see it leave at once), and a write that
//! takes longer than [`WRITE_TIMEOUT`] ends its connection.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
pub use daily_sync::local::protocol::MAX_WIRE_LEN;
use daily_sync::local::protocol::{leave_message, parse_header};
use tokio::sync::{mpsc, watch};

use crate::AppState;

/// The largest frame read at all; one between [`MAX_WIRE_LEN`] and this is read and dropped.
pub const MAX_READ_LEN: usize = 2 * MAX_WIRE_LEN;
/// How many messages may wait for one client before it is cut off as too slow.
pub const QUEUE_LEN: usize = 1024;
/// How long one write to a client may take before the connection is given up.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// The room socket's route.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/rooms/{room}/ws", get(upgrade))
}

async fn upgrade(State(state): State<AppState>, Path(room): Path<String>, ws: WebSocketUpgrade) -> Response {
    let relay = state.relay;
    ws.max_message_size(MAX_READ_LEN).max_frame_size(MAX_READ_LEN).on_upgrade(move |socket| async move {
        relay.run(socket, room).await;
    })
}

/// The rooms: for each, its connections.
#[derive(Debug)]
pub struct Relay {
    rooms: Mutex<Rooms>,
    next_id: AtomicU64,
    /// Each connection holds a receiver while it runs, so shutdown can wait for them all.
    live: watch::Sender<()>,
}

#[derive(Debug, Default)]
struct Rooms {
    by_name: HashMap<String, HashMap<u64, Client>>,
    /// Set by [`Relay::close_all`]: no connection joins after it.
    closed: bool,
}

/// One connection as its room sees it.
#[derive(Debug)]
struct Client {
    /// What waits to be written to it; dropping this ends the connection.
    queue: mpsc::Sender<Utf8Bytes>,
    /// The participant's session id, once its first valid message said it. Whoever removes the
    /// client from its room (its own end, or a cut-off) takes it and forges the `leave`, once.
    session_id: Option<String>,
}

impl Default for Relay {
    fn default() -> Self {
        Relay::new()
    }
}

impl Relay {
    /// No rooms yet.
    pub fn new() -> Relay {
        Relay { rooms: Mutex::new(Rooms::default()), next_id: AtomicU64::new(0), live: watch::Sender::new(()) }
    }

    fn rooms(&self) -> MutexGuard<'_, Rooms> {
        // Nothing panics while holding the lock; if something did, the map is still whole.
        self.rooms.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `text` to every connection of `room` except `except`; `false` when the room has
    /// nobody. A connection whose queue is full is cut off, and the others see it leave.
    fn broadcast(&self, room: &str, except: Option<u64>, text: Utf8Bytes) -> bool {
        let mut cut_off = Vec::new();
        {
            let mut rooms = self.rooms();
            let Some(clients) = rooms.by_name.get_mut(room) else { return false };
            clients.retain(|id, client| {
                let keep = Some(*id) == except || client.queue.try_send(text.clone()).is_ok();
                if !keep {
                    cut_off.extend(client.session_id.take());
                }
                keep
            });
            if clients.is_empty() {
                rooms.by_name.remove(room);
            }
        }
        for session_id in cut_off {
            self.broadcast(room, None, Utf8Bytes::from(leave_message(room, &session_id)));
        }
        true
    }

    /// Delivers a message the server makes (a REST app message) to everyone in `room`;
    /// `false` when nobody is connected to it.
    pub fn deliver(&self, room: &str, text: String) -> bool {
        self.broadcast(room, None, Utf8Bytes::from(text))
    }

    /// How many connections `room` has.
    pub fn connections(&self, room: &str) -> usize {
        self.rooms().by_name.get(room).map_or(0, HashMap::len)
    }

    /// Ends every connection (no `leave` is forged: everyone goes), and refuses new ones.
    pub fn close_all(&self) {
        let mut rooms = self.rooms();
        rooms.closed = true;
        rooms.by_name.clear();
    }

    /// Completes once every connection has ended.
    pub async fn closed(&self) {
        self.live.closed().await;
    }

    fn join(&self, room: &str) -> Option<(u64, mpsc::Receiver<Utf8Bytes>)> {
        let mut rooms = self.rooms();
        if rooms.closed {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (queue, inbox) = mpsc::channel(QUEUE_LEN);
        rooms.by_name.entry(room.to_owned()).or_default().insert(id, Client { queue, session_id: None });
        Some((id, inbox))
    }

    /// Records the session id of connection `id`, unless it was cut off meanwhile.
    fn learn(&self, room: &str, id: u64, session_id: String) {
        if let Some(client) = self.rooms().by_name.get_mut(room).and_then(|clients| clients.get_mut(&id)) {
            client.session_id = Some(session_id);
        }
    }

    /// Removes connection `id` from its room and forges its `leave`, unless a cut-off did both.
    fn leave(&self, room: &str, id: u64) {
        let session_id = {
            let mut rooms = self.rooms();
            let Some(clients) = rooms.by_name.get_mut(room) else { return };
            let client = clients.remove(&id);
            if clients.is_empty() {
                rooms.by_name.remove(room);
            }
            client.and_then(|client| client.session_id)
        };
        if let Some(session_id) = session_id {
            self.broadcast(room, None, Utf8Bytes::from(leave_message(room, &session_id)));
        }
    }

    /// One connection, from upgrade to close.
    async fn run(&self, mut socket: WebSocket, room: String) {
        let _live = self.live.subscribe();
        let Some((id, mut inbox)) = self.join(&room) else {
            let _ = socket.send(Message::Close(None)).await;
            return;
        };
        let mut known = false;
        loop {
            tokio::select! {
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        if text.len() > MAX_WIRE_LEN {
                            continue;
                        }
                        if !known {
                            let header = parse_header(text.as_str()).filter(|h| h.room == room && !h.from.is_empty());
                            if let Some(header) = header {
                                self.learn(&room, id, header.from);
                                known = true;
                            }
                        }
                        self.broadcast(&room, Some(id), text);
                    }
                    // Binary, ping and pong frames carry nothing for the room (axum answers pings).
                    Some(Ok(Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                },
                outgoing = inbox.recv() => match outgoing {
                    // Still in the room: write, unless the client stopped reading long ago.
                    Some(text) if !inbox.is_closed() => {
                        match tokio::time::timeout(WRITE_TIMEOUT, socket.send(Message::Text(text))).await {
                            Ok(Ok(())) => {}
                            Ok(Err(_)) | Err(_) => break,
                        }
                    }
                    // Cut off (too slow) or shutting down: what is queued is not worth writing.
                    _ => {
                        let _ = tokio::time::timeout(WRITE_TIMEOUT, socket.send(Message::Close(None))).await;
                        break;
                    }
                },
            }
        }
        self.leave(&room, id);
    }
}
