//! The operations of ordered room state, read from their JSON form and applied to a state: pure,
//! so the caller (before sending) and the orderer (before applying) run the same checks.

use super::value::{field, Json};

/// One change to a top-level key of the room's session data.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `{ op: 'set', key, value }`.
    Set {
        /// The key.
        key: String,
        /// Its new value.
        value: Json,
    },
    /// `{ op: 'delete', key }`.
    Delete {
        /// The key.
        key: String,
    },
    /// `{ op: 'increment', key, by }`: a missing key counts from 0.
    Increment {
        /// The key.
        key: String,
        /// What to add (1 when left out).
        by: f64,
    },
    /// `{ op: 'push', key, value, max }`: appends; past `max` items the oldest go.
    Push {
        /// The key.
        key: String,
        /// The item appended.
        value: Json,
        /// The most items the array keeps, if any.
        max: Option<usize>,
    },
    /// `{ op: 'remove', key, value }`: drops every array item deep-equal to `value`.
    Remove {
        /// The key.
        key: String,
        /// The item removed.
        value: Json,
    },
}

impl Op {
    /// The key the op changes.
    pub fn key(&self) -> &str {
        match self {
            Op::Set { key, .. }
            | Op::Delete { key }
            | Op::Increment { key, .. }
            | Op::Push { key, .. }
            | Op::Remove { key, .. } => key,
        }
    }
}

/// Why a batch was refused: the text of an `invalid-argument` error.
pub type Invalid = String;

