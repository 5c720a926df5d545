//! Wire texts: templates of every kind, and their mutations.

use std::fmt::Debug;

use daily_sync::local::protocol::MAX_ID_LEN;
use proptest::prelude::*;
use serde_json::{json, Value};

// ------------------------------------------------------------------------------------------------
// Wire texts: templates of every kind, and their mutations

pub const ROOM: &str = "fuzz-room";
pub const ME: &str = "me-0001";
/// Ids a peer may claim, odd ones included (the node's own, `local`, `*`, empty, too long).
pub fn fake_id() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(vec!["p1", "p2", "p3", "p4", "server"]).prop_map(String::from),
        2 => "[a-z0-9-]{1,12}",
        1 => prop::sample::select(vec!["", "local", "*", ME, "__proto__", "constructor"]).prop_map(String::from),
        1 => Just("i".repeat(MAX_ID_LEN)),
        1 => Just("i".repeat(MAX_ID_LEN + 1)),
        1 => any::<String>(),
    ]
    .boxed()
}

/// The same, without the node's own id and the honest ids of the two-node room.
pub fn garbage_id() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(vec!["p1", "p2", "p3", "p4", "server"]).prop_map(String::from),
        2 => "[a-z0-9-]{1,12}",
        1 => prop::sample::select(vec!["", "local", "*", "__proto__"]).prop_map(String::from),
        1 => Just("i".repeat(MAX_ID_LEN + 1)),
    ]
    .boxed()
}

/// A valid message of each kind, from `from`, as a JSON tree.
pub fn templates(from: &str, joined_at: u64, rev: u64, to_me: bool) -> Vec<Value> {
    let info = json!({"user_name": "Zed", "user_id": "user-z", "owner": false, "joined_at": joined_at,
        "userData": {"hand": true, "n": rev}, "rev": rev});
    let head = |kind: &str| {
        let mut message = json!({"v": 1, "room": ROOM, "from": from, "type": kind});
        if to_me {
            message["to"] = json!([ME, "p9"]);
        }
        message
    };
    let with = |kind: &str, body: Value| {
        let mut message = head(kind);
        message["body"] = body;
        message
    };
    vec![
        with("hello", json!({"participant": info})),
        with("presence", json!({"participant": info})),
        with(
            "presence",
            json!({"participant": info, "session": {"version": rev, "data": {"topic": "intro", "n": rev}}}),
        ),
        head("leave"),
        with("app", json!({"emoji": "🎉", "n": rev})),
        with("app", json!("a string")),
        with(
            "session-update",
            json!({"seq": rev, "strategy": "shallow-merge", "data": {"k": rev}, "deleted": ["gone"]}),
        ),
        with("session-update", json!({"seq": rev, "strategy": "replace", "data": {"r": [1, 2, {"x": null}]}})),
        with("nonfatal-error", json!({"type": "meeting-session-data-error", "error_msg": "too large"})),
        with("shiny-new-kind", json!({"x": 1})),
    ]
}

/// What a field can be replaced with.
#[derive(Debug, Clone)]
pub enum Replacement {
    Json(Value),
    /// A number token JSON allows but no field type holds (placed as raw text).
    Raw(&'static str),
    LongString(usize),
    Deep {
        depth: usize,
        objects: bool,
    },
    Remove,
}

fn replacement() -> BoxedStrategy<Replacement> {
    prop_oneof![
        3 => prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::from),
            fake_id().prop_map(Value::String),
            Just(json!([])),
            Just(json!({})),
            Just(json!([1, "a", null])),
            Just(json!({"__proto__": {"polluted": 1}, "constructor": {"prototype": 1}})),
            Just(json!(ME)),
            Just(json!("replace")),
            Just(json!("shallow-merge")),
        ]
        .prop_map(Replacement::Json),
        2 => prop::sample::select(vec![
            "18446744073709551616", "18446744073709551615", "-1", "1.5", "-0", "1e400", "-1e400", "1e-400",
            "9007199254740993", "4294967296", "0.0", "1E2",
        ])
        .prop_map(Replacement::Raw),
        1 => prop::sample::select(vec![0usize, 1000, 1025, 4097, 70_000, 110_000]).prop_map(Replacement::LongString),
        1 => (1usize..400, any::<bool>()).prop_map(|(depth, objects)| Replacement::Deep { depth, objects }),
        2 => Just(Replacement::Remove),
    ]
    .boxed()
}

