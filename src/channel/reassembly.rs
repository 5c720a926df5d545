//! The receiving side: chunks gathered into messages per sender and channel, messages delivered
//! in sequence order, losses reported as gaps. Pure and clock-free: the caller passes the time
//! (ms, from any monotonic origin) and calls [`Reassembler::tick`] at
//! [`Reassembler::next_deadline`].
//!
//! # Rules
//!
//! - A sender's broadcasts and its direct messages to us are two streams of a channel, each with
//!   its own sequence numbers (see the codec), so a message sent to someone else is no gap here.
//! - Sequence numbers count from 0 per sender and stream. A sender announced with
//!   [`Reassembler::joined`] (it joined after us, so we hear all it sends) starts each channel at 0.
//!   For any other sender the first chunk heard on a channel sets the start: its message is the
//!   first, even when that chunk is not the message's first (chunks are reordered on the way, so
//!   its first chunk may still come; if the message began before we listened, it never completes
//!   and is given up on like any stalled message).
//! - A message that completes while an earlier one is missing waits, at most `window` messages
//!   ahead. The earliest missing message is given up on (a [`Delivery::Gap`], then what waits is
//!   delivered) `timeout_ms` after the first later chunk was heard, at once when the window
//!   overflows, and at once when it was dropped (over a cap, or timed out).
//! - A message whose chunks stop arriving for `timeout_ms` is dropped (its chunks counted as
//!   `timeout`).
//! - A chunk for a message already delivered is a duplicate; for one given up on, too old. A
//!   sequence number under `window` but more than `window` below the next expected means the
//!   sender restarted its count (a new instance on the same call): what waits is delivered and
//!   the stream starts again there.
//! - Memory: per sender, the buffered pieces (UTF-16 units, plus 32 per piece and 64 per message,
//!   a waiting whole message counting as `limits.limit`) stay within `max_buffered_per_sender`;
//!   a chunk that would exceed it is dropped and its message with it. Nothing is allocated by a
//!   claimed count. At most `max_channels_per_sender` streams per sender and `max_senders`
//!   senders are tracked, the least recently heard dropped first. A dropped stream heard again
//!   goes on from where it stood (the last 64 dropped per sender are remembered), so nothing it
//!   delivered is delivered again.
//! - Bad input (see [`Chunk::validate`]; a whole message and a piece for one sequence number; a
//!   count differing from its siblings') is dropped and counted as malformed.

use super::codec::{push_decoded, utf16_len, Chunk, Fields, Limits, Piece};

/// What a buffered message costs, beyond its text.
const ENTRY_COST: usize = 64;
/// What a buffered piece costs, beyond its text.
const PART_COST: usize = 32;

/// The receiver's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The limits the senders use (the count cap derives from them).
    pub limits: Limits,
    /// How long to wait for a missing message or for the next chunk of a message (ms).
    pub timeout_ms: u64,
    /// The reorder window: how many messages past the earliest missing one may wait.
    pub window: u64,
    /// The most buffered per sender (UTF-16 units and overheads; see the module's rules).
    pub max_buffered_per_sender: usize,
    /// The most senders tracked.
    pub max_senders: usize,
    /// The most channels tracked per sender.
    pub max_channels_per_sender: usize,
}

impl Default for Config {
    fn default() -> Self {
        let limits = Limits::default();
        Config {
            limits,
            timeout_ms: 10_000,
            window: 64,
            max_buffered_per_sender: 2 * limits.max_size,
            max_senders: 1000,
            max_channels_per_sender: 32,
        }
    }
}

/// Chunks dropped, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Not well-formed, or contradicting its siblings.
    pub malformed: u64,
    /// Already held, or its message already delivered.
    pub duplicate: u64,
    /// Over a cap: the message size, a sender's buffer, the window, or evicted.
    pub over_cap: u64,
    /// Held by a message whose chunks stopped arriving (and late ones for it).
    pub timeout: u64,
    /// For a message given up on, or sent before we listened.
    pub too_old: u64,
}

/// A delivered message's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Body<T> {
    /// A message that came whole: the value the glue handed in with its chunk.
    Whole(T),
    /// A reassembled message: its JSON text, for the glue to `JSON.parse`.
    Text(String),
}

