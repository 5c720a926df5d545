//! The meeting session state's side of a [`Node`]: writes, and the authority that applies them
//! (the participant that joined earliest). It takes each writer's updates in their order, refuses
//! one that would make the state too large, and broadcasts the state at most once per
//! `session_sync_ms`, with each writer's last update taken (`acks`). A writer keeps its updates
//! until they are acknowledged and resends them with each heartbeat, so none is lost on the way.

use super::super::protocol::{
    Json, Kind, NonfatalBody, SessionData, SessionSnapshot, SessionUpdateBody, MAX_PARTICIPANTS,
};
use super::{Event, Malformed, MeetingState, Node, Output, RoomError, SESSION_DATA_ERROR};
use crate::payload::{decimal, json_str_len, object_len, Error, Strategy, SESSION_DATA_LIMIT};

/// The most updates the authority keeps that came ahead of a writer's next one.
const MAX_EARLY: usize = 64;

/// The most updates a writer keeps unacknowledged (an authority out of reach for that long): one
/// more is refused, as daily-js refuses a write it cannot make.
pub const MAX_UNACKED: usize = 1000;

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
            if self.unacked.len() >= MAX_UNACKED {
                let message = "the session-data authority has not acknowledged 1000 updates";
                return Err(RoomError::new(Error::NotJoined(message.to_owned()), message));
            }
            self.seq = self.seq.saturating_add(1);
            let (mut data, mut deleted) = (Vec::new(), Vec::new());
            for (key, value) in entries {
                match value {
                    Some(value) => data.push((key, value)),
                    None if strategy == Strategy::ShallowMerge => deleted.push(key),
                    None => {}
                }
            }
            let first = self.unacked.first().map_or(self.seq, |oldest| oldest.seq);
            let data = SessionData::from_entries(data);
            let body = SessionUpdateBody { seq: self.seq, first, strategy, data, deleted };
            self.send(&mut out, Some(vec![authority]), Kind::SessionUpdate, &body);
            self.unacked.push(body);
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
    pub(super) fn check_authority(&mut self, now: u64, out: &mut Vec<Output>) {
        let authority = self.is_authority();
        if authority && !self.was_authority {
            // Go on from our replica (its acks say where each writer's updates stand), under a
            // version above any we sent before.
            self.was_authority = true;
            // The acks are sorted by writer, so each insert goes last.
            self.writer_seqs.clear();
            for (writer, seq) in &self.session.acks {
                self.writer_seqs.insert(writer.clone(), *seq);
            }
            // Our own updates the old authority had not taken are ours to apply now.
            let me = self.me.session_id.clone();
            for body in std::mem::take(&mut self.unacked) {
                self.writer_seqs.insert(me.clone(), body.seq);
                let patch = patch_of(body.strategy, body.data, body.deleted);
                self.apply_update(now, &me, body.strategy, patch, out);
            }
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
            self.early_updates.clear();
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
        self.session = SessionSnapshot { version, data: next, acks: self.taken() };
        self.session_from = Some(self.me.session_id.clone());
        self.last_flush = Some(now);
        self.send_presence(out, None);
        out.push(Output::Emit(Event::SessionStateUpdated(self.session.data.clone())));
    }

    /// Takes a session state from the authority, unless it is older than ours; its acks are read
    /// either way (a heartbeat repeats the state with newer acks).
    pub(super) fn adopt(&mut self, from: &str, snapshot: SessionSnapshot, out: &mut Vec<Output>) {
        if self.session_authority() != Some(from) {
            return;
        }
        self.acknowledged(&snapshot.acks);
        if self.session_from.as_deref() == Some(from) {
            // Kept in the replica, so a next authority knows where each writer stands.
            self.session.acks.clone_from(&snapshot.acks);
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
        // Each writer's updates are taken in their order: one already taken is a resend; one
        // ahead of the next waits (a few per writer) for those before it, which the writer
        // resends with its heartbeats until they are acknowledged.
        if self.writer_seqs.len() >= MAX_PARTICIPANTS && !self.writer_seqs.contains_key(from) {
            return Ok(());
        }
        let known = self.writer_seqs.get(from).copied().unwrap_or(0);
        // The writer's updates before `first` were acknowledged to it (by this authority or one
        // before it, such as a second one during a join under loss): they will not come again.
        let last = known.max(body.first.saturating_sub(1));
        let mut next = if body.seq == last.saturating_add(1) {
            Some(body)
        } else {
            if body.seq > last {
                let early = self.early_updates.entry(from.to_owned()).or_default();
                if early.len() < MAX_EARLY && !early.iter().any(|e| e.seq == body.seq) {
                    early.push(body);
                }
            }
            self.take_early(from, last.saturating_add(1))
        };
        let mut taken = last;
        while let Some(body) = next {
            taken = body.seq;
            let patch = patch_of(body.strategy, body.data, body.deleted);
            self.apply_update(now, from, body.strategy, patch, out);
            next = self.take_early(from, taken.saturating_add(1));
        }
        if taken > known {
            self.writer_seqs.insert(from.to_owned(), taken);
        }
        if let Some(early) = self.early_updates.get_mut(from) {
            early.retain(|e| e.seq > taken);
            if early.is_empty() {
                self.early_updates.remove(from);
            }
        }
        Ok(())
    }

    /// Takes the kept update `seq` of `writer`, if it came early.
    fn take_early(&mut self, writer: &str, seq: u64) -> Option<SessionUpdateBody> {
        let early = self.early_updates.get_mut(writer)?;
        let at = early.iter().position(|e| e.seq == seq)?;
        Some(early.swap_remove(at))
    }

    /// Each writer's last update taken, as `acks` (sorted by writer, as the map keeps them).
    pub(super) fn taken(&self) -> Vec<(String, u64)> {
        self.writer_seqs.iter().map(|(w, seq)| (w.clone(), *seq)).collect()
    }

    /// Sends the updates the authority has not acknowledged again, in order.
    pub(super) fn resend_unacked(&self, out: &mut Vec<Output>) {
        let Some(authority) = self.session_authority().filter(|a| *a != self.me.session_id) else { return };
        for body in &self.unacked {
            self.send(out, Some(vec![authority.to_owned()]), Kind::SessionUpdate, body);
        }
    }

    /// Forgets the updates the authority says it took.
    pub(super) fn acknowledged(&mut self, acks: &[(String, u64)]) {
        if let Some(&(_, taken)) = acks.iter().find(|(writer, _)| *writer == self.me.session_id) {
            self.unacked.retain(|body| body.seq > taken);
            // Resends tell the authority where the writer's unacknowledged updates begin.
            let first = self.unacked.first().map(|oldest| oldest.seq);
            for body in &mut self.unacked {
                body.first = first.unwrap_or(body.seq);
            }
        }
    }
}

/// An update as the authority applies it: a merge's deletions first, then the keys set.
fn patch_of(strategy: Strategy, data: SessionData, deleted: Vec<String>) -> Vec<(String, Option<Json>)> {
    let mut patch: Vec<(String, Option<Json>)> = Vec::new();
    if strategy == Strategy::ShallowMerge {
        patch.extend(deleted.into_iter().map(|key| (key, None)));
    }
    patch.extend(data.into_entries().into_iter().map(|(key, value)| (key, Some(value))));
    patch
}

pub(super) fn session_too_large(size: usize) -> String {
    [
        "Meeting session data is too large (",
        &decimal(size as u64),
        " characters). Maximum size suppported is ",
        &decimal(SESSION_DATA_LIMIT as u64),
        ".",
    ]
    .concat()
}
