//! The local room's wire protocol: what one participant's [`Node`](super::room::Node) says to the
//! others on the room's bus.
//!
//! Why a protocol of its own: the bus (a JS array in one page, a `BroadcastChannel` between tabs, a
//! WebSocket relay) has no logic, so everything a Daily server would do is agreed between the
//! participants through these messages. The format is shared with a native dev server, so it is
//! versioned and kept stable: add optional fields, never change the meaning of one.
//!
//! # Format (version 1)
//!
//! Every message is one JSON object text with the routing fields at the top level, so that a relay
//! can route (and forge a `leave`) without understanding the rest:
//!
//! | field  | type              | meaning                                                           |
//! |--------|-------------------|-------------------------------------------------------------------|
//! | `v`    | number            | protocol version, [`PROTOCOL_VERSION`]; other versions are dropped |
//! | `room` | string            | the room; a message for another room is dropped                   |
//! | `from` | string            | the sender's session id (for a server app message, its `fromId`)  |
//! | `to`   | array of strings  | optional: only these session ids act on it; absent means everyone |
//! | `type` | string            | the [`Kind`]                                                      |
//! | `body` | any JSON          | depends on `type`; absent for `leave`                             |
//!
//! The kinds, one example each:
//!
//! - `hello`: a participant joins and asks everyone present to answer with a `presence`.
//!   ```json
//!   {"v":1,"room":"demo","from":"s-b","type":"hello","body":{"participant":{"user_name":"Bo","user_id":"s-b","owner":false,"joined_at":1000,"userData":{"hand":true},"rev":1}}}
//!   ```
//! - `presence`: a participant's info: the answer to a `hello` (with `to`), the heartbeat (every
//!   `heartbeat_ms`) and a `userData` change. `rev` grows with each change of the info, so a stale
//!   one arriving late is ignored. The session-state authority attaches the whole meeting session
//!   state, `session`, whose `version` grows with each change it makes, and `acks`: each writer's
//!   last `session-update` it took.
//!   ```json
//!   {"v":1,"room":"demo","from":"s-a","to":["s-b"],"type":"presence","body":{"participant":{"user_name":"Al","user_id":"s-a","owner":true,"joined_at":0,"rev":1},"session":{"version":3,"data":{"topic":"intro"}}}}
//!   ```
//! - `leave`: the sender leaves. It has no body, so a relay can forge it for a dropped connection
//!   (see [`leave_message`]).
//!   ```json
//!   {"v":1,"room":"demo","from":"s-b","type":"leave"}
//!   ```
//! - `app`: an app message; the body is the data itself (see [`app_message`]).
//!   ```json
//!   {"v":1,"room":"demo","from":"s-a","to":["s-c"],"type":"app","body":{"emoji":"🎉"}}
//!   ```
//! - `session-update`: a `setMeetingSessionData` call, sent to the authority. `seq` counts the
//!   sender's updates from 1; the authority takes them in that order only, and the sender resends
//!   those not yet in `acks` with each heartbeat, so a lost one is sent again; `first` is the
//!   sender's oldest update not acknowledged yet (the authority does not wait for earlier ones,
//!   which an earlier authority took; absent means 0, not said); `deleted` lists
//!   keys a shallow merge removes (JS `undefined`, which JSON cannot carry); `strategy` is
//!   `"replace"` or `"shallow-merge"`.
//!   ```json
//!   {"v":1,"room":"demo","from":"s-c","to":["s-a"],"type":"session-update","body":{"seq":2,"first":2,"strategy":"shallow-merge","data":{"topic":"q&a"},"deleted":["poll"]}}
//!   ```
//! - `nonfatal-error`: the authority refused the receiver's update (daily-js's `nonfatal-error`).
//!   ```json
//!   {"v":1,"room":"demo","from":"s-a","to":["s-c"],"type":"nonfatal-error","body":{"type":"meeting-session-data-error","error_msg":"Meeting session data is too large (102410 characters). Maximum size suppported is 102400."}}
//!   ```
//!
//! Payloads (`userData`, app data, session values) travel as the JSON text the sender wrote
//! ([`Json`]); sizes are that text's length in UTF-16 units, as daily-js measures them.

