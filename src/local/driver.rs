//! The local room's driver (as `session::driver` drives the throttle and `channel::driver` the
//! reassembler): it runs the room model ([`Node`]) with real time, a transport and a timer. It is
//! the Rust half of `createLocalCallObject`'s call object; a thin JS class (local_call.js) gives it
//! daily-js's method names, EventEmitter and payload objects, so DailySync and apps run on it
//! unchanged.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;

use super::link::Link;
use super::protocol::json::ObjectWriter;
use super::protocol::Json;
use super::room::{Event, Identity, Node, NodeConfig, Output};
use super::transport::{Inbox, Transport};
use crate::convert::recipient_from_js;
use crate::payload::Error;
use crate::payload::Strategy;
use crate::sys::{now, DeadlineTimer};

#[wasm_bindgen(module = "/src/local/local_call.js")]
extern "C" {
    #[wasm_bindgen(js_name = LocalCallObject)]
    type LocalCallObjectJs;

    #[wasm_bindgen(constructor, js_class = LocalCallObject)]
    fn new(bridge: LocalRoomBridge, options: &JsValue) -> LocalCallObjectJs;

    /// Checks createLocalCallObject's options; see [`Settings::from_js`].
    #[wasm_bindgen(catch, js_name = localSettings)]
    fn local_settings(options: &JsValue) -> Result<Array, JsValue>;
}

/// How the participants of a local room reach each other.
#[derive(Debug, Clone, PartialEq)]
enum TransportKind {
    /// In one page, optionally with injected latency, jitter and loss.
    Memory { link: Link, seed: u64 },
    /// Tabs of one browser, and this page.
    Broadcast,
    /// Through the dev server.
    WebSocket(String),
}

/// The room settings from `createLocalCallObject`'s options.
#[derive(Debug, Clone)]
struct Settings {
    config: NodeConfig,
    transport: TransportKind,
    user_name: String,
    user_id: Option<String>,
    owner: bool,
}

impl Settings {
    /// Reads the options as local_call.js's `localSettings` checked them (it throws the
    /// invalid-argument error for a wrong one).
    fn from_js(options: &JsValue) -> Result<Settings, JsValue> {
        Ok(Settings::from_checked(&local_settings(options)?))
    }

    /// Reads the array `localSettings` made of the options.
    fn from_checked(values: &Array) -> Settings {
        let text = |i: u32| values.get(i).as_string();
        let ms = |i: u32| values.get(i).as_f64().map(|ms| ms as u64);
        let mut config = NodeConfig::new(text(0).unwrap_or_else(|| "local".to_owned()));
        if let Some(ms) = ms(6) {
            config.session_sync_ms = ms.max(1);
        }
        if let Some(ms) = ms(7) {
            config.user_data_delay_ms = ms;
        }
        if let Some(ms) = ms(8) {
            config.heartbeat_ms = ms.max(1);
        }
        if let Some(ms) = ms(9) {
            config.peer_timeout_ms = ms.max(1);
        }
        if let Some(limit) = ms(10) {
            config.app_message_limit = limit as usize;
        }
        let link = Link {
            latency_ms: ms(11).unwrap_or(0),
            jitter_ms: ms(12).unwrap_or(0),
            drop_rate: values.get(13).as_f64().unwrap_or(0.0),
        };
        let transport = match text(4).as_deref() {
            Some("websocket") => TransportKind::WebSocket(text(5).unwrap_or_default()),
            Some("broadcast") => TransportKind::Broadcast,
            _ => TransportKind::Memory { link, seed: ms(14).unwrap_or(1) },
        };
        config.join_window_ms = match (&transport, ms(15)) {
            (_, Some(ms)) => ms,
            (TransportKind::Memory { link, .. }, None) => 4 * (link.latency_ms + link.jitter_ms) + 20,
            (_, None) => config.join_window_ms,
        };
        Settings {
            config,
            transport,
            user_name: text(1).unwrap_or_default(),
            user_id: text(2),
            owner: values.get(3).as_bool().unwrap_or(false),
        }
    }
}

