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
//!   takes each writer's in their order (so merges squash, a replace wins, an empty merge changes
//!   nothing: daily-js's batching rules), refuses one that would make the state too large, and
//!   broadcasts the whole state at most once per `session_sync_ms`, and again with each heartbeat
//!   so that a lost message is repaired, with each writer's last update it holds (`acks`). A writer
//!   resends its updates not yet acknowledged with each heartbeat, so none is lost to the network.
//!   Every node keeps a replica, acks included, so the next authority goes on from it and takes
//!   the resends where the old one stopped.

use std::collections::VecDeque;

use litemap::LiteMap;

use super::protocol::{
    app_message, encode, parse_body, Body, Json, Kind, Malformed, NonfatalBody, ParticipantInfo, PresenceBody,
    SessionData, SessionSnapshot, SessionUpdateBody, Wire, MAX_ID_LEN, MAX_NAME_LEN, MAX_PARTICIPANTS, MAX_WIRE_LEN,
    PROTOCOL_VERSION,
};
use crate::payload::{decimal, Error, Recipient, SESSION_DATA_LIMIT, USER_DATA_LIMIT};

mod authority;
mod types;

pub use types::*;

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
    peers: LiteMap<String, Peer>,
    /// Session ids that sent `leave`, so that a late copy of their presence cannot bring them back.
    gone: LiteMap<String, ()>,
    gone_order: VecDeque<String>,
    /// The replica of the session state, and the authority it came from.
    session: SessionSnapshot,
    session_from: Option<String>,
    /// The seq of this node's last update.
    seq: u64,
    /// This node's updates the authority has not acknowledged yet, resent with each heartbeat.
    unacked: Vec<SessionUpdateBody>,
    // The authority's side.
    was_authority: bool,
    /// Changes applied but not yet broadcast.
    working: Option<SessionData>,
    last_flush: Option<u64>,
    flush_due: Option<u64>,
    sent_version: u64,
    writer_seqs: LiteMap<String, u64>,
    /// Updates that came ahead of a writer's next, kept (a few per writer) until it arrives.
    early_updates: LiteMap<String, Vec<SessionUpdateBody>>,
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
            peers: LiteMap::new(),
            gone: LiteMap::new(),
            gone_order: VecDeque::new(),
            session: SessionSnapshot::default(),
            session_from: None,
            seq: 0,
            unacked: Vec::new(),
            was_authority: false,
            working: None,
            last_flush: None,
            flush_due: None,
            sent_version: 0,
            writer_seqs: LiteMap::new(),
            early_updates: LiteMap::new(),
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
    pub fn participants(&self) -> LiteMap<String, Participant> {
        let mut all = LiteMap::new();
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
            if best.is_none_or(|b| key < b) {
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
            out.push(Output::Emit(Event::JoinedMeeting(self.local_participant())));
            // The longest present first (peers are kept by session id). An insertion, not a
            // sort: the standard sorts add kilobytes to the wasm, for a list joined once.
            let mut present: Vec<(&String, &Peer)> = Vec::with_capacity(self.peers.len());
            for (id, peer) in &self.peers {
                let key = (peer.info.joined_at, id);
                let at = present.iter().position(|(other, p)| (p.info.joined_at, *other) > key).unwrap_or(present.len());
                present.insert(at, (id, peer));
            }
            for (id, peer) in present {
                out.push(Output::Emit(Event::ParticipantJoined(remote_participant(id, &peer.info))));
            }
            out.push(Output::Emit(Event::SessionStateUpdated(self.session.data.clone())));
            out.extend(self.held.drain(..).map(Output::Emit));
            self.check_authority(now, &mut out);
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
            self.check_authority(now, &mut out);
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
            self.resend_unacked(&mut out);
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
            let message = ["Message data too large. Max size is ", &decimal(limit as u64)].concat();
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
            let message = [
                "userData is too large (",
                &decimal(size as u64),
                " characters). Maximum size suppported is ",
                &decimal(USER_DATA_LIMIT as u64),
                ".",
            ]
            .concat();
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

    fn in_call(&self) -> bool {
        matches!(self.state, MeetingState::Joining | MeetingState::Joined)
    }

    fn heartbeat_ms(&self) -> u64 {
        self.config.heartbeat_ms.max(1)
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

    fn send<B: Body>(&self, out: &mut Vec<Output>, to: Option<Vec<String>>, kind: Kind, body: &B) {
        out.push(Output::Send(encode(&self.config.room, &self.me.session_id, to, kind, Some(body))));
    }

    /// Our presence, with the session state when we are the authority.
    fn send_presence(&self, out: &mut Vec<Output>, to: Option<Vec<String>>) {
        // An update is acknowledged only once the state sent with the ack holds it: with changes
        // still waiting for the next broadcast, the acks of the last broadcast go out.
        let session = self.was_authority.then(|| match self.working {
            Some(_) => self.session.clone(),
            None => SessionSnapshot { acks: self.taken(), ..self.session.clone() },
        });
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

    fn remove_peer(&mut self, id: &str, out: &mut Vec<Output>) {
        self.writer_seqs.remove(id);
        self.early_updates.remove(id);
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
        let wire = Wire::<Json>::decode(text)?;
        let well_formed = wire.v == PROTOCOL_VERSION
            && wire.room == self.config.room
            && valid_id(&wire.from)
            && wire.to.as_ref().is_none_or(|to| to.len() <= MAX_PARTICIPANTS);
        if !well_formed {
            return Err(Malformed);
        }
        let from = wire.from.as_str();
        if from == self.me.session_id || !wire.is_for(&self.me.session_id) || self.gone.contains_key(from) {
            return Ok(());
        }
        if let Some(peer) = self.peers.get_mut(from) {
            peer.last_heard = now;
        }
        match wire.kind {
            Kind::Hello | Kind::Presence => {
                let body: PresenceBody = read_body(&wire.body)?;
                self.on_presence(now, from, wire.kind == Kind::Hello, body, out)
            }
            Kind::Leave => {
                self.on_leave(now, from, out);
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
                let body: SessionUpdateBody = read_body(&wire.body)?;
                self.on_session_update(now, from, body, out)
            }
            Kind::NonfatalError => {
                let body: NonfatalBody = read_body(&wire.body)?;
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
            && info.user_data.as_ref().is_none_or(|d| d.user_data_len() <= USER_DATA_LIMIT)
            && body.session.as_ref().is_none_or(|s| s.data.utf16_len() <= SESSION_DATA_LIMIT);
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
                        self.check_authority(now, out);
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
                self.check_authority(now, out);
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

    fn on_leave(&mut self, now: u64, from: &str, out: &mut Vec<Output>) {
        if self.gone.insert(from.to_owned(), ()).is_none() {
            self.gone_order.push_back(from.to_owned());
            if self.gone_order.len() > MAX_PARTICIPANTS {
                if let Some(oldest) = self.gone_order.pop_front() {
                    self.gone.remove(&oldest);
                }
            }
        }
        if self.peers.contains_key(from) {
            self.remove_peer(from, out);
            self.check_authority(now, out);
        }
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

fn read_body<B: Body>(body: &Option<Json>) -> Result<B, Malformed> {
    parse_body(body.as_ref().ok_or(Malformed)?.as_str())
}

#[cfg(test)]
mod tests;