/// Keys that may be added to any object.
const KEYS: &[&str] = &[
    "v",
    "room",
    "from",
    "to",
    "type",
    "body",
    "participant",
    "session",
    "userData",
    "rev",
    "joined_at",
    "seq",
    "strategy",
    "data",
    "deleted",
    "version",
    "user_name",
    "user_id",
    "owner",
    "error_msg",
    "__proto__",
    "constructor",
    "extra",
];

/// Tokens spliced into a text.
pub const TOKENS: &[&str] = &[
    ",",
    "}",
    "{",
    "]",
    "[",
    "\"",
    "\\",
    ":",
    ",\"v\":1",
    ",\"type\":\"leave\"",
    ",\"from\":\"p9\"",
    ",\"to\":[]",
    ",\"body\":null",
    "\\u0000",
    "\"\\ud800\"",
    "1e999",
    "null",
    "\u{0}",
    "\u{feff}",
    "😀",
    " ",
    "\n",
];

#[derive(Debug, Clone)]
pub enum Mutation {
    /// Replace (or remove) the field at the `at`-th path of the tree.
    Replace {
        at: usize,
        with: Replacement,
    },
    /// Add a key to the `at`-th object.
    AddKey {
        at: usize,
        key: usize,
        with: Replacement,
    },
    Truncate(usize),
    Insert {
        at: usize,
        token: usize,
    },
    Delete {
        at: usize,
        len: usize,
    },
    Duplicate {
        at: usize,
        len: usize,
    },
}

pub fn mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        4 => (any::<usize>(), replacement()).prop_map(|(at, with)| Mutation::Replace { at, with }),
        1 => (any::<usize>(), any::<usize>(), replacement()).prop_map(|(at, key, with)| Mutation::AddKey { at, key, with }),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        1 => (any::<usize>(), 1usize..20).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
    ]
    .boxed()
}

/// Placeholders for raw tokens, swapped in after serializing.
const RAW_MARK: &str = "\u{1}raw:";

fn placeholder(replacement: &Replacement) -> Value {
    match replacement {
        Replacement::Json(value) => value.clone(),
        Replacement::Raw(token) => Value::String(format!("{RAW_MARK}{token}\u{1}")),
        Replacement::LongString(len) => Value::String("é".repeat(*len)),
        Replacement::Deep { depth, objects } => Value::String(
            format!("{RAW_MARK}{}\u{1}", if *objects { "deepobj" } else { "deeparr" }) + &depth.to_string(),
        ),
        Replacement::Remove => Value::Null,
    }
}

/// Every path in the tree (keys and indexes), root excluded.
fn paths(value: &Value, prefix: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                prefix.push(PathStep::Key(key.clone()));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(PathStep::Index(i));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

fn at_path<'v>(value: &'v mut Value, path: &[PathStep]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |value, step| match step {
        PathStep::Key(key) => value.get_mut(key.as_str()),
        PathStep::Index(i) => value.get_mut(*i),
    })
}

pub fn char_index(text: &str, at: usize) -> usize {
    let count = text.chars().count();
    let n = at % (count + 1);
    text.char_indices().nth(n).map_or(text.len(), |(i, _)| i)
}

