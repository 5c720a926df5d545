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

pub use crate::payload::Strategy;

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

/// An insertion-ordered map, ordered like a JS object's string keys: a new key goes last, an
/// overwritten key keeps its place, a deleted key leaves no trace.
///
/// Slots in insertion order plus an index sorted by key: a lookup is a binary search, a delete
/// leaves a hole that is compacted away once holes outnumber entries (amortized O(1)). Sorted
/// vectors rather than a hash map or a `BTreeMap` keep the wasm small (each costs 6 to 20 KB).
#[derive(Debug, Clone)]
struct Ordered<K, T> {
    slots: Vec<Option<(K, T)>>,
    /// (key, slot) sorted by key.
    index: Vec<(K, usize)>,
}

impl<K: Key, T> Ordered<K, T> {
    fn new() -> Self {
        Ordered { slots: Vec::new(), index: Vec::new() }
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.index.binary_search_by(|(other, _)| other.borrow().cmp(key))
    }

    fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&T>
    where
        K: Borrow<Q>,
    {
        let at = self.index.get(self.find(key).ok()?)?.1;
        self.slots.get(at)?.as_ref().map(|(_, value)| value)
    }

    /// Sets `key`, returning its previous value.
    fn insert(&mut self, key: K, value: T) -> Option<T> {
        match self.find(&key) {
            Ok(found) => {
                let at = self.index.get(found)?.1;
                let slot = self.slots.get_mut(at)?.as_mut()?;
                Some(std::mem::replace(&mut slot.1, value))
            }
            Err(place) => {
                self.index.insert(place, (key.clone(), self.slots.len()));
                self.slots.push(Some((key, value)));
                None
            }
        }
    }

    fn remove(&mut self, key: &K) -> Option<T> {
        let (_, at) = self.index.remove(self.find(key).ok()?);
        let removed = self.slots.get_mut(at)?.take().map(|(_, value)| value);
        if self.slots.len() > 2 * self.index.len() + 8 {
            self.compact();
        }
        removed
    }

    fn compact(&mut self) {
        self.slots.retain(Option::is_some);
        for at in 0..self.slots.len() {
            let found = match &self.slots[at] {
                Some((key, _)) => self.find(key).ok(),
                None => None,
            };
            if let Some(entry) = found.and_then(|found| self.index.get_mut(found)) {
                entry.1 = at;
            }
        }
    }

    fn retain(&mut self, mut keep: impl FnMut(&K, &T) -> bool) {
        for slot in &mut self.slots {
            if let Some((key, value)) = slot {
                if !keep(key, value) {
                    *slot = None;
                }
            }
        }
        let slots = &self.slots;
        self.index.retain(|(_, at)| matches!(slots.get(*at), Some(Some(_))));
        self.compact();
    }

