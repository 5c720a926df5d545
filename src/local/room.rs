//! One participant of a local room: [`Node`], a pure state machine that behaves, towards its app,
//! like a daily-js call object in a call (daily-js 0.92.2's rules and messages).
//!
//! Why a state machine with no clock and no I/O: the same code runs in one page, between tabs and
//! behind a WebSocket relay, and is tested natively on a simulated network
//! ([`sim`](super::sim)). The caller passes the time (ms) into every call, sends each
//! [`Output::Send`] text to every other participant on the room's bus, hands each
//! [`Output::Emit`] event to the app, feeds every text it receives to [`Node::receive`], and calls
//! [`Node::tick`] at [`Node::next_deadline`].
//!
//! How the room agrees without a server (the messages are in [`protocol`](super::protocol)):
//! - joining announces a `hello`; everyone present answers with its `presence`, and the
//!   participant reports `joined-meeting` after `join_window_ms`;
//! - every participant sends its `presence` every `heartbeat_ms`, and one not heard for
//!   `peer_timeout_ms` has left; a `leave` (sent by the participant or forged by a relay) is final;
//! - the meeting session state has one *authority*, the participant that joined earliest (ties by
//!   session id), re-elected by every node from its own view when it leaves. Updates go to it; it
//!   applies them in arrival order (so merges squash, a replace wins, an empty merge changes
//!   nothing: daily-js's batching rules), refuses one that would make the state too large, and
//!   broadcasts the whole state at most once per `session_sync_ms`, and again with each heartbeat
//!   so that a lost message is repaired. Every node keeps a replica, so the next authority goes on
//!   from it. Updates the old authority had not yet broadcast when it vanished are lost.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;

use serde::de::DeserializeOwned;
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use super::protocol::{
    app_message, encode, Json, Kind, NonfatalBody, ParticipantInfo, PresenceBody, SessionData, SessionSnapshot,
    SessionUpdateBody, Wire, MAX_ID_LEN, MAX_NAME_LEN, MAX_PARTICIPANTS, MAX_WIRE_LEN, PROTOCOL_VERSION,
};
use crate::payload::{
    json_str_len, object_len, Error, Recipient, APP_MESSAGE_LIMIT, SESSION_DATA_LIMIT, USER_DATA_LIMIT,
};
use crate::payload::Strategy;

/// The default join window for transports with delivery delays (tabs, WebSocket): long enough for
/// the answers to a `hello` to come back.
pub const DEFAULT_JOIN_WINDOW_MS: u64 = 300;
/// How many app messages a joining participant keeps for after its `joined-meeting`.
const HELD_EVENTS_LIMIT: usize = 256;
/// daily-js's `nonfatal-error` type for a refused session data update.
pub const SESSION_DATA_ERROR: &str = "meeting-session-data-error";

/// A room's settings; every participant of a room should use the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// The room's name: messages for other rooms on the same bus are dropped.
    pub room: String,
    /// The app message limit, in `JSON.stringify` characters (Daily's default, or a room's own).
    pub app_message_limit: usize,
    /// How long a `userData` change waits before it is sent (0: at once); later changes in the
    /// meantime ride along, so the last one always arrives.
    pub user_data_delay_ms: u64,
    /// The least time between two session state broadcasts by the authority.
    pub session_sync_ms: u64,
    /// How long a joining participant waits for answers before `joined-meeting` (0: at the first
    /// tick, for a bus that delivers synchronously).
    pub join_window_ms: u64,
    /// How often a participant says it is still there (at least 1).
    pub heartbeat_ms: u64,
    /// How long a silent participant stays before it is taken as gone.
    pub peer_timeout_ms: u64,
}

impl Default for NodeConfig {
    /// Daily's limits and cadence: 4096-character app messages, session sync once a second; a
    /// heartbeat a second and a 3.5 s timeout.
    fn default() -> Self {
        NodeConfig {
            room: "local".to_owned(),
            app_message_limit: APP_MESSAGE_LIMIT,
            user_data_delay_ms: 0,
            session_sync_ms: 1000,
            join_window_ms: DEFAULT_JOIN_WINDOW_MS,
            heartbeat_ms: 1000,
            peer_timeout_ms: 3500,
        }
    }
}

impl NodeConfig {
    /// The defaults for a named room.
    pub fn new(room: impl Into<String>) -> Self {
        NodeConfig { room: room.into(), ..NodeConfig::default() }
    }
}

/// Who the local participant is, chosen by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// A session id unique to this join (such as a random UUID); at most
    /// [`MAX_ID_LEN`] bytes, not `"local"` nor `"*"`, or peers drop its messages.
    pub session_id: String,
    /// The display name.
    pub user_name: String,
    /// The user id, the session id unless the app has one.
    pub user_id: String,
    /// Whether the participant is a meeting owner.
    pub owner: bool,
}

impl Identity {
    /// A participant who is not an owner, whose user id is its session id.
    pub fn new(session_id: impl Into<String>, user_name: impl Into<String>) -> Self {
        let session_id = session_id.into();
        Identity { user_id: session_id.clone(), session_id, user_name: user_name.into(), owner: false }
    }
}

/// Where the participant is in the call, named as daily-js's `meetingState()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingState {
    /// Not joined yet.
    New,
    /// Joined the bus, waiting for the others' answers.
    Joining,
    /// In the call.
    Joined,
    /// Left; a node does not join again (a new join is a new session: make a new `Node`).
    Left,
}

impl MeetingState {
    /// daily-js's name for the state.
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingState::New => "new",
            MeetingState::Joining => "joining-meeting",
            MeetingState::Joined => "joined-meeting",
            MeetingState::Left => "left-meeting",
        }
    }
}

/// A participant as daily-js describes one; serializes to daily-js's shape
/// (`{session_id, user_id, user_name, local, owner, joined_at, userData, tracks: {}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The session id.
    pub session_id: String,
    /// The user id.
    pub user_id: String,
    /// The display name.
    pub user_name: String,
    /// Whether this is the local participant.
    pub local: bool,
    /// Whether this is a meeting owner.
    pub owner: bool,
    /// When it joined, in ms (daily-js has a `Date`; the JS layer converts).
    pub joined_at: u64,
    /// Its `userData`, `None` when unset.
    pub user_data: Option<Json>,
}

impl Serialize for Participant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// daily-js's `tracks`: a local room carries no media.
        struct NoTracks;
        impl Serialize for NoTracks {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_map(Some(0))?.end()
            }
        }
        let mut s = serializer.serialize_struct("Participant", 8)?;
        s.serialize_field("session_id", &self.session_id)?;
        s.serialize_field("user_id", &self.user_id)?;
        s.serialize_field("user_name", &self.user_name)?;
        s.serialize_field("local", &self.local)?;
        s.serialize_field("owner", &self.owner)?;
        s.serialize_field("joined_at", &self.joined_at)?;
        if let Some(data) = &self.user_data {
            s.serialize_field("userData", data)?;
        }
        s.serialize_field("tracks", &NoTracks)?;
        s.end()
    }
}

/// What the app hears, daily-js's events.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `joined-meeting`: everyone heard during the join window (the key `local` for oneself) and
    /// the meeting session state.
    JoinedMeeting {
        /// `participants()` at that moment.
        participants: BTreeMap<String, Participant>,
        /// The meeting session state at that moment.
        session_state: SessionData,
    },
    /// `participant-joined`.
    ParticipantJoined(Participant),
    /// `participant-updated` (such as new `userData`), the local participant's too.
    ParticipantUpdated(Participant),
    /// `participant-left` (after a `leave` or a heartbeat timeout).
    ParticipantLeft(Participant),
    /// `app-message`.
    AppMessage {
        /// The data, as the sender wrote it.
        data: Json,
        /// The sender's session id (or a server's chosen id).
        from_id: String,
    },
    /// `meeting-session-state-updated`: the new state.
    SessionStateUpdated(SessionData),
    /// `nonfatal-error`, such as a refused session data update.
    NonfatalError {
        /// daily-js's `type`, such as [`SESSION_DATA_ERROR`].
        kind: String,
        /// daily-js's `errorMsg`.
        error_msg: String,
    },
    /// `left-meeting`.
    LeftMeeting,
}

