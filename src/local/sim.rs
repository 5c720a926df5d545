//! A deterministic simulated bus for local rooms, for tests: the room model's property tests and
//! the fuzz tests run on it.
//!
//! Why: the room's rules (joins, timeouts, pacing, convergence) depend on timing, reordering and
//! loss, which real transports produce only by chance. [`SimNetwork`] holds several
//! [`Node`]s on one bus with a virtual clock; each delivery gets a latency (a base plus a seeded
//! random jitter, so messages can overtake each other) and may be lost, all drawn from one seed,
//! so a run is reproducible.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub use super::link::{Link, SplitMix64};
use super::room::{Event, Node, Output, RoomError};

#[derive(Debug)]
struct Member {
    node: Node,
    events: Vec<(u64, Event)>,
    on_bus: bool,
    last_tick: Option<u64>,
}

/// Several participants on one simulated bus with a virtual clock; see the [module](self) docs.
#[derive(Debug)]
pub struct SimNetwork {
    now: u64,
    rng: SplitMix64,
    link: Link,
    members: Vec<Member>,
    /// Deliveries by (time, sequence number, receiver, text).
    queue: BinaryHeap<Reverse<(u64, u64, usize, String)>>,
    seq: u64,
    sent: u64,
    lost: u64,
}

impl SimNetwork {
    /// An empty bus at time 0.
    pub fn new(seed: u64, link: Link) -> Self {
        SimNetwork {
            now: 0,
            rng: SplitMix64::new(seed),
            link,
            members: Vec::new(),
            queue: BinaryHeap::new(),
            seq: 0,
            sent: 0,
            lost: 0,
        }
    }

    /// Adds a participant (not joined yet) and returns its index.
    pub fn add(&mut self, node: Node) -> usize {
        self.members.push(Member { node, events: Vec::new(), on_bus: false, last_tick: None });
        self.members.len() - 1
    }

    /// The virtual time, in ms.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// How many deliveries were scheduled and how many were lost.
    pub fn deliveries(&self) -> (u64, u64) {
        (self.sent, self.lost)
    }

    /// A participant's node.
    pub fn node(&self, i: usize) -> Option<&Node> {
        self.members.get(i).map(|m| &m.node)
    }

    /// The events a participant emitted so far, with their times.
    pub fn events(&self, i: usize) -> &[(u64, Event)] {
        self.members.get(i).map_or(&[], |m| &m.events)
    }

    /// Takes the events a participant emitted so far.
    pub fn take_events(&mut self, i: usize) -> Vec<(u64, Event)> {
        self.members.get_mut(i).map(|m| std::mem::take(&mut m.events)).unwrap_or_default()
    }

    /// Puts a participant on the bus and joins it.
    pub fn join(&mut self, i: usize) {
        if let Some(m) = self.members.get_mut(i) {
            m.on_bus = true;
        }
        self.apply(i, |node, now| node.join(now));
    }

    /// A participant leaves, then goes off the bus.
    pub fn leave(&mut self, i: usize) {
        self.apply(i, |node, now| node.leave(now));
        if let Some(m) = self.members.get_mut(i) {
            m.on_bus = false;
        }
    }

    /// A participant vanishes without a word (a closed tab): off the bus, no more ticks.
    pub fn kill(&mut self, i: usize) {
        if let Some(m) = self.members.get_mut(i) {
            m.on_bus = false;
        }
    }

    /// Runs a call on a participant's node at the current time, and handles its outputs.
    pub fn apply(&mut self, i: usize, f: impl FnOnce(&mut Node, u64) -> Vec<Output>) {
        let now = self.now;
        if let Some(m) = self.members.get_mut(i) {
            let outputs = f(&mut m.node, now);
            self.dispatch(Some(i), outputs);
        }
    }

    /// Like [`apply`](Self::apply) for calls that can be refused.
    pub fn try_apply(
        &mut self,
        i: usize,
        f: impl FnOnce(&mut Node, u64) -> Result<Vec<Output>, RoomError>,
    ) -> Result<(), RoomError> {
        let now = self.now;
        if let Some(m) = self.members.get_mut(i) {
            let outputs = f(&mut m.node, now)?;
            self.dispatch(Some(i), outputs);
        }
        Ok(())
    }

    /// Sends a text to everyone on the bus, as a relay injecting a message would.
    pub fn inject(&mut self, text: &str) {
        self.dispatch(None, vec![Output::Send(text.to_owned())]);
    }

    /// Moves the clock `ms` ahead, delivering due messages and running due ticks in time order
    /// (at one instant, deliveries first, then ticks by participant index).
    pub fn advance(&mut self, ms: u64) {
        let end = self.now.saturating_add(ms);
        loop {
            let next_delivery = self.queue.peek().map(|Reverse((at, ..))| *at);
            let next_tick = self.members.iter().filter_map(Self::tick_due).min();
            let Some(at) = next_delivery.into_iter().chain(next_tick).min() else { break };
            if at > end {
                break;
            }
            self.now = self.now.max(at);
            while self.queue.peek().is_some_and(|Reverse((at, ..))| *at <= self.now) {
                let Some(Reverse((_, _, to, text))) = self.queue.pop() else { break };
                let now = self.now;
                if let Some(m) = self.members.get_mut(to).filter(|m| m.on_bus) {
                    let outputs = m.node.receive(now, &text);
                    self.dispatch(Some(to), outputs);
                }
            }
            for i in 0..self.members.len() {
                let now = self.now;
                if let Some(m) = self.members.get_mut(i).filter(|m| Self::tick_due(m).is_some_and(|t| t <= now)) {
                    m.last_tick = Some(now);
                    let outputs = m.node.tick(now);
                    self.dispatch(Some(i), outputs);
                }
            }
        }
        self.now = end;
    }

    /// When a member must tick; never again at an instant it already ticked, so time moves on.
    fn tick_due(m: &Member) -> Option<u64> {
        let deadline = m.node.next_deadline().filter(|_| m.on_bus)?;
        Some(match m.last_tick {
            Some(last) if deadline <= last => last.saturating_add(1),
            _ => deadline,
        })
    }

    fn dispatch(&mut self, from: Option<usize>, outputs: Vec<Output>) {
        for output in outputs {
            match output {
                Output::Emit(event) => {
                    if let Some(m) = from.and_then(|i| self.members.get_mut(i)) {
                        m.events.push((self.now, event));
                    }
                }
                Output::Send(text) => {
                    for to in 0..self.members.len() {
                        if Some(to) == from || !self.members.get(to).is_some_and(|m| m.on_bus) {
                            continue;
                        }
                        self.sent += 1;
                        if self.rng.chance(self.link.drop_rate) {
                            self.lost += 1;
                            continue;
                        }
                        let at = self
                            .now
                            .saturating_add(self.link.latency_ms)
                            .saturating_add(self.rng.up_to(self.link.jitter_ms));
                        self.seq += 1;
                        self.queue.push(Reverse((at, self.seq, to, text.clone())));
                    }
                }
            }
        }
    }
}
