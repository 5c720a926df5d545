//! The throttle behind `setMeetingSessionData`: a pure, clock-free state machine.
//!
//! Daily syncs meeting session data about once a second, while apps update it far more often.
//! [`Throttle`] holds the changes and yields at most one combined [`Outgoing`] update per interval,
//! following daily-js's own client-side batching rules. It knows no JS type (it is generic over the
//! value) and no clock (time is milliseconds passed in by the caller), so a driver wires it to
//! timers and the call object, and it is tested natively.
//!
//! Three pieces of state:
//! - the *base*: the last known room state (the latest remote state, with our own sends applied
//!   optimistically);
//! - the *batch*: what is pending, either a squashed shallow-merge patch or a replace;
//! - the *view*: the base with the batch applied, kept up to date at every call so that reads and
//!   the size check are cheap.

use std::borrow::Borrow;

use crate::payload::{check_size, json_str_len, object_len, Error, SESSION_DATA_LIMIT};

mod map;
use map::Ordered;

/// The default interval: Daily syncs session data about once a second.
pub const DEFAULT_INTERVAL_MS: u64 = 1000;

/// A value with its size, so the throttle can check the limit without knowing how to serialize.
///
/// `size` is the length of `JSON.stringify(value)` in UTF-16 units, measured once by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<V> {
    /// The value.
    pub value: V,
    /// Its JSON length, in UTF-16 units.
    pub size: usize,
}

// Public (hidden) with the internals, as this module is.
#[cfg(feature = "internals")]
pub use crate::payload::Strategy;
#[cfg(not(feature = "internals"))]
pub(crate) use crate::payload::Strategy;

/// One combined update to hand to the call object.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing<V, K = String> {
    /// How to apply `data`.
    pub strategy: Strategy,
    /// The keys in order. For [`Strategy::Replace`] every key of the state, all `Some`; for
    /// [`Strategy::ShallowMerge`] only the changed keys, `None` meaning delete (JS `undefined`).
    pub data: Vec<(K, Option<V>)>,
}

/// A key of the state: ordered (for lookups), and knowing its length as JSON (quoted and
/// escaped), which Daily's size limit counts.
pub trait Key: Ord + Clone {
    /// The key's `JSON.stringify` length in UTF-16 units, quotes included.
    fn json_len(&self) -> usize;
}

impl Key for String {
    fn json_len(&self) -> usize {
        json_str_len(self)
    }
}

/// The JSON length of an object from running sums, so no call walks the whole state to measure it.
fn object_size(keys_len: usize, values_len: usize, count: usize) -> usize {
    // Beyond any limit, and keeps `object_len`'s own sums from overflowing on absurd sizes.
    const CAP: usize = usize::MAX / 4;
    match count.checked_sub(1) {
        None => object_len([]),
        // `object_len` of one entry counts the braces, its key, colon and value; each other entry
        // adds one colon and one comma, folded here into the key length.
        Some(others) => object_len([(keys_len.saturating_add(others.saturating_mul(2)).min(CAP), values_len.min(CAP))]),
    }
}

/// A session state: ordered entries with running sums of their keys' and values' JSON lengths.
#[derive(Debug, Clone)]
struct State<K, V> {
    entries: Ordered<K, Entry<V>>,
    keys_len: usize,
    values_len: usize,
}

impl<K: Key, V> State<K, V> {
    fn new() -> Self {
        State { entries: Ordered::new(), keys_len: 0, values_len: 0 }
    }

    /// A state from entries in order; a repeated key keeps its first place and its last value.
    fn from_entries(entries: impl IntoIterator<Item = (K, Entry<V>)>) -> Self {
        let mut state = State::new();
        for (key, entry) in entries {
            state.insert(key, entry);
        }
        state
    }

    fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key).map(|entry| &entry.value)
    }

    fn insert(&mut self, key: K, entry: Entry<V>) {
        let key_len = key.json_len();
        let size = entry.size;
        match self.entries.insert(key, entry) {
            Some(old) => self.values_len = self.values_len.saturating_sub(old.size),
            None => self.keys_len = self.keys_len.saturating_add(key_len),
        }
        self.values_len = self.values_len.saturating_add(size);
    }

    fn remove(&mut self, key: &K) {
        if let Some(old) = self.entries.remove(key) {
            self.keys_len = self.keys_len.saturating_sub(key.json_len());
            self.values_len = self.values_len.saturating_sub(old.size);
        }
    }

    /// Applies one shallow-merge change: `None` deletes.
    fn apply(&mut self, key: K, change: Option<Entry<V>>) {
        match change {
            Some(entry) => self.insert(key, entry),
            None => self.remove(&key),
        }
    }

    fn json_len(&self) -> usize {
        object_size(self.keys_len, self.values_len, self.entries.len())
    }
}

