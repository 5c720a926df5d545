//! The Rust API in a real browser, over a fake call object with daily-js's method names, errors
//! and size checks (tests/js/fake_call.js).
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use daily_sync::{DailySync, Error, Recipient};
use futures::StreamExt;
use gloo_timers::future::TimeoutFuture;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "browser/conformance.rs"]
mod conformance;

#[wasm_bindgen(module = "/tests/js/fake_call.js")]
extern "C" {
    #[derive(Clone)]
    type FakeCall;
    #[wasm_bindgen(constructor)]
    fn new() -> FakeCall;
    #[wasm_bindgen(method)]
    fn join(this: &FakeCall);
    #[wasm_bindgen(method)]
    fn leave(this: &FakeCall);
    #[wasm_bindgen(method)]
    fn emit(this: &FakeCall, name: &str, payload: &JsValue);
    #[wasm_bindgen(method, js_name = listenerCount)]
    fn listener_count(this: &FakeCall, name: &str) -> u32;
    #[wasm_bindgen(method, js_name = sentCount)]
    fn sent_count(this: &FakeCall) -> u32;
    #[wasm_bindgen(method, js_name = lastSent)]
    fn last_sent(this: &FakeCall) -> JsValue;
    #[wasm_bindgen(method, js_name = sessionCallCount)]
    fn session_call_count(this: &FakeCall) -> u32;
    #[wasm_bindgen(method, js_name = lastSessionCall)]
    fn last_session_call(this: &FakeCall) -> JsValue;
    #[wasm_bindgen(method, js_name = echoSession)]
    fn echo_session(this: &FakeCall);
    #[wasm_bindgen(method, getter)]
    fn session(this: &FakeCall) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = userData)]
    fn user_data(this: &FakeCall) -> JsValue;
}

fn sync_over(call: &FakeCall) -> DailySync {
    DailySync::new(call.clone().into()).expect("a call object")
}

/// A DailySync over `call` whose session-data throttle writes at most once per `interval_ms`.
fn sync_every(call: &JsValue, interval_ms: u64) -> DailySync {
    let options = daily_sync::SyncOptions { session_data_interval_ms: interval_ms, ..Default::default() };
    DailySync::with_options(call.clone(), &options).expect("a call object")
}

fn json(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).map(String::from).unwrap_or_default()
}

