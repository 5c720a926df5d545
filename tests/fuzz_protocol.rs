//! Fuzzing of `local::protocol`: `parse_header` (what the relay reads), `SessionData::parse` and
//! `Json::parse`. The runner and the texts: `tests/fuzz/`.

#![cfg(all(not(target_arch = "wasm32"), feature = "local-room", feature = "rest"))]

mod fuzz;

use std::collections::HashSet;

use daily_sync::local::protocol::{parse_header, Json, SessionData, MAX_WIRE_LEN};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

use fuzz::json::json_text;
use fuzz::{fail, fuzz, fuzz_tests};

// ------------------------------------------------------------------------------------------------
// parse_header, Json::parse, SessionData::parse

/// Why serde_json's `Value` may refuse a text `Json` takes: nesting past its recursion limit, or
/// an escape `JSON.parse` accepts (a lone surrogate).
fn value_may_refuse(text: &str, error: &serde_json::Error) -> bool {
    let message = error.to_string();
    let lone_surrogate =
        text.to_ascii_lowercase().contains("\\ud") && (message.contains("surrogate") || message.contains("hex escape"));
    message.contains("recursion limit") || message.contains("number out of range") || lone_surrogate
}

fn check_json_parse(text: String) -> Result<(), TestCaseError> {
    let json = Json::parse(&text);
    let value = serde_json::from_str::<Value>(&text);
    match (&json, &value) {
        (Err(_), Ok(_)) => return Err(fail(format!("Value takes what Json refuses: {text:.200}"))),
        (Ok(_), Err(e)) if !value_may_refuse(&text, e) => {
            return Err(fail(format!("Json takes what Value refuses ({e}): {text:.200}")))
        }
        _ => {}
    }
    if let Ok(json) = json {
        let trimmed = text.trim_matches([' ', '\t', '\n', '\r']);
        prop_assert_eq!(json.as_str(), trimmed, "the text is not kept as written");
        prop_assert_eq!(json.utf16_len(), trimmed.encode_utf16().count());
        prop_assert!(json.user_data_len() <= json.utf16_len());
        if let Ok(value) = &value {
            prop_assert_eq!(json.is_object(), value.is_object());
            if let Value::String(s) = value {
                prop_assert_eq!(json.user_data_len(), s.encode_utf16().count());
            }
        }
    }
    Ok(())
}

fn check_session_parse(text: String) -> Result<(), TestCaseError> {
    let parsed = SessionData::parse(&text);
    let value = serde_json::from_str::<Value>(&text);
    match (&parsed, &value) {
        (Err(_), Ok(Value::Object(_))) => return Err(fail(format!("SessionData refuses an object: {text:.200}"))),
        (Ok(_), Ok(v)) if !v.is_object() => return Err(fail(format!("SessionData takes a non-object: {text:.200}"))),
        (Ok(_), Err(e)) if !value_may_refuse(&text, e) => {
            return Err(fail(format!("SessionData takes what Value refuses ({e}): {text:.200}")))
        }
        _ => {}
    }
    let Ok(data) = parsed else { return Ok(()) };
    let again = data.to_json();
    prop_assert_eq!(data.utf16_len(), again.encode_utf16().count(), "utf16_len is not the text's length");
    prop_assert_eq!(SessionData::parse(&again).map_err(|e| fail(e.to_string()))?, data.clone(), "no round trip");
    let keys: HashSet<&str> = data.entries().iter().map(|(k, _)| k.as_str()).collect();
    prop_assert_eq!(keys.len(), data.entries().len(), "a key twice");
    if let Ok(Value::Object(map)) = value {
        // JSON.parse's rule: the last value of a duplicate key wins.
        prop_assert_eq!(map.len(), data.entries().len());
        for (key, json) in data.entries() {
            let mine: Value = serde_json::from_str(json.as_str()).map_err(|e| fail(e.to_string()))?;
            prop_assert_eq!(Some(&mine), map.get(key), "key {:?}", key);
        }
    }
    Ok(())
}

fn check_header(text: String) -> Result<(), TestCaseError> {
    let Some(header) = parse_header(&text) else { return Ok(()) };
    prop_assert!(text.len() <= MAX_WIRE_LEN);
    prop_assert_eq!(header.v, 1);
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&text) {
        prop_assert_eq!(map.get("room").and_then(Value::as_str), Some(header.room.as_str()));
        prop_assert_eq!(map.get("from").and_then(Value::as_str), Some(header.from.as_str()));
        let to = map.get("to").filter(|to| !to.is_null()).map(|to| serde_json::from_value::<Vec<String>>(to.clone()));
        prop_assert_eq!(to.map(|to| to.ok()), header.to.clone().map(Some));
    }
    Ok(())
}

fuzz_tests!(protocol_parsers_survive_anything, long_protocol_parsers_survive_anything, |run| {
    fuzz("parse_header", run.cases(300, 150_000), json_text(), check_header);
    fuzz("Json::parse", run.cases(300, 150_000), json_text(), check_json_parse);
    fuzz("SessionData::parse", run.cases(300, 150_000), json_text(), check_session_parse);
});

/// Texts past the wire limit are refused unread; deep ones are carried, never walked.
#[test]
fn protocol_parsers_take_huge_and_deep_texts() {
    let huge = format!(r#"{{"v":1,"room":"r","from":"s","type":"app","body":"{}"}}"#, "x".repeat(MAX_WIRE_LEN));
    assert!(parse_header(&huge).is_none());
    let deep = format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
    assert_eq!(Json::parse(&deep).map(|j| j.utf16_len()).ok(), Some(2_000_000));
    let deep_value = format!(r#"{{"k":{deep}}}"#);
    assert_eq!(SessionData::parse(&deep_value).map(|d| d.entries().len()).ok(), Some(1));
    let unbalanced = format!(r#"{{"v":1,"room":"r","from":"s","type":"app","body":{}}}"#, &deep[..200_000]);
    assert!(parse_header(&unbalanced).is_none());
    let balanced = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_body = format!(r#"{{"v":1,"room":"r","from":"s","type":"app","body":{balanced}}}"#);
    assert!(parse_header(&deep_body).is_some());
}