impl<K: Key, V: PartialEq> State<K, V> {
    /// Same keys with equal values, in any order (order does not change what Daily stores).
    fn same_as(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len() && self.entries.iter().all(|(k, e)| other.get(k) == Some(&e.value))
    }

    /// Whether a shallow-merge change would leave this state as it is.
    fn unchanged_by(&self, key: &K, change: Option<&Entry<V>>) -> bool {
        match change {
            Some(entry) => self.get(key) == Some(&entry.value),
            None => self.get(key).is_none(),
        }
    }
}

/// An update sent but not yet seen in a room state: the room's next states may still predate it
/// (a late echo), so it stays applied on top of them until one reflects it, or until it is
/// older than [`Throttle::IN_FLIGHT_MS`] (a room state that never reflects it was overwritten
/// by someone else).
#[derive(Debug, Clone)]
struct InFlight<K, V> {
    sent_at: u64,
    strategy: Strategy,
    changes: Vec<(K, Option<Entry<V>>)>,
}

impl<K: Key, V: Clone + PartialEq> InFlight<K, V> {
    fn reflected_by(&self, room: &State<K, V>) -> bool {
        let same = |(key, change): &(K, Option<Entry<V>>)| room.get(key) == change.as_ref().map(|e| &e.value);
        let whole = self.strategy == Strategy::ShallowMerge || room.entries.len() == self.changes.len();
        whole && self.changes.iter().all(same)
    }

    fn apply_to(&self, state: &mut State<K, V>) {
        if self.strategy == Strategy::Replace {
            *state = State::new();
        }
        for (key, change) in &self.changes {
            state.apply(key.clone(), change.clone());
        }
    }
}

/// What is waiting to be sent.
#[derive(Debug, Clone)]
enum Batch<K, V> {
    /// A squashed shallow-merge patch, holding only changes to the base (never empty).
    Merge(Ordered<K, Option<Entry<V>>>),
    /// A replace by the whole view.
    Replace,
}

/// Holds session-data changes and yields one combined update per interval.
///
/// Rules (daily-js's client-side batching): at most one update from [`poll`](Self::poll) per
/// interval, on the leading and the trailing edge; shallow merges squash, and a replace anywhere
/// makes the batch a replace; nothing that leaves the base unchanged is sent; the local view is
/// the base with pending changes applied, at once.
#[derive(Debug, Clone)]
pub struct Throttle<V, K: Key = String> {
    interval: u64,
    limit: usize,
    /// The room's last state, as it arrived.
    room: State<K, V>,
    base: State<K, V>,
    view: State<K, V>,
    batch: Option<Batch<K, V>>,
    last_sent: Option<u64>,
    in_flight: Vec<InFlight<K, V>>,
}

impl<V, K: Key> Default for Throttle<V, K> {
    /// Daily's cadence and limit: [`DEFAULT_INTERVAL_MS`] and [`SESSION_DATA_LIMIT`].
    fn default() -> Self {
        Throttle::new(DEFAULT_INTERVAL_MS, SESSION_DATA_LIMIT)
    }
}

impl<V, K: Key> Throttle<V, K> {
    /// An empty throttle sending at most once per `interval_ms` and refusing a state whose JSON is
    /// longer than `limit`. Checking that the interval is sane (at least 16 ms) is the caller's job.
    pub fn new(interval_ms: u64, limit: usize) -> Self {
        Throttle {
            interval: interval_ms,
            limit,
            room: State::new(),
            base: State::new(),
            view: State::new(),
            batch: None,
            last_sent: None,
            in_flight: Vec::new(),
        }
    }

    /// How long a sent update is kept on top of room states that do not reflect it yet; longer
    /// than a room takes to echo an update (about a sync interval, plus latency).
    pub const IN_FLIGHT_MS: u64 = 5000;

    /// When [`poll`](Self::poll) must be called next, so the driver can set one timer; `None`
    /// when nothing is pending. A deadline already past (such as 0) means "now".
    pub fn next_deadline(&self) -> Option<u64> {
        let expiry = self.in_flight.first().map(|sent| sent.sent_at.saturating_add(Self::IN_FLIGHT_MS));
        match (self.send_deadline(), expiry) {
            (Some(send), Some(expiry)) => Some(send.min(expiry)),
            (send, expiry) => send.or(expiry),
        }
    }

    /// When what is pending may be sent.
    fn send_deadline(&self) -> Option<u64> {
        self.batch.as_ref()?;
        Some(self.last_sent.map_or(0, |sent| sent.saturating_add(self.interval)))
    }