/// `ops[at]` followed by `rest`, for a message (no `format!`: it would bring the formatting
/// machinery into the wasm).
pub fn at_op(at: usize, rest: &str) -> String {
    let mut digits = Vec::new();
    let mut n = at;
    loop {
        digits.push(char::from(b'0' + (n % 10) as u8));
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let index: String = digits.into_iter().rev().collect();
    ["ops[", &index, "]", rest].concat()
}

/// Reads one op; `at` is its index, for the message.
fn parse_op(op: &Json, at: usize) -> Result<Op, Invalid> {
    let Json::Obj(op) = op else {
        return Err(at_op(at, " must be an object"));
    };
    let key = match field(op, "key") {
        Some(Json::Str(key)) if key.starts_with('$') => {
            return Err(at_op(at, ".key: keys starting with $ are the library's"));
        }
        Some(Json::Str(key)) if !key.is_empty() => key.clone(),
        _ => return Err(at_op(at, ".key must be a non-empty string")),
    };
    let value = || field(op, "value").cloned().ok_or_else(|| at_op(at, " needs a value"));
    Ok(match field(op, "op") {
        Some(Json::Str(name)) if name == "set" => Op::Set { key, value: value()? },
        Some(Json::Str(name)) if name == "delete" => Op::Delete { key },
        Some(Json::Str(name)) if name == "increment" => {
            let by = match field(op, "by") {
                None => 1.0,
                Some(by) => by.as_f64().ok_or_else(|| at_op(at, ".by must be a number"))?,
            };
            Op::Increment { key, by }
        }
        Some(Json::Str(name)) if name == "push" => {
            let max = match field(op, "max") {
                None | Some(Json::Null) => None,
                Some(Json::Num(max)) if *max >= 1.0 && max.fract() == 0.0 => Some(*max as usize),
                Some(_) => return Err(at_op(at, ".max must be a whole number, at least 1")),
            };
            Op::Push { key, value: value()?, max }
        }
        Some(Json::Str(name)) if name == "remove" => Op::Remove { key, value: value()? },
        _ => return Err(at_op(at, ".op must be 'set', 'delete', 'increment', 'push' or 'remove'")),
    })
}

/// Reads a batch: an array of ops. The first bad op refuses the whole batch.
pub fn parse_batch(ops: &Json) -> Result<Vec<Op>, Invalid> {
    let Json::Arr(ops) = ops else {
        return Err("ops must be an array of operations".into());
    };
    ops.iter().enumerate().map(|(at, op)| parse_op(op, at)).collect()
}

/// Applies `op` to `current` (the key's value, `None` when missing): the key's new value, or why not.
pub fn apply_op(current: Option<Json>, op: &Op) -> Result<Option<Json>, &'static str> {
    Ok(match op {
        Op::Set { value, .. } => Some(value.clone()),
        Op::Delete { .. } => None,
        Op::Increment { by, .. } => {
            let now = match current {
                None => 0.0,
                Some(value) => value.as_f64().ok_or("increment needs a number there")?,
            };
            let sum = now + by;
            if !sum.is_finite() {
                return Err("the sum is not a finite number");
            }
            Some(Json::Num(sum))
        }
        Op::Push { value, max, .. } => {
            let mut items = match current {
                None => Vec::new(),
                Some(Json::Arr(items)) => items,
                Some(_) => return Err("push needs an array there"),
            };
            items.push(value.clone());
            if let Some(max) = *max {
                let over = items.len().saturating_sub(max);
                items.drain(..over);
            }
            Some(Json::Arr(items))
        }
        Op::Remove { value, .. } => match current {
            None => None,
            Some(Json::Arr(mut items)) => {
                items.retain(|item| item != value);
                Some(Json::Arr(items))
            }
            Some(_) => return Err("remove needs an array there"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn j(v: serde_json::Value) -> Json {
        Json::from(v)
    }

    /// Runs ops on one key's value.
    fn run(mut value: Option<Json>, ops: serde_json::Value) -> Result<Option<Json>, String> {
        for op in parse_batch(&j(ops))? {
            value = apply_op(value, &op).map_err(str::to_owned)?;
        }
        Ok(value)
    }

    #[test]
    fn each_op_does_what_it_says() {
        let k = |op: serde_json::Value| {
            let mut op = op;
            op["key"] = json!("k");
            op
        };
        assert_eq!(run(None, json!([k(json!({ "op": "increment" }))])), Ok(Some(Json::Num(1.0))));
        assert_eq!(
            run(Some(Json::Num(1.5)), json!([k(json!({ "op": "increment", "by": -3 }))])),
            Ok(Some(Json::Num(-1.5)))
        );
        assert_eq!(
            run(Some(Json::Num(1.0)), json!([k(json!({ "op": "set", "value": { "d": [1] } }))])),
            Ok(Some(j(json!({ "d": [1] }))))
        );
        assert_eq!(run(Some(Json::Num(1.0)), json!([k(json!({ "op": "delete" }))])), Ok(None));
        assert_eq!(run(None, json!([k(json!({ "op": "push", "value": "a" }))])), Ok(Some(j(json!(["a"])))));
        let list = Some(j(json!([1, { "x": [2], "y": 0 }, 1, 3])));
        assert_eq!(
            run(list.clone(), json!([k(json!({ "op": "remove", "value": 1 }))])),
            Ok(Some(j(json!([{ "x": [2], "y": 0 }, 3]))))
        );
        assert_eq!(
            run(list, json!([k(json!({ "op": "remove", "value": { "y": 0, "x": [2] } }))])),
            Ok(Some(j(json!([1, 1, 3]))))
        );
        assert_eq!(run(None, json!([k(json!({ "op": "remove", "value": 1 }))])), Ok(None));
    }

    #[test]
    fn push_past_max_drops_the_oldest() {
        let mut v = None;
        for i in 0..10 {
            v = run(v, json!([{ "op": "push", "key": "q", "value": i, "max": 4 }])).unwrap();
        }
        assert_eq!(v, Some(j(json!([6, 7, 8, 9]))));
    }

    #[test]
    fn ops_on_the_wrong_type_are_refused() {
        let text = Some(Json::Str("x".into()));
        for op in ["increment", "push", "remove"] {
            assert!(run(text.clone(), json!([{ "op": op, "key": "k", "value": 1 }])).is_err(), "{op}");
        }
        assert!(run(Some(Json::Num(1.7e308)), json!([{ "op": "increment", "key": "k", "by": 1.7e308 }])).is_err());
    }

    #[test]
    fn malformed_ops_are_refused_before_anything_runs() {
        for (ops, says) in [
            (json!({ "op": "set" }), "ops must be an array"),
            (json!([1]), "ops[0] must be an object"),
            (json!([{ "op": "set", "value": 1 }]), "ops[0].key must be a non-empty string"),
            (json!([{ "op": "set", "key": "", "value": 1 }]), "ops[0].key must be a non-empty string"),
            (json!([{ "op": "set", "key": "$ordered", "value": 1 }]), "keys starting with $"),
            (json!([{ "op": "set", "key": "a" }]), "ops[0] needs a value"),
            (json!([{ "op": "increment", "key": "a", "by": "1" }]), "ops[0].by must be a number"),
            (json!([{ "op": "push", "key": "a", "value": 1, "max": 0 }]), "ops[0].max must be a whole number"),
            (json!([{ "op": "push", "key": "a", "value": 1, "max": 1.5 }]), "ops[0].max must be a whole number"),
            (json!([{ "op": "remove", "key": "a" }]), "ops[0] needs a value"),
            (json!([{ "op": "set", "key": "a", "value": 1 }, { "op": "merge", "key": "a" }]), "ops[1].op must be"),
        ] {
            let why = parse_batch(&j(ops)).unwrap_err();
            assert!(why.contains(says), "{why:?} should say {says:?}");
        }
        assert_eq!(parse_batch(&j(json!([]))), Ok(vec![]));
        assert_eq!(parse_batch(&j(json!([{ "op": "set", "key": "a", "value": null }]))).map(|ops| ops.len()), Ok(1));
    }
}
