//! The values the protocol carries as the sender wrote them: a JSON text, and the meeting
//! session state as an ordered object of JSON texts.

use std::collections::HashMap;
use std::fmt;

use super::json::{Malformed, ObjectWriter, Reader};
use super::Body;
use crate::payload::{json_str_len, object_len};

/// A JSON text, checked to be valid JSON, carried as written.
///
/// Why not a parsed tree: the JS side writes it with `JSON.stringify` and reads it with
/// `JSON.parse`, so parsing it into a tree in between would only cost time and change nothing.
/// Two `Json` are equal when their texts are.
#[derive(Clone, PartialEq, Eq)]
pub struct Json(Box<str>);

impl Json {
    /// Checks `text` is one JSON value (surrounding whitespace is dropped).
    pub fn parse(text: &str) -> Result<Json, Malformed> {
        Reader::read_all(text, Json::read)
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text's length in UTF-16 units: `JSON.stringify(value).length` for compact text.
    pub fn utf16_len(&self) -> usize {
        self.as_str().encode_utf16().count()
    }

    /// The size daily-js holds userData to: a string's own length (daily-js does not stringify
    /// strings), any other value's JSON length.
    pub fn user_data_len(&self) -> usize {
        match Reader::read_all(self.as_str(), |r| r.string()) {
            Ok(text) => text.encode_utf16().count(),
            Err(_) => self.utf16_len(),
        }
    }

    /// Whether the text is a JSON object (what session data must be).
    pub fn is_object(&self) -> bool {
        self.as_str().starts_with('{')
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The meeting session state: a JSON object whose values are kept as text, in insertion order
/// (as a JS object orders string keys: a new key goes last, an overwritten one keeps its place).
///
/// Why its own type: the authority merges updates key by key and measures the result without
/// re-serializing values, and the order must survive the wire so every replica is the same text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionData {
    entries: Vec<(String, Json)>,
}

impl SessionData {
    /// Parses the text of a JSON object; a duplicate key keeps its first place and its last
    /// value, as `JSON.parse` does.
    pub fn parse(text: &str) -> Result<SessionData, Malformed> {
        Reader::read_all(text, SessionData::read)
    }

    /// Builds the state from entries, with the same rule for duplicate keys as [`parse`](Self::parse).
    pub fn from_entries(entries: impl IntoIterator<Item = (String, Json)>) -> SessionData {
        let mut data = SessionData::default();
        let mut index = HashMap::new();
        for (key, value) in entries {
            data.put(&mut index, key, value);
        }
        data
    }

    /// The entries in order.
    pub fn entries(&self) -> &[(String, Json)] {
        &self.entries
    }

    /// The entries, taken out.
    pub fn into_entries(self) -> Vec<(String, Json)> {
        self.entries
    }

    /// One key's value.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether the object has no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The object's JSON text, written as `JSON.stringify` writes it (values as they are).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.utf16_len());
        self.write(&mut out);
        out
    }

    /// The length of [`to_json`](Self::to_json) in UTF-16 units, the size Daily's limit applies to.
    pub fn utf16_len(&self) -> usize {
        object_len(self.entries.iter().map(|(k, v)| (json_str_len(k), v.utf16_len())))
    }

    /// A shallow merge (`{...self, ...patch}`): `Some` sets a key (an existing one keeps its
    /// place), `None` deletes it. Nested objects are replaced, not merged.
    pub fn merged(&self, patch: &[(String, Option<Json>)]) -> SessionData {
        let mut index: HashMap<String, usize> =
            self.entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect();
        let mut slots: Vec<Option<(String, Json)>> = self.entries.iter().cloned().map(Some).collect();
        for (key, change) in patch {
            match (index.get(key).copied(), change) {
                (Some(i), Some(value)) => {
                    if let Some(Some(slot)) = slots.get_mut(i) {
                        slot.1 = value.clone();
                    } else if let Some(slot) = slots.get_mut(i) {
                        // Deleted earlier in this patch, set again: JS keeps the first place.
                        *slot = Some((key.clone(), value.clone()));
                    }
                }
                (Some(i), None) => {
                    if let Some(slot) = slots.get_mut(i) {
                        *slot = None;
                    }
                }
                (None, Some(value)) => {
                    index.insert(key.clone(), slots.len());
                    slots.push(Some((key.clone(), value.clone())));
                }
                (None, None) => {}
            }
        }
        SessionData { entries: slots.into_iter().flatten().collect() }
    }

    fn put(&mut self, index: &mut HashMap<String, usize>, key: String, value: Json) {
        match index.get(&key).and_then(|&i| self.entries.get_mut(i)) {
            Some(slot) => slot.1 = value,
            None => {
                index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }
}

impl Body for Json {
    fn write(&self, out: &mut String) {
        out.push_str(self.as_str());
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed> {
        reader.raw().map(|text| Json(text.into()))
    }
}

impl Body for SessionData {
    fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::new(out);
        for (key, value) in &self.entries {
            object.raw(key, value.as_str());
        }
        object.end();
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, Malformed> {
        let mut data = SessionData::default();
        let mut index = HashMap::new();
        reader.object(|r, key| {
            let value = Json::read(r)?;
            data.put(&mut index, key, value);
            Ok(())
        })?;
        Ok(data)
    }
}