/// A fresh session id: 128 random bits in UUID form.
fn session_id() -> String {
    let mut hex = String::with_capacity(36);
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            hex.push('-');
        }
        let digit = (js_sys::Math::random() * 16.0) as u32;
        hex.push(char::from_digit(digit.min(15), 16).unwrap_or('0'));
    }
    hex
}

/// One participant's room: its node (while joined), its bus and its timer.
struct Room {
    settings: Settings,
    node: Option<Node>,
    transport: Option<Transport>,
    timer: DeadlineTimer,
    /// userData set before join, applied on join (as daily-js does).
    user_data: Option<Json>,
    /// The JS object's dispatch: `(eventName, payloadJson)`.
    emit: Option<Function>,
    /// Events made while the room was borrowed, emitted once it is not.
    events: Vec<Event>,
    /// Leaves the room when the page goes away.
    on_page_hide: Option<Closure<dyn FnMut()>>,
}

/// The Rust half of a local call object, driven by local_call.js. Not for direct use.
#[wasm_bindgen]
#[derive(Clone)]
pub struct LocalRoomBridge {
    room: Rc<RefCell<Room>>,
}

impl std::fmt::Debug for LocalRoomBridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalRoomBridge").finish_non_exhaustive()
    }
}

fn throw(error: super::room::RoomError) -> JsValue {
    js_sys::Error::new(&error.message).into()
}

impl LocalRoomBridge {
    /// Runs `f` on the node (if joined), sends and collects what it made, then emits events with
    /// nothing borrowed (an app's handler may call back in).
    fn drive(&self, f: impl FnOnce(&mut Node, u64) -> Vec<Output>) {
        {
            let mut room = self.room.borrow_mut();
            let Some(node) = room.node.as_mut() else { return };
            let outputs = f(node, now());
            room.absorb(outputs);
        }
        self.schedule();
        self.flush_events();
    }

    fn flush_events(&self) {
        let (emit, events) = {
            let mut room = self.room.borrow_mut();
            (room.emit.clone(), std::mem::take(&mut room.events))
        };
        let Some(emit) = emit else { return };
        for event in events {
            let (name, payload) = event_json(&event);
            // A throwing app listener is caught by the JS side; nothing is lost here.
            let _ = emit.call2(&JsValue::NULL, &JsValue::from_str(name), &JsValue::from_str(&payload));
        }
    }

    fn schedule(&self) {
        let mut room = self.room.borrow_mut();
        let deadline = room.node.as_ref().and_then(Node::next_deadline);
        room.timer.set(deadline, now(), || {
            let weak = Rc::downgrade(&self.room);
            move || {
                if let Some(room) = weak.upgrade() {
                    room.borrow_mut().timer.clear();
                    LocalRoomBridge { room }.drive(Node::tick);
                }
            }
        });
    }

    fn inbox(room: Weak<RefCell<Room>>) -> Inbox {
        Rc::new(move |text: String| {
            if let Some(room) = room.upgrade() {
                LocalRoomBridge { room }.drive(|node, now| node.receive(now, &text));
            }
        })
    }
}

impl LocalRoomBridge {
    /// The relay went away: the participant leaves, with daily-js's `error` event first.
    fn connection_lost(&self) {
        let emit = self.room.borrow().emit.clone();
        if let Some(emit) = emit {
            let payload = r#"{"action":"error","errorMsg":"The connection to the local room's server was lost"}"#;
            let _ = emit.call2(&JsValue::NULL, &JsValue::from_str("error"), &JsValue::from_str(payload));
        }
        self.leave();
    }
}

impl Room {
    fn absorb(&mut self, outputs: Vec<Output>) {
        for output in outputs {
            match output {
                Output::Send(text) => {
                    if let Some(transport) = &self.transport {
                        transport.send(text);
                    }
                }
                Output::Emit(event) => self.events.push(event),
            }
        }
    }
}

