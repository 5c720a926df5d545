//! The meeting session state's side of a [`Node`]: writes, and the authority that applies them
//! (the participant that joined earliest). It applies updates in arrival order, refuses one that
//! would make the state too large, and broadcasts the state at most once per `session_sync_ms`.

use super::super::protocol::{
    Json, Kind, NonfatalBody, SessionData, SessionSnapshot, SessionUpdateBody, MAX_PARTICIPANTS,
};
use super::{Event, Malformed, MeetingState, Node, Output, RoomError, SESSION_DATA_ERROR};
use crate::payload::{json_str_len, object_len, Error, Strategy, SESSION_DATA_LIMIT};

impl Node {
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

    pub(super) fn check_session_joined(&self) -> Result<(), RoomError> {
        if self.state == MeetingState::Joined {
            return Ok(());
        }
        let message = "setMeetingSessionData only supported after join.";
        Err(RoomError::new(Error::NotJoined(message.to_owned()), message))
    }

    pub(super) fn is_authority(&self) -> bool {
        self.session_authority() == Some(self.me.session_id.as_str())
    }

    /// Takes up or hands over the authority after the view of the room changed.
    pub(super) fn check_authority(&mut self, out: &mut Vec<Output>) {
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
    pub(super) fn apply_update(
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
    pub(super) fn flush(&mut self, now: u64, out: &mut Vec<Output>) {
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

    /// Takes a session state from the authority, unless it is older than ours.
    pub(super) fn adopt(&mut self, from: &str, snapshot: SessionSnapshot, out: &mut Vec<Output>) {
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

    pub(super) fn on_session_update(
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

pub(super) fn session_too_large(size: usize) -> String {
    format!("Meeting session data is too large ({size} characters). Maximum size suppported is {SESSION_DATA_LIMIT}.")
}