pub mod json;

use std::collections::HashMap;
use std::fmt;

pub use json::Malformed;
use json::{push_str, push_strings, ObjectWriter, Reader};

use crate::payload::Strategy;
use crate::payload::{json_str_len, object_len, Recipient};

/// The version in every message's `v`, so that an incompatible peer is dropped, not misread.
pub const PROTOCOL_VERSION: u32 = 1;
/// The longest wire text a node reads, in bytes: a full session state (102 400 UTF-16 units, at
/// most 3 bytes each) plus its envelope fits; anything longer is dropped unread.
pub const MAX_WIRE_LEN: usize = 512 * 1024;
/// The most participants a node tracks (itself included), so that a flood of made-up session ids
/// cannot grow its memory without bound.
pub const MAX_PARTICIPANTS: usize = 1000;
/// The longest session id (in bytes) a node accepts from a peer.
pub const MAX_ID_LEN: usize = 256;
/// The longest `user_name`, `user_id` or error text (in bytes) a node accepts from a peer.
pub const MAX_NAME_LEN: usize = 1024;

/// A JSON text, checked to be valid JSON, carried as written.
///
/// Why not a parsed tree: the JS side writes it with `JSON.stringify` and reads it with
/// `JSON.parse`, so parsing it into a tree in between would only cost time and change nothing.
/// Two `Json` are equal when their texts are.
#[derive(Clone, PartialEq, Eq)]
pub struct Json(Box<str>);