/// What a call asks the caller to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Deliver this wire text to every other participant on the room's bus.
    Send(String),
    /// Hand this event to the app.
    Emit(Event),
}

/// A refused call: daily-js's exact message, and the crate's [`Error`] for its kind and numbers.
#[derive(Debug, Clone)]
pub struct RoomError {
    /// The error as the crate reports it (kind, size and limit).
    pub error: Error,
    /// The message daily-js throws in the same case.
    pub message: String,
}

impl RoomError {
    fn new(error: Error, message: impl Into<String>) -> Self {
        RoomError { error, message: message.into() }
    }

    fn from_error(error: Error) -> Self {
        let message = error.to_string();
        RoomError { error, message }
    }

    fn not_json(e: serde_json::Error) -> Self {
        RoomError::from_error(Error::InvalidArgument(format!("not JSON text: {e}")))
    }

    /// The error's kind, as the JS API reports it.
    pub fn kind(&self) -> &'static str {
        self.error.kind()
    }
}

impl fmt::Display for RoomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RoomError {}

/// A message that breaks the protocol: counted in [`Node::dropped`].
struct Malformed;

#[derive(Debug, Clone)]
struct Peer {
    info: ParticipantInfo,
    last_heard: u64,
}

/// One participant's view of the room; see the [module](self) documentation.
#[derive(Debug, Clone)]
pub struct Node {
    config: NodeConfig,
    me: Identity,
    state: MeetingState,
    joined_at: u64,
    join_deadline: Option<u64>,
    next_heartbeat: u64,
    /// The app's latest `userData` (what the local participant shows at once).
    user_data: Option<Json>,
    /// The `userData` peers were last told, and the `rev` it went with.
    published: Option<Json>,
    rev: u64,
    user_data_due: Option<u64>,
    peers: BTreeMap<String, Peer>,
    /// Session ids that sent `leave`, so that a late copy of their presence cannot bring them back.
    gone: HashSet<String>,
    gone_order: VecDeque<String>,
    /// The replica of the session state, and the authority it came from.
    session: SessionSnapshot,
    session_from: Option<String>,
    /// The seq of this node's last update.
    seq: u64,
    // The authority's side.
    was_authority: bool,
    /// Changes applied but not yet broadcast.
    working: Option<SessionData>,
    last_flush: Option<u64>,
    flush_due: Option<u64>,
    sent_version: u64,
    writer_seqs: HashMap<String, u64>,
    /// App messages heard while joining, for after `joined-meeting`.
    held: Vec<Event>,
    dropped: u64,
}

impl Node {
    /// A participant that has not joined yet.
    pub fn new(config: NodeConfig, identity: Identity) -> Self {
        Node {
            config,
            me: identity,
            state: MeetingState::New,
            joined_at: 0,
            join_deadline: None,
            next_heartbeat: 0,
            user_data: None,
            published: None,
            rev: 0,
            user_data_due: None,
            peers: BTreeMap::new(),
            gone: HashSet::new(),
            gone_order: VecDeque::new(),
            session: SessionSnapshot::default(),
            session_from: None,
            seq: 0,
            was_authority: false,
            working: None,
            last_flush: None,
            flush_due: None,
            sent_version: 0,
            writer_seqs: HashMap::new(),
            held: Vec::new(),
            dropped: 0,
        }
    }

    /// The local session id.
    pub fn local_session_id(&self) -> &str {
        &self.me.session_id
    }

    /// The room's settings.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// daily-js's `meetingState()`.
    pub fn meeting_state(&self) -> MeetingState {
        self.state
    }

    /// daily-js's `participants()`: the local participant under `local`, the others by session id.
    pub fn participants(&self) -> BTreeMap<String, Participant> {
        let mut all = BTreeMap::new();
        all.insert("local".to_owned(), self.local_participant());
        for (id, peer) in &self.peers {
            all.insert(id.clone(), remote_participant(id, &peer.info));
        }
        all
    }

    /// The data of daily-js's `meetingSessionState()` (whose `topology` is always `"none"`).
    pub fn meeting_session_state(&self) -> &SessionData {
        &self.session.data
    }

    /// The session id of the session state authority in this node's view, for diagnostics.
    pub fn session_authority(&self) -> Option<&str> {
        let mut best = (self.state == MeetingState::Joined).then_some((self.joined_at, self.me.session_id.as_str()));
        for (id, peer) in &self.peers {
            let key = (peer.info.joined_at, id.as_str());
            if best.map_or(true, |b| key < b) {
                best = Some(key);
            }
        }
        best.map(|(_, id)| id)
    }

    /// How many received messages were malformed, foreign or over a bound, and ignored.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// When [`tick`](Self::tick) must run next; `None` when not in a call.
    pub fn next_deadline(&self) -> Option<u64> {
        if !self.in_call() {
            return None;
        }
        let timeout = self.config.peer_timeout_ms;
        let expiry = self.peers.values().map(|p| p.last_heard.saturating_add(timeout)).min();
        [self.join_deadline, Some(self.next_heartbeat), self.user_data_due, self.flush_due, expiry]
            .into_iter()
            .flatten()
            .min()
    }

    /// daily-js's `join()`: announces the participant; `joined-meeting` follows after the join
    /// window. Does nothing unless the node is new.
    pub fn join(&mut self, now: u64) -> Vec<Output> {
        let mut out = Vec::new();
        if self.state != MeetingState::New {
            return out;
        }
        self.state = MeetingState::Joining;
        self.joined_at = now;
        self.join_deadline = Some(now.saturating_add(self.config.join_window_ms));
        self.next_heartbeat = now.saturating_add(self.heartbeat_ms());
        self.published = self.user_data.clone();
        self.rev = 1;
        let body = PresenceBody { participant: self.my_info(), session: None };
        self.send(&mut out, None, Kind::Hello, &body);
        out
    }

    /// daily-js's `leave()`: broadcasts session changes still held (when the authority), says
    /// goodbye and reports `left-meeting`. Does nothing unless joining or joined.
    pub fn leave(&mut self, now: u64) -> Vec<Output> {
        let mut out = Vec::new();
        if !self.in_call() {
            return out;
        }
        if self.was_authority {
            self.flush(now, &mut out);
        }
        out.push(Output::Send(encode::<Json>(&self.config.room, &self.me.session_id, None, Kind::Leave, None)));
        self.state = MeetingState::Left;
        self.peers.clear();
        self.held.clear();
        self.join_deadline = None;
        self.user_data_due = None;
        self.flush_due = None;
        self.working = None;
        self.was_authority = false;
        out.push(Output::Emit(Event::LeftMeeting));
        out
    }

    /// Runs what is due at `now`: the end of the join window, timeouts, delayed sends, heartbeats.
    pub fn tick(&mut self, now: u64) -> Vec<Output> {
        let mut out = Vec::new();
        if self.state == MeetingState::Joining && self.join_deadline.is_some_and(|d| now >= d) {
            self.join_deadline = None;
            self.state = MeetingState::Joined;
            let participants = self.participants();
            let session_state = self.session.data.clone();
            out.push(Output::Emit(Event::JoinedMeeting { participants, session_state }));
            out.extend(self.held.drain(..).map(Output::Emit));
            self.check_authority(&mut out);
        }
        if !self.in_call() {
            return out;
        }
        let timeout = self.config.peer_timeout_ms;
        let silent: Vec<String> = self
            .peers
            .iter()
            .filter(|(_, p)| now >= p.last_heard.saturating_add(timeout))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &silent {
            self.remove_peer(id, &mut out);
        }
        if !silent.is_empty() {
            self.check_authority(&mut out);
        }
        if self.user_data_due.is_some_and(|d| now >= d) {
            self.user_data_due = None;
            self.publish(&mut out);
        }
        if self.flush_due.is_some_and(|d| now >= d) {
            self.flush(now, &mut out);
        }
        if now >= self.next_heartbeat {
            self.next_heartbeat = now.saturating_add(self.heartbeat_ms());
            self.send_presence(&mut out, None);
        }
        out
    }

