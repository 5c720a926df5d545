//! App messages over the fake call object: daily-js's errors, typed decoding that goes on past
//! garbage, senders' ids, and one listener shared by every stream.
use super::*;

#[wasm_bindgen_test]
fn anything_but_a_call_object_is_refused() {
    for value in [JsValue::NULL, JsValue::from(3), js_sys::Object::new().into()] {
        assert_eq!(DailySync::new(value).unwrap_err().kind(), "not-call-object");
    }
}

#[wasm_bindgen_test]
fn sending_maps_daily_errors_and_sends_maps_as_plain_objects() {
    let (call, sync) = fake_sync(false);
    let reaction = Reaction { emoji: "🎉".into() };
    assert!(matches!(sync.send_app_message(&reaction, Recipient::All), Err(Error::NotJoined(_))));
    call.join();
    let mut map = BTreeMap::new();
    map.insert("k", 1);
    sync.send_app_message(&map, "abc").unwrap();
    assert_eq!(json(&call.last_sent()), r#"{"data":{"k":1},"to":"abc"}"#, "a Rust map arrives as a plain object");
    sync.send_app_message(&reaction, Recipient::many(["a", "b"]).unwrap()).unwrap();
    assert_eq!(json(&call.last_sent()), r#"{"data":{"emoji":"🎉"},"to":["a","b"]}"#);
    let big = "x".repeat(5000);
    match sync.send_app_message(&big, Recipient::All) {
        Err(Error::PayloadTooLarge { size, limit }) => assert_eq!((size, limit), (5002, 4096)),
        other => panic!("expected payload-too-large, got {other:?}"),
    }
    assert_eq!(sync.send_app_message(&1, Recipient::Many(vec![])).unwrap_err().kind(), "invalid-recipient");
    assert_eq!(call.sent_count(), 2, "refused sends reach nothing");
}

#[wasm_bindgen_test]
async fn app_messages_decode_report_garbage_and_go_on() {
    let (call, sync) = fake_sync(false);
    let mut reactions = sync.app_messages::<Reaction>().unwrap();
    call.emit("app-message", &JsValue::from(42));
    call.emit("app-message", &app_message(JsValue::from("not a reaction"), "p1"));
    let good = js_sys::JSON::parse(r#"{"emoji":"👍"}"#).unwrap();
    call.emit("app-message", &app_message(good, "p2"));
    // The non-object event is skipped (as the JS API skips it): the first item is the next one.
    assert!(reactions.next().await.unwrap().is_err(), "data of the wrong type is an error item");
    let message = reactions.next().await.unwrap().unwrap();
    assert_eq!((message.data.emoji.as_str(), message.from_id.as_str()), ("👍", "p2"));
}

#[wasm_bindgen_test]
async fn each_message_has_its_own_senders_id_however_senders_interleave() {
    let (call, sync) = fake_sync(false);
    let mut reactions = sync.app_messages::<Reaction>().unwrap();
    // More senders than the stream keeps decoded, in an order that reuses and evicts them.
    let order = [0, 1, 0, 2, 3, 4, 5, 1, 5, 0, 6, 6, 2];
    for &sender in &order {
        let data = js_sys::JSON::parse(&format!(r#"{{"emoji":"{sender}"}}"#)).unwrap();
        call.emit("app-message", &app_message(data, &format!("peer-{sender}")));
    }
    call.emit("app-message", &app_message(js_sys::JSON::parse(r#"{"emoji":"?"}"#).unwrap(), ""));
    for &sender in &order {
        let message = reactions.next().await.unwrap().unwrap();
        assert_eq!(message.from_id, format!("peer-{sender}"));
        assert_eq!(message.data.emoji, sender.to_string());
    }
    assert_eq!(reactions.next().await.unwrap().unwrap().from_id, "", "an empty id is an id");
}

#[wasm_bindgen_test]
async fn the_last_senders_messages_are_checked_as_any_other() {
    let (call, sync) = fake_sync(false);
    let mut messages = sync.app_messages::<JsonValue>().unwrap();
    let parse = |text: &str| js_sys::JSON::parse(text).unwrap();
    // A message without a fromId is skipped, as the JS API skips it: with no sender seen yet, and
    // after one.
    call.emit("app-message", &parse(r#"{"data":{"n":0}}"#));
    call.emit("app-message", &app_message(parse(r#"{"n":1}"#), "p1"));
    // From the last sender: a channel's chunk is skipped, a message without data has null.
    call.emit("app-message", &app_message(parse(r#"{"$ds":1,"c":"chat"}"#), "p1"));
    call.emit("app-message", &parse(r#"{"fromId":"p1"}"#));
    call.emit("app-message", &parse(r#"{"data":{"n":2}}"#));
    call.emit("app-message", &app_message(parse(r#"{"n":3}"#), "p1"));
    let first = messages.next().await.unwrap().unwrap();
    assert_eq!((first.data, first.from_id.as_str()), (serde_json::json!({ "n": 1 }), "p1"));
    let empty = messages.next().await.unwrap().unwrap();
    assert_eq!((empty.data, empty.from_id.as_str()), (JsonValue::Null, "p1"));
    let last = messages.next().await.unwrap().unwrap();
    assert_eq!((last.data, last.from_id.as_str()), (serde_json::json!({ "n": 3 }), "p1"));
}

#[wasm_bindgen_test]
fn streams_share_one_listener_and_dropping_the_last_removes_it() {
    let (call, sync) = fake_sync(false);
    let before = call.listener_count("app-message");
    let first = sync.app_messages::<Reaction>().unwrap();
    let second = sync.app_messages::<JsonValue>().unwrap();
    let other_sync = sync_over(&call);
    let third = other_sync.app_messages::<Reaction>().unwrap();
    assert_eq!(call.listener_count("app-message"), before + 1, "one JS listener however many streams");
    drop(first);
    drop(third);
    assert_eq!(call.listener_count("app-message"), before + 1);
    drop(second);
    assert_eq!(call.listener_count("app-message"), before, "the last stream removes the listener");
    for _ in 0..1000 {
        drop(sync.participant_updates::<Reaction>().unwrap());
    }
    assert_eq!(call.listener_count("participant-updated"), 0);
}