impl Json {
    /// Checks `text` is one JSON value (surrounding whitespace is dropped).
    pub fn parse(text: &str) -> Result<Json, Malformed> {
        Reader::read_all(text, Json::read)
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text's length in UTF-16 units: `JSON.stringify(value).length` for compact text.
    pub fn utf16_len(&self) -> usize {
        self.as_str().encode_utf16().count()
    }

    /// The size daily-js holds userData to: a string's own length (daily-js does not stringify
    /// strings), any other value's JSON length.
    pub fn user_data_len(&self) -> usize {
        match Reader::read_all(self.as_str(), |r| r.string()) {
            Ok(text) => text.encode_utf16().count(),
            Err(_) => self.utf16_len(),
        }
    }

    /// Whether the text is a JSON object (what session data must be).
    pub fn is_object(&self) -> bool {
        self.as_str().starts_with('{')
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The meeting session state: a JSON object whose values are kept as text, in insertion order
/// (as a JS object orders string keys: a new key goes last, an overwritten one keeps its place).
///
/// Why its own type: the authority merges updates key by key and measures the result without
/// re-serializing values, and the order must survive the wire so every replica is the same text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionData {
    entries: Vec<(String, Json)>,
}

impl SessionData {
    /// Parses the text of a JSON object; a duplicate key keeps its first place and its last
    /// value, as `JSON.parse` does.
    pub fn parse(text: &str) -> Result<SessionData, Malformed> {
        Reader::read_all(text, SessionData::read)
    }

    /// Builds the state from entries, with the same rule for duplicate keys as [`parse`](Self::parse).
    pub fn from_entries(entries: impl IntoIterator<Item = (String, Json)>) -> SessionData {
        let mut data = SessionData::default();
        let mut index = HashMap::new();
        for (key, value) in entries {
            data.put(&mut index, key, value);
        }
        data
    }

    /// The entries in order.
    pub fn entries(&self) -> &[(String, Json)] {
        &self.entries
    }

    /// The entries, taken out.
    pub fn into_entries(self) -> Vec<(String, Json)> {
        self.entries
    }

    /// One key's value.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether the object has no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The object's JSON text, written as `JSON.stringify` writes it (values as they are).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.utf16_len());
        self.write(&mut out);
        out
    }

    /// The length of [`to_json`](Self::to_json) in UTF-16 units, the size Daily's limit applies to.
    pub fn utf16_len(&self) -> usize {
        object_len(self.entries.iter().map(|(k, v)| (json_str_len(k), v.utf16_len())))
    }

    /// A shallow merge (`{...self, ...patch}`): `Some` sets a key (an existing one keeps its
    /// place), `None` deletes it. Nested objects are replaced, not merged.
    pub fn merged(&self, patch: &[(String, Option<Json>)]) -> SessionData {
        let mut index: HashMap<String, usize> =
            self.entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect();
        let mut slots: Vec<Option<(String, Json)>> = self.entries.iter().cloned().map(Some).collect();
        for (key, change) in patch {
            match (index.get(key).copied(), change) {
                (Some(i), Some(value)) => {
                    if let Some(Some(slot)) = slots.get_mut(i) {
                        slot.1 = value.clone();
                    } else if let Some(slot) = slots.get_mut(i) {
                        // Deleted earlier in this patch, set again: JS keeps the first place.
                        *slot = Some((key.clone(), value.clone()));
                    }
                }
                (Some(i), None) => {
                    if let Some(slot) = slots.get_mut(i) {
                        *slot = None;
                    }
                }
                (None, Some(value)) => {
                    index.insert(key.clone(), slots.len());
                    slots.push(Some((key.clone(), value.clone())));
                }
                (None, None) => {}
            }
        }
        SessionData { entries: slots.into_iter().flatten().collect() }
    }

    fn put(&mut self, index: &mut HashMap<String, usize>, key: String, value: Json) {
        match index.get(&key).and_then(|&i| self.entries.get_mut(i)) {
            Some(slot) => slot.1 = value,
            None => {
                index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }
}

/// What a message is, its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A participant joins and asks for everyone's `presence`.
    Hello,
    /// A participant's info (answer, heartbeat, `userData` change), with the session state when
    /// the sender is the authority.
    Presence,
    /// The sender leaves (or its relay connection dropped).
    Leave,
    /// An app message.
    App,
    /// A `setMeetingSessionData` call, for the authority.
    SessionUpdate,
    /// An error for the receiver's own earlier request.
    NonfatalError,
    /// A kind this version does not know: a relay routes it, a node drops it.
    Other,
}

impl Kind {
    const NAMED: [(Kind, &'static str); 6] = [
        (Kind::Hello, "hello"),
        (Kind::Presence, "presence"),
        (Kind::Leave, "leave"),
        (Kind::App, "app"),
        (Kind::SessionUpdate, "session-update"),
        (Kind::NonfatalError, "nonfatal-error"),
    ];

    /// The name on the wire (`"other"` for [`Kind::Other`], which is never sent).
    pub fn as_str(self) -> &'static str {
        Kind::NAMED.iter().find(|(kind, _)| *kind == self).map_or("other", |(_, name)| name)
    }

    /// The kind a wire name stands for; [`Kind::Other`] for a name this version does not know.
    pub fn from_name(name: &str) -> Kind {
        Kind::NAMED.iter().find(|(_, known)| *known == name).map_or(Kind::Other, |(kind, _)| *kind)
    }
}

/// A message body: what it writes to the wire and how it is read back.
pub trait Body: Sized {
    /// Writes the body's JSON.
    fn write(&self, out: &mut String);
    /// Reads the body from the JSON at the reader.
    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed>;
}

/// Reads an optional field: `null` is absent, as an absent key is.
fn optional<'a, T>(
    reader: &mut Reader<'a>,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, Malformed>,
) -> Result<Option<T>, Malformed> {
    if reader.null() {
        Ok(None)
    } else {
        read(reader).map(Some)
    }
}

/// Reads an object whose fields are read by `field`; fields it does not know it skips.
fn read_fields(
    reader: &mut Reader<'_>,
    mut field: impl FnMut(&mut Reader<'_>, &str) -> Result<bool, Malformed>,
) -> Result<(), Malformed> {
    reader.object(|r, key| {
        if !field(r, &key)? {
            r.raw()?;
        }
        Ok(())
    })
}

impl Body for Json {
    fn write(&self, out: &mut String) {
        out.push_str(self.as_str());
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed> {
        reader.raw().map(|text| Json(text.into()))
    }
}

/// A body that is checked and skipped, not kept: what a relay reads of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped;

impl Body for Skipped {
    fn write(&self, out: &mut String) {
        out.push_str("null");
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed> {
        reader.raw().map(|_| Skipped)
    }
}

impl Body for SessionData {
    fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::new(out);
        for (key, value) in &self.entries {
            object.raw(key, value.as_str());
        }
        object.end();
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed> {
        let mut data = SessionData::default();
        let mut index = HashMap::new();
        reader.object(|r, key| {
            let value = Json::read(r)?;
            data.put(&mut index, key, value);
            Ok(())
        })?;
        Ok(data)
    }
}

/// One wire message: the routing fields and a body, whose type depends on `kind`.
///
/// Nodes read `Wire<Json>` and then the body by kind; a relay reads a [`Header`].
#[derive(Debug, Clone, PartialEq)]
pub struct Wire<B> {
    /// The protocol version.
    pub v: u32,
    /// The room.
    pub room: String,
    /// The sender's session id.
    pub from: String,
    /// The receivers' session ids; `None` for everyone.
    pub to: Option<Vec<String>>,
    /// What the message is.
    pub kind: Kind,
    /// The body.
    pub body: Option<B>,
}

/// The routing fields of a message, what a relay needs (the body is checked, not kept).
pub type Header = Wire<Skipped>;

impl<B> Wire<B> {
    /// Whether the participant `session_id` should act on this message.
    pub fn is_for(&self, session_id: &str) -> bool {
        self.to.as_ref().is_none_or(|to| to.iter().any(|id| id == session_id))
    }
}

impl<B: Body> Wire<B> {
    /// The message's JSON text.
    pub fn encode(&self) -> String {
        message(self.v, &self.room, &self.from, self.to.as_deref(), self.kind, self.body.as_ref())
    }

    /// Reads a message's text (of any version: the caller checks `v`).
    pub fn decode(text: &str) -> Result<Wire<B>, Malformed> {
        let (mut v, mut room, mut from, mut to, mut kind, mut body) = (None, None, None, None, None, None);
        Reader::read_all(text, |reader| {
            read_fields(reader, |r, key| {
                match key {
                    "v" => v = Some(u32::try_from(r.u64()?).map_err(|_| Malformed)?),
                    "room" => room = Some(r.string()?),
                    "from" => from = Some(r.string()?),
                    "to" => to = optional(r, Reader::strings)?,
                    "type" => kind = Some(Kind::from_name(&r.string()?)),
                    "body" => body = optional(r, B::read)?,
                    _ => return Ok(false),
                }
                Ok(true)
            })
        })?;
        Ok(Wire {
            v: v.ok_or(Malformed)?,
            room: room.ok_or(Malformed)?,
            from: from.ok_or(Malformed)?,
            to,
            kind: kind.ok_or(Malformed)?,
            body,
        })
    }
}

/// A participant's info as peers learn it (the session id is the message's `from`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantInfo {
    /// The display name.
    pub user_name: String,
    /// The user id (the session id unless the app set one).
    pub user_id: String,
    /// Whether the participant is a meeting owner.
    pub owner: bool,
    /// When it joined, in ms on the caller's clock; the earliest is the session authority.
    pub joined_at: u64,
    /// Its `userData`, absent when unset.
    pub user_data: Option<Json>,
    /// Grows with each change of the info, so that a late, stale copy is ignored.
    pub rev: u64,
}

impl Body for ParticipantInfo {
    fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::new(out);
        object.str("user_name", &self.user_name);
        object.str("user_id", &self.user_id);
        object.bool("owner", self.owner);
        object.u64("joined_at", self.joined_at);
        if let Some(data) = &self.user_data {
            object.raw("userData", data.as_str());
        }
        object.u64("rev", self.rev);
        object.end();
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed> {
        let (mut user_name, mut user_id, mut owner, mut joined_at, mut user_data, mut rev) =
            (None, None, None, None, None, None);
        read_fields(reader, |r, key| {
            match key {
                "user_name" => user_name = Some(r.string()?),
                "user_id" => user_id = Some(r.string()?),
                "owner" => owner = Some(r.bool()?),
                "joined_at" => joined_at = Some(r.u64()?),
                "userData" => user_data = optional(r, Json::read)?,
                "rev" => rev = Some(r.u64()?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(ParticipantInfo {
            user_name: user_name.ok_or(Malformed)?,
            user_id: user_id.ok_or(Malformed)?,
            owner: owner.ok_or(Malformed)?,
            joined_at: joined_at.ok_or(Malformed)?,
            user_data,
            rev: rev.ok_or(Malformed)?,
        })
    }
}

/// The body of `hello` and `presence`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceBody {
    /// The sender's info.
    pub participant: ParticipantInfo,
    /// The meeting session state, attached by the authority only.
    pub session: Option<SessionSnapshot>,
}

impl Body for PresenceBody {
    fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::new(out);
        self.participant.write(object.key("participant"));
        if let Some(session) = &self.session {
            session.write(object.key("session"));
        }
        object.end();
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed> {
        let (mut participant, mut session) = (None, None);
        read_fields(reader, |r, key| {
            match key {
                "participant" => participant = Some(ParticipantInfo::read(r)?),
                "session" => session = optional(r, SessionSnapshot::read)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(PresenceBody { participant: participant.ok_or(Malformed)?, session })
    }
}

/// The whole meeting session state as the authority broadcasts it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionSnapshot {
    /// Grows with each change the authority makes, so that a late, stale copy is ignored.
    pub version: u64,
    /// The state.
    pub data: SessionData,
    /// `[session id, seq]` of each writer's last update the authority took: a writer resends (in
    /// order, with each heartbeat) the updates not acknowledged yet, so none is lost on the way.
    pub acks: Vec<(String, u64)>,
}

impl Body for SessionSnapshot {
    fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::new(out);
        object.u64("version", self.version);
        self.data.write(object.key("data"));
        if !self.acks.is_empty() {
            let out = object.key("acks");
            out.push('[');
            for (i, (id, seq)) in self.acks.iter().enumerate() {
                out.push_str(if i > 0 { ",[" } else { "[" });
                push_str(out, id);
                out.push(',');
                out.push_str(&crate::payload::decimal(*seq));
                out.push(']');
            }
            out.push(']');
        }
        object.end();
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed> {
        let (mut version, mut data, mut acks) = (None, None, Vec::new());
        read_fields(reader, |r, key| {
            match key {
                "version" => version = Some(r.u64()?),
                "data" => data = Some(SessionData::read(r)?),
                "acks" if !r.null() => r.array(|r| {
                    let (mut id, mut seq, mut at) = (None, None, 0);
                    r.array(|r| {
                        match at {
                            0 => id = Some(r.string()?),
                            1 => seq = Some(r.u64()?),
                            _ => return Err(Malformed),
                        }
                        at += 1;
                        Ok(())
                    })?;
                    acks.push((id.ok_or(Malformed)?, seq.ok_or(Malformed)?));
                    Ok(())
                })?,
                "acks" => {}
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(SessionSnapshot { version: version.ok_or(Malformed)?, data: data.ok_or(Malformed)?, acks })
    }
}

/// The body of `session-update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUpdateBody {
    /// Grows with each update of the sender, so the authority can drop one overtaken on the way.
    pub seq: u64,
    /// The sender's oldest update not acknowledged yet: the authority does not wait for the ones
    /// before it, which another authority may have taken (0: not said).
    pub first: u64,
    /// Replace or shallow-merge (by daily-js's names on the wire).
    pub strategy: Strategy,
    /// The keys set.
    pub data: SessionData,
    /// The keys a shallow merge deletes (ignored by a replace).
    pub deleted: Vec<String>,
}

impl Body for SessionUpdateBody {
    fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::new(out);
        object.u64("seq", self.seq);
        object.u64("first", self.first);
        object.str("strategy", self.strategy.as_str());
        self.data.write(object.key("data"));
        if !self.deleted.is_empty() {
            push_strings(object.key("deleted"), &self.deleted);
        }
        object.end();
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed> {
        let (mut seq, mut first, mut strategy, mut data, mut deleted) = (None, None, None, None, None);
        read_fields(reader, |r, key| {
            match key {
                "seq" => seq = Some(r.u64()?),
                "first" => first = optional(r, Reader::u64)?,
                "strategy" => {
                    strategy = Some(match r.string()?.as_str() {
                        "replace" => Strategy::Replace,
                        "shallow-merge" => Strategy::ShallowMerge,
                        _ => return Err(Malformed),
                    })
                }
                "data" => data = Some(SessionData::read(r)?),
                "deleted" => deleted = optional(r, Reader::strings)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(SessionUpdateBody {
            seq: seq.ok_or(Malformed)?,
            first: first.unwrap_or(0),
            strategy: strategy.ok_or(Malformed)?,
            data: data.ok_or(Malformed)?,
            deleted: deleted.unwrap_or_default(),
        })
    }
}

/// The body of `nonfatal-error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonfatalBody {
    /// daily-js's error type (`type` on the wire), such as `meeting-session-data-error`.
    pub kind: String,
    /// The explanation.
    pub error_msg: String,
}

impl Body for NonfatalBody {
    fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::new(out);
        object.str("type", &self.kind);
        object.str("error_msg", &self.error_msg);
        object.end();
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed> {
        let (mut kind, mut error_msg) = (None, None);
        read_fields(reader, |r, key| {
            match key {
                "type" => kind = Some(r.string()?),
                "error_msg" => error_msg = Some(r.string()?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(NonfatalBody { kind: kind.ok_or(Malformed)?, error_msg: error_msg.ok_or(Malformed)? })
    }
}

/// Reads a body from its JSON text.
pub fn parse_body<B: Body>(text: &str) -> Result<B, Malformed> {
    Reader::read_all(text, B::read)
}

/// Builds a message; `to` is `None` for everyone.
pub fn encode<B: Body>(room: &str, from: &str, to: Option<Vec<String>>, kind: Kind, body: Option<&B>) -> String {
    message(PROTOCOL_VERSION, room, from, to.as_deref(), kind, body)
}

fn message<B: Body>(v: u32, room: &str, from: &str, to: Option<&[String]>, kind: Kind, body: Option<&B>) -> String {
    let mut out = String::new();
    let mut object = ObjectWriter::new(&mut out);
    object.u64("v", v.into());
    object.str("room", room);
    object.str("from", from);
    if let Some(to) = to {
        push_strings(object.key("to"), to);
    }
    object.str("type", kind.as_str());
    if let Some(body) = body {
        body.write(object.key("body"));
    }
    object.end();
    out
}

/// The `to` field for a recipient: absent for `'*'`, the list of ids otherwise.
pub fn recipient_ids(to: &Recipient) -> Option<Vec<String>> {
    match to {
        Recipient::All => None,
        Recipient::One(id) => Some(vec![id.clone()]),
        Recipient::Many(ids) => Some(ids.clone()),
    }
}

/// An app message as a server sends it (`fromId` chosen by the caller, such as `"server"`), for
/// the dev server to inject into a room: to `'*'` or to given session ids.
pub fn app_message(room: &str, from_id: &str, data: &Json, to: &Recipient) -> String {
    encode(room, from_id, recipient_ids(to), Kind::App, Some(data))
}

/// The `leave` of `session_id`, for a relay to send on behalf of a connection that dropped.
pub fn leave_message(room: &str, session_id: &str) -> String {
    encode::<Json>(room, session_id, None, Kind::Leave, None)
}

/// Reads only a message's routing fields, for a relay; `None` when the text is not a message of
/// this protocol version (or is longer than [`MAX_WIRE_LEN`]).
pub fn parse_header(text: &str) -> Option<Header> {
    if text.len() > MAX_WIRE_LEN {
        return None;
    }
    Header::decode(text).ok().filter(|h| h.v == PROTOCOL_VERSION)
}

#[cfg(test)]
mod tests;