/// What the reassembler hands the app, in order per sender and channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery<T> {
    /// A message.
    Message {
        /// Its channel.
        channel: String,
        /// Whether it came on the sender's direct stream (see [`Chunk::direct`]).
        direct: bool,
        /// Its sender's session id.
        from: String,
        /// Its sequence number.
        seq: u64,
        /// Its content.
        body: Body<T>,
    },
    /// Messages that will not be delivered (lost, dropped or given up on).
    Gap {
        /// Their channel.
        channel: String,
        /// Whether they were of the sender's direct stream.
        direct: bool,
        /// Their sender's session id.
        from: String,
        /// The first sequence number missing.
        first_missing: u64,
        /// The last sequence number missing.
        last_missing: u64,
    },
}

/// The receiver: see the module's rules. `T` is what the glue keeps of a whole message (its JS
/// value).
#[derive(Debug)]
pub struct Reassembler<T> {
    config: Config,
    /// Sorted by id.
    senders: Vec<Sender<T>>,
    stats: Stats,
}

#[derive(Debug)]
struct Sender<T> {
    id: String,
    heard: u64,
    /// Joined after us: its channels start at 0.
    from_start: bool,
    /// The sum of its entries' costs.
    buffered: usize,
    streams: Vec<Stream<T>>,
    /// Where its streams dropped over `max_channels_per_sender` stood, so one heard again goes on
    /// from there (never replaying what it delivered); the oldest go past [`MAX_EVICTED`].
    evicted: Vec<Evicted>,
}

/// How many evicted streams a sender's record remembers.
const MAX_EVICTED: usize = 64;

/// Where a dropped stream stood.
#[derive(Debug)]
struct Evicted {
    channel: String,
    direct: bool,
    next: u64,
    recent: u64,
}

/// One sender's channel (its broadcasts, or its direct messages to us).
#[derive(Debug)]
struct Stream<T> {
    channel: String,
    direct: bool,
    heard: u64,
    /// The earliest sequence number neither delivered nor given up on.
    next: u64,
    /// Bit `k`: message `next - 1 - k` was delivered (tells duplicates from too old ones).
    recent: u64,
    /// Messages heard from, sorted by `seq`, all in `next .. next + window`.
    entries: Vec<Entry<T>>,
}

#[derive(Debug)]
struct Entry<T> {
    seq: u64,
    count: u32,
    first_heard: u64,
    heard: u64,
    /// What it counts in its sender's `buffered`.
    cost: usize,
    state: State<T>,
}

#[derive(Debug)]
enum State<T> {
    /// Pieces held, sorted by index; `size` is their length in UTF-16 units.
    Parts { parts: Vec<(u32, String)>, size: usize },
    /// Complete, waiting for earlier messages.
    Ready(Body<T>),
    /// Dropped (over a cap, or timed out): absorbs its late chunks until given up on.
    Dead { timed_out: bool },
}

/// What the stream operations share: the settings, the counters, the sender's buffer and the
/// deliveries.
struct Cx<'a, T> {
    config: &'a Config,
    stats: &'a mut Stats,
    from: &'a str,
    buffered: &'a mut usize,
    out: &'a mut Vec<Delivery<T>>,
}

impl<'a, T> Cx<'a, T> {
    /// One sender's context: what its streams charge and deliver goes to `buffered` and `out`.
    fn new(
        config: &'a Config,
        stats: &'a mut Stats,
        from: &'a str,
        buffered: &'a mut usize,
        out: &'a mut Vec<Delivery<T>>,
    ) -> Self {
        Cx { config, stats, from, buffered, out }
    }
}

impl<T> Cx<'_, T> {
    fn charge(&mut self, cost: usize) -> bool {
        match self.buffered.checked_add(cost) {
            Some(total) if total <= self.config.max_buffered_per_sender => {
                *self.buffered = total;
                true
            }
            _ => false,
        }
    }

    fn release(&mut self, cost: usize) {
        *self.buffered = self.buffered.saturating_sub(cost);
    }

    fn deliver(&mut self, channel: &str, direct: bool, seq: u64, body: Body<T>) {
        self.out.push(Delivery::Message { channel: channel.into(), direct, from: self.from.into(), seq, body });
    }

    /// Reports missing messages, merged with the previous report when adjacent.
    fn gap(&mut self, channel: &str, direct: bool, first: u64, last: u64) {
        if let Some(Delivery::Gap { channel: c, direct: d, from, last_missing, .. }) = self.out.last_mut() {
            if c == channel && *d == direct && from == self.from && last_missing.checked_add(1) == Some(first) {
                *last_missing = last;
                return;
            }
        }
        let (channel, from) = (channel.into(), self.from.into());
        self.out.push(Delivery::Gap { channel, direct, from, first_missing: first, last_missing: last });
    }
}