/// An event as daily-js names it, with its payload as JSON text (local_call.js parses it).
fn event_json(event: &Event) -> (&'static str, String) {
    let name = match event {
        Event::JoinedMeeting(_) => "joined-meeting",
        Event::ParticipantJoined(_) => "participant-joined",
        Event::ParticipantUpdated(_) => "participant-updated",
        Event::ParticipantLeft(_) => "participant-left",
        Event::AppMessage { .. } => "app-message",
        Event::SessionStateUpdated(_) => "meeting-session-state-updated",
        Event::NonfatalError { .. } => "nonfatal-error",
        Event::LeftMeeting => "left-meeting",
    };
    let mut out = String::new();
    let mut payload = ObjectWriter::new(&mut out);
    payload.str("action", name);
    match event {
        Event::JoinedMeeting(local) => {
            let mut participants = ObjectWriter::new(payload.key("participants"));
            local.write_json(participants.key("local"));
            participants.end();
        }
        Event::ParticipantJoined(p) | Event::ParticipantUpdated(p) | Event::ParticipantLeft(p) => {
            p.write_json(payload.key("participant"));
        }
        Event::AppMessage { data, from_id } => {
            payload.raw("data", data.as_str());
            payload.str("fromId", from_id);
        }
        Event::SessionStateUpdated(data) => {
            let mut state = ObjectWriter::new(payload.key("meetingSessionState"));
            state.raw("data", &data.to_json());
            state.str("topology", "none");
            state.end();
        }
        Event::NonfatalError { kind, error_msg } => {
            payload.str("type", kind);
            payload.str("errorMsg", error_msg);
        }
        Event::LeftMeeting => {}
    }
    payload.end();
    (name, out)
}

#[wasm_bindgen]
impl LocalRoomBridge {
    /// Sets the JS object's dispatch function.
    #[wasm_bindgen(js_name = setEmitter)]
    pub fn set_emitter(&self, emit: Function) {
        self.room.borrow_mut().emit = Some(emit);
    }

    /// Joins the room (`room_name`, else the one of the options) with a fresh session id;
    /// `joined-meeting` follows.
    pub fn join(
        &self,
        user_name: Option<String>,
        user_data: Option<String>,
        room_name: Option<String>,
    ) -> Result<(), JsValue> {
        {
            let mut room = self.room.borrow_mut();
            if let Some(name) = room_name.filter(|name| !name.is_empty()) {
                room.settings.config.room = name;
            }
            if room.node.as_ref().is_some_and(|node| node.meeting_state().as_str() != "left-meeting") {
                return Err(js_sys::Error::new("Already joined or joining a meeting.").into());
            }
            let user_data = match user_data {
                Some(data) => Some(Json::parse(&data).map_err(|_| js_sys::Error::new("userData must be JSON"))?),
                None => room.user_data.clone(),
            };
            let settings = room.settings.clone();
            let id = session_id();
            let identity = Identity {
                user_id: settings.user_id.clone().unwrap_or_else(|| id.clone()),
                session_id: id,
                user_name: user_name.unwrap_or(settings.user_name),
                owner: settings.owner,
            };
            let mut node = Node::new(settings.config.clone(), identity);
            if let Some(data) = &user_data {
                node.set_user_data(now(), Some(data.as_str())).map_err(throw)?;
            }
            room.user_data = user_data;
            let inbox = LocalRoomBridge::inbox(Rc::downgrade(&self.room));
            room.transport = Some(match &settings.transport {
                TransportKind::Memory { link, seed } => Transport::memory(&settings.config.room, *link, *seed, inbox),
                TransportKind::Broadcast => Transport::broadcast(&settings.config.room, inbox)?,
                TransportKind::WebSocket(url) => {
                    let weak = Rc::downgrade(&self.room);
                    let on_lost = Rc::new(move || {
                        if let Some(room) = weak.upgrade() {
                            LocalRoomBridge { room }.connection_lost();
                        }
                    });
                    Transport::websocket(url, inbox, on_lost)?
                }
            });
            room.node = Some(node);
            if room.on_page_hide.is_none() {
                let weak = Rc::downgrade(&self.room);
                let on_page_hide = Closure::<dyn FnMut()>::new(move || {
                    if let Some(room) = weak.upgrade() {
                        LocalRoomBridge { room }.leave();
                    }
                });
                if let Some(window) = web_sys::window() {
                    let _ = window.add_event_listener_with_callback("pagehide", on_page_hide.as_ref().unchecked_ref());
                }
                room.on_page_hide = Some(on_page_hide);
            }
        }
        self.drive(Node::join);
        Ok(())
    }