    /// Handles one wire text from the bus. Anything malformed or foreign is counted in
    /// [`dropped`](Self::dropped) and ignored; a message for someone else is ignored.
    pub fn receive(&mut self, now: u64, wire: &str) -> Vec<Output> {
        let mut out = Vec::new();
        if self.in_call() && self.handle(now, wire, &mut out).is_err() {
            self.dropped = self.dropped.saturating_add(1);
        }
        out
    }

    /// daily-js's `sendAppMessage(data, to)`: `data` is JSON text, measured in UTF-16 units.
    pub fn send_app_message(&mut self, data: &str, to: &Recipient) -> Result<Vec<Output>, RoomError> {
        if self.state != MeetingState::Joined {
            let message = "sendAppMessage() only supported after join.";
            return Err(RoomError::new(Error::NotJoined(message.to_owned()), message));
        }
        to.validate().map_err(RoomError::from_error)?;
        let data = Json::parse(data).map_err(RoomError::not_json)?;
        let (size, limit) = (data.utf16_len(), self.config.app_message_limit);
        if size > limit {
            let message = format!("Message data too large. Max size is {limit}");
            return Err(RoomError::new(Error::PayloadTooLarge { size, limit }, message));
        }
        Ok(vec![Output::Send(app_message(&self.config.room, &self.me.session_id, &data, to))])
    }

    /// daily-js's `setUserData(data)`: `Some` JSON text, or `None` to remove it. Allowed before
    /// join (sent with the `hello`). The local participant shows it at once; peers get it after
    /// `user_data_delay_ms`.
    pub fn set_user_data(&mut self, now: u64, data: Option<&str>) -> Result<Vec<Output>, RoomError> {
        let data = data.map(Json::parse).transpose().map_err(RoomError::not_json)?;
        if let Some(size) = data.as_ref().map(Json::user_data_len).filter(|&size| size > USER_DATA_LIMIT) {
            let message =
                format!("userData is too large ({size} characters). Maximum size suppported is {USER_DATA_LIMIT}.");
            return Err(RoomError::new(Error::PayloadTooLarge { size, limit: USER_DATA_LIMIT }, message));
        }
        let mut out = Vec::new();
        if data == self.user_data {
            return Ok(out);
        }
        self.user_data = data;
        if self.state == MeetingState::Joined {
            out.push(Output::Emit(Event::ParticipantUpdated(self.local_participant())));
        }
        if self.in_call() {
            if self.config.user_data_delay_ms == 0 {
                self.publish(&mut out);
            } else if self.user_data_due.is_none() {
                self.user_data_due = Some(now.saturating_add(self.config.user_data_delay_ms));
            }
        }
        Ok(out)
    }

    /// daily-js's `setMeetingSessionData(data, strategy)` with `data` as the JSON text of an
    /// object (as `JSON.stringify` writes it, so keys whose value was `undefined` are gone: use
    /// [`set_session_entries`](Self::set_session_entries) to delete keys in a merge).
    pub fn set_session_data(&mut self, now: u64, data: &str, strategy: Strategy) -> Result<Vec<Output>, RoomError> {
        self.check_session_joined()?;
        let json = Json::parse(data).map_err(RoomError::not_json)?;
        if !json.is_object() {
            return Err(RoomError::new(
                Error::NotPlainObject,
                "Meeting session data must be a plain (map-like) object",
            ));
        }
        let data = SessionData::parse(json.as_str()).map_err(RoomError::not_json)?;
        let entries = data.into_entries().into_iter().map(|(key, value)| (key, Some(value))).collect();
        self.set_session_entries(now, entries, strategy)
    }

    /// daily-js's `setMeetingSessionData` with the object as entries, `None` standing for a value
    /// `undefined`: a shallow merge deletes the key, a replace leaves it out.
    ///
    /// The update is checked (joined, at most 102 400 characters) and sent to the authority; the
    /// new state arrives as [`Event::SessionStateUpdated`], or, when the merged state would be too
    /// large, as an [`Event::NonfatalError`] of type [`SESSION_DATA_ERROR`].
    pub fn set_session_entries(
        &mut self,
        now: u64,
        entries: Vec<(String, Option<Json>)>,
        strategy: Strategy,
    ) -> Result<Vec<Output>, RoomError> {
        self.check_session_joined()?;
        let size = object_len(entries.iter().filter_map(|(k, v)| v.as_ref().map(|v| (json_str_len(k), v.utf16_len()))));
        if size > SESSION_DATA_LIMIT {
            let message = session_too_large(size);
            return Err(RoomError::new(Error::PayloadTooLarge { size, limit: SESSION_DATA_LIMIT }, message));
        }
        let mut out = Vec::new();
        if strategy == Strategy::ShallowMerge && entries.is_empty() {
            return Ok(out);
        }
        if self.was_authority {
            let me = self.me.session_id.clone();
            self.apply_update(now, &me, strategy, entries, &mut out);
        } else if let Some(authority) = self.session_authority().map(str::to_owned) {
            self.seq = self.seq.saturating_add(1);
            let (mut data, mut deleted) = (Vec::new(), Vec::new());
            for (key, value) in entries {
                match value {
                    Some(value) => data.push((key, value)),
                    None if strategy == Strategy::ShallowMerge => deleted.push(key),
                    None => {}
                }
            }
            let body = SessionUpdateBody { seq: self.seq, strategy, data: SessionData::from_entries(data), deleted };
            self.send(&mut out, Some(vec![authority]), Kind::SessionUpdate, &body);
        }
        Ok(out)
    }

    fn check_session_joined(&self) -> Result<(), RoomError> {
        if self.state == MeetingState::Joined {
            return Ok(());
        }
        let message = "setMeetingSessionData only supported after join.";
        Err(RoomError::new(Error::NotJoined(message.to_owned()), message))
    }

    fn in_call(&self) -> bool {
        matches!(self.state, MeetingState::Joining | MeetingState::Joined)
    }

    fn heartbeat_ms(&self) -> u64 {
        self.config.heartbeat_ms.max(1)
    }

    fn is_authority(&self) -> bool {
        self.session_authority() == Some(self.me.session_id.as_str())
    }

    fn local_participant(&self) -> Participant {
        Participant {
            session_id: self.me.session_id.clone(),
            user_id: self.me.user_id.clone(),
            user_name: self.me.user_name.clone(),
            local: true,
            owner: self.me.owner,
            joined_at: self.joined_at,
            user_data: self.user_data.clone(),
        }
    }

    fn my_info(&self) -> ParticipantInfo {
        ParticipantInfo {
            user_name: self.me.user_name.clone(),
            user_id: self.me.user_id.clone(),
            owner: self.me.owner,
            joined_at: self.joined_at,
            user_data: self.published.clone(),
            rev: self.rev,
        }
    }

    fn send<B: Serialize>(&self, out: &mut Vec<Output>, to: Option<Vec<String>>, kind: Kind, body: &B) {
        out.push(Output::Send(encode(&self.config.room, &self.me.session_id, to, kind, Some(body))));
    }

    /// Our presence, with the session state when we are the authority.
    fn send_presence(&self, out: &mut Vec<Output>, to: Option<Vec<String>>) {
        let session = self.was_authority.then(|| self.session.clone());
        let body = PresenceBody { participant: self.my_info(), session };
        self.send(out, to, Kind::Presence, &body);
    }

    /// Tells peers the latest `userData`.
    fn publish(&mut self, out: &mut Vec<Output>) {
        if self.published == self.user_data {
            return;
        }
        self.published = self.user_data.clone();
        self.rev = self.rev.saturating_add(1);
        self.send_presence(out, None);
    }

    /// Takes up or hands over the authority after the view of the room changed.
    fn check_authority(&mut self, out: &mut Vec<Output>) {
        let authority = self.is_authority();
        if authority && !self.was_authority {
            // Go on from our replica, under a version above any we sent before.
            self.was_authority = true;
            self.writer_seqs.clear();
            self.session.version = self.session.version.max(self.sent_version).saturating_add(1);
            self.sent_version = self.session.version;
            self.session_from = Some(self.me.session_id.clone());
            self.last_flush = None; // the take-over repeats the state, it changes nothing
            self.send_presence(out, None);
        } else if !authority && self.was_authority {
            self.was_authority = false;
            self.working = None;
            self.flush_due = None;
            self.writer_seqs.clear();
        }
    }

