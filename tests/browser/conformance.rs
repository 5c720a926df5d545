//! The conformance tables (conformance/*.json) on the Rust API: for each bad input and each
//! daily-js error text, the error the JS API gives (tests/page/conformance.test.mjs runs the same
//! tables there). The tables are compiled in: tests are not part of the crate's package.

use daily_sync::{DailySync, Error, Recipient, SyncOptions};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

use super::FakeCall;

const BAD_INPUTS: &str = include_str!("../../conformance/bad-inputs.json");
const ERRORS: &str = include_str!("../../conformance/errors.json");

#[wasm_bindgen(inline_js = "export function throwing_call(type, text) {
  const make = () => (type === 'string' ? text : type === 'number' ? 42 : new globalThis[type](text));
  const fail = () => { throw make(); };
  return {
    on() {}, off() {}, participants: () => ({}), meetingState: () => 'joined-meeting',
    sendAppMessage: fail, setUserData: fail, setMeetingSessionData: fail,
  };
}")]
extern "C" {
    /// A call object whose sends throw `text`, as an `Error` (or the constructor `type` names),
    /// or a bare string or number.
    fn throwing_call(kind: &str, text: &str) -> JsValue;
}

fn table(text: &str, name: &str) -> Vec<Value> {
    let parsed: Value = serde_json::from_str(text).expect("a conformance table is JSON");
    parsed[name].as_array().cloned().expect("the table's entries")
}

/// Checks `got` against an entry's `kind` (null: accepted), `message` or `prefix`, `size`, `limit`.
fn check(entry: &Value, got: Result<(), Error>) {
    let Some(kind) = entry["kind"].as_str() else {
        assert!(got.is_ok(), "{entry}: accepted by the JS API, refused here with {got:?}");
        return;
    };
    let error = got.expect_err(&format!("{entry}: refused by the JS API, accepted here"));
    assert_eq!(error.kind(), kind, "{entry}: {}", error.message());
    if let Some(message) = entry["message"].as_str() {
        assert_eq!(error.message(), message, "{entry}");
    }
    if let Some(prefix) = entry["prefix"].as_str() {
        assert!(error.message().starts_with(prefix), "{entry}: {}", error.message());
    }
    if let Error::PayloadTooLarge { size, limit } = error {
        assert_eq!(
            (Some(size as u64), Some(limit as u64)),
            (entry["size"].as_u64(), entry["limit"].as_u64()),
            "{entry}"
        );
    }
}

/// The entry's value: its `data`, or a string or `{"k": string}` of that many characters of JSON.
fn value_of(entry: &Value) -> Value {
    if let Some(n) = entry["string"].as_u64() {
        return Value::String("x".repeat(n as usize - 2));
    }
    if let Some(n) = entry["object"].as_u64() {
        return json!({ "k": "x".repeat(n as usize - 8) });
    }
    entry["data"].clone()
}

/// Each entry on a fresh DailySync with `queueUntilJoined` over an unjoined call: every check is
/// made at once and nothing of one entry stays for the next (the JS side does the same).
fn queued_sync() -> DailySync {
    let options = SyncOptions { queue_until_joined: true, ..Default::default() };
    DailySync::with_options(FakeCall::new().into(), &options).expect("a call object")
}

#[wasm_bindgen_test]
fn bad_recipients_are_refused_as_the_js_api_refuses_them() {
    let entries = table(BAD_INPUTS, "recipients");
    let mut run = 0;
    for entry in entries.iter().filter(|entry| entry.get("rust").is_none()) {
        let to = match &entry["to"] {
            Value::String(id) => Recipient::from(id.as_str()),
            Value::Array(ids) => Recipient::Many(ids.iter().map(|id| id.as_str().expect("ids").to_owned()).collect()),
            other => panic!("{other} has no Rust form: mark it \"rust\""),
        };
        check(entry, queued_sync().send_app_message(&json!({ "n": 1 }), to));
        run += 1;
    }
    assert!(run >= 7, "the table's recipients ran ({run})");
}

