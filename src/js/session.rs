//! The default entry's wasm: the session-data throttle, the one piece of `DailySync`
//! (npm/index.js) with real logic, in Rust. Every byte here ships to every app, so this wasm holds
//! nothing else: the argument checks and the reading of daily-js's errors are a few lines of JS
//! (npm/checks.js), and events never pass through wasm (npm/hub.js).
//!
//! The throttle works on ids: npm/session.js interns each key and each value (by its JSON text) and
//! hands over ids and sizes in one array per call, so no string or JS value crosses per entry.

use wasm_bindgen::prelude::*;

use crate::payload::{Error, Strategy, SESSION_DATA_LIMIT};
use crate::session::throttle::{Entry, Key, Outgoing, Throttle};

/// In an id array, the value id that means "no value" (a shallow-merge deletion).
const NONE: u32 = u32::MAX;

/// A key interned by the JS side: its id, and its `JSON.stringify` length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct KeyId {
    id: u32,
    len: u32,
}

impl Key for KeyId {
    fn json_len(&self) -> usize {
        self.len as usize
    }
}

/// Reads `[key id, key length, value id, value size]` quads; a value id of [`NONE`] is no value.
fn quads(ids: &[u32]) -> impl Iterator<Item = (KeyId, Option<Entry<u32>>)> + '_ {
    ids.chunks_exact(4).map(|quad| {
        let key = KeyId { id: quad[0], len: quad[1] };
        let entry = (quad[2] != NONE).then_some(Entry { value: quad[2], size: quad[3] as usize });
        (key, entry)
    })
}

/// An update as `[strategy (0 replace, 1 shallow-merge), key id, value id, ...]`.
fn outgoing_ids(outgoing: Option<Outgoing<u32, KeyId>>) -> Option<Vec<u32>> {
    let outgoing = outgoing?;
    let mut ids = Vec::with_capacity(1 + 2 * outgoing.data.len());
    ids.push(u32::from(outgoing.strategy == Strategy::ShallowMerge));
    for (key, value) in outgoing.data {
        ids.push(key.id);
        ids.push(value.unwrap_or(NONE));
    }
    Some(ids)
}

impl SessionCore {
    /// What a write answers, so that a write is one call: once the change is taken, when `poll`
    /// is due next (-1: nothing waits; at or before `now`: at once); when it is refused for passing
    /// Daily's limit, minus the JSON length the state would have had (the JS side makes the
    /// error, so this wasm carries no error messages).
    fn answer(&self, result: Result<(), Error>) -> f64 {
        match result {
            Ok(()) => self.next_deadline(),
            Err(Error::PayloadTooLarge { size, .. }) => -(size as f64),
            Err(_) => f64::NAN,
        }
    }
}

/// The session-data throttle over interned ids (see src/session/throttle.rs for its rules).
#[wasm_bindgen]
#[derive(Debug)]
pub struct SessionCore {
    throttle: Throttle<u32, KeyId>,
}

#[wasm_bindgen]
impl SessionCore {
    /// A throttle sending at most once per `interval_ms`, within Daily's session-data limit.
    #[wasm_bindgen(constructor)]
    pub fn new(interval_ms: f64) -> SessionCore {
        SessionCore { throttle: Throttle::new(interval_ms as u64, SESSION_DATA_LIMIT) }
    }

    /// Replaces the state with `quads` (every value present); see [`SessionCore::answer`].
    pub fn set(&mut self, ids: &[u32]) -> f64 {
        let state = quads(ids).filter_map(|(key, entry)| Some((key, entry?)));
        let result = self.throttle.set(state);
        self.answer(result)
    }

    /// Shallow-merges `quads` (no value: delete); see [`SessionCore::answer`].
    pub fn merge(&mut self, ids: &[u32]) -> f64 {
        let result = self.throttle.merge(quads(ids));
        self.answer(result)
    }

    /// Takes in the room's state at `now`.
    pub fn remote(&mut self, ids: &[u32], now: f64) {
        let state = quads(ids).filter_map(|(key, entry)| Some((key, entry?)));
        self.throttle.remote(state, now as u64);
    }

    /// The update the window allows at `now`, if any.
    pub fn poll(&mut self, now: f64) -> Option<Vec<u32>> {
        outgoing_ids(self.throttle.poll(now as u64))
    }

    /// The pending update now, whatever the window.
    pub fn flush(&mut self, now: f64) -> Option<Vec<u32>> {
        outgoing_ids(self.throttle.flush(now as u64))
    }

    /// The local view's JSON length.
    pub fn size(&self) -> f64 {
        self.throttle.size() as f64
    }

    /// When `poll` must be called next; -1 when nothing waits.
    #[wasm_bindgen(js_name = nextDeadline)]
    pub fn next_deadline(&self) -> f64 {
        self.throttle.next_deadline().map_or(-1.0, |at| at as f64)
    }

    /// Drops what is pending (the call left); whether anything was.
    #[wasm_bindgen(js_name = discardPending)]
    pub fn discard_pending(&mut self) -> bool {
        self.throttle.discard_pending()
    }

    /// The local view as `[key id, value id, ...]`, in key order.
    pub fn view(&self) -> Vec<u32> {
        let mut ids = Vec::new();
        for (key, value) in self.throttle.view() {
            ids.push(key.id);
            ids.push(*value);
        }
        ids
    }

    /// Every key id and value id still held, so the JS side can forget the others.
    pub fn held(&self) -> Vec<u32> {
        let mut ids = Vec::new();
        self.throttle.for_each_held(|key, value| {
            ids.push(key.id);
            ids.push(value.copied().unwrap_or(NONE));
        });
        ids
    }
}
