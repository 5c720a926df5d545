//! The JSON values ordered state works on: a small tree of its own rather than `serde_json`'s
//! (whose parser, float formatting and maps would more than double the channels entry's wasm).
//! Values reach it as JS values (src/js/ordered.rs), so no text is parsed or printed here.

/// A JSON value as `JSON.parse` makes it. Objects keep their keys in order; equality is deep and
/// ignores the order of an object's keys.
#[derive(Debug, Clone)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (finite: JSON has no other).
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object, its entries in order.
    Obj(Vec<(String, Json)>),
}

impl PartialEq for Json {
    fn eq(&self, other: &Json) -> bool {
        match (self, other) {
            (Json::Null, Json::Null) => true,
            (Json::Bool(a), Json::Bool(b)) => a == b,
            (Json::Num(a), Json::Num(b)) => a == b,
            (Json::Str(a), Json::Str(b)) => a == b,
            (Json::Arr(a), Json::Arr(b)) => a == b,
            (Json::Obj(a), Json::Obj(b)) => a.len() == b.len() && a.iter().all(|(k, v)| field(b, k) == Some(v)),
            _ => false,
        }
    }
}

/// The value of `key` among an object's entries.
pub fn field<'a>(entries: &'a [(String, Json)], key: &str) -> Option<&'a Json> {
    entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

impl Json {
    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// The value of `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(entries) => field(entries, key),
            _ => None,
        }
    }
}

#[cfg(any(test, rust_api))]
impl From<serde_json::Value> for Json {
    fn from(v: serde_json::Value) -> Json {
        use serde_json::Value;
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Number(n) => Json::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => Json::Str(s),
            Value::Array(items) => Json::Arr(items.into_iter().map(Json::from).collect()),
            Value::Object(map) => Json::Obj(map.into_iter().map(|(k, v)| (k, Json::from(v))).collect()),
        }
    }
}

/// The Rust API's side: a value back in `serde_json`'s form (a non-finite number, which JSON
/// cannot hold, as null).
#[cfg(rust_api)]
impl From<&Json> for serde_json::Value {
    fn from(v: &Json) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Num(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, |n| {
                // Whole numbers stay integers, as JSON.parse gives them back.
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => Value::from(f as i64),
                    _ => Value::Number(n),
                }
            }),
            Json::Str(s) => Value::String(s.clone()),
            Json::Arr(items) => Value::Array(items.iter().map(Value::from).collect()),
            Json::Obj(entries) => Value::Object(entries.iter().map(|(k, v)| (k.clone(), Value::from(v))).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equality_is_deep_and_ignores_key_order() {
        let a = Json::from(json!({ "a": 1, "b": [1, { "x": null, "y": "z" }] }));
        let b = Json::from(json!({ "b": [1, { "y": "z", "x": null }], "a": 1 }));
        assert_eq!(a, b);
        assert_ne!(a, Json::from(json!({ "a": 1, "b": [1, { "y": "z" }] })));
        assert_ne!(Json::from(json!([1, 2])), Json::from(json!([2, 1])));
        assert_ne!(Json::from(json!({ "a": null })), Json::from(json!({ "b": null })));
    }
}