impl<T> Stream<T> {
    /// Gives up on everything before `to`.
    fn skip(&mut self, to: u64) {
        let k = to.saturating_sub(self.next);
        self.recent = if k >= 64 { 0 } else { self.recent << k };
        self.next = self.next.max(to);
    }

    fn delivered(&mut self) {
        self.recent = (self.recent << 1) | 1;
        self.next += 1;
    }

    /// The chunks it holds (for the counters when it is dropped) and their cost.
    fn held(&self) -> (u64, usize) {
        self.entries.iter().fold((0, 0), |(chunks, cost), e| {
            let n = match &e.state {
                State::Parts { parts, .. } => parts.len() as u64,
                State::Ready(_) => u64::from(e.count),
                State::Dead { .. } => 0,
            };
            (chunks + n, cost + e.cost)
        })
    }

    fn receive(&mut self, chunk: Chunk<T>, now: u64, cx: &mut Cx<'_, T>) {
        self.heard = now;
        let window = cx.config.window.max(1);
        let seq = chunk.seq;
        if seq < self.next {
            let back = self.next - seq;
            if back <= window || seq >= window {
                if back <= 64 && (self.recent >> (back - 1)) & 1 == 1 {
                    cx.stats.duplicate += 1;
                } else {
                    cx.stats.too_old += 1;
                }
                return;
            }
            // Far behind, and among a count's first messages: the sender restarted its count.
            self.flush(None, cx);
            (self.next, self.recent) = (seq, 0);
        } else if seq - self.next >= window {
            self.flush(Some(seq - window + 1), cx);
        }

        let limits = cx.config.limits;
        let at = match self.entries.binary_search_by_key(&seq, |e| e.seq) {
            Ok(at) => at,
            Err(at) => {
                let (cost, size, state) = match chunk.piece {
                    Piece::Whole(value) if seq == self.next => {
                        cx.deliver(&self.channel, self.direct, seq, Body::Whole(value));
                        self.delivered();
                        return;
                    }
                    Piece::Whole(value) => {
                        (ENTRY_COST.saturating_add(limits.limit), 0, State::Ready(Body::Whole(value)))
                    }
                    Piece::Text(piece) => {
                        let size = utf16_len(&piece);
                        (ENTRY_COST + PART_COST + size, size, State::Parts { parts: vec![(chunk.index, piece)], size })
                    }
                };
                let (cost, state) = if size <= limits.max_size && cx.charge(cost) {
                    (cost, state)
                } else {
                    cx.stats.over_cap += 1;
                    (0, State::Dead { timed_out: false })
                };
                let count = chunk.count;
                self.entries.insert(at, Entry { seq, count, first_heard: now, heard: now, cost, state });
                return;
            }
        };

        let Some(entry) = self.entries.get_mut(at) else { return };
        if chunk.count != entry.count {
            cx.stats.malformed += 1;
            return;
        }
        let (parts, size) = match (&mut entry.state, chunk.piece) {
            (State::Parts { parts, size }, Piece::Text(piece)) => {
                let Err(at) = parts.binary_search_by_key(&chunk.index, |p| p.0) else {
                    cx.stats.duplicate += 1;
                    return;
                };
                let len = utf16_len(&piece);
                if *size + len > limits.max_size || !cx.charge(PART_COST + len) {
                    cx.stats.over_cap += 1;
                    cx.release(entry.cost);
                    (entry.cost, entry.state) = (0, State::Dead { timed_out: false });
                    return;
                }
                parts.insert(at, (chunk.index, piece));
                *size += len;
                entry.cost += PART_COST + len;
                entry.heard = now;
                (&*parts, *size)
            }
            (State::Dead { timed_out: true }, _) => return cx.stats.timeout += 1,
            (State::Dead { timed_out: false }, _) => return cx.stats.over_cap += 1,
            (State::Ready(_), _) => return cx.stats.duplicate += 1,
            (State::Parts { .. }, Piece::Whole(_)) => return cx.stats.malformed += 1,
        };
        if parts.len() == entry.count as usize {
            let mut text = String::with_capacity(parts.iter().map(|p| p.1.len()).sum());
            parts.iter().for_each(|p| push_decoded(&mut text, &p.1));
            cx.release(entry.cost - (ENTRY_COST + size));
            (entry.cost, entry.state) = (ENTRY_COST + size, State::Ready(Body::Text(text)));
        }
    }

