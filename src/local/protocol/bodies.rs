//! The bodies of the message kinds that have one (an app message's body is its data, a [`Json`]).

use super::json::{push_str, push_strings, Malformed, ObjectWriter, Reader};
use super::{optional, read_fields, Body, Json, SessionData};
use crate::payload::Strategy;

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