    /// Leaves the room: `left-meeting` locally, `participant-left` at the others.
    pub fn leave(&self) {
        self.drive(Node::leave);
        let mut room = self.room.borrow_mut();
        room.transport = None;
        room.timer.clear();
        if let (Some(handler), Some(window)) = (room.on_page_hide.take(), web_sys::window()) {
            let _ = window.remove_event_listener_with_callback("pagehide", handler.as_ref().unchecked_ref());
        }
    }

    /// `meetingState()`: "new", "joining-meeting", "joined-meeting" or "left-meeting".
    #[wasm_bindgen(js_name = meetingState)]
    pub fn meeting_state(&self) -> String {
        self.room.borrow().node.as_ref().map_or("new", |node| node.meeting_state().as_str()).to_owned()
    }

    /// `participants()` as JSON text, keyed by session id and `local`.
    #[wasm_bindgen(js_name = participantsJson)]
    pub fn participants_json(&self) -> String {
        let room = self.room.borrow();
        let mut out = String::new();
        let mut all = ObjectWriter::new(&mut out);
        if let Some(node) = room.node.as_ref().filter(|node| node.meeting_state().as_str() != "left-meeting") {
            for (key, p) in node.participants() {
                p.write_json(all.key(&key));
            }
        }
        all.end();
        out
    }

    /// The meeting session state's data as JSON text.
    #[wasm_bindgen(js_name = sessionStateJson)]
    pub fn session_state_json(&self) -> String {
        self.room.borrow().node.as_ref().map_or_else(|| "{}".to_owned(), |node| node.meeting_session_state().to_json())
    }

    /// Sends an app message (JSON text) to `to`; throws daily-js's errors.
    #[wasm_bindgen(js_name = sendAppMessage)]
    pub fn send_app_message(&self, data: &str, to: JsValue) -> Result<(), JsValue> {
        let to = recipient_from_js(&to)?;
        let mut result = Ok(());
        self.drive(|node, _| {
            node.send_app_message(data, &to).unwrap_or_else(|e| {
                result = Err(throw(e));
                Vec::new()
            })
        });
        if self.room.borrow().node.is_none() {
            return Err(js_sys::Error::new("sendAppMessage() only supported after join.").into());
        }
        result
    }

    /// Sets userData (JSON text, or undefined to remove it); before join it is kept for the join.
    #[wasm_bindgen(js_name = setUserData)]
    pub fn set_user_data(&self, data: Option<String>) -> Result<(), JsValue> {
        let json =
            data.as_deref().map(Json::parse).transpose().map_err(|_| js_sys::Error::new("userData must be JSON"))?;
        // Kept for the next join too, as daily-js keeps it in its properties.
        let joined = {
            let mut room = self.room.borrow_mut();
            room.user_data = json;
            room.node.as_ref().is_some_and(|node| node.meeting_state().as_str() != "left-meeting")
        };
        if !joined {
            return Ok(());
        }
        let mut result = Ok(());
        self.drive(|node, now| {
            node.set_user_data(now, data.as_deref()).unwrap_or_else(|e| {
                result = Err(throw(e));
                Vec::new()
            })
        });
        result
    }