    /// Times out stalled messages, delivers what is due in order and gives up on what is late.
    fn settle(&mut self, now: u64, cx: &mut Cx<'_, T>) {
        let timeout = cx.config.timeout_ms;
        for e in &mut self.entries {
            if let State::Parts { parts, .. } = &e.state {
                if now >= e.heard.saturating_add(timeout) {
                    cx.stats.timeout += parts.len() as u64;
                    cx.release(e.cost);
                    (e.cost, e.state) = (0, State::Dead { timed_out: true });
                }
            }
        }
        loop {
            while self.entries.first().is_some_and(|e| e.seq == self.next && !matches!(e.state, State::Parts { .. })) {
                let head = self.entries.remove(0);
                cx.release(head.cost);
                if let State::Ready(body) = head.state {
                    cx.deliver(&self.channel, self.direct, head.seq, body);
                    self.delivered();
                } else {
                    cx.gap(&self.channel, self.direct, head.seq, head.seq);
                    self.skip(head.seq + 1);
                }
            }
            // The earliest missing message is absent while later ones wait: give up on it
            // `timeout` after the first of them was heard.
            let Some(head) = self.entries.first() else { break };
            let since = self.entries.iter().map(|e| e.first_heard).min().unwrap_or(now);
            if head.seq == self.next || now < since.saturating_add(timeout) {
                break;
            }
            let first = head.seq;
            cx.gap(&self.channel, self.direct, self.next, first - 1);
            self.skip(first);
        }
    }

    /// Delivers or gives up on everything before `until` (everything when `None`).
    fn flush(&mut self, until: Option<u64>, cx: &mut Cx<'_, T>) {
        while self.entries.first().is_some_and(|e| until.is_none_or(|until| e.seq < until)) {
            let head = self.entries.remove(0);
            cx.release(head.cost);
            if head.seq > self.next {
                cx.gap(&self.channel, self.direct, self.next, head.seq - 1);
                self.skip(head.seq);
            }
            match head.state {
                State::Ready(body) => {
                    cx.deliver(&self.channel, self.direct, head.seq, body);
                    self.delivered();
                }
                state => {
                    if let State::Parts { parts, .. } = state {
                        cx.stats.over_cap += parts.len() as u64;
                    }
                    cx.gap(&self.channel, self.direct, head.seq, head.seq);
                    self.skip(head.seq + 1);
                }
            }
        }
        if let Some(until) = until.filter(|&until| until > self.next) {
            cx.gap(&self.channel, self.direct, self.next, until - 1);
            self.skip(until);
        }
    }

    /// When `settle` has something to do.
    fn deadline(&self, timeout: u64) -> Option<u64> {
        let stalled = self.entries.iter().filter(|e| matches!(e.state, State::Parts { .. })).map(|e| e.heard);
        let waiting = match self.entries.first() {
            Some(head) if head.seq > self.next => self.entries.iter().map(|e| e.first_heard).min(),
            _ => None,
        };
        stalled.chain(waiting).min().map(|t| t.saturating_add(timeout))
    }
}

impl<T> Reassembler<T> {
    /// A receiver with these settings.
    pub fn new(config: Config) -> Self {
        Reassembler { config, senders: Vec::new(), stats: Stats::default() }
    }

    /// Its settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The dropped chunks so far, by reason.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// A sender joined after us: we hear all it sends, so each of its channels starts at 0.
    pub fn joined(&mut self, sender: &str, now: u64) {
        let at = self.sender_at(sender, now);
        if let Some(sender) = self.senders.get_mut(at) {
            sender.from_start = true;
        }
    }

    /// A sender left: frees all it held.
    pub fn forget(&mut self, sender: &str) {
        if let Ok(at) = self.senders.binary_search_by(|s| s.id.as_str().cmp(sender)) {
            self.senders.remove(at);
        }
    }