    fn iter(&self) -> impl Iterator<Item = (&K, &T)> + '_ {
        self.slots.iter().flatten().map(|(key, value)| (key, value))
    }

    fn into_entries(self) -> impl Iterator<Item = (K, T)> {
        self.slots.into_iter().flatten()
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
mod tests {
    use super::Strategy; // ours, not proptest's
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::Strategy as _;
    use std::collections::BTreeMap;

    type Map = BTreeMap<String, u8>;

    fn entry(value: u8) -> Entry<u8> {
        Entry { value, size: value.to_string().len() }
    }

    fn state(pairs: &[(&str, u8)]) -> Vec<(String, Entry<u8>)> {
        pairs.iter().map(|&(k, v)| (k.to_owned(), entry(v))).collect()
    }

    fn patch(pairs: &[(&str, Option<u8>)]) -> Vec<(String, Option<Entry<u8>>)> {
        pairs.iter().map(|&(k, v)| (k.to_owned(), v.map(entry))).collect()
    }

    fn view(t: &Throttle<u8>) -> Vec<(String, u8)> {
        t.view().map(|(k, v)| (k.to_owned(), *v)).collect()
    }

    fn pairs(pairs: &[(&str, u8)]) -> Vec<(String, u8)> {
        pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
    }

    fn json_len(map: &Map) -> usize {
        serde_json::to_string(map).unwrap().encode_utf16().count()
    }

    fn apply(server: &mut Map, out: &Outgoing<u8>) {
        if out.strategy == Strategy::Replace {
            server.clear();
        }
        for (k, v) in &out.data {
            match v {
                Some(v) => server.insert(k.clone(), *v),
                None => server.remove(k),
            };
        }
    }

    #[test]
    fn leading_edge_sends_at_once_and_trailing_edge_at_the_window_end() {
        let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
        assert_eq!(t.next_deadline(), None);
        t.merge(patch(&[("a", Some(1))])).unwrap();
        assert_eq!(t.next_deadline(), Some(0));
        let out = t.poll(5).unwrap();
        assert_eq!(out, Outgoing { strategy: Strategy::ShallowMerge, data: vec![("a".into(), Some(1))] });
        assert!(!t.has_pending());
        let in_flight_end = 5 + Throttle::<u8>::IN_FLIGHT_MS;
        assert_eq!(t.next_deadline(), Some(in_flight_end), "nothing to send: only the in-flight window ends");
        t.merge(patch(&[("a", Some(2))])).unwrap();
        assert_eq!(t.next_deadline(), Some(1005));
        assert_eq!(t.poll(1004), None);
        assert_eq!(t.poll(1005).unwrap().data, vec![("a".into(), Some(2))]);
        // A quiet interval later, a change is sendable at once again.
        t.merge(patch(&[("a", Some(3))])).unwrap();
        assert_eq!(t.poll(2005).unwrap().data, vec![("a".into(), Some(3))]);
    }

    #[test]
    fn flush_ignores_the_window_and_counts_as_a_send() {
        let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
        t.merge(patch(&[("a", Some(1))])).unwrap();
        t.poll(0).unwrap();
        t.merge(patch(&[("a", Some(2))])).unwrap();
        assert_eq!(t.flush(10).unwrap().data, vec![("a".into(), Some(2))]);
        assert_eq!(t.flush(11), None, "nothing is pending");
        t.merge(patch(&[("a", Some(3))])).unwrap();
        assert_eq!(t.next_deadline(), Some(1010));
        assert_eq!(t.poll(1009), None);
        assert!(t.poll(1010).is_some());
    }

    #[test]
    fn merges_squash_later_wins() {
        let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
        t.remote(state(&[("a", 1), ("b", 1)]), 0);
        t.merge(patch(&[("a", Some(2)), ("c", Some(1))])).unwrap();
        t.merge(patch(&[("a", None), ("b", None)])).unwrap(); // a set then a delete is a delete
        t.merge(patch(&[("b", Some(5)), ("c", Some(2))])).unwrap(); // a delete then a set is a set
        let out = t.flush(0).unwrap();
        assert_eq!(out.strategy, Strategy::ShallowMerge);
        assert_eq!(out.data, vec![("a".into(), None), ("c".into(), Some(2)), ("b".into(), Some(5))]);
        assert_eq!(view(&t), pairs(&[("c", 2), ("b", 5)]), "the view deleted b and set it again");
    }

    #[test]
    fn a_replace_anywhere_makes_the_batch_a_replace() {
        // replace then merge: a replace of the merged result
        let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
        t.remote(state(&[("z", 9)]), 0);
        t.set(state(&[("a", 1), ("b", 2)])).unwrap();
        t.merge(patch(&[("b", None), ("c", Some(3))])).unwrap();
        let out = t.flush(0).unwrap();
        assert_eq!(out.strategy, Strategy::Replace);
        assert_eq!(out.data, vec![("a".into(), Some(1)), ("c".into(), Some(3))]);
        // merge then replace: the replace
        t.merge(patch(&[("x", Some(1))])).unwrap();
        t.set(state(&[("y", 2)])).unwrap();
        let out = t.flush(1).unwrap();
        assert_eq!(out, Outgoing { strategy: Strategy::Replace, data: vec![("y".into(), Some(2))] });
    }

    #[test]
    fn empty_and_unchanging_updates_schedule_nothing() {
        let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
        t.remote(state(&[("a", 1)]), 0);
        t.merge(Vec::new()).unwrap();
        assert!(!t.has_pending());
        t.merge(patch(&[("a", Some(1)), ("gone", None)])).unwrap();
        assert!(!t.has_pending(), "equal values and deletes of absent keys change nothing");
        t.set(state(&[("a", 1)])).unwrap();
        assert!(!t.has_pending(), "a replace equal to the base");
        // A change undone before it is sent leaves nothing to send.
        t.merge(patch(&[("a", Some(2))])).unwrap();
        t.merge(patch(&[("a", Some(1))])).unwrap();
        assert!(!t.has_pending());
        t.set(state(&[("b", 1)])).unwrap();
        t.merge(patch(&[("b", None), ("a", Some(1))])).unwrap();
        assert!(t.has_pending());
        assert_eq!(t.poll(0), None, "a replace back to the base is skipped");
        assert!(!t.has_pending());
        assert_eq!(t.next_deadline(), None);
        // Only the changed entries of a merge are sent.
        t.merge(patch(&[("a", Some(1)), ("b", Some(2))])).unwrap();
        assert_eq!(t.poll(0).unwrap().data, vec![("b".into(), Some(2))]);
    }

    #[test]
    fn merges_leave_concurrent_changes_to_other_keys_alone() {
        let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
        let mut server = Map::new();
        t.merge(patch(&[("mine", Some(1))])).unwrap();
        apply(&mut server, &t.poll(0).unwrap());
        t.merge(patch(&[("mine", Some(2))])).unwrap();
        server.insert("theirs".into(), 7); // another participant, meanwhile
        t.remote(server.iter().map(|(k, v)| (k.clone(), entry(*v))), 0);
        assert_eq!(t.get("mine"), Some(&2), "pending changes stay on top of the remote state");
        assert_eq!(t.get("theirs"), Some(&7));
        let out = t.poll(1000).unwrap();
        assert_eq!(out.strategy, Strategy::ShallowMerge);
        apply(&mut server, &out);
        assert_eq!(server, Map::from([("mine".into(), 2), ("theirs".into(), 7)]));
    }

    #[test]
    fn remote_state_drops_pending_changes_it_already_holds() {
        let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
        t.merge(patch(&[("a", Some(1)), ("b", Some(2))])).unwrap();
        t.remote(state(&[("a", 1)]), 0);
        assert_eq!(t.flush(0).unwrap().data, vec![("b".into(), Some(2))]);
        t.set(state(&[("c", 3)])).unwrap();
        // b:2 is still in flight at first; a room state without it once the window has passed
        // means someone else replaced it.
        t.remote(state(&[("c", 3)]), Throttle::<u8>::IN_FLIGHT_MS);
        assert!(!t.has_pending());
        assert_eq!(view(&t), pairs(&[("c", 3)]));
    }

    #[test]
    fn a_room_state_that_skipped_some_of_our_updates_confirms_them() {
        // The room squashes what arrives within one sync: {k:2} is never shown, {k:3} is.
        let mut t = Throttle::new(100, SESSION_DATA_LIMIT);
        for (at, k) in [(0, 1), (150, 2), (300, 3)] {
            t.merge(patch(&[("k", Some(k))])).unwrap();
            assert!(t.poll(at).is_some());
        }
        t.remote(state(&[("k", 1)]), 310);
        t.remote(state(&[("k", 3)]), 1000);
        t.remote(state(&[("k", 9)]), 1100); // someone else writes
        assert_eq!(t.get("k"), Some(&9), "nothing of ours is left in flight to hide it");
    }

    #[test]
    fn a_send_the_room_never_reflects_expires() {
        let mut t = Throttle::new(100, SESSION_DATA_LIMIT);
        t.merge(patch(&[("k", Some(1))])).unwrap();
        assert!(t.poll(0).is_some());
        t.remote(state(&[("k", 9)]), 50); // overwritten by someone else (or a late echo)
        assert_eq!(t.get("k"), Some(&1));
        let end = t.next_deadline().unwrap();
        assert_eq!(t.poll(end), None);
        assert_eq!(t.get("k"), Some(&9), "after the in-flight window the room's state stands");
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn a_late_echo_does_not_swallow_a_write() {
        let mut t = Throttle::new(100, SESSION_DATA_LIMIT);
        t.merge(patch(&[("x", Some(1))])).unwrap();
        assert!(t.poll(0).is_some());
        t.merge(patch(&[("x", Some(2))])).unwrap();
        assert!(t.flush(1).is_some());
        t.remote(state(&[("x", 1)]), 2); // the room's echo of the first write, after the second
        assert_eq!(t.get("x"), Some(&2), "the second write is still on its way");
        t.merge(patch(&[("x", Some(1))])).unwrap();
        let out = t.poll(101).expect("x:1 differs from what the room will hold");
        assert_eq!(out.data, vec![("x".into(), Some(1))]);
        t.remote(state(&[("x", 2)]), 150);
        assert_eq!(t.get("x"), Some(&1), "the third write is still on its way");
        t.remote(state(&[("x", 1)]), 250);
        assert_eq!(t.get("x"), Some(&1));
        assert!(!t.has_pending());
    }

    #[test]
    fn sends_apply_to_the_base_optimistically() {
        let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
        t.set(state(&[("a", 1)])).unwrap();
        assert!(t.flush(0).is_some());
        t.set(state(&[("a", 1)])).unwrap();
        assert!(!t.has_pending(), "the base already holds what was sent");
        t.merge(patch(&[("a", None)])).unwrap();
        assert!(t.flush(1).is_some());
        t.merge(patch(&[("a", None)])).unwrap();
        assert!(!t.has_pending());
    }

    #[test]
    fn the_view_shows_pending_changes_at_once_in_insertion_order() {
        let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
        t.remote(state(&[("b", 1), ("a", 1)]), 0);
        t.merge(patch(&[("c", Some(3)), ("b", Some(2))])).unwrap();
        assert_eq!(view(&t), pairs(&[("b", 2), ("a", 1), ("c", 3)]));
        t.merge(patch(&[("b", None)])).unwrap();
        t.merge(patch(&[("b", Some(4))])).unwrap();
        assert_eq!(view(&t), pairs(&[("a", 1), ("c", 3), ("b", 4)]), "a deleted key comes back last");
        assert_eq!(t.get("b"), Some(&4));
        assert_eq!(t.get("zz"), None);
        assert_eq!(t.size(), r#"{"a":1,"c":3,"b":4}"#.len());
    }

    #[test]
    fn the_limit_refuses_the_call_and_changes_nothing() {
        let limit = r#"{"a":1,"b":2}"#.len();
        let mut t = Throttle::new(1000, limit);
        t.set(state(&[("a", 1), ("b", 2)])).unwrap();
        assert_eq!(t.size(), limit);
        match t.merge(patch(&[("c", Some(3))])) {
            Err(Error::PayloadTooLarge { size, limit: l }) => assert_eq!((size, l), (limit + 6, limit)),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(t.set(state(&[("abcdef", 100)])), Err(Error::PayloadTooLarge { size: 14, .. })));
        assert_eq!(view(&t), pairs(&[("a", 1), ("b", 2)]));
        // Within one patch, a delete makes room for a set.
        t.merge(patch(&[("a", None), ("c", Some(3)), ("c", Some(4))])).unwrap();
        assert_eq!(view(&t), pairs(&[("b", 2), ("c", 4)]));
        // Sizes are JSON lengths: escaped keys count their escapes, empty objects are "{}".
        t.set(Vec::new()).unwrap();
        assert_eq!(t.size(), 2);
        let mut big = Throttle::new(1000, SESSION_DATA_LIMIT);
        big.set(state(&[("é\"", 10)])).unwrap();
        assert_eq!(big.size(), r#"{"é\"":10}"#.encode_utf16().count());
        assert!(big.merge(vec![("x".into(), Some(Entry { value: 0, size: usize::MAX }))]).is_err());
        assert!(big.set(vec![("x".into(), Entry { value: 0, size: usize::MAX })]).is_err());
    }

    #[test]
    fn a_60_hz_stream_for_10_s_sends_at_most_11_updates() {
        let mut t = Throttle::new(1000, SESSION_DATA_LIMIT);
        let mut sent = Vec::new();
        let fire = |t: &mut Throttle<u16>, sent: &mut Vec<(u64, Outgoing<u16>)>, until: u64| {
            while let Some(deadline) = t.next_deadline().filter(|&d| d <= until) {
                if let Some(out) = t.poll(deadline) {
                    sent.push((deadline, out));
                }
            }
        };
        let mut last = 0;
        for k in 0..600u16 {
            let now = u64::from(k) * 1000 / 60;
            fire(&mut t, &mut sent, now);
            t.set(vec![("n".to_owned(), Entry { value: k, size: k.to_string().len() })]).unwrap();
            if let Some(out) = t.poll(now) {
                sent.push((now, out));
            }
            last = now;
        }
        fire(&mut t, &mut sent, u64::MAX);
        assert!(sent.len() <= 11, "{} updates", sent.len());
        let (at, out) = sent.last().unwrap();
        assert!(*at <= last + 1000);
        assert_eq!(out.data, vec![("n".to_owned(), Some(599))]);
        assert!(sent.windows(2).all(|w| w[1].0 - w[0].0 >= 1000));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(Vec<(usize, u8)>),
        Merge(Vec<(usize, Option<u8>)>),
        Flush,
        Echo,
        /// The oldest room state not yet echoed arrives now: echoes come in order, but may lag
        /// behind the sends.
        LateEcho,
        Wait(u64),
    }

    const KEYS: [&str; 5] = ["a", "b", "c", "d", "é\"k"];
    const INTERVAL: u64 = 100;
    /// The most a room's echo lags behind the send that caused it, in the property test.
    const ECHO_LAG: u64 = 2000;

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        let key = 0..KEYS.len();
        prop_oneof![
            2 => prop::collection::vec((key.clone(), 0u8..4), 0..4).prop_map(Op::Set),
            4 => prop::collection::vec((key, prop::option::of(0u8..4)), 0..4).prop_map(Op::Merge),
            1 => Just(Op::Flush),
            1 => Just(Op::Echo),
            2 => Just(Op::LateEcho),
            3 => (0u64..250).prop_map(Op::Wait),
        ]
    }

    /// The room as it should end up, the room as the sends make it, and the throttle between.
    struct Harness {
        t: Throttle<u8>,
        now: u64,
        model: Map,
        server: Map,
        last_poll: Option<u64>,
        /// The server's states after each send, with the time of the send, and how many of them
        /// the throttle has been shown.
        history: Vec<(u64, Map)>,
        echoed: usize,
    }

    impl Harness {
        fn take(&mut self, out: Option<Outgoing<u8>>, by_poll: bool) -> Result<(), TestCaseError> {
            let Some(out) = out else { return Ok(()) };
            if by_poll {
                if let Some(prev) = self.last_poll {
                    prop_assert!(self.now >= prev + INTERVAL, "polls at {prev} and {}", self.now);
                }
                self.last_poll = Some(self.now);
            }
            let before = self.server.clone();
            apply(&mut self.server, &out);
            self.history.push((self.now, self.server.clone()));
            prop_assert_ne!(&before, &self.server, "{:?} changes nothing", out);
            if out.strategy == Strategy::ShallowMerge {
                for (k, v) in &out.data {
                    prop_assert_ne!(before.get(k), v.as_ref(), "{} is unchanged", k);
                }
            }
            Ok(())
        }

        /// The driver's timer: poll at every deadline up to `until`; and the room: each state
        /// is echoed at the latest `ECHO_LAG` after the send that made it (rooms echo within
        /// seconds, well inside the throttle's in-flight window).
        fn advance(&mut self, until: u64) -> Result<(), TestCaseError> {
            loop {
                let echo_due = self.history.get(self.echoed).map(|(at, _)| at + ECHO_LAG);
                let deadline = self.t.next_deadline();
                let next = match (echo_due, deadline) {
                    (Some(e), Some(d)) => e.min(d),
                    (e, d) => match e.or(d) {
                        Some(next) => next,
                        None => break,
                    },
                };
                if next > until {
                    break;
                }
                self.now = self.now.max(next);
                if echo_due.is_some_and(|e| e <= self.now) {
                    self.late_echo();
                } else {
                    let out = self.t.poll(self.now);
                    self.take(out, true)?;
                }
            }
            self.now = self.now.max(until);
            Ok(())
        }

        /// The oldest state not yet echoed arrives now.
        fn late_echo(&mut self) {
            if let Some((_, old)) = self.history.get(self.echoed).cloned() {
                self.echoed += 1;
                self.t.remote(old.iter().map(|(k, v)| (k.clone(), entry(*v))), self.now);
            }
        }

        fn check_view(&self) -> Result<(), TestCaseError> {
            let view: Map = self.t.view().map(|(k, v)| (k.to_owned(), *v)).collect();
            prop_assert_eq!(self.t.view().count(), view.len(), "no key twice");
            prop_assert_eq!(&view, &self.model);
            prop_assert_eq!(self.t.size(), json_len(&self.model));
            Ok(())
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn throttled_updates_converge_within_the_rate_bound(
            ops in prop::collection::vec(op(), 0..40),
            limit in prop_oneof![Just(SESSION_DATA_LIMIT), 2usize..40],
        ) {
            let mut h = Harness { t: Throttle::new(INTERVAL, limit), now: 0, model: Map::new(), server: Map::new(), last_poll: None, history: Vec::new(), echoed: 0 };
            for op in ops {
                match op {
                    Op::Set(kv) => {
                        let next: Map = kv.iter().map(|&(k, v)| (KEYS[k].to_owned(), v)).collect();
                        let result = h.t.set(kv.iter().map(|&(k, v)| (KEYS[k].to_owned(), entry(v))));
                        prop_assert_eq!(result.is_ok(), json_len(&next) <= limit);
                        if result.is_ok() {
                            h.model = next;
                        }
                        let out = h.t.poll(h.now);
                        h.take(out, true)?;
                    }
                    Op::Merge(kv) => {
                        let mut next = h.model.clone();
                        for &(k, v) in &kv {
                            match v {
                                Some(v) => next.insert(KEYS[k].to_owned(), v),
                                None => next.remove(KEYS[k]),
                            };
                        }
                        let result = h.t.merge(kv.iter().map(|&(k, v)| (KEYS[k].to_owned(), v.map(entry))));
                        prop_assert_eq!(result.is_ok(), kv.is_empty() || json_len(&next) <= limit);
                        if result.is_ok() {
                            h.model = next;
                        }
                        let out = h.t.poll(h.now);
                        h.take(out, true)?;
                    }
                    Op::Flush => {
                        let out = h.t.flush(h.now);
                        h.take(out, false)?;
                        prop_assert!(!h.t.has_pending());
                    }
                    // The room echoes its state back: we are the only writer, so it is the server's.
                    Op::Echo => {
                        h.echoed = h.history.len();
                        h.t.remote(h.server.iter().map(|(k, v)| (k.clone(), entry(*v))), h.now);
                    }
                    Op::LateEcho => h.late_echo(),
                    Op::Wait(ms) => h.advance(h.now + ms)?,
                }
                h.check_view()?;
            }
            h.advance(u64::MAX)?;
            prop_assert_eq!(h.t.next_deadline(), None);
            prop_assert_eq!(&h.server, &h.model);
            h.check_view()?;
        }
    }
}
