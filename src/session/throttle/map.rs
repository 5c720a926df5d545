//! The throttle's map: a JS object's key order with sorted-vector lookups.

use std::borrow::Borrow;

use super::Key;

/// An insertion-ordered map, ordered like a JS object's string keys: a new key goes last, an
/// overwritten key keeps its place, a deleted key leaves no trace.
///
/// Slots in insertion order plus an index sorted by key: a lookup is a binary search, a delete
/// leaves a hole that is compacted away once holes outnumber entries (amortized O(1)). Sorted
/// vectors rather than a hash map or a `BTreeMap` keep the wasm small (each costs 6 to 20 KB).
#[derive(Debug, Clone)]
pub(super) struct Ordered<K, T> {
    slots: Vec<Option<(K, T)>>,
    /// (key, slot) sorted by key.
    index: Vec<(K, usize)>,
}

impl<K: Key, T> Ordered<K, T> {
    pub(super) fn new() -> Self {
        Ordered { slots: Vec::new(), index: Vec::new() }
    }

    pub(super) fn len(&self) -> usize {
        self.index.len()
    }

    pub(super) fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.index.binary_search_by(|(other, _)| other.borrow().cmp(key))
    }

    pub(super) fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&T>
    where
        K: Borrow<Q>,
    {
        let at = self.index.get(self.find(key).ok()?)?.1;
        self.slots.get(at)?.as_ref().map(|(_, value)| value)
    }

    /// Sets `key`, returning its previous value.
    pub(super) fn insert(&mut self, key: K, value: T) -> Option<T> {
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

    pub(super) fn remove(&mut self, key: &K) -> Option<T> {
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

    pub(super) fn retain(&mut self, mut keep: impl FnMut(&K, &T) -> bool) {
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

    pub(super) fn iter(&self) -> impl Iterator<Item = (&K, &T)> + '_ {
        self.slots.iter().flatten().map(|(key, value)| (key, value))
    }

    pub(super) fn into_entries(self) -> impl Iterator<Item = (K, T)> {
        self.slots.into_iter().flatten()
    }
}