#[wasm_bindgen_test]
async fn bad_payloads_are_refused_as_the_js_api_refuses_them() {
    let entries = table(BAD_INPUTS, "payloads");
    let mut run = 0;
    for entry in entries.iter().filter(|entry| entry.get("rust").is_none()) {
        let (sync, value) = (queued_sync(), value_of(entry));
        let got = match entry["method"].as_str() {
            Some("sendAppMessage") => sync.send_app_message(&value, Recipient::All),
            Some("setUserData") => sync.set_user_data(&value).await,
            Some("setSessionData") => sync.session_data::<Value>().and_then(|session| session.set(&value)),
            Some("mergeSessionData") => sync.session_data::<Value>().and_then(|session| session.merge(&value)),
            other => panic!("no method {other:?}"),
        };
        check(entry, got);
        run += 1;
    }
    assert!(run >= 12, "the table's payloads ran ({run})");
}

#[wasm_bindgen_test]
fn daily_js_errors_are_read_as_the_js_api_reads_them() {
    let entries = table(ERRORS, "errors");
    for entry in &entries {
        let text = entry["text"].as_str().expect("a text");
        let call = throwing_call(entry["type"].as_str().unwrap_or("Error"), text);
        let sync = DailySync::new(call).expect("a call object");
        check(entry, sync.send_app_message(&json!({ "n": 1 }), Recipient::All));
    }
    assert!(entries.len() >= 14, "the table ran ({})", entries.len());
}

#[wasm_bindgen_test]
fn sends_and_session_writes_share_the_join_queue() {
    let call = FakeCall::new();
    let sync =
        DailySync::with_options(call.clone().into(), &SyncOptions { queue_until_joined: true, ..Default::default() })
            .expect("a call object");
    let session = sync.session_data::<Value>().unwrap();
    for n in 0..daily_sync::MAX_HELD / 2 {
        sync.send_app_message(&n, Recipient::All).unwrap();
        session.merge(&json!({ "n": n })).unwrap();
    }
    let full = |got: Result<(), Error>| {
        let error = got.expect_err("the queue is full");
        assert_eq!(
            error.message(),
            "not joined: 1000 sends already wait for the join; wait for it before sending more"
        );
    };
    full(sync.send_app_message(&"one more", Recipient::All));
    full(session.merge(&json!({ "one": "more" })));
    call.join();
    assert_eq!(call.sent_count() as usize, daily_sync::MAX_HELD / 2, "the held messages went out on join");
    sync.send_app_message(&"after", Recipient::All).unwrap();
}

/// The value of a JavaScript expression.
fn eval(expression: &str) -> JsValue {
    js_sys::Function::new_no_args(&["return (", expression, ");"].concat())
        .call0(&JsValue::NULL)
        .expect("an expression")
}

#[wasm_bindgen_test]
fn what_is_not_a_call_object_is_refused_as_the_js_api_refuses_it() {
    let entries = table(BAD_INPUTS, "calls");
    for entry in &entries {
        check(entry, DailySync::new(eval(entry["js"].as_str().expect("js"))).map(drop));
    }
    // A call object missing any one method of the shared list.
    let constants: Value = serde_json::from_str(include_str!("../../conformance/constants.json")).unwrap();
    let methods = constants["callObjectMethods"].as_array().expect("the methods");
    for missing in methods.iter().filter_map(Value::as_str) {
        let call = js_sys::Object::new();
        for method in methods.iter().filter_map(Value::as_str).filter(|method| *method != missing) {
            js_sys::Reflect::set(&call, &method.into(), &js_sys::Function::new_no_args("")).unwrap();
        }
        let entry = json!({ "kind": "not-call-object", "message": format!(
            "not a call object: it has no {missing}() method; pass a call object from Daily.createCallObject() or a local one"
        ) });
        check(&entry, DailySync::new(call.into()).map(drop));
    }
}

#[wasm_bindgen_test]
fn session_data_intervals_are_checked_as_the_js_api_checks_them() {
    for entry in table(BAD_INPUTS, "intervals").iter().filter(|entry| entry.get("rust").is_none()) {
        let options = SyncOptions { session_data_interval_ms: entry["ms"].as_u64().expect("ms"), ..Default::default() };
        check(entry, DailySync::with_options(FakeCall::new().into(), &options).map(drop));
    }
}