/// Applies the mutations: tree ones first, then text ones, in order.
fn mutate(mut tree: Value, mutations: &[Mutation]) -> String {
    for m in mutations {
        match m {
            Mutation::Replace { at, with } => {
                let mut all = Vec::new();
                paths(&tree, &mut Vec::new(), &mut all);
                if all.is_empty() {
                    continue;
                }
                let path = &all[at % all.len()];
                let (last, parent) = path.split_last().expect("paths are never empty");
                let Some(parent) = at_path(&mut tree, parent) else { continue };
                match (with, last, parent) {
                    (Replacement::Remove, PathStep::Key(key), Value::Object(map)) => {
                        map.remove(key);
                    }
                    (Replacement::Remove, PathStep::Index(i), Value::Array(items)) if *i < items.len() => {
                        items.remove(*i);
                    }
                    (with, PathStep::Key(key), Value::Object(map)) => {
                        map.insert(key.clone(), placeholder(with));
                    }
                    (with, PathStep::Index(i), Value::Array(items)) if *i < items.len() => {
                        items[*i] = placeholder(with);
                    }
                    _ => {}
                }
            }
            Mutation::AddKey { at, key, with } => {
                let mut all = vec![Vec::new()];
                paths(&tree, &mut Vec::new(), &mut all);
                let objects: Vec<_> = all
                    .into_iter()
                    .filter(|p| matches!(at_path(&mut tree.clone(), p).as_deref(), Some(Value::Object(_))))
                    .collect();
                if let Some(path) = objects.get(at % objects.len().max(1)) {
                    if let Some(Value::Object(map)) = at_path(&mut tree, path) {
                        map.insert(KEYS[key % KEYS.len()].to_owned(), placeholder(with));
                    }
                }
            }
            _ => {}
        }
    }
    let mut text = serde_json::to_string(&tree).expect("a tree serializes");
    // Swap the placeholders for their raw text.
    while let Some(start) = text.find("\"\\u0001raw:") {
        let Some(len) = text[start + 11..].find("\\u0001\"") else { break };
        let token = text[start + 11..start + 11 + len].to_owned();
        let raw = if let Some(depth) = token.strip_prefix("deeparr") {
            let depth: usize = depth.parse().unwrap_or(1);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth))
        } else if let Some(depth) = token.strip_prefix("deepobj") {
            let depth: usize = depth.parse().unwrap_or(1);
            format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
        } else {
            token
        };
        text.replace_range(start..start + 11 + len + 7, &raw);
    }
    apply_text_mutations(text, mutations)
}

/// The text mutations of `mutations` (the tree ones are skipped).
pub fn apply_text_mutations(text: String, mutations: &[Mutation]) -> String {
    let mut out = text;
    for m in mutations {
        match m {
            Mutation::Truncate(at) => {
                let i = char_index(&out, *at);
                out.truncate(i);
            }
            Mutation::Insert { at, token } => {
                let i = char_index(&out, *at);
                out.insert_str(i, TOKENS[token % TOKENS.len()]);
            }
            Mutation::Delete { at, len } => {
                let i = char_index(&out, *at);
                let end = out[i..].char_indices().nth(*len).map_or(out.len(), |(j, _)| i + j);
                out.replace_range(i..end, "");
            }
            Mutation::Duplicate { at, len } => {
                let i = char_index(&out, *at);
                let end = out[i..].char_indices().nth(*len).map_or(out.len(), |(j, _)| i + j);
                let copy = out[i..end].to_owned();
                out.insert_str(end, &copy);
            }
            _ => {}
        }
    }
    out
}

/// A wire text: a template mutated or not, or arbitrary text.
pub fn wire_text(id: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let template = (id, 0u64..5000, prop_oneof![Just(0u64), 1u64..5, Just(u64::MAX)], any::<bool>(), any::<usize>())
        .prop_map(|(from, joined_at, rev, to_me, pick)| {
            let all = templates(&from, joined_at, rev, to_me);
            all[pick % all.len()].clone()
        });
    prop_oneof![
        6 => (template.clone(), prop::collection::vec(mutation(), 1..4)).prop_map(|(tree, ms)| mutate(tree, &ms)),
        3 => template.prop_map(|tree| serde_json::to_string(&tree).expect("a tree serializes")),
        1 => any::<String>(),
        1 => "[\\[\\]{}\":,0-9a-z\\\\ ]{0,60}",
    ]
    .boxed()
}