    /// The authority applies one update to its pending state, or refuses it.
    fn apply_update(
        &mut self,
        now: u64,
        writer: &str,
        strategy: Strategy,
        patch: Vec<(String, Option<Json>)>,
        out: &mut Vec<Output>,
    ) {
        let base = self.working.as_ref().unwrap_or(&self.session.data);
        let next = match strategy {
            Strategy::Replace => SessionData::from_entries(patch.into_iter().filter_map(|(k, v)| Some((k, v?)))),
            Strategy::ShallowMerge => base.merged(&patch),
        };
        if &next == base {
            return;
        }
        let size = next.utf16_len();
        if size > SESSION_DATA_LIMIT {
            let kind = SESSION_DATA_ERROR.to_owned();
            let error_msg = session_too_large(size);
            if writer == self.me.session_id {
                out.push(Output::Emit(Event::NonfatalError { kind, error_msg }));
            } else {
                self.send(out, Some(vec![writer.to_owned()]), Kind::NonfatalError, &NonfatalBody { kind, error_msg });
            }
            return;
        }
        self.working = Some(next);
        match self.last_flush {
            Some(last) if now < last.saturating_add(self.config.session_sync_ms) => {
                self.flush_due.get_or_insert(last.saturating_add(self.config.session_sync_ms));
            }
            _ => self.flush(now, out),
        }
    }

    /// The authority broadcasts its pending state, if it changed anything.
    fn flush(&mut self, now: u64, out: &mut Vec<Output>) {
        self.flush_due = None;
        let Some(next) = self.working.take() else { return };
        if next == self.session.data {
            return;
        }
        let version = self.session.version.max(self.sent_version).saturating_add(1);
        self.sent_version = version;
        self.session = SessionSnapshot { version, data: next };
        self.session_from = Some(self.me.session_id.clone());
        self.last_flush = Some(now);
        self.send_presence(out, None);
        out.push(Output::Emit(Event::SessionStateUpdated(self.session.data.clone())));
    }

    fn remove_peer(&mut self, id: &str, out: &mut Vec<Output>) {
        self.writer_seqs.remove(id);
        if let Some(peer) = self.peers.remove(id) {
            if self.state == MeetingState::Joined {
                out.push(Output::Emit(Event::ParticipantLeft(remote_participant(id, &peer.info))));
            }
        }
    }

    fn handle(&mut self, now: u64, text: &str, out: &mut Vec<Output>) -> Result<(), Malformed> {
        if text.len() > MAX_WIRE_LEN {
            return Err(Malformed);
        }
        let wire: Wire<Json> = serde_json::from_str(text).map_err(|_| Malformed)?;
        let well_formed = wire.v == PROTOCOL_VERSION
            && wire.room == self.config.room
            && valid_id(&wire.from)
            && wire.to.as_ref().map_or(true, |to| to.len() <= MAX_PARTICIPANTS);
        if !well_formed {
            return Err(Malformed);
        }
        let from = wire.from.as_str();
        if from == self.me.session_id || !wire.is_for(&self.me.session_id) || self.gone.contains(from) {
            return Ok(());
        }
        if let Some(peer) = self.peers.get_mut(from) {
            peer.last_heard = now;
        }
        match wire.kind {
            Kind::Hello | Kind::Presence => {
                let body: PresenceBody = parse_body(&wire.body)?;
                self.on_presence(now, from, wire.kind == Kind::Hello, body, out)
            }
            Kind::Leave => {
                self.on_leave(from, out);
                Ok(())
            }
            Kind::App => {
                let data = wire.body.clone().ok_or(Malformed)?;
                let event = Event::AppMessage { data, from_id: from.to_owned() };
                if self.state == MeetingState::Joined {
                    out.push(Output::Emit(event));
                } else if self.held.len() < HELD_EVENTS_LIMIT {
                    self.held.push(event);
                } else {
                    return Err(Malformed);
                }
                Ok(())
            }
            Kind::SessionUpdate => {
                let body: SessionUpdateBody = parse_body(&wire.body)?;
                self.on_session_update(now, from, body, out)
            }
            Kind::NonfatalError => {
                let body: NonfatalBody = parse_body(&wire.body)?;
                if body.kind.len() > MAX_NAME_LEN || body.error_msg.len() > MAX_NAME_LEN {
                    return Err(Malformed);
                }
                if self.state == MeetingState::Joined {
                    out.push(Output::Emit(Event::NonfatalError { kind: body.kind, error_msg: body.error_msg }));
                }
                Ok(())
            }
            Kind::Other => Err(Malformed),
        }
    }

    fn on_presence(
        &mut self,
        now: u64,
        from: &str,
        hello: bool,
        body: PresenceBody,
        out: &mut Vec<Output>,
    ) -> Result<(), Malformed> {
        let info = body.participant;
        let valid = info.user_name.len() <= MAX_NAME_LEN
            && info.user_id.len() <= MAX_NAME_LEN
            && info.user_data.as_ref().map_or(true, |d| d.user_data_len() <= USER_DATA_LIMIT)
            && body.session.as_ref().map_or(true, |s| s.data.utf16_len() <= SESSION_DATA_LIMIT);
        if !valid {
            return Err(Malformed);
        }
        let joined = self.state == MeetingState::Joined;
        match self.peers.get_mut(from) {
            Some(peer) => {
                if info.rev > peer.info.rev {
                    let visible_change = ParticipantInfo { rev: peer.info.rev, ..info.clone() } != peer.info;
                    let moved = info.joined_at != peer.info.joined_at;
                    peer.info = info;
                    if visible_change && joined {
                        let participant = remote_participant(from, &peer.info);
                        out.push(Output::Emit(Event::ParticipantUpdated(participant)));
                    }
                    if moved {
                        self.check_authority(out);
                    }
                }
            }
            None => {
                if self.peers.len() + 1 >= MAX_PARTICIPANTS {
                    return Err(Malformed);
                }
                if joined {
                    out.push(Output::Emit(Event::ParticipantJoined(remote_participant(from, &info))));
                }
                self.peers.insert(from.to_owned(), Peer { info, last_heard: now });
                self.check_authority(out);
            }
        }
        if hello {
            self.send_presence(out, Some(vec![from.to_owned()]));
        }
        if let Some(snapshot) = body.session {
            self.adopt(from, snapshot, out);
        }
        Ok(())
    }

    /// Takes a session state from the authority, unless it is older than ours.
    fn adopt(&mut self, from: &str, snapshot: SessionSnapshot, out: &mut Vec<Output>) {
        if self.session_authority() != Some(from) {
            return;
        }
        if self.session_from.as_deref() == Some(from) && snapshot.version <= self.session.version {
            return;
        }
        let changed = snapshot.data != self.session.data;
        self.session = snapshot;
        self.session_from = Some(from.to_owned());
        if changed && self.state == MeetingState::Joined {
            out.push(Output::Emit(Event::SessionStateUpdated(self.session.data.clone())));
        }
    }

    fn on_leave(&mut self, from: &str, out: &mut Vec<Output>) {
        if self.gone.insert(from.to_owned()) {
            self.gone_order.push_back(from.to_owned());
            if self.gone_order.len() > MAX_PARTICIPANTS {
                if let Some(oldest) = self.gone_order.pop_front() {
                    self.gone.remove(&oldest);
                }
            }
        }
        if self.peers.contains_key(from) {
            self.remove_peer(from, out);
            self.check_authority(out);
        }
    }