    /// A key's value in the local view, so reads see the app's own changes at once.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.view.get(key)
    }

    /// The local view in key order: the base with pending changes applied.
    pub fn view(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.view.entries.iter().map(|(key, entry)| (key, &entry.value))
    }

    /// The JSON length of the local view, the size Daily's limit applies to.
    pub fn size(&self) -> usize {
        self.view.json_len()
    }

    /// Calls `f` with every key and value the throttle holds (the room's state, the base, the view,
    /// the batch and the updates in flight), so a caller that keeps values elsewhere by id knows
    /// which ids are still in use. A key may come more than once.
    pub fn for_each_held(&self, mut f: impl FnMut(&K, Option<&V>)) {
        for state in [&self.room, &self.base, &self.view] {
            for (key, entry) in state.entries.iter() {
                f(key, Some(&entry.value));
            }
        }
        if let Some(Batch::Merge(batch)) = &self.batch {
            for (key, change) in batch.iter() {
                f(key, change.as_ref().map(|entry| &entry.value));
            }
        }
        for sent in &self.in_flight {
            for (key, change) in &sent.changes {
                f(key, change.as_ref().map(|entry| &entry.value));
            }
        }
    }

    /// Whether changes wait to be sent, so the driver knows a flush has work to do.
    pub fn has_pending(&self) -> bool {
        self.batch.is_some()
    }

    /// Drops what is pending (the call left, so it can never be sent): the view goes back to the
    /// room's state. Returns whether anything was dropped.
    pub fn discard_pending(&mut self) -> bool
    where
        V: Clone,
    {
        self.view = self.base.clone();
        self.batch.take().is_some()
    }
}

impl<V: Clone + PartialEq, K: Key> Throttle<V, K> {
    /// Replaces the whole state (`'replace'`). O(size of the new state).
    ///
    /// Refused with [`Error::PayloadTooLarge`], changing nothing, when the state is over the limit.
    pub fn set(&mut self, state: impl IntoIterator<Item = (K, Entry<V>)>) -> Result<(), Error> {
        let state = State::from_entries(state);
        check_size(state.json_len(), self.limit)?;
        // A replace supersedes everything pending; one equal to the base has nothing to send.
        self.batch = if state.same_as(&self.base) { None } else { Some(Batch::Replace) };
        self.view = state;
        Ok(())
    }

    /// Merges a patch into the state (`'shallow-merge'`), `None` deleting a key. O(size of the
    /// patch), never O(state).
    ///
    /// Refused with [`Error::PayloadTooLarge`], changing nothing, when the result would be over the
    /// limit. An empty patch, or one that leaves the base as it is, schedules nothing.
    pub fn merge(&mut self, patch: impl IntoIterator<Item = (K, Option<Entry<V>>)>) -> Result<(), Error> {
        let patch: Vec<_> = patch.into_iter().collect();
        if patch.is_empty() {
            return Ok(());
        }
        check_size(self.merged_len(&patch), self.limit)?;
        if self.batch.is_none() {
            self.batch = Some(Batch::Merge(Ordered::new()));
        }
        for (key, change) in patch {
            // Under a replace the view is the whole update; otherwise the patch keeps only what
            // differs from the base, later changes overwriting earlier ones in place (`{...a, ...b}`).
            if let Some(Batch::Merge(batch)) = &mut self.batch {
                if self.base.unchanged_by(&key, change.as_ref()) {
                    batch.remove(&key);
                } else {
                    batch.insert(key.clone(), change.clone());
                }
            }
            self.view.apply(key, change);
        }
        if matches!(&self.batch, Some(Batch::Merge(batch)) if batch.len() == 0) {
            self.batch = None;
        }
        Ok(())
    }

    /// Takes the room's state from a `meeting-session-state-updated` event at `now` as the new
    /// base. Updates sent but not yet reflected stay applied on top (the state may be a late echo
    /// from before them); pending local changes stay on top of that, as Daily will apply them
    /// when they are sent; those the room already holds are dropped.
    pub fn remote(&mut self, state: impl IntoIterator<Item = (K, Entry<V>)>, now: u64) {
        self.room = State::from_entries(state);
        // Room states arrive in order, and the room may skip states (it squashes what arrives
        // within one sync), so the state confirms every update up to one it reflects. When several
        // match, only the earliest is sure: a later one may equal an older state by coincidence.
        if let Some(earliest) = self.in_flight.iter().position(|sent| sent.reflected_by(&self.room)) {
            self.in_flight.drain(..=earliest);
        }
        self.in_flight.retain(|sent| now.saturating_sub(sent.sent_at) < Self::IN_FLIGHT_MS);
        self.rebase();
    }