    /// A chunk as the glue read it: counted as malformed when [`Fields::parse`] refuses it.
    pub fn receive_fields(&mut self, from: &str, fields: Fields<T>, now: u64) -> Vec<Delivery<T>> {
        match fields.parse() {
            Some(chunk) => self.receive(from, chunk, now),
            None => {
                self.stats.malformed += 1;
                Vec::new()
            }
        }
    }

    /// A chunk from `from`: the messages (and gaps) it makes due, in order.
    pub fn receive(&mut self, from: &str, chunk: Chunk<T>, now: u64) -> Vec<Delivery<T>> {
        let mut out = Vec::new();
        if chunk.validate(&self.config.limits).is_err() {
            self.stats.malformed += 1;
            return out;
        }
        let at = self.sender_at(from, now);
        let Some(sender) = self.senders.get_mut(at) else { return out };
        sender.heard = now;
        let mut cx = Cx::new(&self.config, &mut self.stats, &sender.id, &mut sender.buffered, &mut out);
        let streams = &mut sender.streams;
        let index = match streams.iter().position(|s| s.channel == chunk.channel && s.direct == chunk.direct) {
            Some(index) => index,
            None => {
                if streams.len() >= cx.config.max_channels_per_sender.max(1) {
                    if let Some(lru) = streams.iter().enumerate().min_by_key(|(_, s)| s.heard).map(|(i, _)| i) {
                        let stream = streams.remove(lru);
                        let (chunks, cost) = stream.held();
                        cx.stats.over_cap += chunks;
                        cx.release(cost);
                        if sender.evicted.len() >= MAX_EVICTED {
                            sender.evicted.remove(0);
                        }
                        let Stream { channel, direct, next, recent, .. } = stream;
                        sender.evicted.push(Evicted { channel, direct, next, recent });
                    }
                }
                let was = sender.evicted.iter().position(|e| e.channel == chunk.channel && e.direct == chunk.direct);
                let (next, recent) = match was {
                    Some(at) => {
                        let e = sender.evicted.remove(at);
                        (e.next, e.recent)
                    }
                    None if sender.from_start => (0, 0),
                    None => (chunk.seq, 0),
                };
                streams.push(Stream {
                    channel: chunk.channel.clone(),
                    direct: chunk.direct,
                    heard: now,
                    next,
                    recent,
                    entries: Vec::new(),
                });
                streams.len() - 1
            }
        };
        if let Some(stream) = streams.get_mut(index) {
            stream.receive(chunk, now, &mut cx);
            stream.settle(now, &mut cx);
        }
        out
    }

    /// Gives up on what is late and delivers what waited for it.
    pub fn tick(&mut self, now: u64) -> Vec<Delivery<T>> {
        let mut out = Vec::new();
        for sender in &mut self.senders {
            let mut cx = Cx::new(&self.config, &mut self.stats, &sender.id, &mut sender.buffered, &mut out);
            sender.streams.iter_mut().for_each(|stream| stream.settle(now, &mut cx));
        }
        out
    }

    /// When to call [`tick`](Self::tick) next, if anything waits.
    pub fn next_deadline(&self) -> Option<u64> {
        let timeout = self.config.timeout_ms;
        self.senders.iter().flat_map(|s| &s.streams).filter_map(|s| s.deadline(timeout)).min()
    }

    /// The sender's index, added (dropping the least recently heard) when new.
    fn sender_at(&mut self, id: &str, now: u64) -> usize {
        let find = |senders: &[Sender<T>]| senders.binary_search_by(|s| s.id.as_str().cmp(id));
        if let Ok(at) = find(&self.senders) {
            return at;
        }
        if self.senders.len() >= self.config.max_senders.max(1) {
            if let Some(lru) = self.senders.iter().enumerate().min_by_key(|(_, s)| s.heard).map(|(i, _)| i) {
                let gone = self.senders.remove(lru);
                self.stats.over_cap += gone.streams.iter().map(|s| s.held().0).sum::<u64>();
            }
        }
        let (Ok(at) | Err(at)) = find(&self.senders);
        let sender = Sender { id: id.into(), heard: now, from_start: false, buffered: 0, streams: Vec::new(), evicted: Vec::new() };
        self.senders.insert(at, sender);
        at
    }
}

#[cfg(test)]
mod tests;
