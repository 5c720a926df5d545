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

mod bodies;
pub mod json;
mod values;

pub use bodies::{NonfatalBody, ParticipantInfo, PresenceBody, SessionSnapshot, SessionUpdateBody};
pub use json::Malformed;
use json::{push_strings, ObjectWriter, Reader};
pub use values::{Json, SessionData};

use crate::payload::Recipient;

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