    /// Drops sent updates the room never reflected within [`Self::IN_FLIGHT_MS`] (someone else
    /// overwrote them), so the view goes back to the room's state.
    fn expire(&mut self, now: u64) {
        let before = self.in_flight.len();
        self.in_flight.retain(|sent| now.saturating_sub(sent.sent_at) < Self::IN_FLIGHT_MS);
        if self.in_flight.len() != before {
            self.rebase();
        }
    }

    /// The base is the room's state with the updates in flight replayed on top; pending changes
    /// stay on top of that, those the base already holds dropped.
    fn rebase(&mut self) {
        let mut base = self.room.clone();
        for sent in &self.in_flight {
            sent.apply_to(&mut base);
        }
        self.base = base;
        self.batch = match self.batch.take() {
            None => {
                self.view = self.base.clone();
                None
            }
            Some(Batch::Replace) => (!self.view.same_as(&self.base)).then_some(Batch::Replace),
            Some(Batch::Merge(mut batch)) => {
                batch.retain(|key, change| !self.base.unchanged_by(key, change.as_ref()));
                self.view = self.base.clone();
                for (key, change) in batch.iter() {
                    self.view.apply(key.to_owned(), change.clone());
                }
                (batch.len() > 0).then_some(Batch::Merge(batch))
            }
        };
    }

    /// What may be sent at `now` under the rate bound: the pending update when nothing was sent in
    /// the last interval (leading edge) or the window since the last send has ended (trailing
    /// edge). The update is applied to the base optimistically.
    pub fn poll(&mut self, now: u64) -> Option<Outgoing<V, K>> {
        self.expire(now);
        match self.send_deadline() {
            Some(deadline) if deadline <= now => self.send(now),
            _ => None,
        }
    }

    /// The pending update now, whatever the window (for an explicit flush, dispose or leave). It
    /// counts as a send: the next [`poll`](Self::poll) waits a whole interval from `now`.
    pub fn flush(&mut self, now: u64) -> Option<Outgoing<V, K>> {
        self.expire(now);
        self.send(now)
    }

    /// The view's JSON length once `patch` is applied, from the running sums: O(size of the patch).
    fn merged_len(&self, patch: &[(K, Option<Entry<V>>)]) -> usize {
        // The value size each key already touched by this patch would have (`None`: absent).
        // A patch rarely repeats a key, so a list searched linearly is enough.
        let mut touched: Vec<(&K, Option<usize>)> = Vec::new();
        let (mut keys, mut values, mut count) = (self.view.keys_len, self.view.values_len, self.view.entries.len());
        for (key, change) in patch {
            let before = match touched.iter().rev().find(|(k, _)| *k == key) {
                Some((_, size)) => *size,
                None => self.view.entries.get(key).map(|entry| entry.size),
            };
            let after = change.as_ref().map(|entry| entry.size);
            let key_len = key.json_len();
            if let Some(size) = before {
                keys = keys.saturating_sub(key_len);
                values = values.saturating_sub(size);
                count = count.saturating_sub(1);
            }
            if let Some(size) = after {
                keys = keys.saturating_add(key_len);
                values = values.saturating_add(size);
                count = count.saturating_add(1);
            }
            touched.push((key, after));
        }
        object_size(keys, values, count)
    }

    /// Takes the batch as an update, unless it changes nothing, and applies it to the base.
    fn send(&mut self, now: u64) -> Option<Outgoing<V, K>> {
        let sent = match self.batch.take()? {
            Batch::Replace if self.view.same_as(&self.base) => None,
            Batch::Replace => {
                self.base = self.view.clone();
                let changes = self.view.entries.iter().map(|(key, entry)| (key.to_owned(), Some(entry.clone())));
                Some(InFlight { sent_at: now, strategy: Strategy::Replace, changes: changes.collect() })
            }
            Batch::Merge(batch) => {
                let mut changes = Vec::with_capacity(batch.len());
                for (key, change) in batch.into_entries() {
                    // The batch holds only changes; checked again so nothing redundant can leave.
                    if !self.base.unchanged_by(&key, change.as_ref()) {
                        self.base.apply(key.clone(), change.clone());
                        changes.push((key, change));
                    }
                }
                (!changes.is_empty()).then_some(InFlight { sent_at: now, strategy: Strategy::ShallowMerge, changes })
            }
        }?;
        self.last_sent = Some(now);
        let data = sent.changes.iter().map(|(key, change)| (key.clone(), change.as_ref().map(|e| e.value.clone())));
        let outgoing = Outgoing { strategy: sent.strategy, data: data.collect() };
        self.in_flight.push(sent);
        Some(outgoing)
    }
}

#[cfg(test)]
mod tests;
