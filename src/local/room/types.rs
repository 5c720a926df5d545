//! What a [`Node`](super::Node) is configured with and hands its app: the settings, the local
//! identity, the meeting state, participants as daily-js shows them, events, outputs and errors.

use std::fmt;


use super::super::protocol::json::ObjectWriter;
use super::super::protocol::{Json, Malformed, SessionData};
use crate::payload::{Error, APP_MESSAGE_LIMIT};

/// The default join window for transports with delivery delays (tabs, WebSocket): long enough for
/// the answers to a `hello` to come back.
pub const DEFAULT_JOIN_WINDOW_MS: u64 = 300;
/// How many app messages a joining participant keeps for after its `joined-meeting`.
pub(super) const HELD_EVENTS_LIMIT: usize = 256;
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

/// A participant as daily-js describes one; serializes to the fields the room knows
/// (`{session_id, user_id, user_name, local, owner, joined_at, userData}`); the JS face adds the
/// rest of daily-js's shape (tracks, permissions), which a room with no media holds constant.
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

impl Participant {
    /// The participant's fields as JSON.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    /// Writes [`to_json`](Self::to_json) to `out`.
    pub fn write_json(&self, out: &mut String) {
        let mut object = ObjectWriter::new(out);
        object.str("session_id", &self.session_id);
        object.str("user_id", &self.user_id);
        object.str("user_name", &self.user_name);
        object.bool("local", self.local);
        object.bool("owner", self.owner);
        object.u64("joined_at", self.joined_at);
        if let Some(data) = &self.user_data {
            object.raw("userData", data.as_str());
        }
        object.end();
    }
}

/// What the app hears, daily-js's events.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `joined-meeting`, with the local participant only, as daily-js's. The join goes on as
    /// daily-js's does: a `participant-joined` for each participant already there, then
    /// `meeting-session-state-updated` with the room's state.
    JoinedMeeting(Participant),
    /// `participant-joined`: someone joined, or was there when this participant joined.
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
    pub(super) fn new(error: Error, message: impl Into<String>) -> Self {
        RoomError { error, message: message.into() }
    }

    pub(super) fn from_error(error: Error) -> Self {
        let message = error.message();
        RoomError { error, message }
    }

    pub(super) fn not_json(_: Malformed) -> Self {
        RoomError::from_error(Error::InvalidArgument("not JSON text".into()))
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
