//! Fuzzing of `rest::read_answer` (Daily's REST answer, status and body). The runner and the
//! JSON-ish texts: `tests/fuzz/`.

#![cfg(all(not(target_arch = "wasm32"), feature = "local-room", feature = "rest"))]

mod fuzz;

use daily_sync::payload::Error;
use daily_sync::rest::read_answer;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};

use fuzz::json::json_text;
use fuzz::{fail, fuzz, fuzz_tests};

// ------------------------------------------------------------------------------------------------
// Daily's REST answer

fn answer_body() -> BoxedStrategy<String> {
    let field = prop_oneof![
        any::<String>().prop_map(Value::String),
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        Just(json!({"nested": ["x"]})),
        (200usize..1000).prop_map(|n| Value::String("é".repeat(n))),
    ];
    prop_oneof![
        2 => (prop::option::of(field.clone()), prop::option::of(field)).prop_map(|(error, info)| {
            let mut body = serde_json::Map::new();
            if let Some(error) = error { body.insert("error".into(), error); }
            if let Some(info) = info { body.insert("info".into(), info); }
            Value::Object(body).to_string()
        }),
        1 => any::<String>(),
        1 => (0usize..2000).prop_map(|n| "<html>😀".repeat(n)),
        1 => json_text(),
    ]
    .boxed()
}

fn check_answer((status, body): (u16, String)) -> Result<(), TestCaseError> {
    match read_answer(status, &body) {
        Ok(()) => prop_assert!((200..300).contains(&status), "status {} taken as success", status),
        Err(Error::Http { status: s, error, info }) => {
            prop_assert!(!(200..300).contains(&status), "status {} refused", status);
            prop_assert_eq!(s, status);
            let text_or_null = |v: Option<&Value>| v.is_none_or(|v| v.is_string() || v.is_null());
            match serde_json::from_str::<Value>(&body) {
                // Daily's shape: the error and its explanation, strings.
                Ok(Value::Object(map))
                    if map.get("error").is_some_and(Value::is_string) && text_or_null(map.get("info")) =>
                {
                    prop_assert_eq!(map.get("error").and_then(Value::as_str), Some(error.as_str()));
                }
                Err(_) => {
                    prop_assert_eq!(info, body.chars().take(200).collect::<String>());
                }
                _ => {}
            }
        }
        Err(other) => return Err(fail(format!("not an http error: {other:?}"))),
    }
    Ok(())
}

fuzz_tests!(rest_answers_are_read_whatever_they_hold, long_rest_answers_are_read_whatever_they_hold, |run| {
    fuzz("rest::read_answer", run.cases(1000, 150_000), (any::<u16>(), answer_body()), check_answer);
});