fn app_message(data: JsValue, from: &str) -> JsValue {
    let event = js_sys::Object::new();
    js_sys::Reflect::set(&event, &"data".into(), &data).unwrap();
    js_sys::Reflect::set(&event, &"fromId".into(), &from.into()).unwrap();
    event.into()
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Reaction {
    emoji: String,
}

#[wasm_bindgen_test]
fn anything_but_a_call_object_is_refused() {
    for value in [JsValue::NULL, JsValue::from(3), js_sys::Object::new().into()] {
        assert_eq!(DailySync::new(value).unwrap_err().kind(), "not-call-object");
    }
}

#[wasm_bindgen_test]
fn sending_maps_daily_errors_and_sends_maps_as_plain_objects() {
    let call = FakeCall::new();
    let sync = sync_over(&call);
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
    let call = FakeCall::new();
    let sync = sync_over(&call);
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
    let call = FakeCall::new();
    let sync = sync_over(&call);
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
    let call = FakeCall::new();
    let sync = sync_over(&call);
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
    let call = FakeCall::new();
    let sync = sync_over(&call);
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

type JsonValue = serde_json::Value;

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
struct Hand {
    raised: bool,
}

#[wasm_bindgen_test]
async fn user_data_is_typed_both_ways() {
    let call = FakeCall::new();
    let sync = sync_over(&call);
    sync.set_user_data(&Hand { raised: true }).await.unwrap();
    assert_eq!(json(&call.user_data()), r#"{"raised":true}"#, "allowed before join");
    let me = sync.participants::<Hand>().unwrap();
    assert_eq!(me.len(), 1);
    let me = me.into_iter().next().unwrap().unwrap();
    assert_eq!((me.local, me.user_data), (true, Some(Hand { raised: true })));
    match sync.set_user_data(&"y".repeat(4100)).await {
        Err(Error::PayloadTooLarge { size, limit }) => assert_eq!((size, limit), (4102, 4096)),
        other => panic!("expected payload-too-large, got {other:?}"),
    }
    let mut updates = sync.participant_updates::<Hand>().unwrap();
    let event =
        js_sys::JSON::parse(r#"{"participant":{"session_id":"p9","user_name":"Ada","userData":{"raised":false}}}"#)
            .unwrap();
    call.emit("participant-updated", &JsValue::UNDEFINED);
    call.emit("participant-updated", &event);
    assert!(updates.next().await.unwrap().is_err());
    let ada = updates.next().await.unwrap().unwrap();
    assert_eq!(
        (ada.session_id.as_str(), ada.user_name.as_str(), ada.user_data),
        ("p9", "Ada", Some(Hand { raised: false }))
    );
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Default)]
struct Poll {
    #[serde(default)]
    question: String,
    #[serde(default)]
    yes: u32,
}

#[wasm_bindgen_test]
async fn session_data_is_throttled_and_nothing_is_lost() {
    let call = FakeCall::new();
    let sync = sync_every(&call, 100);
    let poll = sync.session_data::<Poll>().unwrap();
    assert!(matches!(poll.merge(&serde_json::json!({"yes": 1})), Err(Error::NotJoined(_))));
    call.join();
    poll.set(&Poll { question: "Lunch?".into(), yes: 0 }).unwrap();
    assert_eq!(call.session_call_count(), 1, "the leading edge sends at once");
    for yes in 1..=30 {
        poll.merge(&serde_json::json!({ "yes": yes })).unwrap();
        assert_eq!(poll.get().unwrap().yes, yes, "the local view shows pending changes at once");
        TimeoutFuture::new(16).await;
    }
    TimeoutFuture::new(250).await;
    let calls = call.session_call_count();
    assert!(calls <= 8, "about 500 ms at one write per 100 ms: {calls} writes");
    assert_eq!(json(&call.session()), r#"{"question":"Lunch?","yes":30}"#, "the last state arrives");
    let last = call.last_session_call();
    assert_eq!(json(&js_sys::Reflect::get(&last, &"strategy".into()).unwrap()), r#""shallow-merge""#);
}

#[wasm_bindgen_test]
async fn session_data_refuses_a_merged_state_over_the_limit_and_keeps_the_old_one() {
    let call = FakeCall::new();
    call.join();
    let sync = sync_over(&call);
    let state = sync.session_data::<BTreeMap<String, String>>().unwrap();
    state.merge(&serde_json::json!({ "a": "x".repeat(60_000) })).unwrap();
    match state.merge(&serde_json::json!({ "b": "y".repeat(60_000) })) {
        Err(Error::PayloadTooLarge { limit, size }) => assert_eq!((limit, size > 102_400), (102_400, true)),
        other => panic!("expected payload-too-large, got {other:?}"),
    }
    assert_eq!(state.get().unwrap().len(), 1, "nothing changed");
}

#[wasm_bindgen_test]
async fn dropping_the_last_owner_flushes_and_a_left_call_keeps_nothing() {
    let call = FakeCall::new();
    call.join();
    let sync = sync_over(&call);
    let state = sync.session_data::<BTreeMap<String, u32>>().unwrap();
    state.merge(&serde_json::json!({ "a": 1 })).unwrap();
    state.merge(&serde_json::json!({ "b": 2 })).unwrap();
    assert_eq!(call.session_call_count(), 1, "the second change waits for the window");
    drop(state);
    assert_eq!(call.session_call_count(), 1, "a handle's drop leaves the throttle to the DailySync");
    let clone = sync.clone();
    drop(sync);
    assert_eq!(call.session_call_count(), 1, "a clone still holds the throttle");
    assert_eq!(call.listener_count("meeting-session-state-updated"), 1);
    drop(clone);
    assert_eq!(call.session_call_count(), 2, "the last owner's drop flushed");
    assert_eq!(json(&call.session()), r#"{"a":1,"b":2}"#);
    assert_eq!(call.listener_count("meeting-session-state-updated"), 0, "and unsubscribed");

    // Pending changes cannot be sent once the call has left: they are discarded (with a warning).
    let sync = sync_every(&call, 100);
    let state = sync.session_data::<BTreeMap<String, u32>>().unwrap();
    state.merge(&serde_json::json!({ "c": 3 })).unwrap();
    state.merge(&serde_json::json!({ "d": 4 })).unwrap();
    call.leave();
    TimeoutFuture::new(150).await;
    assert!(!json(&call.session()).contains("\"d\""), "the change pending at leave was not sent");
}

#[wasm_bindgen_test]
async fn incoming_states_combine_with_pending_changes() {
    let call = FakeCall::new();
    call.join();
    let sync = sync_over(&call);
    let state = sync.session_data::<BTreeMap<String, u32>>().unwrap();
    let mut states = state.states().unwrap();
    state.merge(&serde_json::json!({ "mine": 1 })).unwrap(); // sent at once
    state.merge(&serde_json::json!({ "mine": 2 })).unwrap(); // pending
    let theirs =
        js_sys::JSON::parse(r#"{"meetingSessionState":{"data":{"mine":1,"theirs":7},"topology":"none"}}"#).unwrap();
    call.emit("meeting-session-state-updated", &theirs);
    let seen = states.next().await.unwrap().unwrap();
    assert_eq!(seen.get("theirs"), Some(&7));
    assert_eq!(seen.get("mine"), Some(&2), "the pending change stays on top");
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, js_name = join)]
    fn join_local(this: &LocalCall) -> js_sys::Promise;
    type LocalCall;
}

/// Ada and Bo, joined to the in-page local room `room`, each with a DailySync.
async fn joined_pair(room: &str) -> (DailySync, DailySync) {
    use daily_sync::local::{local_call_object, LocalCallOptions};
    let options = |name: &str| LocalCallOptions {
        room: room.into(),
        user_name: Some(name.into()),
        transport: Some("memory".into()),
        ..Default::default()
    };
    let (ada, bo) = (local_call_object(&options("Ada")).unwrap(), local_call_object(&options("Bo")).unwrap());
    for call in [&ada, &bo] {
        wasm_bindgen_futures::JsFuture::from(call.unchecked_ref::<LocalCall>().join_local()).await.unwrap();
    }
    (DailySync::new(ada).unwrap(), DailySync::new(bo).unwrap())
}

#[wasm_bindgen_test]
async fn the_rust_api_runs_on_the_local_room() {
    let (ada, bo) = joined_pair("rust-api").await;
    let mut at_bo = bo.app_messages::<Reaction>().unwrap();
    ada.send_app_message(&Reaction { emoji: "👋".into() }, Recipient::All).unwrap();
    let got = at_bo.next().await.unwrap().unwrap();
    assert_eq!(got.data.emoji, "👋");
    let ada_id = ada.participants::<Hand>().unwrap().into_iter().flatten().find(|p| p.local).unwrap().session_id;
    assert_eq!(got.from_id, ada_id);

    let mut updates = bo.participant_updates::<Hand>().unwrap();
    ada.set_user_data(&Hand { raised: true }).await.unwrap();
    loop {
        let p = updates.next().await.unwrap().unwrap();
        if p.session_id == ada_id && p.user_data == Some(Hand { raised: true }) {
            break;
        }
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
struct Note {
    text: String,
}

#[wasm_bindgen_test]
async fn channels_carry_typed_messages_past_the_app_message_limit() {
    use daily_sync::channel::ChannelIssue;
    let (ada, bo) = joined_pair("rust-channel").await;
    let mut notes = bo.channel::<Note>("notes").unwrap().messages();
    let mut plain = bo.app_messages::<serde_json::Value>().unwrap();
    let long = Note { text: "é\"'\\".repeat(20_000) };
    let sent = ada.channel::<Note>("notes").unwrap();
    assert_eq!(sent.send(&long, Recipient::All).unwrap(), 0);
    assert_eq!(sent.send(&Note { text: "short".into() }, Recipient::All).unwrap(), 1);
    ada.send_app_message(&serde_json::json!({ "plain": true }), Recipient::All).unwrap();
    let first = notes.next().await.unwrap().unwrap();
    assert_eq!((first.seq, first.data == long), (0, true));
    assert_eq!(notes.next().await.unwrap().unwrap().data.text, "short");
    let only_plain = plain.next().await.unwrap().unwrap();
    assert_eq!(only_plain.data, serde_json::json!({ "plain": true }), "chunks never reach the plain stream");
    // A channel of another type decodes what does not fit as an error item, and goes on.
    let mut numbers = bo.channel::<u32>("notes").unwrap().messages();
    sent.send(&Note { text: "x".into() }, Recipient::All).unwrap();
    assert!(matches!(numbers.next().await.unwrap(), Err(ChannelIssue::Decode(_))));
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
struct Stage {
    speaker: Option<String>,
}

/// A Rust app with no JavaScript of its own: two calls made and joined with `Call`, typed data of
/// all three kinds both ways, and a leave seen.
#[wasm_bindgen_test]
async fn a_rust_app_makes_joins_and_leaves_calls_with_no_js_of_its_own() {
    use daily_sync::local::LocalCallOptions;
    use daily_sync::{Call, JoinOptions, ParticipantAction};
    let options = LocalCallOptions {
        room: "rust-call".into(),
        transport: Some("memory".into()),
        session_data_sync_ms: Some(50),
        ..Default::default()
    };
    let (ann, bob) = (Call::local(&options).unwrap(), Call::local(&options).unwrap());
    assert_eq!(ann.meeting_state(), "new");
    assert_eq!(ann.local_session_id(), None, "no session id before join");
    let (sync_ann, sync_bob) = (sync_every(&ann.clone().into(), 16), sync_every(&bob.clone().into(), 16));
    let mut bob_sees = sync_bob.participant_events::<Hand>().unwrap();
    let join = |name: &str| JoinOptions { user_name: Some(name.into()), ..Default::default() };
    ann.join(&join("Ann")).await.unwrap();
    bob.join(&join("Bob")).await.unwrap();
    assert_eq!(ann.meeting_state(), "joined-meeting");
    let ann_id = ann.local_session_id().expect("a session id once joined");

    let mut at_bob = sync_bob.app_messages::<Reaction>().unwrap();
    // Ann may not see Bob yet: send until Bob has it.
    let got = loop {
        sync_ann.send_app_message(&Reaction { emoji: "🎉".into() }, Recipient::All).unwrap();
        if let futures::future::Either::Left((Some(Ok(message)), _)) =
            futures::future::select(at_bob.next(), TimeoutFuture::new(100)).await
        {
            break message;
        }
    };
    assert_eq!((got.data.emoji.as_str(), got.from_id.as_str()), ("🎉", ann_id.as_str()));

    sync_ann.set_user_data(&Hand { raised: true }).await.unwrap();
    loop {
        let event = bob_sees.next().await.unwrap().unwrap();
        if event.participant.session_id == ann_id && event.participant.user_data == Some(Hand { raised: true }) {
            break;
        }
    }

    let stage_at_ann = sync_ann.session_data::<Stage>().unwrap();
    let stage_at_bob = sync_bob.session_data::<Stage>().unwrap();
    let stage = Stage { speaker: Some(ann_id.clone()) };
    stage_at_ann.set(&stage).unwrap();
    for _ in 0..100 {
        if stage_at_bob.get().ok() == Some(stage.clone()) {
            break;
        }
        TimeoutFuture::new(50).await;
    }
    assert_eq!(stage_at_bob.get().unwrap(), stage, "the session data Ann set, at Bob");

    ann.leave().await.unwrap();
    loop {
        let event = bob_sees.next().await.unwrap().unwrap();
        if event.participant.session_id == ann_id && event.action == ParticipantAction::Left {
            break;
        }
    }
    assert_eq!(ann.meeting_state(), "left-meeting");
    bob.leave().await.unwrap();
    bob.destroy().await.unwrap();
}

/// `queue_until_joined`: a message and a session-data write made before join reach a peer after
/// the join; without it, a send before join fails as daily-js's does.
#[wasm_bindgen_test]
async fn sends_before_join_are_held_and_sent_on_join() {
    use daily_sync::local::LocalCallOptions;
    use daily_sync::{Call, JoinOptions, SyncOptions};
    let options = LocalCallOptions {
        room: "rust-queue".into(),
        transport: Some("memory".into()),
        session_data_sync_ms: Some(50),
        ..Default::default()
    };
    let (ann, bob) = (Call::local(&options).unwrap(), Call::local(&options).unwrap());
    let sync_bob = sync_every(&bob.clone().into(), 16);
    let mut at_bob = sync_bob.app_messages::<Reaction>().unwrap();
    let stage_at_bob = sync_bob.session_data::<Stage>().unwrap();
    bob.join(&JoinOptions::default()).await.unwrap();

    let plain = DailySync::new(ann.clone().into()).unwrap();
    assert!(matches!(
        plain.send_app_message(&Reaction { emoji: "x".into() }, Recipient::All),
        Err(Error::NotJoined(_))
    ));
    let held = DailySync::with_options(
        ann.clone().into(),
        &SyncOptions { session_data_interval_ms: 16, queue_until_joined: true },
    )
    .unwrap();
    held.send_app_message(&Reaction { emoji: "⏳".into() }, Recipient::All).unwrap();
    let big = Reaction { emoji: "x".repeat(5000) };
    assert!(
        matches!(held.send_app_message(&big, Recipient::All), Err(Error::PayloadTooLarge { .. })),
        "checked at once"
    );
    let stage = held.session_data::<Stage>().unwrap();
    stage.set(&Stage { speaker: Some("early".into()) }).unwrap();
    assert_eq!(stage.get().unwrap().speaker.as_deref(), Some("early"), "the local view has it at once");

    ann.join(&JoinOptions::default()).await.unwrap();
    let got = at_bob.next().await.unwrap().unwrap();
    assert_eq!(got.data.emoji, "⏳");
    for _ in 0..100 {
        if stage_at_bob.get().ok().and_then(|s| s.speaker).as_deref() == Some("early") {
            break;
        }
        TimeoutFuture::new(50).await;
    }
    assert_eq!(stage_at_bob.get().unwrap().speaker.as_deref(), Some("early"), "the held write, at Bob");
    ann.leave().await.unwrap();
    bob.leave().await.unwrap();
}

/// The handles of one DailySync share its one throttle: merges of different keys through two
/// handles (of two types) both reach the other participant, and each handle sees the other's
/// pending change at once.
#[wasm_bindgen_test]
async fn the_session_data_handles_of_one_daily_sync_share_its_throttle() {
    use daily_sync::local::LocalCallOptions;
    use daily_sync::{Call, JoinOptions};
    let options = LocalCallOptions {
        room: "rust-shared-throttle".into(),
        transport: Some("memory".into()),
        session_data_sync_ms: Some(20),
        ..Default::default()
    };
    let (ann, bob) = (Call::local(&options).unwrap(), Call::local(&options).unwrap());
    // A long interval: the second merge waits in the throttle while the first is on its way.
    let sync_ann = sync_every(&ann.clone().into(), 400);
    let sync_bob = sync_every(&bob.clone().into(), 16);
    ann.join(&JoinOptions::default()).await.unwrap();
    bob.join(&JoinOptions::default()).await.unwrap();

    let stage = sync_ann.session_data::<Stage>().unwrap();
    let poll = sync_ann.clone().session_data::<Poll>().unwrap();
    stage.merge(&Stage { speaker: Some("ann".into()) }).unwrap();
    poll.merge(&serde_json::json!({ "yes": 3 })).unwrap();
    let everything = sync_ann.session_data::<BTreeMap<String, serde_json::Value>>().unwrap();
    let view = everything.get().unwrap();
    assert_eq!(
        (view.get("speaker"), view.get("yes")),
        (Some(&serde_json::json!("ann")), Some(&serde_json::json!(3))),
        "one local view"
    );

    let at_bob = sync_bob.session_data::<BTreeMap<String, serde_json::Value>>().unwrap();
    let both = |state: &BTreeMap<String, serde_json::Value>| {
        state.get("speaker") == Some(&serde_json::json!("ann")) && state.get("yes") == Some(&serde_json::json!(3))
    };
    for _ in 0..100 {
        if at_bob.get().is_ok_and(|state| both(&state)) {
            break;
        }
        TimeoutFuture::new(20).await;
    }
    assert!(both(&at_bob.get().unwrap()), "both keys at Bob: {:?}", at_bob.get());
    ann.leave().await.unwrap();
    bob.leave().await.unwrap();
}

/// The interval of `SyncOptions` is the throttle's, and one under 16 ms is refused.
#[wasm_bindgen_test]
async fn the_session_data_interval_comes_from_the_options() {
    let call = FakeCall::new();
    let options = daily_sync::SyncOptions { session_data_interval_ms: 15, ..Default::default() };
    match DailySync::with_options(call.clone().into(), &options) {
        Err(Error::InvalidArgument(message)) => assert!(message.contains("at least 16"), "{message}"),
        other => panic!("expected invalid-argument, got {other:?}"),
    }
    call.join();
    let every = |ms| {
        let sync = sync_every(&call.clone().into(), ms);
        let state = sync.session_data::<BTreeMap<String, u32>>().unwrap();
        (sync, state)
    };
    let (_slow_sync, slow) = every(5_000);
    slow.merge(&serde_json::json!({ "a": 1 })).unwrap();
    slow.merge(&serde_json::json!({ "a": 2 })).unwrap();
    let before = call.session_call_count();
    TimeoutFuture::new(150).await;
    assert_eq!(call.session_call_count(), before, "nothing more within a 5 s window");
    let (_fast_sync, fast) = every(16);
    fast.merge(&serde_json::json!({ "b": 1 })).unwrap();
    fast.merge(&serde_json::json!({ "b": 2 })).unwrap();
    let sent = call.session_call_count();
    TimeoutFuture::new(150).await;
    assert_eq!(call.session_call_count(), sent + 1, "the trailing write of a 16 ms window went out");
}

/// A participant of an in-page local room: its call, its DailySync and its session id.
struct Peer {
    call: daily_sync::Call,
    sync: DailySync,
    id: String,
}

/// Everyone in `names` joined to the in-page local room `room`, once each sees all the others.
async fn joined_room(room: &str, names: &[&str]) -> Vec<Peer> {
    use daily_sync::local::LocalCallOptions;
    use daily_sync::{Call, JoinOptions};
    let options = LocalCallOptions { room: room.into(), transport: Some("memory".into()), ..Default::default() };
    let mut peers = Vec::new();
    for name in names {
        let call = Call::local(&options).unwrap();
        call.join(&JoinOptions { user_name: Some((*name).into()), ..Default::default() }).await.unwrap();
        let id = call.local_session_id().unwrap();
        peers.push(Peer { sync: DailySync::new(call.clone().into()).unwrap(), call, id });
    }
    for _ in 0..200 {
        if peers.iter().all(|p| p.sync.participants::<JsonValue>().unwrap().len() == names.len()) {
            return peers;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("the participants of {room} never all saw each other");
}

/// The code of a request's error, or why there is none.
fn rpc_code<T: std::fmt::Debug>(result: &Result<T, Error>) -> String {
    match result {
        Err(Error::Rpc { code, .. }) => (*code).to_owned(),
        other => format!("not an rpc error: {other:?}"),
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Echo {
    text: String,
    from_id: String,
}

/// A typed request answered, with payloads far past one app message both ways, none of it on the
/// plain app-message stream; a peer's payload or answer of the wrong type is an
/// `application-error` that says so.
#[wasm_bindgen_test]
async fn a_typed_request_is_answered_in_chunks_both_ways() {
    use daily_sync::RequestOptions;
    let room = joined_room("rust-rpc-typed", &["Ada", "Bo"]).await;
    let (ada, bo) = (&room[0], &room[1]);
    let _echo = bo
        .sync
        .handle("echo", |text: String, from_id: String| async move { Ok(Echo { text: text.repeat(2), from_id }) })
        .unwrap();
    let mut plain = bo.sync.app_messages::<JsonValue>().unwrap();
    let long = "é\"x".repeat(7_000); // 21,000 characters, more in JSON
    let answer: Echo = ada.sync.request(&bo.id, "echo", &long, &RequestOptions::default()).await.unwrap();
    assert_eq!(answer.from_id, ada.id, "the handler is told who asked");
    assert_eq!(answer.text.len(), 2 * long.len());
    assert!(answer.text == long.repeat(2), "the 42,000-character answer arrives whole");

    ada.sync.send_app_message(&serde_json::json!({ "plain": true }), Recipient::All).unwrap();
    let first_plain = plain.next().await.unwrap().unwrap();
    assert_eq!(first_plain.data, serde_json::json!({ "plain": true }), "requests never reach the plain stream");

    let wrong_payload = ada.sync.request::<_, Echo>(&bo.id, "echo", &42, &RequestOptions::default()).await;
    assert_eq!(rpc_code(&wrong_payload), "application-error");
    assert!(wrong_payload.unwrap_err().message().contains("payload did not decode"));
    let wrong_answer = ada.sync.request::<_, u32>(&bo.id, "echo", &"x", &RequestOptions::default()).await;
    assert_eq!(rpc_code(&wrong_answer), "application-error");
    assert!(wrong_answer.unwrap_err().message().contains("answer did not decode"));
}

/// No handler for the method: `unsupported-method`, long before the connection timeout; a
/// session id not in the call: `recipient-not-found`; malformed requests are refused.
#[wasm_bindgen_test]
async fn an_unsupported_method_and_an_unknown_recipient_fail_at_once() {
    use daily_sync::RequestOptions;
    let room = joined_room("rust-rpc-unsupported", &["Ada", "Bo"]).await;
    let (ada, bo) = (&room[0], &room[1]);
    let _other = bo.sync.handle("other", |_: JsonValue, _| async { Ok(()) }).unwrap();
    let patient = RequestOptions { timeout_ms: 60_000, connection_timeout_ms: 30_000 };
    let started = js_sys::Date::now();
    let unsupported = ada.sync.request::<_, JsonValue>(&bo.id, "nope", &(), &patient).await;
    assert_eq!(rpc_code(&unsupported), "unsupported-method");
    assert!(js_sys::Date::now() - started < 5_000.0, "told at once, not at a timeout");
    let nobody = ada.sync.request::<_, JsonValue>("nobody", "other", &(), &patient).await;
    assert_eq!(rpc_code(&nobody), "recipient-not-found");

    let everyone = ada.sync.request::<_, JsonValue>("*", "other", &(), &patient).await;
    assert_eq!(everyone.unwrap_err().kind(), "invalid-recipient");
    let no_method = ada.sync.request::<_, JsonValue>(&bo.id, "", &(), &patient).await;
    assert_eq!(no_method.unwrap_err().kind(), "invalid-argument");
    let too_long = RequestOptions { timeout_ms: u64::MAX, ..Default::default() };
    assert_eq!(
        ada.sync.request::<_, JsonValue>(&bo.id, "other", &(), &too_long).await.unwrap_err().kind(),
        "invalid-argument"
    );
}

/// A handler's failure reaches the caller as `application-error` with the handler's message.
#[wasm_bindgen_test]
async fn a_handlers_failure_is_an_application_error_with_its_message() {
    use daily_sync::{RequestOptions, RpcFailure};
    let room = joined_room("rust-rpc-failure", &["Ada", "Bo"]).await;
    let (ada, bo) = (&room[0], &room[1]);
    let _invite = bo
        .sync
        .handle("stage.invite", |seats: u32, _| async move {
            if seats == 0 {
                return Err(RpcFailure::new("the stage is full").with_data(serde_json::json!({ "retryInMs": 5000 })));
            }
            Ok(seats - 1)
        })
        .unwrap();
    let options = RequestOptions::default();
    assert_eq!(ada.sync.request::<_, u32>(&bo.id, "stage.invite", &3, &options).await.unwrap(), 2);
    match ada.sync.request::<_, u32>(&bo.id, "stage.invite", &0, &options).await {
        Err(Error::Rpc { code, message, data }) => {
            assert_eq!((code, message.as_str()), ("application-error", "the stage is full"));
            assert_eq!(data, Some(serde_json::json!({ "retryInMs": 5000 })), "the handler's data");
        }
        other => panic!("expected an application error, got {other:?}"),
    }
}

/// A handler answers while its handle lives; dropped, the method is unsupported, and it can be
/// registered again (but not twice at once).
#[wasm_bindgen_test]
async fn a_dropped_handler_is_unregistered() {
    use daily_sync::RequestOptions;
    let room = joined_room("rust-rpc-drop", &["Ada", "Bo"]).await;
    let (ada, bo) = (&room[0], &room[1]);
    let options = RequestOptions::default();
    let ping = bo.sync.handle("ping", |_: (), _| async { Ok("pong") }).unwrap();
    assert_eq!(ping.method(), "ping");
    assert_eq!(bo.sync.handle("ping", |_: (), _| async { Ok(1) }).unwrap_err().kind(), "invalid-argument");
    assert_eq!(ada.sync.request::<_, String>(&bo.id, "ping", &(), &options).await.unwrap(), "pong");
    drop(ping);
    assert_eq!(rpc_code(&ada.sync.request::<_, String>(&bo.id, "ping", &(), &options).await), "unsupported-method");
    let _again = bo.sync.handle("ping", |_: (), _| async { Ok("pong again") }).unwrap();
    assert_eq!(ada.sync.request::<_, String>(&bo.id, "ping", &(), &options).await.unwrap(), "pong again");
}

/// One request to everyone: each participant's own outcome, by session id.
#[wasm_bindgen_test]
async fn request_all_reports_each_participants_outcome() {
    use daily_sync::{RequestOptions, RpcFailure};
    let room = joined_room("rust-rpc-all", &["Ada", "Bo", "Cy", "Di", "Ed"]).await;
    let (ada, bo, cy, di, ed) = (&room[0], &room[1], &room[2], &room[3], &room[4]);
    let _ready = bo.sync.handle("ready", |_: (), _| async { Ok(true) }).unwrap();
    let _other = cy.sync.handle("other", |_: (), _| async { Ok(true) }).unwrap();
    let _failing = di.sync.handle("ready", |_: (), _| async { Err::<bool, _>(RpcFailure::new("not yet")) }).unwrap();
    // Ed never handled or asked anything: nobody acknowledges for him.
    let options = RequestOptions { timeout_ms: 3_000, connection_timeout_ms: 300 };
    let all = ada.sync.request_all::<_, bool>("ready", &(), &options).await.unwrap();
    assert_eq!(all.len(), 4, "everyone but the caller: {all:?}");
    assert!(matches!(all[&bo.id], Ok(true)));
    assert_eq!(rpc_code(&all[&cy.id]), "unsupported-method");
    assert!(matches!(&all[&di.id], Err(Error::Rpc { code: "application-error", message, .. }) if message == "not yet"));
    assert_eq!(rpc_code(&all[&ed.id]), "connection-timeout");
}

/// A callee that takes the request but is slow: `response-timeout`; one that leaves before it
/// answers: `recipient-left`, as soon as it is gone.
#[wasm_bindgen_test]
async fn a_slow_callee_times_out_and_one_that_leaves_is_reported() {
    use daily_sync::RequestOptions;
    let room = joined_room("rust-rpc-slow", &["Ada", "Bo"]).await;
    let (ada, bo) = (&room[0], &room[1]);
    let _slow = bo
        .sync
        .handle("slow", |_: (), _| async {
            TimeoutFuture::new(1_000).await;
            Ok(())
        })
        .unwrap();
    let _never =
        bo.sync.handle("never", |_: (), _| std::future::pending::<Result<(), daily_sync::RpcFailure>>()).unwrap();
    let quick = RequestOptions { timeout_ms: 300, connection_timeout_ms: 200 };
    assert_eq!(rpc_code(&ada.sync.request::<_, ()>(&bo.id, "slow", &(), &quick).await), "response-timeout");

    let patient = RequestOptions { timeout_ms: 60_000, ..Default::default() };
    let waiting = ada.sync.request::<_, ()>(&bo.id, "never", &(), &patient);
    let started = js_sys::Date::now();
    bo.call.leave().await.unwrap();
    assert_eq!(rpc_code(&waiting.await), "recipient-left");
    assert!(js_sys::Date::now() - started < 5_000.0, "told when the callee left, not at the timeout");
    ada.call.leave().await.unwrap();
}

/// Dropping a request's future cancels it: nothing is left waiting for its answer, and the next
/// request is answered as usual.
#[wasm_bindgen_test]
async fn dropping_a_request_cancels_it() {
    use daily_sync::RequestOptions;
    let room = joined_room("rust-rpc-cancel", &["Ada", "Bo"]).await;
    let (ada, bo) = (&room[0], &room[1]);
    let _slow = bo
        .sync
        .handle("slow", |n: u32, _| async move {
            TimeoutFuture::new(200).await;
            Ok(n)
        })
        .unwrap();
    let options = RequestOptions::default();
    let request = ada.sync.request::<_, u32>(&bo.id, "slow", &1, &options);
    assert!(format!("{:?}", ada.sync).contains("pending: 1"), "{:?}", ada.sync);
    let raced = futures::future::select(request, TimeoutFuture::new(50)).await;
    assert!(matches!(raced, futures::future::Either::Right(_)), "the answer comes after 200 ms");
    drop(raced);
    assert!(format!("{:?}", ada.sync).contains("pending: 0"), "{:?}", ada.sync);
    TimeoutFuture::new(300).await; // the cancelled request's answer arrives, and is ignored
    assert_eq!(ada.sync.request::<_, u32>(&bo.id, "slow", &2, &options).await.unwrap(), 2);
    assert!(format!("{:?}", ada.sync).contains("pending: 0"));
}

/// Request and response listen only once used, share the call's one listener per event, and stop
/// listening when the DailySync and its handlers are dropped.
#[wasm_bindgen_test]
fn request_and_response_stop_listening_when_dropped() {
    let call = FakeCall::new();
    let sync = sync_over(&call);
    let events = ["app-message", "participant-joined", "participant-left"];
    assert!(events.iter().all(|event| call.listener_count(event) == 0), "nothing before first use");
    let handler = sync.handle("ping", |_: (), _| async { Ok(()) }).unwrap();
    let _plain = sync.app_messages::<JsonValue>().unwrap();
    assert!(events.iter().all(|event| call.listener_count(event) == 1), "one listener per event");
    drop(handler);
    assert_eq!(call.listener_count("participant-left"), 1, "the DailySync still listens");
    let clone = sync.clone();
    drop(sync);
    assert_eq!(call.listener_count("participant-left"), 1, "a clone still listens");
    drop(clone);
    assert_eq!(call.listener_count("participant-left"), 0);
    assert_eq!(call.listener_count("app-message"), 1, "the app-message stream still listens");
}

/// The next change of a presence stream, within two seconds.
async fn next_change<T: serde::de::DeserializeOwned>(
    changes: &mut daily_sync::PresenceChanges<T>,
) -> daily_sync::PresenceChange<T> {
    use futures::future::{select, Either};
    match select(changes.next(), TimeoutFuture::new(2000)).await {
        Either::Left((Some(change), _)) => change.expect("a value that decodes"),
        Either::Left((None, _)) => panic!("the presence stream ended"),
        Either::Right(_) => panic!("no presence change within 2 s"),
    }
}

/// Presence set 600 times as fast as the page goes reaches a peer as a handful of messages, each
/// newer than the last, ending on the last value; plain app-message streams never see it.
#[wasm_bindgen_test]
async fn presence_set_at_a_high_rate_ends_on_the_last_value() {
    use daily_sync::PresenceOptions;
    let peers = joined_room("rust-presence-rate", &["Ann", "Bob"]).await;
    let options = PresenceOptions { interval_ms: Some(50), stale_ms: None };
    let at_ann = peers[0].sync.presence::<u32>("cursor", &options).unwrap();
    let at_bob = peers[1].sync.presence::<u32>("cursor", &options).unwrap();
    let other = peers[1].sync.presence::<u32>("other", &options).unwrap();
    let mut plain = peers[1].sync.app_messages::<JsonValue>().unwrap();
    let mut changes = at_bob.changes();
    let mut others = other.changes();
    let started = js_sys::Date::now();
    for value in 1..=600u32 {
        at_ann.set(&value).unwrap();
        if value % 60 == 0 {
            TimeoutFuture::new(10).await;
        }
    }
    let mut seen = Vec::new();
    while seen.last() != Some(&600) {
        let change = next_change(&mut changes).await;
        assert_eq!(change.session_id, peers[0].id);
        seen.push(change.value.expect("a value"));
    }
    let elapsed = js_sys::Date::now() - started;
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "never backwards: {seen:?}");
    assert!(seen.len() as f64 <= elapsed / 50.0 + 2.0, "{} messages in {elapsed} ms", seen.len());
    assert_eq!(at_bob.get(), vec![(peers[0].id.clone(), 600, at_bob.get()[0].2)]);
    assert!(at_ann.get().is_empty(), "its own value is not among the others'");
    peers[0].sync.send_app_message(&"plain", Recipient::All).unwrap();
    assert_eq!(plain.next().await.unwrap().unwrap().data, JsonValue::from("plain"), "no presence message");
    assert!(futures::FutureExt::now_or_never(others.next()).is_none(), "another name sees nothing");
}

/// A participant that joins late gets the current value without anyone setting it again; one that
/// leaves is gone; a silent one past `stale_ms` is gone and comes back on its next `set`.
#[wasm_bindgen_test]
async fn presence_reaches_a_late_joiner_and_leave_or_silence_makes_it_gone() {
    use daily_sync::local::LocalCallOptions;
    use daily_sync::{Call, JoinOptions, PresenceOptions};
    let peers = joined_room("rust-presence-late", &["Ann", "Bob"]).await;
    let options = PresenceOptions { interval_ms: Some(20), stale_ms: None };
    let at_ann = peers[0].sync.presence::<String>("typing", &options).unwrap();
    at_ann.set(&"Ann types".to_owned()).unwrap();

    let call = Call::local(&LocalCallOptions {
        room: "rust-presence-late".into(),
        transport: Some("memory".into()),
        ..Default::default()
    })
    .unwrap();
    let carol = DailySync::new(call.clone().into()).unwrap();
    let at_carol = carol.presence::<String>("typing", &options).unwrap();
    let mut at_carol_changes = at_carol.changes();
    call.join(&JoinOptions { user_name: Some("Carol".into()), ..Default::default() }).await.unwrap();
    let first = next_change(&mut at_carol_changes).await;
    assert_eq!((first.session_id.as_str(), first.value.as_deref()), (peers[0].id.as_str(), Some("Ann types")));

    let mut at_ann_changes = at_ann.changes();
    at_carol.set(&"Carol types".to_owned()).unwrap();
    let carol_id = call.local_session_id().unwrap();
    let change = next_change(&mut at_ann_changes).await;
    assert_eq!((change.session_id.as_str(), change.value.as_deref()), (carol_id.as_str(), Some("Carol types")));
    call.leave().await.unwrap();
    let change = next_change(&mut at_ann_changes).await;
    assert_eq!((change.session_id, change.value), (carol_id, None), "gone on leave");
    assert!(at_ann.get().is_empty());

    let stale = PresenceOptions { interval_ms: Some(20), stale_ms: Some(100) };
    let at_bob = peers[1].sync.presence::<u8>("level", &stale).unwrap();
    let at_ann_level = peers[0].sync.presence::<u8>("level", &stale).unwrap();
    let mut levels = at_bob.changes();
    at_ann_level.set(&7).unwrap();
    assert_eq!(next_change(&mut levels).await.value, Some(7));
    assert_eq!(next_change(&mut levels).await.value, None, "gone when silent past stale_ms");
    at_ann_level.set(&8).unwrap();
    assert_eq!(next_change(&mut levels).await.value, Some(8), "back on its next set");
}

/// Dropping the handle removes its listeners and ends its streams; a dropped stream gets nothing.
#[wasm_bindgen_test]
async fn dropping_a_presence_stops_it() {
    use daily_sync::PresenceOptions;
    let call = FakeCall::new();
    let sync = sync_over(&call);
    let events = ["app-message", "participant-joined", "participant-left"];
    let presence = sync.presence::<u32>("cursor", &PresenceOptions::default()).unwrap();
    assert!(events.iter().all(|event| call.listener_count(event) == 1));
    let dropped = presence.changes();
    drop(dropped);
    let mut changes = presence.changes();
    let message = js_sys::JSON::parse(r#"{"$ds":1,"c":"$p","n":"cursor","q":1,"v":5}"#).unwrap();
    call.emit("app-message", &app_message(message, "p1"));
    let change = changes.next().await.unwrap().unwrap();
    assert_eq!((change.session_id.as_str(), change.value), ("p1", Some(5)));
    let garbage = js_sys::JSON::parse(r#"{"$ds":1,"c":"$p","n":"cursor","q":2,"v":"five"}"#).unwrap();
    call.emit("app-message", &app_message(garbage, "p1"));
    assert!(changes.next().await.unwrap().is_err(), "a value of another type is an error item");
    assert!(presence.get().is_empty(), "and is left out of get()");
    drop(presence);
    assert!(events.iter().all(|event| call.listener_count(event) == 0), "no listener left");
    assert!(changes.next().await.is_none(), "the stream ends with the handle");
}

/// A late joiner's channel with a history gets the last broadcasts first, in order, marked
/// `replay`, then the live ones once; the members that were there see no replay.
#[wasm_bindgen_test]
async fn a_late_joiner_gets_a_channels_history_first_then_live_messages() {
    use daily_sync::local::LocalCallOptions;
    use daily_sync::{Call, ChannelOptions, JoinOptions};
    let peers = joined_room("rust-history", &["Ann", "Bob"]).await;
    let options = ChannelOptions { history: Some(5), ..Default::default() };
    let at_ann = peers[0].sync.channel_with_options::<Note>("chat", &options).unwrap();
    let at_bob = peers[1].sync.channel_with_options::<Note>("chat", &options).unwrap();
    let mut bob_sees = at_bob.messages();
    for n in 0..7 {
        at_ann.send(&Note { text: format!("note {n}") }, Recipient::All).unwrap();
    }
    for n in 0..7 {
        let message = bob_sees.next().await.unwrap().unwrap();
        assert_eq!((message.data.text, message.replay), (format!("note {n}"), false));
    }

    let call = Call::local(&LocalCallOptions {
        room: "rust-history".into(),
        transport: Some("memory".into()),
        ..Default::default()
    })
    .unwrap();
    call.join(&JoinOptions { user_name: Some("Carol".into()), ..Default::default() }).await.unwrap();
    let carol = DailySync::new(call.clone().into()).unwrap();
    let at_carol = carol.channel_with_options::<Note>("chat", &options).unwrap();
    let mut carol_sees = at_carol.messages();
    for n in 2..7 {
        let message = carol_sees.next().await.unwrap().unwrap();
        assert_eq!((message.data.text.as_str(), message.replay), (format!("note {n}").as_str(), true));
        assert_eq!((message.from_id.as_str(), message.seq), (peers[0].id.as_str(), n));
    }
    at_bob.send(&Note { text: "live".into() }, Recipient::All).unwrap();
    let message = carol_sees.next().await.unwrap().unwrap();
    assert_eq!(
        (message.data.text.as_str(), message.replay, message.from_id.as_str()),
        ("live", false, peers[1].id.as_str())
    );
    at_ann.send(&Note { text: "after".into() }, Recipient::All).unwrap();
    let message = carol_sees.next().await.unwrap().unwrap();
    assert_eq!((message.data.text.as_str(), message.replay), ("after", false));
    let message = bob_sees.next().await.unwrap().unwrap();
    assert_eq!((message.data.text.as_str(), message.replay), ("after", false), "Bob sees no replay");
    assert!(futures::FutureExt::now_or_never(carol_sees.next()).is_none(), "nothing twice");

    // Opened before join: fetched on join.
    let dave_call = Call::local(&LocalCallOptions {
        room: "rust-history".into(),
        transport: Some("memory".into()),
        ..Default::default()
    })
    .unwrap();
    let dave = DailySync::new(dave_call.clone().into()).unwrap();
    let at_dave = dave.channel_with_options::<Note>("chat", &options).unwrap();
    let mut dave_sees = at_dave.messages();
    dave_call.join(&JoinOptions { user_name: Some("Dave".into()), ..Default::default() }).await.unwrap();
    for text in ["note 4", "note 5", "note 6", "live", "after"] {
        let message = dave_sees.next().await.unwrap().unwrap();
        assert_eq!((message.data.text.as_str(), message.replay), (text, true));
    }
    assert!(futures::FutureExt::now_or_never(carol_sees.next()).is_none(), "Carol sees no replay");
    call.leave().await.unwrap();
    dave_call.leave().await.unwrap();
}

/// `names` joined to a local room whose session data syncs every 20 ms, each with its ordered
/// state opened before join (every participant may have to order).
async fn ordered_room(room: &str, names: &[&str]) -> Vec<(Peer, daily_sync::Ordered)> {
    use daily_sync::local::LocalCallOptions;
    use daily_sync::{Call, JoinOptions};
    let options = LocalCallOptions {
        room: room.into(),
        transport: Some("memory".into()),
        session_data_sync_ms: Some(20),
        ..Default::default()
    };
    let mut peers = Vec::new();
    for name in names {
        let call = Call::local(&options).unwrap();
        let sync = DailySync::new(call.clone().into()).unwrap();
        let ordered = sync.ordered().unwrap();
        call.join(&JoinOptions { user_name: Some((*name).into()), ..Default::default() }).await.unwrap();
        let id = call.local_session_id().unwrap();
        peers.push((Peer { call, sync, id }, ordered));
    }
    for _ in 0..200 {
        if peers.iter().all(|(p, _)| p.sync.participants::<JsonValue>().unwrap().len() == names.len()) {
            return peers;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("the participants of {room} never all saw each other");
}

/// Waits until every one of `peers` sees `key` at `value` in its session data.
async fn everyone_sees(peers: &[&Peer], key: &str, value: serde_json::Value) {
    let sees = |p: &Peer| {
        p.sync.session_data::<BTreeMap<String, JsonValue>>().unwrap().get().unwrap().get(key) == Some(&value)
    };
    for _ in 0..300 {
        if peers.iter().all(|p| sees(p)) {
            return;
        }
        TimeoutFuture::new(10).await;
    }
    let views: Vec<_> = peers
        .iter()
        .map(|p| p.sync.session_data::<BTreeMap<String, JsonValue>>().unwrap().get().unwrap().get(key).cloned())
        .collect();
    panic!("not everyone sees {key} = {value}: {views:?}");
}

/// Concurrent increments from three participants lose none; push keeps the last `max`, remove
/// drops equal items, and a batch with a bad op is refused whole.
#[wasm_bindgen_test]
async fn ordered_state_loses_no_concurrent_change() {
    use daily_sync::OrderedOp;
    let peers = ordered_room("rust-ordered", &["Ann", "Bo", "Cy"]).await;
    let applies =
        peers.iter().flat_map(|(_, ordered)| (0..20).map(|_| ordered.apply(&[OrderedOp::increment("n", 1.0)])));
    let results = futures::future::join_all(applies.collect::<Vec<_>>()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let mut counts: Vec<i64> = results.iter().filter_map(|r| r.as_ref().ok()?.get("n")?.as_i64()).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=60).collect::<Vec<_>>(), "each increment applied once, in one order");
    let all: Vec<&Peer> = peers.iter().map(|(p, _)| p).collect();
    everyone_sees(&all, "n", serde_json::json!(60)).await;

    let bo = &peers[1].1;
    for q in ["a", "b", "a", "c", "d"] {
        bo.apply(&[OrderedOp::push("queue", serde_json::json!(q), Some(4))]).await.unwrap();
    }
    let now = bo.apply(&[OrderedOp::remove("queue", serde_json::json!("a"))]).await.unwrap();
    assert_eq!(now["queue"], serde_json::json!(["b", "c", "d"]), "the oldest dropped past max, then every 'a' removed");

    let cy = &peers[2].1;
    cy.apply(&[OrderedOp::set("title", serde_json::json!("Q&A"))]).await.unwrap();
    let refused = cy.apply(&[OrderedOp::set("x", serde_json::json!(1)), OrderedOp::increment("title", 1.0)]).await;
    assert!(matches!(&refused, Err(Error::InvalidArgument(why)) if why.contains("ops[1]")), "{refused:?}");
    assert!(matches!(cy.apply(&[OrderedOp::set("", serde_json::json!(1))]).await, Err(Error::InvalidArgument(_))));
    let after = cy.apply(&[OrderedOp::increment("n", 0.0)]).await.unwrap();
    assert_eq!(after["n"], serde_json::json!(60));
    everyone_sees(&all, "title", serde_json::json!("Q&A")).await;
    let view = peers[0].0.sync.session_data::<BTreeMap<String, JsonValue>>().unwrap().get().unwrap();
    assert_eq!(view.get("x"), None, "nothing of the refused batch");
    for (peer, _) in &peers {
        peer.call.leave().await.unwrap();
    }
}

/// The participant that orders leaves while two others apply: its successor takes over from
/// session data, and every change is applied exactly once.
#[wasm_bindgen_test]
async fn ordered_state_survives_the_orderer_leaving_mid_stream() {
    use daily_sync::OrderedOp;
    let peers = ordered_room("rust-ordered-takeover", &["Ann", "Bo", "Cy"]).await;
    let mut applies = Vec::new();
    for round in 0..30 {
        for (_, ordered) in &peers[1..] {
            applies.push(ordered.apply(&[OrderedOp::increment("n", 1.0)]));
        }
        if round == 10 {
            peers[0].0.call.leave().await.unwrap();
        }
    }
    let results = futures::future::join_all(applies).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let rest: Vec<&Peer> = peers[1..].iter().map(|(p, _)| p).collect();
    everyone_sees(&rest, "n", serde_json::json!(60)).await;
    for (peer, _) in &peers[1..] {
        peer.call.leave().await.unwrap();
    }
}
