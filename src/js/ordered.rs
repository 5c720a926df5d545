//! The `daily-sync/channels` entry's ordered room state: the pure core of `src/ordered`, with JS
//! values converted to and from its own small JSON tree (no JSON text is parsed or printed in wasm).

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::convert::invalid;
use crate::ordered::core::{orderer, Orderer, Outcome, Step};
use crate::ordered::ops::parse_batch;
use crate::ordered::value::Json;

/// How deep a value may nest: a peer's deeper one is refused rather than risking the wasm stack.
const MAX_DEPTH: usize = 64;

/// A JSON-shaped JS value (as `JSON.parse` makes it) as a [`Json`]; `None` for anything else.
fn from_js(value: &JsValue, depth: usize) -> Option<Json> {
    if depth > MAX_DEPTH {
        return None;
    }
    if value.is_null() {
        return Some(Json::Null);
    }
    if let Some(b) = value.as_bool() {
        return Some(Json::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        return n.is_finite().then_some(Json::Num(n));
    }
    if let Some(s) = value.as_string() {
        return Some(Json::Str(s));
    }
    if Array::is_array(value) {
        let items: Array = value.clone().unchecked_into();
        return items.iter().map(|item| from_js(&item, depth + 1)).collect::<Option<Vec<_>>>().map(Json::Arr);
    }
    let object: &Object = value.dyn_ref()?;
    let mut entries = Vec::new();
    for entry in Object::entries(object).iter() {
        let entry: Array = entry.unchecked_into();
        entries.push((entry.get(0).as_string()?, from_js(&entry.get(1), depth + 1)?));
    }
    Some(Json::Obj(entries))
}

fn to_js(value: &Json) -> JsValue {
    match value {
        Json::Null => JsValue::NULL,
        Json::Bool(b) => (*b).into(),
        Json::Num(n) => (*n).into(),
        Json::Str(s) => s.into(),
        Json::Arr(items) => items.iter().map(to_js).collect::<Array>().into(),
        Json::Obj(entries) => object(entries.iter().map(|(k, v)| (k.as_str(), to_js(v)))),
    }
}

fn object<'a>(entries: impl IntoIterator<Item = (&'a str, JsValue)>) -> JsValue {
    let object = Object::new();
    for (key, value) in entries {
        let _ = Reflect::set(&object, &key.into(), &value);
    }
    object.into()
}

/// Checks a batch as the caller does before sending it: an `invalid-argument` error says which op
/// and why.
#[wasm_bindgen(js_name = orderedCheck)]
pub fn ordered_check(ops: JsValue) -> Result<(), JsValue> {
    let ops = from_js(&ops, 0).ok_or_else(|| invalid("ops must be plain JSON data"))?;
    parse_batch(&ops).map(drop).map_err(|why| invalid(why).into())
}

/// The orderer among `[[sessionId, joinedAtMs | null], ...]`, if any.
#[wasm_bindgen(js_name = orderedLeader)]
pub fn ordered_leader(list: JsValue) -> Option<String> {
    let Some(Json::Arr(list)) = from_js(&list, 0) else { return None };
    let pairs = list.iter().filter_map(|pair| match pair {
        Json::Arr(pair) => match (pair.first(), pair.get(1)) {
            (Some(Json::Str(id)), at) => Some((id.as_str(), at.and_then(Json::as_f64))),
            _ => None,
        },
        _ => None,
    });
    orderer(pairs).map(str::to_owned)
}

/// The strings of a JS array of session ids (anything else left out).
fn strings(list: &JsValue) -> Vec<String> {
    match from_js(list, 0) {
        Some(Json::Arr(items)) => items
            .into_iter()
            .filter_map(|item| match item {
                Json::Str(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The orderer's side of one DailySync.
#[wasm_bindgen(js_name = OrderedCore)]
#[derive(Debug, Default)]
pub struct JsOrderedCore {
    inner: Orderer,
}

#[wasm_bindgen(js_class = OrderedCore)]
impl JsOrderedCore {
    /// An orderer that has written nothing yet.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsOrderedCore {
        JsOrderedCore::default()
    }

    /// Applies caller `from`'s `batches` (`[[counter, ops], ...]`) to `room` (the session data as
    /// this participant has it); `present`: the session ids in the call. Answers `{ behind: true, v }`
    /// or `{ r: [outcome...], set: {...} | null, del: [keys], v }`, an outcome being `{ ok: values }`
    /// (`dup: true` for a retry applied before) or `{ kind, message }`. A malformed request (a
    /// peer's) is an `invalid-argument` error.
    pub fn apply(
        &mut self,
        room: JsValue,
        from: &str,
        batches: JsValue,
        seen: f64,
        present: JsValue,
    ) -> Result<JsValue, JsValue> {
        let malformed = || JsValue::from(invalid("a malformed ordered request"));
        let Some(Json::Arr(list)) = from_js(&batches, 0) else { return Err(malformed()) };
        let mut parsed = Vec::with_capacity(list.len());
        for batch in list {
            match batch {
                Json::Arr(pair) if pair.len() == 2 => match (&pair[0], &pair[1]) {
                    (Json::Num(n), ops) if *n >= 1.0 => parsed.push((*n, ops.clone())),
                    _ => return Err(malformed()),
                },
                _ => return Err(malformed()),
            }
        }
        let lookup = |key: &str| {
            Reflect::get(&room, &key.into()).ok().filter(|v| !v.is_undefined()).and_then(|v| from_js(&v, 0))
        };
        let seen = if seen.is_finite() && seen > 0.0 { seen as u64 } else { 0 };
        let num = |n: f64| JsValue::from(n);
        Ok(match self.inner.apply(&lookup, from, &parsed, seen, &strings(&present)) {
            Step::Behind { version } => object([("behind", JsValue::TRUE), ("v", num(version as f64))]),
            Step::Done { outcomes, changes, version } => {
                let r: Array = outcomes
                    .iter()
                    .map(|outcome| match outcome {
                        Outcome::Applied(values) => object([("ok", to_js(&Json::Obj(values.clone())))]),
                        Outcome::Done(values) => {
                            object([("ok", to_js(&Json::Obj(values.clone()))), ("dup", JsValue::TRUE)])
                        }
                        Outcome::Invalid(why) => object([
                            ("kind", "invalid-argument".into()),
                            ("message", ["invalid argument: ", why].concat().into()),
                        ]),
                    })
                    .collect();
                let set: Vec<(&str, JsValue)> =
                    changes.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.as_str(), to_js(v)))).collect();
                let del: Array = changes.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| JsValue::from(k)).collect();
                let set = if changes.is_empty() { JsValue::NULL } else { object(set) };
                object([("r", r.into()), ("set", set), ("del", del.into()), ("v", num(version as f64))])
            }
        })
    }

    /// The write the last `apply` asked for was made.
    pub fn commit(&mut self) {
        self.inner.commit();
    }

    /// The write the last `apply` asked for failed.
    pub fn discard(&mut self) {
        self.inner.discard();
    }

    /// This participant no longer orders.
    pub fn reset(&mut self) {
        self.inner.reset();
    }
}