    fn on_session_update(
        &mut self,
        now: u64,
        from: &str,
        body: SessionUpdateBody,
        out: &mut Vec<Output>,
    ) -> Result<(), Malformed> {
        if body.data.utf16_len() > SESSION_DATA_LIMIT {
            return Err(Malformed);
        }
        if !self.was_authority {
            return Ok(()); // sent to us as the authority, which we are not (or no longer)
        }
        let last = self.writer_seqs.get(from).copied().unwrap_or(0);
        if body.seq <= last {
            return Ok(()); // overtaken by a later update of the same writer
        }
        if self.writer_seqs.len() < MAX_PARTICIPANTS || self.writer_seqs.contains_key(from) {
            self.writer_seqs.insert(from.to_owned(), body.seq);
        }
        let mut patch: Vec<(String, Option<Json>)> = Vec::new();
        if body.strategy == Strategy::ShallowMerge {
            patch.extend(body.deleted.into_iter().map(|key| (key, None)));
        }
        patch.extend(body.data.into_entries().into_iter().map(|(key, value)| (key, Some(value))));
        self.apply_update(now, from, body.strategy, patch, out);
        Ok(())
    }
}

fn remote_participant(id: &str, info: &ParticipantInfo) -> Participant {
    Participant {
        session_id: id.to_owned(),
        user_id: info.user_id.clone(),
        user_name: info.user_name.clone(),
        local: false,
        owner: info.owner,
        joined_at: info.joined_at,
        user_data: info.user_data.clone(),
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id != "local" && id != "*"
}

fn parse_body<T: DeserializeOwned>(body: &Option<Json>) -> Result<T, Malformed> {
    let body = body.as_ref().ok_or(Malformed)?;
    serde_json::from_str(body.as_str()).map_err(|_| Malformed)
}

fn session_too_large(size: usize) -> String {
    format!("Meeting session data is too large ({size} characters). Maximum size suppported is {SESSION_DATA_LIMIT}.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::protocol::{app_message as server_message, leave_message};
    use crate::local::sim::{Link, SimNetwork, SplitMix64};
    use proptest::prelude::{any, prop_oneof, proptest, ProptestConfig, Strategy as _};

    const ROOM: &str = "test";
    const A: usize = 0;
    const B: usize = 1;
    const C: usize = 2;
    const D: usize = 3;
    /// Latency with no jitter: messages arrive in order, 10 ms later.
    const STEADY: Link = Link { latency_ms: 10, jitter_ms: 0, drop_rate: 0.0 };

    fn config() -> NodeConfig {
        NodeConfig::new(ROOM)
    }

    fn node(id: &str, config: &NodeConfig) -> Node {
        Node::new(config.clone(), Identity::new(id, id.to_uppercase()))
    }

    fn json(text: &str) -> Json {
        Json::parse(text).unwrap()
    }

    /// `a`, `b`, `c` and `d` on a bus; `a` joined at 0 and `b` at 500, the others not yet.
    fn room(link: Link, config: &NodeConfig) -> SimNetwork {
        let mut net = SimNetwork::new(7, link);
        for id in ["a", "b", "c", "d"] {
            net.add(node(id, config));
        }
        net.join(A);
        net.advance(500);
        net.join(B);
        net.advance(1000);
        net
    }

    /// [`room`] with `c` joined too, and the events so far cleared.
    fn three(link: Link, config: &NodeConfig) -> SimNetwork {
        let mut net = room(link, config);
        net.join(C);
        net.advance(1000);
        for i in [A, B, C] {
            net.take_events(i);
        }
        net
    }

    fn events(net: &SimNetwork, i: usize) -> Vec<Event> {
        net.events(i).iter().map(|(_, e)| e.clone()).collect()
    }

    fn apps(net: &SimNetwork, i: usize) -> Vec<(String, String)> {
        let app = |e: Event| match e {
            Event::AppMessage { data, from_id } => Some((data.as_str().to_owned(), from_id)),
            _ => None,
        };
        events(net, i).into_iter().filter_map(app).collect()
    }

    fn session_updates(net: &SimNetwork, i: usize) -> Vec<(u64, String)> {
        let update = |(t, e): &(u64, Event)| match e {
            Event::SessionStateUpdated(state) => Some((*t, state.to_json())),
            _ => None,
        };
        net.events(i).iter().filter_map(update).collect()
    }

    fn left(net: &SimNetwork, i: usize) -> Vec<(u64, String)> {
        let gone = |(t, e): &(u64, Event)| match e {
            Event::ParticipantLeft(p) => Some((*t, p.session_id.clone())),
            _ => None,
        };
        net.events(i).iter().filter_map(gone).collect()
    }

    fn state(net: &SimNetwork, i: usize) -> String {
        net.node(i).unwrap().meeting_session_state().to_json()
    }

    fn set(net: &mut SimNetwork, i: usize, data: &str, strategy: Strategy) {
        net.try_apply(i, |n, now| n.set_session_data(now, data, strategy)).unwrap();
    }

    fn send(net: &mut SimNetwork, i: usize, data: &str, to: Recipient) {
        net.try_apply(i, |n, _| n.send_app_message(data, &to)).unwrap();
    }

    fn authority(net: &SimNetwork, i: usize) -> Option<String> {
        net.node(i).unwrap().session_authority().map(str::to_owned)
    }

    #[test]
    fn three_participants_one_joining_late_see_each_other_and_the_room_state() {
        let mut net = room(STEADY, &config());
        net.try_apply(A, |n, now| n.set_user_data(now, Some(r#"{"hand":true}"#))).unwrap();
        send(&mut net, B, r#""before c""#, Recipient::All);
        set(&mut net, B, r#"{"topic":"intro"}"#, Strategy::Replace);
        net.advance(2000);
        net.join(C);
        assert_eq!(net.node(C).unwrap().meeting_state().as_str(), "joining-meeting");
        net.advance(1000);

        let Some(Event::JoinedMeeting { participants, session_state }) = events(&net, C).into_iter().next() else {
            panic!("c's first event is joined-meeting: {:?}", events(&net, C));
        };
        assert_eq!(participants.keys().collect::<Vec<_>>(), ["a", "b", "local"]);
        assert_eq!(participants["a"].user_data, Some(json(r#"{"hand":true}"#)), "userData in the answer to hello");
        assert_eq!(participants["b"].user_data, None);
        assert!(participants["local"].local && !participants["a"].local);
        assert_eq!(participants["local"].session_id, "c");
        assert_eq!(session_state.to_json(), r#"{"topic":"intro"}"#);
        assert!(apps(&net, C).is_empty(), "a late joiner gets no earlier message");
        assert_eq!(apps(&net, A), [(r#""before c""#.to_owned(), "b".to_owned())]);
        assert_eq!(net.node(C).unwrap().participants(), participants);
        assert_eq!(net.node(C).unwrap().meeting_state(), MeetingState::Joined);

        // b's own joined-meeting had a; a and b each heard c join.
        let Some(Event::JoinedMeeting { participants, .. }) = events(&net, B).into_iter().next() else { panic!() };
        assert_eq!(participants.keys().collect::<Vec<_>>(), ["a", "local"]);
        for (i, expected) in [(A, vec!["b", "c"]), (B, vec!["c"])] {
            let joined: Vec<String> = events(&net, i)
                .into_iter()
                .filter_map(|e| match e {
                    Event::ParticipantJoined(p) => Some(p.session_id),
                    _ => None,
                })
                .collect();
            assert_eq!(joined, expected);
        }
        for i in [A, B, C] {
            assert_eq!(authority(&net, i).as_deref(), Some("a"), "the earliest is the authority");
            assert_eq!(state(&net, i), r#"{"topic":"intro"}"#);
        }
    }

    #[test]
    fn participants_serialize_to_daily_js_shape() {
        let p = Participant {
            session_id: "s".into(),
            user_id: "u".into(),
            user_name: "N".into(),
            local: true,
            owner: false,
            joined_at: 5,
            user_data: Some(json(r#"{"a":1}"#)),
        };
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"session_id":"s","user_id":"u","user_name":"N","local":true,"owner":false,"joined_at":5,"userData":{"a":1},"tracks":{}}"#
        );
        let bare = Participant { user_data: None, ..p };
        assert!(!serde_json::to_string(&bare).unwrap().contains("userData"));
    }

    #[test]
    fn app_messages_are_broadcast_or_targeted_and_never_echoed() {
        let mut net = three(STEADY, &config());
        send(&mut net, A, r#"{"n":1}"#, Recipient::All);
        send(&mut net, A, "2", Recipient::One("c".into()));
        send(&mut net, B, "3", Recipient::Many(vec!["a".into(), "c".into()]));
        send(&mut net, C, "4", Recipient::One("c".into()));
        send(&mut net, A, "5", Recipient::One("nobody".into()));
        net.inject(&server_message(ROOM, "server", &json("6"), &Recipient::One("b".into())));
        net.advance(100);
        let m = |d: &str, f: &str| (d.to_owned(), f.to_owned());
        assert_eq!(apps(&net, A), [m("3", "b")]);
        assert_eq!(apps(&net, B), [m(r#"{"n":1}"#, "a"), m("6", "server")]);
        assert_eq!(apps(&net, C), [m(r#"{"n":1}"#, "a"), m("2", "a"), m("3", "b")]);
    }

    #[test]
    fn a_joining_participant_hears_messages_after_its_joined_meeting() {
        let mut net = room(STEADY, &config());
        net.join(C);
        net.advance(50); // b has heard c's hello; c's join window is still open
        send(&mut net, B, "1", Recipient::All);
        net.advance(1000);
        let events = events(&net, C);
        assert!(matches!(events.first(), Some(Event::JoinedMeeting { .. })));
        assert_eq!(apps(&net, C), [("1".to_owned(), "b".to_owned())]);
    }

    #[test]
    fn limits_and_daily_js_messages() {
        let mut n = node("a", &config());
        let err = n.send_app_message("1", &Recipient::All).unwrap_err();
        assert_eq!((err.message.as_str(), err.kind()), ("sendAppMessage() only supported after join.", "not-joined"));
        let err = n.set_session_data(0, "{}", Strategy::Replace).unwrap_err();
        assert_eq!(
            (err.message.as_str(), err.kind()),
            ("setMeetingSessionData only supported after join.", "not-joined")
        );

        // daily-js measures a string by its own length, anything else by its JSON.
        let just_fits = format!("\"{}\"", "x".repeat(4096));
        assert!(n.set_user_data(0, Some(&just_fits)).is_ok());
        let too_big = format!("\"{}\"", "x".repeat(4097));
        let err = n.set_user_data(0, Some(&too_big)).unwrap_err();
        assert_eq!(err.message, "userData is too large (4097 characters). Maximum size suppported is 4096.");
        let too_big = format!("{{\"a\":\"{}\"}}", "x".repeat(4089));
        let err = n.set_user_data(0, Some(&too_big)).unwrap_err();
        assert_eq!(err.message, "userData is too large (4097 characters). Maximum size suppported is 4096.");
        assert!(matches!(err.error, Error::PayloadTooLarge { size: 4097, limit: 4096 }));
        let at_limit = format!("\"{}\"", "é".repeat(4094));
        assert!(n.set_user_data(0, Some(&at_limit)).unwrap().is_empty(), "kept for the join");
        assert!(n.next_deadline().is_none());

        assert_eq!(n.join(0).len(), 1);
        assert!(matches!(n.tick(DEFAULT_JOIN_WINDOW_MS - 1).as_slice(), []));
        let out = n.tick(DEFAULT_JOIN_WINDOW_MS);
        let Some(Output::Emit(Event::JoinedMeeting { participants, .. })) = out.first() else { panic!("{out:?}") };
        assert_eq!(participants["local"].user_data, Some(json(&at_limit)));

        let at_limit = format!("\"{}\"", "😀".repeat(2047)); // 2 + 2 × 2047 = 4096 UTF-16 units
        assert_eq!(n.send_app_message(&at_limit, &Recipient::All).unwrap().len(), 1);
        let over = format!("\"{}\"", "x".repeat(4095));
        let err = n.send_app_message(&over, &Recipient::All).unwrap_err();
        assert_eq!(err.message, "Message data too large. Max size is 4096");
        assert!(matches!(err.error, Error::PayloadTooLarge { size: 4097, limit: 4096 }));
        assert_eq!(n.send_app_message("1", &Recipient::Many(vec![])).unwrap_err().kind(), "invalid-recipient");
        assert_eq!(n.send_app_message("{", &Recipient::All).unwrap_err().kind(), "invalid-argument");

        let mut small = node("s", &NodeConfig { app_message_limit: 100, join_window_ms: 0, ..config() });
        small.join(0);
        small.tick(0);
        let err = small.send_app_message(&format!("\"{}\"", "x".repeat(99)), &Recipient::All).unwrap_err();
        assert_eq!(err.message, "Message data too large. Max size is 100");

        for not_object in ["[1]", "null", "\"s\"", "3"] {
            let err = n.set_session_data(0, not_object, Strategy::Replace).unwrap_err();
            assert_eq!(err.message, "Meeting session data must be a plain (map-like) object");
            assert_eq!(err.kind(), "not-plain-object");
        }
        let over = format!(r#"{{"k":"{}"}}"#, "x".repeat(102_400));
        let err = n.set_session_data(0, &over, Strategy::ShallowMerge).unwrap_err();
        assert_eq!(
            err.message,
            "Meeting session data is too large (102408 characters). Maximum size suppported is 102400."
        );
        assert!(matches!(err.error, Error::PayloadTooLarge { size: 102_408, limit: 102_400 }));
        let at_limit = format!(r#"{{"k":"{}"}}"#, "x".repeat(102_392));
        let out = n.set_session_data(0, &at_limit, Strategy::Replace).unwrap();
        assert!(out.contains(&Output::Emit(Event::SessionStateUpdated(SessionData::parse(&at_limit).unwrap()))));
    }

    #[test]
    fn session_updates_are_paced_and_the_last_one_arrives() {
        let mut net = three(STEADY, &config());
        let start = net.now();
        for i in 0..25 {
            set(&mut net, B, &format!(r#"{{"n":{i}}}"#), Strategy::Replace);
            net.advance(100);
        }
        net.advance(2000);
        for i in [A, B, C] {
            let updates = session_updates(&net, i);
            let times: Vec<u64> = updates.iter().map(|(t, _)| *t).collect();
            assert!(times[0] <= start + 30, "idle: the first update goes at once ({times:?})");
            assert!(times.windows(2).all(|w| w[1] - w[0] >= 1000), "at most one per second: {times:?}");
            assert!((3..=4).contains(&times.len()), "{times:?}");
            assert_eq!(updates.last().unwrap().1, r#"{"n":24}"#);
            assert_eq!(state(&net, i), r#"{"n":24}"#);
        }
    }

    #[test]
    fn batches_follow_daily_js_rules() {
        let mut net = three(STEADY, &config());
        let merge = |net: &mut SimNetwork, i: usize, data: &str| set(net, i, data, Strategy::ShallowMerge);
        merge(&mut net, B, r#"{"a":1,"n":{"x":1,"y":1}}"#);
        net.advance(100);
        assert_eq!(state(&net, C), r#"{"a":1,"n":{"x":1,"y":1}}"#);
        merge(&mut net, B, r#"{"n":{"x":2}}"#);
        net.try_apply(B, |n, now| {
            let out = n.set_session_data(now, "{}", Strategy::ShallowMerge)?;
            assert!(out.is_empty(), "an empty merge is a no-op");
            n.set_session_entries(now, vec![("a".into(), None), ("z".into(), Some(json("0")))], Strategy::ShallowMerge)
        })
        .unwrap();
        merge(&mut net, C, r#"{"c":true}"#);
        net.advance(1500);
        for i in [A, B, C] {
            assert_eq!(state(&net, i), r#"{"n":{"x":2},"z":0,"c":true}"#, "nested objects are replaced");
            assert_eq!(session_updates(&net, i).len(), 2, "one broadcast at once, one for the batch");
        }

        merge(&mut net, B, r#"{"p":1}"#);
        net.advance(20);
        merge(&mut net, B, r#"{"q":1}"#);
        net.advance(20);
        set(&mut net, C, r#"{"r":1}"#, Strategy::Replace);
        net.advance(20);
        merge(&mut net, B, r#"{"m":2}"#);
        net.advance(1500);
        for i in [A, B, C] {
            assert_eq!(state(&net, i), r#"{"r":1,"m":2}"#, "a replace in a batch makes it a replace");
            // Within a second of the last broadcast, so all four went out together.
            assert_eq!(session_updates(&net, i).len(), 3);
        }
    }

    #[test]
    fn a_merge_over_the_limit_is_refused_with_a_nonfatal_error() {
        let mut net = three(STEADY, &config());
        let big = |key: &str, c: &str| format!(r#"{{"{key}":"{}"}}"#, c.repeat(60_000));
        set(&mut net, B, &big("b", "x"), Strategy::ShallowMerge);
        net.advance(50);
        set(&mut net, C, &big("c", "y"), Strategy::ShallowMerge);
        net.advance(1500);
        let size = format!(r#"{{"b":"{}","c":"{}"}}"#, "x".repeat(60_000), "y".repeat(60_000)).len();
        let error = Event::NonfatalError {
            kind: "meeting-session-data-error".into(),
            error_msg: format!(
                "Meeting session data is too large ({size} characters). Maximum size suppported is 102400."
            ),
        };
        assert_eq!(
            events(&net, C).into_iter().filter(|e| matches!(e, Event::NonfatalError { .. })).collect::<Vec<_>>(),
            [error]
        );
        for i in [A, B, C] {
            assert_eq!(state(&net, i), big("b", "x"), "the state is as before the refused update");
            assert_eq!(session_updates(&net, i).len(), 1);
        }
        assert!(!events(&net, B).iter().any(|e| matches!(e, Event::NonfatalError { .. })));

        // The authority's own update is refused the same way, locally.
        set(&mut net, A, &big("a", "z"), Strategy::ShallowMerge);
        assert!(
            matches!(events(&net, A).last(), Some(Event::NonfatalError { kind, .. }) if kind == SESSION_DATA_ERROR)
        );
    }

    #[test]
    fn leave_heartbeat_timeout_and_a_relay_forged_leave() {
        let mut net = three(STEADY, &config());
        net.leave(B);
        assert_eq!(events(&net, B), [Event::LeftMeeting]);
        assert_eq!(net.node(B).unwrap().meeting_state().as_str(), "left-meeting");
        assert!(net.node(B).unwrap().next_deadline().is_none());
        net.advance(50);
        for i in [A, C] {
            assert_eq!(left(&net, i).iter().map(|(_, id)| id.as_str()).collect::<Vec<_>>(), ["b"]);
            assert!(!net.node(i).unwrap().participants().contains_key("b"));
        }

        let closed = net.now();
        net.kill(C);
        net.advance(3000);
        assert_eq!(left(&net, A).len(), 1, "c is not gone yet");
        net.advance(2000);
        let (t, id) = left(&net, A)[1].clone();
        assert_eq!(id, "c");
        // Silent for the timeout since its last heartbeat, sent at most a heartbeat before it closed.
        assert!(t + 1000 >= closed + 3500 && t <= closed + 3500 + 10, "timed out at {t}, closed at {closed}");

        net.join(D);
        net.advance(1000);
        assert!(net.node(A).unwrap().participants().contains_key("d"));
        net.inject(&leave_message(ROOM, "d"));
        net.advance(50);
        assert_eq!(left(&net, A).last().unwrap().1, "d");
        net.advance(3000); // d, still running, keeps sending heartbeats: a `leave` is final
        assert!(!net.node(A).unwrap().participants().contains_key("d"));
        assert_eq!(
            events(&net, A).iter().filter(|e| matches!(e, Event::ParticipantJoined(p) if p.session_id == "d")).count(),
            1
        );
    }

    #[test]
    fn the_authority_hands_over_when_it_leaves_or_vanishes() {
        let mut net = three(STEADY, &config());
        set(&mut net, A, r#"{"a":1}"#, Strategy::ShallowMerge);
        net.advance(50);
        set(&mut net, A, r#"{"a2":2}"#, Strategy::ShallowMerge); // held by the pacing...
        net.leave(A); // ...and sent before the goodbye
        net.advance(50);
        for i in [B, C] {
            assert_eq!(state(&net, i), r#"{"a":1,"a2":2}"#);
            assert_eq!(authority(&net, i).as_deref(), Some("b"), "b joined before c");
        }
        set(&mut net, C, r#"{"c":1}"#, Strategy::ShallowMerge);
        net.advance(100);
        assert_eq!(state(&net, B), r#"{"a":1,"a2":2,"c":1}"#);
        assert_eq!(state(&net, C), r#"{"a":1,"a2":2,"c":1}"#);

        net.kill(B);
        net.advance(5000);
        assert_eq!(authority(&net, C).as_deref(), Some("c"));
        set(&mut net, C, r#"{"d":1}"#, Strategy::ShallowMerge);
        assert_eq!(state(&net, C), r#"{"a":1,"a2":2,"c":1,"d":1}"#, "alone, c applies its own update at once");
        net.join(D);
        net.advance(1000);
        let Some(Event::JoinedMeeting { session_state, .. }) = events(&net, D).into_iter().next() else { panic!() };
        assert_eq!(session_state.to_json(), r#"{"a":1,"a2":2,"c":1,"d":1}"#);
    }

    #[test]
    fn user_data_is_delayed_but_the_last_change_arrives() {
        let config = NodeConfig { user_data_delay_ms: 200, ..config() };
        let mut net = three(STEADY, &config);
        for i in 0..5 {
            let data = format!(r#"{{"i":{i}}}"#);
            net.try_apply(A, |n, now| n.set_user_data(now, Some(&data))).unwrap();
            net.advance(30);
        }
        net.advance(1000);
        let updates_of = |net: &SimNetwork, i: usize, id: &str| -> Vec<Option<Json>> {
            let of = |e: Event| match e {
                Event::ParticipantUpdated(p) if p.session_id == id => Some(p.user_data),
                _ => None,
            };
            events(net, i).into_iter().filter_map(of).collect()
        };
        assert_eq!(updates_of(&net, A, "a").len(), 5, "the local participant sees each change at once");
        for i in [B, C] {
            assert_eq!(updates_of(&net, i, "a"), [Some(json(r#"{"i":4}"#))], "one send for the burst");
        }
        net.try_apply(A, |n, now| n.set_user_data(now, None)).unwrap();
        net.advance(500);
        assert_eq!(net.node(B).unwrap().participants()["a"].user_data, None);
    }

    #[test]
    fn the_last_update_of_a_writer_wins_despite_reordering() {
        let jittery = Link { latency_ms: 5, jitter_ms: 200, drop_rate: 0.0 };
        let mut net = three(jittery, &config());
        for i in 0..30 {
            set(&mut net, B, &format!(r#"{{"n":{i}}}"#), Strategy::Replace);
            let data = format!(r#"{{"u":{i}}}"#);
            net.try_apply(C, |n, now| n.set_user_data(now, Some(&data))).unwrap();
            net.advance(10);
        }
        net.advance(3000);
        for i in [A, B, C] {
            assert_eq!(state(&net, i), r#"{"n":29}"#);
        }
        for i in [A, B] {
            assert_eq!(net.node(i).unwrap().participants()["c"].user_data, Some(json(r#"{"u":29}"#)));
        }
    }

    #[test]
    fn an_in_page_bus_joins_at_the_first_tick() {
        let config = NodeConfig { join_window_ms: 0, ..config() };
        let mut net = SimNetwork::new(1, Link::INSTANT);
        net.add(node("a", &config));
        net.add(node("b", &config));
        net.join(A);
        net.advance(0);
        assert!(matches!(events(&net, A).as_slice(), [Event::JoinedMeeting { .. }]));
        net.advance(10);
        net.join(B);
        net.advance(0);
        let Some(Event::JoinedMeeting { participants, .. }) = events(&net, B).into_iter().next() else { panic!() };
        assert!(participants.contains_key("a"));
        assert!(matches!(events(&net, A).last(), Some(Event::ParticipantJoined(p)) if p.session_id == "b"));
    }

    #[test]
    fn garbage_is_counted_and_ignored() {
        let mut n = node("a", &NodeConfig { join_window_ms: 0, ..config() });
        n.join(0);
        n.tick(0);
        let info = r#"{"user_name":"Z","user_id":"z","owner":false,"joined_at":1,"rev":1}"#;
        let msg = |from: &str, kind: &str, body: &str| {
            format!(
                r#"{{"v":1,"room":"test","from":"{from}","type":"{kind}"{}}}"#,
                if body.is_empty() { String::new() } else { format!(r#","body":{body}"#) }
            )
        };
        let long_id = "i".repeat(MAX_ID_LEN + 1);
        let big_user_data = format!(
            r#"{{"participant":{{"user_name":"Z","user_id":"z","owner":false,"joined_at":1,"rev":1,"userData":"{}"}}}}"#,
            "x".repeat(5000)
        );
        let many: Vec<String> = (0..=MAX_PARTICIPANTS).map(|i| format!("\"{i}\"")).collect();
        let bad = [
            String::new(),
            "nope".into(),
            "[]".into(),
            "{}".into(),
            "null".into(),
            r#"{"v":2,"room":"test","from":"z","type":"leave"}"#.into(),
            r#"{"v":1,"room":"other","from":"z","type":"leave"}"#.into(),
            r#"{"v":1,"room":"test","type":"leave"}"#.into(),
            r#"{"v":"1","room":"test","from":"z","type":"leave"}"#.into(),
            msg("", "leave", ""),
            msg("local", "leave", ""),
            msg("*", "leave", ""),
            msg(&long_id, "leave", ""),
            msg("z", "shiny", "{}"),
            msg("z", "hello", ""),
            msg("z", "hello", r#"{"participant":{}}"#),
            msg("z", "presence", &format!(r#"{{"participant":{info},"session":{{"version":1,"data":[1]}}}}"#)),
            msg("z", "presence", &big_user_data),
            msg("z", "app", ""),
            msg("z", "session-update", r#"{"seq":1,"strategy":"upsert","data":{}}"#),
            msg("z", "session-update", r#"{"seq":1,"strategy":"replace","data":[1]}"#),
            msg("z", "session-update", r#"{"seq":-1,"strategy":"replace","data":{}}"#),
            msg("z", "nonfatal-error", ""),
            format!(r#"{{"v":1,"room":"test","from":"z","to":[{}],"type":"leave"}}"#, many.join(",")),
            format!("{}x", msg("z", "leave", "")),
            "x".repeat(MAX_WIRE_LEN + 1),
        ];
        for text in &bad {
            assert!(n.receive(5, text).is_empty(), "{text:.80}");
        }
        assert_eq!(n.dropped(), bad.len() as u64);
        // Deep but valid JSON is carried as text, never walked recursively.
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert!(matches!(n.receive(5, &msg("z", "app", &deep)).as_slice(), [Output::Emit(Event::AppMessage { .. })]));
        // Not malformed, just not ours: our own echo, and a message for someone else.
        assert!(n.receive(5, &msg("a", "app", "1")).is_empty());
        assert!(n.receive(5, r#"{"v":1,"room":"test","from":"z","to":["y"],"type":"app","body":1}"#).is_empty());
        assert_eq!(n.dropped(), bad.len() as u64);
        assert_eq!(n.participants().len(), 1);
        assert_eq!(n.meeting_session_state().to_json(), "{}");

        // A flood of made-up participants is bounded.
        for i in 0..MAX_PARTICIPANTS + 100 {
            n.receive(6, &msg(&format!("p{i}"), "hello", &format!(r#"{{"participant":{info}}}"#)));
        }
        assert_eq!(n.participants().len(), MAX_PARTICIPANTS);
        assert_eq!(n.dropped(), bad.len() as u64 + 101);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Wait(u64),
        UserData(usize, Option<u8>),
        Merge(usize, u8, u8),
        Delete(usize, u8),
        Replace(usize, u8, u8),
        App(usize),
    }

    /// Runs `ops` on a, b and c (c joining after the first third), lets the room settle, and
    /// checks every node holds the same session state and sees everyone's latest `userData`.
    fn run_and_check_convergence(seed: u64, link: Link, ops: &[Op]) {
        // Losses must not make peers time out here: timeouts are tested on their own.
        let config = NodeConfig { peer_timeout_ms: 10_000, ..config() };
        let mut net = SimNetwork::new(seed, link);
        for id in ["a", "b", "c"] {
            net.add(node(id, &config));
        }
        net.join(A);
        net.join(B);
        for (k, op) in ops.iter().enumerate() {
            if k == ops.len() / 3 {
                net.join(C);
            }
            // Calls before c joined are refused or held, as daily-js's are: ignore the results.
            let _ = match op.clone() {
                Op::Wait(ms) => {
                    net.advance(ms);
                    Ok(())
                }
                Op::UserData(i, v) => {
                    net.try_apply(i, |n, now| n.set_user_data(now, v.map(|v| format!(r#"{{"v":{v}}}"#)).as_deref()))
                }
                Op::Merge(i, k, v) => net.try_apply(i, |n, now| {
                    n.set_session_data(now, &format!(r#"{{"k{k}":{v}}}"#), Strategy::ShallowMerge)
                }),
                Op::Delete(i, k) => net.try_apply(i, |n, now| {
                    n.set_session_entries(now, vec![(format!("k{k}"), None)], Strategy::ShallowMerge)
                }),
                Op::Replace(i, k, v) => {
                    net.try_apply(i, |n, now| n.set_session_data(now, &format!(r#"{{"k{k}":{v}}}"#), Strategy::Replace))
                }
                Op::App(i) => net.try_apply(i, |n, _| n.send_app_message("{}", &Recipient::All)),
            };
        }
        if ops.len() / 3 >= ops.len() {
            net.join(C);
        }
        net.advance(8000);
        let nodes: Vec<&Node> = (0..3).filter_map(|i| net.node(i)).collect();
        for n in &nodes {
            assert_eq!(n.meeting_state(), MeetingState::Joined);
            assert_eq!(
                n.meeting_session_state(),
                nodes[0].meeting_session_state(),
                "session state of {}",
                n.local_session_id()
            );
            assert_eq!(n.session_authority(), Some("a"));
            let seen = n.participants();
            for other in &nodes {
                let id = other.local_session_id();
                let expected = other.participants()["local"].user_data.clone();
                let key = if id == n.local_session_id() { "local" } else { id };
                assert_eq!(
                    seen.get(key).map(|p| p.user_data.clone()),
                    Some(expected),
                    "{id}'s userData seen by {}",
                    n.local_session_id()
                );
            }
        }
    }

    #[test]
    fn user_data_and_session_state_converge_under_jitter_and_loss() {
        let mut rng = SplitMix64::new(42);
        let mut ops = Vec::new();
        for _ in 0..300 {
            let i = rng.up_to(2) as usize;
            let (k, v) = (rng.up_to(5) as u8, rng.up_to(9) as u8);
            ops.push(match rng.up_to(5) {
                0 => Op::UserData(i, (v > 1).then_some(v)),
                1 => Op::Merge(i, k, v),
                2 => Op::Delete(i, k),
                3 => Op::Replace(i, k, v),
                4 => Op::App(i),
                _ => Op::Wait(0),
            });
            ops.push(Op::Wait(rng.up_to(100)));
        }
        let link = Link { latency_ms: 5, jitter_ms: 80, drop_rate: 0.1 };
        run_and_check_convergence(9, link, &ops);
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        prop_oneof![
            (0u64..400).prop_map(Op::Wait),
            (0..3usize, proptest::option::of(0u8..4)).prop_map(|(i, v)| Op::UserData(i, v)),
            (0..3usize, 0u8..4, 0u8..4).prop_map(|(i, k, v)| Op::Merge(i, k, v)),
            (0..3usize, 0u8..4).prop_map(|(i, k)| Op::Delete(i, k)),
            (0..3usize, 0u8..4, 0u8..4).prop_map(|(i, k, v)| Op::Replace(i, k, v)),
            (0..3usize).prop_map(Op::App),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn random_operations_converge(
            seed in any::<u64>(),
            jitter in 0u64..150,
            drop_rate in 0.0f64..0.15,
            ops in proptest::collection::vec(op(), 1..40),
        ) {
            run_and_check_convergence(seed, Link { latency_ms: 2, jitter_ms: jitter, drop_rate }, &ops);
        }
    }
}