    /// Sets session data from `[key, jsonText | undefined]` pairs (undefined deletes, in a merge).
    #[wasm_bindgen(js_name = setSessionEntries)]
    pub fn set_session_entries(&self, entries: Array, merge: bool) -> Result<(), JsValue> {
        if self.room.borrow().node.is_none() {
            return Err(js_sys::Error::new("setMeetingSessionData only supported after join.").into());
        }
        let mut parsed = Vec::with_capacity(entries.length() as usize);
        for pair in entries.iter() {
            let key = Reflect::get_u32(&pair, 0).ok().and_then(|k| k.as_string()).unwrap_or_default();
            let value = Reflect::get_u32(&pair, 1).ok().and_then(|v| v.as_string());
            let value = value.map(|text| Json::parse(&text)).transpose().map_err(|_| js_sys::Error::new("not JSON"))?;
            parsed.push((key, value));
        }
        let strategy = if merge { Strategy::ShallowMerge } else { Strategy::Replace };
        let mut result = Ok(());
        self.drive(|node, now| {
            node.set_session_entries(now, parsed, strategy).unwrap_or_else(|e| {
                result = Err(throw(e));
                Vec::new()
            })
        });
        result
    }
}

/// `createLocalCallObject(options)`: a call object with daily-js's surface, in a local room that
/// needs no Daily account. Participants of the same `room` (default "local") in this page and in
/// other tabs of this browser are in one room.
pub(crate) fn create_local_call_object(options: JsValue) -> Result<JsValue, JsValue> {
    let bridge = LocalRoomBridge::new(Settings::from_js(&options)?);
    Ok(LocalCallObjectJs::new(bridge, &options).into())
}

impl LocalRoomBridge {
    fn new(settings: Settings) -> Self {
        LocalRoomBridge {
            room: Rc::new(RefCell::new(Room {
                settings,
                node: None,
                transport: None,
                timer: DeadlineTimer::default(),
                user_data: None,
                emit: None,
                events: Vec::new(),
                on_page_hide: None,
            })),
        }
    }

    /// The Rust half of a call object that the JS factory made at once, before this wasm loaded,
    /// from the options `localSettings` checked.
    #[cfg_attr(not(feature = "npm-local"), allow(dead_code))]
    pub(crate) fn from_settings(values: &Array) -> Self {
        LocalRoomBridge::new(Settings::from_checked(values))
    }
}

/// The options of [`Call::local`](crate::Call::local) and [`local_call_object`], the Rust face of
/// `createLocalCallObject` (each `None` keeps the default; see the JS options for what each does).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalCallOptions {
    /// The room's name (default "local"): call objects with the same name are in one room.
    pub room: String,
    /// The local participant's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// `"broadcast"` (default), `"memory"` or `"websocket"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
    /// The dev server's room socket, with the `"websocket"` transport.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The least time between two session state broadcasts (default 1000 ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_data_sync_ms: Option<u32>,
}

impl Default for LocalCallOptions {
    /// The room "local", on the default transport (this page and other tabs of this browser).
    fn default() -> Self {
        LocalCallOptions {
            room: "local".into(),
            user_name: None,
            transport: None,
            url: None,
            session_data_sync_ms: None,
        }
    }
}

/// A call object for a local room, for Rust apps and tests: the same object
/// `createLocalCallObject` makes, ready for [`DailySync::new`](crate::DailySync::new).
///
/// ```no_run
/// use daily_sync::local::{local_call_object, LocalCallOptions};
/// let call = local_call_object(&LocalCallOptions { room: "demo".into(), ..Default::default() })?;
/// let sync = daily_sync::DailySync::new(call)?;
/// # Ok::<(), daily_sync::Error>(())
/// ```
pub fn local_call_object(options: &LocalCallOptions) -> Result<JsValue, Error> {
    let options = crate::convert::to_js(options)?;
    create_local_call_object(options).map_err(|thrown| crate::daily_errors::classify(thrown, || None))
}
